"""Markdown to safe HTML: render with Python-Markdown, then sanitise with an allowlist (nh3).

Raw HTML in Markdown is allowed by Python-Markdown, so everything it produces
goes through the sanitiser: only the tags below survive, and links keep only
http, https and mailto (or relative) targets.
"""

from __future__ import annotations

import markdown
import nh3

URL_SCHEMES = {"http", "https", "mailto"}
_TEXT_TAGS = {"p", "br", "em", "strong", "code", "ul", "ol", "li", "a", "blockquote", "hr"}
APP_TAGS = _TEXT_TAGS | {"h3", "h4"}
DOC_TAGS = _TEXT_TAGS | {"h2", "h3", "h4", "pre", "table", "thead", "tbody", "tr", "th", "td", "kbd"}
ATTRIBUTES = {"a": {"href", "title"}, "code": {"class"}, "th": {"align"}, "td": {"align"}}
_md = markdown.Markdown(extensions=["fenced_code", "tables", "sane_lists"], output_format="html")


def render_markdown(text: str, *, tags: set[str], link_rel: str) -> str:
    """Render Markdown to HTML that carries no script, handler or unsafe URL."""
    html = _md.reset().convert(text)
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
    return render_markdown(text, tags=APP_TAGS, link_rel="nofollow ugc noopener noreferrer")


def render_doc_markdown(text: str) -> str:
    """Render one of the project's own documentation pages."""
    return render_markdown(text, tags=DOC_TAGS, link_rel="noopener noreferrer")
