"""The nginx configuration docs/feed.md recommends, run for real on 127.0.0.1 over a built site.

Checks what Webconfig relies on: ETag and no-cache on stable addresses (a 304 when nothing changed,
and ETags that survive a publish for unchanged files), a year of caching on content-hashed files,
CORS on every feed reply (404 included), gzip, and UTF-8 JSON.
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
from policysite.pipeline import build

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
    build(root, site)
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


def test_pages_get_the_site_404_page_and_no_cors(served):
    _, site, port = served
    status, headers, body = get(port, "/apps/no_such_app/")
    assert status == 404 and body == (site / "404.html").read_bytes()
    assert "access-control-allow-origin" not in headers
    status, headers, _ = get(port, "/")
    assert status == 200 and headers["cache-control"] == "no-cache"


def test_a_publish_keeps_the_etag_of_every_unchanged_file(served):
    root, site, port = served
    paths = ["/api/v1/apps/raid.json", "/api/v1/apps/web_proxy.json", "/api/v1/index.json", "/feed.json",
             "/schema/v1/feed.schema.json", "/embed/support-policy.js"]
    before = {p: get(port, p)[1]["etag"] for p in paths}
    app = root / "content/apps/web_proxy.yaml"
    app.write_text(app.read_text(encoding="utf-8").replace("4 business hours", "5 business hours"), encoding="utf-8")
    build(root, site)
    after = {p: get(port, p)[1]["etag"] for p in paths}
    changed = sorted(p for p in paths if before[p] != after[p])
    assert changed == ["/api/v1/apps/web_proxy.json", "/api/v1/index.json", "/feed.json"]
    status, _, _ = get(port, "/api/v1/apps/raid.json", If_None_Match=before["/api/v1/apps/raid.json"])
    assert status == 304


def test_the_documented_configuration_is_this_file():
    doc = (REPO / "docs/feed.md").read_text(encoding="utf-8")
    assert "```nginx\n" + SNIPPET.read_text(encoding="utf-8") + "```" in doc

