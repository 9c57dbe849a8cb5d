"""Instant preview: inotify-driven rebuilds, no lost saves, and a real browser that follows every good save.

The timeouts here only stop a hang; how fast a save shows is measured in bench/preview.py, not asserted.
"""

from __future__ import annotations

import asyncio
import json
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest

from browser import browser  # noqa: F401  (session fixture)
from conftest import REPO, VALID_APP

from policysite.preview import watch
from policysite.preview.serve import is_output, make_preview_class, rebuild

WAIT = 60   # seconds before giving up: a bound against hanging, not a speed check
APP_PATH = "content/apps/sample_app.yaml"


def with_summary(text: str) -> str:
    """Return the sample app with another summary line."""
    return VALID_APP.replace("summary: A small app used by the tests.", f"summary: {text}")


def save_like_an_editor(path: Path, text: str) -> None:
    """Save the way many editors do: write a temporary file beside it, then rename it over the original."""
    tmp = path.with_name(f".{path.name}.tmp-save")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


# --- the watcher on its own -------------------------------------------------------------------------------


def changes_until(tree: watch.Tree, predicate, timeout: float = 10) -> list[watch.Change]:
    """Read changes until predicate(all changes so far) holds."""
    seen: list[watch.Change] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        seen += tree.read()
        if predicate(seen):
            return seen
        time.sleep(0.01)
    pytest.fail(f"the watcher did not report the expected change; it saw {seen}")


def test_watcher_reports_saves_new_folders_and_skips_output(tmp_path):
    for name in ("content/apps", "templates", "static"):
        (tmp_path / name).mkdir(parents=True)
    out = tmp_path / "content" / "site"   # an output folder inside a watched one must not trigger builds
    out.mkdir()
    tree = watch.Tree(tmp_path, ("content", "templates", "static"), skip=lambda p: is_output(out, p))
    try:
        app = tmp_path / "content/apps/x.yaml"
        save_like_an_editor(app, "name: X\n")
        changes_until(tree, lambda seen: any(c.path == app and c.mask & watch.IN_MOVED_TO for c in seen))

        (out / "index.html").write_text("built")
        (tmp_path / "content" / ".site.building-1").mkdir()
        (tmp_path / "content/docs/deeper").mkdir(parents=True)   # new folders: they count, and get watched
        seen = changes_until(tree, lambda seen: any(c.path == tmp_path / "content/docs" for c in seen))
        doc = tmp_path / "content/docs/deeper/page.md"
        doc.write_text("# Page\n")
        seen += changes_until(tree, lambda seen: any(c.path == doc and c.mask & watch.IN_CLOSE_WRITE for c in seen))
        paths = {c.path for c in seen}
        assert not any(p is not None and (p == out or out in p.parents or p.name.startswith(".site.")) for p in paths)

        (tmp_path / "unwatched.txt").write_text("not a source")   # beside content/, not in it
        swap = tmp_path / "content/apps/.x.yaml.swp"
        swap.write_bytes(b"vim swap")          # its creation counts (the build sees the file)...
        changes_until(tree, lambda seen: any(c.path == swap for c in seen))
        with open(swap, "ab") as handle:      # ...but vim rewriting it while someone types does not
            handle.write(b"more")
        (tmp_path / "static/site.css").write_text("body {}")
        seen = changes_until(tree, lambda seen: any(c.path == tmp_path / "static/site.css" for c in seen))
        assert not any(c.path in (swap, tmp_path / "unwatched.txt") for c in seen)
    finally:
        tree.close()


def test_watcher_sees_a_watched_folder_that_appears_later(tmp_path):
    (tmp_path / "content").mkdir()
    tree = watch.Tree(tmp_path, ("content", "static"))
    try:
        (tmp_path / "static").mkdir()
        changes_until(tree, lambda seen: any(c.path == tmp_path / "static" for c in seen))
        css = tmp_path / "static/site.css"
        css.write_text("body {}")
        changes_until(tree, lambda seen: any(c.path == css for c in seen))
    finally:
        tree.close()


