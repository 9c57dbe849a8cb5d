"""Instant preview: inotify-driven rebuilds, no lost saves, a real browser that follows every good save and shows
the problems of a bad one over the page.

The timeouts here only stop a hang; how fast a save shows is measured in bench/preview.py, not asserted.
"""

from __future__ import annotations

import asyncio
import json
import os
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from functools import partial
from pathlib import Path

import pytest

from browser import browser, emulated_media, run_axe  # noqa: F401  (session fixture)
from conftest import REPO, VALID_APP, ctrl_c_as_at_a_terminal

from policysite.engine.memo import Memo
from policysite.preview import poll, watch
from policysite.preview.loop import MAX_SHOWN, Failure, Preview
from policysite.preview.serve import WATCHED, rebuild
from policysite.preview.watch import is_output

WAIT = 60   # seconds before giving up: a bound against hanging, not a speed check
APP_PATH = "content/apps/sample_app.yaml"


def with_summary(text: str) -> str:
    """Return the sample app with another summary line."""
    return VALID_APP.replace("summary: A small app used by the tests.", f"summary: {text}")


def open_preview(project, build_once, watcher=None) -> Preview:
    """Return a Preview of the project (inotify unless another watcher is given) that builds with build_once."""
    return Preview(project.root, watcher or watch.Tree(project.root, WATCHED, skip=partial(is_output, project.out)), build_once)


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


def test_a_save_during_a_rebuild_is_built_afterwards(project):
    """The second save lands while the first rebuild is still running (deterministically: inside it, after the
    build has read and written everything); the preview must build again and end with the second save."""
    assert project.run("build") == (0, "", "")
    app, out, memo = project.root / APP_PATH, project.out, Memo(project.root, keep=True)
    calls = []

    def rebuild_once():
        failure = rebuild(project.root, out, memo, history_mode=None)
        page = (out / "apps/sample_app/index.html").read_text(encoding="utf-8")
        calls.append("First save" in page and "Second save" not in page)
        if len(calls) == 1:
            save_like_an_editor(app, with_summary("Second save."))   # the build above is over; the rebuild call is not
        return failure

    preview = open_preview(project, rebuild_once)

    async def run():
        preview.start()
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
    preview = open_preview(project, lambda: builds.append(1))
    preview.settle = watch.Settle(quiet=5.0, open_wait=60.0, longest=120.0)   # long enough that nothing fires here

    async def until(predicate):
        deadline = time.monotonic() + WAIT
        while not predicate() and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        assert predicate()

    async def run():
        preview.start()
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


class Page:
    """An open page's reload socket, as the preview sees it: what it was sent."""

    def __init__(self):
        self.said: list[dict] = []

    def send(self, text: str) -> None:
        self.said.append(json.loads(text))


FAILED = Failure(("content/apps/sample_app.yaml:3:11: category: expected one of 'Cloud', got '<b>x</b>'",),
                 "error: 1 problem in 1 file; site/ was not changed; still serving the last good build")
SHOWN = {"type": "failed", "problems": list(FAILED.problems), "summary": FAILED.summary}


def test_open_pages_are_reloaded_after_a_good_build_and_shown_the_problems_of_a_bad_one(project):
    preview = open_preview(project, lambda: None)
    try:
        preview.record(None)   # the first build
        current, stale = Page(), Page()
        preview.join(current, preview.token)
        preview.join(stale, "not-this-build")   # served before the latest build, or by another run of the server
        assert (current.said, stale.said) == ([], [{"type": "reload"}])
        preview.leave(stale)                     # it reloads: its socket closes

        preview.record(FAILED)
        assert current.said == [SHOWN]
        opened = Page()                          # opened (or reloaded) while the last build failed
        preview.join(opened, preview.token)
        assert opened.said == [SHOWN]

        token = preview.token
        preview.record(None)
        assert preview.token != token
        assert current.said[-1] == opened.said[-1] == {"type": "reload"} and len(stale.said) == 1
        again = Page()                           # the reloaded page: up to date, nothing to show
        preview.join(again, preview.token)
        assert again.said == []
    finally:
        preview.stop()


def test_another_run_of_the_server_never_takes_a_page_for_up_to_date(project):
    first, second = open_preview(project, lambda: None), open_preview(project, lambda: None)
    try:
        first.record(None)
        second.record(None)
        assert first.generation == second.generation and first.token != second.token
    finally:
        first.stop()
        second.stop()


