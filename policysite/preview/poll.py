"""Look for changes by listing the watched folders now and then: the preview's watcher where inotify is missing.

Slower to notice a save than inotify (up to INTERVAL seconds) and it reads every name each time, but it needs
nothing from the system. It reports what changed as watch.Tree does, so the rest of the preview is the same.
"""

from __future__ import annotations

import os
from pathlib import Path

from policysite.preview.watch import IN_CLOSE_WRITE, Change, is_scratch

INTERVAL = 0.8   # seconds between two listings


class Poll:
    """The files and folders under some folders of a project, compared with their last listing on each read().

    names and skip mean what they mean for watch.Tree; nothing is followed through a symbolic link.
    """

    fd = None   # no descriptor to wait on: the preview calls read() every INTERVAL seconds

    def __init__(self, root: Path, names: tuple[str, ...], skip=lambda path: False):
        self.root, self.names, self.skip = root, names, skip
        self.seen = self.listing()

    def close(self) -> None:
        """Stop watching (nothing to release)."""

    def listing(self) -> dict[Path, tuple[int, int, int, int]]:
        """Return every path under the watched folders with what a change alters: mtime, size, inode and mode."""
        found = {}
        for name in self.names:
            top = self.root / name
            if self.skip(top) or top.is_symlink() or not top.is_dir():
                continue
            for folder, dirs, files in os.walk(top, followlinks=False):
                dirs[:] = [d for d in dirs if not self.skip(Path(folder, d))]
                for entry in (folder, *(os.path.join(folder, f) for f in files)):
                    try:
                        stat = os.lstat(entry)
                    except FileNotFoundError:   # removed while being listed: the next listing says so
                        continue
                    found[Path(entry)] = (stat.st_mtime_ns, stat.st_size, stat.st_ino, stat.st_mode)
        return found

    def read(self) -> list[Change]:
        """Return the paths that came, went or changed since the last read, as closed writes (the listing sees no writer)."""
        now = self.listing()
        changed = [path for path in now.keys() | self.seen.keys() if now.get(path) != self.seen.get(path)
                   and not (path in now and path in self.seen and is_scratch(path.name))]
        self.seen = now
        return [Change(path, IN_CLOSE_WRITE) for path in sorted(changed)]
