"""Browser-test helpers and session fixtures: the built site over HTTP, one headless Debian Chromium.

tests/conftest.py already exists, so the fixtures live here; test modules import them by name.
"""

from __future__ import annotations

import base64
import contextlib
import functools
import http.server
import json
import os
import re
import struct
import sys
import threading
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from policysite.engine.recipe import build  # noqa: E402
from policysite.languages import not_found_page  # noqa: E402
from policysite.problems import ContentError  # noqa: E402

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
LAUNCH_FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-quic",
)
DESKTOP = (1280, 900)
PHONE = (360, 800)
NARROWEST = (320, 700)
SCREENSHOT_DIR = REPO / "test-artifacts" / "screenshots"
# npm packages the tests use, installed by scripts/test-all into this git-ignored folder.
NPM_DIR = REPO / ".cache" / "npm" / "node_modules"
AXE_JS = NPM_DIR / "axe-core" / "axe.min.js"
VNU_JAR = NPM_DIR / "vnu-jar" / "build" / "dist" / "vnu.jar"


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    """Serve files without printing a line per request; answer a missing page with 404.html, as the host does."""

    def log_message(self, format, *args):  # noqa: A002 - signature of the base class
        pass

    def send_error(self, code, message=None, explain=None):
        """Send the site's own 404 page for a missing file."""
        pages = [Path(self.directory) / name for name in not_found_page(self.path)]   # /de/... gets de/404.html
        page = next((p for p in pages if p.is_file()), pages[-1])
        if code != 404 or not page.is_file():
            return super().send_error(code, message, explain)
        body = page.read_bytes()
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)


def require_chromium() -> None:
    """Fail (never skip) when Debian's Chromium or its driver is missing."""
    missing = [str(p) for p in (CHROMIUM, CHROMEDRIVER) if not (p.is_file() and os.access(p, os.X_OK))]
    if missing:
        pytest.fail(f"browser tests need {' and '.join(missing)}; install them with: "
                    "apt-get install -y chromium chromium-driver", pytrace=False)


def chrome_options(profile_dir: Path):
    """Return Chrome options for Debian's headless Chromium with a fresh profile and console logging."""
    from selenium.webdriver import ChromeOptions

    options = ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in LAUNCH_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile_dir}")
    # "performance" carries the DevTools network events: the request log the no-outside-request test reads.
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    return options


def set_viewport(driver, width: int, height: int) -> None:
    """Resize the window so the page viewport (window.innerWidth) is exactly width CSS pixels."""
    driver.set_window_size(width, height)
    inner = driver.execute_script("return window.innerWidth")
    if inner != width:  # window chrome takes space: grow the window by the difference
        driver.set_window_size(width + (width - inner), height)
        inner = driver.execute_script("return window.innerWidth")
    assert inner == width, f"could not make the viewport {width}px wide; window.innerWidth is {inner}"


def set_phone_width(driver) -> None:
    """Make the viewport 360 CSS pixels wide, like a small phone."""
    set_viewport(driver, *PHONE)


def set_desktop(driver) -> None:
    """Make the viewport the default 1280x900 desktop size."""
    set_viewport(driver, *DESKTOP)


def open_page(driver, url: str, size: tuple[int, int] = DESKTOP) -> None:
    """Set the viewport size, then load url and wait for it to finish loading."""
    set_viewport(driver, *size)
    driver.get(url)


def css_colour_to_hex(value: str) -> str:
    """Turn a computed 'rgb(r, g, b)' or 'rgba(r, g, b, a)' into '#rrggbb' ('#rrggbbaa' if not opaque)."""
    match = re.fullmatch(r"rgba?\(\s*(\d+),\s*(\d+),\s*(\d+)(?:,\s*([\d.]+))?\s*\)", value.strip())
    assert match, f"not an rgb() colour: {value!r}"
    r, g, b, a = match.groups()
    hex_colour = "#" + "".join(f"{int(c):02x}" for c in (r, g, b))
    return hex_colour if a is None or float(a) == 1 else hex_colour + f"{round(float(a) * 255):02x}"


def computed(driver, element, prop: str) -> str:
    """Return one computed CSS property of an element, as the browser reports it."""
    return driver.execute_script("return getComputedStyle(arguments[0]).getPropertyValue(arguments[1])", element, prop)


