"""The nginx configuration docs/feed.md recommends, run for real on 127.0.0.1 over a built site.

Checks what Webconfig relies on: ETag and no-cache on stable addresses (a 304 when nothing changed,
and ETags that survive a publish for unchanged files), a year of caching on content-hashed files,
CORS on every feed reply (404 included), gzip (feed.json and the index precompressed by the build, served
as they are with a strong ETag), and UTF-8 JSON.
"""

from __future__ import annotations

import gzip
import hashlib
import http.client
import json
import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest

from conftest import REPO
from policysite.engine.recipe import build

NGINX = Path("/usr/sbin/nginx")
SNIPPET = REPO / "docs/nginx/policysite.conf"
WEBCONFIG_ORIGIN = "https://192.0.2.10:81"  # Webconfig runs on each ClearOS server, port 81


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def nginx_conf(work: Path, site: Path, port: int) -> str:
    """Return a whole nginx.conf around the documented snippet, writing only under work."""
    temp = " ".join(f"{k}_temp_path {work / k};" for k in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    return f"""
daemon off;
master_process off;
pid {work / 'nginx.pid'};
error_log {work / 'error.log'} warn;
events {{ worker_connections 64; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log off;
    {temp}
    server {{
        listen 127.0.0.1:{port};
        root {site};
        include {SNIPPET};
    }}
}}
"""


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """Build a copy of the project, serve it with nginx and the documented snippet; yield (project root, site, port)."""
    if not (NGINX.is_file() and os.access(NGINX, os.X_OK)):
        pytest.fail(f"{NGINX} is missing; install it with: apt-get install -y nginx", pytrace=False)
    work = tmp_path_factory.mktemp("nginx")
    root = work / "project"
    for folder in ("content", "templates", "static"):
        shutil.copytree(REPO / folder, root / folder)
    site = root / "site"
    build(root, site, history_mode=None)   # a copy of the content, not a git checkout
    port = free_port()
    conf = work / "nginx.conf"
    conf.write_text(nginx_conf(work, site, port), encoding="utf-8")
    check = subprocess.run([str(NGINX), "-t", "-q", "-c", str(conf), "-p", str(work)], capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
    proc = subprocess.Popen([str(NGINX), "-c", str(conf), "-p", str(work)], stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 15  # only to stop a hang
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert proc.poll() is None and time.monotonic() < deadline, "nginx did not start"
                time.sleep(0.05)
        yield root, site, port
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def get(port: int, path: str, **headers) -> tuple[int, dict, bytes]:
    """GET path with the given headers (underscores become dashes); return status, headers, raw body."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", path, headers={k.replace("_", "-"): v for k, v in headers.items()})
    resp = conn.getresponse()
    body = resp.read()
    conn.close()
    return resp.status, {k.lower(): v for k, v in resp.getheaders()}, body


def test_stable_feed_address_is_revalidated_gzipped_and_open_to_webconfig(served):
    _, site, port = served
    status, headers, body = get(port, "/feed.json", Origin=WEBCONFIG_ORIGIN, Accept_Encoding="gzip")
    assert status == 200
    assert headers["cache-control"] == "no-cache"
    assert headers["access-control-allow-origin"] == "*"
    assert headers["content-type"] == "application/json; charset=utf-8"
    assert headers["content-encoding"] == "gzip" and "Accept-Encoding" in headers["vary"]
    assert gzip.decompress(body) == (site / "feed.json").read_bytes()
    status, again, body = get(port, "/feed.json", Accept_Encoding="gzip", If_None_Match=headers["etag"])
    assert (status, body) == (304, b"")
    assert again["access-control-allow-origin"] == "*"


def nginx_etag(path: Path) -> str:
    """Return the ETag nginx gives a file: its mtime and size in hex, strong."""
    st = path.stat()
    return f'"{int(st.st_mtime):x}-{st.st_size:x}"'


@pytest.mark.parametrize("name", ["feed.json", "api/v1/index.json"])
def test_the_precompressed_file_is_what_a_gzip_client_gets_with_its_own_strong_etag(served, name):
    _, site, port = served
    status, headers, body = get(port, f"/{name}", Accept_Encoding="gzip, deflate, br")
    assert status == 200 and headers["content-encoding"] == "gzip" and "Accept-Encoding" in headers["vary"]
    # The very bytes the build wrote (nginx's own level-6 gzip would differ), and the .gz file's ETag, not a weak one.
    assert body == (site / f"{name}.gz").read_bytes()
    assert headers["etag"] == nginx_etag(site / f"{name}.gz")
    assert headers["cache-control"] == "no-cache" and headers["access-control-allow-origin"] == "*"
    assert headers["content-type"] == "application/json; charset=utf-8"
    status, _, body = get(port, f"/{name}", Accept_Encoding="gzip", If_None_Match=headers["etag"])
    assert (status, body) == (304, b"")
    # A client that takes no gzip gets the plain file, with the plain file's ETag.
    status, plain, body = get(port, f"/{name}")
    assert status == 200 and "content-encoding" not in plain and body == (site / name).read_bytes()
    assert plain["etag"] == nginx_etag(site / name)
    status, _, body = get(port, f"/{name}", If_None_Match=plain["etag"])
    assert (status, body) == (304, b"")


@pytest.mark.parametrize("path", ["/api/v1/index.json", "/api/v1/apps/raid.json", "/schema/v1/app.schema.json",
                                  "/embed/support-policy.js"])
def test_every_stable_feed_file_is_no_cache_with_an_etag_and_cors(served, path):
    status, headers, _ = get(served[2], path, Origin=WEBCONFIG_ORIGIN)
    assert status == 200 and headers["cache-control"] == "no-cache" and headers["etag"]
    assert headers["access-control-allow-origin"] == "*"


def test_content_hashed_file_is_cached_for_a_year(served):
    _, site, port = served
    index = json.loads((site / "api/v1/index.json").read_bytes())
    sha = index["apps"][0]["sha256"]
    status, headers, body = get(port, f"/api/v1/by-hash/{sha}.json", Origin=WEBCONFIG_ORIGIN)
    assert status == 200 and hashlib.sha256(body).hexdigest() == sha
    assert headers["cache-control"] == "public, max-age=31536000, immutable"
    assert headers["access-control-allow-origin"] == "*"


def test_unknown_app_is_a_404_a_browser_may_read(served):
    status, headers, _ = get(served[2], "/api/v1/apps/no_such_app.json", Origin=WEBCONFIG_ORIGIN)
    assert status == 404 and headers["access-control-allow-origin"] == "*"


def test_changes_atom_is_served_as_utf_8_atom_gzipped_and_revalidated(served):
    _, site, port = served
    status, headers, body = get(port, "/changes.atom", Accept_Encoding="gzip")
    assert status == 200 and headers["content-type"] == "application/atom+xml; charset=utf-8"
    assert headers["content-encoding"] == "gzip" and gzip.decompress(body) == (site / "changes.atom").read_bytes()
    assert headers["cache-control"] == "no-cache" and headers["x-content-type-options"] == "nosniff"
    assert get(port, "/changes.atom", If_None_Match=get(port, "/changes.atom")[1]["etag"])[0] == 304


def test_pages_get_the_site_404_page_and_no_cors(served):
    _, site, port = served
    status, headers, body = get(port, "/apps/no_such_app/")
    assert status == 404 and body == (site / "404.html").read_bytes()
    assert "access-control-allow-origin" not in headers
    status, headers, _ = get(port, "/")
    assert status == 200 and headers["cache-control"] == "no-cache"


@pytest.mark.parametrize("lang", ["de", "fr", "it", "nl", "pt", "es"])
def test_each_language_gets_its_own_404_page(served, lang):
    _, site, port = served
    status, headers, body = get(port, f"/{lang}/apps/no_such_app/")
    assert status == 404 and body == (site / lang / "404.html").read_bytes()
    assert headers["cache-control"] == "no-cache" and "access-control-allow-origin" not in headers
    assert get(port, f"/{lang}/apps/raid/")[0] == 200


def test_a_publish_keeps_the_etag_of_every_unchanged_file(served):
    root, site, port = served
    paths = ["/api/v1/apps/raid.json", "/api/v1/apps/web_proxy.json", "/api/v1/index.json", "/feed.json",
             "/schema/v1/feed.schema.json", "/embed/support-policy.js"]
    before = {p: get(port, p)[1]["etag"] for p in paths}
    app = root / "content/apps/web_proxy.yaml"
    app.write_text(app.read_text(encoding="utf-8").replace("4 business hours", "5 business hours"), encoding="utf-8")
    build(root, site, history_mode=None)   # a copy of the content, not a git checkout
    after = {p: get(port, p)[1]["etag"] for p in paths}
    changed = sorted(p for p in paths if before[p] != after[p])
    assert changed == ["/api/v1/apps/web_proxy.json", "/api/v1/index.json", "/feed.json"]
    status, _, _ = get(port, "/api/v1/apps/raid.json", If_None_Match=before["/api/v1/apps/raid.json"])
    assert status == 304


def test_the_documented_configuration_is_this_file():
    doc = (REPO / "docs/feed.md").read_text(encoding="utf-8")
    assert "```nginx\n" + SNIPPET.read_text(encoding="utf-8") + "```" in doc



def test_a_publish_that_leaves_feed_json_alone_keeps_its_precompressed_etag(served):
    """An app's summary is only in the app's own file: feed.json (and its .gz) stay, the index changes."""
    root, site, port = served
    paths = ["/feed.json", "/api/v1/index.json"]
    before = {p: get(port, p, Accept_Encoding="gzip")[1]["etag"] for p in paths}
    app = root / "content/apps/raid.yaml"
    text = app.read_text(encoding="utf-8")
    summary = next(line for line in text.splitlines() if line.startswith("summary:"))
    app.write_text(text.replace(summary, summary.rstrip(".") + ", edited."), encoding="utf-8")
    build(root, site, history_mode=None)   # a copy of the content, not a git checkout
    after = {p: get(port, p, Accept_Encoding="gzip")[1]["etag"] for p in paths}
    assert after["/feed.json"] == before["/feed.json"] and after["/api/v1/index.json"] != before["/api/v1/index.json"]
    assert get(port, "/feed.json", Accept_Encoding="gzip", If_None_Match=before["/feed.json"])[0] == 304
    status, _, body = get(port, "/api/v1/index.json", Accept_Encoding="gzip")
    assert status == 200 and gzip.decompress(body) == (site / "api/v1/index.json").read_bytes()
