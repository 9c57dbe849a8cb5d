"""Git history is hostile data: commit dates no calendar holds, submodule and symbolic-link entries at
app paths, commit messages written to look like git's own output, file names holding any byte but
NUL, back-dated commits. None of them crashes the build, forges a version, or reorders the story."""

from __future__ import annotations

import datetime
import json
import os
import tempfile
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import VALID_APP
from gitrepo import commit_all, git, init_repo, write_object
from policysite.content import history
from policysite.content.compare import Names
from policysite.content.history import Version, history_entries, read_apps_now, read_blobs, read_versions
from policysite.sources.loader import MAX_FILE_BYTES

CONSULTING_ON = "  clearcenter_consulting:\n    available: true\n"
CONSULTING_OFF = "  clearcenter_consulting:\n    available: false\n    reason: ClearCenter has not studied the app yet.\n"
FIRST = VALID_APP.replace(CONSULTING_ON, CONSULTING_OFF)
SECOND = VALID_APP.replace("email: help@vendor.example", "email: tickets@vendor.example")
OTHER = VALID_APP.replace("name: Sample App", "name: Other App")
HINT = "commit it again so git records when that is done (git commit --amend, or git rebase --force-rebase for an older commit)"
BASE = "https://policies.clearos.example/"
NAMES = Names(methods=(("vendor", "Developer/ISV Support"),), factors=())


def app_history(project, basename: str = "sample_app") -> list[dict]:
    """Return the history list of an app's JSON file."""
    return json.loads((project.out / f"api/v1/apps/{basename}.json").read_bytes())["app"]["history"]


def changes_items(project) -> list[tuple[str, str, str]]:
    """Return (id, date_published, title) of each item of changes.json."""
    return [(i["id"], i["date_published"], i["title"]) for i in json.loads((project.out / "changes.json").read_bytes())["items"]]


def changelog_ids(project, basename: str = "sample_app") -> list[str]:
    """Return the ids of the changelog items on an app's page, top to bottom."""
    page = BeautifulSoup((project.out / f"apps/{basename}/index.html").read_text(encoding="utf-8"), "html.parser")
    return [li["id"] for li in page.select("section.history ol.changelog > li")]


def commit_written(root: Path, committer_date: str, message: str = "Written by hand") -> str:
    """Commit the index as a commit object written by hand, with any committer date; move main to it."""
    tree, parent = git(root, "write-tree").strip(), git(root, "rev-parse", "HEAD").strip()
    text = (f"tree {tree}\nparent {parent}\nauthor Maintainer <maintainer@example.com> 1775000000 +0000\n"
            f"committer Maintainer <maintainer@example.com> {committer_date}\n\n{message}\n")
    commit = write_object(root, "commit", text.encode("utf-8"))
    git(root, "update-ref", "refs/heads/main", commit)
    return commit


def forging_carrier(root: Path, blob: str, forged: str) -> str:
    """Write a commit whose message reads like `cat-file --batch` output giving blob the forged text.

    Its id sorts after blob's, so a reader that took the message for replies would have read the
    real blob first and then overwritten it with the forgery.
    """
    tree = git(root, "write-tree").strip()
    for nonce in range(1000):
        text = (f"tree {tree}\nauthor M <m@example.com> 1775000000 +0000\ncommitter M <m@example.com> 1775000000 +0000\n\n"
                f"Notes {nonce}\n{blob} blob {len(forged.encode())}\n{forged}\n")
        commit = write_object(root, "commit", text.encode("utf-8"))
        if commit > blob:
            return commit
    raise AssertionError("no carrier id sorted after the blob")


# Dates out of the calendar -------------------------------------------------------------------------

