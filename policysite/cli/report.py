"""Report problems for CI: annotations on the files a pull request changed, and every problem in the job summary.

GitHub shows at most 10 error and 10 warning annotations a step; warnings on files nobody touched would
hide a maintainer's own. So with --changed only those files get annotations, the rest are printed as
plain lines, and --summary writes all of them, uncapped, as one Markdown table (the job summary).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from policysite.problems import Problem, clip, is_error, printable, report_lines

MAX_SUMMARY_MESSAGE = 500   # characters of one message in the summary (GitHub keeps 1 MiB of summary a step)
# Characters by which Markdown or HTML would make a cell's text into markup, a link or a mention, or end the cell:
# written as numeric references (shown as themselves). '://' and 'www.' would be linked: their first character too.
MARKDOWN_SPECIAL = {ord(ch): f"&#{ord(ch)};" for ch in "\\`*[]()<>|~&@"}


def read_changed(path: Path) -> set[str]:
    """Return the project-relative paths listed in path, one a line (as `git diff --name-only` prints them)."""
    return {line.strip() for line in path.read_text(encoding="utf-8", errors="replace").splitlines() if line.strip()}


def problem_lines(problems: list[Problem], fmt: str, changed: set[str] | None) -> tuple[list[str], list[str]]:
    """Return (annotation lines, plain lines): with changed, only problems in those files become annotations."""
    if fmt != "github":
        return [], report_lines(problems, fmt)
    mine = [p for p in problems if changed is None or p.src_path in changed]
    others = [p for p in problems if changed is not None and p.src_path not in changed]
    plain = report_lines(others, "text")
    if others:
        plain.append(f"{len(others)} problem{'s' if len(others) != 1 else ''} in files this change did not touch "
                     "(not annotated; every problem is in the job summary)")
    return report_lines(mine, "github"), plain


def cell(text: str) -> str:
    """Return text safe inside one Markdown table cell, shown as written."""
    escaped = clip(printable(text), MAX_SUMMARY_MESSAGE).translate(MARKDOWN_SPECIAL)
    return escaped.replace("://", "&#58;//").replace("www.", "www&#46;").replace("WWW.", "WWW&#46;")


def summary_markdown(command: str, problems: list[Problem], outcome: str, changed: set[str] | None) -> str:
    """Return the job summary: the outcome, then every problem, changed files first, in one table."""
    lines = [f"### policysite {command}", "", cell(outcome), ""]
    if not problems:
        return "\n".join(lines + ["No problems.", ""])
    counts = Counter("error" if is_error(p) else "warning" for p in problems)
    files = Counter(p.src_path for p in problems)
    lines += [f"{counts['error']} error{'s' if counts['error'] != 1 else ''} and {counts['warning']} "
              f"warning{'s' if counts['warning'] != 1 else ''} in {len(files)} file{'s' if len(files) != 1 else ''}"
              + ("; files this change touched come first." if changed is not None else "."), "",
              "| File | Line | Column | Kind | Problem |", "|---|---:|---:|---|---|"]
    ordered = sorted(problems, key=lambda p: (changed is not None and p.src_path not in changed, p.src_path, p.line, p.col))
    for p in ordered:
        mark = " (changed)" if changed is not None and p.src_path in changed else ""
        kind = "error" if is_error(p) else "warning"
        lines.append(f"| {cell(p.src_path)}{mark} | {p.line} | {p.col} | {kind} | {cell(p.message)} |")
    return "\n".join(lines + [""])


def append_summary(path: Path, text: str) -> None:
    """Append text to the summary file (GitHub's $GITHUB_STEP_SUMMARY collects what each step appends)."""
    with path.open("a", encoding="utf-8") as handle:
        handle.write(text)
