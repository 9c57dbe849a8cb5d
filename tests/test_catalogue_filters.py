"""The catalogue's filters in real headless Chromium: by keyboard alone, kept in the address, over every app (drawn by the
script from the compact index, as the server draws them), and the category pages without JavaScript."""

from __future__ import annotations

import unicodedata
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import yaml
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

from browser import (  # noqa: F401  fixtures are used by name
    DESKTOP, REPO, browser, built_site, drawn_and_served_rows, open_page, requested_urls, screenshot, scripts_disabled,
    site_url,
)
from policysite.render.catalogue import FIRST_ENTRIES, LISTING_PATH

METHODS = yaml.safe_load((REPO / "content/methods.yaml").read_text(encoding="utf-8"))["methods"]
APPS = {p.stem: yaml.safe_load(p.read_text(encoding="utf-8")) for p in sorted((REPO / "content/apps").glob("*.yaml"))}
# The method the issue names as its example filter: "has ClearCenter Professional support" (bit 8).
PRO = next(m["id"] for m in METHODS if m["bit"] == 8)


def fold(text: str) -> str:
    """Fold case and accents the way a reader expects a search box to."""
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c)).casefold()


def expected(q: str = "", category: str = "", vendor: str = "", methods: tuple[str, ...] = ()) -> list[str]:
    """Compute from the content files which apps a filter should leave, independently of the page."""
    terms = fold(q).split()
    found = []
    for basename, app in APPS.items():
        text = fold(" ".join((app["name"], app["summary"], basename.replace("_", " "), app["vendor"], app["category"])))
        if category and app["category"] != category or vendor and app["vendor"] != vendor:
            continue
        if not all(app["support"][m]["available"] for m in methods):
            continue
        if all(t in text for t in terms):
            found.append(basename)
    return sorted(found)


def catalogue_order(category: str) -> list[str]:
    """Return a category's apps in the catalogue's order: by name ignoring case, then by basename."""
    found = [(app["name"].casefold(), basename) for basename, app in APPS.items() if app["category"] == category]
    return [basename for _, basename in sorted(found)]


def first_view() -> list[str]:
    """Return the apps the catalogue shows before any filter: each category's first few."""
    return sorted(b for c in {a["category"] for a in APPS.values()} for b in catalogue_order(c)[:FIRST_ENTRIES])


def shown_apps(driver) -> list[str]:
    """Return the apps whose rows are displayed."""
    return sorted(r.get_attribute("data-app") for r in driver.find_elements(By.CSS_SELECTOR, "li.app-row") if r.is_displayed())


def count_text(driver) -> str:
    return driver.find_element(By.ID, "match-count").text.strip()


def query(driver) -> dict[str, list[str]]:
    return parse_qs(urlsplit(driver.current_url).query)


def wait_for_listing(driver) -> None:
    """Wait until the index of all apps has come and the filters are applied."""
    WebDriverWait(driver, 5).until(lambda d: not count_text(d).startswith("Loading"), "the index of all apps never came")


def wait_for_count(driver, text: str) -> None:
    WebDriverWait(driver, 5).until(lambda d: count_text(d) == text, f"count never read {text!r}; it reads {count_text(driver)!r}")


def focus_ring(driver) -> tuple[str, str]:
    """Return the outline style and width the focused element shows."""
    return tuple(driver.execute_script(
        "const s = getComputedStyle(document.activeElement); return [s.outlineStyle, s.outlineWidth]"))


def tab_to(driver, predicate_js: str, limit: int = 60) -> None:
    """Press Tab until the focused element satisfies a JavaScript predicate on `el`."""
    for _ in range(limit):
        if driver.execute_script(f"const el = document.activeElement; return !!({predicate_js});"):
            return
        driver.switch_to.active_element.send_keys(Keys.TAB)
    pytest.fail(f"{predicate_js} never got the focus within {limit} presses of Tab")


