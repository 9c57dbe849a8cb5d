"""The built example site, checked by structure with BeautifulSoup."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import urldefrag, urljoin, urlsplit

import pytest
import yaml
from bs4 import BeautifulSoup

from conftest import REPO
from policysite.engine.recipe import build
from policysite.render.catalogue import FIRST_ENTRIES, LISTING_PATH, PAGE_SIZE

METHODS = yaml.safe_load((REPO / "content/methods.yaml").read_text())["methods"]
APP_FILES = sorted((REPO / "content/apps").glob("*.yaml"))


@pytest.fixture(scope="module")
def site_dir(tmp_path_factory) -> Path:
    """Build the real example content once for this module."""
    out = tmp_path_factory.mktemp("example") / "site"
    build(REPO, out)
    return out


def soup(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def app_yaml(basename: str) -> dict:
    return yaml.safe_load((REPO / f"content/apps/{basename}.yaml").read_text())


def test_site_has_every_kind_of_page(site_dir):
    for rel in ("index.html", "404.html", "sitemap.xml", "feed.json", "policy/index.html", "level2/index.html",
                "level2/software-raid-5/index.html", "level2/home-directories-separate-disk/index.html",
                "level2/voip-priority-two-subnets/index.html", "assets/site.css", "assets/methods.css"):
        assert (site_dir / rel).is_file(), rel
    assert len(APP_FILES) >= 60
    assert len(list((site_dir / "apps").glob("*/index.html"))) == len(APP_FILES)
    assert len(list((site_dir / "api/v1/apps").glob("*.json"))) == len(APP_FILES)


@pytest.mark.parametrize("app_file", APP_FILES, ids=lambda p: p.stem)
def test_app_legend_shows_every_method_in_order_with_marker_title_and_state(site_dir, app_file):
    data = app_yaml(app_file.stem)
    page = soup(site_dir / f"apps/{app_file.stem}/index.html")
    items = page.select("ul.legend > li.method")
    assert [li["data-method"] for li in items] == [m["id"] for m in METHODS]
    for li, method in zip(items, METHODS):
        available = data["support"][method["id"]]["available"]
        assert li.select_one(".swatch").get_text(strip=True) == method["marker"]
        assert li.select_one(".swatch")["aria-hidden"] == "true"
        assert li.select_one(".method-title").get_text(strip=True) == method["title"]
        assert li.select_one(".method-state").get_text(strip=True) == ("Available" if available else "Not available")
        assert ("is-unavailable" in li["class"]) == (not available)
        assert ("is-available" in li["class"]) == available


def test_unavailable_method_shows_its_reason_and_alternative(site_dir):
    data = app_yaml("web_proxy")
    page = soup(site_dir / "apps/web_proxy/index.html")
    section = page.select_one(".method-detail.method--vendor")
    assert "is-unavailable" in section["class"]
    assert data["support"]["vendor"]["reason"] in section.get_text(" ", strip=True)
    assert data["support"]["vendor"]["alternative"] in section.get_text(" ", strip=True)


def test_available_method_shows_its_contact_details(site_dir):
    policy = app_yaml("web_proxy")["support"]["clearcenter_pro"]
    section = soup(site_dir / "apps/web_proxy/index.html").select_one(".method-detail.method--clearcenter_pro")
    text = section.get_text(" ", strip=True)
    for key in ("url", "reply_email", "hours", "timezone", "response_time", "scope"):
        assert policy[key] in text
    assert section.select_one(f'a[href="mailto:{policy["reply_email"]}"]')


def test_every_page_offering_clearcenter_pro_opens_tickets_in_the_portal_and_takes_email_only_for_replies(site_dir):
    offering = [p.stem for p in APP_FILES if app_yaml(p.stem)["support"]["clearcenter_pro"]["available"]]
    assert len(offering) >= 40
    for basename in offering:
        policy = app_yaml(basename)["support"]["clearcenter_pro"]
        dl = soup(site_dir / f"apps/{basename}/index.html").select_one("#detail-clearcenter_pro dl.contact")
        labels = {dt.get_text(strip=True): dt.find_next_sibling("dd") for dt in dl.find_all("dt")}
        assert "Email" not in labels and "Web" not in labels, basename
        assert [a["href"] for a in labels["Open a ticket"].find_all("a")] == [policy["url"]], basename
        if "reply_email" in policy:
            assert labels["Replies by email"].a["href"] == f"mailto:{policy['reply_email']}", basename
            assert "keep the ticket reference in the subject line" in labels["Replies by email"].get_text(" ", strip=True)


def catalogue_order(category: str) -> list[str]:
    """Return a category's apps in the catalogue's order: by name ignoring case, then by basename."""
    apps = [(app_yaml(p.stem), p.stem) for p in APP_FILES]
    return [b for _, b in sorted((data["name"].casefold(), b) for data, b in apps if data["category"] == category)]


def category_pages(site_dir: Path, category: str) -> list[Path]:
    """Return a category's pages in order, following the Next links from the catalogue's link to it."""
    section = soup(site_dir / "index.html").find("section", attrs={"data-category": category})
    path, pages = site_dir / section.select_one(".category-more a")["href"] / "index.html", []
    while path:
        pages.append(path.resolve())
        following = soup(path).select_one("nav.pagination a[rel=next]")
        path = (path.parent / following["href"] / "index.html") if following else None
    return pages


def test_the_catalogue_shows_each_categorys_first_apps_and_links_to_all_of_them(site_dir):
    page = soup(site_dir / "index.html")
    categories = sorted({app_yaml(p.stem)["category"] for p in APP_FILES})
    assert [s["data-category"] for s in page.select("section.category")] == categories
    for section in page.select("section.category"):
        category = section.find("h3").get_text(strip=True)
        everything = catalogue_order(category)
        assert [r["data-app"] for r in section.select("li.app-row")] == everything[:FIRST_ENTRIES]
        link = section.select_one(".category-more a")
        assert link["href"] == f"categories/{category.lower()}/"
        wording = f"All {len(everything)} {category} apps" if len(everything) > 1 else f"The one {category} app"
        assert link.get_text(strip=True) == wording


def test_category_pages_list_every_app_once_a_fixed_number_to_a_page(site_dir):
    seen = []
    for category in sorted({app_yaml(p.stem)["category"] for p in APP_FILES}):
        pages = category_pages(site_dir, category)
        rows = [[r["data-app"] for r in soup(p).select("li.app-row")] for p in pages]
        assert [b for page in rows for b in page] == catalogue_order(category)
        assert all(len(page) == PAGE_SIZE for page in rows[:-1]) and 0 < len(rows[-1]) <= PAGE_SIZE
        for number, path in enumerate(pages, 1):
            doc = soup(path)
            url = f"categories/{category.lower()}/" + (f"{number}/" if number > 1 else "")
            assert path == (site_dir / url / "index.html").resolve()
            assert doc.select_one('link[rel="canonical"]')["href"] == "https://policies.clearos.example/" + url
            title = f"{category} apps" + (f", page {number} of {len(pages)}" if len(pages) > 1 else "")
            assert doc.title.get_text().startswith(title + " · ") and doc.h1.get_text(strip=True) == title
            links = doc.select("nav.pagination a")
            assert [a.get_text(strip=True) for a in links if not a.get("rel")] == ([f"Page{n}" for n in range(1, len(pages) + 1)]
                                                                                   if len(pages) > 1 else [])
            assert [a.get_text(strip=True) for a in links if a.get("aria-current")] == ([f"Page{number}"] if len(pages) > 1 else [])
            assert bool(doc.select("a[rel=prev]")) == (number > 1) and bool(doc.select("a[rel=next]")) == (number < len(pages))
        seen += [b for page in rows for b in page]
    assert sorted(seen) == [p.stem for p in APP_FILES]
    assert max(len(catalogue_order(c)) for c in {app_yaml(p.stem)["category"] for p in APP_FILES}) > PAGE_SIZE, \
        "no category of the examples has a second page"
    for path in site_dir.glob("categories/**/index.html"):
        for row in soup(path).select("li.app-row"):
            swatches = row.select("ul.swatches > li")
            assert [li["data-method"] for li in swatches] == [m["id"] for m in METHODS]
            assert all(li.select_one(".visually-hidden").get_text(strip=True).endswith(("available", "not available")) for li in swatches)


def test_every_page_says_the_policies_are_examples(site_dir):
    for page in site_dir.rglob("*.html"):
        assert "illustrative examples" in soup(page).select_one(".example-notice").get_text(), page


def html_pages(site_dir: Path) -> list[Path]:
    return sorted(p for p in site_dir.rglob("*.html") if p.name != "404.html")


def test_every_internal_link_resolves(site_dir):
    base = "http://site.test/"
    broken = []
    for page in html_pages(site_dir):
        page_url = urljoin(base, page.relative_to(site_dir).as_posix())
        doc = soup(page)
        for tag, attr in (("a", "href"), ("link", "href"), ("script", "src"), ("img", "src")):
            for el in doc.find_all(tag):
                target = el.get(attr)
                if not target or urlsplit(target).scheme in ("http", "https", "mailto") and not target.startswith("https://policies.clearos.example/"):
                    continue
                url, fragment = urldefrag(urljoin(page_url, target.replace("https://policies.clearos.example/", base)))
                rel = urlsplit(url).path.lstrip("/")
                path = site_dir / rel
                if rel == "" or rel.endswith("/"):
                    path = path / "index.html"
                if not path.is_file():
                    broken.append(f"{page.relative_to(site_dir)} -> {target}")
                elif fragment and path.suffix == ".html" and not soup(path).find(id=fragment):
                    broken.append(f"{page.relative_to(site_dir)} -> {target} (no #{fragment})")
    assert broken == []


def test_404_page_links_are_absolute_from_the_site_root(site_dir):
    hrefs = [a["href"] for a in soup(site_dir / "404.html").find_all("a") if not a["href"].startswith("#")]
    assert hrefs and all(h.startswith("/") or h.startswith("https://") for h in hrefs)


def test_sitemap_lists_every_page_and_only_pages_that_exist(site_dir):
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    sitemaps = [urlsplit(el.text).path.lstrip("/") for el in ET.parse(site_dir / "sitemap.xml").getroot().findall("s:sitemap/s:loc", ns)]
    assert sitemaps == [f"sitemap-{lang}.xml" for lang in ("en", "de", "fr", "it", "nl", "pt", "es")]
    locs = [el.text for name in sitemaps for el in ET.parse(site_dir / name).getroot().findall("s:url/s:loc", ns)]
    assert len(locs) == len(set(locs))
    paths = {urlsplit(loc).path for loc in locs}
    pages = {"/" + p.relative_to(site_dir).as_posix().removesuffix("index.html") for p in html_pages(site_dir)}
    assert paths == pages


def test_apps_and_level2_articles_link_to_each_other(site_dir):
    raid = soup(site_dir / "apps/raid/index.html")
    assert raid.select_one('a[href="../../level2/software-raid-5/"]')
    article = soup(site_dir / "level2/software-raid-5/index.html")
    assert article.select_one('a[href="../../apps/raid/"]')


def test_policy_page_shows_the_legend_and_the_three_factors(site_dir):
    page = soup(site_dir / "policy/index.html")
    assert [li["data-method"] for li in page.select("ul.legend--key > li[data-method]")] == [m["id"] for m in METHODS]
    factors = yaml.safe_load((REPO / "content/factors.yaml").read_text())["factors"]
    assert [dt.get_text(strip=True) for dt in page.select("dl.factor-list dt")] == [f["title"] for f in factors]


def test_pages_load_nothing_from_other_sites(site_dir):
    for page in html_pages(site_dir):
        doc = soup(page)
        for el in doc.find_all(["link", "script", "img", "iframe"]):
            target = el.get("href") or el.get("src") or ""
            # The canonical address and the same page in other languages (hreflang) are named, never loaded.
            named = el.name == "link" and (el.get("rel") == ["canonical"] or el.get("rel") == ["alternate"] and el.get("hreflang"))
            assert named or not re.match(r"^(https?:)?//", target), (page, target)


def test_method_names_and_colours_live_only_in_methods_yaml():
    """Views iterate over content/methods.yaml; no template, stylesheet or module repeats it."""
    colours = {m["colour"] for m in METHODS} | {m["outline"] for m in METHODS}
    needles = [m["title"] for m in METHODS] + sorted(colours - {"#000000", "#ffffff"})  # plain ink is not a method colour
    needles += [m["id"] for m in METHODS if m["id"] != "vendor"]  # 'vendor' is also an ordinary word and field
    places = [p for p in (*REPO.glob("templates/**/*"), *REPO.glob("static/**/*"), *REPO.glob("policysite/*.py")) if p.is_file()]
    assert REPO / "static/embed/support-policy.js" in places  # the widget draws the legend from the feed alone
    found = [(p.name, n) for p in places for n in needles if n.lower() in p.read_text(encoding="utf-8").lower()]
    assert found == []


SITE = yaml.safe_load((REPO / "content/site.yaml").read_text())
DOC_FILES = sorted((REPO / "content/docs").rglob("*.md"))


def test_every_page_has_its_canonical_url_and_link_preview_metadata(site_dir):
    for page in html_pages(site_dir):
        doc = soup(page)
        path = page.relative_to(site_dir).as_posix().removesuffix("index.html")
        canonical = SITE["base_url"] + path
        assert [l["href"] for l in doc.select('link[rel="canonical"]')] == [canonical], page
        meta = {m["property"]: m["content"] for m in doc.select("meta[property]")}
        title = doc.title.get_text()
        description = doc.select_one('meta[name="description"]')["content"]
        assert description.strip() and meta["og:description"] == description, page
        assert meta["og:url"] == canonical and meta["og:site_name"] == SITE["title"], page
        assert title.startswith(meta["og:title"] + " · "), page
        # The catalogue and its category pages are listings; every other page is one article.
        neutral = re.sub(r"^(de|fr|it|nl|pt|es)/", "", path)
        assert meta["og:type"] == ("website" if neutral == "" or neutral.startswith("categories/") else "article"), page


def test_app_page_preview_uses_the_app_name_and_summary(site_dir):
    data = app_yaml("lets_encrypt")
    doc = soup(site_dir / "apps/lets_encrypt/index.html")
    assert doc.select_one('meta[property="og:title"]')["content"] == f"{data['name']} support policy"
    assert doc.select_one('meta[name="description"]')["content"] == data["summary"]


def test_404_page_asks_not_to_be_indexed_and_has_no_canonical_url(site_dir):
    doc = soup(site_dir / "404.html")
    assert doc.select_one('meta[name="robots"]')["content"] == "noindex"
    assert not doc.select('link[rel="canonical"]') and not doc.select('meta[property="og:url"]')
    assert doc.select_one('form[role="search"] input[name="q"]')


@pytest.mark.parametrize("app_file", APP_FILES, ids=lambda p: p.stem)
def test_app_breadcrumbs_lead_from_the_catalogue_through_the_category(site_dir, app_file):
    data = app_yaml(app_file.stem)
    crumbs = soup(site_dir / f"apps/{app_file.stem}/index.html").select('nav[aria-label="Breadcrumb"] li a')
    assert [a.get_text(strip=True) for a in crumbs] == ["Apps", data["category"], data["name"]]
    assert crumbs[1]["href"] == f"../../categories/{data['category'].lower()}/"
    assert crumbs[-1]["aria-current"] == "page"


@pytest.mark.parametrize("app_file", APP_FILES, ids=lambda p: p.stem)
def test_how_to_get_support_shows_offered_methods_first_then_the_others_with_reasons(site_dir, app_file):
    data = app_yaml(app_file.stem)
    how = soup(site_dir / f"apps/{app_file.stem}/index.html").select_one("section.how")
    offered = [m["id"] for m in METHODS if data["support"][m["id"]]["available"]]
    missing = [m["id"] for m in METHODS if not data["support"][m["id"]]["available"]]
    sections = how.select("section.method-detail")
    assert [s["id"] for s in sections] == [f"detail-{m}" for m in offered + missing]
    groups = [h.get_text(strip=True) for h in how.select("h3.how-group")]
    assert groups == ["Offered for this app"] * bool(offered) + ["Not offered for this app"] * bool(missing)
    summary = how.select_one(".support-summary").get_text(" ", strip=True)
    if not offered:
        assert summary.startswith(f"No kind of support is offered for {data['name']}.")
    elif not missing:
        assert summary == f"All {len(offered)} kinds of support are offered for {data['name']}."
    else:
        assert summary.startswith(f"{len(offered)} of {len(METHODS)} kinds of support")
        assert [a["href"] for a in how.select(".support-summary a")] == [f"#detail-{m}" for m in offered]
    for section in sections:
        method = section["id"].removeprefix("detail-")
        entry = data["support"][method]
        text = section.get_text(" ", strip=True)
        assert next(m["title"] for m in METHODS if m["id"] == method) in section.h4.get_text()
        if entry["available"]:
            assert "— available" in text
            for key in ("url", "email", "reply_email", "hours", "timezone", "response_time", "scope"):
                assert key not in entry or entry[key] in text, (method, key)
        else:
            assert "— not available" in text and entry["reason"] in text
            assert "alternative" not in entry or entry["alternative"] in text


@pytest.mark.parametrize("app_file", APP_FILES, ids=lambda p: p.stem)
def test_app_page_lists_every_level2_article_its_file_names(site_dir, app_file):
    """The app file's level2.articles is the one place links are kept."""
    named = (app_yaml(app_file.stem).get("level2") or {}).get("articles") or ()
    links = soup(site_dir / f"apps/{app_file.stem}/index.html").select(".article-list a")
    assert sorted(a["href"] for a in links) == sorted(f"../../level2/{a}/" for a in named)


