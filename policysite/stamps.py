"""Tell that a file changed from its lstat alone: for the nothing-changed check, the stat index and the manifests.

A FileStamp is the part of one lstat a build compares, under os.stat_result's field names (so the
helpers here take either). It has two views, for two kinds of file:

- an input (content/, templates/, static/) is unchanged while its `state` is: kind, size, mtime,
  ctime and inode. The ctime is there so an edit that puts the old mtime back is still seen.
- a published file is unchanged while its `written` is: size, mtime and inode. Not its ctime or
  link count: the publisher hard-links a live file into the next tree, which changes both.

A file changed within the same clock tick as its stamp was taken could keep its size and times, so
a stamp less than RACY_SECONDS older than the build says nothing: such a file's bytes are hashed
(git's index does the same). Standard library only: the nothing-changed check runs before any of
the build's libraries are imported.
"""

from __future__ import annotations

import hashlib
import os
import stat
from operator import attrgetter
from pathlib import Path
from typing import NamedTuple

RACY_SECONDS = 2   # a file changed this recently could change again within its clock tick: its times cannot tell
_READ_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
_state = attrgetter("st_mode", "st_size", "st_mtime_ns", "st_ctime_ns", "st_ino")
_written = attrgetter("st_size", "st_mtime_ns", "st_ino")


def _is_racy(st, started: float) -> bool:
    """Return True if a file's lstat (or stamp) is less than RACY_SECONDS older than started, a time.time()."""
    return max(st.st_mtime_ns, st.st_ctime_ns) >= (started - RACY_SECONDS) * 1e9


class FileStamp(NamedTuple):
    """What one lstat says about a file that changes when the file does.

    Immutable, and a tuple: a site has tens of thousands of files, and a tuple costs a third of
    what a frozen dataclass does to make.
    """

    st_mode: int
    st_size: int
    st_mtime_ns: int
    st_ctime_ns: int
    st_ino: int
    st_dev: int
    st_nlink: int

    @property
    def is_file(self) -> bool:
        """Return True for a regular file (not a folder, link, FIFO or device)."""
        return stat.S_ISREG(self.st_mode)

    @property
    def state(self) -> tuple[int, int, int, int, int]:
        """Return what differs once an input is edited, replaced or made another kind of file."""
        return _state(self)

    @property
    def written(self) -> tuple[int, int, int]:
        """Return what stays the same while nobody writes to a published file, however many links it gains."""
        return _written(self)

    def is_racy(self, started: float) -> bool:
        """Return True if the file changed less than RACY_SECONDS before started (a time.time()): its times cannot tell an edit in the same tick."""
        return _is_racy(self, started)

    def is_same_file(self, other: FileStamp) -> bool:
        """Return True if both stamps are of one file (two hard links to it included)."""
        return self.st_ino == other.st_ino and self.st_dev == other.st_dev


def from_stat(st: os.stat_result) -> FileStamp:
    """Return the stamp of an lstat."""
    return FileStamp(st.st_mode, st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev, st.st_nlink)


def stamp(path: str | Path) -> FileStamp | None:
    """Return the stamp of whatever is at path (a link itself, never what it points to), or None if nothing is."""
    try:
        return from_stat(os.lstat(path))
    except OSError:
        return None


def file_stamp(path: str | Path) -> FileStamp | None:
    """Return the stamp of a regular file at path, or None if it is missing or anything else."""
    found = stamp(path)
    return found if found is not None and found.is_file else None


def written_of(path: str) -> tuple[int, int, int] | None:
    """Return file_stamp(path).written, or None, without making the stamp: for the loops over every file of a site."""
    try:
        st = os.lstat(path)
    except OSError:
        return None
    return _written(st) if stat.S_ISREG(st.st_mode) else None


def walk(folder: Path, prune: str | None = None):
    """Yield (path, stamp) for folder and everything under it, names in sorted order, never following a link;
    leave out the folder prune and all it holds."""
    for path, st in _lstats(str(folder), prune):
        yield path, from_stat(st)


def _lstats(top: str, prune: str | None):
    """Yield (path, lstat) in walk's order (walk makes the stamps; digest_tree, for every input of every build, does not)."""
    try:
        st = os.lstat(top) if top != prune else None
    except OSError:
        return
    if st is None:
        return
    yield top, st
    if not stat.S_ISDIR(st.st_mode):
        return
    try:
        entries = sorted(os.scandir(top), key=lambda e: e.name)
    except OSError:
        return
    for entry in entries:
        if entry.is_dir(follow_symlinks=False):
            yield from _lstats(entry.path, prune)
            continue
        try:
            yield entry.path, entry.stat(follow_symlinks=False)
        except OSError:
            continue   # gone since the listing


def digest_tree(digest, folder: Path, started: float, prune: str | None = None) -> dict[str, str | None]:
    """Add the path and state of everything under folder (but prune) to a hashlib digest; return the content hash
    of each regular file too recent for its stamp to tell (see FileStamp.is_racy)."""
    racy, lines = {}, []
    for path, st in _lstats(str(folder), prune):
        lines.append("%s\0%d\0%d\0%d\0%d\0%d\n" % (path, *_state(st)))   # the path and its state, NUL-separated
        if stat.S_ISREG(st.st_mode) and _is_racy(st, started):
            racy[path] = content_hash(path)
    digest.update("".join(lines).encode("utf-8", "surrogateescape"))
    return racy


def content_hash(path: str | Path) -> str | None:
    """Return the SHA-256 of a regular file's bytes, or None if there is none at path (a link is not followed)."""
    try:
        fd = os.open(path, _READ_FLAGS)
    except OSError:
        return None
    digest = hashlib.sha256()
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        while chunk := os.read(fd, 1 << 20):
            digest.update(chunk)
    except OSError:
        return None
    finally:
        os.close(fd)
    return digest.hexdigest()
