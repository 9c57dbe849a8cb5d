"""Preview server: serve the site on 127.0.0.1, rebuild as soon as a file under content, templates or static is
saved, reload every open page after a good build and show the problems of a bad one over it.

A server of our own on tornado (policysite/preview/web.py) rather than livereload: livereload's public API can
neither send a page the build's problems nor tell a page that missed its reload; both need the page to say
which build it came from. The watcher (inotify, or a listing every 0.8 s without it) and the build loop are
policysite/preview/loop.py.
"""

from __future__ import annotations

import signal
import sys
import time
from functools import partial
from pathlib import Path

from policysite.content.history import PREVIEW, history_refusal
from policysite.engine.memo import Memo
from policysite.engine.recipe import build
from policysite.preview.guard import Names, check_listen, describe_listen_error
from policysite.preview.loop import Failure, Preview
from policysite.preview.poll import Poll
from policysite.preview.watch import Tree, WatchError, is_output
from policysite.problems import ContentError, printable, report_lines, summarise
from policysite.sources.gitread import GitError

WATCHED = ("content", "templates", "static", "locale")
STILL_SERVING = "; still serving the last good build"


def rebuild(root: Path, out_dir: Path, memo: Memo | None = None, history_mode: str | None = PREVIEW) -> Failure | None:
    """Build once; on problems print them (the page shows the same lines) and keep the last good site.

    Return None on success, else the Failure. memo keeps what the build remembers in memory between rebuilds, so a
    save does not reload it from disk. history_mode: PREVIEW (an app file not yet committed shows no history,
    with a warning) or None (--no-history).
    """
    start = time.perf_counter()
    try:
        site = build(root, out_dir, history_mode=history_mode, memo=memo)
    except GitError as exc:   # the checkout changed under the server (its owner, a shallow fetch)
        failure = Failure((), f"error: {printable(str(exc))}{STILL_SERVING}")
    except ContentError as exc:
        failure = Failure(tuple(report_lines(exc.problems)), summarise(exc.problems, f"{out_dir.name}/") + STILL_SERVING)
    else:
        for warning in site.warnings:
            print(warning, file=sys.stderr)
        print(f"rebuilt: {len(site.apps)} app pages in {time.perf_counter() - start:.2f} s", flush=True)
        return None
    for line in (*failure.problems, failure.summary):
        print(line, file=sys.stderr)
    sys.stderr.flush()
    return failure


def open_watcher(root: Path, out_dir: Path):
    """Return inotify watches on the project's folders, or, where they cannot be had, a listing every 0.8 s."""
    skip = partial(is_output, out_dir)
    try:
        return Tree(root, WATCHED, skip=skip)
    except WatchError as exc:   # not Linux, or out of inotify watches
        print(f"{exc}; looking for changes every 0.8 s instead", file=sys.stderr)
        return Poll(root, WATCHED, skip=skip)


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
    # Watching starts before the first build, so a save made during it is built next.
    preview = Preview(root, open_watcher(root, out_dir), lambda: rebuild(root, out_dir, memo, mode))
    if not with_history:
        print("note: serving without the policy history (--no-history)", flush=True)
    preview.record(preview.build_once())
    if preview.failure and not out_dir.exists():
        print("nothing to serve yet; fix the problems above and save again", file=sys.stderr)
        out_dir.mkdir(parents=True)
    return run_server(preview, out_dir, host, Names(host, port))


def run_server(preview: Preview, out_dir: Path, host: str, names: Names) -> int:
    """Listen, then serve until Ctrl-C; return the exit status."""
    from tornado.ioloop import IOLoop

    from policysite.preview.web import make_app

    loop = None
    hold_ctrl_c(True)   # a loop cut short while being made complains when it is collected
    try:
        loop = IOLoop.current()   # made here so that it is closed however serving ends
        default = signal.getsignal(signal.SIGINT) is signal.default_int_handler
        if default:   # not where Ctrl-C is ignored (a background job)
            signal.signal(signal.SIGINT, lambda signum, frame: stop_on_ctrl_c(loop))
        hold_ctrl_c(False)        # a Ctrl-C that came meanwhile arrives here
        try:
            make_app(preview, out_dir, names).listen(names.port, address=host)
        except OSError as exc:   # something took the port during the first build
            print(f"error: {describe_listen_error(exc, host, names.port)}", file=sys.stderr)
            return 1
        preview.start()
        print(f"serving {out_dir} at http://{names.hosts[0]}:{names.port}/", flush=True)
        loop.start()
    except KeyboardInterrupt:
        pass
    finally:
        hold_ctrl_c(False)
        if loop is not None and default:
            signal.signal(signal.SIGINT, signal.default_int_handler)
        preview.stop()
        if loop is not None and not loop.asyncio_loop.is_closed():   # else asyncio complains at exit
            loop.close(all_fds=True)
    return 0


def stop_on_ctrl_c(loop) -> None:
    """Raise KeyboardInterrupt, as Python does on Ctrl-C, and also ask the loop to stop: an exception raised while
    Python runs a finalizer is only reported, never raised, and the server would then go on serving."""
    loop.asyncio_loop.call_soon_threadsafe(loop.stop)
    raise KeyboardInterrupt


def hold_ctrl_c(hold: bool) -> None:
    """Hold back SIGINT (it is delivered when released), where the system allows."""
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_BLOCK if hold else signal.SIG_UNBLOCK, {signal.SIGINT})