@pytest.mark.parametrize("doc_file", [p for p in DOC_FILES if p.parent.name == "level2" and p.stem != "index"], ids=lambda p: p.stem)
def test_article_page_lists_the_apps_whose_files_name_it_in_name_order(site_dir, doc_file):
    naming = [app_yaml(p.stem) | {"basename": p.stem} for p in APP_FILES
              if doc_file.stem in ((app_yaml(p.stem).get("level2") or {}).get("articles") or ())]
    section = soup(site_dir / f"level2/{doc_file.stem}/index.html").find("section", attrs={"aria-labelledby": "apps-heading"})
    expected = sorted(naming, key=lambda a: (a["name"].casefold(), a["name"], a["basename"]))
    assert naming and [a["href"] for a in section.select("a")] == [f"../../apps/{a['basename']}/" for a in expected]


def test_catalogue_rows_carry_what_the_filters_read_and_the_form_is_hidden_without_javascript(site_dir):
    page = soup(site_dir / "index.html")
    for row in page.select("li.app-row"):
        data = app_yaml(row["data-app"])
        assert row["data-category"] == data["category"] and row["data-vendor"] == data["vendor"]
        assert row["data-methods"].split() == [m["id"] for m in METHODS if data["support"][m["id"]]["available"]]
    form = page.select_one("form#filters")
    assert form.has_attr("hidden"), "without JavaScript the filters cannot work, so they must not show"
    assert [b["value"] for b in form.select('input[type="checkbox"][name="method"]')] == [m["id"] for m in METHODS]
    apps = [app_yaml(p.stem) for p in APP_FILES]
    assert [o["value"] for o in form.select("#filter-category option")] == [""] + sorted({a["category"] for a in apps})
    assert sorted(o["value"] for o in form.select("#filter-vendor option")) == [""] + sorted({a["vendor"] for a in apps})
    for control in form.select("input, select"):
        assert form.select_one(f'label[for="{control["id"]}"]'), control["id"]
    assert page.select_one("#match-count")["role"] == "status"
    assert page.select_one('script[src="assets/catalogue.js"]').has_attr("defer")
    assert form["data-listing"] == LISTING_PATH and form["data-root"] == ""


def test_the_compact_index_holds_every_app_in_catalogue_order_with_what_its_row_shows(site_dir):
    listing = json.loads((site_dir / LISTING_PATH).read_text(encoding="utf-8"))
    assert listing["methods"] == [[m["id"], m["bit"], m["title"], m["marker"]] for m in METHODS]
    categories = sorted({app_yaml(p.stem)["category"] for p in APP_FILES})
    assert [entry[0] for entry in listing["apps"]] == [b for c in categories for b in catalogue_order(c)]
    for basename, name, vendor, category, summary, supported, reviewed, flags in listing["apps"]:
        data = app_yaml(basename)
        assert [name, vendor, category, summary] == [data["name"], data["vendor"], data["category"], data["summary"]]
        assert supported == sum(m["bit"] for m in METHODS if data["support"][m["id"]]["available"])
        assert reviewed == str(data["reviewed"])
        page = soup(site_dir / f"apps/{basename}/index.html")
        assert flags == (1 if data["level2"]["covered"] else 0) | (2 if page.select_one(".review.is-stale") else 0)