def test_filters_work_by_keyboard_alone_and_keep_their_state_in_the_address(browser, site_url):
    open_page(browser, site_url)
    total = len(APPS)
    assert count_text(browser) == f"{total} apps in {len({a['category'] for a in APPS.values()})} categories."
    assert browser.execute_script("return document.activeElement === document.body")  # as after loading: no focus yet
    tab_to(browser, "el.id === 'filter-q'")
    browser.switch_to.active_element.send_keys("mail")
    want = expected(q="mail")
    wait_for_count(browser, f"{len(want)} of {total} apps match the filters.")
    assert shown_apps(browser) == want and 0 < len(want) < total
    assert query(browser) == {"q": ["mail"]}

    tab_to(browser, f"el.type === 'checkbox' && el.value === '{PRO}'")
    assert focus_ring(browser) == ("solid", "3px"), "the focused checkbox shows no focus ring"
    browser.switch_to.active_element.send_keys(Keys.SPACE)
    want = expected(q="mail", methods=(PRO,))
    wait_for_count(browser, f"{len(want)} of {total} apps {'matches' if len(want) == 1 else 'match'} the filters.")
    assert shown_apps(browser) == want
    assert query(browser) == {"q": ["mail"], "method": [PRO]}
    screenshot(browser, "catalogue-filtered-desktop")

    tab_to(browser, "el.matches('[data-filter-clear]')")
    browser.switch_to.active_element.send_keys(Keys.ENTER)
    wait_for_count(browser, f"{total} apps in {len({a['category'] for a in APPS.values()})} categories.")
    assert shown_apps(browser) == first_view()
    assert urlsplit(browser.current_url).query == ""
    assert browser.execute_script("return document.activeElement.id") == "filter-q"


def test_category_and_developer_are_chosen_with_the_keyboard(browser, site_url):
    open_page(browser, site_url)
    category = browser.find_element(By.ID, "filter-category")
    category.send_keys(Keys.DOWN)  # the first category after "All categories"
    chosen = category.get_attribute("value")
    assert chosen == sorted({a["category"] for a in APPS.values()})[0]
    want = expected(category=chosen)
    wait_for_count(browser, f"{len(want)} of {len(APPS)} apps match the filters.")
    assert shown_apps(browser) == want
    hidden_sections = [s.get_attribute("data-category") for s in browser.find_elements(By.CSS_SELECTOR, "section.category")
                       if not s.is_displayed()]
    assert sorted(hidden_sections) == sorted({a["category"] for a in APPS.values()} - {chosen})
    vendor = browser.find_element(By.ID, "filter-vendor")
    vendor.send_keys(Keys.DOWN)
    want = expected(category=chosen, vendor=vendor.get_attribute("value"))
    assert shown_apps(browser) == want
    assert query(browser) == {"category": [chosen], "vendor": [vendor.get_attribute("value")]}


def test_a_shared_address_opens_with_the_same_filters(browser, site_url):
    vendor = "ClearFoundation"
    params = [("q", "Firewall"), ("vendor", vendor), ("method", PRO), ("category", "No such category"), ("method", "no_such_method")]
    open_page(browser, site_url + "?" + urlencode(params))
    wait_for_listing(browser)
    want = expected(q="Firewall", vendor=vendor, methods=(PRO,))
    assert 0 < len(want) < len(APPS)
    assert shown_apps(browser) == want
    assert browser.find_element(By.ID, "filter-q").get_attribute("value") == "Firewall"
    assert browser.find_element(By.ID, "filter-vendor").get_attribute("value") == vendor
    assert browser.find_element(By.ID, "filter-category").get_attribute("value") == ""  # unknown values are dropped
    ticked = [b.get_attribute("value") for b in browser.find_elements(By.CSS_SELECTOR, "input[name=method]") if b.is_selected()]
    assert ticked == [PRO]
    assert count_text(browser) == f"{len(want)} of {len(APPS)} apps match the filters."
    assert query(browser) == {"q": ["Firewall"], "vendor": [vendor], "method": [PRO]}


def test_search_ignores_case_and_accents_and_says_when_nothing_matches(browser, site_url):
    open_page(browser, site_url + "?q=" + "FIRÉWALL")
    wait_for_listing(browser)
    assert shown_apps(browser) == expected(q="firewall") != []
    open_page(browser, site_url + "?q=zzzz-no-app-has-this")
    wait_for_listing(browser)
    assert shown_apps(browser) == []
    assert count_text(browser) == "No apps match the filters."
    assert browser.find_element(By.ID, "no-match").is_displayed()
    assert not any(s.is_displayed() for s in browser.find_elements(By.CSS_SELECTOR, "section.category"))


def test_hostile_text_in_the_address_stays_text(browser, site_url):
    payload = '"><img src=x onerror="document.title=\'pwned\'">'
    open_page(browser, site_url + "?" + urlencode({"q": payload}))
    assert browser.find_element(By.ID, "filter-q").get_attribute("value") == payload
    assert browser.title != "pwned" and not browser.find_elements(By.CSS_SELECTOR, "main img")


