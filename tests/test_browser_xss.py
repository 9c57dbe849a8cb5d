"""XSS payloads in every text and URL field, loaded in real headless Chromium: nothing runs, nothing leaves 127.0.0.1."""

from __future__ import annotations

import functools
import http.server
import json
import shutil
import threading
import time
from pathlib import Path

import pytest

from browser import CHROMEDRIVER, QuietHandler, chrome_options, drawn_and_served_rows, require_chromium
from conftest import LEVEL2_ARTICLE, LEVEL2_INDEX, REPO
from policysite.engine.recipe import build

# Every payload that runs sets this global; a dialog is the other sign.
SENTINEL = "window.__pwned"
EVIL = "evil.example"  # the browser below resolves it to 127.0.0.3: a request there proves a leak, yet leaves no machine
# (a loopback address itself is no longer a payload: the build refuses links and contact URLs to one)
TEXT_PAYLOADS = [
    "<script>window.__pwned=1;alert(1)</script>",
    "<img src=x onerror=\"window.__pwned=1;alert(1)\">",
    "<svg onload=\"window.__pwned=1\">",
    "\"><script>window.__pwned=1</script>",
    "'><img src=x onerror=window.__pwned=1>",
    "</title><script>window.__pwned=1</script>",
    "</textarea><script>window.__pwned=1</script>",
    "<iframe srcdoc=\"<script>parent.__pwned=1</script>\"></iframe>",
    "<body onload=\"window.__pwned=1\">",
    "<details open ontoggle=\"window.__pwned=1\">",
    "<input autofocus onfocus=\"window.__pwned=1\">",
    "<a href=\"javascript:window.__pwned=1\">x</a>",
    "<math><mtext><table><mglyph><style><img src=x onerror=window.__pwned=1>",
    "<noscript><p title=\"</noscript><img src=x onerror=window.__pwned=1>\">",
    "{{ 7*7 }}{% raw %}${window.__pwned=1}",
    f"<style>@import 'http://{EVIL}/x.css';</style>",
    f"<base href=\"http://{EVIL}/\">",
    f"<meta http-equiv=\"refresh\" content=\"0;url=http://{EVIL}/\">",
    f"<link rel=stylesheet href=http://{EVIL}/x.css>",
    "<object data=\"javascript:window.__pwned=1\">",
    "<embed src=\"javascript:window.__pwned=1\">",
    "<form action=\"javascript:window.__pwned=1\"><button>x</button></form>",
    "<video><source onerror=\"window.__pwned=1\"></video>",
    "<audio src=x onerror=window.__pwned=1>",
    "<marquee onstart=window.__pwned=1>x</marquee>",
    "javascript:window.__pwned=1//",
    "</script><script>window.__pwned=1</script>",
    "<!--<img src=\"--><img src=x onerror=window.__pwned=1//\">",
    "<scr<script>ipt>window.__pwned=1</scr</script>ipt>",
    "&lt;script&gt;window.__pwned=1&lt;/script&gt;",
    "<a href=\"&#106;avascript:window.__pwned=1\">x</a>",
    "<svg><script>window.__pwned=1</script></svg>",
    "<div style=\"background:url(javascript:window.__pwned=1)\">x</div>",
    f"<img src=\"http://{EVIL}/pixel.gif\">",
    "\" onmouseover=\"window.__pwned=1\" x=\"",
]
URL_PAYLOADS = [  # URL fields must be http(s) addresses: these pass that rule and still look like attacks
    f"https://{EVIL}/?q=javascript:window.__pwned=1",
    f"https://{EVIL}/%22%3E%3Cscript%3Ewindow.__pwned=1%3C/script%3E",
    f"https://{EVIL}/&quot;onmouseover=window.__pwned=1",
    f"https://{EVIL}/#javascript:window.__pwned=1",
    f"https://{EVIL}/${{window.__pwned=1}}",
    f"http://{EVIL}/?{{{{7*7}}}}",
]
MARKDOWN_PAYLOADS = [  # links the build publishes (sanitised)
    f"![x](http://{EVIL}/track.gif)",
    f"[x](http://{EVIL}/ \"a\\\" onmouseover=\\\"window.__pwned=1\")",
]
LINK_PAYLOADS = [  # links the build refuses in a description or a page (tests/test_trust_links.py), so no page holds them
    "[x](javascript:window.__pwned=1)",
    "[x](JAVASCRIPT:window.__pwned=1)",
    "[x](&#106;avascript:window.__pwned=1)",
    "![x](javascript:window.__pwned=1)",
    "[x][r]\n\n[r]: javascript:window.__pwned=1",
    "<javascript:window.__pwned=1>",
    "[x](data:text/html;base64,PHNjcmlwdD5wYXJlbnQuX19wd25lZD0xPC9zY3JpcHQ+)",
    "<a href=\"javascript:window.__pwned=1\">x</a>",
    "<a href=\"&#106;avascript:window.__pwned=1\">x</a>",
]
MARKUP_PAYLOADS = MARKDOWN_PAYLOADS + [p for p in TEXT_PAYLOADS if p not in LINK_PAYLOADS]
TEXT_FIELDS = [  # (path, longest text the schema allows there)
    ("name", 80), ("vendor", 80), ("subcategory", 80), ("license", 60), ("summary", 160),
    ("support.forum_dedicated.reason", 300), ("support.clearcenter_pro.reason", 300),
    ("support.clearcenter_pro.alternative", 300), ("support.vendor.scope", 500),
    ("factors.knowledge.note", 300), ("factors.stability.note", 300), ("factors.vendor_relationship.note", 300),
]
URL_FIELDS = ["support.forum_casual.url", "support.vendor.url", "support.clearcenter_consulting.url",
              "links.homepage", "links.documentation"]
