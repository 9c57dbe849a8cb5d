"""The places a build keeps beside its output folder, none of them trusted as found.

Beside <out>/ a build keeps the lock (.<out>.lock), the previous site (.<out>.standby) and, while
it works, .<out>.building-<pid> and .<out>.old-<pid>. A checkout can carry anything at those paths
(a symbolic link to a file to truncate or a folder to fill, a FIFO, a folder where the lock goes),
so none is ever followed: whatever is not what the build itself makes there is removed, never
what it points to. What each tree holds (its manifest) is kept in the cache folder (cache.py),
authenticated, never beside the site where a checkout could put one.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import fcntl
import os
import stat
from contextlib import contextmanager
from pathlib import Path

from policysite import cache

_RENAME_EXCHANGE = 2
_AT_FDCWD = -100
MANIFEST_CLASSES: dict = {}
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


@contextmanager
def build_lock(out_dir: Path):
    """Hold an exclusive lock so two builds never write the same output at once."""
    fd = open_lock_file(out_dir.parent / f".{out_dir.name}.lock")
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def clean_leftovers(out_dir: Path) -> None:
    """Remove what an interrupted build left, anything but a real folder at the live or standby path, and manifests of trees that are gone."""
    for pattern in (f".{out_dir.name}.building-*", f".{out_dir.name}.old-*"):
        for path in out_dir.parent.glob(pattern):
            try:
                remove(path)
            except OSError:
                pass
    clear(out_dir)
    clear(standby_path(out_dir))
    folder = cache.folder_for(state_key(out_dir))
    if folder is None:
        return
    keep = {f"{manifest_name(out_dir, tree)}.json" for tree in (out_dir, standby_path(out_dir)) if is_real_dir(tree)}
    for path in folder.glob(f"{manifest_prefix(out_dir)}*.json"):
        if path.name not in keep:
            path.unlink(missing_ok=True)


def standby_path(out_dir: Path) -> Path:
    """Return where the previous site is kept, ready to be brought up to date."""
    return out_dir.parent / f".{out_dir.name}.standby"


def state_key(out_dir: Path) -> Path:
    """Return what an output folder's manifests are filed under in the cache: the folder its state lies in."""
    return out_dir.parent


def manifest_name(out_dir: Path, tree: Path) -> str:
    """Return the name of a tree's manifest: by the output folder's name and the tree folder's inode, which moves with it."""
    return f"{manifest_prefix(out_dir)}{os.lstat(tree).st_ino}"


def manifest_prefix(out_dir: Path) -> str:
    """Return how the names of an output folder's manifests start."""
    return f"manifest-{cache.digest_of(os.fsencode(out_dir.name))[:16]}-"


def read_manifest(out_dir: Path, tree: Path) -> dict | None:
    """Return a tree's manifest, or None if it has none this machine wrote."""
    try:
        manifest = cache.load_record(state_key(out_dir), manifest_name(out_dir, tree), MANIFEST_CLASSES)
    except OSError:
        return None
    return manifest if isinstance(manifest, dict) else None


def write_manifest(out_dir: Path, tree: Path, manifest: dict) -> None:
    """Record what a tree holds."""
    cache.save_record(state_key(out_dir), manifest_name(out_dir, tree), manifest, MANIFEST_CLASSES)


def drop_manifest(out_dir: Path, tree: Path) -> None:
    """Forget what a tree holds, before changing it."""
    try:
        cache.forget_record(state_key(out_dir), manifest_name(out_dir, tree))
    except OSError:
        pass


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


def is_plain_tree(folder: Path) -> bool:
    """Return True if everything under folder is a real folder or a regular file (no link, FIFO or device)."""
    try:
        with os.scandir(folder) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    if not is_plain_tree(Path(entry.path)):
                        return False
                elif not entry.is_file(follow_symlinks=False):
                    return False
    except OSError:
        return False
    return True
