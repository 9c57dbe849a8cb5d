"""Policy history from a real git repository: the app page's changelog, `history` in the app's JSON,
and changes.json (JSON Feed 1.1), all from commit dates; with --no-history, none of it."""

from __future__ import annotations

import json

import jsonschema
import pytest
from bs4 import BeautifulSoup

from conftest import LEVEL2_ARTICLE, POLICY_DOC, REPO, VALID_APP, tree_digest
from gitrepo import commit_all, git, init_repo
from policysite.render import feed

FEED_SCHEMA = json.loads((REPO / "schema/feed.schema.json").read_text())
CHANGES_SCHEMA = json.loads((REPO / "schema/changes.schema.json").read_text())
CONSULTING_ON = "  clearcenter_consulting:\n    available: true\n"
CONSULTING_OFF = "  clearcenter_consulting:\n    available: false\n    reason: ClearCenter has not studied the app yet.\n"
FIRST = VALID_APP.replace(CONSULTING_ON, CONSULTING_OFF)
SECOND = VALID_APP.replace("email: help@vendor.example", "email: tickets@vendor.example")
OTHER = VALID_APP.replace("name: Sample App", "name: Other App")


def validator(schema: dict, pointer: str = ""):
    """Return a Draft 2020-12 validator for a schema or one of its $defs."""
    target = {"$defs": schema["$defs"], "$ref": f"#/$defs/{pointer}"} if pointer else schema
    cls = jsonschema.Draft202012Validator
    return cls(target, format_checker=cls.FORMAT_CHECKER)


@pytest.fixture
def two_commits(project):
    """A git repository: the app as FIRST on 2026-03-01, then SECOND plus a new app on 2026-04-02."""
    project.app("sample_app", FIRST)
    init_repo(project.root)
    first = commit_all(project.root, "Add sample_app", "2026-03-01T10:00:00Z")
    project.app("sample_app", SECOND)
    project.app("other_app", OTHER)
    second = commit_all(project.root, "Offer consulting; new ticket address; add other_app", "2026-04-02T09:30:00+02:00")
    return project, first, second


def changelog(project, basename: str) -> list[tuple[str, str]]:
    """Return (id, text) of each changelog item on an app's built page."""
    page = BeautifulSoup((project.out / f"apps/{basename}/index.html").read_text(encoding="utf-8"), "html.parser")
    return [(li["id"], " ".join(li.get_text().split())) for li in page.select("section.history ol.changelog > li")]


def test_app_page_lists_each_commit_that_changed_the_policy_newest_first(two_commits, capsys):
    project, first, second = two_commits
    assert project.run(capsys=capsys)[0] == 0
    assert changelog(project, "sample_app") == [
        (f"change-{second[:12]}", "ClearCenter Consulting Services became available; Contact email for Developer/ISV Support "
                                  "changed from help@vendor.example to tickets@vendor.example — 2026-04-02"),
        (f"change-{first[:12]}", "Policy published — 2026-03-01"),
    ]
    assert changelog(project, "other_app") == [(f"change-{second[:12]}", "Policy published — 2026-04-02")]


def test_app_json_has_the_history_with_commit_dates_in_utc(two_commits, capsys):
    project, first, second = two_commits
    assert project.run(capsys=capsys)[0] == 0
    document = json.loads((project.out / "api/v1/apps/sample_app.json").read_bytes())
    validator(FEED_SCHEMA, "app_document").validate(document)
    assert document["app"]["history"] == [
        {"date": "2026-04-02", "time": "2026-04-02T07:30:00Z", "commit": second,
         "changes": ["ClearCenter Consulting Services became available",
                     "Contact email for Developer/ISV Support changed from help@vendor.example to tickets@vendor.example"]},
        {"date": "2026-03-01", "time": "2026-03-01T10:00:00Z", "commit": first, "changes": ["Policy published"]},
    ]


