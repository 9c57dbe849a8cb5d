"""`build.py diff <revision>`: what changed in the policies, in words, over a real git repository."""

from __future__ import annotations

from markdown_it import MarkdownIt
import pytest
from bs4 import BeautifulSoup

from conftest import VALID_APP
from gitrepo import commit_all, git, init_repo
from policysite.content.history import GitError, resolve_commit

PRO_OFF = ("  clearcenter_pro:\n    available: false\n    reason: ClearCenter has no agreement with the vendor.\n"
           "    alternative: Use the vendor's ticket service.\n")
PRO_ON = ("  clearcenter_pro:\n    available: true\n    url: https://portal.clearcenter.example/tickets\n"
          "    reply_email: support@clearcenter.example\n")
PRO_ENDS = PRO_ON + ("    change:\n      from: 2027-01-31\n      available: false\n"
                     "      reason: The agreement with the vendor ends.\n")


def repo_with(project, first: str, second: str | None = None):
    """Commit sample_app as first; then write second (uncommitted) when given."""
    project.app("sample_app", first)
    init_repo(project.root)
    commit_all(project.root, "First", "2026-03-01T10:00:00Z")
    if second is not None:
        project.app("sample_app", second)
    return project


def test_diff_between_two_commits_in_plain_words(project, capsys):
    repo_with(project, VALID_APP.replace(PRO_OFF, PRO_ON))
    project.app("sample_app", VALID_APP.replace("email: help@vendor.example", "email: tickets@vendor.example"))
    commit_all(project.root, "Second", "2026-04-01T10:00:00Z")

    status, out, err = project.run("diff", "HEAD~1", capsys=capsys)

    assert (status, err) == (0, "")
    assert out.splitlines() == [
        "sample_app: ClearCenter Professional Support is no longer available "
        "(reason: ClearCenter has no agreement with the vendor; instead: Use the vendor's ticket service)",
        "sample_app: contact email for Developer/ISV Support changed from help@vendor.example to tickets@vendor.example",
    ]


def test_diff_as_markdown_for_a_pull_request_comment(project, capsys):
    repo_with(project, VALID_APP, VALID_APP.replace(PRO_OFF, PRO_ENDS).replace("level: low", "level: medium"))
    commit = git(project.root, "rev-parse", "HEAD").strip()

    status, out, err = project.run("diff", "main", "--format", "markdown", capsys=capsys)

    assert (status, err) == (0, "")
    assert out == (
        "## Support policy changes since `main`\n"
        "\n"
        f"1 app differs from `main` (`{commit[:12]}`).\n"
        "\n"
        "### `sample_app` — `Sample App`\n"
        "\n"
        "- ClearCenter Professional Support became available\n"
        "- Announced: ClearCenter Professional Support ends on 2027-01-31 (reason: `The agreement with the vendor ends`)\n"
        "- Address for ClearCenter Professional Support added: `https://portal.clearcenter.example/tickets`\n"
        "- Reply email for ClearCenter Professional Support added: `support@clearcenter.example`\n"
        "- Relationship with the vendor rating changed from `low` to `medium`\n"
    )


def test_new_and_removed_apps(project, capsys):
    repo_with(project, VALID_APP)
    project.app("other_app", VALID_APP.replace("name: Sample App", "name: Other App"))
    commit_all(project.root, "Add other_app", "2026-04-01T10:00:00Z")
    (project.root / "content/apps/sample_app.yaml").unlink()
    project.write("content/docs/level2/software-raid-5.md", "---\ntitle: RAID 5\nsummary: Install on RAID 5.\n---\nText\n")

    status, out, _ = project.run("diff", "HEAD~1", capsys=capsys)

    assert status == 0
    assert out.splitlines() == [
        "new app: other_app (Other App); available: Public Forum Support - Casual, Developer/ISV Support and "
        "ClearCenter Consulting Services; not available: ClearFoundation Forum Support - Dedicated and "
        "ClearCenter Professional Support",
        "removed app: sample_app (Sample App)",
    ]


