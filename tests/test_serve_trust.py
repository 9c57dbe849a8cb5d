"""The preview server refuses what it should: other host names (DNS rebinding), reload sockets opened by other
pages, malformed paths; and a busy port is one line, not a traceback. Real server, raw HTTP on 127.0.0.1."""

from __future__ import annotations

import asyncio
import json
import posixpath
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.parse

import pytest
from hypothesis import given, strategies as st

from conftest import LEVEL2_ARTICLE, LEVEL2_INDEX, POLICY_DOC, REPO, TODAY, VALID_APP, epoch_of

from policysite.preview.guard import Names, check_host, check_origin, check_path

WAIT = 30   # seconds before giving up on the server; a bound against hanging, not a speed check


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def write_project(root) -> None:
    """Write the conftest project (real legend, templates and static files, one app, three docs) into root."""
    (root / "content/apps").mkdir(parents=True)
    for name in ("methods.yaml", "factors.yaml", "site.yaml"):
        shutil.copy(REPO / "content" / name, root / "content" / name)
    shutil.copytree(REPO / "templates", root / "templates")
    shutil.copytree(REPO / "static", root / "static")
    (root / "content/apps/sample_app.yaml").write_text(VALID_APP, encoding="utf-8")
    for rel_path, text in (("level2/index.md", LEVEL2_INDEX), ("level2/software-raid-5.md", LEVEL2_ARTICLE),
                           ("policy.md", POLICY_DOC)):
        (root / "content/docs" / rel_path).parent.mkdir(parents=True, exist_ok=True)
        (root / "content/docs" / rel_path).write_text(text, encoding="utf-8")