def test_a_commit_dated_after_year_9999_is_a_problem_for_each_app_it_touched(project, capsys):
    project.app("sample_app", FIRST)
    project.app("other_app", OTHER)
    project.app("third_app", VALID_APP.replace("name: Sample App", "name: Third App"))
    init_repo(project.root)
    commit_all(project.root, "Add", "2026-03-01T10:00:00Z")
    project.app("sample_app", SECOND)
    project.app("other_app", OTHER.replace("email: help@vendor.example", "email: other@vendor.example"))
    bad = commit_all(project.root, "Dated past 9999", "@253402300800 +0000")
    project.app("third_app", VALID_APP.replace("available: true\n    url:", "available: yes\n    url:"))

    status, out, err = project.run(capsys=capsys)

    assert (status, out) == (1, "")
    assert err.splitlines() == [
        f"content/apps/other_app.yaml:1:1: history: commit {bad[:12]} is dated '253402300800 +0000' which is not a real date; {HINT}",
        f"content/apps/sample_app.yaml:1:1: history: commit {bad[:12]} is dated '253402300800 +0000' which is not a real date; {HINT}",
        "content/apps/third_app.yaml:11:16: support.forum_casual.available: expected true or false, got 'yes'",
        "error: 3 problems in 3 files; site/ was not changed",
    ]
    assert not project.out.exists()


def test_a_bad_date_is_reported_with_the_problems_of_shared_files_too(project, capsys):
    # a broken document makes the build check the whole site at once instead of app by app
    project.app("sample_app", FIRST)
    init_repo(project.root)
    commit_all(project.root, "Add", "2026-03-01T10:00:00Z")
    project.app("sample_app", SECOND)
    bad = commit_all(project.root, "Dated past 9999", "@253402300800 +0000")
    project.write("content/docs/policy.md", "---\nsummary: No title.\n---\nText\n")

    status, _, err = project.run(capsys=capsys)

    assert status == 1
    lines = err.splitlines()
    assert f"content/apps/sample_app.yaml:1:1: history: commit {bad[:12]} is dated '253402300800 +0000' which is not a real date; {HINT}" in lines
    assert [line for line in lines if line.startswith("content/docs/policy.md:")] != []
    assert lines[-1] == f"error: {len(lines) - 1} problems in 2 files; site/ was not changed"


@pytest.mark.parametrize("written, shown", [
    ("99999999999999999999999 +0000", "'99999999999999999999999 +0000'"),
    ("18446744073709551616 +0000", "'18446744073709551616 +0000'"),
    ("-1 +0000", "'-1 +0000'"),
    ("abc +0000", "'abc +0000'"),
    ("", "''"),
    ("9" * 5000 + " +0000", "'" + "9" * 40 + "...'"),          # more digits than Python turns into an int
    ("\x1b]0;pwned\x07\x1b[2J +0000", "'\\x1b]0;pwned\\x07\\x1b[2J +0000'"),   # nothing reaches the terminal raw
])
def test_a_committer_date_no_calendar_holds_is_a_located_problem(project, capsys, written, shown):
    project.app("sample_app", FIRST)
    init_repo(project.root)
    commit_all(project.root, "Add", "2026-03-01T10:00:00Z")
    project.app("sample_app", SECOND)
    git(project.root, "add", "-A")
    bad = commit_written(project.root, written)

    assert project.run(capsys=capsys) == (1, "", (
        f"content/apps/sample_app.yaml:1:1: history: commit {bad[:12]} is dated {shown} which is not a real date; {HINT}\n"
        "error: 1 problem in 1 file; site/ was not changed\n"))


def test_a_commit_dated_after_the_build_is_a_problem_but_a_fast_clock_is_forgiven(project, capsys):
    project.app("sample_app", FIRST)
    init_repo(project.root)
    commit_all(project.root, "Add", "2026-03-01T10:00:00Z")
    project.app("sample_app", SECOND)
    fast = commit_all(project.root, "A clock a day fast", "2026-11-27T23:00:00Z")   # the build date is 2026-11-26
    assert project.run(capsys=capsys)[:2] == (0, f"built 1 app pages and 3 documents into {project.out}\n")
    assert app_history(project)[0]["commit"] == fast
    project.app("sample_app", FIRST)
    last = commit_all(project.root, "The last second a calendar holds", "@253402300799 +0000")

    assert project.run(capsys=capsys) == (1, "", (
        f"content/apps/sample_app.yaml:1:1: history: commit {last[:12]} is dated 9999-12-31T23:59:59Z, after the build "
        f"date 2026-11-26; {HINT}, or build with a later SOURCE_DATE_EPOCH\n"
        "error: 1 problem in 1 file; site/ was not changed\n"))


