"""`build.py new <basename>`: a valid app file to fill in, every method and factor listed; refusals."""

from __future__ import annotations

import re

import pytest
import yaml

from conftest import REPO

METHODS = yaml.safe_load((REPO / "content/methods.yaml").read_text())["methods"]
FACTORS = yaml.safe_load((REPO / "content/factors.yaml").read_text())["factors"]


def test_new_writes_a_file_that_passes_check(project, capsys):
    status, out, err = project.run("new", "web_proxy", capsys=capsys)
    assert (status, err) == (0, "")
    assert out == "wrote content/apps/web_proxy.yaml; replace every TODO, then run: python build.py check\n"

    status, out, err = project.run("check", capsys=capsys)
    assert status == 0
    assert out == "ok: 2 apps and 3 documents checked (12 warnings)\n"
    assert all(": warning: " in line and "still a TODO placeholder" in line for line in err.splitlines())


def test_new_file_lists_every_method_and_factor_with_comments_and_the_schema_line(project, capsys):
    project.run("new", "web_proxy", capsys=capsys)
    text = (project.root / "content/apps/web_proxy.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    assert text.splitlines()[0] == "# yaml-language-server: $schema=../../schema/app.schema.json"
    assert list(data["support"]) == [m["id"] for m in METHODS]
    assert list(data["factors"]) == [f["id"] for f in FACTORS]
    for method in METHODS:
        assert f"  {method['id']}:  # {method['title']}" in text
    assert data["name"] == "Web Proxy"
    assert data["reviewed"].isoformat() == "2026-11-26"   # the pinned build date
    assert sum(line.lstrip().startswith("#") for line in text.splitlines()) >= 5


def test_strict_check_lists_every_todo_left_in_the_new_file(project, capsys):
    project.run("new", "web_proxy", capsys=capsys)
    status, _, err = project.run("check", "--strict", capsys=capsys)
    assert status == 1
    lines = err.splitlines()
    assert lines[0] == "content/apps/web_proxy.yaml:5:9: vendor: still a TODO placeholder; replace it with the real text"
    assert lines[-1] == "error: 12 problems in 1 file; site/ was not changed"


def test_filled_in_new_file_has_no_warnings(project, capsys):
    project.run("new", "web_proxy", capsys=capsys)
    path = project.root / "content/apps/web_proxy.yaml"
    path.write_text(re.sub(r"TODO [^\n]*", "Written by the maintainer.", path.read_text()), encoding="utf-8")
    assert project.run("check", "--strict", capsys=capsys) == (0, "ok: 2 apps and 3 documents checked\n", "")
    assert project.run(capsys=capsys)[0] == 0
    assert (project.out / "apps/web_proxy/index.html").is_file()


def test_new_refuses_an_existing_basename_and_leaves_the_file_alone(project, capsys):
    path = project.root / "content/apps/sample_app.yaml"
    before = path.read_bytes()
    assert project.run("new", "sample_app", capsys=capsys) == (
        1, "", "error: content/apps/sample_app.yaml already exists; edit it, or choose another basename\n")
    assert path.read_bytes() == before


@pytest.mark.parametrize("basename", ["Web_Proxy", "web-proxy", "web__proxy", "_proxy", "proxy_", "../etc/passwd",
                                      "web proxy", "web.yaml", "a" * 65])
def test_new_refuses_a_name_that_is_not_a_basename(project, capsys, basename):
    before = sorted(p.name for p in (project.root / "content/apps").iterdir())
    status, out, err = project.run("new", basename, capsys=capsys)
    assert (status, out) == (1, "")
    assert err == (f"error: {basename!r} is not a ClearOS basename; use lower-case letters, digits and single "
                   "underscores, such as 'web_proxy'\n")
    assert sorted(p.name for p in (project.root / "content/apps").iterdir()) == before
    assert not (project.root / "etc").exists()


def test_new_needs_a_basename(project, capsys):
    assert project.run("new", capsys=capsys) == (2, "", "error: new needs a basename: build.py new <basename>\n")


def test_a_name_another_app_has_becomes_a_todo(project, capsys):
    assert project.run("new", "sample_app2", capsys=capsys)[0] == 0
    (project.root / "content/apps/sample_app2.yaml").unlink()
    project.app("other", (project.root / "content/apps/sample_app.yaml").read_text().replace("Sample App", "Web Proxy"))
    project.run("new", "web_proxy", capsys=capsys)
    assert yaml.safe_load((project.root / "content/apps/web_proxy.yaml").read_text())["name"] == "TODO Web Proxy"
    status, _, err = project.run("check", capsys=capsys)
    assert status == 0
    assert "content/apps/web_proxy.yaml:4:7: warning: name: still a TODO placeholder; replace it with the real text" in err


def test_only_a_capital_todo_is_a_placeholder(project, capsys):
    project.app("sample_app", (project.root / "content/apps/sample_app.yaml").read_text()
                .replace("name: Sample App", "name: Todo List").replace("summary: A small", "summary: TODO a small"))
    status, _, err = project.run("check", capsys=capsys)
    assert status == 0
    assert err == "content/apps/sample_app.yaml:6:10: warning: summary: still a TODO placeholder; replace it with the real text\n"
