"""Publish the rendered site atomically, touching only the files that changed.

The previous site is kept beside the output folder as a standby (.<out>.standby). A build renames
the standby to .<out>.building-<pid>, brings it up to date with the wanted outputs (unchanged files
become hard links to the live site's files, so they keep their time; changed ones are written
anew, never in place), then swaps it with the output folder. On Linux the swap is one
renameat2(RENAME_EXCHANGE) call, so readers always see either the whole old site or the whole new
one; the old site becomes the standby. When nothing differs from the live site nothing is written.

Each tree's manifest (.<out>.manifest-<inode of the tree's folder>: dest_path -> SHA-256, size,
mtime and inode of the file) says what it holds; an entry is trusted only while the file's size,
mtime and inode still match. A standby whose manifest is missing (an update was interrupted) is
rebuilt from scratch; files added to a standby that has its manifest are not looked for (only
builds write there, and they drop the manifest first). Leftovers of an interrupted build (.<out>.building-*, .<out>.old-*, manifests
of trees that are gone) are removed at the next start.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import fcntl
import hashlib
import os
import pickle
import shutil
import stat
import time
from contextlib import contextmanager
from pathlib import Path

from . import progress

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
    """Remove temporary folders left by a build that was interrupted, and manifests of trees that are gone."""
    for pattern in (f".{out_dir.name}.building-*", f".{out_dir.name}.old-*"):
        for path in out_dir.parent.glob(pattern):
            shutil.rmtree(path, ignore_errors=True)
    keep = {manifest_path(out_dir, tree).name for tree in (out_dir, standby_path(out_dir)) if tree.is_dir()}
    for path in out_dir.parent.glob(f".{out_dir.name}.manifest-*"):
        if path.name not in keep:
            path.unlink(missing_ok=True)


def standby_path(out_dir: Path) -> Path:
    """Return where the previous site is kept, ready to be brought up to date."""
    return out_dir.parent / f".{out_dir.name}.standby"


def manifest_path(out_dir: Path, tree: Path) -> Path:
    """Return the manifest file of a tree: named by its folder's inode, which moves with it."""
    return out_dir.parent / f".{out_dir.name}.manifest-{tree.stat().st_ino}"


def read_manifest(out_dir: Path, tree: Path) -> dict | None:
    """Return a tree's manifest, or None if it has none that can be read."""
    try:
        with open(manifest_path(out_dir, tree), "rb") as handle:
            manifest = pickle.load(handle)
    except Exception:  # noqa: BLE001 - no readable manifest: the tree is treated as unknown
        return None
    return manifest if isinstance(manifest, dict) else None


