"""Nothing unfinished is published: a TODO placeholder anywhere in an app file stops check and the build, and only
the marker counts, never the word 'todo' in names and prose."""

from __future__ import annotations

import json

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from conftest import VALID_APP, tree_digest
from policysite.check.unfinished import field_hints, is_placeholder, placeholder_text

PLACEHOLDERS = ["TODO", "TODO who develops the app", "TODO: ask the vendor", "TODO:ask", "  TODO indented", "TODO.",
                "TODO...", "TODO\u2026", "TODO - later", "TODO!", "TODO\tafter a tab", "Written first.\nTODO the rest",
                "A paragraph.\n\n  TODO another paragraph\n"]
NOT_PLACEHOLDERS = ["Todo List", "todo", "ToDo", "a to-do list app", "A TODO list", "Finds TODO comments in code.",
                    "TODO.txt", "TODO-list", "TODO's", "TODOs", "TODO_list", "TODO2", "TODOé", "MASTODON",
                    "- TODO items sync to the phone", "**TODO** in bold", "tODO", "T O D O"]


@pytest.mark.parametrize("text", PLACEHOLDERS)
def test_a_line_starting_with_the_marker_word_is_a_placeholder(text):
    assert is_placeholder(text)


@pytest.mark.parametrize("text", NOT_PLACEHOLDERS)
def test_todo_in_names_and_prose_is_not_a_placeholder(text):
    assert not is_placeholder(text)


@given(st.text(st.characters(blacklist_categories=("Cs",)), max_size=40))
def test_text_after_the_marker_and_a_space_never_rescues_it(rest):
    assert is_placeholder("TODO " + rest)


@given(st.text(st.characters(whitelist_categories=("Lu", "Ll", "Nd")), min_size=1, max_size=1),
       st.text(st.characters(blacklist_characters="\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"), max_size=40))
def test_the_marker_glued_to_a_letter_or_digit_is_a_word_of_its_own(glued, rest):
    assert not is_placeholder("TODO" + glued + rest.replace("TODO", "todo"))


def test_every_placeholder_new_can_write_is_plain_yaml_that_reads_back_and_is_refused():
    for path in field_hints():
        text = placeholder_text(path)
        assert yaml.safe_load(f"field: {text}  # a comment") == {"field": text}, path
        assert is_placeholder(text), path


def test_names_and_prose_that_mention_todo_are_published(project, capsys):
    text = (VALID_APP.replace("name: Sample App", "name: Todo List")
            .replace("summary: A small app used by the tests.", "summary: A to-do list app that keeps TODO.txt files in sync.")
            .replace("  A short description with **bold** text.", "  Finds TODO comments in code.\n\n  - TODO items sync too"))
    project.app("sample_app", text)
    status, out, err = project.run(capsys=capsys)
    assert (status, out.splitlines()[0], err) == (0, f"built 1 app pages and 3 documents into {project.out}", "")
    feed = json.loads((project.out / "feed.json").read_text(encoding="utf-8"))
    assert [app["name"] for app in feed["apps"]] == ["Todo List"]
    page = (project.out / "apps/sample_app/index.html").read_text(encoding="utf-8")
    for shown in ("A to-do list app that keeps TODO.txt files in sync.", "Finds TODO comments in code.", "TODO items sync too"):
        assert shown in page


def test_a_placeholder_in_an_app_already_built_fails_the_build_and_leaves_site_as_it_was(project, capsys):
    assert project.run(capsys=capsys)[0] == 0
    before = tree_digest(project.out)
    project.app("sample_app", VALID_APP.replace("summary: A small app used by the tests.", "summary: TODO later"))
    assert project.run(capsys=capsys) == (1, "", (
        "content/apps/sample_app.yaml:6:10: summary: still a TODO placeholder; write one line saying what the app does\n"
        "error: 1 problem in 1 file; site/ was not changed\n"))
    assert tree_digest(project.out) == before


def test_a_placeholder_is_reported_beside_other_mistakes_and_a_stale_review_stays_a_warning(project, capsys):
    project.app("sample_app", VALID_APP.replace("vendor: Example Vendor", "vendor: TODO")
                .replace("category: Server", "category: Servers").replace("reviewed: 2026-01-15", "reviewed: 2025-01-15"))
    status, out, err = project.run("check", capsys=capsys)
    assert (status, out) == (1, "")
    assert err.splitlines() == [
        "content/apps/sample_app.yaml:2:9: vendor: still a TODO placeholder; write who develops the app",
        "content/apps/sample_app.yaml:3:11: category: expected one of 'Cloud', 'Gateway', 'Network', 'Reports', 'Server', "
        "'System', got 'Servers'; did you mean 'Server'?",
        "content/apps/sample_app.yaml:41:11: warning: reviewed: last reviewed on 2025-01-15, more than 12 months ago; "
        "confirm the policy and update the date",
        "error: 2 problems in 1 file; site/ was not changed"]
