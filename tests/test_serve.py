"""The preview server: real process, real HTTP on 127.0.0.1, rebuilds on edits, survives bad ones."""

from __future__ import annotations

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


@pytest.fixture
def server(project):
    port = free_port()
    proc = subprocess.Popen([sys.executable, str(REPO / "build.py"), "serve", "--root", str(project.root), "--port", str(port), "--no-history"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}/"
    try:
        wait_for(lambda: fetch(url)[0] == 200, "the server to start")
        yield project, url, port
    finally:
        proc.terminate()
        proc.wait(timeout=10)


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
