"""The catalogue's parts: folders for any category name, page links, and pages that only join what each app gave."""

from __future__ import annotations

import json
import re
from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import TODAY, VALID_APP
from policysite.engine.shared import read_shared
from policysite.render.catalogue import (FIRST_ENTRIES, LISTING_PATH, MAX_SLUG, PAGE_SIZE, PAGE_WINDOW, category_slug,
                                         page_links)
from policysite.sources.read import DEVICE_NAMES
from policysite.stages import app_result

SLUG = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*(--[0-9a-f]{16})?\Z")


@settings(max_examples=400, deadline=timedelta(seconds=5))
@given(st.lists(st.text(min_size=0, max_size=60), unique=True, max_size=12))
def test_no_two_category_names_share_a_folder_and_every_folder_is_safe(names):
    slugs = [category_slug(name) for name in names]
    assert len(set(slugs)) == len(names)
    for slug in slugs:
        assert SLUG.match(slug) and len(slug) <= MAX_SLUG + 18 and slug not in DEVICE_NAMES, slug


@given(st.lists(st.from_regex(r"[A-Z0-9][a-z0-9]{0,8}", fullmatch=True), min_size=1, max_size=4).map(" ".join))
def test_plain_category_names_read_as_themselves_in_their_folder(name):
    slug = category_slug(name)
    assert slug == name.lower().replace(" ", "-") or slug.startswith(name.lower().replace(" ", "-")[:MAX_SLUG].strip("-") + "--")


def test_names_that_only_look_alike_in_a_folder_get_folders_of_their_own():
    assert [category_slug(n) for n in ("Cloud", "Gateway", "Network", "Reports", "Server", "System", "Web Proxy", "2 Factor")] \
        == ["cloud", "gateway", "network", "reports", "server", "system", "web-proxy", "2-factor"]
    for name, readable in (("cloud", "cloud"), ("CLOUD", "cloud"), ("Cloud ", "cloud"), ("Cloud/Web", "cloud-web"),
                           ("Réseau", "reseau"), ("VoIP", "voip"), ("3D Printing", "3d-printing"),
                           ("Con", "con"), ("Nul", "nul"), ("日本", "category"), ("", "category"), ("..", "category")):
        slug = category_slug(name)
        assert slug.startswith(readable + "--") and len(slug) == len(readable) + 18, (name, slug)


def test_page_links_show_both_ends_and_the_pages_near_the_current_one():
    assert page_links(1, 1) == [1]
    assert page_links(1, 10) == [1, 2, 3, None, 10]
    assert page_links(4, 10) == [1, 2, 3, 4, 5, 6, None, 10]    # a gap of one page shows that page
    assert page_links(6, 10) == [1, None, 4, 5, 6, 7, 8, 9, 10]
    assert page_links(10, 10) == [1, None, 8, 9, 10]


@given(st.integers(1, 3000).flatmap(lambda pages: st.tuples(st.integers(1, pages), st.just(pages))))
def test_page_links_are_few_whatever_the_number_of_pages(case):
    number, pages = case
    links = page_links(number, pages)
    numbers = [n for n in links if n is not None]
    assert {1, number, pages} <= set(numbers) and numbers == sorted(set(numbers))
    assert len(links) <= 2 * PAGE_WINDOW + 5 and links[0] == 1 and links[-1] == pages
    for a, b, c in zip(links, links[1:], links[2:]):
        assert (b is None and c - a > 2) or (b is not None and (a is None or b - a == 1))


def test_the_catalogue_pages_and_index_only_join_what_each_app_gave(project):
    """An edit of one app can only change its own pieces and where they fall: the pages are made of nothing else."""
    for i in range(PAGE_SIZE + 4):
        project.app(f"app_{i:02d}", VALID_APP.replace("Sample App", f"Tool {i:02d}").replace(
            "A small app used by the tests.", f"Tool number {i} </li><script>alert(1)</script> & \"more\"."))
    settings = project.root / "content/site.yaml"
    settings.write_text(settings.read_text(encoding="utf-8") + "languages: [en, de]\n", encoding="utf-8")
    assert project.run() == (0, "", "")
    shared, problems = read_shared(project.root, TODAY, None, True)
    assert problems == []
    results = {}
    for path in sorted((project.root / "content/apps").glob("*.yaml")):
        result, _ = app_result(shared, f"content/apps/{path.name}", path.read_bytes(), None)
        results[result.app.basename] = result
    order = [b for _, b in sorted((r.app.name.casefold(), b) for b, r in results.items())]   # one category: Server
    listing = (project.out / LISTING_PATH).read_bytes()
    assert b'"apps":[\n' + b",\n".join(results[b].listing for b in order) + b"\n]}\n" in listing
    assert [entry[4] for entry in json.loads(listing)["apps"]] == [results[b].app.summary for b in order]
    assert b"<script>" not in listing and b"\\u003cscript\\u003e" in listing
    index = (project.out / "index.html").read_text(encoding="utf-8")
    assert "".join("".join(dict(results[b].rows)["en"]) for b in order[:FIRST_ENTRIES]) in index
    for lang, prefix in (("en", ""), ("de", "de/")):   # each language's pages join that language's rows
        for number, start in enumerate(range(0, len(order), PAGE_SIZE), 1):
            page = project.out / prefix / "categories/server" / (f"{number}/" if number > 1 else "") / "index.html"
            root = "../" * (3 if number > 1 else 2) + ("../" + prefix if prefix else "")
            rows = "".join(root.join(dict(results[b].rows)[lang]) for b in order[start:start + PAGE_SIZE])
            assert rows in page.read_text(encoding="utf-8")
    assert "<script>alert" not in index and "&lt;script&gt;alert(1)&lt;/script&gt;" in index