def write_manifest(out_dir: Path, tree: Path, manifest: dict) -> None:
    """Record what a tree holds, atomically."""
    path = manifest_path(out_dir, tree)
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as handle:
        pickle.dump(manifest, handle, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(tmp, path)


def drop_manifest(out_dir: Path, tree: Path) -> None:
    """Forget what a tree holds, before changing it."""
    manifest_path(out_dir, tree).unlink(missing_ok=True)


def safe_dest(root: Path, dest_path: str) -> Path:
    """Resolve dest_path under root, refusing any path that would leave it."""
    parts = dest_path.split("/")
    if dest_path.startswith("/") or any(p in ("", ".", "..") for p in parts) or "\\" in dest_path or "\0" in dest_path:
        raise ValueError(f"refusing to write outside the output folder: {dest_path!r}")
    return root.joinpath(*parts)


def lstat_or_none(path: Path) -> os.stat_result | None:
    """Return a regular file's lstat, or None if it is missing or anything else."""
    try:
        st = os.lstat(path)
    except OSError:
        return None
    return st if stat.S_ISREG(st.st_mode) else None


def file_entry(digest: str, st: os.stat_result) -> tuple:
    """Return a manifest entry: what a file holds and how to tell it has not been touched since."""
    return (digest, st.st_size, st.st_mtime_ns, st.st_ino)


def is_current(entry: tuple | None, st: os.stat_result | None) -> bool:
    """Return True if a file still is what its manifest entry says."""
    return entry is not None and st is not None and entry[1:] == (st.st_size, st.st_mtime_ns, st.st_ino)


def live_files(outputs: dict[str, bytes], digests: dict[str, str], out_dir: Path, manifest: dict) -> dict[str, os.stat_result]:
    """Return the live site's files whose bytes are exactly the wanted ones, with their lstat."""
    same = {}
    for dest, digest in digests.items():
        st = lstat_or_none(safe_dest(out_dir, dest))
        if st is None:
            continue
        entry = manifest.get(dest)
        if is_current(entry, st):
            if entry[0] == digest:
                same[dest] = st
        elif st.st_size == len(outputs[dest]) and safe_dest(out_dir, dest).read_bytes() == outputs[dest]:
            same[dest] = st  # no manifest to trust: compare the bytes
    return same


def site_is_current(digests: dict[str, str], same: dict, manifest: dict | None) -> bool:
    """Return True if the live site holds exactly the wanted files already, and nothing else."""
    return manifest is not None and set(manifest) == set(digests) == set(same)


def place(path: Path, make) -> None:
    """Put a new file at path without touching the file there: make() creates it at a temporary name."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.new")
    if os.path.lexists(tmp):
        os.unlink(tmp)
    make(tmp)
    os.replace(tmp, path)


def update_tree(tree: Path, known: dict, outputs: dict[str, bytes], digests: dict[str, str],
                same: dict[str, os.stat_result], out_dir: Path) -> dict:
    """Make tree hold exactly the outputs; return its new manifest.

    known is the tree's manifest (what it holds). Files unchanged from the live site become hard
    links to it (same bytes, same time); changed files get a time past the live one's, so two
    publishes within a second never give different bytes the same ETag.
    """
    manifest = {}
    for dest in sorted(set(known) - set(outputs)):
        path = safe_dest(tree, dest)
        if os.path.lexists(path):
            os.unlink(path)
        prune_empty(path.parent, tree)
    now = time.time_ns()
    for done, dest in enumerate(sorted(outputs), 1):
        progress.step("writing", done, len(outputs))
        path = safe_dest(tree, dest)
        st = lstat_or_none(path) if dest in known else None
        if dest in same:
            live = same[dest]
            if not (st and (st.st_ino, st.st_dev) == (live.st_ino, live.st_dev)):
                place(path, lambda tmp: os.link(safe_dest(out_dir, dest), tmp))
            manifest[dest] = file_entry(digests[dest], live)
            continue
        if is_current(known.get(dest), st) and known[dest][0] == digests[dest] and st.st_nlink == 1:
            old = lstat_or_none(safe_dest(out_dir, dest))
            if old is None or st.st_mtime_ns >= old.st_mtime_ns + 1_000_000_000:
                manifest[dest] = known[dest]
                continue
        old = lstat_or_none(safe_dest(out_dir, dest))
        mtime = max(now, old.st_mtime_ns + 1_000_000_000) if old else now
        place(path, lambda tmp: write_file(tmp, outputs[dest], mtime))
        manifest[dest] = file_entry(digests[dest], os.lstat(path))
    return manifest


def write_file(path: Path, data: bytes, mtime_ns: int) -> None:
    """Write a new file with the given modification time."""
    with open(path, "xb") as handle:
        handle.write(data)
    os.utime(path, ns=(mtime_ns, mtime_ns))


def prune_empty(folder: Path, tree: Path) -> None:
    """Remove folder and its parents up to tree while they are empty."""
    while folder != tree:
        try:
            folder.rmdir()
        except OSError:
            return
        folder = folder.parent


def fresh_tree(out_dir: Path, path: Path) -> None:
    """Make an empty folder at path, with no manifest that could be mistaken for its own."""
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir()
    drop_manifest(out_dir, path)


def write_site(outputs: dict[str, bytes], out_dir: Path) -> None:
    """Publish outputs as out_dir, replacing the previous site in one step; publish nothing if nothing changed."""
    out_dir = out_dir.absolute()
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    for dest in outputs:
        safe_dest(out_dir, dest)
    with build_lock(out_dir):
        clean_leftovers(out_dir)
        digests = {dest: hashlib.sha256(data).hexdigest() for dest, data in outputs.items()}
        live = read_manifest(out_dir, out_dir) if out_dir.is_dir() else None
        same = live_files(outputs, digests, out_dir, live or {})
        if site_is_current(digests, same, live):
            return
        standby = standby_path(out_dir)
        building = out_dir.parent / f".{out_dir.name}.building-{os.getpid()}"
        old = out_dir.parent / f".{out_dir.name}.old-{os.getpid()}"
        swapped = False
        try:
            known = None
            if standby.is_dir():
                known = read_manifest(out_dir, standby)
                drop_manifest(out_dir, standby)  # from here on an interruption leaves it to be rebuilt
                os.rename(standby, building)
            if known is None:
                fresh_tree(out_dir, building)
                known = {}
            try:
                manifest = update_tree(building, known, outputs, digests, same, out_dir)
            except OSError:  # the standby was not what it claimed (changed by hand?): start it afresh
                fresh_tree(out_dir, building)
                manifest = update_tree(building, {}, outputs, digests, same, out_dir)
            write_manifest(out_dir, building, manifest)
            swapped = swap_in(building, out_dir, old)
            if swapped and building.exists():
                os.rename(building, standby)  # the previous site, with its manifest, is the next standby
        except BaseException:  # Ctrl-C or SIGTERM too: put the old site back if it was moved, keep the tree for later
            if old.exists() and not out_dir.exists():
                os.rename(old, out_dir)
            if building.exists():
                if not swapped:
                    drop_manifest(out_dir, building)
                if standby.exists():
                    shutil.rmtree(building, ignore_errors=True)
                else:
                    os.rename(building, standby)
            raise


def swap_in(building: Path, out_dir: Path, old: Path) -> bool:
    """Make the finished tree at building the site at out_dir, in one step where the system allows.

    Afterwards building holds the previous site, if there was one.
    """
    if not out_dir.exists():
        os.rename(building, out_dir)
    elif not exchange(building, out_dir):  # no atomic exchange here: two renames, with the old site kept until the end
        os.rename(out_dir, old)
        os.rename(building, out_dir)
        os.rename(old, building)
    return True


def manifest_is_current(out_dir: Path) -> bool:
    """Return True if out_dir has a manifest and every file it lists is still exactly as recorded."""
    manifest = read_manifest(out_dir, out_dir) if out_dir.is_dir() else None
    if manifest is None:
        return False
    return all(is_current(entry, lstat_or_none(safe_dest(out_dir, dest))) for dest, entry in manifest.items())


class LiveSite:
    """The published site as its manifest describes it, to take unchanged files back from."""

    def __init__(self, out_dir: Path):
        self.out_dir = out_dir.absolute()
        self.manifest = (read_manifest(self.out_dir, self.out_dir) if self.out_dir.is_dir() else None) or {}

    def read(self, dest: str, digest: str) -> bytes | None:
        """Return the bytes of a published file if it is still exactly the one with this hash, else None."""
        entry = self.manifest.get(dest)
        if entry is None or entry[0] != digest:
            return None
        path = safe_dest(self.out_dir, dest)
        if not is_current(entry, lstat_or_none(path)):
            return None
        try:
            data = path.read_bytes()
        except OSError:
            return None
        return data if hashlib.sha256(data).hexdigest() == digest else None