APPS = 6
WAIT = 30


def q(text: str) -> str:
    """Quote text as a YAML double-quoted scalar (JSON's string syntax is one)."""
    return json.dumps(text)


def app_yaml(i: int) -> str:
    """Write app number i with a payload in every text and URL field, cycling so each payload lands in several."""
    values = {}
    for k, (path, limit) in enumerate(TEXT_FIELDS):
        payload = TEXT_PAYLOADS[(i * len(TEXT_FIELDS) + k) % len(TEXT_PAYLOADS)]
        values[path] = (f"A{i} {payload}" if path == "name" else payload)[:limit]
    for k, path in enumerate(URL_FIELDS):
        values[path] = URL_PAYLOADS[(i * len(URL_FIELDS) + k) % len(URL_PAYLOADS)]
    description = "\n\n".join(MARKDOWN_PAYLOADS + [p for p in TEXT_PAYLOADS[i::APPS] if p not in LINK_PAYLOADS])
    v = lambda path: q(values[path])  # noqa: E731
    return f"""\
name: {v('name')}
vendor: {v('vendor')}
category: Server
subcategory: {v('subcategory')}
license: {v('license')}
summary: {v('summary')}
description: {q(description)}
links:
  homepage: {v('links.homepage')}
  documentation: {v('links.documentation')}
support:
  forum_casual:
    available: true
    url: {v('support.forum_casual.url')}
  forum_dedicated:
    available: false
    reason: {v('support.forum_dedicated.reason')}
  vendor:
    available: true
    url: {v('support.vendor.url')}
    email: help@vendor.example
    hours: Monday to Friday, 09:00 to 17:00
    timezone: Europe/London
    response_time: 2 business days
    scope: {v('support.vendor.scope')}
  clearcenter_pro:
    available: false
    reason: {v('support.clearcenter_pro.reason')}
    alternative: {v('support.clearcenter_pro.alternative')}
  clearcenter_consulting:
    available: true
    url: {v('support.clearcenter_consulting.url')}
factors:
  knowledge:
    level: medium
    note: {v('factors.knowledge.note')}
  stability:
    level: high
    note: {v('factors.stability.note')}
  vendor_relationship:
    level: low
    note: {v('factors.vendor_relationship.note')}
level2:
  covered: false
  articles: [software-raid-5]
reviewed: 2026-01-15
"""


def doc_page(title: str, summary: str, extra: str = "") -> str:
    body = "\n\n".join(MARKUP_PAYLOADS)
    return f"---\ntitle: {q(title)}\nsummary: {q(summary)}\n{extra}---\n{body}\n"


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory) -> Path:
    """Build a site whose every contributor field holds an XSS payload."""
    root = tmp_path_factory.mktemp("xss") / "proj"
    (root / "content/apps").mkdir(parents=True)
    for name in ("methods.yaml", "factors.yaml", "site.yaml"):
        shutil.copy(REPO / "content" / name, root / "content" / name)
    shutil.copytree(REPO / "templates", root / "templates")
    shutil.copytree(REPO / "static", root / "static")
    for i in range(APPS):
        (root / f"content/apps/xss_{i}.yaml").write_text(app_yaml(i), encoding="utf-8")
    (root / "content/docs/level2").mkdir(parents=True)
    (root / "content/docs/level2/index.md").write_text(LEVEL2_INDEX, encoding="utf-8")
    (root / "content/docs/level2/software-raid-5.md").write_text(
        doc_page(TEXT_PAYLOADS[0], TEXT_PAYLOADS[1], "order: 1\n"), encoding="utf-8")
    (root / "content/docs/policy.md").write_text(doc_page(TEXT_PAYLOADS[2][:80], TEXT_PAYLOADS[3], "legend: true\n"), encoding="utf-8")
    out = root / "site"
    build(root, out, history_mode=None)   # not a git checkout
    # A control page that does run script and does leak: it proves the checks below can see both.
    (root / "control").mkdir()
    (root / "control/index.html").write_text(
        f"<!DOCTYPE html><title>control</title><script>window.__pwned=1</script><img src=\"http://{EVIL}:9/x.gif\">",
        encoding="utf-8")
    return root


