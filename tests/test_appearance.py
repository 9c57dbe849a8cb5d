"""How the pages look and what they load, in real headless Chromium: dark mode, print, reduced motion,
320 px, colour removed, no outside request, page weight, and screenshots of every page type."""

from __future__ import annotations

import importlib.util
import re
from urllib.parse import urlencode, urlsplit

import pytest
import yaml
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from browser import (  # noqa: F401  fixtures are used by name
    DESKTOP, NARROWEST, PHONE, REPO, browser, built_site, computed, css_colour_to_hex, emulated_media, open_page,
    overflowing_elements, requested_urls, screenshot, site_url,
)
from policysite.model import Method, contrast_ratio, relative_luminance
from policysite.render.pages import dark_outline

METHODS = yaml.safe_load((REPO / "content/methods.yaml").read_text(encoding="utf-8"))["methods"]
PRO = next(m["id"] for m in METHODS if m["bit"] == 8)
PAGE_TYPES = {
    "catalogue": "",
    "catalogue-filtered": "?" + urlencode({"q": "mail", "method": PRO}),
    "category": "categories/server/",
    "category-next-page": "categories/server/2/",
    "app-all-methods": "apps/lets_encrypt/",
    "app-no-method": "apps/pptpd/",
    "app-mixed": "apps/web_proxy/",
    "doc": "level2/software-raid-5/",
    "policy": "policy/",
    "changes": "changes/",
    "404": "apps/no-such-app/",
}
WEIGHT_LIMIT = 30 * 1024


