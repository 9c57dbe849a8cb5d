"""The feed as clients use it, in headless Chromium: old Webconfig's `supported & bit` swatches, and the
<support-policy> widget (renders like the site, greys out, hides, survives failed fetches and unknown apps)."""

from __future__ import annotations

import http.server
import json
import socket

import pytest
import yaml
from selenium.webdriver.support.ui import WebDriverWait

from browser import (  # noqa: F401  fixtures are used by name
    serving,
    REPO, browser, built_site, css_colour_to_hex, feed, open_page, site_url,
)

METHODS = yaml.safe_load((REPO / "content/methods.yaml").read_text(encoding="utf-8"))["methods"]
OLD_WEBCONFIG_JS = (REPO / "tests/js/old_webconfig.js").read_text(encoding="utf-8")
EXAMPLE = "embed/example.html"
SETTLED = ("ready", "hidden", "unknown", "failed")


def app_yaml(basename: str) -> dict:
    return yaml.safe_load((REPO / f"content/apps/{basename}.yaml").read_text(encoding="utf-8"))


# --- Old Webconfig -----------------------------------------------------------------------------

# call(json): hand json to the fixture's get_support_policy with an empty sidebar; return the rows it
# drew, each a list of [bit, fill colour], one per swatch.
OLD_WEBCONFIG_CALL = """
const hex = (c) => '#' + c.match(/\\d+/g).slice(0, 3).map((n) => Number(n).toString(16).padStart(2, '0')).join('');
const call = (json) => {
  const sidebar = document.createElement('div');
  document.body.append(sidebar);
  OLD_WEBCONFIG.get_support_policy(json, sidebar);
  const rows = [...sidebar.children].map((row) =>
    [...row.querySelectorAll('[data-bit]')].map((s) => [Number(s.dataset.bit), hex(getComputedStyle(s).backgroundColor)]));
  sidebar.remove();
  return rows;
};
"""

# The embedding page does what old Webconfig's app-details page did: fetch one app's document and hand
# the parsed object itself to get_support_policy. Webconfig's server added `hide_support_policy` to
# that reply; here the page adds it to the fetched object before the call (left out, false, true).
CALL_AS_OLD_WEBCONFIG = OLD_WEBCONFIG_CALL + """
const [paths, done] = arguments;
const variants = {absent: undefined, false: false, true: true};
(async () => {
  const result = {};
  for (const path of paths) {
    const reply = await fetch(path);
    if (!reply.ok) throw new Error(`${path}: HTTP ${reply.status}`);
    const text = await reply.text();
    result[path] = {};
    for (const [label, hide] of Object.entries(variants)) {
      const json = JSON.parse(text);
      if (hide !== undefined) json.hide_support_policy = hide;
      result[path][label] = call(json);
    }
  }
  return result;
})().then(done, (e) => done({error: String(e)}));
"""

# feed.json and the index list each app as an object with `supported` at its top level.
CALL_WITH_LIST_ENTRIES = OLD_WEBCONFIG_CALL + """
const [done] = arguments;
(async () => {
  const result = {};
  for (const path of ['feed.json', 'api/v1/index.json']) {
    const list = (await (await fetch(path)).json()).apps;
    result[path] = Object.fromEntries(list.map((entry) => [entry.basename, call(entry)]));
  }
  return result;
})().then(done, (e) => done({error: String(e)}));
"""


def old_webconfig_page(browser, site_url) -> dict:
    """Open a page of the site, load the old-Webconfig fixture into it, and return its palette."""
    open_page(browser, site_url)
    browser.execute_script(OLD_WEBCONFIG_JS)
    return browser.execute_script("return {colours: OLD_WEBCONFIG.colours, grey: OLD_WEBCONFIG.grey}")


def expected_row(basename: str, palette: dict) -> list[list]:
    """Return the swatches old Webconfig should draw for an app: its available methods coloured, the others grey."""
    support = app_yaml(basename)["support"]
    return [[m["bit"], palette["colours"][str(m["bit"])] if support[m["id"]]["available"] else palette["grey"]]
            for m in METHODS]


