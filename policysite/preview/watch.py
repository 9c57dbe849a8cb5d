"""Watch the project's folders with Linux inotify and tell when a burst of changes has settled.

inotify tells at once, and costs nothing while nobody saves, whatever the number of files; where it is missing,
policysite/preview/poll.py lists the folders every 0.8 s instead.
"""

from __future__ import annotations

import ctypes
import errno
import fnmatch
import os
import struct
from dataclasses import dataclass, field
from pathlib import Path

# From <sys/inotify.h>.
IN_MODIFY = 0x2
IN_ATTRIB = 0x4
IN_CLOSE_WRITE = 0x8
IN_MOVED_FROM = 0x40
IN_MOVED_TO = 0x80
IN_CREATE = 0x100
IN_DELETE = 0x200
IN_DELETE_SELF = 0x400
IN_MOVE_SELF = 0x800
IN_Q_OVERFLOW = 0x4000
IN_IGNORED = 0x8000
IN_ONLYDIR = 0x01000000
IN_DONT_FOLLOW = 0x02000000
IN_ISDIR = 0x40000000
IN_NONBLOCK = os.O_NONBLOCK
IN_CLOEXEC = os.O_CLOEXEC

CONTENT_EVENTS = IN_MODIFY | IN_CLOSE_WRITE | IN_ATTRIB
NAME_EVENTS = IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO
TREE_MASK = CONTENT_EVENTS | NAME_EVENTS | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR | IN_DONT_FOLLOW
ROOT_MASK = NAME_EVENTS | IN_ONLYDIR   # the project folder itself: only whether a watched folder comes or goes
HEADER = struct.Struct("iIII")         # wd, mask, cookie, len; then len bytes of NUL-padded name

# Files editors write beside the one being edited. Writes to them are not saves (vim rewrites its swap
# file every few seconds of typing), but their coming and going still counts: the build sees them.
EDITOR_SCRATCH = (".*.sw?", "4913", "*~", "#*#", ".#*", ".goutputstream-*", "*___jb_tmp___", "*___jb_old___")


class WatchError(Exception):
    """inotify is missing or refused a watch; the message says what to do."""


@dataclass(frozen=True)
class Change:
    """One thing that happened under a watched folder: the path (None when the kernel lost events) and the inotify mask."""

    path: Path | None
    mask: int

    @property
    def is_write(self) -> bool:
        """Return True if the file's content changed and the writer may not have finished (no close yet)."""
        return bool(self.mask & IN_MODIFY) and not self.mask & IN_CLOSE_WRITE

    @property
    def is_close(self) -> bool:
        """Return True if a writer closed the file, or the name went away: its writing is over."""
        return bool(self.mask & (IN_CLOSE_WRITE | IN_DELETE | IN_MOVED_FROM))


def _libc():
    """Return libc with the three inotify calls, or raise WatchError."""
    libc = ctypes.CDLL(None, use_errno=True)
    if not all(hasattr(libc, name) for name in ("inotify_init1", "inotify_add_watch", "inotify_rm_watch")):
        raise WatchError("this system has no inotify (Linux only)")
    libc.inotify_add_watch.argtypes = (ctypes.c_int, ctypes.c_char_p, ctypes.c_uint32)
    libc.inotify_rm_watch.argtypes = (ctypes.c_int, ctypes.c_int)
    return libc