def exchange(port: int, request: bytes) -> tuple[int, dict, bytes]:
    """Send request bytes as they are; return the reply's status, headers (lower-case names) and body."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(request)
        reply = b""
        while b"\r\n\r\n" not in reply and (chunk := sock.recv(65536)):
            reply += chunk
        head, _, body = reply.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        headers = dict((name.lower(), value) for name, _, value in (line.partition(": ") for line in lines[1:]))
        status = int(lines[0].split()[1])
        length = int(headers.get("content-length", 0)) if status != 101 else 0
        while len(body) < length and (chunk := sock.recv(65536)):   # the connection may stay open after the reply
            body += chunk
    return status, headers, body


def get(port: int, target: bytes, host: bytes | None, *extra: bytes) -> tuple[int, dict, bytes]:
    """GET target with this Host header (None: none at all, HTTP/1.0) and extra header lines."""
    version = b"HTTP/1.1" if host is not None else b"HTTP/1.0"
    lines = [b"GET " + target + b" " + version, *([b"Host: " + host] if host is not None else []), *extra,
             b"Connection: close"]
    return exchange(port, b"\r\n".join(lines) + b"\r\n\r\n")


def upgrade(port: int, host: bytes, origin: bytes | None) -> tuple[int, dict, bytes]:
    """Open the reload websocket the way a browser does, with this Host and Origin; return the reply."""
    extra = [b"Upgrade: websocket", b"Connection: Upgrade", b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
             b"Sec-WebSocket-Version: 13", *([b"Origin: " + origin] if origin is not None else [])]
    lines = [b"GET /_preview/socket HTTP/1.1", b"Host: " + host, *extra]
    return exchange(port, b"\r\n".join(lines) + b"\r\n\r\n")


class Served:
    """A running `build.py serve` on a free port, its terminal output in a file."""

    def __init__(self, root, log_path):
        self.port = free_port()
        self.host = b"127.0.0.1:%d" % self.port
        self.log_path = log_path
        with open(log_path, "w") as log:
            self.proc = subprocess.Popen([sys.executable, str(REPO / "build.py"), "serve", "--root", str(root),
                                          "--port", str(self.port), "--no-history"], stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + WAIT
        while True:
            try:
                if get(self.port, b"/", self.host)[0] == 200:
                    return
            except OSError:
                pass
            if time.monotonic() > deadline or self.proc.poll() is not None:
                pytest.fail("the server did not start:\n" + self.log())
            time.sleep(0.1)

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def assert_no_traceback(self) -> None:
        time.sleep(0.2)   # let the server write its log lines for the last request
        log = self.log()
        assert "Traceback" not in log and not re.search(r"^5\d\d ", log, re.M) and "Uncaught exception" not in log, log


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    folder = tmp_path_factory.mktemp("serve-trust")
    write_project(folder / "proj")
    monkeypatch = pytest.MonkeyPatch()
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(epoch_of(TODAY)))
    server = Served(folder / "proj", folder / "serve.log")
    try:
        yield server
    finally:
        server.proc.terminate()
        server.proc.wait(timeout=WAIT)
        monkeypatch.undo()


def misdirected(port: int) -> bytes:
    return b"misdirected request: this preview server answers only to 127.0.0.1:%d, localhost:%d or [::1]:%d\n" % (
        (port,) * 3)


# --- Host: only the bound address's names are answered ----------------------------------------------------


@pytest.mark.parametrize("host", [b"evil.example:{port}", b"evil.example", b"127.0.0.1.nip.io:{port}", b"localhost.:{port}",
                                  b"127.0.0.1", b"127.0.0.1:{other}", b"192.0.2.7:{port}", b"[::2]:{port}"])
@pytest.mark.parametrize("target", [b"/", b"/apps/sample_app/", b"/static/site.css", b"/_preview/client.js",
                                    b"/_preview/socket", b"/nope", b"/%00"])
def test_requests_for_other_host_names_get_421(served, host, target):
    host = host.replace(b"{port}", b"%d" % served.port).replace(b"{other}", b"%d" % (served.port + 1))
    status, headers, body = get(served.port, target, host)
    assert (status, body) == (421, misdirected(served.port))
    assert headers["content-type"] == "text/plain; charset=utf-8"
    served.assert_no_traceback()


def test_the_reload_socket_refuses_other_host_names(served):
    status, _, body = upgrade(served.port, b"evil.example:%d" % served.port, b"http://evil.example:%d" % served.port)
    assert (status, body) == (421, misdirected(served.port))
    served.assert_no_traceback()


@pytest.mark.parametrize("host", [b"127.0.0.1:{port}", b"localhost:{port}", b"LocalHost:{port}", b"[::1]:{port}"])
def test_names_of_the_loopback_address_are_answered(served, host):
    status, _, body = get(served.port, b"/apps/sample_app/", host.replace(b"{port}", b"%d" % served.port))
    assert status == 200 and b"Sample App" in body


@pytest.mark.parametrize("host", [None, b""])
def test_a_missing_host_is_a_bad_request(served, host):
    status, _, body = get(served.port, b"/", host)
    assert (status, body) == (400, b"bad request: a request needs one Host header of the form host:port\n")
    served.assert_no_traceback()


@pytest.mark.parametrize("host", [b"a b:{port}", b"127.0.0.1:{port}/x", b"127.0.0.1:{port}@evil.example",
                                  b"127.0.0.1:{port}\r\nHost: evil.example"])
def test_a_malformed_or_repeated_host_is_a_bad_request(served, host):
    """tornado refuses some of these itself, before any handler (with no body); check_host() refuses the same."""
    assert get(served.port, b"/", host.replace(b"{port}", b"%d" % served.port))[0] == 400
    assert check_host(host.replace(b"{port}", b"8000").decode().split("\r\nHost: "), Names("127.0.0.1", 8000))[0] == 400
    served.assert_no_traceback()


# --- Origin: only this server's pages may open the reload socket -------------------------------------------


@pytest.mark.parametrize("origin", [b"http://evil.example:{port}", b"http://evil.example", b"null", b"https://127.0.0.1:{port}",
                                    b"http://127.0.0.1:{other}", b"http://127.0.0.1", b"http://127.0.0.1:{port}/",
                                    b"http://127.0.0.1:{port}.evil.example"])
def test_the_reload_socket_refuses_other_pages(served, origin):
    origin = origin.replace(b"{port}", b"%d" % served.port).replace(b"{other}", b"%d" % (served.port + 1))
    status, _, body = upgrade(served.port, served.host, origin)
    assert (status, body) == (403, b"forbidden: only pages of this server may open the reload socket\n")
    served.assert_no_traceback()


@pytest.mark.parametrize("origin", [b"http://127.0.0.1:{port}", b"http://localhost:{port}", None])
def test_the_reload_socket_takes_this_servers_pages_and_non_browsers(served, origin):
    """No Origin: browsers always send one on a websocket, so this is a program, which could read site/ anyway."""
    origin = origin if origin is None else origin.replace(b"{port}", b"%d" % served.port)
    assert upgrade(served.port, served.host, origin)[0] == 101


async def listen(port: int, origin: str, build: str, wait: float) -> list[dict]:
    """Join the reload socket as a page of origin that came from build; return what it is told within wait seconds."""
    from tornado.httpclient import HTTPRequest
    from tornado.websocket import websocket_connect

    conn = await websocket_connect(HTTPRequest(f"ws://127.0.0.1:{port}/_preview/socket?build={build}&page=/",
                                               headers={"Origin": origin}))
    said = []
    try:
        while True:
            said.append(json.loads(await asyncio.wait_for(conn.read_message(), wait)))
    except asyncio.TimeoutError:
        return said
    finally:
        conn.close()


def test_a_page_of_this_server_that_missed_a_build_is_told_to_reload(served):
    origin = f"http://localhost:{served.port}"
    assert asyncio.run(listen(served.port, origin, "an-older-build", 1.0)) == [{"type": "reload"}]


# --- paths: malformed is 400, absent is 404, never 500 -----------------------------------------------------


@pytest.mark.parametrize("target, reason", [
    (b"/%00", "the path holds a control character or a backslash"),
    (b"/apps/sample_app/%00/index.html", "the path holds a control character or a backslash"),
    (b"/index.html%00.css", "the path holds a control character or a backslash"),
    (b"/%0a", "the path holds a control character or a backslash"),
    (b"/%e2%80%ae", "the path holds a control character or a backslash"),   # right-to-left override
    (b"/..%5c..%5cetc%5cpasswd", "the path holds a control character or a backslash"),
    (b"/%zz", "the path holds a % not followed by two hex digits"),
    (b"/%", "the path holds a % not followed by two hex digits"),
    (b"/%4", "the path holds a % not followed by two hex digits"),
    (b"/%u002e%u002e/", "the path holds a % not followed by two hex digits"),
    (b"/..%2f..%2fetc/passwd", "the path holds an empty, '.' or '..' segment"),
    (b"/%2e%2e/content/site.yaml", "the path holds an empty, '.' or '..' segment"),
    (b"/apps/../../content/site.yaml", "the path holds an empty, '.' or '..' segment"),
    (b"/./index.html", "the path holds an empty, '.' or '..' segment"),
    (b"/apps/.", "the path holds an empty, '.' or '..' segment"),
    (b"//etc/passwd", "the path holds an empty, '.' or '..' segment"),
    (b"/%2fetc%2fpasswd", "the path holds an empty, '.' or '..' segment"),
    (b"/apps//sample_app/", "the path holds an empty, '.' or '..' segment"),
    (b"/\xff", "the path holds a character that must be percent-escaped"),
    (b"/\xc3\xa9", "the path holds a character that must be percent-escaped"),
    (b"/" + b"a" * 1100, "the path is longer than 1024 characters"),
    (b"/" + b"a/" * 600, "the path is longer than 1024 characters"),
])
def test_malformed_paths_get_400_with_the_reason(served, target, reason):
    status, headers, body = get(served.port, target, served.host)
    assert (status, body) == (400, f"bad request: {reason}\n".encode())
    assert headers["content-type"] == "text/plain; charset=utf-8"
    served.assert_no_traceback()


@pytest.mark.parametrize("target", [b"/%ff", b"/apps/%c0%ae%c0%ae/", b"/%80"])
def test_escapes_that_are_not_utf8_get_400(served, target):
    """tornado refuses these itself, before any handler: still a 400 and no traceback."""
    assert get(served.port, target, served.host)[0] == 400
    served.assert_no_traceback()


@pytest.mark.parametrize("target", [b"/nope", b"/apps/nope/", b"/a%2500", b"/" + b"b" * 300, b"/%2e%2e%2e/x",
                                    b"/assets/..%252f..%252fcontent/site.yaml"])
def test_well_formed_paths_to_nothing_get_404(served, target):
    assert get(served.port, target, served.host)[0] == 404
    served.assert_no_traceback()


def test_escaped_well_formed_paths_are_served(served):
    status, _, body = get(served.port, b"/apps/sample%5Fapp/index%2Ehtml?x=%00", served.host)
    assert status == 200 and b"Sample App" in body


# --- the checks on their own ------------------------------------------------------------------------------


@pytest.mark.parametrize("bound, port, accepted, refused", [
    ("127.0.0.1", 8000, ["127.0.0.1:8000", "localhost:8000", "LOCALHOST:8000", "[::1]:8000"],
     ["127.0.0.1", "127.0.0.1:80", "127.0.0.1:8001", "evil.example:8000", "localhost.:8000", "[::2]:8000", "127.1:8000"]),
    ("127.0.0.1", 80, ["127.0.0.1", "127.0.0.1:80", "127.0.0.1:", "localhost"], ["127.0.0.1:8000", "evil.example"]),
    ("localhost", 8000, ["localhost:8000", "127.0.0.1:8000", "[::1]:8000"], ["evil.example:8000"]),
    ("::1", 8000, ["[::1]:8000", "localhost:8000"], ["::1:8000", "evil.example:8000"]),
    ("192.0.2.7", 8000, ["192.0.2.7:8000"], ["localhost:8000", "127.0.0.1:8000", "192.0.2.8:8000"]),
    ("box.example", 8000, ["box.example:8000", "BOX.example:8000"], ["localhost:8000", "evil.example:8000"]),
    ("0.0.0.0", 8000, ["192.0.2.7:8000", "[2001:db8::7]:8000", "localhost:8000", "0.0.0.0:8000"],
     ["evil.example:8000", "192.0.2.7.nip.io:8000", "192.0.2.7:8001"]),
    ("::", 8000, ["10.1.2.3:8000", "[::1]:8000"], ["evil.example:8000"]),
    ("", 8000, ["10.1.2.3:8000", "localhost:8000"], ["evil.example:8000", ":8000"]),
])
def test_host_names_that_name_the_bound_address(bound, port, accepted, refused):
    names = Names(bound, port)
    assert [host for host in accepted if not names.accepts(host)] == []
    assert [host for host in refused if names.accepts(host)] == []


def test_the_421_reason_lists_the_names():
    assert check_host(["evil.example"], Names("0.0.0.0", 8000)) == (
        421, "misdirected request: this preview server answers only to 0.0.0.0:8000, 127.0.0.1:8000, localhost:8000, "
             "[::1]:8000 or any IP address of this machine")
    assert check_host(["evil.example"], Names("192.0.2.7", 8000)) == (
        421, "misdirected request: this preview server answers only to 192.0.2.7:8000")


def test_origins_of_this_servers_pages():
    names = Names("127.0.0.1", 8000)
    assert check_origin("http://127.0.0.1:8000", names) and check_origin("http://localhost:8000", names)
    for origin in ("https://127.0.0.1:8000", "null", "http://evil.example:8000", "http://127.0.0.1:8000/", "127.0.0.1:8000",
                   "ws://127.0.0.1:8000", "http://user@127.0.0.1:8000"):
        assert not check_origin(origin, names), origin


@given(st.text(alphabet="/.%\\0123456789abcdefABCDEF:?#@\x00\n é", max_size=40))
def test_every_path_that_passes_stays_inside_the_site(tail):
    """Whatever the path, an accepted one resolves (once unescaped, as tornado does) to a place inside the site."""
    path = "/" + tail
    if check_path(path) is None:
        unescaped = urllib.parse.unquote(path, errors="strict")
        assert "\x00" not in unescaped and "\\" not in unescaped
        resolved = posixpath.normpath(posixpath.join("/site", unescaped.lstrip("/")))
        assert resolved == "/site" or resolved.startswith("/site/")


# --- the port ---------------------------------------------------------------------------------------------


def test_a_port_in_use_is_one_line_and_nothing_is_built(project):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run([sys.executable, str(REPO / "build.py"), "serve", "--root", str(project.root), "--port", str(port)],
                                capture_output=True, text=True, timeout=WAIT)
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr == f"error: port {port} is in use; stop what is using it or choose another port with --port\n"
    assert not project.out.exists()


def test_a_port_taken_during_the_first_build_is_one_line(project):
    """The port is free when checked but taken by the time the server listens (here: taken before, check skipped)."""
    port = free_port()
    script = (f"import socket, sys; from pathlib import Path; sys.path.insert(0, {str(REPO)!r})\n"
              "from policysite.preview import serve\n"
              f"taken = socket.socket(); taken.bind(('127.0.0.1', {port})); taken.listen()\n"
              "serve.check_listen = lambda host, port: None\n"
              f"sys.exit(serve.serve(Path({str(project.root)!r}), Path({str(project.out)!r}), '127.0.0.1', {port}, False))\n")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=WAIT)
    assert result.returncode == 1, result.stderr
    assert result.stderr.splitlines()[-1] == f"error: port {port} is in use; stop what is using it or choose another port with --port"
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("port", ["0", "65536", "-1"])
def test_a_port_out_of_range_is_a_usage_error(project, port):
    result = subprocess.run([sys.executable, str(REPO / "build.py"), "serve", "--root", str(project.root), "--port", port],
                            capture_output=True, text=True, timeout=WAIT)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == f"error: --port: expected 1 to 65535, got {port}\n"


@pytest.mark.parametrize("target", [b"/forcereload", b"/forcereload?path=*", b"/livereload", b"/livereload.js"])
def test_no_request_reloads_the_open_pages(served, target):
    """Only a good build reloads pages: livereload's /forcereload let any site's <img> reload every open preview."""
    async def page_while_another_site_asks():
        page = asyncio.ensure_future(listen(served.port, f"http://127.0.0.1:{served.port}", current_build(served), 2.0))
        await asyncio.sleep(0.5)
        status = get(served.port, target, served.host, b"Sec-Fetch-Site: cross-site")[0]
        return status, await page

    assert asyncio.run(page_while_another_site_asks()) == (404, [])


def current_build(served) -> str:
    """Return the build the server's pages come from now, as their script tag says."""
    body = get(served.port, b"/", served.host)[2].decode("utf-8")
    return re.search(r'data-build="([^"]+)"', body)[1]
