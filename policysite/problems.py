"""Problems found in content: located, collected, and printed all at once."""

from __future__ import annotations

import difflib
import unicodedata
from dataclasses import dataclass

from policysite.spoofing import MAX_MARKS, is_invisible

MAX_PRINTED_PER_FILE = 20   # one file can hold thousands of mistakes; the first ones show what is wrong
MAX_ECHO = 60               # characters of a value a message quotes
MAX_HINT_INPUT = 100        # longer words get no 'did you mean': no real name is that long, and difflib is quadratic
MAX_MESSAGE = 1000          # characters of one printed message, whatever it quotes; ours are under 300


@dataclass(frozen=True, order=True)
class Problem:
    """One mistake in one file, at a 1-based line and column."""

    src_path: str
    line: int
    col: int
    message: str
    severity: str = "error"

    def __str__(self) -> str:
        prefix = "warning: " if self.severity == "warning" else ""
        return f"{printable(self.src_path)}:{self.line}:{self.col}: {prefix}{clip(printable(self.message), MAX_MESSAGE)}"


def is_error(problem: Problem) -> bool:
    """Return True for a problem that stops the build (not a warning)."""
    return problem.severity == "error"


class ContentError(Exception):
    """Raised by the build when content has problems; carries all of them."""

    def __init__(self, problems: list[Problem]):
        super().__init__(f"{len(problems)} problems")
        self.problems = sorted(problems)


def internal_problem(src_path: str, exc: Exception) -> Problem:
    """Turn an unexpected exception met while handling one file into a problem for that file."""
    return Problem(src_path, 1, 1, f"this file could not be processed ({type(exc).__name__}: {str(exc)[:120]}); "
                                   "please report it as a bug of policysite")


def did_you_mean(word: str, choices) -> str:
    """Return a '; did you mean ...?' hint for a likely misspelling, or ''."""
    if len(word) > MAX_HINT_INPUT:
        return ""
    matches = difflib.get_close_matches(word, sorted(choices), n=1, cutoff=0.6)
    return f"; did you mean '{matches[0]}'?" if matches else ""


def clip(text: str, limit: int = MAX_ECHO) -> str:
    """Cut text a message quotes to at most limit characters, marking the cut with '...'."""
    return text if len(text) <= limit else text[:limit - 3] + "..."


def printable(text: str) -> str:
    """Escape what a terminal or a CI log would act on or hide: control, format, invisible and unassigned characters,
    odd spaces and combining marks past MAX_MARKS on one character, as \\x1b, \\u202e or \\U000e0041."""
    if text.isascii() and text.isprintable():
        return text
    out, marks = [], 0
    for ch in text:
        marks = marks + 1 if unicodedata.category(ch) in ("Mn", "Me") else 0
        if ch.isprintable() and not is_invisible(ch) and marks <= MAX_MARKS:
            out.append(ch)
        else:
            code = ord(ch)
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}")
    return "".join(out)


def escape_data(text: str) -> str:
    """Escape a GitHub workflow command's message: %, CR and LF."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Escape a GitHub workflow command's property value: as a message, plus ':' and ','."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def github_annotation(problem: Problem) -> str:
    """Format a problem as a GitHub Actions annotation on its file, line and column."""
    kind = "warning" if problem.severity == "warning" else "error"
    return (f"::{kind} file={escape_property(printable(problem.src_path))},line={problem.line},col={problem.col}"
            f"::{escape_data(clip(printable(problem.message), MAX_MESSAGE))}")


def report_lines(problems: list[Problem], fmt: str = "text") -> list[str]:
    """Return the lines that print problems, file by file: at most MAX_PRINTED_PER_FILE each, then one saying how many more."""
    by_file: dict[str, list[Problem]] = {}
    for problem in problems:
        by_file.setdefault(problem.src_path, []).append(problem)
    lines = []
    for src_path, found in by_file.items():
        lines += [github_annotation(p) if fmt == "github" else str(p) for p in found[:MAX_PRINTED_PER_FILE]]
        hidden = found[MAX_PRINTED_PER_FILE:]
        if hidden:
            more = f"\u2026 and {len(hidden)} more problem{'s' if len(hidden) > 1 else ''} in this file"
            kind = "error" if any(map(is_error, hidden)) else "warning"
            lines.append(f"::{kind} file={escape_property(printable(src_path))}::{more}" if fmt == "github"
                         else f"{printable(src_path)}: {more}")
    return lines


def summarise(problems: list[Problem], out_dir_name: str = "site/") -> str:
    """Return the one-line summary printed after a failed run."""
    errors = [p for p in problems if p.severity == "error"]
    files = {p.src_path for p in errors}
    noun = "problem" if len(errors) == 1 else "problems"
    fnoun = "file" if len(files) == 1 else "files"
    return f"error: {len(errors)} {noun} in {len(files)} {fnoun}; {printable(out_dir_name)} was not changed"


def guarded(func, src_path: str, problems: list[Problem], *args):
    """Call func on one file's data; if it raises, add a problem for that file and return None."""
    try:
        return func(*args)
    except Exception as exc:  # noqa: BLE001 - one file's failure is that file's problem, never a traceback
        problems.append(internal_problem(src_path, exc))
        return None