"""axe-core (from the npm registry) in headless Chromium: no violation on any page type, light or dark."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
import yaml
from selenium.webdriver.support.ui import WebDriverWait

from browser import (  # noqa: F401  fixtures are used by name
    REPO, browser, built_site, emulated_media, open_page, run_axe, site_url,
)

METHODS = yaml.safe_load((REPO / "content/methods.yaml").read_text(encoding="utf-8"))["methods"]
PRO = next(m["id"] for m in METHODS if m["bit"] == 8)
ALL_METHODS_APP = "lets_encrypt"
NO_METHOD_APP = "pptpd"

PAGES = {
    "catalogue": "",
    "catalogue-filtered": "?" + urlencode({"q": "firewall", "method": PRO}),
    "catalogue-no-match": "?q=zzzz-no-app-has-this",
    "catalogue-show-more": "?" + urlencode({"category": "Server"}),   # more Server apps than are drawn at first
    "category": "categories/server/",
    "category-next-page": "categories/server/2/",
    "app-all-methods": f"apps/{ALL_METHODS_APP}/",
    "app-no-method": f"apps/{NO_METHOD_APP}/",
    "app-mixed": "apps/web_proxy/",
    "doc": "level2/software-raid-5/",
    "doc-section-index": "level2/",
    "policy": "policy/",
    "changes": "changes/",
    "404": "apps/no-such-app/",
}


def test_the_chosen_apps_have_all_and_no_methods():
    """Guard the premise of the page list: if the content changes, pick other apps."""
    def support(basename: str) -> set[bool]:
        data = yaml.safe_load((REPO / f"content/apps/{basename}.yaml").read_text(encoding="utf-8"))
        return {data["support"][m["id"]]["available"] for m in METHODS}
    assert support(ALL_METHODS_APP) == {True}
    assert support(NO_METHOD_APP) == {False}


def format_violations(violations: list[dict]) -> str:
    return "\n".join(f"- {v['id']} ({v['impact']}): {v['help']}\n    " + "\n    ".join(v["nodes"][:5]) for v in violations)


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("name", PAGES)
def test_axe_finds_no_violation(browser, site_url, name, scheme):
    with emulated_media(browser, prefers_color_scheme=scheme):
        open_page(browser, site_url + PAGES[name])
        if PAGES[name].startswith("?"):   # filtered: wait for the index of all apps, so the drawn rows are checked too
            WebDriverWait(browser, 10).until(lambda d: not d.find_element("id", "match-count").text.startswith("Loading"))
        if name == "404":
            assert browser.find_element("css selector", "h1").text == "Page not found", "the server did not serve 404.html"
        assert browser.execute_script("return matchMedia('(prefers-color-scheme: dark)').matches") == (scheme == "dark")
        violations = run_axe(browser)
    assert violations == [], f"{name} ({scheme}):\n{format_violations(violations)}"


def test_axe_does_report_a_violation_when_there_is_one(browser, site_url):
    """Prove the check can fail: a low-contrast paragraph and an unlabelled field are found."""
    open_page(browser, site_url + "policy/")
    browser.execute_script(
        "const m = document.querySelector('main');"
        "m.insertAdjacentHTML('beforeend', '<p style=\"color:#bbb;background:#fff\">faint</p><input type=\"text\">');")
    found = {v["id"] for v in run_axe(browser)}
    assert {"color-contrast", "label"} <= found, found


# One page of each kind in every other language: translated words can break what English did not (a longer label
# that overflows, a lang attribute missing on English text, a landmark label left out).
LANGUAGE_PAGES = {name: PAGES[name] for name in ("catalogue", "catalogue-no-match", "category-next-page", "app-mixed",
                                                 "app-no-method", "doc", "changes", "404")}


@pytest.mark.parametrize("lang", ["de", "fr", "it", "nl", "pt", "es"])
@pytest.mark.parametrize("name", LANGUAGE_PAGES)
def test_axe_finds_no_violation_in_each_language(browser, site_url, name, lang):
    with emulated_media(browser, prefers_color_scheme="light"):
        open_page(browser, f"{site_url}{lang}/{LANGUAGE_PAGES[name]}")
        if LANGUAGE_PAGES[name].startswith("?"):
            WebDriverWait(browser, 10).until(lambda d: d.find_element("id", "no-match").is_displayed())
        assert browser.execute_script("return document.documentElement.lang") == lang, "the server did not serve the page"
        violations = run_axe(browser)
    assert violations == [], f"{lang}/{name}:\n{format_violations(violations)}"
