"""Markdown to safe HTML: render with markdown-it-py, hold every link to the address rules, sanitise with nh3.

A plain description (no link, raw HTML, entity, escape or code, lists at most 5 deep; is_plain_markdown) is
rendered by markdown-it-pyrs instead, about four times faster: it gives the same HTML there (tests/test_fast_markup.py
compares the two on every example and on generated text), and there is no link to check.

markdown-it-py follows CommonMark and was written to stay linear on hostile input
(Python-Markdown took 36 s on 16 KB of '[' and hit RecursionError on nested
lists), and its nesting depth is capped. Raw HTML is let through to the
sanitiser, which keeps only the tags and attributes below.

Links follow one rule everywhere: every destination (Markdown links, images, autolinks and raw
<a href>) is checked as written, before markdown-it percent-encodes it, by the rule the address
fields follow (links.py, addresses.link_problem); a link that breaks it is refused, never dropped
in silence. Every href left in the sanitiser's output is checked once more, so no link an HTML
parser reads differently gets through either. The HTML is measured before it is made, so
a reference link used thousands of times is refused before it costs any memory.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import nh3
from markdown_it import MarkdownIt
from markdown_it_pyrs import MarkdownIt as FastMarkdownIt

from policysite.check.addresses import link_problem
from policysite.check.links import Refusal, check_links, hrefs_in, link_message

MAX_MARKDOWN_CHARS = 30_000   # a documentation page body (4x the longest today); app descriptions: 20000 by schema
MAX_CONTRACT_CHARS = 100_000  # the feed's contract (the tool's docs/feed.md, about 31,000 today)
MAX_APP_HTML = 100_000        # HTML of one description: 155x the longest example's (645), 5x the schema's 20000 characters
MAX_DOC_HTML = 250_000        # HTML of one documentation page: 28x the longest example's (8,844), 8x MAX_MARKDOWN_CHARS
MAX_NESTING = 12              # lists and quotes inside each other; deeper text is left as plain text
URL_SCHEMES = {"http", "https", "mailto"}
_TEXT_TAGS = {"p", "br", "em", "strong", "code", "ul", "ol", "li", "a", "blockquote", "hr"}
APP_TAGS = _TEXT_TAGS | {"h3", "h4"}
DOC_TAGS = _TEXT_TAGS | {"h2", "h3", "h4", "pre", "table", "thead", "tbody", "tr", "th", "td", "kbd"}
# Only what the site's own Markdown makes: no class or style of the author's choosing can reach the
# page (a class could forge the legend's swatches or hide text), and every value is valid HTML.
ATTRIBUTES = {"*": set(), "a": {"href", "title"}}   # '*': none of nh3's default lang and title on every tag
CODE_CLASS_RE = re.compile(r"language-[A-Za-z0-9][A-Za-z0-9_+#.-]{0,31}")   # a fenced block's info word: <code class>
START_RE = re.compile(r"[0-9]{1,9}")                                        # CommonMark's 1 to 9 digits: <ol start>
APP_LINK_REL = "nofollow ugc noopener noreferrer"   # contributor text
STARS_RE = re.compile(r"\*+")
MAX_PLAIN_STARS = 200     # emphasis at most 100 deep for the fast parser, which nests it in recursion and slows down past that
# Plain Markdown, which the fast parser renders as markdown-it-py does (tests/test_fast_markup.py): none of what links,
# images, raw HTML, entities, escapes, code and underscore emphasis start with, where the two differ or links need
# checking as written; printable ASCII and letters, marks, digits and punctuation of other scripts, no tab or CR (not
# spaces and symbols, which the two read differently beside '*'); and no line that starts with more than 10 columns of
# list markers and indentation, so lists nest at most 5 deep: within markdown-it-py's MAX_NESTING, and shallow for the
# fast parser, which has no nesting limit of its own.
NOT_PLAIN_RE = re.compile(r"[^\n -~]|[<>\[&`\\_]|~~~|^[ \-+*.)0-9]{11}", re.MULTILINE)


@dataclass(frozen=True)
class Rendered:
    """The sanitised HTML of a Markdown text (none if anything is refused), and every reason it may not be published."""

    html: str
    refusals: tuple[Refusal, ...] = ()


class _AsWritten(MarkdownIt):
    """markdown-it that keeps every link destination as written and drops none, so each can be checked."""

    def normalizeLink(self, url: str) -> str:  # noqa: N802 - markdown-it's name
        """Keep the destination as written; render_markdown encodes it once it is checked."""
        return url

    def validateLink(self, url: str) -> bool:  # noqa: N802 - markdown-it's name
        """Keep every link: link_problem refuses the bad ones out loud instead of leaving them as text."""
        return True


def _no_image(self, tokens, idx, options, env) -> str:
    """Render an image as nothing: the allowlist has no <img>, and a referenced one could cost megabytes to build."""
    return ""


_fast_md = FastMarkdownIt("commonmark")
_app_md = _AsWritten("commonmark", {"html": True, "maxNesting": MAX_NESTING})
_doc_md = _AsWritten("commonmark", {"html": True, "maxNesting": MAX_NESTING}).enable("table")
for _parser in (_app_md, _doc_md):
    _parser.add_render_rule("image", _no_image)


def check_markdown(text: str, limit: int = MAX_MARKDOWN_CHARS) -> str | None:
    """Say why text cannot be rendered as Markdown, or return None."""
    if len(text) > limit:
        return f"Markdown text is {len(text)} characters long; the limit is {limit}"
    return None


def render_markdown(text: str, *, tags: set[str], link_rel: str, parser: MarkdownIt = _doc_md,
                    max_html: int = MAX_DOC_HTML) -> Rendered:
    """Render Markdown to HTML that carries no script, handler, class or unsafe link, refusing every bad link."""
    env: dict = {}
    tokens = parser.parse(text, env)
    found, seen = check_links(parser, tokens, text)
    html, size = render_capped(parser, tokens, env, max_html)
    if html is None:
        return Rendered("", (*found, Refusal(None, 1, size_message(size, max_html))))
    html, bad = sanitise(html, tags, link_rel)
    found += [Refusal(None, 1, link_message(href, link_problem(href, limit=False))) for href in bad if href not in seen]
    if len(html) > max_html:   # the sanitiser adds rel="..." to every link
        found.append(Refusal(None, 1, size_message(len(html), max_html)))
    return Rendered("" if found else html, tuple(found))


def render_capped(parser: MarkdownIt, tokens: list, env: dict, cap: int) -> tuple[str | None, int]:
    """Render tokens as RendererHTML.render does, keeping the pieces only while the HTML stays within cap.

    Return the HTML (None if over cap) and its full length, so amplified text is measured but never built.
    """
    out, size = [], 0
    for piece in _pieces(parser, tokens, env):
        size += len(piece)
        if size <= cap:
            out.append(piece)
    return ("".join(out) if size <= cap else None), size


def _pieces(parser: MarkdownIt, tokens: list, env: dict):
    """Yield the HTML of each token in turn, the same pieces RendererHTML.render and renderInline join."""
    renderer, options = parser.renderer, parser.options
    # An inline tag's HTML depends only on these, and a reference link's attributes are the very same
    # string objects at every use (their hashes are cached), so a link used 3,000 times is rendered once.
    tags: dict[tuple, str] = {}

    def piece(group: list, i: int) -> str:
        """Render one token in its group, as the renderer would."""
        token = group[i]
        rule = renderer.rules.get(token.type)
        if rule:
            return rule(group, i, options, env)
        if token.block:
            return renderer.renderToken(group, i, options, env)
        key = (token.tag, token.nesting, token.hidden, tuple(token.attrItems()))
        if key not in tags:
            tags[key] = renderer.renderToken(group, i, options, env)
        return tags[key]

    for i, token in enumerate(tokens):
        if token.type != "inline":
            yield piece(tokens, i)
        for j in range(len(token.children or ()) if token.type == "inline" else 0):
            yield piece(token.children, j)


def sanitise(html: str, tags: set[str], link_rel: str) -> tuple[str, list[str]]:
    """Clean HTML with the allowlist; return it and every href left in it that breaks the link rule, in order.

    No Python callback runs inside nh3, which prints and swallows a callback's exceptions (a Ctrl-C
    among them): the values a code class or a list start may take are listed from the HTML itself,
    each matching its pattern, and the hrefs are read back from nh3's output, which parses one way only.
    """
    clean = nh3.clean(
        html, tags=tags, attributes=ATTRIBUTES, url_schemes=URL_SCHEMES, link_rel=link_rel, strip_comments=True,
        allowed_classes={"code": set(CODE_CLASS_RE.findall(html))},
        tag_attribute_values={"ol": {"start": set(START_RE.findall(html))}},
        clean_content_tags={"script", "style", "textarea", "title", "noscript", "iframe", "object", "template"},
    )
    return clean, [href for href in dict.fromkeys(hrefs_in(clean)) if link_problem(href, limit=False)]


def size_message(size: int, limit: int) -> str:
    """Word the refusal of HTML over its cap."""
    return f"renders to {size} characters of HTML; the limit is {limit}"


def render_app_markdown(text: str) -> Rendered:
    """Render an app description: contributor text, so links get rel=nofollow ugc; plain Markdown with the fast parser."""
    fast = render_plain_markdown(text) if is_plain_markdown(text) else None
    return fast or render_markdown(text, tags=APP_TAGS, link_rel=APP_LINK_REL, parser=_app_md, max_html=MAX_APP_HTML)


def is_plain_markdown(text: str) -> bool:
    """Return True if text is plain Markdown (NOT_PLAIN_RE) with at most MAX_PLAIN_STARS '*' and no run of them that
    could both open and close emphasis (as in 'a*b'), where the two parsers pair delimiters differently: the fast
    parser renders it as markdown-it-py does."""
    if text.count("*") > MAX_PLAIN_STARS:
        return False
    for found in NOT_PLAIN_RE.finditer(text):
        char = found.group()
        if len(char) != 1 or char.isascii() or unicodedata.category(char)[0] not in "LMNP":
            return False
    for run in STARS_RE.finditer(text):
        before, after = text[run.start() - 1: run.start()] or "\n", text[run.end(): run.end() + 1] or "\n"
        if not before.isspace() and not after.isspace() and (_is_punctuation(before) == _is_punctuation(after)):
            return False
    return True


def _is_punctuation(char: str) -> bool:
    """Return True for ASCII punctuation and Unicode punctuation, as CommonMark's flanking rules read them."""
    return unicodedata.category(char)[0] in "PS" if not char.isascii() else not char.isalnum() and not char.isspace()


def render_plain_markdown(text: str) -> Rendered | None:
    """Render a plain description with the fast parser; None where markdown-it-py must say why it cannot be published."""
    html = _fast_md.render(text)
    if len(html) > MAX_APP_HTML:
        return None
    clean, bad = sanitise(html, APP_TAGS, APP_LINK_REL)
    return None if bad or len(clean) > MAX_APP_HTML else Rendered(clean)


def render_doc_markdown(text: str) -> Rendered:
    """Render one of the documentation pages (tables allowed)."""
    return render_markdown(text, tags=DOC_TAGS, link_rel="noopener noreferrer", parser=_doc_md, max_html=MAX_DOC_HTML)
