"""Open and list the checkout's files as hostile input: never through a symbolic link, never a FIFO,
device or socket, never more than a size limit.

A pull request can commit a link anywhere (static/env.txt -> /proc/self/environ, templates -> /etc),
so every read walks from the project root one folder at a time, each opened with O_NOFOLLOW: a link
at any step is refused, and no read can land outside the checkout. Paths are repo-relative
(src_path), as messages print them; the first part names the folder a message speaks of.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from policysite.problems import Problem
from policysite.sources.loader import MAX_FILE_BYTES

_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
_FILE_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC   # O_NONBLOCK: a FIFO swapped in late cannot hang the build
# What each folder the build reads holds, for the message on anything else.
HOLDS = {"content": "text files", "templates": "text files", "static": "files to publish", "schema": "JSON files"}


class Refused(Exception):
    """A path the build will not read, with the problem to report."""

    def __init__(self, problem: Problem):
        super().__init__(str(problem))
        self.problem = problem


def link_problem(src_path: str) -> Problem:
    """Return the problem for a symbolic link at src_path."""
    top = src_path.split("/", 1)[0]
    return Problem(src_path, 1, 1, f"symbolic links are not allowed in {top}/; commit a real file")


def special_problem(src_path: str) -> Problem:
    """Return the problem for a FIFO, device or socket at src_path."""
    top = src_path.split("/", 1)[0]
    return Problem(src_path, 1, 1, f"not a regular file; {top}/ holds only {HOLDS.get(top, 'regular files')}")


def is_scratch(name: str) -> bool:
    """Return True for an editor's working file (vim's .x.yaml.swp, x.yaml~, emacs' #x.yaml#) or another hidden file: never read."""
    return name.startswith(".") or name.endswith("~") or (name.startswith("#") and name.endswith("#"))


def open_inside(root: str | Path, src_path: str, *, folder: bool = False) -> int:
    """Open root/src_path read-only, one step at a time, never through a link; return the descriptor.

    Raises Refused for a link at any step or for anything but a regular file (a folder, if folder),
    FileNotFoundError if it is not there, and OSError for the rest.
    """
    parts = src_path.split("/")
    if any(part in ("", ".", "..") for part in parts):
        raise ValueError(f"not a plain repo-relative path: {src_path!r}")
    fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)   # the root itself is the caller's: build.py resolves it
    try:
        for depth, part in enumerate(parts, 1):
            step, wants_dir = "/".join(parts[:depth]), folder or depth < len(parts)
            _check_kind(os.stat(part, dir_fd=fd, follow_symlinks=False).st_mode, step, wants_dir)   # before opening: opening a device can act on it
            # fd names the open step before anything is closed: a Ctrl-C or SIGTERM between the two lines would
            # otherwise have the handler below close a closed descriptor (EBADF in place of the interrupt).
            fd, parent = _open_step(fd, part, step, _DIR_FLAGS if wants_dir else _FILE_FLAGS), fd
            os.close(parent)
        _check_kind(os.fstat(fd).st_mode, src_path, folder)   # what was opened, in case it was swapped since
        return fd
    except BaseException:
        os.close(fd)
        raise


def _check_kind(mode: int, step: str, wants_dir: bool) -> None:
    """Refuse a link, a FIFO, a device or a socket at step; raise OSError for a file where a folder is wanted, or the reverse."""
    if stat.S_ISLNK(mode):
        raise Refused(link_problem(step))
    if not (stat.S_ISDIR(mode) or stat.S_ISREG(mode)):
        raise Refused(special_problem(step))
    if wants_dir and not stat.S_ISDIR(mode):
        raise NotADirectoryError(errno.ENOTDIR, "not a folder", step)
    if not wants_dir and stat.S_ISDIR(mode):
        raise IsADirectoryError(errno.EISDIR, "is a folder", step)


def _open_step(fd: int, name: str, step: str, flags: int) -> int:
    """Open one name in the folder fd; a link put there since it was looked at is refused all the same."""
    try:
        return os.open(name, flags, dir_fd=fd)
    except OSError as exc:
        if exc.errno in (errno.ELOOP, errno.ENOTDIR):
            raise Refused(link_problem(step)) from None
        raise


def read_capped(path: str | Path, src_path: str, problems: list[Problem], limit: int = MAX_FILE_BYTES) -> bytes | None:
    """Read the regular file path (which is root/src_path) never through a link and never more than limit + 1 bytes.

    One byte more than the limit is enough for the caller to say the file is too big.
    """
    text = str(path)
    if not text.endswith("/" + src_path):
        raise ValueError(f"{text!r} is not the root followed by {src_path!r}")
    try:
        fd = open_inside(text[: -len(src_path) - 1], src_path)
    except Refused as exc:
        problems.append(exc.problem)
        return None
    except OSError as exc:
        problems.append(Problem(src_path, 1, 1, f"cannot read file: {exc.strerror}"))
        return None
    with os.fdopen(fd, "rb") as handle:
        return handle.read(limit + 1)


def list_files(root: Path, folder: str, problems: list[Problem]) -> list[str]:
    """Return the src_paths of the regular files under folder (any depth), in name order.

    Links and special files are reported, never followed; hidden and scratch names are skipped, with
    everything under them. A missing folder holds nothing.
    """
    found: list[str] = []
    todo = [folder]
    while todo:
        current = todo.pop()
        try:
            fd = open_inside(root, current, folder=True)
        except Refused as exc:
            problems.append(exc.problem)
            continue
        except FileNotFoundError:
            continue
        except OSError as exc:
            problems.append(Problem(current, 1, 1, f"cannot read folder: {exc.strerror}"))
            continue
        for name, is_link, is_dir, is_file in _entries(fd):
            src_path = f"{current}/{name}"
            if is_link:
                problems.append(link_problem(src_path))
            elif is_dir:
                todo.append(src_path)
            elif is_file:
                found.append(src_path)
            else:
                problems.append(special_problem(src_path))
    return sorted(found, key=lambda p: p.split("/"))


def _entries(fd: int) -> list[tuple[str, bool, bool, bool]]:
    """Return (name, is a link, is a folder, is a regular file) for what the open folder fd holds, hidden and scratch names left out; close fd."""
    try:
        with os.scandir(fd) as listing:
            return sorted((e.name, e.is_symlink(), e.is_dir(follow_symlinks=False), e.is_file(follow_symlinks=False))
                          for e in listing if not is_scratch(e.name))
    finally:
        os.close(fd)
