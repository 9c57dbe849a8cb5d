"""Preview server: livereload on 127.0.0.1, rebuilding as soon as a file under content, templates or static is saved.

livereload serves the site and reloads the browser (its websocket and livereload.js), but its own watcher
looks for changes only every 0.8 s and drops a reload that comes within 3 s of the previous one. So a
Preview (inotify, policysite/preview/watch.py) takes its place: it builds once the save has settled, builds again
for saves made during a build, and tells every open page to reload after each good build.
"""

from __future__ import annotations

import errno
import signal
import sys
import time
from pathlib import Path

from policysite.content.history import PREVIEW, history_refusal
from policysite.engine.memo import Memo
from policysite.engine.recipe import build
from policysite.preview.guard import Names, check_listen, describe_listen_error, guard_livereload, refuse
from policysite.preview.watch import Settle, Tree, WatchError
from policysite.problems import ContentError, printable, summarise
from policysite.sources.gitread import GitError

WATCHED = ("content", "templates", "static")
RELOAD = {"command": "reload", "path": "*", "liveCSS": True, "liveImg": True}   # livereload's message; '*': the whole page


def rebuild(root: Path, out_dir: Path, memo: Memo | None = None, history_mode: str | None = PREVIEW) -> bool:
    """Build once; on problems print them and keep the last good site. Return True on success.

    memo keeps what the build remembers in memory between rebuilds, so a save does not reload it from disk.
    history_mode: PREVIEW (an app file not yet committed shows no history, with a warning) or None (--no-history).
    """
    start = time.perf_counter()
    try:
        site = build(root, out_dir, history_mode=history_mode, memo=memo)
    except GitError as exc:   # the checkout changed under the server (its owner, a shallow fetch)
        print(f"error: {printable(str(exc))}; still serving the last good build", file=sys.stderr, flush=True)
        return False
    except ContentError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        print(summarise(exc.problems, f"{out_dir.name}/") + "; still serving the last good build", file=sys.stderr, flush=True)
        return False
    for warning in site.warnings:
        print(warning, file=sys.stderr)
    print(f"rebuilt: {len(site.apps)} app pages in {time.perf_counter() - start:.2f} s", flush=True)
    return True


def is_output(out_dir: Path, path: Path) -> bool:
    """Return True for the output folder, anything in it, and the build's working copies beside it."""
    return (path == out_dir or out_dir in path.parents
            or (path.parent == out_dir.parent and path.name.startswith(f".{out_dir.name}.")))


def describe(root: Path, paths: list) -> str:
    """Return the changed paths for the log, relative to root: 'content/apps/x.yaml' or 'a, b and more'."""
    if None in paths:
        return "many files"
    paths = sorted(paths, key=lambda path: not path.exists())   # an editor's temporary files are gone: name the saved file
    names = []
    for path in paths[:2]:
        try:
            names.append(path.relative_to(root).as_posix())
        except ValueError:
            names.append(str(path))
    return ", ".join(names) + (" and more" if len(paths) > 2 else "")


class Waiters(set):
    """livereload's set of connected pages, telling the preview about each page that joins."""

    def __init__(self, joined):
        super().__init__()
        self.joined = joined

    def add(self, handler) -> None:
        """Add a page's websocket, then let the preview catch it up."""
        super().add(handler)
        self.joined(handler)


def make_preview_class():
    """Return the Preview class (livereload and tornado are imported only when serving)."""
    from livereload.handlers import LiveReloadHandler
    from livereload.watcher import Watcher
    from tornado.ioloop import IOLoop

    class Preview(Watcher):
        """Stands in for livereload's watcher: inotify events -> settle -> build -> reload every open page.

        Everything runs on tornado's loop, one build at a time. Events that come during a build wait in the
        kernel's queue and are read when it ends, so the next build picks them up: no save is lost.
        """

        def __init__(self, root: Path, out_dir: Path, port: int, rebuild_once):
            super().__init__()
            self.tree = Tree(root, WATCHED, skip=lambda path: is_output(out_dir, path))
            self.root, self.rebuild_once, self.settle = root, rebuild_once, Settle()
            self.generation = 0   # good builds so far; a page's cookie says which one it was served from
            self.cookie = f"policysite_build_{port}"   # cookies ignore the port: one name per server
            self.builds = 0
            self._timer = None
            self.due = 0.0   # when the timer fires (time.monotonic)
            self._loop = None
            # livereload's start_tasks watches the working folder when a watcher has no tasks: say what we watch.
            self._tasks = {str(root / name): {"func": None, "delay": None, "ignore": None, "mtimes": {}} for name in WATCHED}

        def start(self, callback) -> bool:
            """Read inotify events on tornado's loop; True tells livereload not to poll."""
            self._loop = IOLoop.current()
            self._loop.add_handler(self.tree.fd, self._readable, IOLoop.READ)
            return True

        def stop(self) -> None:
            """Stop watching."""
            if self._loop is not None and self.tree.fd >= 0:
                self._loop.remove_handler(self.tree.fd)
            self.tree.close()

        def _readable(self, fd, events) -> None:
            self._absorb()
            self._schedule()

        def _absorb(self) -> None:
            now = time.monotonic()
            for change in self.tree.read():
                self.settle.note(change, now)

        def _schedule(self) -> None:
            """Set the timer for when the burst will have settled (sooner, once a written file has been closed)."""
            now = time.monotonic()
            wait = self.settle.wait(now)
            if wait is None or (self._timer is not None and self.due <= now + wait):
                return
            if self._timer is not None:
                self._loop.remove_timeout(self._timer)
            self.due = now + wait
            self._timer = self._loop.call_later(wait, self._settled)

        def _settled(self) -> None:
            self._timer = None
            self._absorb()
            wait = self.settle.wait(time.monotonic())
            if wait is None:
                return
            if wait > 0:
                self._schedule()
                return
            self.build_now()
            self._absorb()   # saves made while building
            self._schedule()

        def build_now(self) -> None:
            """Build what has changed; after a good build, reload every open page."""
            _, paths = self.settle.take()
            self.filepath = str(paths[0]) if paths and paths[0] else None
            print(f"changed: {describe(self.root, paths)}; rebuilding", flush=True)
            self.builds += 1
            if self.rebuild_once():
                self.generation += 1
                LiveReloadHandler.reload_waiters(RELOAD["path"])

        def joined(self, handler) -> None:
            """Reload a page that was served before the latest good build but connected only after its reload went out."""
            served = handler.get_cookie(self.cookie) or ""
            if served.isdigit() and int(served) < self.generation:
                handler.send_message(RELOAD)

    return Preview


