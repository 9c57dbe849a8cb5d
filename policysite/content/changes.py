"""Policy changes across apps for people and feed readers: changes.atom (Atom 1.0, RFC 4287) and the
rows of the Recent changes page. Pure functions of a Site and the items of changes.json.

Both take the very list changes.json carries (feed.latest_changes: newest first, bounded), so the
three cannot disagree. The Atom document is made with ElementTree, which escapes every text and
attribute; text XML 1.0 cannot hold at all (most control characters, lone surrogates) is refused
here as our bug, since the loader refuses it in every app file long before.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from policysite.model import Site

ATOM_PATH = "changes.atom"
PAGE_URL = "changes/"
ATOM_NS = "http://www.w3.org/2005/Atom"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
# A feed with no change has nothing to date it by; a fixed time keeps its bytes the same from build to build.
NEVER = "1970-01-01T00:00:00Z"
# Outside XML 1.0's Char production, and CR, which a parser would read back as a line feed.
_NOT_XML = re.compile("[^\t\n\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def check_xml_text(value: str, where: str) -> str:
    """Return value if XML 1.0 can carry it unchanged; raise ValueError naming the first character it cannot."""
    bad = _NOT_XML.search(value)
    if bad is not None:
        raise ValueError(f"{where}: U+{ord(bad.group()):04X} cannot be written in XML 1.0")
    return value


def check_item(item: dict) -> dict:
    """Return a changes.json item if every text in it can be written in changes.atom; raise ValueError if not."""
    for key, value in item.items():
        for text in value if isinstance(value, list) else [value]:
            check_xml_text(text, f"changes item {key}")
    return item


def feed_title(site: Site) -> str:
    """Return the title of both change feeds."""
    return f"{site.settings.title}: policy changes"


def feed_description(site: Site) -> str:
    """Return what both change feeds say they are."""
    return f"Changes to the support policies of ClearOS Marketplace apps, newest first. {site.settings.example_notice}"


def render_atom(site: Site, items: list[dict]) -> bytes:
    """Render changes.atom from changes.json's items: one entry per item, in the same order."""
    base = site.settings.base_url
    feed = ET.Element("feed", {"xmlns": ATOM_NS, XML_LANG: "en"})
    add(feed, "id", base + ATOM_PATH)
    add(feed, "title", feed_title(site))
    add(feed, "subtitle", feed_description(site))
    add(feed, "updated", max((i["date_published"] for i in items), default=NEVER))
    author = add(feed, "author")
    add(author, "name", site.settings.title)
    add(author, "uri", base)
    link(feed, "self", base + ATOM_PATH, "application/atom+xml")
    link(feed, "alternate", base + PAGE_URL, "text/html")
    for item in items:
        feed.append(entry_element(item))
    ET.indent(feed, space="  ")
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True) + b"\n"


def entry_element(item: dict) -> ET.Element:
    """Return the Atom entry of one changes.json item: its id, title, time, link, app and text."""
    entry = ET.Element("entry")
    add(entry, "id", item["id"])
    add(entry, "title", item["title"])
    add(entry, "updated", item["date_published"])
    link(entry, "alternate", item["url"], "text/html")
    for tag in item["tags"]:
        ET.SubElement(entry, "category", {"term": check_xml_text(tag, "category")})
    add(entry, "content", item["content_text"]).set("type", "text")
    return entry


def add(parent: ET.Element, tag: str, text: str | None = None) -> ET.Element:
    """Append a child element holding text (checked for XML) to parent and return it."""
    child = ET.SubElement(parent, tag)
    if text is not None:
        child.text = check_xml_text(text, tag)
    return child


def link(parent: ET.Element, rel: str, href: str, media_type: str) -> None:
    """Append an Atom link to parent."""
    ET.SubElement(parent, "link", {"rel": rel, "type": media_type, "href": check_xml_text(href, "link")})


def page_rows(site: Site, items: list[dict]) -> list[tuple[str, list[dict]]]:
    """Return the Recent changes page's rows grouped by UTC day, newest first: each with its time, the app's
    name, the site-relative address of the change in the app's history, and its sentences."""
    base = site.settings.base_url
    names = {app.basename: app.name for app in site.apps}
    days: dict[str, list[dict]] = {}
    for item in items:
        assert item["url"].startswith(base), item["url"]   # change_items builds it so
        days.setdefault(item["date_published"][:10], []).append({
            "time": item["date_published"], "app_name": names[item["tags"][0]],
            "url": item["url"].removeprefix(base), "changes": item["content_text"].split("\n"),
        })
    return list(days.items())
