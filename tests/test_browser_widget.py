"""The legend widget's compact and dark forms, in real headless Chromium on the "Embed and feed" page: one row of
swatches that opens the full legend by keyboard and closes it with Escape, dark greys and outlines that stay visible
on a dark host page, and no axe-core violation in either scheme, open or closed."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

from browser import (  # noqa: F401  fixtures are used by name
    browser, built_site, emulated_media, open_page, run_axe, screenshot, site_url,
)
from policysite.model import contrast_ratio, relative_luminance

EXAMPLE = "embed/example.html"
DARK_SURFACE = "#16181b"


def settle(driver, *ids: str) -> None:
    """Wait until each widget has drawn its legend."""
    for widget in ids:
        WebDriverWait(driver, 20).until(
            lambda d: d.execute_script("return document.getElementById(arguments[0]).dataset.state", widget) == "ready")


def part(driver, widget: str, selector: str):
    return driver.find_element(By.ID, widget).shadow_root.find_element(By.CSS_SELECTOR, selector)


def panel_open(driver, widget: str) -> bool:
    return driver.execute_script(
        "const p = document.getElementById(arguments[0]).shadowRoot.querySelector('.panel');"
        "return !p.hidden && p.getBoundingClientRect().height > 0", widget)


def focused_in(driver, widget: str) -> str:
    """Describe the element focused inside the widget's shadow root."""
    return driver.execute_script(
        "const a = document.getElementById(arguments[0]).shadowRoot.activeElement;"
        "return a ? a.tagName.toLowerCase() + '.' + a.className : ''", widget)


@pytest.fixture
def example(browser, site_url):
    open_page(browser, site_url + EXAMPLE)
    settle(browser, "demo-app", "demo-compact", "demo-dark")
    return site_url


def test_the_compact_widget_is_one_short_row_in_a_260_px_sidebar(browser, example):
    box = browser.execute_script("const r = document.getElementById('demo-compact').getBoundingClientRect();"
                                 "return [r.width, r.height]")
    assert box[0] <= 260 and box[1] <= 48, box
    swatches = browser.execute_script("return [...document.getElementById('demo-compact').shadowRoot"
                                      ".querySelectorAll('.toggle .swatch')].map((s) => s.getBoundingClientRect().top)")
    assert len(swatches) == 5 and len(set(swatches)) == 1, "the swatches should stand in one row"
    full = browser.execute_script("return document.getElementById('demo-app').getBoundingClientRect().height")
    assert box[1] * 4 < full


def test_the_compact_widget_opens_and_closes_its_legend_by_keyboard(browser, example):
    toggle = part(browser, "demo-compact", "button.toggle")
    words = lambda: part(browser, "demo-compact", "button.toggle .visually-hidden").get_attribute("textContent")  # noqa: E731
    name = browser.execute_script("return document.getElementById('demo-app').shadowRoot.querySelector('ul').getAttribute('aria-label')")
    assert toggle.get_attribute("aria-expanded") == "false" and not panel_open(browser, "demo-compact")
    assert words().startswith(name + ": ") and words().endswith("Show the legend")
    toggle.send_keys(Keys.ENTER)
    assert toggle.get_attribute("aria-expanded") == "true" and panel_open(browser, "demo-compact")
    assert words().endswith("Hide the legend")
    assert toggle.get_attribute("aria-controls") == part(browser, "demo-compact", ".panel ul.legend").get_attribute("id")
    # Into the legend's link, then Escape: closed, and the focus is back on the button.
    part(browser, "demo-compact", ".panel a").send_keys(Keys.ESCAPE)
    assert toggle.get_attribute("aria-expanded") == "false" and not panel_open(browser, "demo-compact")
    assert focused_in(browser, "demo-compact") == "button.toggle"
    toggle.send_keys(Keys.SPACE)
    assert panel_open(browser, "demo-compact")
    toggle.send_keys(Keys.ESCAPE)
    assert not panel_open(browser, "demo-compact")


READ_COLOURS = """
const root = document.getElementById(arguments[0]).shadowRoot;
const hex = (c) => '#' + c.match(/\\d+/g).slice(0, 3).map((n) => Number(n).toString(16).padStart(2, '0')).join('');
return {
  outlines: [...root.querySelectorAll('.swatch.filled')].map((s) => hex(getComputedStyle(s).borderTopColor)),
  unavailable: [...root.querySelectorAll('li.is-unavailable')].map((li) => hex(getComputedStyle(li).backgroundColor)),
};
"""


def test_a_dark_theme_keeps_greys_dark_and_every_swatch_outline_visible(browser, example):
    part(browser, "demo-dark", "button.toggle").send_keys(Keys.ENTER)
    colours = browser.execute_script(READ_COLOURS, "demo-dark")
    assert colours["outlines"] and colours["unavailable"]
    assert all(relative_luminance(c) < 0.05 for c in colours["unavailable"]), colours
    weak = [c for c in colours["outlines"] if contrast_ratio(c, DARK_SURFACE) < 3]
    assert weak == [], f"outlines that vanish on {DARK_SURFACE}: {weak}"
    screenshot(browser, "embed-compact-dark-theme-open")


@pytest.mark.parametrize("scheme, theme, dark", [("dark", None, True), ("light", None, False), ("dark", "light", False),
                                                  ("light", "dark", True)])
def test_the_widget_follows_the_readers_scheme_unless_the_host_sets_a_theme(browser, site_url, scheme, theme, dark):
    with emulated_media(browser, prefers_color_scheme=scheme):
        open_page(browser, site_url + EXAMPLE)
        settle(browser, "demo-app")
        if theme:
            browser.execute_script("document.getElementById('demo-app').setAttribute('theme', arguments[0])", theme)
        greys = browser.execute_script(READ_COLOURS, "demo-app")["unavailable"]
    assert greys and all((relative_luminance(c) < 0.05) == dark for c in greys), greys


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("opened", [False, True])
def test_axe_finds_no_violation_on_the_embed_page_with_the_compact_widget(browser, site_url, scheme, opened):
    with emulated_media(browser, prefers_color_scheme=scheme):
        open_page(browser, site_url + EXAMPLE)
        settle(browser, "demo-app", "demo-compact", "demo-dark")
        if opened:
            for widget in ("demo-compact", "demo-dark"):
                part(browser, widget, "button.toggle").send_keys(Keys.ENTER)
        violations = run_axe(browser)
        screenshot(browser, f"embed-{scheme}-{'open' if opened else 'closed'}")
    assert violations == [], "\n".join(f"{v['id']}: {v['help']} {v['nodes'][:3]}" for v in violations)
