"""Plain descriptions go to the fast parser (markdown-it-pyrs), which gives markdown-it-py's HTML byte for byte;
everything else, and everything deeper than markdown-it-py's nesting limit, still goes to markdown-it-py."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import REPO
from policysite.content import markup
from policysite.content.markup import APP_LINK_REL, APP_TAGS, MAX_APP_HTML, is_plain_markdown, render_app_markdown

# Markdown's own characters, list markers and indentation, the characters the gate turns away, and other scripts'
# letters, marks, digits, punctuation, symbols and spaces (the two parsers read symbols and spaces apart).
BITS = list("*_#-+=~|!;:.)(\"' \n0123456789abcXYZ/?,%$^{}@<>[]&`\\\t\r") + [
    "\n\n", "\n\n\n", "    ", "  ", "1. ", "2) ", "10. ", "- ", "* ", "+ ", "# ", "## ", "#### ", "***", "---", "___", "===",
    "   - ", "  1. ", "\n- ", "\n  - ", "\n    - ", "\n      - ", "\n1. ", "\n   1. ", "\n    code", "\n===\n", "\n---\n",
    "\n> ", "**", "****", "*a*", "**b**", "_a_", "a*", "*a", " *", "* ", "*«", "»*", "*—", "—*", "é", "—", "’", "中",
    "ǅ", "\u0301", "٣", "«", "»", "¿", "·", "‐", "£", "©", "\xa0", "\u3000", "\u2028", "&amp;", "&copy;", "`x`",
    "```", "~~~", "[a](https://example.org/)", "<b>", "\\*"]
MARKDOWN = st.lists(st.sampled_from(BITS), max_size=60).map("".join)


def slow(text: str):
    """Render a description with markdown-it-py only, as before the fast parser."""
    return markup.render_markdown(text, tags=APP_TAGS, link_rel=APP_LINK_REL, parser=markup._app_md, max_html=MAX_APP_HTML)


def descriptions() -> list[tuple[str, str]]:
    """Return (file, description) for every example app, golden corpus app and allowed hostile case."""
    paths = [p for folder in ("content/apps", "tests/golden/input/corpus", "tests/cases/allowed")
             for p in sorted((REPO / folder).glob("*.yaml"))]
    return [(p.relative_to(REPO).as_posix(), yaml.safe_load(p.read_text(encoding="utf-8"))["description"]) for p in paths]


def test_every_example_description_renders_as_markdown_it_py_renders_it():
    found = descriptions()
    assert [(path, render_app_markdown(text)) for path, text in found] == [(path, slow(text)) for path, text in found]
    examples = [text for path, text in found if path.startswith("content/apps/")]
    assert len(examples) >= 70 and all(map(is_plain_markdown, examples))   # the fast parser does take them


@pytest.mark.parametrize("path", sorted((REPO / "content/docs").rglob("*.md")), ids=lambda p: p.name)
def test_every_plain_document_renders_as_markdown_it_py_renders_it(path):
    """Documents stay with markdown-it-py (tables); where one is plain, the fast parser would give the same HTML."""
    body = path.read_text(encoding="utf-8").split("---\n", 2)[2]
    if is_plain_markdown(body):
        assert markup.render_plain_markdown(body) == slow(body)


@settings(max_examples=1500, deadline=timedelta(seconds=5), suppress_health_check=[HealthCheck.too_slow])
@given(MARKDOWN)
def test_any_description_renders_as_markdown_it_py_renders_it(text):
    assert render_app_markdown(text) == slow(text)
    if is_plain_markdown(text):   # the raw HTML too, so a refusal for its size would give the same figure
        assert markup._fast_md.render(text) == markup._app_md.render(text)


@settings(max_examples=300, deadline=timedelta(seconds=5))
@given(st.lists(st.sampled_from(["- ", "1. ", "* ", "+ ", "2) ", "  ", "   ", " ", "a", "\n", "\n\n", "**x**"]), max_size=80).map("".join))
def test_the_fast_parser_never_gets_lists_nested_deeper_than_markdown_it_py_allows(text):
    """markdown-it-py stops nesting at MAX_NESTING levels (a list and its item are two); the fast parser has no limit,
    so the gate lets through at most 5 lists inside each other, which neither limits."""
    if is_plain_markdown(text):
        html = markup._fast_md.render(text)
        depth = deepest = 0
        for tag in re.findall(r"</?[uo]l\b", html):
            depth += -1 if tag.startswith("</") else 1
            deepest = max(deepest, depth)
        assert deepest <= 5 and 2 * deepest < markup.MAX_NESTING
        assert render_app_markdown(text) == slow(text)


@pytest.mark.parametrize("text", [
    "".join("  " * i + "- a\n" for i in range(200)),            # lists 200 deep
    "- " * 6 + "a\n",                                            # 6 lists opened on one line
    ">" * 5000 + " a\n",                                         # quotes 5000 deep
    "".join("*a " for _ in range(101)) + "x" + " a*" * 101,      # emphasis 101 deep
    "a_b *c*\n", "*a*b\n", "x\u00a0*y*\n", "\t- a\n", "*£*\n", "`  `\n", "a\r\nb\n", "[x](javascript:alert(1))\n",
])
def test_what_the_fast_parser_reads_otherwise_or_too_deep_goes_to_markdown_it_py(text):
    assert not is_plain_markdown(text)
    assert render_app_markdown(text) == slow(text)


def test_a_plain_description_over_the_html_limit_is_refused_with_markdown_it_pys_words():
    text = "- a\n" * 10000   # 40,000 characters (the schema stops descriptions at 20,000; the renderer holds its own limit)
    assert is_plain_markdown(text) and markup.render_plain_markdown(text) is None
    assert render_app_markdown(text) == slow(text) == markup.Rendered("", (markup.Refusal(None, 1, markup.size_message(110011, MAX_APP_HTML)),))
