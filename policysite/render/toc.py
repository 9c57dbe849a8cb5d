"""Heading anchors and a table of contents for documentation pages, worked out from their rendered body; and a
document's headings moved down a level to sit inside another page."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from markupsafe import Markup

# Rendered Markdown headings carry no attributes (policysite/content/markup.py writes them bare).
HEADING = re.compile(r"<(h[23])>(.*?)</\1>", re.DOTALL)
TAG = re.compile(r"<[^>]+>")
# Ids doc.html gives its own sections, and the page's landmarks: a heading never takes one of them.
RESERVED = frozenset({"main", "legend-heading", "factors-heading", "articles-heading", "apps-heading", "toc-heading"})


@dataclass(frozen=True)
class Heading:
    """One heading of a page: its level (2 or 3), its anchor and its text."""

    level: int
    anchor: str
    text: str


def slug(text: str) -> str:
    """Return an anchor for a heading's text: lower-case words joined by hyphens."""
    return "-".join(re.findall(r"[a-z0-9]+", text.lower())) or "section"


def demoted(body_html: str) -> Markup:
    """Return a rendered document to show inside another page's section: its title (h1) left out, every other
    heading one level down."""
    body = re.sub(r"<h1>.*?</h1>\n?", "", body_html, flags=re.DOTALL)
    return Markup(re.sub(r"<(/?)h([2-5])>", lambda m: f"<{m.group(1)}h{int(m.group(2)) + 1}>", body))


def with_anchors(body_html: str) -> tuple[Markup, tuple[Heading, ...]]:
    """Give every h2 and h3 of a rendered body an id and a link to itself; return the body and its headings."""
    taken, headings = set(RESERVED), []

    def anchor(match: re.Match) -> str:
        tag, inner = match.group(1), match.group(2)
        text = html.unescape(TAG.sub("", inner)).strip()
        base = candidate = slug(text)
        number = 2
        while candidate in taken:
            candidate, number = f"{base}-{number}", number + 1
        taken.add(candidate)
        headings.append(Heading(int(tag[1]), candidate, text))
        label = html.escape(f"Link to this section: {text}", quote=False)
        return (f'<{tag} id="{candidate}">{inner} <a class="heading-anchor" href="#{candidate}">'
                f'<span aria-hidden="true">#</span><span class="visually-hidden">{label}</span></a></{tag}>')

    return Markup(HEADING.sub(anchor, body_html)), tuple(headings)