def overflowing_elements(driver, limit: int = 5) -> list[str]:
    """Describe the outermost elements whose right edge passes the viewport, for failure messages."""
    return driver.execute_script(
        "const w = document.documentElement.clientWidth, out = [];"
        "for (const e of document.body.querySelectorAll('*')) {"
        "  const r = e.getBoundingClientRect();"
        "  if (r.right > w + 0.5 && !out.some(o => o.contains(e))) out.push(e);"
        "}"
        "return out.slice(0, arguments[0]).map(e => e.tagName.toLowerCase()"
        "  + (e.className ? '.' + String(e.className).trim().split(/\\s+/).join('.') : '')"
        "  + ' (' + Math.round(e.getBoundingClientRect().width) + 'px wide, right edge at '"
        "  + Math.round(e.getBoundingClientRect().right) + 'px)');", limit)


def png_size(path: Path) -> tuple[int, int]:
    """Return (width, height) of a PNG file, checking its signature."""
    data = path.read_bytes()[:24]
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    return struct.unpack(">II", data[16:24])


def screenshot(driver, name: str) -> Path:
    """Save a full-page PNG of the current page to test-artifacts/screenshots/<name>.png."""
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    # Rows off screen are drawn only once scrolled near (content-visibility): show them as a reader scrolling would.
    driver.execute_script("const s = document.createElement('style'); s.id = 'screenshot-all-visible';"
                          "s.textContent = '* { content-visibility: visible !important; }'; document.head.append(s);")
    try:
        width, height = driver.execute_script(
            "const d = document.documentElement;"
            "return [Math.max(d.scrollWidth, window.innerWidth), Math.max(d.scrollHeight, window.innerHeight)]")
        shot = driver.execute_cdp_cmd("Page.captureScreenshot", {
            "format": "png", "captureBeyondViewport": True,
            "clip": {"x": 0, "y": 0, "width": width, "height": height, "scale": 1},
        })
    finally:
        driver.execute_script("document.getElementById('screenshot-all-visible').remove();")
    path = SCREENSHOT_DIR / f"{name}.png"
    path.write_bytes(base64.b64decode(shot["data"]))
    return path


def require_npm_file(path: Path) -> Path:
    """Fail (never skip) when a file from the test npm packages is missing."""
    if not path.is_file():
        pytest.fail(f"{path.relative_to(REPO)} is missing; run `sh scripts/test-all` once (it installs the test npm packages "
                    "into .cache/npm)", pytrace=False)
    return path


def emulate_media(driver, media: str = "", **features: str) -> None:
    """Emulate a media type ('print', 'screen' or '' for none) and media features such as prefers_color_scheme='dark'."""
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {
        "media": media,
        "features": [{"name": name.replace("_", "-"), "value": value} for name, value in features.items()],
    })


@contextlib.contextmanager
def emulated_media(driver, media: str = "", **features: str):
    """Emulate media for the duration of a with-block, then go back to the browser's defaults."""
    emulate_media(driver, media, **features)
    try:
        yield
    finally:
        emulate_media(driver, "", prefers_color_scheme="", prefers_reduced_motion="")


@contextlib.contextmanager
def scripts_disabled(driver):
    """Load pages with JavaScript switched off for the duration of a with-block."""
    driver.execute_cdp_cmd("Emulation.setScriptExecutionDisabled", {"value": True})
    try:
        yield
    finally:
        driver.execute_cdp_cmd("Emulation.setScriptExecutionDisabled", {"value": False})


def run_axe(driver) -> list[dict]:
    """Inject axe-core into the loaded page, run every rule it enables by default, return the violations."""
    driver.execute_script(require_npm_file(AXE_JS).read_text(encoding="utf-8"))
    result = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {resultTypes: ['violations']})"
        "  .then(r => done({violations: r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,"
        "    nodes: v.nodes.map(n => n.target.join(' ') + ': ' + n.failureSummary)}))}))"
        "  .catch(e => done({error: String(e)}));")
    assert "error" not in result, f"axe-core failed to run: {result.get('error')}"
    return result["violations"]