def test_a_page_is_sent_at_most_so_many_problem_lines():
    lines = tuple(f"content/apps/app_{n:03}.yaml:1:1: name: missing" for n in range(MAX_SHOWN + 7))
    said = json.loads(Failure(lines, "error: ...").message())
    assert said["problems"] == [*lines[:MAX_SHOWN], "\u2026 and 7 more lines in the terminal"]


def test_a_failed_rebuild_prints_what_the_page_is_shown_as_the_build_does(project, capsys):
    """The same lines as `build.py build`, 20 a file then how many more, and the summary saying the site stays."""
    project.app("sample_app", VALID_APP + "".join(f"extra_{n}: 1\n" for n in range(25)))
    status, _, build_err = project.run("build", capsys=capsys)
    assert status == 1
    failure = rebuild(project.root, project.out, {}, history_mode=None)
    assert capsys.readouterr().err.splitlines() == [*failure.problems, failure.summary]
    assert [*failure.problems, failure.summary] == [
        *build_err.splitlines()[:-1], build_err.splitlines()[-1] + "; still serving the last good build"]
    assert failure.problems[0] == "content/apps/sample_app.yaml:42:1: extra_0: unknown field"
    assert failure.problems[-1] == "content/apps/sample_app.yaml: \u2026 and 5 more problems in this file"
    assert failure.summary == "error: 25 problems in 1 file; site/ was not changed; still serving the last good build"


# --- polling, where inotify is missing --------------------------------------------------------------------


def test_polling_reports_what_came_went_or_changed_and_skips_output(tmp_path):
    for name in ("content/apps", "templates", "static"):
        (tmp_path / name).mkdir(parents=True)
    out = tmp_path / "content" / "site"
    out.mkdir()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (tmp_path / "static/linked").symlink_to(elsewhere)   # never followed: the build refuses links
    watcher = poll.Poll(tmp_path, ("content", "templates", "static"), skip=partial(is_output, out))
    assert watcher.read() == []

    app = tmp_path / "content/apps/x.yaml"
    app.write_text("name: X\n")
    (out / "index.html").write_text("built")
    (tmp_path / "content" / ".site.building-1").mkdir()
    (elsewhere / "secret.txt").write_text("outside")
    swap = tmp_path / "content/apps/.x.yaml.swp"
    swap.write_bytes(b"vim swap")           # its creation counts (the build sees the file)...
    assert {c.path for c in watcher.read()} == {app, swap, tmp_path / "content", tmp_path / "content/apps"}

    with open(swap, "ab") as handle:       # ...but vim rewriting it while someone types does not
        handle.write(b"more")
    assert watcher.read() == []
    app.write_text("name: Longer X\n")
    assert [(c.path, c.is_close) for c in watcher.read()] == [(app, True)]
    app.unlink()
    assert {c.path for c in watcher.read()} == {app, tmp_path / "content/apps"}


def test_a_save_seen_by_polling_is_built(project):
    watcher = poll.Poll(project.root, WATCHED, skip=partial(is_output, project.out))
    builds = []
    preview = open_preview(project, lambda: builds.append(1), watcher)

    async def run():
        preview.start()
        project.app("sample_app", with_summary("Seen by polling."))
        deadline = time.monotonic() + WAIT
        while not builds and time.monotonic() < deadline:
            await asyncio.sleep(0.05)

    try:
        asyncio.run(run())
    finally:
        preview.stop()
    assert builds == [1] and preview.generation == 1


# --- the real server and a real browser -------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Served:
    """A running `build.py serve` with its output collected line by line."""

    def __init__(self, root: Path):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.proc = subprocess.Popen(
            [sys.executable, str(REPO / "build.py"), "serve", "--root", str(root), "--port", str(self.port), "--no-history"],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"},
            preexec_fn=ctrl_c_as_at_a_terminal)
        self.lines: queue.Queue[str] = queue.Queue()
        self.log: list[str] = []
        threading.Thread(target=self._pump, daemon=True).start()
        self.wait_for_line(lambda line: line.startswith("serving "), "the first build")
        deadline = time.monotonic() + WAIT
        while True:   # "serving" comes once the port is open; a connection says it is answered
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
            pytest.fail("the server did not stop on Ctrl-C:\n" + self.rest())
        return status, self.rest()

    def rest(self) -> str:
        """Return everything the server said, what no wait read yet included."""
        time.sleep(0.1)
        while not self.lines.empty():
            self.log.append(self.lines.get())
        return "\n".join(self.log)


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
    """Wait until the page's script has joined the reload socket (a reload cannot be missed after that either way)."""
    server.wait_for_line(lambda line: line.startswith("page connected: "), "the page's reload socket")