def test_settle_waits_for_quiet_and_for_open_files_to_close(tmp_path):
    settle = watch.Settle(quiet=0.05, open_wait=1.0, longest=2.0)
    path = tmp_path / "a.yaml"
    assert settle.wait(0.0) is None
    settle.note(watch.Change(path, watch.IN_MODIFY), 10.0)   # written, not closed: the writer may not be done
    assert settle.wait(10.06) == pytest.approx(0.94)
    settle.note(watch.Change(path, watch.IN_CLOSE_WRITE), 10.1)
    assert settle.wait(10.12) == pytest.approx(0.03)
    assert settle.wait(10.2) == 0
    assert settle.take() == (10.0, [path])
    assert settle.wait(11.0) is None
    for step in range(40):   # a stream of writes with no pause still gets built after `longest`
        settle.note(watch.Change(path, watch.IN_CLOSE_WRITE), 20.0 + step * 0.01)
        assert settle.wait(20.0 + step * 0.01) > 0
    settle.note(watch.Change(path, watch.IN_CLOSE_WRITE), 22.0)
    assert settle.wait(22.0) == 0


# --- the preview loop, in-process -------------------------------------------------------------------------


def test_a_save_during_a_rebuild_is_built_afterwards(project, monkeypatch):
    """The second save lands while the first rebuild is still running (deterministically: inside it, after the
    build has read and written everything); the preview must build again and end with the second save."""
    from livereload.handlers import LiveReloadHandler

    assert project.run("build") == (0, "", "")
    app, out, stores = project.root / APP_PATH, project.out, {}
    calls = []

    def rebuild_once():
        ok = rebuild(project.root, out, stores, history_mode=None)
        page = (out / "apps/sample_app/index.html").read_text(encoding="utf-8")
        calls.append("First save" in page and "Second save" not in page)
        if len(calls) == 1:
            save_like_an_editor(app, with_summary("Second save."))   # the build above is over; the rebuild call is not
        return ok

    preview = make_preview_class()(project.root, out, 0, rebuild_once)
    monkeypatch.setattr(LiveReloadHandler, "watcher", preview)   # reload_waiters logs the watcher's path

    async def run():
        preview.start(None)
        save_like_an_editor(app, with_summary("First save."))
        deadline = time.monotonic() + WAIT
        while len(calls) < 2 and time.monotonic() < deadline:
            await asyncio.sleep(0.02)

    try:
        asyncio.run(run())
    finally:
        preview.stop()
    assert calls[:1] == [True], "the first rebuild did not build the first save"
    assert len(calls) == 2, "the save made during the rebuild was never built"
    assert "Second save." in (out / "apps/sample_app/index.html").read_text(encoding="utf-8")
    assert preview.generation == 2


def test_closing_a_written_file_brings_the_build_forward(project):
    """While a written file is still open the build waits (open_wait); its close must bring the build forward to
    the quiet deadline, even though a timer for the longer wait is already set. (Checks the timer, not the clock.)"""
    builds = []
    preview = make_preview_class()(project.root, project.out, 0, lambda: builds.append(1) or True)
    preview.settle = watch.Settle(quiet=5.0, open_wait=60.0, longest=120.0)   # long enough that nothing fires here

    async def until(predicate):
        deadline = time.monotonic() + WAIT
        while not predicate() and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        assert predicate()

    async def run():
        preview.start(None)
        with open(project.root / APP_PATH, "a", encoding="utf-8") as handle:
            handle.write("# a comment\n")
            handle.flush()   # written, not yet closed
            await until(lambda: preview.settle.writing)
            assert preview.due > preview.settle.last + 50
        await until(lambda: not preview.settle.writing)
        assert preview.due <= preview.settle.last + 5.0 + 0.5

    try:
        asyncio.run(run())
    finally:
        preview.stop()
    assert builds == []


