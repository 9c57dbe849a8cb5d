"""The Recent changes page (changes/) lists the items of changes.json for people; every page leads feed
readers to changes.atom and changes.json; the catalogue and each app's history lead people to the page."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

from bs4 import BeautifulSoup

from conftest import REPO
from policysite.engine.recipe import build
from test_atom import BASE, HOSTILE_SUMMARY, history  # noqa: F401  the fixture is used by name


def soup(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def page_rows(out: Path) -> list[tuple[str, str, str, str]]:
    """Return (day, app name, link, text) of each change on the built Recent changes page."""
    page = soup(out / "changes/index.html")
    return [(section.h2.time["datetime"], li.a.get_text(), li.a["href"], li.get_text())
            for section in page.select("section.changes-day") for li in section.select("ul.changes-list > li")]


def test_the_page_lists_the_changes_of_changes_json_newest_first(history, capsys):
    assert history.run(capsys=capsys)[0] == 0
    items = json.loads((history.out / "changes.json").read_bytes())["items"]
    names = {"other_app": "Ötzi & <Co>", "sample_app": "Sample App"}
    assert page_rows(history.out) == [
        (i["date_published"][:10], names[i["tags"][0]], "../" + i["url"].removeprefix(BASE),
         f"{names[i['tags'][0]]}: " + "; ".join(i["content_text"].split("\n"))) for i in items]
    assert page_rows(history.out)[1][3].endswith(f"Summary changed from A small app used by the tests. to {HOSTILE_SUMMARY}")
    assert "<script>" not in (history.out / "changes/index.html").read_text(encoding="utf-8")
    assert soup(history.out / "changes/index.html").select_one(".changes-count").get_text() == "The 3 latest changes."


def test_each_change_on_the_page_leads_to_its_entry_in_the_app_history(history, capsys):
    assert history.run(capsys=capsys)[0] == 0
    for _, _, href, _ in page_rows(history.out):
        path, anchor = href.removeprefix("../").split("#")
        assert soup(history.out / path / "index.html").find(id=anchor).name == "li", href


def test_without_history_the_page_says_no_change_is_recorded(project, capsys):
    assert project.run(capsys=capsys)[0] == 0
    page = soup(project.out / "changes/index.html")
    assert page.select("section.changes-day") == [] and page.select_one(".changes-count") is None
    assert page.select_one("p.no-changes").get_text().startswith("No policy changes are recorded yet.")


def test_the_catalogue_and_each_app_history_link_to_the_page(history, capsys):
    assert history.run(capsys=capsys)[0] == 0
    assert "../../changes/" in [a["href"] for a in soup(history.out / "apps/sample_app/index.html").select("section.history a")]
    assert "changes/" in [a["href"] for a in soup(history.out / "index.html").select("main a")]


def test_the_sitemap_dates_the_page_by_its_newest_change(history, capsys):
    assert history.run(capsys=capsys)[0] == 0
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    urls = {u.findtext("s:loc", namespaces=ns): u.findtext("s:lastmod", namespaces=ns)
            for u in ET.parse(history.out / "sitemap-en.xml").getroot().findall("s:url", ns)}
    assert urls[BASE + "changes/"] == "2026-04-02"


def test_every_page_names_both_change_feeds_in_its_head(tmp_path):
    out = tmp_path / "site"
    build(REPO, out)
    pages = sorted(out.rglob("*.html"))
    assert {"index.html", "404.html", "changes/index.html", "apps/web_proxy/index.html"} <= {p.relative_to(out).as_posix() for p in pages}
    for page in pages:
        head = soup(page).head
        feeds = [(link["type"], link["href"].rsplit("/", 1)[-1]) for link in head.select('link[rel="alternate"][type]')]
        assert feeds == [("application/atom+xml", "changes.atom"), ("application/feed+json", "changes.json")], page
        assert all(link.get("title") for link in head.select('link[rel="alternate"][type]')), page
