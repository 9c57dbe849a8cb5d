"""What CI shows: annotations only on the files a pull request changed, and every problem in the job summary,
so none is lost to GitHub's 10 annotations a step or to the 20 lines a file the log prints."""

from __future__ import annotations

import re

from conftest import VALID_APP

THIRTY = VALID_APP + "".join(f"extra_{n:02}: {n}\n" for n in range(1, 31))   # 30 unknown fields, lines 42 to 71
ROW = re.compile(r"^\| (?P<file>[^|]+) \| (?P<line>\d+) \| (?P<col>\d+) \| (?P<kind>error|warning) \| (?P<problem>[^|]+) \|$")


def rows(summary: str) -> list[dict]:
    """Return the problem rows of a summary table, as dicts."""
    return [m.groupdict() for m in map(ROW.match, summary.splitlines()) if m]


def run_ci(project, capsys, changed: list[str], *extra: str) -> tuple[int, str, str, str]:
    """Run check as the workflow does; return (status, stdout, stderr, summary)."""
    listed = project.write("changed.txt", "".join(f"{p}\n" for p in changed))
    summary = project.root / "summary.md"
    status, out, err = project.run("check", "--format", "github", "--changed", str(listed), "--summary", str(summary),
                                   *extra, capsys=capsys)
    return status, out, err, summary.read_text(encoding="utf-8")


def test_a_changed_file_with_30_problems_is_annotated_and_all_30_are_in_the_summary(project, capsys):
    project.app("broken", THIRTY.replace("Sample App", "Broken App"))
    status, out, err, summary = run_ci(project, capsys, ["content/apps/broken.yaml"])
    assert status == 1
    annotations = out.splitlines()
    assert len(annotations) == 21 and annotations[-1] == "::error file=content/apps/broken.yaml::\u2026 and 10 more problems in this file"
    assert annotations[0] == "::error file=content/apps/broken.yaml,line=42,col=1::extra_01: unknown field"
    assert err == "error: 30 problems in 1 file; site/ was not changed\n"
    found = rows(summary)
    assert [(r["file"], r["line"], r["kind"]) for r in found] == [("content/apps/broken.yaml (changed)", str(42 + n), "error")
                                                                  for n in range(30)]
    assert found[29]["problem"] == "extra_30: unknown field"
    assert summary.startswith("### policysite check\n\nerror: 30 problems in 1 file; site/ was not changed\n\n"
                              "30 errors and 0 warnings in 1 file; files this change touched come first.\n")


def test_problems_in_files_the_change_did_not_touch_are_not_annotated_but_are_summarised(project, capsys):
    project.app("broken", THIRTY.replace("Sample App", "Broken App"))
    status, out, err, summary = run_ci(project, capsys, ["content/apps/sample_app.yaml"])
    assert (status, out) == (1, "")
    lines = err.splitlines()
    assert lines[0] == "content/apps/broken.yaml:42:1: extra_01: unknown field"
    assert lines[20:] == ["content/apps/broken.yaml: \u2026 and 10 more problems in this file",
                          "30 problems in files this change did not touch (not annotated; every problem is in the job summary)",
                          "error: 30 problems in 1 file; site/ was not changed"]
    assert len(rows(summary)) == 30 and all(r["file"] == "content/apps/broken.yaml" for r in rows(summary))


def test_changed_files_come_first_in_the_summary(project, capsys):
    project.app("aaa_old", VALID_APP.replace("summary:", "sumary:"))
    project.app("zzz_new", VALID_APP.replace("vendor: Example Vendor", "vendor: Example Vendor\nvendr: x"))
    _, out, _, summary = run_ci(project, capsys, ["content/apps/zzz_new.yaml"])
    assert [r["file"] for r in rows(summary)] == ["content/apps/zzz_new.yaml (changed)", "content/apps/aaa_old.yaml"]
    assert out.startswith("::error file=content/apps/zzz_new.yaml,line=3,col=1::vendr: unknown field") and "aaa_old" not in out


def test_without_changed_every_file_is_annotated(project, capsys):
    project.app("aaa_old", VALID_APP.replace("summary:", "sumary:"))
    status, out, _ = project.run("check", "--format", "github", capsys=capsys)
    assert status == 1 and out.startswith("::error file=content/apps/aaa_old.yaml,line=6,col=1::sumary: unknown field")


def test_a_clean_check_writes_its_outcome_to_the_summary_and_appends(project, capsys):
    summary = project.root / "summary.md"
    summary.write_text("earlier step\n", encoding="utf-8")
    assert project.run("check", "--summary", str(summary), capsys=capsys)[0] == 0
    assert summary.read_text(encoding="utf-8") == (
        "earlier step\n### policysite check\n\nok: 1 apps and 3 documents checked\n\nNo problems.\n")


def test_a_hostile_field_name_cannot_break_the_summary_table_or_add_markup(project, capsys):
    project.app("sample_app", VALID_APP.replace("summary: A small", '"a|b <img src=x onerror=alert(1)> [x](https://e.example) @team": 1\nsummary: A small'))
    _, _, _, summary = run_ci(project, capsys, [])
    [row] = rows(summary)
    assert "<" not in summary and "](" not in summary and "@team" not in summary and "://" not in summary
    # the message quotes the key cut to 60 characters, as the log does
    assert row["problem"] == ("'a&#124;b &#60;img src=x onerror=alert&#40;1&#41;&#62; &#91;x&#93;&#40;https&#58;//e.example&#41; "
                              "&#64;...': unknown field")
