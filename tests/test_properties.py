"""Property-based: random and mutated YAML and Markdown give a valid build or located problems, never a traceback or a hang."""

from __future__ import annotations

import re
import signal
from contextlib import contextmanager
from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import VALID_APP
from policysite.sources.loader import parse_yaml
from test_hostile import live_script_findings

PROBLEM = re.compile(r"^content/[^\n]+?:[1-9]\d*:[1-9]\d*: \S[^\n]*$")
SUMMARY = re.compile(r"^error: \d+ problems? in \d+ files?; site/ was not changed$")
MORE = re.compile(r"^content/[^\n]+?: \u2026 and \d+ more problems? in this file$")   # after the first 20 of a file
HANG_LIMIT = 60  # seconds; only there to turn a hang into a failure
# Characters YAML and Markdown give meaning to, plus the kinds of text the loader must refuse.
YAML_BITS = list(":-?[]{},#&*!|>'\"%@`\\\t\n ~<=") + ["\r\n", "\r", "\x00", "\x1b", "\x85", "\u2028", "\u202e", "\u200b",
                                                    "\ufeff", "\ufffe", "\ud800", "\U0001f600", "é", "---", "...", "<<: ",
                                                    "!!python/object:os.system", "&a ", "*a", "\\u202e", "\\ud800", "\\U00110000",
                                                    "yes", "NO", "0755", "1.10", ".nan", "2024-02-30", "  ", "- ", ": "]
MARKDOWN_BITS = list("[]()<>*_`!#-\n &;|:/\\\"'=") + ["javascript:", "<script>", "</script>", "onerror=", "<img src=x ",
                                                     "<a href=", "](", "![", "    ", "> ", "1. ", "```", "<!--", "-->", "&#58;",
                                                     "data:", "<svg", "{{", "}}", "\t", "a", "b c"]
quick = settings(max_examples=300, deadline=timedelta(seconds=5), suppress_health_check=[HealthCheck.too_slow])
builds = settings(max_examples=60, deadline=timedelta(seconds=20),
                  suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


@contextmanager
def hang_guard(seconds: int = HANG_LIMIT):
    """Fail, rather than wait for ever, if one example runs longer than seconds."""
    def expire(signum, frame):
        raise TimeoutError(f"one example ran for more than {seconds} s")
    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@st.composite
def mutated(draw, base: str, bits: list[str]) -> str:
    """Return base with a few random insertions, deletions and line shuffles."""
    text = base
    for _ in range(draw(st.integers(1, 6))):
        at = draw(st.integers(0, len(text)))
        kind = draw(st.sampled_from(["insert", "insert", "delete", "duplicate_line", "swap_lines"]))
        if kind == "insert":
            text = text[:at] + draw(st.lists(st.sampled_from(bits), min_size=1, max_size=8).map("".join)) + text[at:]
        elif kind == "delete":
            text = text[:at] + text[at + draw(st.integers(1, 40)):]
        else:
            lines = text.split("\n")
            i, j = draw(st.integers(0, len(lines) - 1)), draw(st.integers(0, len(lines) - 1))
            if kind == "duplicate_line":
                lines.insert(j, lines[i])
            else:
                lines[i], lines[j] = lines[j], lines[i]
            text = "\n".join(lines)
    return text


def yaml_texts():
    return st.one_of(mutated(VALID_APP, YAML_BITS), st.lists(st.sampled_from(YAML_BITS + list("abc01")), max_size=80).map("".join))


def assert_valid_build_or_located_problems(status: int, out: str, err: str) -> None:
    """The two outcomes a build may have: success with nothing on stderr, or located problems and exit 1."""
    assert "Traceback" not in out + err
    if status == 0:
        assert err == ""
        return
    assert status == 1
    lines = err.splitlines()
    assert lines and SUMMARY.match(lines[-1]), err
    assert lines[:-1] and all(PROBLEM.match(line) or MORE.match(line) for line in lines[:-1]), err


@quick
@given(yaml_texts())
def test_the_loader_returns_a_tree_or_located_problems_for_any_text(text):
    with hang_guard():
        node, problems = parse_yaml(text, "x.yaml")
    assert node is None or not problems  # a tree, or problems, or neither for an empty document
    lines = sum(text.count(brk) for brk in ("\n", "\r", "\x85", "\u2028", "\u2029")) + 2  # YAML's own line breaks
    assert all(1 <= p.line <= lines and p.col >= 1 and p.message for p in problems)


@builds
@given(raw=st.one_of(yaml_texts().map(lambda t: t.encode("utf-8", "surrogatepass")),
                     st.binary(max_size=200),
                     mutated(VALID_APP, YAML_BITS).map(lambda t: t.encode("latin-1", "replace"))))
def test_any_app_file_gives_a_valid_build_or_located_problems(project, capsys, raw):
    project.app("sample_app", raw)
    with hang_guard():
        status, out, err = project.run("check", capsys=capsys)
    assert_valid_build_or_located_problems(status, out, err)


@builds
@given(markdown=st.one_of(st.lists(st.sampled_from(MARKDOWN_BITS), max_size=300).map("".join),
                          st.text(max_size=300), mutated("See [the guide](https://example.org/) and *more*.\n\n- one\n- two\n", MARKDOWN_BITS)))
def test_any_markdown_description_builds_without_live_script_or_is_reported(project, capsys, markdown):
    body = "".join(f"  {line}\n" if line.strip() else "\n" for line in markdown.split("\n"))
    project.app("sample_app", VALID_APP.replace("description: |\n  A short description with **bold** text.\n", "description: |\n" + body))
    with hang_guard():
        status, out, err = project.run(capsys=capsys)
    assert_valid_build_or_located_problems(status, out, err)
    if status == 0:
        assert live_script_findings((project.out / "apps/sample_app/index.html").read_text(encoding="utf-8")) == []
