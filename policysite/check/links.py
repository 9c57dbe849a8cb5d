"""Every link in a Markdown text, found and checked as written: Markdown links, images, autolinks and raw <a href>.

markup.py renders with a markdown-it that keeps destinations as written, so what is checked here is
what the author typed (after Markdown's own escapes and entities), the very text an address field
would hold; once checked, each Markdown destination is encoded for the page as markdown-it would.
Lines are 0-based lines of the text; markup.py's caller maps them onto the file.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from html.parser import HTMLParser

from markdown_it import MarkdownIt

from policysite.check.addresses import link_problem
from policysite.check.schema import describe

CLEAN_A_RE = re.compile(r'<a((?: [^\s"\'>/=]+="[^"]*")*)>')   # an <a> start tag as html5ever writes it
CLEAN_ATTR_RE = re.compile(r' ([^\s"\'>/=]+)="([^"]*)"')


@dataclass(frozen=True)
class Refusal:
    """One reason a text's HTML may not be published, with its 0-based line in the text if known."""

    line: int | None
    col: int
    message: str


def check_links(parser: MarkdownIt, tokens: list, text: str) -> tuple[list[Refusal], set[str]]:
    """Check every link as written, then encode Markdown's for the page; return the refusals and every form of a refused link."""
    checked: dict[str, str | None] = {}
    encoded: dict[str, str] = {}   # one encoding per destination: a reference used 6,000 times is encoded once
    found, seen = [], set()
    for token, attr, written, line, col in _links(tokens, text.split("\n")):
        if written not in checked:
            checked[written] = link_problem(written)
            encoded[written] = MarkdownIt.normalizeLink(parser, written)
            if checked[written]:
                found.append(Refusal(line, col, link_message(written, checked[written])))
                seen.update((written, encoded[written]))
        if token is not None:
            token.attrSet(attr, encoded[written])
    return found, seen


def link_message(href: str, reason: str) -> str:
    """Word the refusal of one link."""
    return f"link {describe(href)} is not allowed; {reason}"


def _links(tokens: list, lines: list[str]):
    """Yield (token, attribute, destination as written, line, column) for every link in a text; token is None in raw HTML."""
    for block in tokens:
        start = block.map[0] if block.map else None
        if block.type == "html_block":
            yield from _raw_links(block.content, start, lines)
        elif block.type == "inline":
            line = start
            for child in block.children or ():
                if child.type in ("link_open", "image"):
                    attr = "href" if child.type == "link_open" else "src"
                    written = str(child.attrGet(attr) or "")
                    yield child, attr, written, line, _column(lines, line, written)
                elif child.type == "html_inline":
                    yield from _raw_links(child.content, line, lines)
                if line is not None:
                    line += 1 if child.type in ("softbreak", "hardbreak") else child.content.count("\n")


def _raw_links(html: str, line: int | None, lines: list[str]):
    """Yield the links of raw HTML as _links does: every href of an <a>, as a browser decodes it."""
    scanner = _HrefScanner()
    scanner.feed(html)
    scanner.close()
    for href, offset in scanner.found:
        at = None if line is None else line + offset
        yield None, "href", href, at, _column(lines, at, href)


def hrefs_in(clean: str) -> list[str]:
    """Return the href of every <a> in nh3's output, in order, decoded.

    html5ever writes every attribute one way only (name="value", with '&' and '"' escaped and '<'
    escaped in text), so a pattern reads its output exactly, ten times faster than an HTML parser.
    """
    return [html.unescape(value) for tag in CLEAN_A_RE.finditer(clean)
            for name, value in CLEAN_ATTR_RE.findall(tag.group(1)) if name == "href"]


def _column(lines: list[str], line: int | None, written: str) -> int:
    """Return the 1-based column where written stands on the line, or 1 if it is not there as such."""
    if line is None or line >= len(lines) or not written:
        return 1
    return lines[line].find(written) + 1 or 1


class _HrefScanner(HTMLParser):
    """Collect the href of every <a> start tag, with its line offset, as a browser decodes it."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, int]] = []

    def handle_starttag(self, tag, attrs):
        """Note the tag's hrefs (every one: a browser keeps the first, the check looks at all)."""
        if tag == "a":
            self.found += [(value, self.getpos()[0] - 1) for name, value in attrs if name == "href" and value is not None]