def load_page_weight():
    spec = importlib.util.spec_from_file_location("page_weight", REPO / "scripts" / "page_weight.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# Each swatch's outline colour and the colour of the surface behind it (the nearest ancestor with a background).
SWATCH_SURFACES_JS = """
const opaque = c => c && c !== 'transparent' && !/rgba\\(.*,\\s*0\\)$/.test(c);
return [...document.querySelectorAll('.swatch')].filter(s => s.getClientRects().length).map(s => {
  let e = s.parentElement;
  while (e && !opaque(getComputedStyle(e).backgroundColor)) e = e.parentElement;
  const bg = e ? getComputedStyle(e).backgroundColor : getComputedStyle(document.documentElement).backgroundColor;
  const st = getComputedStyle(s);
  return [s.className, st.borderTopColor, opaque(bg) ? bg : 'rgb(255, 255, 255)'];
});
"""


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("page", ["", "apps/lets_encrypt/", "apps/web_proxy/", "policy/"])
def test_every_swatch_outline_keeps_3_to_1_against_the_surface_behind_it(browser, site_url, scheme, page):
    with emulated_media(browser, prefers_color_scheme=scheme):
        open_page(browser, site_url + page)
        page_bg = css_colour_to_hex(computed(browser, browser.find_element(By.TAG_NAME, "html"), "background-color"))
        assert (relative_luminance(page_bg) < 0.05) == (scheme == "dark"), f"{scheme} page background is {page_bg}"
        swatches = browser.execute_script(SWATCH_SURFACES_JS)
    assert len(swatches) >= len(METHODS)
    weak = []
    for name, outline, surface in swatches:
        ratio = contrast_ratio(css_colour_to_hex(outline), css_colour_to_hex(surface))
        if ratio < 3:
            weak.append(f"{name}: outline {css_colour_to_hex(outline)} on {css_colour_to_hex(surface)} is {ratio:.2f}:1")
    assert weak == []


def test_dark_mode_keeps_each_method_colour_and_its_marker(browser, site_url):
    with emulated_media(browser, prefers_color_scheme="dark"):
        open_page(browser, site_url + "apps/lets_encrypt/")
        for method in METHODS:
            swatch = browser.find_element(By.CSS_SELECTOR, f"ul.legend li[data-method='{method['id']}'] .swatch")
            assert css_colour_to_hex(computed(browser, swatch, "background-color")) == method["colour"]
            assert swatch.text == method["marker"]


STATE_CUES_JS = """
return [...document.querySelectorAll('li.method[data-method], .method-detail')].map(el => {
  const sw = el.querySelector('.swatch'), st = getComputedStyle(sw);
  return {
    where: (el.closest('[data-app]')?.dataset.app || '') + ' ' + el.className,
    unavailable: el.classList.contains('is-unavailable'),
    marker: sw.textContent.trim(),
    method: el.dataset.method || [...el.classList].find(c => c.startsWith('method--')).slice(8),
    border: st.borderTopStyle,
    strike: st.textDecorationLine,
    fill: st.backgroundColor,
    text: el.innerText.replace(/\\s+/g, ' ').trim() + ' ' + (el.querySelector('.visually-hidden')?.textContent || ''),
  };
});
"""


@pytest.mark.parametrize("page", ["", "apps/web_proxy/", "apps/pptpd/", "apps/lets_encrypt/"])
def test_every_method_state_reads_without_colour(browser, site_url, page):
    """With the page turned grey, each method is told by its marker and each state by text, dashes and a hollow swatch;
    no letter is ever struck through (a struck D, V, P or C reads as another character)."""
    open_page(browser, site_url + page)
    browser.execute_script("document.documentElement.style.filter = 'grayscale(1)'")
    markers = {m["id"]: m["marker"] for m in METHODS}
    cues = browser.execute_script(STATE_CUES_JS)
    assert len(cues) >= len(METHODS)
    wrong = []
    for cue in cues:
        if "line-through" in cue["strike"]:
            wrong.append(cue)
        if cue["where"].strip().endswith("method--example-unavailable"):  # the key's sample, no method of its own
            continue
        state_words = "not available" in cue["text"].lower()
        dashed, hollow = cue["border"] == "dashed", cue["fill"] == "rgba(0, 0, 0, 0)"
        if cue["marker"] != markers.get(cue["method"]) or {state_words, dashed, hollow} != {cue["unavailable"]}:
            wrong.append(cue)
    assert wrong == []
    if page == "apps/web_proxy/":
        screenshot(browser, "app-mixed-greyscale-desktop")
    browser.execute_script("document.documentElement.style.filter = ''")


@pytest.mark.parametrize("name", PAGE_TYPES)
def test_page_fits_320_px_without_sideways_scrolling(browser, site_url, name):
    open_page(browser, site_url + PAGE_TYPES[name], NARROWEST)
    scroll_width, client_width = browser.execute_script(
        "const d = document.documentElement; return [d.scrollWidth, d.clientWidth]")
    assert client_width <= NARROWEST[0]
    assert scroll_width <= client_width, f"{name}: {scroll_width}px wide at 320px: {overflowing_elements(browser)}"


def test_motion_only_for_people_who_have_not_asked_for_less(browser, site_url):
    def motion():
        html = browser.find_element(By.TAG_NAME, "html")
        link = browser.find_element(By.CSS_SELECTOR, "main a")
        return computed(browser, html, "scroll-behavior"), computed(browser, link, "transition-duration")
    with emulated_media(browser, prefers_reduced_motion="reduce"):
        open_page(browser, site_url + "apps/web_proxy/")
        assert motion() == ("auto", "0s")
    with emulated_media(browser, prefers_reduced_motion="no-preference"):
        open_page(browser, site_url + "apps/web_proxy/")
        behaviour, duration = motion()
        assert behaviour == "smooth" and duration != "0s"  # proves the check above can fail


def test_print_is_black_on_white_without_navigation_and_keeps_the_legend(browser, site_url):
    with emulated_media(browser, "print", prefers_color_scheme="dark"):
        open_page(browser, site_url + "apps/web_proxy/")
        html = browser.find_element(By.TAG_NAME, "html")
        assert css_colour_to_hex(computed(browser, html, "background-color")) == "#ffffff"
        assert css_colour_to_hex(computed(browser, html, "color")) == "#000000"
        assert not browser.find_element(By.CSS_SELECTOR, ".site-header nav").is_displayed()
        assert browser.find_element(By.CSS_SELECTOR, ".example-notice").is_displayed()
        for method in METHODS:
            swatch = browser.find_element(By.CSS_SELECTOR, f"ul.legend li[data-method='{method['id']}'] .swatch")
            assert computed(browser, swatch, "print-color-adjust") == "exact"
            assert swatch.text == method["marker"]
        homepage = browser.find_elements(By.CSS_SELECTOR, ".links a[href^='http']")
        if homepage:
            shown = browser.execute_script("return getComputedStyle(arguments[0], '::after').content", homepage[0])
            assert homepage[0].get_attribute("href").rstrip("/") in shown
        screenshot(browser, "app-mixed-print")


def test_no_request_leaves_the_site(browser, site_url):
    origin = "{0.scheme}://{0.netloc}/".format(urlsplit(site_url))
    requested_urls(browser)  # drop what earlier tests logged
    seen = []
    for scheme in ("light", "dark"):
        with emulated_media(browser, prefers_color_scheme=scheme):
            for page in PAGE_TYPES.values():
                open_page(browser, site_url + page)
                seen += requested_urls(browser)
    open_page(browser, site_url)
    browser.find_element(By.ID, "filter-q").send_keys("vpn")
    seen += requested_urls(browser)
    assert any(u.endswith("/assets/site.css") for u in seen) and any(u.endswith("/assets/catalogue.js") for u in seen), (
        "the request log is empty or incomplete; is performance logging on?")
    outside = sorted({u for u in seen if not u.startswith(origin) and not u.startswith("data:")})
    assert outside == []


def test_app_page_with_its_css_and_javascript_weighs_at_most_30_kb_gzipped(built_site):
    weight = load_page_weight()
    pages = sorted(p.relative_to(built_site).as_posix() for p in built_site.glob("apps/*/index.html"))
    heavy = {}
    for page in pages:
        files = weight.page_weight(built_site, page)
        assert {"assets/site.css", "assets/methods.css"} <= set(files), f"{page} loads {sorted(files)}"
        if sum(files.values()) > WEIGHT_LIMIT:
            heavy[page] = files
    assert heavy == {}
    page, total = weight.heaviest_app_page(built_site)
    assert 0 < total <= WEIGHT_LIMIT, (page, total)


@pytest.mark.parametrize("view", ["desktop", "phone", "dark"])
@pytest.mark.parametrize("name", PAGE_TYPES)
def test_screenshot_of_each_page_type(browser, site_url, name, view):
    """Save what a reader sees, for people to look at: test-artifacts/screenshots/<page>-<view>.png."""
    size = PHONE if view == "phone" else DESKTOP
    with emulated_media(browser, prefers_color_scheme="dark" if view == "dark" else "light"):
        open_page(browser, site_url + PAGE_TYPES[name], size)
        assert browser.find_element(By.TAG_NAME, "h1").is_displayed()
        if PAGE_TYPES[name].startswith("?"):   # filtered: the rows come once the index of all apps is read
            WebDriverWait(browser, 10).until(lambda d: not d.find_element(By.ID, "match-count").text.startswith("Loading"))
        path = screenshot(browser, f"{name}-{view}")
    assert path.stat().st_size > 5000


def test_dark_surfaces_stay_dark_enough_for_the_generated_outlines():
    """render.dark_outline promises 3:1 on surfaces of luminance <= 0.025; site.css's dark palette must keep to that."""
    css = (REPO / "static/site.css").read_text(encoding="utf-8")
    dark = css[css.index("@media (prefers-color-scheme: dark)"):]
    dark = dark[:dark.index("}\n}") + 1]
    surfaces = {name: re.search(rf"--{name}:\s*(#[0-9a-f]{{6}})", dark).group(1) for name in ("bg", "panel")}
    for name, colour in surfaces.items():
        assert relative_luminance(colour) <= 0.025, f"dark --{name} {colour} is too light for the outlines"
    for data in METHODS:
        outline = dark_outline(Method(**data))
        for name, colour in surfaces.items():
            assert contrast_ratio(outline, colour) >= 3, (data["id"], outline, name, colour)