def test_a_commit_at_the_start_of_1970_is_a_real_date(project, capsys):
    project.app("sample_app", FIRST)
    init_repo(project.root)
    git(project.root, "add", "-A")
    first = commit_all(project.root, "Add", "@0 +0000")
    assert project.run(capsys=capsys)[0] == 0
    assert app_history(project) == [{"date": "1970-01-01", "time": "1970-01-01T00:00:00Z", "commit": first, "changes": ["Policy published"]}]


# Only regular files are read, and the batch reader cannot be led astray ------------------------------

def test_a_gitlink_to_a_commit_whose_message_mimics_cat_file_output_forges_nothing(project, capsys):
    project.app("sample_app", FIRST)
    init_repo(project.root)
    first = commit_all(project.root, "Add", "2026-03-01T10:00:00Z")
    project.app("sample_app", SECOND)
    second = commit_all(project.root, "Offer consulting; new ticket address", "2026-04-02T07:30:00Z")
    blob = git(project.root, "rev-parse", f"{first}:content/apps/sample_app.yaml").strip()
    carrier = forging_carrier(project.root, blob, FIRST.replace("help@vendor.example", "forged@evil.example"))
    git(project.root, "update-index", "--add", "--cacheinfo", f"160000,{carrier},content/apps/zz_app.yaml")
    git(project.root, "commit", "-q", "-m", "A submodule where an app would be", when="2026-05-01T10:00:00Z")
    git(project.root, "update-index", "--cacheinfo", f"160000,{carrier},content/apps/sample_app.yaml")
    git(project.root, "commit", "-q", "-m", "The app itself a submodule", when="2026-06-01T10:00:00Z")
    project.app("sample_app", SECOND.replace("reviewed: 2026-01-15", "reviewed: 2026-06-15"))
    back = commit_all(project.root, "A file again", "2026-07-01T10:00:00Z")

    assert project.run(capsys=capsys)[:3:2] == (0, "")
    assert app_history(project) == [
        {"date": "2026-07-01", "time": "2026-07-01T10:00:00Z", "commit": back, "changes": ["Marked as reviewed on 2026-06-15"]},
        {"date": "2026-04-02", "time": "2026-04-02T07:30:00Z", "commit": second,
         "changes": ["ClearCenter Consulting Services became available",
                     "Contact email for Developer/ISV Support changed from help@vendor.example to tickets@vendor.example"]},
        {"date": "2026-03-01", "time": "2026-03-01T10:00:00Z", "commit": first, "changes": ["Policy published"]},
    ]
    assert "forged" not in (project.out / "changes.json").read_text(encoding="utf-8")


def test_a_symbolic_link_at_an_app_path_is_not_a_version_even_when_its_target_reads_as_yaml(project, capsys):
    app = project.app("sample_app", FIRST)
    init_repo(project.root)
    first = commit_all(project.root, "Add", "2026-03-01T10:00:00Z")
    app.unlink()
    os.symlink("{name: Forged App, support: {clearcenter_consulting: {available: true}}}", app)
    commit_all(project.root, "A link", "2026-03-15T10:00:00Z")
    app.unlink()
    project.app("sample_app", SECOND)
    second = commit_all(project.root, "A file again", "2026-04-02T07:30:00Z")

    assert project.run(capsys=capsys)[0] == 0
    assert [(h["commit"], h["changes"][0]) for h in app_history(project)] == [
        (second, "ClearCenter Consulting Services became available"), (first, "Policy published")]


