"""Hostile content: allowed-but-hostile files build with no live script; bad files, names and failures are located."""

from __future__ import annotations

import json
import os
import re
import shutil
import unicodedata
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from conftest import REPO, VALID_APP, tree_digest
from policysite.render.feed import dump_json

ALLOWED = sorted((Path(__file__).parent / "cases" / "allowed").glob("*.yaml"))
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "data", "xlink:href", "poster", "background", "srcset", "cite", "ping"}
SAFE_SCHEMES = {"http", "https", "mailto"}
# Elements that run code, load active content, submit data, restyle the page or re-base its links.
ACTIVE_ELEMENTS = {"script", "iframe", "frame", "object", "embed", "applet", "form", "input", "button", "textarea",
                   "select", "style", "base", "svg", "math", "template", "noscript", "details", "portal"}
HEAD_LINK_RELS = {"stylesheet", "canonical"}


def url_scheme(value: str) -> str | None:
    """Return the scheme a browser would see in an attribute value, or None for a relative URL."""
    cleaned = re.sub(r"[\x00-\x20]", "", value).lower()  # browsers drop tabs, newlines and leading spaces
    match = re.match(r"^([a-z][a-z0-9+.-]*):", cleaned)
    return match.group(1) if match else None


def describe_site_element(element) -> str:
    """Name an active element by what the site's own templates give it: src, id, class, name."""
    parts = [f"{a}={' '.join(v) if isinstance(v, list) else v}" for a, v in sorted(element.attrs.items())
             if a in ("src", "id", "class", "name", "type", "form", "for")]
    return f" [{', '.join(parts)}]" if parts else ""


def is_site_link(element) -> bool:
    """Return True for the <link>s the site's own head carries (its icon, its changes feed)."""
    rel, href = set(element.get("rel") or ()), element.get("href", "")
    return rel <= {"icon", "alternate"} and url_scheme(href) is None and not href.startswith("//")


def site_findings(project) -> set[str]:
    """Return what the site's own markup holds that the checker would flag, from a build of benign content."""
    assert project.run()[0] == 0
    return {f for page in project.out.rglob("*.html") for f in live_script_findings(page.read_text(encoding="utf-8"))}


def live_script_findings(html: str) -> list[str]:
    """List everything in a page that could run script, load active content or leave the page."""
    soup = BeautifulSoup(html, "html.parser")
    found = []
    for element in soup.find_all(True):
        name = element.name.lower()
        if name in ACTIVE_ELEMENTS:
            found.append(f"<{name}> element" + describe_site_element(element))
        if name == "meta" and element.get("http-equiv"):
            found.append("<meta http-equiv>")
        if name == "link" and not set(element.get("rel") or ()) <= HEAD_LINK_RELS and not is_site_link(element):
            found.append(f"<link rel={element.get('rel')}>")
        for attr, value in element.attrs.items():
            value = " ".join(value) if isinstance(value, list) else str(value)
            if attr.lower().startswith("on"):
                found.append(f"{attr} handler on <{name}>")
            if attr.lower() == "style":
                found.append(f"style attribute on <{name}>")
            if attr.lower() in URL_ATTRIBUTES and url_scheme(value) not in (None, *SAFE_SCHEMES):
                found.append(f"{attr}={value!r} on <{name}>")
    return found


def feed_findings(data: bytes) -> list[str]:
    """List what in a JSON file could break out of a <script> element or carry a script URL."""
    found = [f"raw {ch!r}" for ch in "<>&" if ch.encode() in data]
    found += [f"raw U+{ord(ch):04X}" for ch in "\u2028\u2029" if ch.encode() in data]

    def walk(value, key=""):
        if isinstance(value, dict):
            for k, v in value.items():
                walk(v, k)
        elif isinstance(value, list):
            for v in value:
                walk(v, key)
        elif isinstance(value, str) and (key.endswith("url") or key in ("homepage", "documentation", "articles")):
            if url_scheme(value) not in ("http", "https"):
                found.append(f"{key}={value!r}")
    walk(json.loads(data))
    return found


