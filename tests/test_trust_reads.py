"""Everything the build reads besides app files is hostile too: templates/, static/, schema/ and the folders
themselves. No link, FIFO, device or socket is followed or opened, hidden files are never published,
templates run sandboxed, and each fault is one located line, exit 1, with site/ left as it was."""

from __future__ import annotations

import os
import shutil
import socket
from pathlib import Path

import pytest

from conftest import LEVEL2_ARTICLE, POLICY_DOC, REPO, VALID_APP, Project, tree_digest
from test_hostile import assert_fails_with
from policysite.check import schema as schema_check
from policysite.engine.recipe import check
from policysite.render.pages import make_env
from policysite.sources.read import NO_APPS_MESSAGE

SANDBOX = "templates run in a sandbox and may only read the data they are given"
TITLE = "{% trans app=app.name %}{{ app }} support policy{% endtrans %}"   # line 3 of templates/app.html


def link_message(folder: str) -> str:
    """Return the message for a symbolic link in folder/."""
    return f"symbolic links are not allowed in {folder}/; commit a real file"


@pytest.fixture
def built(project, capsys):
    """The project with a first good build in site/."""
    assert project.run(capsys=capsys)[0] == 0
    return project


def replace_with_link(path: Path, outside: Path) -> None:
    """Move a file or folder outside the project and leave a symbolic link to it in its place."""
    shutil.move(path, outside)
    os.symlink(outside, path)


def edit_template(project, name: str, old: str, new: str) -> None:
    """Replace the first occurrence of old in a template."""
    path = project.root / "templates" / name
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


# Symbolic links, at any depth and as the folders themselves.

@pytest.mark.parametrize("src_path, target", [
    ("templates/extra.html", "/etc/passwd"),
    ("static/env.txt", "/proc/self/environ"),
    ("static/embed/widget.js", "/etc/hostname"),
    ("content/apps/linked.yaml", "/etc/passwd"),
])
def test_a_symbolic_link_to_a_file_is_refused(built, capsys, src_path, target):
    os.symlink(target, built.root / src_path)
    assert_fails_with(built, capsys, [f"{src_path}:1:1: {link_message(src_path.split('/')[0])}"])


@pytest.mark.parametrize("folder", ["content", "templates", "static", "templates/embed", "static/embed", "content/docs/level2"])
def test_a_symbolically_linked_folder_is_refused_and_not_read_through(built, capsys, tmp_path, folder):
    replace_with_link(built.root / folder, tmp_path / "moved")
    assert_fails_with(built, capsys, [f"{folder}:1:1: {link_message(folder.split('/')[0])}"])


def test_the_environment_never_reaches_the_site_through_a_link(built, capsys, monkeypatch):
    monkeypatch.setenv("POLICYSITE_TEST_SECRET", "s3cr3t-value-never-published")
    os.symlink("/proc/self/environ", built.root / "static/env.txt")
    assert built.run(capsys=capsys)[0] == 1
    assert not any(b"s3cr3t-value" in p.read_bytes() for p in built.out.rglob("*") if p.is_file())


def test_new_reads_no_app_file_through_a_link(project, capsys, tmp_path):
    (tmp_path / "outside.yaml").write_text(VALID_APP.replace("Sample App", "Other App"), encoding="utf-8")
    os.symlink(tmp_path / "outside.yaml", project.root / "content/apps/linked.yaml")
    assert project.run("new", "other_app", capsys=capsys)[0] == 0
    assert "\nname: Other App\n" in (project.root / "content/apps/other_app.yaml").read_text(encoding="utf-8")


# FIFOs and sockets: refused without being opened (a FIFO would block the build).

def test_fifos_and_sockets_outside_content_are_refused(built, capsys):
    os.mkfifo(built.root / "static/pipe.css")
    os.mkfifo(built.root / "templates/pipe.html")
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(str(built.root / "static/embed/sock"))
        assert_fails_with(built, capsys, [
            "static/embed/sock:1:1: not a regular file; static/ holds only files to publish",
            "static/pipe.css:1:1: not a regular file; static/ holds only files to publish",
            "templates/pipe.html:1:1: not a regular file; templates/ holds only text files",
        ])


# Hidden and scratch files.

def test_hidden_and_scratch_files_in_static_are_not_published(built, capsys):
    before = tree_digest(built.out)
    for src_path in ("static/.env", "static/.git/config", "static/embed/.DS_Store", "static/site.css~", "static/#notes#"):
        built.write(src_path, "SECRET=1\n")
    (built.out / "index.html").unlink()   # so the build below runs instead of reporting that nothing changed
    status, _, _ = built.run(capsys=capsys)
    assert status == 0
    assert tree_digest(built.out) == before