def requested_urls(driver) -> list[str]:
    """Return every URL the browser asked for since the request log was last read."""
    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message.get("method") == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    return urls


# Collects the catalogue's rows by app: the first view's as served; every category page's, fetched and parsed by the
# browser; and every row catalogue.js draws, one category at a time with every "Show more" pressed. A row's app
# link is the one part that depends on the page's depth, so each is also given with that link made absolute.
ROWS_JS = """
const pages = arguments[0], done = arguments[arguments.length - 1];
const resolved = (row, base) => {
  const copy = row.cloneNode(true), link = copy.querySelector('a.app-name');
  if (link) link.setAttribute('href', new URL(link.getAttribute('href'), base).href);
  return copy.outerHTML;
};
(async () => {
  const first = {}, served = {}, drawn = {};
  for (const row of document.querySelectorAll('li.app-row')) first[row.dataset.app] = row.outerHTML;
  for (const page of pages) {
    const doc = new DOMParser().parseFromString(await (await fetch(page)).text(), 'text/html');
    for (const row of doc.querySelectorAll('li.app-row')) served[row.dataset.app] = resolved(row, page);
  }
  const select = document.getElementById('filter-category');
  for (const option of [...select.options].filter((o) => o.value)) {
    select.value = option.value;
    select.dispatchEvent(new Event('change', {bubbles: true}));
    while (document.getElementById('match-count').textContent.startsWith('Loading')) await new Promise((r) => setTimeout(r, 20));
    for (let more; (more = [...document.querySelectorAll('button.show-more')].find((b) => !b.hidden));) more.click();
    for (const row of document.querySelectorAll('ul.app-list:not([hidden]) > li.app-row')) {
      drawn[row.dataset.app] = {raw: row.outerHTML, resolved: resolved(row, location.href)};
    }
  }
  done([drawn, served, first]);
})().catch((e) => done(String(e)));
"""


def drawn_and_served_rows(driver, site_url: str, site_dir: Path) -> tuple[dict, dict, dict]:
    """Return, by app, the rows catalogue.js draws ({"raw", "resolved"}), the rows the category pages serve
    (resolved) and the first view's rows (raw), each as the browser serialises it (see ROWS_JS)."""
    pages = sorted(p.parent.relative_to(site_dir).as_posix() + "/" for p in (site_dir / "categories").rglob("index.html"))
    driver.get(site_url)
    result = driver.execute_async_script(ROWS_JS, [site_url + page for page in pages])
    assert isinstance(result, list), f"collecting the rows failed: {result}"
    return tuple(result)


@pytest.fixture(scope="session")
def built_site(tmp_path_factory) -> Path:
    """Build the real project once per session into a temporary folder."""
    out_dir = tmp_path_factory.mktemp("browser-site") / "site"
    try:
        build(REPO, out_dir)
    except ContentError as exc:
        listing = "\n".join(str(p) for p in exc.problems[:20])
        pytest.fail(f"the site does not build ({len(exc.problems)} problems):\n{listing}", pytrace=False)
    return out_dir


@pytest.fixture(scope="session")
def feed(built_site: Path) -> dict:
    """Return the built feed.json."""
    return json.loads((built_site / "feed.json").read_text(encoding="utf-8"))


@contextlib.contextmanager
def serving(handler):
    """Run an HTTP server with this handler on 127.0.0.1 on a free port; yield its root URL ending in '/'."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, name="test-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def serve_folder(folder: Path):
    """Serve a folder the way the tests serve a built site (404.html for missing pages)."""
    return serving(functools.partial(QuietHandler, directory=str(folder)))


@pytest.fixture(scope="session")
def site_url(built_site: Path):
    """Serve the built site on 127.0.0.1 on a free port; yield its root URL ending in '/'."""
    with serve_folder(built_site) as url:
        yield url


@pytest.fixture(scope="session")
def browser(tmp_path_factory):
    """One headless Debian Chromium for the whole session, driven through /usr/bin/chromedriver."""
    require_chromium()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SE_OFFLINE", "true")  # Selenium Manager must never download a browser or driver
        driver = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)),
                                  options=chrome_options(tmp_path_factory.mktemp("chromium-profile")))
        try:
            set_desktop(driver)
            yield driver
        finally:
            driver.quit()