# --- the real server and a real browser -------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def default_ctrl_c() -> None:
    """In the child: take Ctrl-C as usual even if the tests run where it is ignored (a background job)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


class Served:
    """A running `build.py serve` with its output collected line by line."""

    def __init__(self, root: Path):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.proc = subprocess.Popen(
            [sys.executable, str(REPO / "build.py"), "serve", "--root", str(root), "--port", str(self.port), "--no-history"],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"},
            preexec_fn=default_ctrl_c)
        self.lines: queue.Queue[str] = queue.Queue()
        self.log: list[str] = []
        threading.Thread(target=self._pump, daemon=True).start()
        self.wait_for_line(lambda line: line.startswith("serving "), "the first build")
        deadline = time.monotonic() + WAIT
        while True:   # "serving" comes just before livereload opens the port
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=5).close()
                break
            except OSError:
                if time.monotonic() > deadline or self.proc.poll() is not None:
                    pytest.fail("the server did not open its port:\n" + "\n".join(self.log))
                time.sleep(0.02)

    def _pump(self) -> None:
        for line in self.proc.stdout:
            self.lines.put(line.rstrip("\n"))

    def wait_for_line(self, predicate, what: str) -> str:
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.1)
            except queue.Empty:
                if self.proc.poll() is not None:
                    break
                continue
            self.log.append(line)
            if predicate(line):
                return line
        pytest.fail(f"timed out waiting for {what}; the server said:\n" + "\n".join(self.log))

    def stop(self) -> tuple[int, str]:
        """Stop the server with Ctrl-C; return its exit status and the rest of its output.

        130 is a clean stop too: Ctrl-C came during a build (or before the loop started) and build.py said so.
        """
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
        try:
            status = self.proc.wait(timeout=WAIT)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            pytest.fail("the server did not stop on Ctrl-C:\n" + "\n".join(self.log))
        time.sleep(0.1)
        while not self.lines.empty():
            self.log.append(self.lines.get())
        return status, "\n".join(self.log)


@pytest.fixture
def served(project):
    assert project.run("build") == (0, "", "")
    server = Served(project.root)
    try:
        yield project, server
    finally:
        server.stop()


def page_text(driver) -> str:
    return driver.execute_script("return document.body ? document.body.innerText : ''")


def wait_in_browser(driver, text: str, what: str) -> None:
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        try:
            if text in page_text(driver):
                return
        except Exception:  # noqa: BLE001 - the page is mid-reload; ask again
            pass
        time.sleep(0.02)
    pytest.fail(f"timed out waiting for the browser to show {what}")


def wait_connected(driver, server: Served) -> None:
    """Wait until the page's livereload.js has joined (its first reload cannot be missed after that)."""
    server.wait_for_line(lambda line: "Browser Connected" in line, "the page's livereload connection")


def test_browser_follows_two_quick_saves(served, browser):  # noqa: F811
    project, server = served
    app = project.root / APP_PATH
    browser.get(server.url + "apps/sample_app/")
    assert "A small app used by the tests." in page_text(browser)
    wait_connected(browser, server)

    save_like_an_editor(app, with_summary("First quick save."))
    wait_in_browser(browser, "First quick save.", "the first save")
    save_like_an_editor(app, with_summary("Second quick save."))   # well inside livereload's own 3 s guard
    wait_in_browser(browser, "Second quick save.", "the second save")

    project.app("sample_app", with_summary("Third save."))          # written in place, no rename
    project.app("sample_app", with_summary("Fourth save, straight after."))
    wait_in_browser(browser, "Fourth save, straight after.", "the last of two back-to-back saves")
    status, log = server.stop()
    assert status in (0, 130) and "Traceback" not in log