def replace_sample_app(project, text: str | bytes, name: str = "case_app") -> None:
    """Put one app file in place of the fixture's sample app."""
    (project.root / "content/apps/sample_app.yaml").unlink()
    project.write(f"content/apps/{name}.yaml", text)


def test_there_are_allowed_hostile_cases():
    assert len(ALLOWED) >= 4


@pytest.mark.parametrize("case", ALLOWED, ids=lambda p: p.stem)
def test_allowed_hostile_file_builds_and_no_output_carries_live_script(project, case, capsys):
    # The site's own scripts and forms (the catalogue filters, the 404 search box, the widget) are
    # not findings; anything beyond what benign content produces is.
    own = site_findings(project)
    assert any(f.startswith("<script> element [src=") for f in own)  # the checker does see the site's script
    replace_sample_app(project, case.read_bytes(), case.stem)
    status, _, err = project.run(capsys=capsys)
    assert (status, err) == (0, "")
    pages = sorted(project.out.rglob("*.html"))
    assert project.out / f"apps/{case.stem}/index.html" in pages
    for page in pages:
        assert set(live_script_findings(page.read_text(encoding="utf-8"))) - own == set(), page.relative_to(project.out)
    for data_file in sorted(project.out.rglob("*.json")):
        assert feed_findings(data_file.read_bytes()) == [], data_file.relative_to(project.out)


def test_the_checker_itself_finds_live_script():
    bad = ('<p><a href=" jAvA\tScRiPt:alert(1)">x</a><img src=x onerror=alert(1)><script>1</script>'
           '<a href="data:text/html,x">d</a><div style="x"></div><base href="https://e.example/"></p>')
    assert len(live_script_findings(bad)) == 6
    assert live_script_findings('<a href="https://e.example/">ok</a><a href="../x/">rel</a><a href="mailto:a@b.example">m</a>') == []
    assert feed_findings(b'{"url": "javascript:alert(1)", "name": "<b>"}') == ["raw '<'", "raw '>'", "url='javascript:alert(1)'"]


def test_hostile_markdown_keeps_its_harmless_text_and_an_open_comment_swallows_nothing(project, capsys):
    case = next(p for p in ALLOWED if p.stem == "hostile_xss_markdown_description")
    replace_sample_app(project, case.read_bytes(), case.stem)
    assert project.run(capsys=capsys)[0] == 0
    soup = BeautifulSoup((project.out / f"apps/{case.stem}/index.html").read_text(encoding="utf-8"), "html.parser")
    prose = soup.select_one(".prose")
    assert prose.find("p").get_text() == "Plain intro paragraph."
    assert all(word in prose.get_text() for word in ("Plain intro paragraph", "bold in div"))  # the words stay
    assert [a.get("href") for a in prose.find_all("a") if a.get("href")] == []  # every script or data URL is gone
    assert soup.select_one(".machine-readable") is not None and soup.select_one("footer") is not None


def test_contributor_text_is_never_rendered_as_a_template(project, capsys):
    case = next(p for p in ALLOWED if p.stem == "xss_markdown_more")
    replace_sample_app(project, case.read_bytes(), case.stem)
    assert project.run(capsys=capsys)[0] == 0
    text = BeautifulSoup((project.out / f"apps/{case.stem}/index.html").read_text(encoding="utf-8"), "html.parser").get_text()
    assert "{{ 7 * 7 }} {% raw %}" in text and "49" not in text
    assert '<script>alert("in a fenced block")</script>' in text  # shown as code, not run