def test_hidden_and_scratch_files_in_templates_are_not_templates(built, capsys):
    before = tree_digest(built.out)
    built.write("templates/.app.html.swp", "{% if %}")
    built.write("templates/app.html~", "{{ ''.__class__ }}")
    (built.out / "index.html").unlink()
    assert built.run(capsys=capsys)[0] == 0
    assert tree_digest(built.out) == before


def test_including_a_hidden_template_is_a_located_problem(built, capsys):
    built.write("templates/.partial.html", "hidden")
    edit_template(built, "app.html", TITLE, '{% include ".partial.html" %}')
    assert_fails_with(built, capsys, [
        "templates/app.html:3:1: no template named '.partial.html' in templates/ (hidden and scratch files are not templates)"])


# schema/ is read beside the code: the same rules, shown here on a copy of it.

@pytest.fixture
def schema_copy(built, tmp_path, monkeypatch):
    """A copy of schema/ that the build reads instead of the real one (after the first good build)."""
    folder = tmp_path / "code" / "schema"
    shutil.copytree(REPO / "schema", folder)
    monkeypatch.setattr(schema_check, "SCHEMA_DIR", folder)
    schema_check.load_schema.cache_clear()
    schema_check.validator_for.cache_clear()
    (built.out / "index.html").unlink()   # the copy is not among the inputs the nothing-changed check watches
    yield folder
    schema_check.load_schema.cache_clear()   # monkeypatch puts the real folder back after this
    schema_check.validator_for.cache_clear()


@pytest.mark.parametrize("command", ["build", "check"])
def test_a_symbolic_link_in_schema_is_refused(built, capsys, schema_copy, tmp_path, command):
    replace_with_link(schema_copy / "app.schema.json", tmp_path / "app.schema.json")
    os.mkfifo(schema_copy / "changes.schema.json.new")
    (schema_copy / "changes.schema.json").unlink()
    os.rename(schema_copy / "changes.schema.json.new", schema_copy / "changes.schema.json")
    assert_fails_with(built, capsys, [f"schema/app.schema.json:1:1: {link_message('schema')}",
                                      "schema/changes.schema.json:1:1: not a regular file; schema/ holds only JSON files"], command)


def test_a_symbolically_linked_schema_folder_is_refused(built, capsys, schema_copy, tmp_path):
    replace_with_link(schema_copy, tmp_path / "moved-schema")
    assert_fails_with(built, capsys, [f"schema:1:1: {link_message('schema')}"])


def test_a_schema_that_is_not_json_is_a_located_problem(built, capsys, schema_copy):
    (schema_copy / "feed.schema.json").write_text('{\n  "type": "object",\n  oops\n}\n', encoding="utf-8")
    assert_fails_with(built, capsys, ["schema/feed.schema.json:3:3: not valid JSON: Expecting property name enclosed in double quotes"])


# Templates cannot run code.

ESCAPES = [
    ("''.__class__.__mro__[1].__subclasses__()", "access to attribute '__class__' of 'str' object is unsafe"),
    ("cycler.__init__.__globals__.os", "access to attribute '__init__' of 'type' object is unsafe"),
    ("lipsum.__globals__['os'].system('touch MARKER')", "access to attribute '__globals__' of 'function' object is unsafe"),
    ("self._TemplateReference__context", "access to attribute '_TemplateReference__context' of 'TemplateReference' object is unsafe"),
    ("'{0.__class__}'.format(app)", "access to attribute '__class__' of 'App' object is unsafe"),
    ("app|attr('__class__')", "access to attribute '__class__' of 'App' object is unsafe"),
    ("settings.__dict__", "access to attribute '__dict__' of 'Settings' object is unsafe"),
    ("app.name.__class__.__base__", "access to attribute '__class__' of 'str' object is unsafe"),
    ("(app.policies|list).append(app)", "access to attribute 'append' of 'list' object is unsafe"),
    ("{}.update(a=1)", "access to attribute 'update' of 'dict' object is unsafe"),
]


@pytest.mark.parametrize("expression, message", ESCAPES)
def test_a_template_cannot_reach_python_internals(built, capsys, tmp_path, expression, message):
    marker = tmp_path / "ran"   # what the one escape that runs a command would make
    edit_template(built, "app.html", TITLE, "{{ " + expression.replace("MARKER", str(marker)) + " }}")
    assert_fails_with(built, capsys, [f"templates/app.html:3:1: {message}; {SANDBOX}"])
    assert not marker.exists()