def test_every_field_holds_a_payload_and_there_are_at_least_40():
    assert len(TEXT_PAYLOADS) + len(URL_PAYLOADS) + len(MARKDOWN_PAYLOADS) + len(LINK_PAYLOADS) >= 40
    placed = {TEXT_PAYLOADS[(i * len(TEXT_FIELDS) + k) % len(TEXT_PAYLOADS)] for i in range(APPS) for k in range(len(TEXT_FIELDS))}
    assert placed == set(TEXT_PAYLOADS)
    placed_urls = {URL_PAYLOADS[(i * len(URL_FIELDS) + k) % len(URL_PAYLOADS)] for i in range(APPS) for k in range(len(URL_FIELDS))}
    assert placed_urls == set(URL_PAYLOADS)


def test_link_payloads_are_refused_in_descriptions_and_pages():
    from policysite.content.markup import render_app_markdown, render_doc_markdown

    assert all(render_app_markdown(p).refusals and render_doc_markdown(p).refusals for p in LINK_PAYLOADS)
    assert not any(render_app_markdown(p).refusals or render_doc_markdown(p).refusals for p in MARKUP_PAYLOADS)


def serve(folder: Path):
    handler = functools.partial(QuietHandler, directory=str(folder))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd


@pytest.fixture(scope="module")
def watched_browser(tmp_path_factory):
    """Headless Debian Chromium that keeps dialogs open and logs every network request."""
    require_chromium()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = chrome_options(tmp_path_factory.mktemp("xss-profile"))
    options.add_argument(f"--host-resolver-rules=MAP {EVIL} 127.0.0.3")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    options.set_capability("unhandledPromptBehavior", "ignore")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SE_OFFLINE", "true")
        driver = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(WAIT)
    try:
        yield driver
    finally:
        driver.quit()


def visit(driver, url: str) -> dict:
    """Load a page, poke every element as a user might, and report dialogs and the sentinel."""
    driver.get(url)
    return poke(driver)


def poke(driver) -> dict:
    """Poke every element of the page as a user might, and report dialogs and the sentinel."""
    from selenium.common.exceptions import NoAlertPresentException

    driver.execute_script(
        "for (const e of document.querySelectorAll('*')) {"
        "  for (const kind of ['mouseover', 'mouseenter', 'focus', 'click']) {"
        "    if (kind === 'click' && e.closest('a[href], form, button')) continue;"  # no navigation away
        "    e.dispatchEvent(new Event(kind, {bubbles: true}));"
        "  }"
        "}")
    time.sleep(0.3)  # let timers, autofocus and media errors fire
    dialogs = []
    try:
        while True:
            alert = driver.switch_to.alert
            dialogs.append(alert.text)
            alert.dismiss()
    except NoAlertPresentException:
        pass
    return {"dialogs": dialogs, "sentinel": driver.execute_script(f"return typeof {SENTINEL} === 'undefined' ? null : {SENTINEL}")}


def requests_seen(driver) -> list[str]:
    """Return the URL of every request the browser started since the last call."""
    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] in ("Network.requestWillBeSent", "Network.webSocketCreated"):
            urls.append(message["params"].get("request", {}).get("url") or message["params"].get("url"))
    return urls


def test_the_checks_catch_a_page_that_runs_script_and_leaks(hostile_site, watched_browser):
    httpd = serve(hostile_site)
    try:
        base = f"http://127.0.0.1:{httpd.server_address[1]}/"
        requests_seen(watched_browser)
        assert visit(watched_browser, base + "control/")["sentinel"] == 1
        assert any(url.startswith(f"http://{EVIL}:9/") for url in requests_seen(watched_browser))
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_no_payload_runs_and_no_request_leaves_the_site_on_any_page(hostile_site, watched_browser):
    site = hostile_site / "site"
    httpd = serve(site)
    try:
        base = f"http://127.0.0.1:{httpd.server_address[1]}/"
        pages = sorted(p.relative_to(site).as_posix() for p in site.rglob("*.html"))
        assert len(pages) >= APPS + 4
        requests_seen(watched_browser)
        results = {page: visit(watched_browser, base + page) for page in pages}
        leaks = [url for url in requests_seen(watched_browser) if not url.startswith(base)]
    finally:
        httpd.shutdown()
        httpd.server_close()
    assert {page: r for page, r in results.items() if r["dialogs"] or r["sentinel"] is not None} == {}
    assert leaks == []


def test_rows_the_catalogue_draws_from_hostile_text_run_nothing_and_are_the_servers_rows(hostile_site, watched_browser):
    site = hostile_site / "site"
    httpd = serve(site)
    try:
        base = f"http://127.0.0.1:{httpd.server_address[1]}/"
        requests_seen(watched_browser)
        drawn, served, _ = drawn_and_served_rows(watched_browser, base, site)   # leaves every row drawn
        shown = watched_browser.execute_script("return document.querySelectorAll('ul.app-list:not([hidden]) > li.app-row').length")
        drawn_page = poke(watched_browser)
        leaks = [url for url in requests_seen(watched_browser) if not url.startswith(base)]
    finally:
        httpd.shutdown()
        httpd.server_close()
    assert sorted(drawn) == sorted(served) == [f"xss_{i}" for i in range(APPS)]
    assert {basename: row["resolved"] for basename, row in drawn.items()} == served
    assert shown == APPS and drawn_page == {"dialogs": [], "sentinel": None}
    assert leaks == []
