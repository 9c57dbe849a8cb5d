"""The catalogue of 10,000 apps in real headless Chromium, served under a strict Content-Security-Policy: the first view
stays light, and filtering finds apps far beyond it, drawn from the compact index. Timings are bench/catalogue.py's."""

from __future__ import annotations

import functools
import gzip
import json
import shutil
from urllib.parse import urlencode

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from browser import QuietHandler, browser, open_page, serving  # noqa: F401  fixtures are used by name
from conftest import LEVEL2_ARTICLE, LEVEL2_INDEX, POLICY_DOC, REPO, TODAY, epoch_of
from policysite.engine.recipe import build
from policysite.render.catalogue import FIRST_ENTRIES, LISTING_PATH

APPS = 10_000
WORDS = ("proxy", "mail", "backup", "filter", "report", "monitor", "directory", "storage", "voip", "firewall")
CATEGORIES = ("Cloud", "Gateway", "Network", "Reports", "Server", "System")
VENDORS = ("ClearFoundation", "ClearCenter", "WikiSuite", "Example Vendor")
METHODS = ("forum_casual", "forum_dedicated", "vendor", "clearcenter_pro", "clearcenter_consulting")
DRAWN = 20   # rows catalogue.js draws per category when the filters change
POLICY = "default-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"


def facts(i: int) -> dict:
    """Return what app number i is: spread over categories, vendors and methods so every filter has work to do."""
    word, other = WORDS[i % len(WORDS)], WORDS[i * 7 % len(WORDS)]
    return {"basename": f"app_{i:05d}", "name": f"{word.title()} {other.title()} {i:05d}", "vendor": VENDORS[i % 4],
            "category": CATEGORIES[i * 5 % 6], "summary": f"Keeps the {word} and the {other} of server number {i} in order.",
            "methods": tuple(m for bit, m in enumerate(METHODS) if i >> bit & 1 or m == "clearcenter_consulting")}


def app_text(app: dict) -> str:
    """Write one app file, as short as the schema allows."""
    support = "".join(
        f"  {m}:\n    available: true\n    url: https://support.example.org/{m}/\n" if m in app["methods"] else
        f"  {m}:\n    available: false\n    reason: Not offered for this app.\n" for m in METHODS)
    factors = "".join(f"  {f}:\n    level: medium\n    note: Known well enough.\n"
                      for f in ("knowledge", "stability", "vendor_relationship"))
    return (f"name: {app['name']}\nvendor: {app['vendor']}\ncategory: {app['category']}\nlicense: GPLv3\n"
            f"summary: {app['summary']}\ndescription: One short paragraph.\nsupport:\n{support}factors:\n{factors}"
            f"level2:\n  covered: false\nreviewed: 2026-06-01\n")


APP_FACTS = [facts(i) for i in range(APPS)]


def catalogue_order(apps: list[dict]) -> list[dict]:
    """Return apps in the catalogue's order: by category, then name ignoring case, then basename."""
    return sorted(apps, key=lambda a: (a["category"], a["name"].casefold(), a["basename"]))


@pytest.fixture(scope="module")
def large_site(tmp_path_factory):
    """Build 10,000 generated apps once for the module, with a cache folder of its own."""
    root = tmp_path_factory.mktemp("large") / "proj"
    (root / "content/apps").mkdir(parents=True)
    for name in ("methods.yaml", "factors.yaml", "site.yaml"):
        shutil.copy(REPO / "content" / name, root / "content" / name)
    for name in ("templates", "static"):
        shutil.copytree(REPO / name, root / name)
    for rel, text in (("level2/index.md", LEVEL2_INDEX), ("level2/software-raid-5.md", LEVEL2_ARTICLE), ("policy.md", POLICY_DOC)):
        (root / "content/docs" / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / "content/docs" / rel).write_text(text, encoding="utf-8")
    for app in APP_FACTS:
        (root / f"content/apps/{app['basename']}.yaml").write_text(app_text(app), encoding="utf-8")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("POLICYSITE_CACHE_HOME", str(tmp_path_factory.mktemp("large-cache")))
        mp.setenv("SOURCE_DATE_EPOCH", str(epoch_of(TODAY)))
        build(root, root / "site", history_mode=None)   # not a git checkout
    return root / "site"


class StrictHandler(QuietHandler):
    """Serve the site as a host with a strict Content-Security-Policy would: no inline script or style, nothing from elsewhere."""

    def end_headers(self):
        self.send_header("Content-Security-Policy", POLICY)
        super().end_headers()


@pytest.fixture(scope="module")
def large_url(large_site):
    with serving(functools.partial(StrictHandler, directory=str(large_site))) as url:
        yield url


def shown_apps(driver) -> list[str]:
    """Return the apps whose rows are displayed, in page order."""
    return driver.execute_script(
        "return [...document.querySelectorAll('li.app-row')].filter((r) => r.offsetParent !== null).map((r) => r.dataset.app)")


def count_text(driver) -> str:
    return driver.find_element(By.ID, "match-count").text.strip()


def wait_for_count(driver, text: str) -> None:
    WebDriverWait(driver, 30).until(lambda d: count_text(d) == text, f"count never read {text!r}; it reads {count_text(driver)!r}")


def policy_errors(driver) -> list[str]:
    """Return what the browser logged about the Content-Security-Policy since the log was last read."""
    return [e["message"] for e in driver.get_log("browser") if "Content Security Policy" in e["message"]]


def test_the_first_view_of_10000_apps_stays_under_100_kb_gzipped_and_1_mb(large_site):
    page = (large_site / "index.html").read_bytes()
    assert len(page) <= 1_000_000 and len(gzip.compress(page, compresslevel=6, mtime=0)) <= 100_000
    assert page.count(b'<li class="app-row"') == FIRST_ENTRIES * len(CATEGORIES)
    listing = json.loads((large_site / LISTING_PATH).read_bytes())
    assert [entry[0] for entry in listing["apps"]] == [a["basename"] for a in catalogue_order(APP_FACTS)]


def test_filtering_10000_apps_finds_apps_beyond_the_first_view(browser, large_url):
    browser.get_log("browser")
    open_page(browser, large_url)
    first = set(shown_apps(browser))
    assert len(first) == FIRST_ENTRIES * len(CATEGORIES)
    far = APP_FACTS[9876]
    assert far["basename"] not in first
    browser.find_element(By.ID, "filter-q").send_keys(far["name"].lower())
    wait_for_count(browser, f"1 of {APPS} apps matches the filters.")
    assert shown_apps(browser) == [far["basename"]]

    wanted = [a for a in catalogue_order(APP_FACTS) if a["vendor"] == "WikiSuite" and "vendor" in a["methods"]
              and "backup" in a["summary"]]
    open_page(browser, large_url + "?" + urlencode({"q": "backup", "vendor": "WikiSuite", "method": "vendor"}))
    wait_for_count(browser, f"{len(wanted)} of {APPS} apps match the filters.")
    per_category = {c: [a["basename"] for a in wanted if a["category"] == c][:DRAWN] for c in CATEGORIES}
    assert shown_apps(browser) == [b for c in sorted(CATEGORIES) for b in per_category[c]]
    assert set(shown_apps(browser)) - first and len(wanted) > len(shown_apps(browser))
    assert browser.execute_script("return document.querySelectorAll('li.app-row').length") == len(first) + len(shown_apps(browser))
    assert policy_errors(browser) == []
