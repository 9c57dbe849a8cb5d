"""The preview's loop: changes -> settle -> build -> tell every open page (reload, or the build's problems).

Everything runs on tornado's loop, one build at a time. inotify events that come during a build wait in the
kernel's queue and are read when it ends, so the next build picks them up: no save is lost. Each page is
served with the build it came from (its token); a page whose token is not the current one when its reload
socket joins missed a reload (it was still loading, or the server restarted) and is reloaded then.
"""

from __future__ import annotations

import json
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

from tornado.ioloop import IOLoop, PeriodicCallback

from policysite.preview.poll import INTERVAL
from policysite.preview.watch import Settle

MAX_SHOWN = 200   # problem lines a page is sent; the terminal has them all, the summary counts them all


@dataclass(frozen=True)
class Failure:
    """A build that published nothing: the lines the terminal printed for it, problems then summary."""

    problems: tuple[str, ...]
    summary: str

    def message(self) -> str:
        """Return what the reload socket sends a page to show the problems."""
        shown = list(self.problems[:MAX_SHOWN])
        if len(self.problems) > MAX_SHOWN:
            shown.append(f"\u2026 and {len(self.problems) - MAX_SHOWN} more lines in the terminal")
        return json.dumps({"type": "failed", "problems": shown, "summary": self.summary})


RELOAD = json.dumps({"type": "reload"})


class Preview:
    """Watch a project, build once a burst of changes has settled, and keep every open page up to date.

    watcher is a watch.Tree (inotify) or a poll.Poll; build_once() builds and returns None or the Failure.
    Pages are the reload sockets of open pages: each has send(text).
    """

    def __init__(self, root: Path, watcher, build_once):
        self.root, self.watcher, self.build_once = root, watcher, build_once
        self.settle = Settle()
        self.run_id = secrets.token_hex(4)   # this run of the server: a page of another run is never up to date
        self.generation = 0                  # good builds so far
        self.failure: Failure | None = None  # the last build's, until a good build
        self.pages: set = set()
        self.loop: IOLoop | None = None
        self.poller: PeriodicCallback | None = None
        self.timer = None
        self.due = 0.0   # when the timer fires (time.monotonic)

    @property
    def token(self) -> str:
        """Return what names the site being served: this server and its number of good builds."""
        return f"{self.run_id}-{self.generation}"

    def start(self) -> None:
        """Watch for changes on tornado's current loop."""
        self.loop = IOLoop.current()
        if self.watcher.fd is None:
            self.poller = PeriodicCallback(self.on_change, INTERVAL * 1000)
            self.poller.start()
        else:
            self.loop.add_handler(self.watcher.fd, lambda fd, events: self.on_change(), IOLoop.READ)

    def stop(self) -> None:
        """Stop watching."""
        if self.poller is not None:
            self.poller.stop()
        elif self.loop is not None and self.watcher.fd >= 0:
            self.loop.remove_handler(self.watcher.fd)
        self.watcher.close()

    def on_change(self) -> None:
        """Take in what the watcher saw and set the timer for the build."""
        self.absorb()
        self.schedule()

    def absorb(self) -> None:
        """Note every change the watcher has seen."""
        now = time.monotonic()
        for change in self.watcher.read():
            self.settle.note(change, now)

    def schedule(self) -> None:
        """Set the timer for when the burst will have settled (sooner, once a written file has been closed)."""
        now = time.monotonic()
        wait = self.settle.wait(now)
        if wait is None or (self.timer is not None and self.due <= now + wait):
            return
        if self.timer is not None:
            self.loop.remove_timeout(self.timer)
        self.due = now + wait
        self.timer = self.loop.call_later(wait, self.settled)

    def settled(self) -> None:
        """Build if the burst is over; otherwise wait on."""
        self.timer = None
        self.absorb()
        wait = self.settle.wait(time.monotonic())
        if wait is None:
            return
        if wait == 0:
            self.build_now()
            self.absorb()   # saves made while building
        self.schedule()

    def build_now(self) -> None:
        """Build what has changed and tell the open pages how it went."""
        _, paths = self.settle.take()
        print(f"changed: {describe(self.root, paths)}; rebuilding", flush=True)
        self.record(self.build_once())

    def record(self, failure: Failure | None) -> None:
        """Keep how a build went; reload every open page after a good one, show them the problems of a bad one."""
        self.failure = failure
        if failure is None:
            self.generation += 1
        for page in list(self.pages):
            page.send(RELOAD if failure is None else failure.message())

    def join(self, page, token: str) -> None:
        """Add an open page's socket; reload it if it missed a good build, show it the problems if the last build failed."""
        self.pages.add(page)
        if token != self.token:
            page.send(RELOAD)
        elif self.failure is not None:
            page.send(self.failure.message())

    def leave(self, page) -> None:
        """Forget a page whose socket closed."""
        self.pages.discard(page)


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