def test_yaml_1_1_look_alikes_are_read_as_the_text_the_schema_expects(project, capsys):
    case = next(p for p in ALLOWED if p.stem == "hostile_implicit_typing_as_text")
    replace_sample_app(project, case.read_bytes(), case.stem)
    assert project.run(capsys=capsys)[0] == 0
    app = json.loads((project.out / f"api/v1/apps/{case.stem}.json").read_bytes())["app"]
    assert (app["name"], app["license"], app["subcategory"], app["summary"]) == ("NO", "1.10", "0755", "1e3")
    methods = {m["id"]: m for m in app["methods"]}
    assert methods["vendor"]["scope"] == "12:30:00" and methods["forum_dedicated"]["reason"] == ".inf"
    assert [f["note"] for f in app["factors"] if f["id"] == "stability"] == ["12345678901234567890"]


def test_feed_json_can_be_inlined_in_a_script_element():
    data = dump_json({"name": "</script><script>alert(1)</script>", "x": "a\u2028b\u2029c & d"})
    assert not re.search(rb"[<>&]|\xe2\x80[\xa8\xa9]", data)
    assert json.loads(data) == {"name": "</script><script>alert(1)</script>", "x": "a\u2028b\u2029c & d"}


def test_templates_autoescape_and_mark_only_sanitised_html_safe(project):
    from policysite.engine.recipe import check
    from policysite.render.pages import make_env

    assert make_env(check(project.root)).autoescape is True
    safe_uses = sorted(set(re.findall(r"\{\{\s*([\w.]+)\s*\|\s*safe", "".join(
        p.read_text(encoding="utf-8") for p in (REPO / "templates").rglob("*") if p.is_file()))))
    assert all(name.endswith(("description_html", "body_html")) for name in safe_uses), safe_uses
    # codec.py gives back, from the authenticated cache, Markup that the templates themselves made before.
    assert all("Markup(" not in p.read_text(encoding="utf-8") for p in (REPO / "policysite").glob("*.py") if p.name != "codec.py")


def assert_fails_with(project, capsys, expected: list[str], command: str = "build") -> None:
    """Check that a command prints exactly these problems, exits 1 and leaves site/ alone."""
    before = tree_digest(project.out) if project.out.exists() else None
    status, out, err = project.run(command, capsys=capsys)
    lines = err.splitlines()
    assert lines[:-1] == expected
    assert re.fullmatch(r"error: \d+ problems? in \d+ files?; site/ was not changed", lines[-1])
    assert (status, out) == (1, "")
    assert (tree_digest(project.out) if project.out.exists() else None) == before


@pytest.fixture
def built(project, capsys):
    """The project with a first good build in site/."""
    assert project.run(capsys=capsys)[0] == 0
    return project


def test_a_zero_byte_app_file_is_reported(built, capsys):
    built.app("blank", "")
    assert_fails_with(built, capsys, ["content/apps/blank.yaml:1:1: file is empty; expected a mapping of fields"])


def test_a_file_over_the_size_limit_is_reported_without_being_read_whole(built, capsys):
    built.app("huge", VALID_APP.replace("Sample App", "Huge App") + "# " + "x" * (150 * 1024) + "\n")
    assert_fails_with(built, capsys, ["content/apps/huge.yaml:1:1: file is larger than the limit of 131072 bytes; split it or shorten it"])


def test_a_description_over_its_limit_is_reported(built, capsys):
    built.app("sample_app", VALID_APP.replace("  A short description with **bold** text.", "  " + "[" * 25000))
    assert_fails_with(built, capsys, ["content/apps/sample_app.yaml:7:14: description: is 25001 characters long; the limit is 20000"])


def test_a_documentation_page_over_the_markdown_limit_is_reported(built, capsys):
    built.write("content/docs/policy.md", "---\ntitle: Policy\nsummary: x\nlegend: true\n---\n" + "[" * 30001 + "\n")
    assert_fails_with(built, capsys, ["content/docs/policy.md:6:1: Markdown text is 30002 characters long; the limit is 30000"])


