"""Documentation pages say each fact once: a generated section replaces the written one rather than repeating it; every
heading can be linked to, and a long page opens with a table of contents."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from bs4 import BeautifulSoup

from conftest import REPO
from policysite.engine.recipe import build
from policysite.render.toc import slug, with_anchors

FACTORS = yaml.safe_load((REPO / "content/factors.yaml").read_text(encoding="utf-8"))["factors"]
METHODS = yaml.safe_load((REPO / "content/methods.yaml").read_text(encoding="utf-8"))["methods"]


@pytest.fixture(scope="module")
def site_dir(tmp_path_factory) -> Path:
    """Build the real example content once for this module."""
    out = tmp_path_factory.mktemp("docs") / "site"
    build(REPO, out)
    return out


def doc_pages(site_dir: Path) -> dict[str, BeautifulSoup]:
    """Return every documentation page's article, by its URL."""
    urls = ["policy/", "level2/"] + [f"level2/{p.stem}/" for p in sorted((REPO / "content/docs/level2").glob("*.md"))
                                     if p.stem != "index"]
    return {url: BeautifulSoup((site_dir / url / "index.html").read_text(encoding="utf-8"), "html.parser").select_one("article.doc")
            for url in urls}


def test_the_level_ii_index_links_each_article_once_from_its_generated_list(site_dir):
    article = doc_pages(site_dir)["level2/"]
    generated = [a["href"] for a in article.select("section[aria-labelledby=articles-heading] a")]
    assert len(generated) == len(list((REPO / "content/docs/level2").glob("*.md"))) - 1
    for href in generated:
        assert [a["href"] for a in article.select("a")].count(href) == 1, href


def test_the_policy_page_describes_each_factor_and_each_bit_once(site_dir):
    article = doc_pages(site_dir)["policy/"]
    text = " ".join(article.get_text(" ").split())
    for factor in FACTORS:
        assert text.count(factor["title"]) == 1, factor["title"]
        assert text.count(" ".join(factor["description"].split())) == 1
    bit_rows = [(tr.th.get_text(), tr.td.get_text()) for tr in article.select("table.bits tbody tr")]
    assert bit_rows == [(m["title"], str(m["bit"])) for m in METHODS]
    prose = " ".join(article.select_one(".prose").get_text(" ").split())
    assert not re.search(r"\b(1|2|4|8|16) for\b", prose), "the prose lists the bits the table gives"


@pytest.mark.parametrize("phrase", ["the legend below", "the list below", "legend below"])
def test_no_page_points_below_to_what_comes_last(site_dir, phrase):
    assert [url for url, article in doc_pages(site_dir).items() if phrase in article.get_text(" ").lower()] == []


def test_every_heading_has_an_anchor_that_links_to_it(site_dir):
    for url, article in doc_pages(site_dir).items():
        for heading in article.select(".prose h2, .prose h3"):
            link = heading.select_one("a.heading-anchor")
            assert heading.get("id") and link and link["href"] == "#" + heading["id"], (url, heading)
            assert link.select_one(".visually-hidden").get_text().startswith("Link to this section: ")
        ids = [e["id"] for e in article.find_all(id=True)]
        assert len(ids) == len(set(ids)), url


def test_long_pages_open_with_a_table_of_contents_of_their_sections_in_order(site_dir):
    pages = doc_pages(site_dir)
    assert pages["policy/"].select_one("nav.toc")
    for url, article in pages.items():
        sections = [h for h in article.select("h2") if h.get("id") != "toc-heading"]
        toc = article.select_one("nav.toc")
        if len(sections) < 4:
            assert toc is None, url
            continue
        assert [a["href"] for a in toc.select("a")] == ["#" + h["id"] for h in sections], url


def test_anchors_are_unique_and_keep_clear_of_the_templates_own_ids():
    body, headings = with_anchors("<h2>Articles</h2><p>x</p><h2>Articles</h2><h3>Legend <code>heading</code></h3><h2>&amp; more</h2>")
    assert [h.anchor for h in headings] == ["articles", "articles-2", "legend-heading-2", "more"]
    assert [h.text for h in headings] == ["Articles", "Articles", "Legend heading", "& more"]
    assert '<h3 id="legend-heading-2">Legend <code>heading</code> <a class="heading-anchor" href="#legend-heading-2">' in body
    assert slug("Where to go next?") == "where-to-go-next"


def test_the_page_for_developers_carries_the_feed_contract_as_the_tool_ships_it(site_dir):
    """docs/feed.md, the contract, is on the "Embed and feed" page: its title left out (the page has its own), each of
    its headings one level down inside the page's "The contract" section, its tables and code as they are."""
    contract = (REPO / "docs/feed.md").read_text(encoding="utf-8")
    page = BeautifulSoup((site_dir / "embed/example.html").read_text(encoding="utf-8"), "html.parser")
    section = page.find(id="contract-heading").find_parent("section")
    written = [(len(m[1]), m[2].replace("`", "")) for m in re.finditer(r"^(#{2,4}) (.+)$", strip_fences(contract), re.MULTILINE)]
    shown = [(int(h.name[1]) - 1, h.get_text()) for h in section.find_all(["h3", "h4", "h5"])]
    assert shown == written and len(written) > 10
    assert not section.find("h1") and page.find_all("h1") == [page.find("h1")]
    assert len(section.find_all("table")) == contract.count("\n|---") and section.find("pre")


def strip_fences(text: str) -> str:
    """Return Markdown without its fenced code blocks, whose '#' lines are comments, not headings."""
    return re.sub(r"^```.*?^```", "", text, flags=re.MULTILINE | re.DOTALL)
