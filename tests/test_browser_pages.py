"""Real-browser checks of the built site: legend colours and order, the catalogue, phone layout, screenshots."""

from __future__ import annotations

import pytest
import yaml
from selenium.webdriver.common.by import By

from browser import (  # noqa: F401  fixtures are used by name
    DESKTOP, PHONE, REPO, browser, built_site, computed, css_colour_to_hex, feed, open_page,
    overflowing_elements, png_size, screenshot, set_viewport, site_url,
)


@pytest.fixture(scope="session")
def legend() -> list[dict]:
    """Return the methods of content/methods.yaml, in legend order."""
    return yaml.safe_load((REPO / "content" / "methods.yaml").read_text(encoding="utf-8"))["methods"]


@pytest.fixture(scope="session")
def mixed_app(feed: dict) -> dict:
    """Return the first app in feed.json with both available and unavailable methods."""
    for app in feed["apps"]:
        if {m["available"] for m in app["methods"]} == {True, False}:
            return app
    pytest.fail("no app in feed.json has both available and unavailable methods")


@pytest.fixture(scope="session")
def app_path(feed: dict, mixed_app: dict) -> str:
    """Return the mixed app's page path relative to the site root, such as 'apps/web_proxy/'."""
    assert mixed_app["url"].startswith(feed["home_page_url"]), mixed_app["url"]
    return mixed_app["url"].removeprefix(feed["home_page_url"])


def is_favicon_probe(entry: dict) -> bool:
    """Tell the browser's own /favicon.ico request (the site has no favicon) from page errors."""
    return entry.get("source") == "network" and "/favicon.ico " in entry["message"]


def test_app_legend_shows_every_method_in_legend_order_with_its_marker_title_and_colour(
        browser, site_url, mixed_app, app_path, legend):
    open_page(browser, site_url + app_path)
    rows = browser.find_elements(By.CSS_SELECTOR, "ul.legend li.method")
    assert [r.get_attribute("data-method") for r in rows] == [m["id"] for m in legend]
    tops = [r.rect["y"] for r in rows]
    assert tops == sorted(tops) and len(set(tops)) == len(tops), f"rows are not drawn top to bottom: {tops}"
    available = {m["id"]: m["available"] for m in mixed_app["methods"]}
    for row, method in zip(rows, legend):
        swatch = row.find_element(By.CSS_SELECTOR, ".swatch")
        title = row.find_element(By.CSS_SELECTOR, ".method-title")
        state = row.find_element(By.CSS_SELECTOR, ".method-state")
        assert row.is_displayed() and swatch.is_displayed() and title.is_displayed(), method["id"]
        assert swatch.get_attribute("innerText").strip() == method["marker"]
        assert title.get_attribute("innerText").strip() == method["title"]
        fill = css_colour_to_hex(computed(browser, swatch, "background-color"))
        if available[method["id"]]:
            assert fill == method["colour"], f"{method['id']}: swatch is {fill}, legend colour is {method['colour']}"
            assert state.is_displayed() and state.get_attribute("innerText").strip() == "Available"
        else:
            assert fill != method["colour"], f"{method['id']}: unavailable swatch still shows the method colour {fill}"
            assert state.is_displayed(), f"{method['id']}: 'Not available' is not visible"
            assert state.get_attribute("innerText").strip() == "Not available"


def test_catalogue_loads_without_console_errors_and_lists_every_app_with_visible_swatches(
        browser, site_url, feed, legend):
    set_viewport(browser, *DESKTOP)
    browser.get_log("browser")  # drop whatever earlier pages logged
    browser.get(site_url)
    pages = [site_url] + [a.get_attribute("href") for a in browser.find_elements(By.CSS_SELECTOR, ".category-more a")]
    listed, sizes = [], []
    while pages:   # the catalogue's first view, then every category page, by the Next links
        browser.get(pages.pop(0))
        errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE" and not is_favicon_probe(e)]
        assert errors == [], browser.current_url
        if browser.current_url != site_url:
            listed += [r.get_attribute("data-app") for r in browser.find_elements(By.CSS_SELECTOR, "li.app-row")]
            pages += [a.get_attribute("href") for a in browser.find_elements(By.CSS_SELECTOR, "nav.pagination a[rel=next]")]
        # Rows off screen are laid out once near the viewport (content-visibility): scroll each into view first.
        sizes += browser.execute_script(
            "return [...document.querySelectorAll('.swatch')].map(s => { s.scrollIntoView({block: 'center'});"
            " const r = s.getBoundingClientRect(); return [s.closest('[data-app]')?.dataset.app || 'legend', r.width, r.height]; })")
    assert sorted(listed) == sorted(a["basename"] for a in feed["apps"])
    assert len(sizes) >= len(feed["apps"]) * len(legend)
    empty = [(owner, w, h) for owner, w, h in sizes if not (w > 0 and h > 0)]
    assert empty == [], f"{len(empty)} swatches have no size"


def test_app_page_has_no_horizontal_scroll_at_phone_width(browser, site_url, app_path):
    open_page(browser, site_url + app_path, PHONE)
    scroll_width, inner_width, client_width = browser.execute_script(
        "const d = document.documentElement; return [d.scrollWidth, window.innerWidth, d.clientWidth]")
    assert inner_width == PHONE[0]
    # clientWidth is innerWidth less a classic scrollbar; wider content than that scrolls sideways too.
    assert scroll_width <= min(inner_width, client_width), (
        f"{app_path} is {scroll_width}px wide in a {client_width}px viewport; too wide: {overflowing_elements(browser)}")


@pytest.mark.parametrize("name, page, size", [
    pytest.param("catalogue-desktop", "", DESKTOP, id="catalogue-desktop"),
    pytest.param("app-desktop", None, DESKTOP, id="app-desktop"),
    pytest.param("app-phone", None, PHONE, id="app-phone"),
    pytest.param("policy-desktop", "policy/", DESKTOP, id="policy-desktop"),
])
def test_screenshot_captures_the_whole_page(browser, site_url, feed, app_path, name, page, size):
    page = app_path if page is None else page
    open_page(browser, site_url + page, size)
    canonical = browser.find_element(By.CSS_SELECTOR, "link[rel=canonical]").get_attribute("href")
    assert canonical == feed["home_page_url"] + page, "the page loaded is not the one asked for"
    page_size = browser.execute_script(
        "const d = document.documentElement;"
        "return [Math.max(d.scrollWidth, window.innerWidth), Math.max(d.scrollHeight, window.innerHeight)]")
    path = screenshot(browser, name)
    assert png_size(path) == tuple(page_size)
    assert page_size[1] > size[1], f"{name}: expected a page taller than one screen, got {page_size}"