def test_old_webconfig_draws_every_app_file_passed_to_it_as_fetched_as_its_yaml_says(browser, site_url, built_site):
    """Each api/v1/apps/<basename>.json, handed whole to get_support_policy: one row, as the YAML says; none when hidden."""
    palette = old_webconfig_page(browser, site_url)
    basenames = sorted(p.stem for p in (built_site / "api/v1/apps").glob("*.json"))
    assert basenames == sorted(p.stem for p in (REPO / "content/apps").glob("*.yaml"))
    paths = [f"api/v1/apps/{name}.json" for name in basenames]
    drawn = browser.execute_async_script(CALL_AS_OLD_WEBCONFIG, paths)
    assert "error" not in drawn, drawn
    assert sorted(drawn) == paths
    for name, path in zip(basenames, paths):
        row = expected_row(name, palette)
        assert drawn[path] == {"absent": [row], "false": [row], "true": []}, path


def test_old_webconfig_draws_every_entry_of_feed_json_and_the_index_as_its_yaml_says(browser, site_url, feed):
    palette = old_webconfig_page(browser, site_url)
    drawn = browser.execute_async_script(CALL_WITH_LIST_ENTRIES)
    assert "error" not in drawn, drawn
    basenames = sorted(p.stem for p in (REPO / "content/apps").glob("*.yaml"))
    for path, entries in drawn.items():
        assert sorted(entries) == basenames, path
        for name in basenames:
            assert entries[name] == [expected_row(name, palette)], f"{path}: {name}"


def test_old_webconfig_bits_are_the_legend_bits_in_order():
    assert [m["bit"] for m in METHODS] == [1, 2, 4, 8, 16]


# --- The widget --------------------------------------------------------------------------------

READ_LEGEND = """
const [root, rowSelector] = arguments;
const hex = (c) => '#' + c.match(/\\d+/g).slice(0, 3).map((n) => Number(n).toString(16).padStart(2, '0')).join('');
return [...root.querySelectorAll(rowSelector)].map((row) => {
  const swatch = row.querySelector('.swatch'), title = row.querySelector('.method-title'), state = row.querySelector('.method-state');
  const s = getComputedStyle(swatch), t = getComputedStyle(title);
  return {
    method: row.dataset.method, marker: swatch.textContent.trim(), title: title.textContent.trim(),
    state: state.textContent.trim(), swatch_hidden_from_readers: swatch.getAttribute('aria-hidden'),
    fill: hex(s.backgroundColor), outline: hex(s.borderTopColor), outline_style: s.borderTopStyle, ink: hex(s.color),
    marker_line: s.textDecorationLine, title_line: t.textDecorationLine, visible: swatch.getBoundingClientRect().width > 0,
    hollow: s.backgroundColor === 'rgba(0, 0, 0, 0)',
  };
});
"""

ADD_WIDGET = """
const [id, attributes] = arguments;
document.getElementById(id)?.remove();
const el = document.createElement('support-policy');
el.id = id;
for (const [k, v] of Object.entries(attributes)) el.setAttribute(k, v);
document.querySelector('main').append(el);
"""


def widget_state(browser, widget_id: str) -> str | None:
    return browser.execute_script("return document.getElementById(arguments[0])?.getAttribute('data-state')", widget_id)


def wait_settled(browser, widget_id: str) -> str:
    """Wait (at most 20 s, only to stop a hang) until the widget shows its final state."""
    WebDriverWait(browser, 20).until(lambda d: widget_state(d, widget_id) in SETTLED)
    return widget_state(browser, widget_id)


def add_widget(browser, widget_id: str, **attributes) -> str:
    browser.execute_script(ADD_WIDGET, widget_id, attributes)
    return wait_settled(browser, widget_id)


def widget_links(browser, widget_id: str) -> list[tuple[str, str]]:
    return [tuple(link) for link in browser.execute_script(
        "return [...document.getElementById(arguments[0]).shadowRoot.querySelectorAll('a')]"
        ".map((a) => [a.textContent, a.href])", widget_id)]


