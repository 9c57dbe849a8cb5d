"""Publish the rendered site atomically, touching only the files that changed.

The previous site is kept beside the output folder as a standby (.<out>.standby). A build renames
the standby to .<out>.building-<pid>, brings it up to date with the wanted outputs (unchanged files
become hard links to the live site's files, so they keep their time; changed ones are written
anew, never in place), then swaps it with the output folder. On Linux the swap is one
renameat2(RENAME_EXCHANGE) call, so readers always see either the whole old site or the whole new
one; the old site becomes the standby. When nothing differs from the live site nothing is written.

Each tree's manifest (dest_path -> SHA-256, size, mtime and inode of the file, kept by outdir.py
in the cache folder under the inode of the tree's folder) says what it holds; an entry is trusted
only while the file's size, mtime and inode still match. A live file with no manifest entry is
compared byte for byte, read without following any link. A standby whose manifest is missing (an update was interrupted) is
rebuilt from scratch; files added to a standby that has its manifest are not looked for (only
builds write there, and they drop the manifest first), but a standby holding a link, FIFO or device
anywhere is rebuilt. Leftovers of an interrupted build (.<out>.building-*, .<out>.old-*, manifests
of trees that are gone) are removed at the next start.
"""

from __future__ import annotations

import hashlib
import os
import stat
import time
from pathlib import Path

from policysite import progress
from policysite.publish.outdir import (
    build_lock,
    clean_leftovers,
    drop_manifest,
    is_plain_tree,
    is_real_dir,
    read_beneath,
    read_manifest,
    remove,
    remove_tree,
    standby_path,
    swap_in,
    write_manifest,
)


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


def place(path: Path, make) -> None:
    """Put a new file at path without touching the file there: make() creates it at a temporary name.

    Whatever is in the way in a standby tree (a folder where a file goes, a file where a folder
    goes: changed by hand?) is removed first.
    """
    try:
        _place(path, make)
    except OSError:
        clear_way(path)
        _place(path, make)


def _place(path: Path, make) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.new")
    if os.path.lexists(tmp):
        os.unlink(tmp)
    make(tmp)
    os.replace(tmp, path)


def clear_way(path: Path) -> None:
    """Remove a folder at path, or a file where one of its parent folders should be."""
    if path.is_dir() and not path.is_symlink():
        remove_tree(path)
    for parent in reversed(path.parents):
        if os.path.lexists(parent) and not parent.is_dir():
            os.unlink(parent)
            return


def write_file(path: Path, data: bytes, mtime_ns: int) -> None:
    """Write a new file with the given modification time."""
    try:
        with open(path, "xb") as handle:
            handle.write(data)
    except OSError as exc:
        exc.filename = exc.filename or str(path)   # a full disk says so at write() or close(), which name no file
        raise
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
    remove(path)
    path.mkdir()
    drop_manifest(out_dir, path)


def write_site(outputs: dict[str, bytes], out_dir: Path) -> None:
    """Publish outputs as out_dir, replacing the previous site in one step; publish nothing if nothing changed."""
    for dest in outputs:
        safe_dest(out_dir.absolute(), dest)
    with Publisher(out_dir) as publisher:
        for done, dest in enumerate(sorted(outputs), 1):
            progress.step("writing", done, len(outputs))
            publisher.put(dest, outputs[dest])
        publisher.finish()