def test_symbolic_links_in_content_are_refused(built, capsys, tmp_path):
    outside = tmp_path / "outside.yaml"
    outside.write_text(VALID_APP.replace("Sample App", "Linked App"))
    os.symlink(outside, built.root / "content/apps/linked.yaml")
    os.symlink(built.root / "content/docs/level2", built.root / "content/docs/mirror")
    (built.root / "content/site.yaml").rename(tmp_path / "site.yaml")
    os.symlink(tmp_path / "site.yaml", built.root / "content/site.yaml")
    message = "symbolic links are not allowed in content/; commit a real file"
    assert_fails_with(built, capsys, [f"content/apps/linked.yaml:1:1: {message}", f"content/docs/mirror:1:1: {message}",
                                      f"content/site.yaml:1:1: {message}"])


def test_a_symlinked_content_folder_is_refused(project, capsys, tmp_path):
    real = tmp_path / "real-content"
    (project.root / "content").rename(real)
    os.symlink(real, project.root / "content")
    status, _, err = project.run(capsys=capsys)
    assert status == 1
    assert err.splitlines()[0] == "content:1:1: symbolic links are not allowed in content/; commit a real file"


def test_a_fifo_in_content_is_refused_without_blocking(built, capsys):
    os.mkfifo(built.root / "content/docs/level2/pipe.md")
    os.mkfifo(built.root / "content/apps/pipe.yaml")
    assert_fails_with(built, capsys, ["content/apps/pipe.yaml:1:1: only <basename>.yaml files belong in content/apps/",
                                      "content/docs/level2/pipe.md:1:1: not a regular file; content/ holds only text files"])


def test_names_that_collide_after_case_folding_are_refused(built, capsys):
    built.app("SAMPLE_APP", VALID_APP.replace("Sample App", "Shouting App"))
    built.write("content/docs/Policy.md", "---\ntitle: P\nsummary: x\n---\nBody\n")
    assert_fails_with(built, capsys, [
        "content/apps/SAMPLE_APP.yaml:1:1: file name collides with content/apps/sample_app.yaml when case or Unicode "
        "normalisation is ignored (as on macOS and Windows); rename one",
        "content/docs/Policy.md:1:1: file name collides with content/docs/policy.md when case or Unicode "
        "normalisation is ignored (as on macOS and Windows); rename one",
    ])


def test_names_that_collide_after_unicode_normalisation_are_refused(built, capsys):
    composed, decomposed = unicodedata.normalize("NFC", "caf\u00e9"), unicodedata.normalize("NFD", "caf\u00e9")
    built.app(composed, VALID_APP.replace("Sample App", "Cafe One"))
    built.app(decomposed, VALID_APP.replace("Sample App", "Cafe Two"))
    assert_fails_with(built, capsys, [
        f"content/apps/{decomposed}.yaml:1:1: file name collides with content/apps/{composed}.yaml when case or Unicode "
        "normalisation is ignored (as on macOS and Windows); rename one",
        f"content/apps/{composed}.yaml:1:1: file name '{composed}' is not a ClearOS basename (lower-case letters, digits and single underscores)",
    ])


def test_two_documents_with_one_address_are_refused(built, capsys):
    built.write("content/docs/level2.md", "---\ntitle: Other\nsummary: x\n---\nBody\n")
    assert_fails_with(built, capsys, [
        "content/docs/level2.md:1:1: this page would have the same address, /level2/, as content/docs/level2/index.md; remove one"])


@pytest.mark.parametrize("rel_path", ["content/docs/apps.md", "content/docs/feed.md", "content/docs/changes.md",
                                      "content/docs/assets/logo.md", "content/docs/level2/nul.md",
                                      "content/docs/categories/server.md"])
def test_documents_may_not_take_the_sites_own_paths(built, capsys, rel_path):
    built.write(rel_path, "---\ntitle: T\nsummary: x\n---\nBody\n")
    assert_fails_with(built, capsys, [f"{rel_path}:1:1: documentation files are <id>.md with lower-case letters, digits "
                                      "and hyphens, and not a name the site uses itself"])


def test_an_app_may_not_take_a_windows_device_name(built, capsys):
    built.app("con", VALID_APP.replace("Sample App", "Console App"))
    assert_fails_with(built, capsys, ["content/apps/con.yaml:1:1: file name 'con' is reserved on Windows; ask for another basename"])