def test_browser_follows_two_quick_saves(served, browser):  # noqa: F811
    project, server = served
    app = project.root / APP_PATH
    browser.get(server.url + "apps/sample_app/")
    assert "A small app used by the tests." in page_text(browser)
    wait_connected(browser, server)

    save_like_an_editor(app, with_summary("First quick save."))
    wait_in_browser(browser, "First quick save.", "the first save")
    save_like_an_editor(app, with_summary("Second quick save."))   # well inside the 3 s livereload ignored saves for
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


OVERLAY = """
const host = document.querySelector('policysite-problems');
const dialog = host && host.shadowRoot.querySelector('dialog');
if (!dialog || !dialog.open) return null;
const root = host.shadowRoot;
return {title: root.getElementById(dialog.getAttribute('aria-labelledby')).textContent,
        problems: [...dialog.querySelectorAll('li')].map(li => li.textContent),
        markup: dialog.querySelectorAll('li *').length, summary: dialog.querySelector('.summary').textContent,
        modal: dialog.matches(':modal'), focused: root.activeElement ? root.activeElement.textContent : null,
        still_loaded: window.loadedBeforeTheBadSave === true};
"""
BAD_CATEGORY = ("content/apps/sample_app.yaml:3:11: category: expected one of 'Cloud', 'Gateway', 'Network', 'Reports', "
                "'Server', 'System', got '<b>Server</b>'; did you mean 'Server'?")
STILL_SERVING = "error: 1 problem in 1 file; site/ was not changed; still serving the last good build"


def wait_for_overlay(driver, shown: bool, what: str) -> dict | None:
    """Wait until the problems are shown over the page (or are not); return what the overlay says."""
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        try:
            found = driver.execute_script(OVERLAY)
        except Exception:  # noqa: BLE001 - the page is mid-reload; ask again
            found = False
        if found is not False and (found is not None) == shown:
            return found
        time.sleep(0.02)
    pytest.fail(f"timed out waiting for {what}")


def test_browser_shows_a_bad_saves_problems_over_the_page_until_a_good_save(served, browser):  # noqa: F811
    from selenium.webdriver.common.keys import Keys

    project, server = served
    app = project.root / APP_PATH
    browser.get(server.url + "apps/sample_app/")
    wait_connected(browser, server)
    browser.execute_script("window.loadedBeforeTheBadSave = true")

    save_like_an_editor(app, VALID_APP.replace("category: Server", "category: <b>Server</b>"))
    server.wait_for_line(lambda line: line == STILL_SERVING, "the build to fail")
    shown = wait_for_overlay(browser, True, "the problems over the open page")
    assert shown == {"title": "The site did not build", "problems": [BAD_CATEGORY], "markup": 0, "summary": STILL_SERVING,
                     "modal": True, "focused": "Close", "still_loaded": True}   # shown as text, without a reload
    assert server.log[-2:] == [BAD_CATEGORY, STILL_SERVING]   # as the terminal prints them
    assert "A small app used by the tests." in page_text(browser)   # the last good build, under the overlay

    browser.refresh()   # a page opened while the last build failed shows the problems too
    wait_connected(browser, server)
    shown = wait_for_overlay(browser, True, "the problems over the reloaded page")
    assert (shown["problems"], shown["summary"], shown["still_loaded"]) == ([BAD_CATEGORY], STILL_SERVING, False)
    browser.switch_to.active_element.send_keys(Keys.ESCAPE)   # put away from the keyboard
    wait_for_overlay(browser, False, "Escape to close the overlay")

    save_like_an_editor(app, VALID_APP.replace("Sample App", "Fixed App"))
    wait_in_browser(browser, "Fixed App", "the good save")
    assert wait_for_overlay(browser, False, "no overlay after the good save") is None
    status, log = server.stop()
    assert status in (0, 130) and "Traceback" not in log


def test_browser_problems_overlay_passes_axe_in_light_and_dark(served, browser):  # noqa: F811
    project, server = served
    browser.get(server.url + "apps/sample_app/")
    wait_connected(browser, server)
    project.app("sample_app", VALID_APP.replace("category: Server", "category: <b>Server</b>"))
    wait_for_overlay(browser, True, "the problems over the page")
    for scheme in ("light", "dark"):
        with emulated_media(browser, prefers_color_scheme=scheme):
            found = run_axe(browser)
            assert found == [], (scheme, found)