def test_no_policy_changes_says_so(project, capsys):
    repo_with(project, VALID_APP, "# only a comment\n" + VALID_APP)
    assert project.run("diff", "HEAD", capsys=capsys)[:2] == (0, "no policy changes since HEAD\n")
    status, out, _ = project.run("diff", "HEAD", "--format", "markdown", capsys=capsys)
    assert out == "## Support policy changes since `HEAD`\n\nNo policy changes.\n"


def test_scheduled_change_that_took_effect_and_was_then_written_out_is_no_change(project, capsys, monkeypatch):
    # committed: the change on 2027-01-31; working tree after that day: the same policy written out by hand
    repo_with(project, VALID_APP.replace(PRO_OFF, PRO_ENDS),
              VALID_APP.replace(PRO_OFF, "  clearcenter_pro:\n    available: false\n    reason: The agreement with the vendor ends.\n"))
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1801396800")  # 2027-02-01 12:00 UTC
    assert project.run("diff", "HEAD", capsys=capsys)[:2] == (0, "no policy changes since HEAD\n")


def test_withdrawn_announcement_is_reported(project, capsys):
    repo_with(project, VALID_APP.replace(PRO_OFF, PRO_ENDS), VALID_APP.replace(PRO_OFF, PRO_ON))
    assert project.run("diff", "HEAD", capsys=capsys)[1] == (
        "sample_app: announcement withdrawn: ClearCenter Professional Support ends on 2027-01-31\n")


def test_markdown_keeps_hostile_text_inert(project, capsys):
    hostile = "Ping @octocat, see <img src=x onerror=alert(1)> and [here](https://evil.example) or `x`"
    repo_with(project, VALID_APP, VALID_APP.replace("reason: There is no forum section for this app.", f"reason: '{hostile}'"))

    status, out, _ = project.run("diff", "HEAD", "--format", "markdown", capsys=capsys)

    assert status == 0
    html = BeautifulSoup(MarkdownIt("commonmark").render(out), "html.parser")  # CommonMark, raw HTML on, as GitHub reads it
    assert html.find("img") is None and html.find("a") is None
    codes = [c.get_text() for c in html.find_all("code")]
    assert hostile in codes
    text_outside_code = "".join(s for s in html.find_all(string=True) if s.parent.name != "code")
    assert "@octocat" not in text_outside_code


def test_unknown_revision_is_refused_clearly(project, capsys):
    repo_with(project, VALID_APP)
    assert project.run("diff", "no-such-branch", capsys=capsys) == (
        2, "", "error: 'no-such-branch' is not a commit in this repository (try a branch such as 'origin/main', or HEAD~1)\n")
    with pytest.raises(GitError, match="is not a git revision"):
        resolve_commit(project.root, "--output=/tmp/x")  # never passed to git as an option


def test_diff_outside_a_git_checkout_is_refused_clearly(project, capsys):
    status, out, err = project.run("diff", "HEAD", capsys=capsys)
    assert (status, out) == (2, "")
    assert err == f"error: {project.root} is not a git checkout, so there is nothing to compare with; work in a clone of the repository\n"


def test_diff_of_broken_content_reports_the_problems_first(project, capsys):
    repo_with(project, VALID_APP, VALID_APP.replace("available: true\n    url:", "available: yes\n    url:"))
    status, out, err = project.run("diff", "HEAD", capsys=capsys)
    assert (status, out) == (1, "")
    assert err.splitlines()[0] == "content/apps/sample_app.yaml:11:16: support.forum_casual.available: expected true or false, got 'yes'"


def test_diff_needs_a_revision(project, capsys):
    assert project.run("diff", capsys=capsys) == (2, "", "error: diff needs a git revision: build.py diff <revision>\n")


def test_a_file_that_was_broken_at_the_revision_is_described_whole(project, capsys):
    repo_with(project, "name: [unclosed\n", VALID_APP)
    status, out, _ = project.run("diff", "HEAD", capsys=capsys)
    assert status == 0
    assert out == ("new app: sample_app (Sample App); the file could not be read at the earlier revision; available: "
                   "Public Forum Support - Casual, Developer/ISV Support and ClearCenter Consulting Services; not available: "
                   "ClearFoundation Forum Support - Dedicated and ClearCenter Professional Support\n")