BUG = "please report it as a bug of policysite"


def test_an_exception_while_reading_one_file_becomes_its_problem(built, capsys, monkeypatch):
    from policysite.sources import read

    real = read.parse_text
    monkeypatch.setattr(read, "parse_text", lambda data, src_path, *a, **k: (_ for _ in ()).throw(RuntimeError("boom"))
                        if src_path.endswith("second_app.yaml") else real(data, src_path, *a, **k))
    built.app("second_app", VALID_APP.replace("Sample App", "Second App"))
    built.app("third_app", "name: [unclosed\n")
    assert_fails_with(built, capsys, [
        f"content/apps/second_app.yaml:1:1: this file could not be processed (RuntimeError: boom); {BUG}",
        "content/apps/third_app.yaml:2:1: YAML syntax: expected ',' or ']', but got '<stream end>' (while parsing a flow sequence)",
    ])


def test_an_exception_while_checking_one_file_becomes_its_problem(built, capsys, monkeypatch):
    from policysite.check import schema as check

    real = check._type_scalar
    def explode(node, schema):
        if node.value == "Boom Licence":
            raise KeyError("licence")
        return real(node, schema)
    monkeypatch.setattr(check, "_type_scalar", explode)
    built.app("second_app", VALID_APP.replace("Sample App", "Second App").replace("GPLv3", "Boom Licence"))
    assert_fails_with(built, capsys, [f"content/apps/second_app.yaml:1:1: this file could not be processed (KeyError: 'licence'); {BUG}"])


def test_an_exception_while_rendering_one_page_becomes_its_problem(built, capsys):
    template = built.root / "templates/app.html"
    template.write_text(template.read_text().replace("<h1{{ english_attr }}>{{ app.name }}</h1>",
                                                     "<h1{{ english_attr }}>{{ app.name }}</h1>{% if app.name == 'Second App' %}{{ app.no_such_field }}{% endif %}"))
    built.app("second_app", VALID_APP.replace("Sample App", "Second App"))
    status, _, err = built.run(capsys=capsys)
    assert status == 1
    assert err.splitlines()[0].startswith("content/apps/second_app.yaml:1:1: this file could not be processed (UndefinedError: ")
    assert len(err.splitlines()) == 2


def test_an_exception_while_making_the_model_or_the_feed_becomes_that_files_problem(built, capsys, monkeypatch):
    from policysite.content import site
    from policysite.render import feed

    real_detail, real_make = feed.app_detail, site.make_app
    monkeypatch.setattr(feed, "app_detail", lambda app, site: (_ for _ in ()).throw(ValueError("feed"))
                        if app.basename == "second_app" else real_detail(app, site))
    monkeypatch.setattr(site, "make_app", lambda basename, *a: (_ for _ in ()).throw(TypeError("model"))
                        if basename == "third_app" else real_make(basename, *a))
    built.app("second_app", VALID_APP.replace("Sample App", "Second App"))
    built.app("third_app", VALID_APP.replace("Sample App", "Third App"))
    assert_fails_with(built, capsys, [f"content/apps/second_app.yaml:1:1: this file could not be processed (ValueError: feed); {BUG}",
                                      f"content/apps/third_app.yaml:1:1: this file could not be processed (TypeError: model); {BUG}"])
    monkeypatch.setattr(site, "make_app", real_make)
    assert_fails_with(built, capsys, [f"content/apps/second_app.yaml:1:1: this file could not be processed (ValueError: feed); {BUG}"])


def test_an_app_name_that_only_looks_different_is_a_duplicate(built, capsys):
    built.app("second_app", VALID_APP.replace("name: Sample App", "name: \uff33ample  APP"))  # fullwidth S, two spaces
    assert_fails_with(built, capsys, ["content/apps/second_app.yaml:1:1: name: '\uff33ample  APP' is already the name of content/apps/sample_app.yaml"])