class Tree:
    """inotify watches on some folders of a project and everything under them, kept up to date as folders come and go.

    names are folders of root (content, templates, static); a missing one is watched for from root.
    Paths for which skip(path) is True (the output folder, if it sits inside) are neither watched nor reported.
    """

    def __init__(self, root: Path, names: tuple[str, ...], skip=lambda path: False):
        self._libc = _libc()
        self.root, self.names, self.skip = root, names, skip
        self.fd = self._libc.inotify_init1(IN_NONBLOCK | IN_CLOEXEC)
        if self.fd < 0:
            raise WatchError(f"cannot start inotify: {os.strerror(ctypes.get_errno())}")
        self._paths: dict[int, Path] = {}   # watch descriptor -> folder
        self._root_wd = self._add(root, ROOT_MASK)
        for name in names:
            self._add_tree(root / name)

    def close(self) -> None:
        """Stop watching: close the inotify descriptor."""
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1

    def _add(self, folder: Path, mask: int) -> int | None:
        """Watch one folder; return its watch descriptor, or None if it is gone already."""
        wd = self._libc.inotify_add_watch(self.fd, os.fsencode(folder), mask)
        if wd < 0:
            code = ctypes.get_errno()
            if code in (errno.ENOENT, errno.ENOTDIR):
                return None   # removed or replaced between listing and watching: its own event says so
            if code == errno.ENOSPC:
                raise WatchError(f"cannot watch {folder}: the system's limit of inotify watches is reached; "
                                 "raise it with: sysctl fs.inotify.max_user_watches=524288")
            raise WatchError(f"cannot watch {folder}: {os.strerror(code)}")
        self._paths[wd] = folder
        return wd

    def _add_tree(self, top: Path) -> None:
        """Watch top and every folder under it, never through a symbolic link (the build refuses links, so nothing
        behind one is an input; following them could watch a whole home folder)."""
        if self.skip(top) or top.is_symlink() or not top.is_dir():
            return
        seen = set()
        for folder, dirs, _ in os.walk(top, followlinks=False):
            key = os.stat(folder)
            if (key.st_dev, key.st_ino) in seen:
                dirs.clear()
                continue
            seen.add((key.st_dev, key.st_ino))
            dirs[:] = [d for d in dirs if not self.skip(Path(folder, d))]
            self._add(Path(folder), TREE_MASK)

    def read(self) -> list[Change]:
        """Return what happened since the last read (nothing if nothing did), watching new folders on the way."""
        changes = []
        while True:
            try:
                data = os.read(self.fd, 256 * 1024)
            except BlockingIOError:
                return changes
            offset = 0
            while offset < len(data):
                wd, mask, _, length = HEADER.unpack_from(data, offset)
                name = data[offset + HEADER.size:offset + HEADER.size + length].rstrip(b"\0")
                offset += HEADER.size + length
                changes.extend(self._handle(wd, mask, os.fsdecode(name)))

    def _handle(self, wd: int, mask: int, name: str) -> list[Change]:
        """Turn one inotify event into the changes it means, updating the watches."""
        if mask & IN_Q_OVERFLOW:   # the kernel dropped events: something changed; pick up any new folder
            for top in self.names:
                self._add_tree(self.root / top)
            return [Change(None, mask)]
        folder = self._paths.get(wd)
        if mask & IN_IGNORED:
            self._paths.pop(wd, None)
            return []
        if folder is None or mask & (IN_DELETE_SELF | IN_MOVE_SELF):
            return []   # the parent folder reports the name going away
        path = folder / name if name else folder
        if wd == self._root_wd and name not in self.names:
            return []
        if self.skip(path):
            return []
        if mask & IN_ISDIR and mask & (IN_CREATE | IN_MOVED_TO):
            self._add_tree(path)   # files made in it before the watch was set are covered: the build reads it all
        if mask & CONTENT_EVENTS and not mask & NAME_EVENTS and is_scratch(name):
            return []
        return [Change(path, mask)]


def is_output(out_dir: Path, path: Path) -> bool:
    """Return True for the output folder, anything in it, and the build's working copies beside it."""
    return (path == out_dir or out_dir in path.parents
            or (path.parent == out_dir.parent and path.name.startswith(f".{out_dir.name}.")))


def is_scratch(name: str) -> bool:
    """Return True for an editor's swap, backup or temporary file name."""
    return any(fnmatch.fnmatchcase(name, pattern) for pattern in EDITOR_SCRATCH)


@dataclass
class Settle:
    """Decide when a burst of changes is over: an editor's save is several events (temporary file, rename, close).

    Wait until nothing has happened for `quiet` seconds, or `open_wait` when a file was written but not yet closed;
    never wait more than `longest` seconds after the first change, so a steady stream of writes still gets built.
    """

    quiet: float = 0.025
    open_wait: float = 1.0
    longest: float = 2.0
    first: float | None = None
    last: float | None = None
    writing: set = field(default_factory=set)
    paths: list = field(default_factory=list)

    def note(self, change: Change, now: float) -> None:
        """Record one change seen at time now."""
        if self.first is None:
            self.first = now
        self.last = now
        if change.is_write:
            self.writing.add(change.path)
        elif change.is_close:
            self.writing.discard(change.path)
        if len(self.paths) < 20 and change.path not in self.paths:
            self.paths.append(change.path)

    def wait(self, now: float) -> float | None:
        """Return the seconds to wait before building (0: build now), or None when nothing is waiting."""
        if self.first is None:
            return None
        if now - self.first >= self.longest:
            return 0.0
        return max(0.0, self.last + (self.open_wait if self.writing else self.quiet) - now)

    def take(self) -> tuple[float, list]:
        """Start a build: return when the first change was seen and a few changed paths; forget the burst."""
        first, paths = self.first, self.paths
        self.first, self.last, self.writing, self.paths = None, None, set(), []
        return first, paths
