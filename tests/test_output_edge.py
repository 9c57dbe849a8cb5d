"""What reaches a terminal or a CI log is bounded and inert: at most 20 problems a file, values cut, and
every file name and message printed with control, escape, bidi and invisible characters shown escaped."""

from __future__ import annotations

import time

from conftest import VALID_APP
from policysite.check.zones import canonical_zones
from policysite.problems import Problem, did_you_mean, github_annotation, printable, summarise

HOSTILE_NAME = "\x1b[2J\x1b]0;pwned\x07\u202eevil\u3164"
SHOWN_NAME = "\\x1b[2J\\x1b]0;pwned\\x07\\u202eevil\\u3164"


def with_unknown_fields(count: int) -> str:
    """Return the valid app with count unknown fields, one problem each."""
    return VALID_APP.replace("summary: A small", "".join(f"extra_{i:02}: 1\n" for i in range(count)) + "summary: A small")


def test_at_most_20_problems_are_printed_per_file_then_how_many_more(project, capsys):
    project.app("sample_app", with_unknown_fields(30))
    status, _, err = project.run("check", capsys=capsys)
    lines = err.splitlines()
    assert status == 1
    assert len(lines) == 22
    assert lines[19] == "content/apps/sample_app.yaml:25:1: extra_19: unknown field"
    assert lines[20:] == ["content/apps/sample_app.yaml: \u2026 and 10 more problems in this file",
                          "error: 30 problems in 1 file; site/ was not changed"]


def test_the_cap_is_per_file_and_github_annotations_have_it_too(project, capsys):
    project.app("sample_app", with_unknown_fields(21))
    project.app("other_app", with_unknown_fields(2).replace("Sample App", "Other App"))
    status, out, err = project.run("check", "--format", "github", capsys=capsys)
    lines = out.splitlines()
    assert status == 1
    assert len(lines) == 2 + 20 + 1
    assert lines[:2] == [f"::error file=content/apps/other_app.yaml,line={6 + i},col=1::extra_0{i}: unknown field" for i in range(2)]
    assert lines[-1] == "::error file=content/apps/sample_app.yaml::\u2026 and 1 more problem in this file"
    assert err == "error: 23 problems in 2 files; site/ was not changed\n"


def test_a_file_name_with_terminal_escapes_is_printed_escaped(project, capsys):
    project.app(HOSTILE_NAME)
    status, _, err = project.run("check", capsys=capsys)
    assert status == 1
    assert err.splitlines()[0] == (f"content/apps/{SHOWN_NAME}.yaml:1:1: file name '{SHOWN_NAME}' is not a ClearOS basename "
                                   "(lower-case letters, digits and single underscores)")
    assert "\x1b" not in err and "\x07" not in err and "\u202e" not in err and "\u3164" not in err


def test_annotations_and_the_summary_show_the_same_escapes():
    problem = Problem(f"content/apps/{HOSTILE_NAME}.yaml", 2, 3, f"got '{HOSTILE_NAME}'")
    assert github_annotation(problem) == f"::error file=content/apps/{SHOWN_NAME}.yaml,line=2,col=3::got '{SHOWN_NAME}'"
    assert str(problem) == f"content/apps/{SHOWN_NAME}.yaml:2:3: got '{SHOWN_NAME}'"
    assert summarise([problem], f"{HOSTILE_NAME}/") == f"error: 1 problem in 1 file; {SHOWN_NAME}/ was not changed"


def test_printable_escapes_what_hides_or_acts_and_keeps_what_reads():
    assert printable("ok: Café 日本語 Прокси 😀 ệ") == "ok: Café 日本語 Прокси 😀 ệ"
    assert printable("\x9b31m\x1b\\\t\r\n") == "\\x9b31m\\x1b\\\\x09\\x0d\\x0a"
    assert printable("a\u00a0b\u2028c\U000e0041\u2800\ufe0f") == "a\\xa0b\\u2028c\\U000e0041\\u2800\\ufe0f"
    assert printable("z" + "\u0301" * 5) == "z\u0301\u0301\u0301\\u0301\\u0301"


def test_the_built_line_shows_an_odd_output_folder_escaped(project, capsys):
    out_dir = project.root / "si\x1bte"
    status, out, _ = project.run("--out", str(out_dir), capsys=capsys)
    assert status == 0
    assert out.splitlines()[0].endswith("into " + str(project.root) + "/si\\x1bte")   # then the --no-history note


def test_a_98_kb_time_zone_is_measured_not_echoed(project, capsys):
    project.app("sample_app", VALID_APP.replace("timezone: Europe/London", "timezone: Europe/" + "x" * 98_000))
    status, _, err = project.run("check", capsys=capsys)
    assert status == 1
    assert err.splitlines() == ["content/apps/sample_app.yaml:20:15: support.vendor.timezone: is 98007 characters long; "
                                "the limit is 100",
                                "error: 1 problem in 1 file; site/ was not changed"]


def test_did_you_mean_gives_up_at_once_on_a_huge_word():
    start = time.perf_counter()
    assert did_you_mean("Europe/Londn" + "x" * 100_000, canonical_zones()) == ""
    assert time.perf_counter() - start < 0.5
    assert did_you_mean("Europe/Londn", canonical_zones()) == "; did you mean 'Europe/London'?"


def test_no_printed_message_runs_past_1000_characters_whatever_it_quotes():
    problem = Problem("content/apps/x.yaml", 1, 1, "got " + "\u202e" * 5000)
    assert len(str(problem)) == len("content/apps/x.yaml:1:1: ") + 1000
    assert str(problem).endswith("\\u202e\\u2...") and "\u202e" not in str(problem)
    assert len(github_annotation(problem)) < 1100


def test_each_missing_field_is_reported_once(project, capsys):
    project.app("sample_app", "vendor: Example Vendor\n")
    status, _, err = project.run("check", capsys=capsys)
    lines = err.splitlines()
    assert status == 1
    assert len(lines) == len(set(lines)) == 10
    assert lines[0] == "content/apps/sample_app.yaml:1:1: missing required field 'category'"