def test_an_escape_in_a_page_of_no_app_is_located_on_its_template(built, capsys):
    edit_template(built, "404.html", "{% block main %}", "{% block main %}{{ ''.__class__ }}")
    assert_fails_with(built, capsys, [f"templates/404.html:5:1: access to attribute '__class__' of 'str' object is unsafe; {SANDBOX}"])


def test_a_failure_in_a_page_of_no_app_is_located_on_its_template(built, capsys):
    # On an app's page the same failure is that app's problem (it may depend on the app's data): test_hostile.py.
    edit_template(built, "404.html", "{% block main %}", "{% block main %}{{ no_such_name }}")
    assert_fails_with(built, capsys, ["templates/404.html:5:1: template error: 'no_such_name' is undefined"])


def test_an_escape_in_a_macro_is_located_on_the_macro(built, capsys):
    edit_template(built, "_catalogue_row.html", "{{ app.name }}", "{{ app.__class__ }}")
    assert_fails_with(built, capsys, [f"templates/_catalogue_row.html:9:1: access to attribute '__class__' of 'App' object is unsafe; {SANDBOX}"])


def test_an_escape_through_the_whole_site_is_located(built, capsys):
    # The catalogue reads the global 'site' (an app page may not): an escape through it is located on its line.
    edit_template(built, "index.html", "{% block title %}{% trans %}Apps and their support{% endtrans %}", "{% block title %}{{ site.__class__ }}")
    assert_fails_with(built, capsys, [f"templates/index.html:3:1: access to attribute '__class__' of 'Site' object is unsafe; {SANDBOX}"])


BOUNDS = [
    ("'x' * 10 ** 9", "the result of * would be longer than 1000000 items"),
    ("[app] * 10 ** 7", "the result of * would be longer than 1000000 items"),
    ("2 ** 100000", "the result of ** would have more than 4096 bits"),
    ("'%999999999d' % 1", "a format width or precision of 999999999 is not allowed (at most 10000)"),
    ("'%*d'|format(999999999, 1)", "a format width or precision of * is not allowed (at most 10000)"),
    ("'{:>999999999}'.format(1)", "a format spec of '>999999999' is not allowed (widths at most 10000)"),
    ("'x'|center(10 ** 9)", "a width of 1000000000 is more than 10000"),
    ("'x'|indent(10 ** 9)", "a width of 1000000000 is more than 10000"),
]


@pytest.mark.parametrize("expression, message", BOUNDS)
def test_a_template_cannot_make_a_huge_value(built, capsys, expression, message):
    edit_template(built, "app.html", TITLE, "{{ " + expression + " }}")
    assert_fails_with(built, capsys, [f"templates/app.html:3:1: {message}; {SANDBOX}"])


def test_a_huge_range_is_refused(built, capsys):
    edit_template(built, "app.html", TITLE, "{{ range(10 ** 9)|list|length }}")
    assert_fails_with(built, capsys, [f"templates/app.html:3:1: a range of more than 100000 numbers is not allowed; {SANDBOX}"])


def test_ordinary_arithmetic_and_formats_still_work(built, capsys):
    edit_template(built, "app.html", TITLE, "{{ '%05d|%s' % (7, 'x') }}{{ '{:>6}'.format('y') }}{{ 2 ** 10 * 3 + 1 }}{{ '-' * 3 }}")
    assert built.run(capsys=capsys)[0] == 0
    assert "<title>00007|x     y3073---" in (built.out / "apps/sample_app/index.html").read_text(encoding="utf-8")


def test_broken_templates_are_all_located_in_one_run(built, capsys):
    built.write("templates/broken.html", "line one\n{% if %}\n")
    built.write("templates/numbers.html", "{{ " + "9" * 5000 + " }}")
    built.write("templates/nested.html", "{{ " + "(" * 3000 + "1" + ")" * 3000 + " }}")
    (built.root / "templates/sitemap.xml").unlink()
    assert_fails_with(built, capsys, [
        "templates/broken.html:2:1: template syntax error: Expected an expression, got 'end of statement block'",
        "templates/nested.html:1:1: template failed: RecursionError: maximum recursion depth exceeded while calling a Python object",
        "templates/numbers.html:1:1: template failed: ValueError: Exceeds the limit (4300 digits) for integer string "
        "conversion: value has 5000 digits; use sys.set_int_max_str_digits() to increase the limit",
        "templates/sitemap.xml:1:1: the build makes pages from this template; restore it",
    ])


