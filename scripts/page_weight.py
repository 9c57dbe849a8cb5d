"""Measure what a page of the built site costs to download: its HTML and everything it loads, gzipped.

Usage: python3 scripts/page_weight.py [SITE_DIR]   (default: site/, as `build.py` writes it)
Prints one line per page type and the heaviest app page. Standard library only.
"""

from __future__ import annotations

import gzip
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

# Servers commonly compress at level 6 (gzip's default); the figures assume that.
GZIP_LEVEL = 6
PAGE_TYPES = (
    ("catalogue", "index.html"),
    ("category page (categories/server/)", "categories/server/index.html"),
    ("app, all methods (lets_encrypt)", "apps/lets_encrypt/index.html"),
    ("app, no method (pptpd)", "apps/pptpd/index.html"),
    ("documentation (level2/software-raid-5)", "level2/software-raid-5/index.html"),
    ("policy explained", "policy/index.html"),
    ("404", "404.html"),
)


class AssetFinder(HTMLParser):
    """Collect the URLs of stylesheets, scripts, icons and images a page loads."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        """Note the URL of anything the browser fetches for this element."""
        attr = dict(attrs)
        rel = (attr.get("rel") or "").split()
        if tag == "link" and {"stylesheet", "icon"} & set(rel) and attr.get("href"):
            self.urls.append(attr["href"])
        elif tag in ("script", "img") and attr.get("src"):
            self.urls.append(attr["src"])


def gzipped_size(data: bytes) -> int:
    """Return the size of data compressed as a server would send it."""
    return len(gzip.compress(data, compresslevel=GZIP_LEVEL, mtime=0))


def page_assets(site_dir: Path, page: str) -> list[Path]:
    """Return the files a page loads, resolved inside site_dir (the 404 page's links are site-absolute)."""
    finder = AssetFinder()
    finder.feed((site_dir / page).read_text(encoding="utf-8"))
    assets = []
    for url in finder.urls:
        parts = urlsplit(url)
        if parts.scheme or parts.netloc:
            raise ValueError(f"{page} loads {url} from another site")
        path = urlsplit(urljoin("/" + page, url)).path.lstrip("/")
        assets.append(site_dir / path)
    return assets


def page_weight(site_dir: Path, page: str) -> dict[str, int]:
    """Return gzipped bytes per file for one page: the page itself, then each file it loads."""
    files = [site_dir / page, *page_assets(site_dir, page)]
    return {f.relative_to(site_dir).as_posix(): gzipped_size(f.read_bytes()) for f in files}


def heaviest_app_page(site_dir: Path) -> tuple[str, int]:
    """Return the app page with the largest total weight, and that weight."""
    pages = [p.relative_to(site_dir).as_posix() for p in sorted((site_dir / "apps").glob("*/index.html"))]
    totals = {page: sum(page_weight(site_dir, page).values()) for page in pages}
    page = max(totals, key=lambda p: (totals[p], p))
    return page, totals[page]


def main(argv: list[str]) -> int:
    """Print the weight of each page type and of the heaviest app page."""
    site_dir = Path(argv[1] if len(argv) > 1 else "site")
    if not (site_dir / "index.html").is_file():
        print(f"error: no built site in {site_dir}; run `python3 build.py` first", file=sys.stderr)
        return 1
    print(f"gzip level {GZIP_LEVEL}; bytes per file, then the total for the page")
    for label, page in PAGE_TYPES:
        weights = page_weight(site_dir, page)
        detail = ", ".join(f"{name} {size}" for name, size in weights.items())
        print(f"{label:42} {sum(weights.values()) / 1024:6.1f} KB  ({detail})")
    page, total = heaviest_app_page(site_dir)
    print(f"{'heaviest app page: ' + page:42} {total / 1024:6.1f} KB")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
