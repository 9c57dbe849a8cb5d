"""In real Chromium: the review date with its stale marker, announced changes and the policy history
are on the app page, readable, and fit a phone screen."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By

from browser import PHONE, browser, open_page, overflowing_elements, screenshot, serve_folder  # noqa: F401
from conftest import VALID_APP
from gitrepo import commit_all, init_repo

# Stale, and pointing nowhere at Developer/ISV Support, which ENDING announces the end of.
STALE = VALID_APP.replace("reviewed: 2026-01-15", "reviewed: 2025-06-01").replace(
    "alternative: Use the vendor's ticket service.", "alternative: Ask in the public forum.")
ENDING = STALE.replace(
    "    response_time: 2 business days\n",
    "    response_time: 2 business days\n    change:\n      from: 2027-01-31\n      available: false\n"
    "      reason: The developer closes its ticket service at the end of January.\n"
    "      alternative: Ask in the public forum at https://forum.example/sample-app-with-a-long-address.\n")


@pytest.fixture
def app_url(project, capsys):
    """Build a project whose app is stale, announces a change and has history; serve it on 127.0.0.1."""
    project.app("sample_app", STALE)
    init_repo(project.root)
    commit_all(project.root, "Add", "2026-03-01T10:00:00Z")
    project.app("sample_app", ENDING)
    commit_all(project.root, "Announce", "2026-04-01T10:00:00Z")
    status, _, err = project.run(capsys=capsys)
    assert status == 0, err
    with serve_folder(project.out) as url:
        yield url + "apps/sample_app/"


def test_stale_marker_announcement_and_history_are_shown(browser, app_url):
    open_page(browser, app_url)
    review = browser.find_element(By.CSS_SELECTOR, "dl.facts dd.review")
    assert review.is_displayed()
    assert review.text == "2025-06-01 Due for review: more than 12 months have passed, so details may be out of date."
    announced = browser.find_element(By.CSS_SELECTOR, "section.announced")
    assert announced.is_displayed()
    assert announced.find_element(By.TAG_NAME, "h2").text == "Announced changes"
    assert announced.find_element(By.TAG_NAME, "li").text.startswith("Developer/ISV Support ends on 2027-01-31.")
    history = [li.text for li in browser.find_elements(By.CSS_SELECTOR, "section.history ol.changelog > li")]
    assert history == [
        "Announced: Developer/ISV Support ends on 2027-01-31 (reason: The developer closes its ticket service at the "
        "end of January; instead: Ask in the public forum at https://forum.example/sample-app-with-a-long-address) — 2026-04-01",
        "Policy published — 2026-03-01",
    ]
    screenshot(browser, "app-maintainer-parts-desktop")


def test_the_new_parts_fit_a_phone_screen(browser, app_url):
    open_page(browser, app_url, PHONE)
    assert overflowing_elements(browser) == []
    screenshot(browser, "app-maintainer-parts-phone")


def test_a_history_link_from_changes_json_lands_on_its_entry(browser, app_url):
    open_page(browser, app_url)
    first = browser.find_element(By.CSS_SELECTOR, "ol.changelog > li")
    open_page(browser, app_url + "#" + first.get_attribute("id"))
    assert browser.execute_script("return document.querySelector(':target') && document.querySelector(':target').id") == first.get_attribute("id")
