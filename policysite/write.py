"""Write the rendered site atomically: build a full tree beside the output folder, then swap it in.

On Linux the swap is one renameat2(RENAME_EXCHANGE) call, so readers always see
either the whole old site or the whole new one. Leftovers of an interrupted
build (folders named .<out>.building-* or .<out>.old-*) are removed at the next start.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import fcntl
import os
import shutil
from contextlib import contextmanager
from pathlib import Path

_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


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


@contextmanager
def build_lock(out_dir: Path):
    """Hold an exclusive lock so two builds never write the same output at once."""
    lock_path = out_dir.parent / f".{out_dir.name}.lock"
    with open(lock_path, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield


def clean_leftovers(out_dir: Path) -> None:
    """Remove temporary folders left by a build that was interrupted."""
    for pattern in (f".{out_dir.name}.building-*", f".{out_dir.name}.old-*"):
        for path in out_dir.parent.glob(pattern):
            shutil.rmtree(path, ignore_errors=True)


def safe_dest(root: Path, dest_path: str) -> Path:
    """Resolve dest_path under root, refusing any path that would leave it."""
    parts = dest_path.split("/")
    if dest_path.startswith("/") or any(p in ("", ".", "..") for p in parts) or "\\" in dest_path or "\0" in dest_path:
        raise ValueError(f"refusing to write outside the output folder: {dest_path!r}")
    return root.joinpath(*parts)


def write_tree(outputs: dict[str, bytes], target: Path) -> None:
    """Write every output file into a new, empty folder."""
    target.mkdir(parents=True)
    for dest_path in sorted(outputs):
        path = safe_dest(target, dest_path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(outputs[dest_path])


def keep_unchanged_times(new_tree: Path, old_tree: Path) -> None:
    """Carry the previous modification time over to every file whose bytes did not change.

    Web servers derive ETag and Last-Modified from size and mtime, so this keeps clients' cached
    copies valid across publishes. A changed file gets a time past its previous one, so two
    publishes within a second never give different bytes the same ETag.
    """
    for path in sorted(new_tree.rglob("*")):
        old = old_tree / path.relative_to(new_tree)
        if not path.is_file() or old.is_symlink() or not old.is_file():
            continue
        old_ns, new_stat = old.stat().st_mtime_ns, path.stat()
        if new_stat.st_size == old.stat().st_size and path.read_bytes() == old.read_bytes():
            os.utime(path, ns=(new_stat.st_atime_ns, old_ns))
        elif new_stat.st_mtime_ns < old_ns + 1_000_000_000:
            os.utime(path, ns=(new_stat.st_atime_ns, old_ns + 1_000_000_000))


def write_site(outputs: dict[str, bytes], out_dir: Path) -> None:
    """Publish outputs as out_dir, replacing the previous site in one step."""
    out_dir = out_dir.absolute()
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    with build_lock(out_dir):
        clean_leftovers(out_dir)
        building = out_dir.parent / f".{out_dir.name}.building-{os.getpid()}"
        old = out_dir.parent / f".{out_dir.name}.old-{os.getpid()}"
        try:
            write_tree(outputs, building)
            if out_dir.is_dir():
                keep_unchanged_times(building, out_dir)
            swap_in(building, out_dir, old)
        except BaseException:  # Ctrl-C or SIGTERM too: put the old site back if it was moved, drop the new tree
            if old.exists() and not out_dir.exists():
                os.rename(old, out_dir)
            shutil.rmtree(building, ignore_errors=True)
            raise


def swap_in(building: Path, out_dir: Path, old: Path) -> None:
    """Make the finished tree at building the site at out_dir, in one step where the system allows."""
    if not out_dir.exists():
        os.rename(building, out_dir)
    elif exchange(building, out_dir):
        shutil.rmtree(building)  # now holds the previous site
    else:  # no atomic exchange here: two renames, with the old site kept until the end
        os.rename(out_dir, old)
        os.rename(building, out_dir)
        shutil.rmtree(old)