def test_without_javascript_the_first_view_shows_and_the_category_pages_list_every_app(browser, site_url):
    with scripts_disabled(browser):
        open_page(browser, site_url + "?" + urlencode({"q": "mail", "method": PRO}))
        assert not browser.find_element(By.ID, "filters").is_displayed()
        assert shown_apps(browser) == first_view()
        assert all(s.is_displayed() for s in browser.find_elements(By.CSS_SELECTOR, "section.category"))
        assert count_text(browser).startswith(f"{len(APPS)} apps in ")
        screenshot(browser, "catalogue-no-javascript-desktop")
        links = {s.get_attribute("data-category"): s.find_element(By.CSS_SELECTOR, ".category-more a").get_attribute("href")
                 for s in browser.find_elements(By.CSS_SELECTOR, "section.category")}
        for category, link in links.items():
            seen = []
            while link:   # page after page, by the Next links
                open_page(browser, link)
                seen += [r.get_attribute("data-app") for r in browser.find_elements(By.CSS_SELECTOR, "li.app-row") if r.is_displayed()]
                following = browser.find_elements(By.CSS_SELECTOR, "nav.pagination a[rel=next]")
                link = following[0].get_attribute("href") if following else None
            assert seen == catalogue_order(category), category
        assert any(len(catalogue_order(c)) > 25 for c in links), "no category of the examples has a second page"
    open_page(browser, site_url)
    assert browser.find_element(By.ID, "filters").is_displayed()


def test_rows_the_script_draws_are_the_servers_rows_for_every_app(browser, site_url, built_site):
    drawn, served, first = drawn_and_served_rows(browser, site_url, built_site)
    assert sorted(drawn) == sorted(served) == sorted(APPS)
    assert {b: drawn[b]["resolved"] for b in drawn} == served
    # The first view's rows share the page with the drawn ones, so they are compared as they are, links included.
    assert sorted(first) == first_view()
    assert {b: drawn[b]["raw"] for b in first} == first


def test_the_index_of_all_apps_is_fetched_only_once_a_reader_filters(browser, site_url):
    requested_urls(browser)   # forget earlier pages
    open_page(browser, site_url)
    assert not [u for u in requested_urls(browser) if u.endswith(LISTING_PATH)]
    browser.find_element(By.ID, "filter-q").send_keys("a")
    wait_for_count(browser, f"{len(expected(q='a'))} of {len(APPS)} apps match the filters.")
    assert [u for u in requested_urls(browser) if u.endswith(LISTING_PATH)] == [site_url + LISTING_PATH]
    browser.find_element(By.ID, "filter-q").send_keys("b")
    assert not [u for u in requested_urls(browser) if u.endswith(LISTING_PATH)]


def test_show_more_draws_the_next_rows_and_takes_the_focus_to_the_first_of_them(browser, site_url):
    largest = max({a["category"] for a in APPS.values()}, key=lambda c: len(catalogue_order(c)))
    everything = catalogue_order(largest)
    open_page(browser, site_url + "?" + urlencode({"category": largest}))
    wait_for_listing(browser)
    drawn = browser.execute_script("return document.querySelectorAll('ul.app-list:not([hidden]) > li.app-row').length")
    assert 0 < len(shown_apps(browser)) < len(everything), "the test needs a category with more apps than are drawn at first"
    assert drawn == len(shown_apps(browser))   # the rows not shown are not drawn at all
    shown = len(shown_apps(browser))
    more = browser.find_element(By.CSS_SELECTOR, "button.show-more:not([hidden])")
    rest = len(everything) - shown
    assert more.text == f"Show {rest} more {largest} apps ({rest} not shown yet)"
    more.send_keys(Keys.ENTER)
    assert shown_apps(browser) == sorted(everything)
    assert browser.execute_script("return document.activeElement.closest('li.app-row').dataset.app") == everything[shown]
    assert not browser.find_elements(By.CSS_SELECTOR, "button.show-more:not([hidden])")


# --- Search over developers and categories, forgiving addresses, the no-match hint, Level II, reviews, sorting ---

def displayed_in_order(driver) -> dict[str, list[str]]:
    """Return, per category section shown, the apps of its displayed rows in the order they stand."""
    found = {}
    for section in driver.find_elements(By.CSS_SELECTOR, "section.category"):
        if section.is_displayed():
            found[section.get_attribute("data-category")] = [
                r.get_attribute("data-app") for r in section.find_elements(By.CSS_SELECTOR, "li.app-row") if r.is_displayed()]
    return found


def test_search_finds_apps_by_their_developer_and_their_category(browser, site_url):
    by_wikisuite = sorted(b for b, a in APPS.items() if a["vendor"] == "WikiSuite")
    assert len(by_wikisuite) > 1
    open_page(browser, site_url + "?q=wikisuite")
    wait_for_listing(browser)
    assert shown_apps(browser) == expected(q="wikisuite")
    assert set(by_wikisuite) <= set(shown_apps(browser))
    open_page(browser, site_url + "?q=reports")
    wait_for_listing(browser)
    assert set(b for b, a in APPS.items() if a["category"] == "Reports") <= set(shown_apps(browser))


