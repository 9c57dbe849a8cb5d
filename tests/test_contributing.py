"""CONTRIBUTING.md stays true: it names every field of the schema, and every message it shows is one
the checks really print."""

from __future__ import annotations

import re
from pathlib import Path

from conftest import REPO, VALID_APP

TEXT = (REPO / "CONTRIBUTING.md").read_text(encoding="utf-8")
SCHEMA_TEXT = (REPO / "schema/app.schema.json").read_text(encoding="utf-8")
CASES = sorted((Path(__file__).parent / "cases" / "invalid").glob("*.yaml"))
SHOWN = re.compile(r"(content/apps/\S+?\.yaml:\d+:\d+: [^|`]*?[^ |`])(?=`? *\||\n)")


def case_lines() -> set[str]:
    """Every line the invalid cases expect."""
    return {line.removeprefix("# expect: ") for case in CASES for line in case.read_bytes().decode("utf-8", "replace").splitlines()
            if line.startswith("# expect: ")}


def test_contributing_names_every_field_of_an_app_file():
    import json
    schema = json.loads(SCHEMA_TEXT)
    names = set(schema["properties"]).union(*(d.get("properties", {}) for d in schema["$defs"].values()))
    names |= set(schema["properties"]["factors"]["properties"])
    names |= set(schema["properties"]["support"]["properties"]) | {"level", "note", "covered", "articles", "homepage", "documentation"}
    missing = sorted(n for n in names if f"`{n}`" not in TEXT)
    assert missing == []


def test_contributing_explains_editor_set_up_preview_and_review():
    for needle in ("# yaml-language-server: $schema=../../schema/app.schema.json", "redhat.vscode-yaml",
                   "python build.py new <basename>", "python build.py serve", "python build.py diff origin/main",
                   "--format github", "--strict", "pre-commit install", "changes.json"):
        assert needle in TEXT, needle


def test_every_message_shown_in_contributing_is_printed_by_the_checks(project, capsys):
    # the two warnings the guide shows, produced for real
    project.app("sample_app", VALID_APP.replace("reviewed: 2026-01-15", "reviewed: 2025-11-25"))
    project.run("new", "web_proxy", capsys=capsys)
    _, _, err = project.run("check", capsys=capsys)
    printed = case_lines() | set(err.splitlines())
    shown = [m.group(1).replace("\\\\n", "\\n") for m in SHOWN.finditer(TEXT)]
    assert len(shown) >= 20
    assert [line for line in shown if line not in printed] == []


def test_readme_points_maintainers_to_contributing():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert "CONTRIBUTING.md" in readme
