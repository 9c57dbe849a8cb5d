"""The places a build keeps beside its output folder, none of them trusted as found.

A checkout can carry anything at the paths a build uses beside <out>/ (folders.py names them): a
symbolic link to a file to truncate or a folder to fill, a FIFO, a folder where the lock goes. So
none is ever followed: whatever is not what the build itself makes there is removed, never what it
points to. What each tree holds (its manifest, manifest.py) is kept in the cache folder,
authenticated, never beside the site where a checkout could put one.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import fcntl
import os
import stat
from pathlib import Path

_RENAME_EXCHANGE = 2
_AT_FDCWD = -100
_FOLLOW_ERRORS = (errno.ELOOP, errno.EISDIR, errno.ENXIO, errno.ENOTDIR, errno.EACCES)
_FOLDER_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC


def _libc_renameat2():
    """Return libc's renameat2, or None where it does not exist."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        func = libc.renameat2
    except (OSError, AttributeError):
        return None
    func.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    return func


_renameat2 = _libc_renameat2()


def exchange(a: Path, b: Path) -> bool:
    """Swap two existing paths in one step; return False if the system cannot."""
    if _renameat2 is None:
        return False
    result = _renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    return result == 0


def is_real_dir(path: Path) -> bool:
    """Return True if path is a folder itself, not a link to one."""
    try:
        return stat.S_ISDIR(os.lstat(path).st_mode)
    except OSError:
        return False


def remove(path: Path) -> None:
    """Remove whatever is at path: a real folder with all it holds, or the file, link or FIFO itself (never its target)."""
    if is_real_dir(path):
        remove_tree(path)
    elif os.path.lexists(path):
        os.unlink(path)


def remove_tree(path: Path, ignore_errors: bool = False) -> None:
    """Remove the folder at path and all it holds, never following a link; errors are ignored if asked.

    Not shutil.rmtree: Python 3.11's closes a descriptor twice when Ctrl-C or SIGTERM lands between
    its close and the flag it sets after, and the EBADF that follows replaces the interrupt (seen in
    test_interrupts). Here each descriptor is closed in one place only, so an interrupt can at worst leak one.
    """
    try:
        fd = os.open(path, _FOLDER_FLAGS)
        try:
            _empty_folder(fd)
        finally:
            os.close(fd)
        os.rmdir(path)
    except OSError:
        if not ignore_errors:
            raise


def _empty_folder(fd: int) -> None:
    """Remove everything inside the open folder fd, depth first, through descriptors only."""
    with os.scandir(fd) as listing:
        entries = [(entry.name, entry.is_dir(follow_symlinks=False)) for entry in listing]
    for name, is_folder in entries:
        if not is_folder:
            os.unlink(name, dir_fd=fd)
            continue
        child = os.open(name, _FOLDER_FLAGS, dir_fd=fd)   # O_NOFOLLOW: a link swapped in since the listing is refused
        try:
            _empty_folder(child)
        finally:
            os.close(child)
        os.rmdir(name, dir_fd=fd)


def clear(path: Path) -> None:
    """Remove whatever is at path unless it is a real folder (a link, a file, a FIFO where a folder goes)."""
    if os.path.lexists(path) and not is_real_dir(path):
        os.unlink(path)


def open_lock_file(path: Path) -> int:
    """Open (making it) the lock file, never through a link; whatever else is at its path is removed first."""
    for _ in range(3):
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC, 0o644)
        except OSError as exc:
            if exc.errno not in _FOLLOW_ERRORS or not os.path.lexists(path):
                raise
            remove(path)
            continue
        if stat.S_ISREG(os.fstat(fd).st_mode):
            return fd
        os.close(fd)
        remove(path)
    raise OSError(errno.EEXIST, "something keeps appearing at the lock file's path", str(path))


def lock_folder(out_dir: Path) -> int:
    """Wait for the exclusive lock on out_dir's lock file; return its descriptor, which holds the lock until closed."""
    fd = open_lock_file(out_dir.parent / f".{out_dir.name}.lock")
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
    except BaseException:
        os.close(fd)
        raise
    return fd


def swap_in(building: Path, out_dir: Path, old: Path) -> None:
    """Make the finished tree at building the site at out_dir, in one step where the system allows.

    Afterwards building holds the previous site, if there was one.
    """
    if not os.path.lexists(out_dir):
        os.rename(building, out_dir)
    elif not exchange(building, out_dir):  # no atomic exchange here: two renames, with the old site kept until the end
        os.rename(out_dir, old)
        os.rename(building, out_dir)
        os.rename(old, building)


def read_beneath(tree: Path, dest_path: str, limit: int) -> bytes | None:
    """Read a regular file at dest_path under tree, following no link on the way; None if there is none (or it is bigger than limit)."""
    fds = []
    try:
        fds.append(os.open(tree, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC))
        *folders, name = dest_path.split("/")
        for part in folders:
            fds.append(os.open(part, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=fds[-1]))
        fds.append(os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC, dir_fd=fds[-1]))
        if not stat.S_ISREG(os.fstat(fds[-1]).st_mode):
            return None
        data = os.read(fds[-1], limit + 1)
        return data if len(data) <= limit else None
    except OSError:
        return None
    finally:
        for fd in fds:
            os.close(fd)


def is_plain_tree(folder: Path | str) -> bool:
    """Return True if everything under folder is a real folder or a regular file (no link, FIFO or device)."""
    todo = [os.fspath(folder)]
    try:
        while todo:   # a stack of names, not Paths: a site has a folder per app
            with os.scandir(todo.pop()) as entries:
                for entry in entries:
                    if entry.is_dir(follow_symlinks=False):
                        todo.append(entry.path)
                    elif not entry.is_file(follow_symlinks=False):
                        return False
    except OSError:
        return False
    return True
