"""Markdown to safe HTML: render with markdown-it-py, then sanitise with an allowlist (nh3).

markdown-it-py follows CommonMark and was written to stay linear on hostile input
(Python-Markdown took 36 s on 16 KB of '[' and hit RecursionError on nested
lists), and its nesting depth is capped. Raw HTML is let through to the
sanitiser, which keeps only the tags below; links and images keep only http,
https and mailto (or relative) targets.
"""

from __future__ import annotations

import nh3
from markdown_it import MarkdownIt

MAX_MARKDOWN_CHARS = 30_000   # a documentation page body (4x the longest today); app descriptions: 20000 by schema
MAX_NESTING = 12              # lists and quotes inside each other; deeper text is left as plain text
URL_SCHEMES = {"http", "https", "mailto"}
_TEXT_TAGS = {"p", "br", "em", "strong", "code", "ul", "ol", "li", "a", "blockquote", "hr"}
APP_TAGS = _TEXT_TAGS | {"h3", "h4"}
DOC_TAGS = _TEXT_TAGS | {"h2", "h3", "h4", "pre", "table", "thead", "tbody", "tr", "th", "td", "kbd"}
ATTRIBUTES = {"a": {"href", "title"}, "code": {"class"}, "ol": {"start"}}
_app_md = MarkdownIt("commonmark", {"html": True, "maxNesting": MAX_NESTING})
_doc_md = MarkdownIt("commonmark", {"html": True, "maxNesting": MAX_NESTING}).enable("table")


def check_markdown(text: str) -> str | None:
    """Say why text cannot be rendered as Markdown, or return None."""
    if len(text) > MAX_MARKDOWN_CHARS:
        return f"Markdown text is {len(text)} characters long; the limit is {MAX_MARKDOWN_CHARS}"
    return None


def render_markdown(text: str, *, tags: set[str], link_rel: str, parser: MarkdownIt = _doc_md) -> str:
    """Render Markdown to HTML that carries no script, handler or unsafe URL."""
    html = parser.render(text)
    return nh3.clean(
        html,
        tags=tags,
        clean_content_tags={"script", "style", "textarea", "title", "noscript", "iframe", "object", "template"},
        attributes=ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel=link_rel,
        strip_comments=True,
    )


def render_app_markdown(text: str) -> str:
    """Render an app description: contributor text, so links get rel=nofollow ugc."""
    return render_markdown(text, tags=APP_TAGS, link_rel="nofollow ugc noopener noreferrer", parser=_app_md)


def render_doc_markdown(text: str) -> str:
    """Render one of the project's own documentation pages (tables allowed)."""
    return render_markdown(text, tags=DOC_TAGS, link_rel="noopener noreferrer", parser=_doc_md)
