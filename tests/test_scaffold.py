"""`build.py new <basename>`: an app file to fill in, every method and factor listed, every choice left to a human;
refusals."""

from __future__ import annotations

import re

import pytest
import yaml

from conftest import REPO, tree_digest

METHODS = yaml.safe_load((REPO / "content/methods.yaml").read_text())["methods"]
FACTORS = yaml.safe_load((REPO / "content/factors.yaml").read_text())["factors"]


SKELETON_PROBLEMS = """\
content/apps/web_proxy.yaml:6:9: vendor: still a TODO placeholder; write who develops the app
content/apps/web_proxy.yaml:7:11: category: still a TODO placeholder; choose the Marketplace category (Cloud, Gateway, Network, Reports, Server or System)
content/apps/web_proxy.yaml:8:10: license: still a TODO placeholder; write the app's licence, such as GPLv3
content/apps/web_proxy.yaml:9:10: summary: still a TODO placeholder; write one line saying what the app does
content/apps/web_proxy.yaml:10:14: description: still a TODO placeholder; write a few paragraphs of Markdown about the app
content/apps/web_proxy.yaml:20:13: support.forum_casual.reason: still a TODO placeholder; write why this method is not offered, or make it available and say how to reach it
content/apps/web_proxy.yaml:23:13: support.forum_dedicated.reason: still a TODO placeholder; write why this method is not offered, or make it available and say how to reach it
content/apps/web_proxy.yaml:26:13: support.vendor.reason: still a TODO placeholder; write why this method is not offered, or make it available and say how to reach it
content/apps/web_proxy.yaml:29:13: support.clearcenter_pro.reason: still a TODO placeholder; write why this method is not offered, or make it available and say how to reach it
content/apps/web_proxy.yaml:32:13: support.clearcenter_consulting.reason: still a TODO placeholder; write why this method is not offered, or make it available and say how to reach it
content/apps/web_proxy.yaml:36:12: factors.knowledge.level: still a TODO placeholder; rate it high, medium or low
content/apps/web_proxy.yaml:37:11: factors.knowledge.note: still a TODO placeholder; write one sentence explaining the rating
content/apps/web_proxy.yaml:39:12: factors.stability.level: still a TODO placeholder; rate it high, medium or low
content/apps/web_proxy.yaml:40:11: factors.stability.note: still a TODO placeholder; write one sentence explaining the rating
content/apps/web_proxy.yaml:42:12: factors.vendor_relationship.level: still a TODO placeholder; rate it high, medium or low
content/apps/web_proxy.yaml:43:11: factors.vendor_relationship.note: still a TODO placeholder; write one sentence explaining the rating
content/apps/web_proxy.yaml:46:11: reviewed: still a TODO placeholder; write the review date as YYYY-MM-DD
error: 17 problems in 1 file; site/ was not changed
"""
CHOICES = {"category": "Gateway", "level": "high", "reviewed": "2026-11-20"}


def fill_in(text: str) -> str:
    """Do what a maintainer does with a new file: make each choice, then write each text."""
    text = re.sub(r"\b(category|level|reviewed): TODO [^\n]*", lambda m: f"{m[1]}: {CHOICES[m[1]]}", text)
    return re.sub(r"TODO [^\n]*", "Written by the maintainer.", text)


def test_untouched_new_file_fails_check_with_exactly_one_located_message_per_placeholder(project, capsys):
    status, out, err = project.run("new", "web_proxy", capsys=capsys)
    assert (status, err) == (0, "")
    assert out == "wrote content/apps/web_proxy.yaml; replace every TODO, then run: python build.py check\n"

    assert project.run("check", capsys=capsys) == (1, "", SKELETON_PROBLEMS)


def test_untouched_new_file_fails_the_build_and_leaves_site_as_it_was(project, capsys):
    assert project.run(capsys=capsys)[0] == 0
    before = tree_digest(project.out)
    project.run("new", "web_proxy", capsys=capsys)
    assert project.run(capsys=capsys) == (1, "", SKELETON_PROBLEMS)
    assert tree_digest(project.out) == before


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
    assert sum(line.lstrip().startswith("#") for line in text.splitlines()) >= 5


def test_new_guesses_no_choice_a_human_must_make(project, capsys):
    project.run("new", "web_proxy", capsys=capsys)
    data = yaml.safe_load((project.root / "content/apps/web_proxy.yaml").read_text(encoding="utf-8"))
    choices = [data["category"], data["reviewed"]] + [factor["level"] for factor in data["factors"].values()]
    assert choices == ["TODO choose the Marketplace category (Cloud, Gateway, Network, Reports, Server or System)",
                       "TODO write the review date as YYYY-MM-DD"] + ["TODO rate it high, medium or low"] * 3


def test_check_refuses_a_new_file_without_strict_and_strict_adds_nothing(project, capsys):
    project.run("new", "web_proxy", capsys=capsys)
    assert project.run("check", "--strict", capsys=capsys) == project.run("check", capsys=capsys)


def test_filled_in_new_file_builds_without_warnings(project, capsys):
    project.run("new", "web_proxy", capsys=capsys)
    path = project.root / "content/apps/web_proxy.yaml"
    path.write_text(fill_in(path.read_text(encoding="utf-8")), encoding="utf-8")
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


def test_a_name_another_app_has_becomes_a_placeholder(project, capsys):
    project.app("other", (project.root / "content/apps/sample_app.yaml").read_text().replace("Sample App", "Web Proxy"))
    project.run("new", "web_proxy", capsys=capsys)
    text = (project.root / "content/apps/web_proxy.yaml").read_text(encoding="utf-8")
    assert "name: TODO write the app's name as the Marketplace shows it  # another app is called Web Proxy\n" in text
    status, _, err = project.run("check", capsys=capsys)
    assert status == 1
    assert err.splitlines()[0] == ("content/apps/web_proxy.yaml:5:7: name: still a TODO placeholder; "
                                   "write the app's name as the Marketplace shows it")
    assert err.splitlines()[-1] == "error: 18 problems in 1 file; site/ was not changed"