def test_the_batch_reader_returns_only_the_blobs_asked_for_by_their_own_replies(project):
    project.app("sample_app", FIRST)
    init_repo(project.root)
    commit_all(project.root, "Add", "2026-03-01T10:00:00Z")
    blob = git(project.root, "rev-parse", "HEAD:content/apps/sample_app.yaml").strip()
    tree = git(project.root, "rev-parse", "HEAD^{tree}").strip()
    carrier = forging_carrier(project.root, blob, "name: Forged\n")
    big = write_object(project.root, "blob", b"#" * (MAX_FILE_BYTES + 1))
    missing = "0" * 40

    assert read_blobs(project.root, [blob, carrier, missing, tree, big, "not an id\nHEAD"]) == {blob: FIRST.encode("utf-8")}


# File names hold any byte but NUL -----------------------------------------------------------------

FAKE = "f" * 40


def test_file_names_with_control_bytes_and_line_breaks_cannot_pose_as_commits(project, capsys):
    project.app("sample_app", FIRST)
    init_repo(project.root)
    first = commit_all(project.root, "Add", "2026-03-01T10:00:00Z")
    project.app("sample_app", SECOND)
    odd = [b"content/apps/q\n\x01" + FAKE.encode() + b" 4102444800", b"content/apps/r\n\xff\x01.yaml", b"content/apps/x\n.yaml"]
    for name in odd:
        Path(os.fsdecode(bytes(project.root) + b"/" + name)).write_text(OTHER, encoding="utf-8")
    second = commit_all(project.root, "Offer consulting; and odd names", "2026-04-02T07:30:00Z")
    for name in odd:
        Path(os.fsdecode(bytes(project.root) + b"/" + name)).unlink()
    commit_all(project.root, "Remove the odd names", "2026-05-01T10:00:00Z")

    assert project.run(capsys=capsys)[:3:2] == (0, "")
    assert [(h["commit"], h["time"]) for h in app_history(project)] == [(second, "2026-04-02T07:30:00Z"), (first, "2026-03-01T10:00:00Z")]
    assert changes_items(project) == [
        (f"{BASE}apps/sample_app/#change-{second[:12]}", "2026-04-02T07:30:00Z",
         "Sample App: ClearCenter Consulting Services became available (and 1 more)"),
        (f"{BASE}apps/sample_app/#change-{first[:12]}", "2026-03-01T10:00:00Z", "Sample App: Policy published"),
    ]


NAME_BYTES = st.binary(max_size=60).map(lambda b: b.replace(b"\0", b"").replace(b"/", b"").replace(b"\\", b""))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(before=NAME_BYTES, after=NAME_BYTES)
def test_any_file_name_beside_an_app_leaves_its_versions_exact(before, after):
    # "\x01" and a commit header's shape in every name; backslashes are refused by git itself (core.protectNTFS)
    name = b"content/apps/q" + before + b"\x01" + FAKE.encode() + b" 1\n" + after
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "content/apps").mkdir(parents=True)
        init_repo(root)
        (root / "content/apps/sample_app.yaml").write_text(FIRST, encoding="utf-8")
        first = commit_all(root, "Add", "2026-03-01T10:00:00Z")
        (root / "content/apps/sample_app.yaml").write_text(SECOND, encoding="utf-8")
        Path(os.fsdecode(bytes(root) + b"/" + name)).write_bytes(b"name: Forged\n")
        second = commit_all(root, "Change", "2026-04-02T07:30:00Z")
        versions = read_versions(root)
    assert list(versions) == ["content/apps/sample_app.yaml"]
    utc = datetime.timezone.utc
    assert [(v.commit, v.when) for v in versions["content/apps/sample_app.yaml"]] == [
        (first, datetime.datetime(2026, 3, 1, 10, tzinfo=utc)), (second, datetime.datetime(2026, 4, 2, 7, 30, tzinfo=utc))]


# The commit graph orders history, never the dates -------------------------------------------------

