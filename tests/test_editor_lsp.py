"""What a maintainer sees in the editor: yaml-language-server (the engine of VS Code's YAML extension)
finds the schema from each file's first line, flags mistakes where check does, and completion explains
each field with the schema's own description."""

from __future__ import annotations

import json
import shutil

import pytest
import yaml

from conftest import REPO
from lsp import LanguageServer

FACTORS = yaml.safe_load((REPO / "content/factors.yaml").read_text(encoding="utf-8"))["factors"]

SCHEMA = json.loads((REPO / "schema/app.schema.json").read_text(encoding="utf-8"))
MODELINE = "# yaml-language-server: $schema=../../schema/app.schema.json\n"


@pytest.fixture
def editor(project):
    """A language server over the project, which has the repository's schema beside its content."""
    shutil.copytree(REPO / "schema", project.root / "schema")
    server = LanguageServer(project.root)
    yield server
    server.close()


def app_text(project) -> str:
    return MODELINE + (project.root / "content/apps/sample_app.yaml").read_text(encoding="utf-8")


def test_editor_flags_a_misspelt_key_on_the_line_check_reports(project, editor, capsys):
    text = app_text(project).replace("summary:", "sumary:")
    path = project.write("content/apps/sample_app.yaml", text)
    diagnostics = editor.open(path, text)
    flagged = [(d["range"]["start"]["line"] + 1, d["range"]["start"]["character"] + 1, d["message"]) for d in diagnostics]
    assert (7, 1, "Property sumary is not allowed.") in flagged
    _, _, err = project.run("check", capsys=capsys)
    assert err.splitlines()[0] == "content/apps/sample_app.yaml:7:1: sumary: unknown field; did you mean 'summary'?"


def test_editor_accepts_a_valid_file(project, editor):
    text = app_text(project)
    assert editor.open(project.write("content/apps/sample_app.yaml", text), text) == []


def test_editor_flags_the_choices_a_new_file_leaves_open_where_check_reports_them(project, editor, capsys):
    # The schema describes a finished file, so the editor lists the valid values where `new` left a choice open;
    # text placeholders are valid text to it, and check reports every placeholder.
    project.run("new", "web_proxy", capsys=capsys)
    path = project.root / "content/apps/web_proxy.yaml"
    diagnostics = editor.open(path, path.read_text(encoding="utf-8"))
    flagged = [(d["range"]["start"]["line"] + 1, d["range"]["start"]["character"] + 1, d["message"]) for d in diagnostics]
    levels = 'Value is not accepted. Valid values: "high", "medium", "low".'
    lines = path.read_text(encoding="utf-8").splitlines()
    at = {key: [n for n, line in enumerate(lines, 1) if line.lstrip().startswith(f"{key}: TODO")] for key in ("category", "level", "reviewed")}
    assert [len(found) for found in at.values()] == [1, len(FACTORS), 1]
    assert flagged == [
        (at["category"][0], 11, 'Value is not accepted. Valid values: "Cloud", "Gateway", "Network", "Reports", "Server", "System".'),
        *[(n, 12, levels) for n in at["level"]],
        (at["reviewed"][0], 11, 'String does not match the pattern of "^[0-9]{4}-[0-9]{2}-[0-9]{2}$".'),
        (at["reviewed"][0], 11, "String is not a RFC3339 date.")]
    _, _, err = project.run("check", capsys=capsys)
    reported = {tuple(map(int, line.split(":")[1:3])) for line in err.splitlines()[:-1]}
    assert {(line, col) for line, col, _ in flagged} <= reported


def test_completion_in_a_method_offers_its_fields_with_the_schemas_descriptions(project, editor):
    lines = app_text(project).splitlines()
    at = lines.index("  clearcenter_consulting:") + 1
    text = "\n".join(lines[:at] + ["    "] + lines[at:]) + "\n"
    path = project.write("content/apps/sample_app.yaml", text)
    editor.open(path, text)
    items = {item["label"]: item for item in editor.complete(path, at, 4)}
    method = SCHEMA["$defs"]["method_policy"]["properties"]
    for field in ("url", "email", "hours", "timezone", "response_time", "scope", "change"):
        assert field in items, sorted(items)
        documentation = items[field].get("documentation")
        documentation = documentation.get("value") if isinstance(documentation, dict) else documentation
        description = method[field].get("description") or SCHEMA["$defs"]["scheduled_change"]["description"]
        assert documentation == description, field
