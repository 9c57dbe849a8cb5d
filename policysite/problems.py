"""Problems found in content: located, collected, and printed all at once."""

from __future__ import annotations

import difflib
from dataclasses import dataclass


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
        return f"{self.src_path}:{self.line}:{self.col}: {prefix}{self.message}"


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
    matches = difflib.get_close_matches(word, sorted(choices), n=1, cutoff=0.6)
    return f"; did you mean '{matches[0]}'?" if matches else ""


def escape_data(text: str) -> str:
    """Escape a GitHub workflow command's message: %, CR and LF."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Escape a GitHub workflow command's property value: as a message, plus ':' and ','."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def github_annotation(problem: Problem) -> str:
    """Format a problem as a GitHub Actions annotation on its file, line and column."""
    kind = "warning" if problem.severity == "warning" else "error"
    return (f"::{kind} file={escape_property(problem.src_path)},line={problem.line},col={problem.col}"
            f"::{escape_data(problem.message)}")


def summarise(problems: list[Problem], out_dir_name: str = "site/") -> str:
    """Return the one-line summary printed after a failed run."""
    errors = [p for p in problems if p.severity == "error"]
    files = {p.src_path for p in errors}
    noun = "problem" if len(errors) == 1 else "problems"
    fnoun = "file" if len(files) == 1 else "files"
    return f"error: {len(errors)} {noun} in {len(files)} {fnoun}; {out_dir_name} was not changed"