def test_a_back_dated_commit_takes_its_place_in_the_graph_not_by_its_date(project, capsys):
    project.app("sample_app", FIRST)
    init_repo(project.root)
    first = commit_all(project.root, "Add", "2026-03-01T10:00:00Z")
    project.app("sample_app", SECOND)
    project.app("other_app", OTHER)
    second = commit_all(project.root, "Offer consulting; add other_app", "2026-04-02T07:30:00Z")
    project.app("sample_app", SECOND.replace(CONSULTING_ON, CONSULTING_OFF))
    back = commit_all(project.root, "Withdraw consulting, dated back", "2026-01-01T00:00:00Z")

    assert project.run(capsys=capsys)[:3:2] == (0, "")
    # it cannot have taken effect before the commit it follows, so it counts from that commit's time
    assert app_history(project) == [
        {"date": "2026-04-02", "time": "2026-04-02T07:30:00Z", "commit": back,
         "changes": ["ClearCenter Consulting Services is no longer available (reason: ClearCenter has not studied the app yet)"]},
        {"date": "2026-04-02", "time": "2026-04-02T07:30:00Z", "commit": second,
         "changes": ["ClearCenter Consulting Services became available",
                     "Contact email for Developer/ISV Support changed from help@vendor.example to tickets@vendor.example"]},
        {"date": "2026-03-01", "time": "2026-03-01T10:00:00Z", "commit": first, "changes": ["Policy published"]},
    ]
    assert changelog_ids(project) == [f"change-{back[:12]}", f"change-{second[:12]}", f"change-{first[:12]}"]
    # equal times across apps go by basename; within one app, by its history, newest first
    assert changes_items(project) == [
        (f"{BASE}apps/other_app/#change-{second[:12]}", "2026-04-02T07:30:00Z", "Other App: Policy published"),
        (f"{BASE}apps/sample_app/#change-{back[:12]}", "2026-04-02T07:30:00Z",
         "Sample App: ClearCenter Consulting Services is no longer available (reason: ClearCenter has not studied the app yet)"),
        (f"{BASE}apps/sample_app/#change-{second[:12]}", "2026-04-02T07:30:00Z",
         "Sample App: ClearCenter Consulting Services became available (and 1 more)"),
        (f"{BASE}apps/sample_app/#change-{first[:12]}", "2026-03-01T10:00:00Z", "Sample App: Policy published"),
    ]


VENDOR_ENDS = VALID_APP.replace("    response_time: 2 business days\n", (
    "    response_time: 2 business days\n    change:\n      from: 2026-03-15\n      available: false\n"
    "      reason: The developer closes its ticket service.\n")).replace(   # not to the service that ends
    "alternative: Use the vendor's ticket service.", "alternative: Ask in the public forum.")


def test_a_scheduled_change_falls_after_its_version_even_when_the_next_is_back_dated(project, capsys):
    project.app("sample_app", VENDOR_ENDS)
    init_repo(project.root)
    first = commit_all(project.root, "Announce the end of vendor support", "2026-03-01T10:00:00Z")
    project.app("sample_app", VENDOR_ENDS.replace("help@vendor.example", "tickets@vendor.example"))
    back = commit_all(project.root, "New ticket address, dated back", "2026-01-01T00:00:00Z")

    assert project.run(capsys=capsys)[0] == 0   # with a warning: the change took effect and can be written out
    # measured from its date, the back-dated version would have brought vendor support back
    assert app_history(project) == [
        {"date": "2026-03-15", "time": "2026-03-15T00:00:00Z",
         "changes": ["Developer/ISV Support is no longer available (reason: The developer closes its ticket service)"]},
        {"date": "2026-03-01", "time": "2026-03-01T10:00:00Z", "commit": back,
         "changes": ["Contact email for Developer/ISV Support changed from help@vendor.example to tickets@vendor.example"]},
        {"date": "2026-03-01", "time": "2026-03-01T10:00:00Z", "commit": first, "changes": ["Policy published"]},
    ]