def widget_box(browser, widget_id: str) -> dict:
    return browser.execute_script(
        "const el = document.getElementById(arguments[0]), r = el.getBoundingClientRect();"
        "return {height: r.height, width: r.width, text: el.shadowRoot.textContent.trim(),"
        " list: el.shadowRoot.querySelector('ul')?.getAttribute('aria-label') ?? null}", widget_id)


@pytest.fixture
def example(browser, site_url):
    """Open the widget's example page and return the site's address."""
    open_page(browser, site_url + EXAMPLE)
    assert wait_settled(browser, "demo-app") == "ready"
    return site_url


def test_widget_draws_the_same_legend_as_the_app_page(browser, example, feed):
    app = browser.execute_script("return document.getElementById('demo-app').getAttribute('app')")
    entry = next(a for a in feed["apps"] if a["basename"] == app)
    assert {m["available"] for m in entry["methods"]} == {True, False}, "the example should show both states"
    widget = browser.execute_script(READ_LEGEND, browser.execute_script(
        "return document.getElementById('demo-app').shadowRoot"), "li.method")
    open_page(browser, entry["url"].replace(feed["home_page_url"], example))
    page = browser.execute_script(READ_LEGEND, browser.execute_script("return document"), "ul.legend > li.method")
    assert widget == page
    available = {m["id"]: m["available"] for m in entry["methods"]}
    for row, method in zip(widget, METHODS):
        assert (row["method"], row["marker"], row["title"]) == (method["id"], method["marker"], method["title"])
        assert row["visible"] and row["swatch_hidden_from_readers"] == "true"
        if available[method["id"]]:
            assert (row["fill"], row["outline"], row["state"]) == (method["colour"], method["outline"], "Available")
        else:  # hollow (no fill at all), dashed, the letter left whole, and said in words
            assert row["hollow"] and row["outline_style"] == "dashed"
            assert row["marker_line"] == "none" and row["state"] == "Not available"


def test_widget_legend_is_labelled_and_links_to_the_app_page(browser, example, feed):
    app = browser.execute_script("return document.getElementById('demo-app').getAttribute('app')")
    entry = next(a for a in feed["apps"] if a["basename"] == app)
    assert widget_box(browser, "demo-app")["list"] == f"Support policy for {entry['name']}"
    assert widget_links(browser, "demo-app") == [(f"How to get support for {entry['name']}", entry["url"])]


def test_widget_shows_every_app_as_its_yaml_says(browser, example):
    basenames = [p.stem for p in sorted((REPO / "content/apps").glob("*.yaml"))]
    for name in basenames:
        browser.execute_script(ADD_WIDGET, f"w-{name}", {"app": name})
    for name in basenames:
        assert wait_settled(browser, f"w-{name}") == "ready", name
        rows = browser.execute_script(
            "return [...document.getElementById(arguments[0]).shadowRoot.querySelectorAll('li.method')]"
            ".map((li) => [li.dataset.method, li.querySelector('.method-state').textContent])", f"w-{name}")
        support = app_yaml(name)["support"]
        assert rows == [[m["id"], "Available" if support[m["id"]]["available"] else "Not available"] for m in METHODS], name


def test_hidden_widget_shows_nothing_and_fetches_nothing_until_shown(browser, example, other_server, built_site):
    assert widget_state(browser, "demo-hidden") == "hidden"
    assert widget_box(browser, "demo-hidden") == {"height": 0, "width": 0, "text": "", "list": None}
    root = serve_case(other_server, "hidden", 200, real_document(built_site))
    requests = lambda: [p for p in CraftedHandler.seen if p.startswith("/hidden/")]  # noqa: E731
    assert add_widget(browser, "toggled", app="web_proxy", feed=root, hide="") == "hidden"
    assert requests() == [] and widget_box(browser, "toggled")["height"] == 0
    browser.execute_script("document.getElementById('toggled').removeAttribute('hide')")
    assert wait_settled(browser, "toggled") == "ready" and widget_box(browser, "toggled")["height"] > 0
    assert requests() == ["/hidden/api/v1/apps/web_proxy.json"]
    browser.execute_script("document.getElementById('toggled').setAttribute('hide', '')")
    WebDriverWait(browser, 20).until(lambda d: widget_state(d, "toggled") == "hidden")
    assert widget_box(browser, "toggled") == {"height": 0, "width": 0, "text": "", "list": None}


