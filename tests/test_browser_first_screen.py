"""The answer on the first screen, in real headless Chromium: on a phone (390x844) and a laptop (1280x800), light and
dark, the catalogue shows its first app row and an app page shows the app's swatches and verdict without scrolling.
Each page type is also saved as it first appears, for people to look at: test-artifacts/screenshots/first-screen-*."""

from __future__ import annotations

import base64

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from browser import (  # noqa: F401  fixtures are used by name
    SCREENSHOT_DIR, browser, built_site, emulated_media, set_viewport, site_url,
)

SIZES = {"phone": (390, 844), "laptop": (1280, 800)}
PAGE_TYPES = {
    "catalogue": "",
    "category": "categories/server/",
    "app": "apps/web_proxy/",
    "doc": "level2/software-raid-5/",
    "doc-section-index": "level2/",
    "policy": "policy/",
    "changes": "changes/",
    "embed": "embed/example.html",
}

# Where an element is, against the viewport the reader sees first.
BOX_JS = """
const e = document.querySelector(arguments[0]);
if (!e) return null;
const r = e.getBoundingClientRect();
return {top: r.top, bottom: r.bottom, height: r.height, viewport: window.innerHeight, scrolled: window.scrollY};
"""


def open_at(driver, url: str, size: tuple[int, int]) -> None:
    """Make the viewport exactly width x height CSS pixels, then load url at its top."""
    width, height = size
    set_viewport(driver, width, height)
    inner = driver.execute_script("return window.innerHeight")
    if inner != height:   # the window's own chrome takes height too: grow the window by the difference
        driver.set_window_size(driver.get_window_size()["width"], height + (height - inner))
    assert driver.execute_script("return [innerWidth, innerHeight]") == [width, height]
    driver.get(url)


def viewport_shot(driver, name: str) -> None:
    """Save what the first screen shows (the viewport only) as test-artifacts/screenshots/<name>.png."""
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    shot = driver.execute_cdp_cmd("Page.captureScreenshot", {"format": "png"})
    (SCREENSHOT_DIR / f"{name}.png").write_bytes(base64.b64decode(shot["data"]))


def assert_on_first_screen(driver, selector: str, what: str) -> None:
    """Assert the element is drawn, and wholly inside the first viewport."""
    box = driver.execute_script(BOX_JS, selector)
    assert box is not None, f"no {what} ({selector}) on the page"
    assert box["scrolled"] == 0 and box["height"] > 0, f"{what}: {box}"
    assert 0 <= box["top"] and box["bottom"] <= box["viewport"], \
        f"{what} ends at {box['bottom']:.0f}px, below the first screen of {box['viewport']}px"


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("size", SIZES)
def test_the_first_app_row_is_on_the_catalogues_first_screen(browser, site_url, size, scheme):
    with emulated_media(browser, prefers_color_scheme=scheme):
        open_at(browser, site_url, SIZES[size])
        assert_on_first_screen(browser, "section.category li.app-row", "the first app row")
        assert_on_first_screen(browser, ".legend-toggle summary", "the legend's row of swatches")


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("size", SIZES)
def test_an_app_page_shows_its_swatches_and_verdict_on_the_first_screen(browser, site_url, size, scheme):
    with emulated_media(browser, prefers_color_scheme=scheme):
        open_at(browser, site_url + "apps/web_proxy/", SIZES[size])
        assert_on_first_screen(browser, ".app-head ul.swatches", "the app's row of swatches")
        assert_on_first_screen(browser, ".app-head .verdict", "the app's verdict")
        assert_on_first_screen(browser, "ul.legend > li.method", "the first row of the app's legend")
        verdict = browser.find_element(By.CSS_SELECTOR, ".app-head .verdict").text
        offered = len(browser.find_elements(By.CSS_SELECTOR, "ul.legend > li.method.is-available"))
        assert verdict.startswith(f"{offered} of 5 kinds of support")
        # The app's facts come after its legend.
        assert browser.execute_script(
            "return document.querySelector('ul.legend').compareDocumentPosition(document.querySelector('dl.facts'))"
            " & Node.DOCUMENT_POSITION_FOLLOWING") != 0


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("page", PAGE_TYPES)
def test_screenshot_of_each_page_types_first_screen(browser, site_url, page, size, scheme):
    """Save each page type's first screen at both sizes and in both schemes, for people to look at."""
    with emulated_media(browser, prefers_color_scheme=scheme):
        open_at(browser, site_url + PAGE_TYPES[page], SIZES[size])
        assert browser.find_element(By.TAG_NAME, "h1").is_displayed()
        viewport_shot(browser, f"first-screen-{page}-{size}-{scheme}")
    assert (SCREENSHOT_DIR / f"first-screen-{page}-{size}-{scheme}.png").stat().st_size > 0


def filter_panel_shown(driver) -> bool:
    return driver.execute_script("return getComputedStyle(document.getElementById('filter-panel')).display !== 'none'")


def test_on_a_phone_the_filters_fold_behind_one_button_that_opens_them_by_keyboard(browser, site_url):
    open_at(browser, site_url, SIZES["phone"])
    toggle = browser.find_element(By.ID, "filters-toggle")
    assert toggle.is_displayed() and toggle.get_attribute("aria-expanded") == "false"
    assert not filter_panel_shown(browser)
    toggle.send_keys(Keys.ENTER)
    assert toggle.get_attribute("aria-expanded") == "true" and filter_panel_shown(browser)
    assert browser.switch_to.active_element == browser.find_element(By.ID, "filter-q")
    browser.switch_to.active_element.send_keys("proxy")
    assert toggle.text == "Search and filter (1 set)"
    toggle.send_keys(Keys.ENTER)
    assert toggle.get_attribute("aria-expanded") == "false" and not filter_panel_shown(browser)


def test_on_a_phone_an_address_with_filters_opens_them(browser, site_url):
    open_at(browser, site_url + "?q=proxy", SIZES["phone"])
    assert browser.find_element(By.ID, "filters-toggle").get_attribute("aria-expanded") == "true"
    assert filter_panel_shown(browser)


def test_on_a_laptop_the_filters_are_open_without_a_button(browser, site_url):
    open_at(browser, site_url, SIZES["laptop"])
    assert not browser.find_element(By.ID, "filters-toggle").is_displayed()
    assert filter_panel_shown(browser)


@pytest.mark.parametrize("size", SIZES)
def test_the_legends_key_opens_and_closes_by_keyboard(browser, site_url, size):
    open_at(browser, site_url, SIZES[size])
    summary = browser.find_element(By.CSS_SELECTOR, ".legend-toggle summary")
    key = browser.find_element(By.CSS_SELECTOR, ".legend-toggle ul.legend--key")
    assert not key.is_displayed()
    summary.send_keys(Keys.ENTER)
    assert key.is_displayed()
    titles = [e.text for e in key.find_elements(By.CSS_SELECTOR, "li[data-method] .method-title")]
    assert len(titles) == 5 and all(titles)
    summary.send_keys(Keys.SPACE)
    assert not key.is_displayed()
