"""The preview server: real process, real HTTP on 127.0.0.1, rebuilds on edits, survives bad ones."""

from __future__ import annotations

import contextlib
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from conftest import REPO

WAIT = 30  # seconds before giving up on the server; a bound against hanging, not a speed check


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fetch(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as reply:
            return reply.status, reply.read().decode("utf-8")
    except urllib.error.HTTPError as exc:
        return exc.code, ""


def wait_for(predicate, what: str):
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        try:
            if predicate():
                return
        except OSError:
            pass
        time.sleep(0.2)
    pytest.fail(f"timed out waiting for {what}")


class Served:
    """A running `build.py serve`: its address while it runs, everything it printed once it has stopped."""

    def __init__(self, port: int):
        self.port, self.url, self.output = port, f"http://127.0.0.1:{port}/", ""


@contextlib.contextmanager
def serving(project, started: int = 200):
    """Run `build.py serve` on a free port until the block ends, once its home page answers with started."""
    served = Served(free_port())
    proc = subprocess.Popen([sys.executable, str(REPO / "build.py"), "serve", "--root", str(project.root), "--port", str(served.port),
                             "--no-history"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        wait_for(lambda: fetch(served.url)[0] == started, "the server to start")
        yield served
    finally:
        proc.terminate()
        served.output = proc.communicate(timeout=10)[0]


@pytest.fixture
def server(project):
    with serving(project) as served:
        yield project, served.url, served.port


def listening_addresses(port: int) -> set[str]:
    """Return the local addresses (hex, as /proc/net shows them) listening on port."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as handle:
            for row in handle.readlines()[1:]:
                local, state = row.split()[1], row.split()[3]
                address, hex_port = local.rsplit(":", 1)
                if state == "0A" and int(hex_port, 16) == port:
                    found.add(address)
    return found


def test_server_listens_only_on_loopback(server):
    _, _, port = server
    assert listening_addresses(port) == {"0100007F"}  # 127.0.0.1, and nothing on other interfaces


def test_edit_is_rebuilt_and_bad_edit_keeps_last_good_site(server):
    project, url, _ = server
    app = project.root / "content/apps/sample_app.yaml"
    app.write_text(app.read_text().replace("name: Sample App", "name: Edited App"))
    wait_for(lambda: "Edited App" in fetch(url + "apps/sample_app/")[1], "the edit to appear")
    project.app("broken", "name: [unclosed\n")
    time.sleep(2)  # give the watcher time to try (and fail) a rebuild
    status, body = fetch(url + "apps/sample_app/")
    assert status == 200 and "Edited App" in body


def raw_get(port: int, target: bytes) -> str:
    """Send one GET with target exactly as given (no client-side normalisation); return the whole reply."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(b"GET " + target + b" HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nConnection: close\r\n\r\n" % port)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks).decode("latin-1")


@pytest.mark.parametrize("target", [
    b"/../content/site.yaml", b"/%2e%2e/content/site.yaml", b"/%2E%2E%2Fcontent%2Fsite.yaml", b"/apps/../../content/site.yaml",
    b"/..%2f..%2fcontent/site.yaml", b"/..\\content\\site.yaml", b"//etc/passwd", b"/%2fetc%2fpasswd", b"/../../../../etc/passwd",
    b"/assets/..%252f..%252fcontent/site.yaml", b"/.%2e/content/site.yaml",
])
def test_server_serves_nothing_outside_the_site(server, target):
    project, url, port = server
    reply = raw_get(port, target)
    assert reply.split()[1] in ("400", "403", "404")
    assert "base_url" not in reply and "root:" not in reply


def request(url: str, method: str = "GET", **headers: str) -> tuple[int, dict, bytes]:
    """Send one request; return the status, the headers (lower-case names) and the body, whatever the status."""
    try:
        with urllib.request.urlopen(urllib.request.Request(url, method=method, headers=headers), timeout=5) as reply:
            return reply.status, {k.lower(): v for k, v in reply.headers.items()}, reply.read()
    except urllib.error.HTTPError as exc:
        return exc.code, {k.lower(): v for k, v in exc.headers.items()}, exc.read()


def test_pages_are_sent_with_the_preview_script_and_site_files_stay_as_built(server):
    """The script tag is added to what is sent, before </head>; site/ itself never holds it, and other files are sent
    as they are. Every reply asks the browser to check again, so a reload never shows a stale stylesheet."""
    project, url, _ = server
    built = (project.out / "apps/sample_app/index.html").read_bytes()
    assert b"_preview" not in built
    status, headers, body = request(url + "apps/sample_app/")
    head, tail = built.split(b"</head>", 1)
    tag = re.fullmatch(rb'<script src="/_preview/client.js" data-build="[0-9a-f]{8}-1" defer></script>',
                       body[len(head):len(body) - len(tail) - len(b"</head>")])
    assert status == 200 and tag and body == head + tag[0] + b"</head>" + tail
    assert (headers["content-type"], headers["cache-control"]) == ("text/html; charset=utf-8", "no-cache")
    assert request(url + "apps/sample_app/", "HEAD")[1]["content-length"] == str(len(body))
    assert request(url + "apps/sample_app/", **{"If-None-Match": headers["etag"]})[0] == 304

    status, headers, body = request(url + "assets/site.css")
    assert (status, body, headers["cache-control"]) == (200, (project.out / "assets/site.css").read_bytes(), "no-cache")
    status, headers, body = request(url + "_preview/client.js")
    assert status == 200 and headers["content-type"] == "text/javascript; charset=utf-8" and b"WebSocket" in body


def test_a_page_changed_by_a_build_is_not_answered_304(server):
    project, url, _ = server
    _, headers, _ = request(url + "policy/")
    project.app("sample_app", project.root.joinpath("content/apps/sample_app.yaml").read_text().replace("Sample App", "Renamed"))
    wait_for(lambda: "Renamed" in fetch(url + "apps/sample_app/")[1], "the rebuild")
    status, _, body = request(url + "policy/", **{"If-None-Match": headers["etag"]})   # same file, newer build
    assert status == 200 and b'data-build="' in body


def test_a_missing_page_is_the_sites_404_page_with_the_preview_script(server):
    project, url, _ = server
    status, headers, body = request(url + "apps/nope/")
    assert status == 404 and headers["cache-control"] == "no-cache"
    assert body.replace(re.search(rb'<script src="/_preview/client.js"[^>]*></script>', body)[0], b"") == \
        (project.out / "404.html").read_bytes()


def test_a_missing_page_under_a_language_is_that_languages_404_page(server):
    project, url, _ = server
    settings = project.root / "content/site.yaml"
    settings.write_text(settings.read_text(encoding="utf-8") + "languages: [en, de]\n", encoding="utf-8")
    wait_for(lambda: (project.out / "de/404.html").is_file(), "the rebuild in two languages")
    status, _, body = request(url + "de/apps/nope/")
    assert status == 404
    assert body.replace(re.search(rb'<script src="/_preview/client.js"[^>]*></script>', body)[0], b"") == \
        (project.out / "de/404.html").read_bytes()


def test_before_any_good_build_every_page_says_nothing_is_built_yet_and_follows_the_builds(project):
    good = (project.root / "content/apps/sample_app.yaml").read_text()
    project.app("sample_app", good.replace("name: Sample App", "name: [unclosed"))
    with serving(project, started=404) as served:
        status, _, body = request(served.url + "apps/sample_app/")
        assert status == 404 and b"<title>Nothing here yet</title>" in body and b'data-build="' in body
        project.app("sample_app", good)
        wait_for(lambda: "Sample App" in fetch(served.url + "apps/sample_app/")[1], "the fixed app's page")
    assert "nothing to serve yet; fix the problems above and save again" in served.output and "Traceback" not in served.output


def test_a_ctrl_c_lost_in_a_finalizer_still_stops_the_server():
    """Python only reports an exception raised while it runs a finalizer: a Ctrl-C landing there must stop the loop all the same."""
    script = (f"import os, signal, sys; sys.path.insert(0, {str(REPO)!r})\n"
              "from tornado.ioloop import IOLoop\n"
              "from policysite.preview.serve import stop_on_ctrl_c\n"
              "loop = IOLoop.current()\n"
              "signal.signal(signal.SIGINT, lambda signum, frame: stop_on_ctrl_c(loop))\n"
              "class Finalised:\n"
              "    def __del__(self):\n"
              "        os.kill(os.getpid(), signal.SIGINT)\n"
              "        sum(range(1000))   # bytecode for the handler to run in, inside the finalizer\n"
              "loop.add_callback(lambda: Finalised() and None)\n"
              "loop.call_later(20, lambda: (print('still running'), loop.stop()))\n"
              "loop.start()\n"
              "print('stopped')\n")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert result.stdout == "stopped\n"
    assert "Exception ignored" in result.stderr and "KeyboardInterrupt" in result.stderr   # it was lost, as described
