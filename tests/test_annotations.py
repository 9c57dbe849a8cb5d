"""`check --format github`: every problem as a GitHub Actions annotation on its file, line and column;
warnings as ::warning; --strict; and the example workflow that runs it on pull requests."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from conftest import VALID_APP
from policysite.problems import Problem, escape_data, escape_property, github_annotation

CASES = sorted((Path(__file__).parent / "cases" / "invalid").glob("*.yaml"))
TEXT_LINE = re.compile(r"^(?P<file>[^:]+):(?P<line>\d+):(?P<col>\d+): (?P<message>.*)$")
ANNOTATION = re.compile(r"^::(?P<kind>error|warning) file=(?P<file>[^,]+),line=(?P<line>\d+),col=(?P<col>\d+)::(?P<message>.*)$")


def unescape(note: dict) -> dict:
    """Undo GitHub's workflow-command escaping (%25 last, since it escapes the escapes)."""
    def undo(value: str, codes: tuple[str, ...]) -> str:
        for code in codes:
            value = value.replace(code, chr(int(code[1:], 16)))
        return value.replace("%25", "%")
    return {**note, "message": undo(note["message"], ("%0D", "%0A")), "file": undo(note["file"], ("%0D", "%0A", "%3A", "%2C"))}


def case_into(project, name: str) -> None:
    """Replace the sample app by one invalid case."""
    (project.root / "content/apps/sample_app.yaml").unlink()
    shutil.copy(Path(__file__).parent / "cases" / "invalid" / name, project.root / "content/apps" / name)


def test_misspelt_key_gives_the_same_message_line_and_column_in_both_formats(project, capsys):
    case_into(project, "misspelt_field.yaml")

    text_status, text_out, text_err = project.run("check", capsys=capsys)
    gh_status, gh_out, gh_err = project.run("check", "--format", "github", capsys=capsys)

    assert text_err.splitlines()[0] == "content/apps/misspelt_field.yaml:7:1: sumary: unknown field; did you mean 'summary'?"
    assert gh_out.splitlines() == [
        "::error file=content/apps/misspelt_field.yaml,line=7,col=1::sumary: unknown field; did you mean 'summary'?"]
    assert (text_status, gh_status) == (1, 1)
    assert text_out == ""
    assert gh_err == text_err.splitlines()[-1] + "\n" == "error: 1 problem in 1 file; site/ was not changed\n"


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.stem)
def test_every_invalid_case_annotates_the_same_place_with_the_same_words(project, case, capsys):
    case_into(project, case.name)
    _, _, text_err = project.run("check", capsys=capsys)
    _, gh_out, _ = project.run("check", "--format", "github", capsys=capsys)
    texts = [TEXT_LINE.match(line).groupdict() for line in text_err.splitlines()[:-1]]
    annotations = [unescape(ANNOTATION.match(line).groupdict()) for line in gh_out.splitlines()]
    assert len(texts) == len(annotations) >= 1
    for text, note in zip(texts, annotations):
        assert note["kind"] == "error"
        assert {k: note[k] for k in text} == text


def test_warnings_are_warning_annotations_and_do_not_fail(project, capsys):
    project.app("sample_app", VALID_APP.replace("reviewed: 2026-01-15", "reviewed: 2025-11-25"))
    status, out, err = project.run("check", "--format", "github", capsys=capsys)
    assert status == 0
    assert out.splitlines() == [
        "::warning file=content/apps/sample_app.yaml,line=41,col=11::reviewed: last reviewed on 2025-11-25, more than "
        "12 months ago; confirm the policy and update the date",
        "ok: 1 apps and 3 documents checked (1 warning)",
    ]
    assert err == ""


def test_strict_turns_warnings_into_error_annotations(project, capsys):
    project.app("sample_app", VALID_APP.replace("reviewed: 2026-01-15", "reviewed: 2025-11-25"))
    status, out, err = project.run("check", "--format", "github", "--strict", capsys=capsys)
    assert status == 1
    assert out.startswith("::error file=content/apps/sample_app.yaml,line=41,col=11::reviewed: last reviewed on 2025-11-25")
    assert err == "error: 1 problem in 1 file; site/ was not changed\n"


def test_build_also_speaks_github(project, capsys):
    case_into(project, "available_yes.yaml")
    status, out, _ = project.run("--format", "github", capsys=capsys)
    assert status == 1
    assert out == "::error file=content/apps/available_yes.yaml,line=18,col=16::support.vendor.available: expected true or false, got 'yes'\n"


def test_message_escapes_percent_and_shows_line_breaks_escaped_and_properties_also_colon_and_comma():
    problem = Problem("content/apps/a,b:c%.yaml", 3, 4, "50% sure\r\nnext::line")
    assert github_annotation(problem) == "::error file=content/apps/a%2Cb%3Ac%25.yaml,line=3,col=4::50%25 sure\\x0d\\x0anext::line"
    assert escape_data("a%0A\n") == "a%250A%0A"
    assert escape_property("x:y,z%") == "x%3Ay%2Cz%25"


def test_a_key_with_a_line_break_cannot_start_a_second_workflow_command(project, capsys):
    project.app("sample_app", VALID_APP.replace("summary: A small", '"x\\n::error file=fake.yaml::pwned": 1\nsummary: A small'))
    _, out, _ = project.run("check", "--format", "github", capsys=capsys)
    _, _, err = project.run("check", capsys=capsys)
    assert out == "::error file=content/apps/sample_app.yaml,line=6,col=1::'x\\n::error file=fake.yaml::pwned': unknown field\n"
    assert err.splitlines()[0] == "content/apps/sample_app.yaml:6:1: 'x\\n::error file=fake.yaml::pwned': unknown field"
    assert len(err.splitlines()) == 2


def test_format_markdown_is_only_for_diff(project, capsys):
    assert project.run("check", "--format", "markdown", capsys=capsys) == (
        2, "", "error: --format markdown does not apply to check; use text or github\n")