class Publisher:
    """Publish a site file by file: the standby tree is brought up to date, then swapped in whole.

    Use it as a context manager: put() or keep() every file of the new site, then finish(). Leaving
    the block without finish() (an error, Ctrl-C) leaves the live site exactly as it was. Files the
    live site already holds with the same bytes become hard links to it (same inode, same time, so
    the same ETag); new bytes get a time past the live file's, so two publishes within a second
    never give different bytes the same ETag.
    """

    def __init__(self, out_dir: Path):
        self.out_dir = out_dir.absolute()
        self.standby = standby_path(self.out_dir)
        self.building = self.out_dir.parent / f".{self.out_dir.name}.building-{os.getpid()}"
        self.old = self.out_dir.parent / f".{self.out_dir.name}.old-{os.getpid()}"
        self.manifest: dict = {}       # dest -> entry of the tree being built
        self.changed = False           # does the new site differ from the live one?
        self.touched = False           # has anything in the standby been changed yet?
        self.done = False

    def __enter__(self) -> "Publisher":
        self.begun = False   # the standby is taken only when the first file comes, so reading and checking touch nothing
        return self

    def _begin(self) -> None:
        """Lock the output folder and take the standby tree to bring up to date."""
        if self.begun:
            return
        self.out_dir.parent.mkdir(parents=True, exist_ok=True)
        self._lock = build_lock(self.out_dir)
        self._lock.__enter__()
        self.begun = True
        clean_leftovers(self.out_dir)   # and anything but a real folder at the live and standby paths
        self.has_live = is_real_dir(self.out_dir)
        live = read_manifest(self.out_dir, self.out_dir) if self.has_live else None
        self.live_known = live is not None
        self.live = live or {}
        self.known = None
        if is_real_dir(self.standby):
            self.known = read_manifest(self.out_dir, self.standby)
            drop_manifest(self.out_dir, self.standby)  # from here on an interruption leaves it to be rebuilt
            if self.known is not None and not is_plain_tree(self.standby):
                self.known = None   # a link or a FIFO inside: written through, it could reach outside the tree
            os.rename(self.standby, self.building)
        self.fresh = self.known is None
        if self.fresh:
            fresh_tree(self.out_dir, self.building)
            self.known = {}
        self.now = time.time_ns()

    def __exit__(self, kind, value, traceback) -> None:
        if not self.begun:
            return
        try:
            if not self.done:
                self._put_back()
        except OSError:
            pass   # the live site was never written into; what is left over is cleaned at the next start
        finally:
            self._lock.__exit__(None, None, None)

    def _put_back(self) -> None:
        """After a failure: the live site stays (or comes back); the half-updated tree becomes a standby to rebuild."""
        if is_real_dir(self.old) and not os.path.lexists(self.out_dir):
            os.rename(self.old, self.out_dir)
        if is_real_dir(self.building):
            if self.touched or not getattr(self, "known", None):
                drop_manifest(self.out_dir, self.building)
            else:   # nothing was changed in it: it is still the standby its manifest describes
                write_manifest(self.out_dir, self.building, self.known)
            if os.path.lexists(self.standby):
                remove_tree(self.building, ignore_errors=True)
            else:
                os.rename(self.building, self.standby)

    def _claim(self, dest: str) -> Path:
        """Return where dest goes in the tree being built, refusing a path given twice or leaving the tree."""
        if dest in self.manifest:
            raise ValueError(f"two outputs for {dest}")
        return safe_dest(self.building, dest)

    def _live_stat(self, dest: str) -> tuple[tuple | None, os.stat_result | None]:
        """Return the live manifest's entry for dest and the live file's lstat."""
        return self.live.get(dest), lstat_or_none(safe_dest(self.out_dir, dest)) if self.has_live else None

    def keep(self, files) -> bool:
        """Take each (dest, SHA-256) of files unchanged from the live site; return False at the first the live site does not hold exactly.

        Only paths a build wrote (and checked) are in a manifest. This runs for every file of every
        app on each build, hence the plain loop.
        """
        self._begin()
        live, known, manifest, prefix = self.live, self.known, self.manifest, f"{self.out_dir}/"
        for dest, digest in files:
            entry = live.get(dest)
            if entry is None or entry[0] != digest or dest in manifest:
                return False
            try:
                st = os.lstat(prefix + dest)
            except OSError:
                return False
            if (st.st_size, st.st_mtime_ns, st.st_ino) != entry[1:] or not stat.S_ISREG(st.st_mode):
                return False   # changed by hand since it was published
            mine = known.get(dest)
            if mine is not None and mine[1:] == entry[1:]:
                manifest[dest] = entry   # the standby's file is already a hard link to the live one
            else:
                self._link_live(dest, self._claim(dest), entry, st)
        return True

    def put(self, dest: str, data: bytes) -> None:
        """Place dest with these bytes in the new site."""
        self._begin()
        path = self._claim(dest)
        digest = hashlib.sha256(data).hexdigest()
        entry, st = self._live_stat(dest)
        if st is not None and (entry[0] == digest if is_current(entry, st)
                               else st.st_size == len(data) and read_beneath(self.out_dir, dest, len(data)) == data):
            self._link_live(dest, path, file_entry(digest, st), st)  # with no manifest entry to trust, the bytes were compared
            return
        self.changed = True
        known = self.known.get(dest)
        mine = lstat_or_none(path) if known else None
        if is_current(known, mine) and known[0] == digest and mine.st_nlink == 1 and (
                st is None or mine.st_mtime_ns >= st.st_mtime_ns + 1_000_000_000):
            self.manifest[dest] = known
            return
        mtime = max(self.now, st.st_mtime_ns + 1_000_000_000) if st else self.now
        self.touched = True
        place(path, lambda tmp: write_file(tmp, data, mtime))
        self.manifest[dest] = file_entry(digest, os.lstat(path))

    def _link_live(self, dest: str, path: Path, entry: tuple, live: os.stat_result) -> None:
        """Make the tree's file at path a hard link to the live one (unless the standby's manifest says it already is)."""
        known = self.known.get(dest)
        if not (known and known[1:] == entry[1:] == (live.st_size, live.st_mtime_ns, live.st_ino)):
            st = lstat_or_none(path) if known else None
            if not (st and (st.st_ino, st.st_dev) == (live.st_ino, live.st_dev)):
                self.touched = True
                place(path, lambda tmp: os.link(safe_dest(self.out_dir, dest), tmp))
        self.manifest[dest] = entry

    def finish(self) -> bool:
        """Remove what the new site no longer has, then swap it in; return False if it equals the live site (nothing published)."""
        self._begin()
        for dest in sorted(set(self.known) - set(self.manifest)):
            self.touched = True
            path = safe_dest(self.building, dest)
            if os.path.lexists(path):
                os.unlink(path)
            prune_empty(path.parent, self.building)
        changed = self.changed or not self.live_known or set(self.manifest) != set(self.live)
        if changed or not self.fresh:
            write_manifest(self.out_dir, self.building, self.manifest)
        if not changed:  # the live site stays as it is; a standby it had is up to date for next time
            if self.manifest != self.live:  # files whose bytes were compared: the live manifest learns them
                write_manifest(self.out_dir, self.out_dir, self.manifest)
            if self.fresh:
                remove_tree(self.building)
            else:
                os.rename(self.building, self.standby)
            self.done = True
            return False
        swap_in(self.building, self.out_dir, self.old)
        self.done = True   # published: from here on only the standby for next time is at stake
        try:
            if is_real_dir(self.building):
                os.rename(self.building, self.standby)  # the previous site, with its manifest, is the next standby
            else:
                self._first_standby()
        except OSError:
            pass   # the next build starts from a fresh tree
        return True

    def _first_standby(self) -> None:
        """After the first publish, make the standby: hard links to every file, so the next build writes only what changed."""
        try:
            fresh_tree(self.out_dir, self.building)
            for dest in sorted(self.manifest):
                _place(safe_dest(self.building, dest), lambda tmp: os.link(safe_dest(self.out_dir, dest), tmp))
            write_manifest(self.out_dir, self.building, self.manifest)
            os.rename(self.building, self.standby)
        except OSError:   # only time is lost: the next build makes a fresh tree
            remove_tree(self.building, ignore_errors=True)


def manifest_is_current(out_dir: Path) -> bool:
    """Return True if out_dir has a manifest and every file it lists is still exactly as recorded."""
    manifest = read_manifest(out_dir, out_dir) if is_real_dir(out_dir) else None
    if manifest is None:
        return False
    return all(is_current(entry, lstat_or_none(safe_dest(out_dir, dest))) for dest, entry in manifest.items())