def test_browser_missing_page_reloads_once_a_build_publishes_it(served, browser):  # noqa: F811
    """An app's page asked for before its file builds: the 404 page follows the builds like any page."""
    project, server = served
    browser.get(server.url + "apps/new_app/")
    assert "Page not found" in page_text(browser)
    wait_connected(browser, server)
    project.app("new_app", VALID_APP.replace("Sample App", "New App").replace("name: New App", "name: [unclosed"))
    shown = wait_for_overlay(browser, True, "the new file's problems over the 404 page")
    assert shown["problems"] == ["content/apps/new_app.yaml:2:7: YAML syntax: expected ',' or ']', but got ':' (while parsing a flow sequence)"]
    project.app("new_app", VALID_APP.replace("Sample App", "New App"))
    wait_in_browser(browser, "New App", "the new app's page")


def served_build(url: str) -> str:
    """Fetch a page as a browser would; return the build its script tag says it came from."""
    with urllib.request.urlopen(url, timeout=10) as reply:
        return re.search(r'<script src="/_preview/client.js" data-build="([^"]+)" defer></script></head>',
                         reply.read().decode("utf-8"))[1]


async def join(port: int, build: str, wait: float) -> list[dict]:
    """Join the reload socket as a page of that build does; return what the server says until a reload or wait seconds."""
    from tornado.websocket import websocket_connect

    conn = await websocket_connect(f"ws://127.0.0.1:{port}/_preview/socket?build={build}&page=/apps/sample_app/")
    said: list[dict] = []
    try:
        while not said or said[-1]["type"] != "reload":
            said.append(json.loads(await asyncio.wait_for(conn.read_message(), wait)))
    except asyncio.TimeoutError:
        pass
    finally:
        conn.close()
    return said


def test_a_page_that_joins_after_its_reload_went_out_is_reloaded(served):
    """A page fetched just before a build, whose socket joins only after that build's reload was sent (the
    browser was still loading it), must still be told to reload, even if another page (a second tab) was
    fetched after the build: each page says which build it came from."""
    project, server = served
    page = server.url + "apps/sample_app/"
    before = served_build(page)
    save_like_an_editor(project.root / APP_PATH, with_summary("Built while the page was loading."))
    server.wait_for_line(lambda line: line.startswith("rebuilt: "), "the rebuild")
    after = served_build(page)   # another tab, opened after the build
    assert before != after
    assert asyncio.run(join(server.port, before, WAIT)) == [{"type": "reload"}]
    assert asyncio.run(join(server.port, after, 1.0)) == []   # up to date: nothing to say


def test_a_page_that_joins_while_the_last_build_failed_is_sent_its_problems_exactly(served):
    project, server = served
    page = server.url + "apps/sample_app/"
    save_like_an_editor(project.root / APP_PATH, VALID_APP.replace("category: Server", "category: <b>Server</b>"))
    server.wait_for_line(lambda line: "still serving the last good build" in line, "the build to fail")
    problem = ("content/apps/sample_app.yaml:3:11: category: expected one of 'Cloud', 'Gateway', 'Network', 'Reports', "
               "'Server', 'System', got '<b>Server</b>'; did you mean 'Server'?")
    summary = "error: 1 problem in 1 file; site/ was not changed; still serving the last good build"
    assert server.log[-2:] == [problem, summary]
    assert asyncio.run(join(server.port, served_build(page), 1.0)) == [
        {"type": "failed", "problems": [problem], "summary": summary}]


def test_ctrl_c_stops_the_server_cleanly(served):
    _, server = served
    status, log = server.stop()
    assert status in (0, 130), log
    assert "Traceback" not in log and "Error" not in log


@pytest.mark.parametrize("delay", [0, 0.002, 0.02])
def test_ctrl_c_right_after_start_leaves_no_traceback(project, delay):
    """Ctrl-C just after the first build, before or while the server's loop starts: a clean stop, no asyncio noise."""
    assert project.run("build") == (0, "", "")
    proc = subprocess.Popen([sys.executable, str(REPO / "build.py"), "serve", "--root", str(project.root), "--port", str(free_port()), "--no-history"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, preexec_fn=ctrl_c_as_at_a_terminal)
    for line in proc.stdout:
        if line.startswith("serving "):
            break
    time.sleep(delay)
    proc.send_signal(signal.SIGINT)
    out = proc.stdout.read()
    assert proc.wait(timeout=WAIT) in (0, 130), out
    assert "Traceback" not in out and "Exception ignored" not in out, out