def test_changes_json_is_a_json_feed_of_all_apps_newest_first(two_commits, capsys):
    project, first, second = two_commits
    assert project.run(capsys=capsys)[0] == 0
    changes = json.loads((project.out / "changes.json").read_bytes())
    validator(CHANGES_SCHEMA).validate(changes)
    base = "https://policies.clearos.example/"
    assert changes["version"] == "https://jsonfeed.org/version/1.1"
    assert changes["feed_url"] == base + "changes.json"
    assert [(i["id"], i["date_published"], i["title"]) for i in changes["items"]] == [
        (f"{base}apps/other_app/#change-{second[:12]}", "2026-04-02T07:30:00Z", "Other App: Policy published"),
        (f"{base}apps/sample_app/#change-{second[:12]}", "2026-04-02T07:30:00Z",
         "Sample App: ClearCenter Consulting Services became available (and 1 more)"),
        (f"{base}apps/sample_app/#change-{first[:12]}", "2026-03-01T10:00:00Z", "Sample App: Policy published"),
    ]
    assert changes["items"][1]["content_text"] == (
        "ClearCenter Consulting Services became available\n"
        "Contact email for Developer/ISV Support changed from help@vendor.example to tickets@vendor.example")
    # every item's link lands on an element of the app page
    for item in changes["items"]:
        path, anchor = item["url"].removeprefix(base).split("#")
        page = BeautifulSoup((project.out / path / "index.html").read_text(encoding="utf-8"), "html.parser")
        assert page.find(id=anchor) is not None, item["url"]


def test_changes_json_keeps_only_the_newest_items(two_commits, capsys, monkeypatch):
    project, _, second = two_commits
    monkeypatch.setattr(feed, "CHANGES_LIMIT", 2)
    assert project.run(capsys=capsys)[0] == 0
    items = json.loads((project.out / "changes.json").read_bytes())["items"]
    assert [i["date_published"] for i in items] == ["2026-04-02T07:30:00Z", "2026-04-02T07:30:00Z"]


def test_real_bound_of_changes_json_is_in_its_schema():
    assert CHANGES_SCHEMA["properties"]["items"]["maxItems"] == feed.CHANGES_LIMIT


def test_a_commit_that_changes_nothing_published_adds_no_entry(two_commits, capsys):
    project, first, second = two_commits
    app = project.root / "content/apps/sample_app.yaml"
    app.write_text("# a comment only\n" + SECOND, encoding="utf-8")
    commit_all(project.root, "Comment", "2026-05-01T00:00:00Z")
    assert project.run(capsys=capsys)[0] == 0
    assert [i for i, _ in changelog(project, "sample_app")] == [f"change-{second[:12]}", f"change-{first[:12]}"]


def test_a_merged_branch_counts_once_at_its_merge(two_commits, capsys):
    project, _, second = two_commits
    git(project.root, "checkout", "-q", "-b", "review")
    project.app("sample_app", SECOND.replace("reviewed: 2026-01-15", "reviewed: 2026-05-01"))
    commit_all(project.root, "Review", "2026-05-01T08:00:00Z")
    git(project.root, "checkout", "-q", "main")
    git(project.root, "merge", "-q", "--no-ff", "-m", "Merge review", "review", when="2026-05-03T08:00:00Z")
    merge = git(project.root, "rev-parse", "HEAD").strip()
    assert project.run(capsys=capsys)[0] == 0
    assert changelog(project, "sample_app")[0] == (f"change-{merge[:12]}", "Marked as reviewed on 2026-05-01 — 2026-05-03")


def test_two_builds_with_history_are_byte_identical(two_commits, tmp_path, capsys):
    project, _, _ = two_commits
    assert project.run(capsys=capsys)[0] == 0
    first = tree_digest(project.out)
    assert project.run(capsys=capsys)[0] == 0
    assert tree_digest(project.out) == first


def test_built_with_no_history_nothing_says_a_change_happened(project, capsys):
    """Outside a git checkout the conftest project is built with --no-history (test_history_refused has the refusal)."""
    status, out, err = project.run("build", "--no-history", capsys=capsys)
    assert (status, err) == (0, "")
    assert out.splitlines()[-1] == "note: built without the policy history (--no-history): app pages say so; changes.json, changes.atom and the changes page list nothing"
    assert changelog(project, "sample_app") == []
    page = BeautifulSoup((project.out / "apps/sample_app/index.html").read_text(encoding="utf-8"), "html.parser")
    assert " ".join(page.select_one("section.history").get_text().split()) == (
        "Policy history This copy of the site was built without the history of its policies.")
    document = json.loads((project.out / "api/v1/apps/sample_app.json").read_bytes())
    assert document["app"]["history"] == []
    changes = json.loads((project.out / "changes.json").read_bytes())
    validator(CHANGES_SCHEMA).validate(changes)
    assert changes["items"] == []