def test_unknown_app_shows_a_plain_link_to_all_apps(browser, example):
    assert add_widget(browser, "unknown", app="no_such_app_here") == "unknown"
    assert widget_links(browser, "unknown") == [("Support policies of ClearOS apps", example)]
    assert widget_box(browser, "unknown")["list"] is None


@pytest.mark.parametrize("basename", ["../../feed", "<b>x</b>", "Web_Proxy", ""])
def test_malformed_basename_is_never_fetched(browser, example, other_server, basename):
    root = f"{other_server}malformed/"
    assert add_widget(browser, "malformed", app=basename, feed=root) == "unknown"
    assert widget_links(browser, "malformed") == [("Support policies of ClearOS apps", root)]
    assert [p for p in CraftedHandler.seen if p.startswith("/malformed/")] == []


def free_port() -> int:
    """Return a port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_failed_fetch_shows_a_plain_link_to_the_app_page(browser, example):
    root = f"http://127.0.0.1:{free_port()}/"
    assert add_widget(browser, "offline", app="web_proxy", feed=root) == "failed"
    assert widget_links(browser, "offline") == [("Support policy for web_proxy", root + "apps/web_proxy/")]
    assert widget_box(browser, "offline")["list"] is None


# --- The widget against another server, as from Webconfig's origin ------------------------------

class CraftedHandler(http.server.BaseHTTPRequestHandler):
    """Serve fixed replies from `routes`: path -> (status, body, headers)."""

    routes: dict = {}
    seen: list = []  # every path asked for, in order

    def do_GET(self):  # noqa: N802 - name fixed by the base class
        self.seen.append(self.path)
        status, body, headers = self.routes.get(self.path, (404, b"no such file", {"Access-Control-Allow-Origin": "*"}))
        self.send_response(status)
        for name, value in {"Content-Type": "application/json", **headers}.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format, *args):  # noqa: A002
        pass


@pytest.fixture(scope="module")
def other_server():
    """Another origin on 127.0.0.1; tests put replies in CraftedHandler.routes and read CraftedHandler.seen."""
    with serving(CraftedHandler) as url:
        yield url


def serve_case(other_server: str, case: str, status: int, body, cors: bool = True) -> str:
    """Serve one reply for app 'web_proxy' under /<case>/; return that feed root."""
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    CraftedHandler.routes[f"/{case}/api/v1/apps/web_proxy.json"] = (
        status, raw, {"Access-Control-Allow-Origin": "*"} if cors else {})
    return f"{other_server}{case}/"


def real_document(built_site) -> dict:
    return json.loads((built_site / "api/v1/apps/web_proxy.json").read_bytes())


def test_widget_reads_a_feed_on_another_origin_that_allows_it(browser, example, other_server, built_site):
    root = serve_case(other_server, "cors", 200, real_document(built_site))
    assert add_widget(browser, "cors", app="web_proxy", feed=root) == "ready"


def altered(built_site, change) -> dict:
    doc = real_document(built_site)
    change(doc)
    return doc


BROKEN = {
    "server error": lambda built_site: (500, b"oops", True),
    "not JSON": lambda built_site: (200, b"<html>maintenance</html>", True),
    "half written": lambda built_site: (200, (built_site / "api/v1/apps/web_proxy.json").read_bytes()[:300], True),
    "no CORS header": lambda built_site: (200, json.dumps(real_document(built_site)).encode(), False),
    "next major version": lambda built_site: (200, altered(built_site, lambda d: d.update(feed_version="2.0")), True),
    "no legend": lambda built_site: (200, altered(built_site, lambda d: d.pop("legend")), True),
    "colour that is not a colour": lambda built_site: (
        200, altered(built_site, lambda d: d["legend"][0].update(colour="red;background:url(//evil.example/x)")), True),
    "script address for the page": lambda built_site: (
        200, altered(built_site, lambda d: d["app"].update(url="javascript:alert(1)")), True),
}


@pytest.mark.parametrize("case", BROKEN, ids=list(BROKEN))
def test_widget_survives_a_broken_reply_with_a_plain_link(browser, example, other_server, built_site, case):
    status, body, cors = BROKEN[case](built_site)
    root = serve_case(other_server, case.replace(" ", "-"), status, body, cors)
    assert add_widget(browser, "broken", app="web_proxy", feed=root) == "failed"
    assert widget_links(browser, "broken") == [("Support policy for web_proxy", root + "apps/web_proxy/")]


def test_hostile_text_in_the_feed_is_shown_as_text(browser, example, other_server, built_site):
    hostile = '<img src=x onerror="window.pwned=1">'
    doc = altered(built_site, lambda d: (d["legend"][0].update(title=hostile), d["app"].update(name=hostile)))
    root = serve_case(other_server, "hostile", 200, doc)
    assert add_widget(browser, "hostile", app="web_proxy", feed=root) == "ready"
    titles, images, pwned = browser.execute_script(
        "const r = document.getElementById('hostile').shadowRoot;"
        "return [[...r.querySelectorAll('.method-title')].map((t) => t.textContent), r.querySelectorAll('img').length,"
        " window.pwned ?? null]")
    assert titles[0] == hostile and images == 0 and pwned is None
    assert widget_box(browser, "hostile")["list"] == f"Support policy for {hostile}"


def test_example_page_logs_no_errors(browser, site_url):
    browser.get_log("browser")
    open_page(browser, site_url + EXAMPLE)
    wait_settled(browser, "demo-app")
    errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE" and "/favicon.ico " not in e["message"]]
    assert errors == []


def test_widget_works_on_another_origin_under_a_strict_content_security_policy(browser, other_server, site_url,
                                                                               built_site):
    """As in Webconfig: the page is elsewhere, loads the script from the site, and bans inline styles."""
    policy = f"default-src 'none'; script-src {site_url}; connect-src 'self'; style-src 'self'"
    page = (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Webconfig</title>'
            f'<script src="{site_url}embed/support-policy.js" defer></script></head><body><main>'
            f'<support-policy id="csp" app="web_proxy" feed="{other_server}csp/"></support-policy></main></body></html>')
    CraftedHandler.routes["/csp/page.html"] = (200, page.encode(), {
        "Content-Type": "text/html; charset=utf-8", "Content-Security-Policy": policy})
    serve_case(other_server, "csp", 200, real_document(built_site))
    browser.get_log("browser")
    open_page(browser, other_server + "csp/page.html")
    assert wait_settled(browser, "csp") == "ready"
    legend = browser.execute_script(READ_LEGEND, browser.execute_script(
        "return document.getElementById('csp').shadowRoot"), "li.method")
    doc = real_document(built_site)
    available = {m["id"]: m["available"] for m in doc["app"]["methods"]}
    assert [row["fill"] == m["colour"] for row, m in zip(legend, doc["legend"])] == [available[m["id"]] for m in doc["legend"]]
    assert all(row["outline_style"] == ("solid" if available[row["method"]] else "dashed") for row in legend)
    violations = [e for e in browser.get_log("browser") if "Content Security Policy" in e["message"]]
    assert violations == []


def test_content_inside_the_element_shows_only_without_the_script(browser, example):
    inside = browser.execute_script(
        "const a = document.querySelector('#demo-app > a'); const r = a.getBoundingClientRect();"
        "return [a.textContent, r.width, r.height]")
    assert inside[0].startswith("Support policy for") and inside[1:] == [0, 0]
