"""The catalogue at any size: a light first view, plain pages per category, and a compact index of every app.

Each app gives the catalogue two pieces, made from that app alone (stages.render_app): its row, split where the
row writes the way back to the site root (so one row serves pages at any depth), and its entry of the compact
index catalogue.js filters. Everything here only orders and joins those pieces, so an edit of one app changes
its own pieces and where its neighbours fall, nothing else.
"""

from __future__ import annotations

import hashlib
import itertools
import re
import unicodedata
from dataclasses import dataclass

import jinja2
from markupsafe import Markup

from policysite.problems import ContentError
from policysite.render.feed import dump_json
from policysite.sources.read import DEVICE_NAMES

FIRST_ENTRIES = 5               # rows per category in the catalogue's first view
PAGE_SIZE = 25                  # rows per category page
PAGE_WINDOW = 2                 # page links shown on each side of the current page
LISTING_PATH = "assets/catalogue.json"
CATEGORIES_URL = "categories/"
LISTING_FORMAT = 1
LEVEL2_FLAG = 1                 # a compact-index entry's flags: ClearCARE Level II covers the app
STALE_FLAG = 2                  # ... and its policy is due for review
# Stands for the way back to the site root while a row is rendered: no content can hold it (control characters
# are refused in every file), so splitting there finds only the places the template wrote the root.
ROOT_MARK = "\x00"
PLAIN_NAME = re.compile(r"[A-Z0-9][a-z0-9]*( [A-Z0-9][a-z0-9]*)*\Z")
MAX_SLUG = 40


@dataclass(frozen=True)
class CategoryPage:
    """One page of a category's apps: page `number` of `pages`, showing apps[first:first + PAGE_SIZE]."""

    category: str
    number: int
    pages: int
    apps: tuple
    first: int
    total: int

    @property
    def url(self) -> str:
        """Return the page's site-relative URL."""
        return page_url(self.category, self.number)


@dataclass(frozen=True)
class FirstRows:
    """One category in the catalogue's first view: its first rows, joined, and how many apps it has in all."""

    category: str
    slug: str
    url: str
    count: int
    rows: Markup


def category_slug(name: str) -> str:
    """Return the category's folder under categories/: plain words ('Web Proxy', each capitalised ASCII) in lower
    case with hyphens, a name no other plain name shares; any other name keeps what it has of that and adds a hash
    of the whole name after '--', which no plain name's slug contains, so two names never share a folder."""
    ascii_text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii").lower()
    readable = "-".join(re.findall(r"[a-z0-9]+", ascii_text))[:MAX_SLUG].strip("-")
    if PLAIN_NAME.match(name) and len(name) <= MAX_SLUG and readable not in DEVICE_NAMES:
        return readable
    digest = hashlib.sha256(name.encode("utf-8", "surrogatepass")).hexdigest()[:16]
    return f"{readable or 'category'}--{digest}"


def page_url(category: str, number: int) -> str:
    """Return the site-relative URL of a category's page: the first at categories/<slug>/, then <slug>/2/ and on."""
    return f"{CATEGORIES_URL}{category_slug(category)}/" + (f"{number}/" if number > 1 else "")


def catalogue_row(env: jinja2.Environment, app) -> tuple[str, ...]:
    """Render one app's row, split where it writes the way back to the site root (join_rows puts a page's root
    there); a fault in the template raises ContentError, as render() does."""
    try:
        text = env.get_template("_catalogue_row.html").module.row(app, ROOT_MARK)
    except ContentError:
        raise
    except Exception:  # noqa: BLE001 - a macro called from Python bypasses Jinja's own handling
        env.handle_exception()
    return tuple(str(text).split(ROOT_MARK))


def listing_entry(app) -> bytes:
    """Return the app's entry of the compact index: what catalogue.js needs to draw and filter its row."""
    flags = (LEVEL2_FLAG if app.level2_covered else 0) | (STALE_FLAG if app.stale else 0)
    return dump_json([app.basename, app.name, app.vendor, app.category, app.summary, app.supported,
                      app.reviewed.isoformat(), flags]).rstrip(b"\n")


def group_by_category(apps) -> list[tuple[str, list]]:
    """Group apps by category, categories and apps in alphabetical order."""
    ordered = sorted(apps, key=lambda a: (a.category, a.name.casefold(), a.basename))
    return [(cat, list(items)) for cat, items in itertools.groupby(ordered, key=lambda a: a.category)]


def join_rows(apps, rows: dict[str, tuple[str, ...]], root: str) -> Markup:
    """Join the apps' rows for a page whose way back to the site root is root."""
    return Markup("".join(root.join(rows[a.basename]) for a in apps))


def first_view(apps, rows: dict[str, tuple[str, ...]], root: str) -> dict:
    """Return what the catalogue's first view shows: per category its first rows and a link to all of them, and
    the choices the filters offer.

    apps may be Apps or anything with their basename, name, category and vendor (an app's facts).
    """
    groups = group_by_category(apps)
    return {
        "groups": [FirstRows(category, category_slug(category), page_url(category, 1), len(items),
                             join_rows(items[:FIRST_ENTRIES], rows, root)) for category, items in groups],
        "vendors": sorted({a.vendor for a in apps}, key=lambda v: (v.casefold(), v)),   # a set: ties would follow the hash seed
        "app_count": len(apps),
        "listing_url": LISTING_PATH,
    }


def category_pages(groups: list[tuple[str, list]]) -> list[CategoryPage]:
    """Return every category's pages, PAGE_SIZE apps each, in catalogue order."""
    out = []
    for category, apps in groups:
        pages = -(-len(apps) // PAGE_SIZE)
        out += [CategoryPage(category, n + 1, pages, tuple(apps[n * PAGE_SIZE:(n + 1) * PAGE_SIZE]), n * PAGE_SIZE, len(apps))
                for n in range(pages)]
    return out


def page_links(number: int, pages: int) -> list[int | None]:
    """Return the page numbers to link from page `number`: the first, the last and those near it; None marks a gap."""
    near = set(range(max(1, number - PAGE_WINDOW), min(pages, number + PAGE_WINDOW) + 1)) | {1, pages}
    out: list[int | None] = []
    for n in sorted(near):
        if out and n - out[-1] > 1:
            out.append(None if n - out[-1] > 2 else n - 1)   # a gap of one page is shown as that page
        out.append(n)
    return out


def category_context(page: CategoryPage, rows: dict[str, tuple[str, ...]], root: str) -> dict:
    """Return what one category page shows: its rows, and the links to the category's other pages."""
    def url(n: int) -> str:
        return root + page_url(page.category, n)
    return {
        "page": page, "page_size": PAGE_SIZE, "rows": join_rows(page.apps, rows, root), "category_url": url(1),
        "previous": url(page.number - 1) if page.number > 1 else None,
        "next": url(page.number + 1) if page.number < page.pages else None,
        "links": [(n, url(n)) if n else None for n in page_links(page.number, page.pages)],
    }


def render_listing(methods, groups: list[tuple[str, list]], entries: dict[str, bytes]) -> bytes:
    """Return the compact index of every app, in catalogue order, one entry a line, with the legend its rows draw."""
    legend = dump_json({"format": LISTING_FORMAT, "methods": [[m.id, m.bit, m.title, m.marker] for m in methods]}).rstrip(b"\n")
    apps = b",\n".join(entries[a.basename] for _, items in groups for a in items)
    return legend[:-1] + b',"apps":[\n' + apps + b"\n]}\n"