def test_bad_content_keeps_the_last_good_site_in_the_browser(served, browser):  # noqa: F811
    project, server = served
    app = project.root / APP_PATH
    browser.get(server.url + "apps/sample_app/")
    wait_connected(browser, server)
    save_like_an_editor(app, with_summary("Good edit."))
    wait_in_browser(browser, "Good edit.", "the good edit")

    save_like_an_editor(app, with_summary("Broken edit.").replace("name: Sample App", "name: [unclosed"))
    server.wait_for_line(lambda line: "still serving the last good build" in line, "the build to reject the bad edit")
    assert any(line.startswith(APP_PATH + ":") for line in server.log), server.log
    assert "Good edit." in page_text(browser)
    with urllib.request.urlopen(server.url + "apps/sample_app/", timeout=10) as reply:
        assert "Good edit." in reply.read().decode("utf-8")
    browser.refresh()
    assert "Good edit." in page_text(browser)

    save_like_an_editor(app, with_summary("Fixed edit."))
    wait_in_browser(browser, "Fixed edit.", "the fix")
    status, log = server.stop()
    assert status in (0, 130) and "Traceback" not in log


async def livereload_join(port: int, page_url: str, cookie: str, wait: float) -> list[dict]:
    """Join as livereload.js does (hello, then info) sending cookie; return what the server says until a reload or wait seconds."""
    from tornado.httpclient import HTTPRequest
    from tornado.websocket import websocket_connect

    conn = await websocket_connect(HTTPRequest(f"ws://127.0.0.1:{port}/livereload", headers={"Cookie": cookie}))
    try:
        await conn.write_message(json.dumps({"command": "hello", "protocols": ["http://livereload.com/protocols/official-7"]}))
        said = [json.loads(await asyncio.wait_for(conn.read_message(), WAIT))]
        await conn.write_message(json.dumps({"command": "info", "url": page_url, "plugins": {}}))
        try:
            while said[-1]["command"] != "reload":
                said.append(json.loads(await asyncio.wait_for(conn.read_message(), wait)))
        except asyncio.TimeoutError:
            pass
        return said
    finally:
        conn.close()


def test_a_page_that_joins_after_its_reload_went_out_is_reloaded(served):
    """A page fetched just before a build, whose websocket joins only after that build's reload was sent
    (the browser was still loading it), must still be told to reload."""
    project, server = served
    page = server.url + "apps/sample_app/"
    with urllib.request.urlopen(page, timeout=10) as reply:
        cookie = reply.headers["Set-Cookie"].split(";")[0]   # which build this page came from
    save_like_an_editor(project.root / APP_PATH, with_summary("Built while the page was loading."))
    server.wait_for_line(lambda line: line.startswith("rebuilt: "), "the rebuild")
    said = asyncio.run(livereload_join(server.port, page, cookie, WAIT))
    assert said[0]["command"] == "hello" and said[1]["command"] == "reload", said

    with urllib.request.urlopen(page, timeout=10) as reply:   # served after the build: up to date, no reload
        assert "Built while the page was loading." in reply.read().decode("utf-8")
        cookie = reply.headers["Set-Cookie"].split(";")[0]
    said = asyncio.run(livereload_join(server.port, page, cookie, 1.0))
    assert [message["command"] for message in said] == ["hello"], said


def test_ctrl_c_stops_the_server_cleanly(served):
    _, server = served
    status, log = server.stop()
    assert status in (0, 130), log
    assert "Traceback" not in log and "Error" not in log


@pytest.mark.parametrize("delay", [0, 0.002, 0.02])
def test_ctrl_c_right_after_start_leaves_no_traceback(project, delay):
    """Ctrl-C just after the first build, before or while livereload's loop starts: a clean stop, no asyncio noise."""
    assert project.run("build") == (0, "", "")
    proc = subprocess.Popen([sys.executable, str(REPO / "build.py"), "serve", "--root", str(project.root), "--port", str(free_port()), "--no-history"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, preexec_fn=default_ctrl_c)
    for line in proc.stdout:
        if line.startswith("serving "):
            break
    time.sleep(delay)
    proc.send_signal(signal.SIGINT)
    out = proc.stdout.read()
    assert proc.wait(timeout=WAIT) in (0, 130), out
    assert "Traceback" not in out and "Exception ignored" not in out, out