def test_the_address_forgives_case_and_comma_lists_and_is_written_back_in_one_form(browser, site_url):
    open_page(browser, site_url + "?category=server&vendor=CLEARFOUNDATION&method=vendor,ClearCenter_Pro&sort=VENDOR")
    wait_for_listing(browser)
    assert browser.find_element(By.ID, "filter-category").get_attribute("value") == "Server"
    assert browser.find_element(By.ID, "filter-vendor").get_attribute("value") == "ClearFoundation"
    assert browser.find_element(By.ID, "filter-sort").get_attribute("value") == "vendor"
    ticked = [b.get_attribute("value") for b in browser.find_elements(By.CSS_SELECTOR, "input[name=method]") if b.is_selected()]
    assert ticked == ["vendor", PRO]
    assert shown_apps(browser) == expected(category="Server", vendor="ClearFoundation", methods=("vendor", PRO))
    assert query(browser) == {"category": ["Server"], "vendor": ["ClearFoundation"], "method": ["vendor", PRO], "sort": ["vendor"]}


def test_the_no_match_hint_names_the_filters_and_what_each_alone_holds_back(browser, site_url):
    vendor = "WikiSuite"
    category = next(c for c in sorted({a["category"] for a in APPS.values()}) if not expected(category=c, vendor=vendor))
    open_page(browser, site_url + "?" + urlencode({"category": category, "vendor": vendor}))
    wait_for_listing(browser)
    assert shown_apps(browser) == []
    hint = browser.find_element(By.ID, "no-match").text
    without_category, without_vendor = len(expected(vendor=vendor)), len(expected(category=category))
    assert hint == (f"No app matches all of the category {category} and the developer {vendor}. "
                    f"Without the category {category}, {without_category} apps match; "
                    f"Without the developer {vendor}, {without_vendor} apps match.")
    open_page(browser, site_url + "?q=zzzz-no-app-has-this")
    wait_for_listing(browser)
    assert browser.find_element(By.ID, "no-match").text == (
        "No app matches the search \u201czzzz-no-app-has-this\u201d. Clear it to see every app.")


def stale_apps(built_site) -> set[str]:
    """Return the apps whose own page says their review is due (the build's date decides)."""
    from bs4 import BeautifulSoup
    return {b for b in APPS if BeautifulSoup((built_site / f"apps/{b}/index.html").read_text(encoding="utf-8"),
                                             "html.parser").select_one(".review.is-stale")}


def test_rows_show_level_ii_cover_and_reviews_due_and_both_filter(browser, site_url, built_site):
    covered = {b for b, a in APPS.items() if a["level2"]["covered"]}
    stale = stale_apps(built_site)
    assert covered and stale and covered != set(APPS)
    open_page(browser, site_url + "?level2=covered")
    wait_for_listing(browser)
    assert set(shown_apps(browser)) == covered
    rows = browser.find_elements(By.CSS_SELECTOR, "li.app-row")
    assert all(r.find_element(By.CSS_SELECTOR, ".app-flag--level2").text == "Level II covered" for r in rows if r.is_displayed())
    open_page(browser, site_url + "?review=due")
    wait_for_listing(browser)
    assert set(shown_apps(browser)) == stale
    open_page(browser, site_url + "?level2=covered&review=due")
    wait_for_listing(browser)
    assert set(shown_apps(browser)) == covered & stale
    assert browser.find_element(By.ID, "filter-level2").is_selected() and browser.find_element(By.ID, "filter-review").is_selected()


@pytest.mark.parametrize("order", ["vendor", "reviewed-oldest", "reviewed-newest"])
def test_each_category_sorts_by_developer_or_last_review(browser, site_url, order):
    open_page(browser, site_url + "?sort=" + order + "&category=Server")
    wait_for_listing(browser)
    for button in browser.find_elements(By.CSS_SELECTOR, "button.show-more"):
        if button.is_displayed():
            browser.execute_script("arguments[0].click()", button)
    names = catalogue_order("Server")   # the default order breaks ties
    key = {"vendor": lambda b: (APPS[b]["vendor"].lower(), names.index(b)),
           "reviewed-oldest": lambda b: (str(APPS[b]["reviewed"]), names.index(b)),
           "reviewed-newest": lambda b: (-int(str(APPS[b]["reviewed"]).replace("-", "")), names.index(b))}[order]
    assert displayed_in_order(browser) == {"Server": sorted(names, key=key)}