THIRD = VALID_APP.replace("name: Sample App", "name: Third App")


def assert_stops_the_build(project, capsys, message: str) -> None:
    """Assert that a build of project fails with message on third_app alone and leaves site/ as it was."""
    before = tree_digest(project.out)
    assert project.run(capsys=capsys) == (1, "", f"content/apps/third_app.yaml:1:1: history: {message}\n"
                                                 "error: 1 problem in 1 file; site/ was not changed\n")
    assert tree_digest(project.out) == before


def test_an_app_file_git_holds_no_commit_of_stops_the_build(two_commits, capsys):
    project, _, _ = two_commits
    project.run(capsys=capsys)
    project.app("third_app", THIRD)
    assert_stops_the_build(project, capsys, "git holds no commit of this file, so its history cannot be published; "
                                            "commit it, or build with --no-history to publish none")
    assert project.run("check", capsys=capsys)[0] == 0   # the pre-commit hook checks a file before its first commit
    commit_all(project.root, "Add third_app", "2026-05-01T10:00:00Z")
    assert project.run(capsys=capsys)[0] == 0
    assert changelog(project, "third_app")[0][1] == "Policy published — 2026-05-01"


def test_an_app_file_git_holds_only_unreadable_versions_of_is_told_apart_from_one_never_committed(two_commits, capsys):
    """A committed version that does not load is left out of history; when none is left the build says that, not
    'no commit', and a warm cache never answers with the message of the other case."""
    project, _, _ = two_commits
    project.run(capsys=capsys)
    project.app("third_app", THIRD)
    assert "git holds no commit of this file" in project.run(capsys=capsys)[2]
    project.app("third_app", "name: [unclosed\n")
    commit_all(project.root, "Add third_app, broken", "2026-05-01T10:00:00Z")
    project.app("third_app", THIRD)
    assert_stops_the_build(project, capsys, "no committed version of this file can be read, so its history cannot be "
                                            "published; commit it once check passes, or build with --no-history to publish none")
    commit_all(project.root, "Fix third_app", "2026-05-02T10:00:00Z")
    assert project.run(capsys=capsys)[0] == 0
    assert changelog(project, "third_app")[0][1] == "Policy published — 2026-05-02"


def test_an_app_file_deleted_in_git_and_written_again_is_not_published_as_removed(two_commits, capsys):
    project, _, _ = two_commits
    git(project.root, "rm", "-q", "content/apps/other_app.yaml")
    commit_all(project.root, "Remove other_app", "2026-05-01T10:00:00Z")
    project.app("other_app", OTHER)
    assert project.run(capsys=capsys)[2].startswith(
        "content/apps/other_app.yaml:1:1: history: git holds no commit of this file, so its history cannot be published;")


def test_the_preview_shows_an_uncommitted_app_without_history_and_says_why(two_commits, capsys):
    from policysite.content.history import PREVIEW
    from policysite.preview.serve import rebuild

    project, _, _ = two_commits
    project.app("third_app", THIRD)
    assert rebuild(project.root, project.out, {}, PREVIEW) is None   # None: no Failure
    assert capsys.readouterr().err == ("content/apps/third_app.yaml:1:1: warning: history: git holds no commit of this file "
                                       "yet, so its page shows no history until it is committed\n")
    assert changelog(project, "third_app") == []
    assert [text for _, text in changelog(project, "other_app")] == ["Policy published — 2026-04-02"]


ODD_SHAPES = [
    {}, {"support": []}, {"support": {"vendor": "yes"}}, {"support": {"vendor": {"available": "yes", "change": []}}},
    {"support": {"vendor": {"available": True, "change": {"from": "not a date", "available": False}}}},
    {"support": {"vendor": {"available": True, "change": {"from": ["2027-01-31"]}}}},
    {"factors": None, "level2": {"articles": "raid"}, "links": ["x"], "name": ["a"], "reviewed": 5},
    {"level2": {"covered": "maybe", "articles": [1, None, "raid"]}, "description": {"a": 1}},
]