def page_handler_class(preview, names: Names):
    """Return livereload's file handler, refusing what guard.py refuses and setting on each HTML page a cookie
    that says which build it came from (none when the fallback watcher runs: preview is None)."""
    from livereload.handlers import StaticFileHandler

    class PageHandler(StaticFileHandler):
        def prepare(self):
            refuse(self, names, path=True)

        def set_extra_headers(self, path):
            if preview and self._headers.get("Content-Type", "").startswith("text/html"):
                self.set_cookie(preview.cookie, str(preview.generation), path="/", samesite="Strict")

    return PageHandler


def serve(root: Path, out_dir: Path, host: str, port: int, with_history: bool = True) -> int:
    """Build, then serve out_dir with live reload until interrupted; return the exit status.

    Without a whole git history it refuses at once, as a build does, unless with_history is False.
    """
    if not 0 < port < 65536:
        print(f"error: --port: expected 1 to 65535, got {port}", file=sys.stderr)
        return 2
    if problem := check_listen(host, port):
        print(f"error: {problem}", file=sys.stderr)
        return 1
    root, out_dir = root.resolve(), out_dir.resolve()
    if with_history and (refusal := history_refusal(root)):
        print(f"error: {printable(refusal)}", file=sys.stderr)
        return 1
    mode = PREVIEW if with_history else None
    memo = Memo(root, keep=True)
    try:
        preview = make_preview_class()(root, out_dir, port, lambda: rebuild(root, out_dir, memo, mode))
    except WatchError as exc:   # not Linux, or out of inotify watches: livereload's own polling still works
        print(f"{exc}; looking for changes every 0.8 s instead", file=sys.stderr)
        preview = None
    if not with_history:
        print("note: serving without the policy history (--no-history)", flush=True)
    if rebuild(root, out_dir, memo, mode):
        if preview:
            preview.generation = 1
    elif not out_dir.exists():
        print("nothing to serve yet; fix the problems above and save again", file=sys.stderr)
        out_dir.mkdir(parents=True)
    names = Names(host, port)
    return run_server(make_server(root, out_dir, preview, names, memo, mode), preview, out_dir, host, names)


def make_server(root: Path, out_dir: Path, preview, names: Names, memo: Memo, mode: str | None):
    """Return livereload's server with our watcher (or its own, polling) and handlers that refuse what guard.py refuses."""
    from livereload import Server
    from livereload.handlers import LiveReloadHandler

    if preview:
        server = Server(watcher=preview)
        LiveReloadHandler.waiters = Waiters(preview.joined)
    else:
        server = Server()
        for name in WATCHED:
            server.watch(str(root / name), lambda: rebuild(root, out_dir, memo, mode))
    server.SFH = page_handler_class(preview, names)
    guard_livereload(names)
    return server


def run_server(server, preview, out_dir: Path, host: str, names: Names) -> int:
    """Serve until Ctrl-C; return the exit status."""
    from tornado.ioloop import IOLoop

    loop = None
    hold_ctrl_c(True)   # a loop cut short while being made complains when it is collected
    try:
        loop = IOLoop.current()   # the loop livereload runs; made here so that it is closed however serving ends
        hold_ctrl_c(False)        # a Ctrl-C that came meanwhile arrives here
        print(f"serving {out_dir} at http://{names.hosts[0]}:{names.port}/", flush=True)
        server.serve(root=str(out_dir), host=host, port=names.port, open_url_delay=None, default_filename="index.html")
    except KeyboardInterrupt:
        pass   # Ctrl-C before livereload's loop was running (livereload handles it once it runs)
    except OSError as exc:   # something took the port during the first build
        if exc.errno != errno.EADDRINUSE:
            raise
        print(f"error: {describe_listen_error(exc, host, names.port)}", file=sys.stderr)
        return 1
    finally:
        hold_ctrl_c(False)
        if preview:
            preview.stop()
        if loop is not None and not loop.asyncio_loop.is_closed():   # livereload leaves it open after Ctrl-C: asyncio then complains at exit
            loop.close()
    return 0


def hold_ctrl_c(hold: bool) -> None:
    """Hold back SIGINT (it is delivered when released), where the system allows."""
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_BLOCK if hold else signal.SIG_UNBLOCK, {signal.SIGINT})