def test_a_template_that_is_not_utf8_is_a_located_problem(built, capsys):
    built.write("templates/app.html", (REPO / "templates/app.html").read_bytes().replace(b"Licence", b"Licen\xe7e", 1))
    before = (REPO / "templates/app.html").read_text(encoding="utf-8").split("Licence")[0]
    line, col = before.count("\n") + 1, len(before) - before.rfind("\n") + len("Licen")
    assert_fails_with(built, capsys, [f"templates/app.html:{line}:{col}: not valid UTF-8 (byte 0xe7); save the file as UTF-8"])


def test_compiled_templates_are_never_kept_in_the_checkout(built):
    assert make_env(check(built.root)).bytecode_cache is None
    assert not list(built.root.glob(".cache/**/*jinja*")) and not (built.root / ".cache/policysite/templates").exists()


# Zero apps, static files where the build writes, CRLF documents.

@pytest.mark.parametrize("command", ["build", "check"])
def test_no_app_files_is_one_clear_problem(built, capsys, command):
    (built.root / "content/apps/sample_app.yaml").unlink()
    assert_fails_with(built, capsys, [f"content/apps:1:1: {NO_APPS_MESSAGE}"], command)


def test_a_missing_apps_folder_is_the_same_problem(built, capsys):
    shutil.rmtree(built.root / "content/apps")
    assert_fails_with(built, capsys, [f"content/apps:1:1: {NO_APPS_MESSAGE}"])


WHERE = "where the build makes a file of its own; rename it"


def test_a_static_file_where_the_build_writes_a_file_is_refused(built, capsys):
    built.write("static/methods.css", "body { color: red }\n")
    built.write("static/embed/example.html", "<p>mine</p>\n")
    assert_fails_with(built, capsys, [f"static/embed/example.html:1:1: would be published at embed/example.html, {WHERE}",
                                      f"static/methods.css:1:1: would be published at assets/methods.css, {WHERE}"])


def test_a_static_file_where_the_build_writes_a_file_but_for_case_is_refused(built, capsys):
    built.write("static/embed/EXAMPLE.html", "<p>mine</p>\n")   # one file with embed/example.html on macOS and Windows
    assert_fails_with(built, capsys, [f"static/embed/EXAMPLE.html:1:1: would be published at embed/EXAMPLE.html, {WHERE}"])


def test_static_files_that_differ_only_in_case_are_refused(built, capsys):
    built.write("static/Site.css", "body { color: red }\n")
    assert_fails_with(built, capsys, ["static/Site.css:1:1: file name collides with static/site.css when case or Unicode "
                                      "normalisation is ignored (as on macOS and Windows); rename one"])


def test_a_static_file_over_the_size_limit_is_refused(built, capsys):
    built.write("static/huge.bin", b"\0" * (1024 * 1024 + 1))
    assert_fails_with(built, capsys, ["static/huge.bin:1:1: file is larger than the limit of 1048576 bytes; "
                                      "static/ holds the site's own small assets"])


def crlf(text: str) -> bytes:
    """Return text with Windows line endings."""
    return text.replace("\n", "\r\n").encode("utf-8")


def test_a_crlf_document_builds_exactly_like_the_lf_one(project, capsys, tmp_path):
    other = Project(tmp_path / "crlf")
    shutil.copytree(project.root, other.root)
    other.write("content/docs/policy.md", crlf(POLICY_DOC + "\n## Two\n\n- a\n- b\n\n```\ncode\n```\n"))
    other.write("content/docs/level2/software-raid-5.md", crlf(LEVEL2_ARTICLE))
    project.write("content/docs/policy.md", POLICY_DOC + "\n## Two\n\n- a\n- b\n\n```\ncode\n```\n")
    assert project.run(capsys=capsys)[0] == 0
    assert other.run(capsys=capsys)[0] == 0
    assert (other.out / "policy/index.html").read_bytes() == (project.out / "policy/index.html").read_bytes()
    assert tree_digest(other.out) == tree_digest(project.out)


def test_a_crlf_document_reports_its_mistakes_where_the_lf_one_does(built, capsys):
    built.write("content/docs/policy.md", crlf("---\ntitle: Policy\nsummary: x\nlegend: maybe\n---\nText.\n"))
    assert_fails_with(built, capsys, ["content/docs/policy.md:4:9: legend: expected true or false, got 'maybe'"])