@pytest.mark.parametrize("old", ODD_SHAPES)
@pytest.mark.parametrize("new", ODD_SHAPES)
def test_sentences_survive_any_shape_an_old_commit_may_have(old, new):
    import datetime
    from policysite.content.compare import Names, app_changes
    from policysite.content.history import Version, history_entries
    names = Names(methods=(("vendor", "Developer/ISV Support"),), factors=(("knowledge", "Knowledge"),))
    assert isinstance(app_changes(old, new, names), list)
    when = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)
    versions = [Version(when, "a" * 40, old), Version(when + datetime.timedelta(days=1), "b" * 40, new)]
    entries = history_entries(versions, datetime.date(2028, 1, 1), names)
    assert entries[-1].changes == ("Policy published",)


def test_a_commit_with_a_broken_file_does_not_break_the_build(project, capsys):
    project.app("sample_app", VALID_APP)
    init_repo(project.root)
    commit_all(project.root, "Add", "2026-03-01T10:00:00Z")
    project.app("sample_app", "name: [unclosed\n")
    commit_all(project.root, "Broken", "2026-03-02T10:00:00Z")
    project.app("sample_app", "support: nothing\nfactors: [1]\n")
    commit_all(project.root, "Odd", "2026-03-03T10:00:00Z")
    project.app("sample_app", SECOND)
    commit_all(project.root, "Fixed", "2026-03-04T10:00:00Z")
    status, _, err = project.run(capsys=capsys)
    assert (status, err) == (0, "")
    assert changelog(project, "sample_app")[-1][1] == "Policy published — 2026-03-01"


def updated_on(project, page: str) -> str | None:
    """Return the "last updated" day a built documentation page gives, or None."""
    found = BeautifulSoup((project.out / page).read_text(encoding="utf-8"), "html.parser").select("article.doc .doc-updated time")
    return found[0]["datetime"] if found else None


def test_a_documentation_page_gives_the_day_git_last_changed_its_file(two_commits, capsys):
    project, _, _ = two_commits   # the docs came with the first commit, on 2026-03-01
    project.write("content/docs/policy.md", POLICY_DOC + "\nOne more sentence.\n")
    commit_all(project.root, "Explain the policy further", "2026-05-06T22:30:00-05:00")   # 2026-05-07 in UTC
    project.write("content/docs/level2/software-raid-5.md", LEVEL2_ARTICLE + "\nNot committed yet.\n")
    assert project.run(capsys=capsys)[0] == 0
    assert updated_on(project, "policy/index.html") == "2026-05-07"
    assert updated_on(project, "level2/index.html") == "2026-03-01"
    assert updated_on(project, "level2/software-raid-5/index.html") == "2026-03-01"   # its last commit, not the edit
    page = BeautifulSoup((project.out / "policy/index.html").read_text(encoding="utf-8"), "html.parser")
    assert " ".join(page.select_one(".doc-updated").get_text().split()) == "Last updated on 2026-05-07"


def test_a_documentation_page_has_no_day_git_cannot_vouch_for(two_commits, capsys):
    project, _, _ = two_commits
    project.write("content/docs/policy.md", POLICY_DOC + "\nFrom the future.\n")
    commit_all(project.root, "A commit dated after the build", "2031-01-01T00:00:00Z")
    project.write("content/docs/level2/new-article.md", LEVEL2_ARTICLE.replace("RAID 5", "Something new"))
    assert project.run(capsys=capsys)[0] == 0
    assert updated_on(project, "policy/index.html") is None         # its last commit is dated after today
    assert updated_on(project, "level2/new-article/index.html") is None   # never committed
    assert updated_on(project, "level2/index.html") == "2026-03-01"


def test_without_history_no_documentation_page_gives_a_day(two_commits, capsys):
    project, _, _ = two_commits
    assert project.run("--no-history", capsys=capsys)[0] == 0
    assert [updated_on(project, page) for page in ("policy/index.html", "level2/index.html")] == [None, None]


def test_a_new_commit_of_a_document_changes_its_page_on_the_next_build(two_commits, capsys):
    project, _, _ = two_commits
    assert project.run(capsys=capsys)[0] == 0
    assert updated_on(project, "policy/index.html") == "2026-03-01"
    project.write("content/docs/policy.md", POLICY_DOC + "\nRevised.\n")
    commit_all(project.root, "Revise the policy page", "2026-06-01T08:00:00Z")
    assert project.run(capsys=capsys)[0] == 0   # the remembered results and pages must not hide the new day
    assert updated_on(project, "policy/index.html") == "2026-06-01"