def policy(available: bool, change_day: datetime.date | None) -> dict:
    """Return app data whose vendor method is on or off, with a scheduled change turning it round."""
    entry = {"available": available}
    if change_day:
        entry["change"] = {"from": change_day.isoformat(), "available": not available}
    return {"support": {"vendor": entry}}


DAYS = st.dates(datetime.date(2020, 1, 1), datetime.date(2027, 12, 31))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(DAYS, st.booleans(), st.one_of(st.none(), DAYS)), min_size=1, max_size=8))
def test_the_changelog_follows_the_graph_whatever_the_dates(steps):
    versions = [Version(datetime.datetime.combine(day, datetime.time(12), datetime.timezone.utc), f"{i:02x}" * 20, policy(on, change))
                for i, (day, on, change) in enumerate(steps)]
    entries = history_entries(versions, datetime.date(2026, 6, 1), NAMES)[::-1]   # oldest first
    commits = [e.commit for e in entries if e.commit]
    assert commits == sorted(commits) and commits[0] == versions[0].commit          # graph order; the first is published
    assert [e.when for e in entries] == sorted(e.when for e in entries)              # time never runs backwards along it
    assert len({e.key for e in entries}) == len(entries)                             # every entry its own anchor
    for entry in entries:
        assert entry.when.date() <= max(max(v.when.date() for v in versions), datetime.date(2026, 6, 1))


def test_two_commits_sharing_the_first_twelve_digits_get_anchors_of_their_own():
    when = datetime.datetime(2026, 3, 1, tzinfo=datetime.timezone.utc)
    versions = [Version(when, "abcdef012345" + "0" * 28, policy(True, None)),
                Version(when, "abcdef012345" + "1" * 28, policy(False, None))]
    assert [e.key for e in history_entries(versions, datetime.date(2026, 6, 1), NAMES)] == [
        "abcdef012345" + "1" * 28, "abcdef012345"]


# The policy diff reads regular files only ----------------------------------------------------------

def test_diff_reads_only_regular_files_with_basenames_at_the_revision(project, capsys):
    project.app("sample_app", VALID_APP)
    init_repo(project.root)
    link = project.root / "content/apps/other_app.yaml"
    os.symlink("{name: Forged App}", link)
    odd = Path(os.fsdecode(bytes(project.root) + b"/content/apps/x\n.yaml"))
    odd.write_text(OTHER, encoding="utf-8")
    commit_all(project.root, "Add", "2026-03-01T10:00:00Z")
    blob = git(project.root, "rev-parse", "HEAD:content/apps/sample_app.yaml").strip()
    carrier = forging_carrier(project.root, blob, "name: Forged\n")
    git(project.root, "update-index", "--add", "--cacheinfo", f"160000,{carrier},content/apps/zz_app.yaml")
    git(project.root, "commit", "-q", "-m", "A submodule", when="2026-03-02T10:00:00Z")
    link.unlink()
    odd.unlink()
    project.app("sample_app", SECOND)

    assert project.run("diff", "HEAD", capsys=capsys) == (0, (
        "sample_app: contact email for Developer/ISV Support changed from help@vendor.example to tickets@vendor.example\n"), "")


def test_the_working_tree_is_read_without_following_links_or_opening_pipes(project, tmp_path):
    apps = project.root / "content/apps"
    os.mkfifo(apps / "pipe_app.yaml")
    os.symlink(apps / "sample_app.yaml", apps / "link_app.yaml")
    (apps / "big_app.yaml").write_bytes(b"#" * (MAX_FILE_BYTES + 1))
    assert read_apps_now(project.root) == {"content/apps/big_app.yaml": None,
                                           "content/apps/sample_app.yaml": history.parse_app(VALID_APP.encode(), "x")}
    elsewhere = tmp_path / "elsewhere"
    apps.rename(elsewhere)
    os.symlink(elsewhere, apps)
    assert read_apps_now(project.root) == {}
