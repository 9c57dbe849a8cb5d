"""Publish the rendered site atomically, touching only the files that changed.

The previous site is kept beside the output folder as a standby (.<out>.standby). A build renames
the standby to .<out>.building-<pid>, brings it up to date with the wanted outputs (unchanged files
become hard links to the live site's files, so they keep their time; changed ones are written
anew, never in place), then swaps it with the output folder. On Linux the swap is one
renameat2(RENAME_EXCHANGE) call, so readers always see either the whole old site or the whole new
one; the old site becomes the standby. When nothing differs from the live site nothing is written.
The paths, the lock and the swap are folders.py's; what each tree holds is manifest.py's.

Each tree's manifest (dest_path -> SHA-256, size, mtime and inode of the file, kept in the cache
folder under the inode of the tree's folder) says what it holds; an entry is trusted only while
the file's size, mtime and inode still match. A live file with no manifest entry is compared byte
for byte, read without following any link. A standby whose manifest is missing (an update was
interrupted) is rebuilt from scratch; files added to a standby that has its manifest are not looked
for (only builds write there, and they drop the manifest first), but a standby holding a link, FIFO
or device anywhere is rebuilt. Leftovers of an interrupted build (.<out>.building-*, .<out>.old-*,
manifests of trees that are gone) are removed at the next start.
"""

from __future__ import annotations

import copy
import hashlib
import os
import time
from pathlib import Path

from policysite.publish.files import make_at, place, prune_empty, safe_dest, write_file
from policysite.publish.folders import SiteFolders
from policysite.publish.manifest import Manifest
from policysite.publish.outdir import is_plain_tree, is_real_dir, read_beneath, remove_tree
from policysite.stamps import FileStamp, file_stamp, from_stat, written_of

SECOND_NS = 1_000_000_000


class Publisher:
    """Publish a site file by file: the standby tree is brought up to date, then swapped in whole.

    Use it as a context manager: put() or keep() every file of the new site, then finish(). Leaving
    the block without finish() (an error, Ctrl-C) leaves the live site exactly as it was. Files the
    live site already holds with the same bytes become hard links to it (same inode, same time, so
    the same ETag); new bytes get a time past the live file's, so two publishes within a second
    never give different bytes the same ETag. Nothing is touched before the first file comes, so
    reading and checking the content leave no trace.
    """

    def __init__(self, out_dir: Path):
        self.folders = SiteFolders(out_dir)
        self.manifest = Manifest()        # what the tree being built holds
        self.live: Manifest | None = None   # what the live site holds, if a manifest says so
        self.known: Manifest | None = None  # what the tree being built held as the standby; None: it was made empty
        self.now = 0                      # when the first file came (ns): the least time a new file gets
        self.changed = False              # does the new site differ from the live one?
        self.touched = False              # has the tree being built changed since it was the standby?
        self.finished = False             # is the new site in place? (then only the next standby is at stake)
        self.fresh: dict = {}             # SHA-256 -> (path, mtime) of files written anew by this part: same bytes become a link
        self.spare = False                # is every file also linked into the spare tree (a first build's next standby)?

    def __enter__(self) -> Publisher:
        return self

    def __exit__(self, kind, value, traceback) -> None:
        if not self.folders.is_locked:
            return
        try:
            if not self.finished:
                self._put_back()
        except OSError:
            pass   # the live site was never written into; what is left over is cleaned at the next start
        finally:
            self.folders.unlock()

    def begin(self) -> None:
        """Lock the output folder and take the standby tree to bring up to date (when the first file comes, or before
        worker processes that place files are started)."""
        if self.folders.is_locked:
            return
        self.folders.lock()
        live = self.folders.live
        self.live = Manifest.read(live, live)
        self.known = self._take_standby()
        self.now = time.time_ns()
        if self.known is None and not self.folders.has_live:   # every file will be written here: link each into the spare too
            self.folders.make_spare()
            self.spare = True

    def share(self) -> None:
        """Begin before worker processes that place files are forked. What they write is known here only once adopted,
        so from now on a failure takes the tree being built as changed."""
        self.begin()
        self.touched = True

    def _take_standby(self) -> Manifest | None:
        """Make the standby the tree being built; return its manifest, or None if the tree had to be made empty."""
        folders = self.folders
        known = Manifest.read(folders.live, folders.standby)
        Manifest.drop(folders.live, folders.standby)   # from here on an interruption leaves it to be rebuilt
        if known is not None and not is_plain_tree(folders.standby):
            known = None   # a link or a FIFO inside: written through, it could reach outside the tree
        folders.take_standby()
        if known is None:
            folders.make_empty()
        return known

    def _put_back(self) -> None:
        """After a failure: the live site stays (or comes back); the half-updated tree becomes a standby to rebuild."""
        folders = self.folders
        folders.restore_live()
        folders.drop_spare()
        if self.touched or self.known is None or not self.known.entries:
            Manifest.drop(folders.live, folders.building)
        else:   # nothing was changed in it: it is still the standby its manifest describes
            self.known.write(folders.live, folders.building)
        folders.set_aside()

    def _claim(self, dest: str) -> Path:
        """Return where dest goes in the tree being built, refusing a path given twice or leaving the tree."""
        if dest in self.manifest.entries:
            raise ValueError(f"two outputs for {dest}")
        return safe_dest(self.folders.building, dest)

    def keep(self, files) -> bool:
        """Take each (dest, SHA-256) of files unchanged from the live site; return False at the first the live site does not hold exactly.

        Only paths a build wrote (and checked) are in a manifest. This runs for every file of every
        app on each build, hence the plain loop.
        """
        self.begin()
        live = self.live.entries if self.live is not None else {}
        known = self.known.entries if self.known is not None else {}
        manifest, prefix, tree = self.manifest.entries, f"{self.folders.live}/", f"{self.folders.building}/"
        for dest, digest in files:
            entry = live.get(dest)
            if entry is None or entry[0] != digest or dest in manifest:
                return False
            if entry[1:] != written_of(prefix + dest):
                return False   # changed by hand since it was published
            mine = known.get(dest)
            if mine is not None and mine[1:] == entry[1:] and written_of(tree + dest) == entry[1:]:
                manifest[dest] = entry   # the standby's file is the live one (a hard link), as its own stamp shows
            else:
                self._link_live(dest, self._claim(dest), entry)
        return True

    def put(self, dest: str, data: bytes) -> None:
        """Place dest with these bytes in the new site."""
        self.begin()
        path = self._claim(dest)
        digest = hashlib.sha256(data).hexdigest()
        live_path = f"{self.folders.live}/{dest}"   # dest is claimed: it stays inside the tree
        entry = self.live.get(dest) if self.live is not None else None
        if entry is not None and entry[0] == digest and entry[1:] == written_of(live_path):
            self._link_live(dest, path, entry)   # what the live site has, as its manifest says
            return
        live = file_stamp(live_path) if self.folders.has_live else None
        if live is not None and (entry is None or entry[1:] != live.written) and live.st_size == len(data) \
                and read_beneath(self.folders.live, dest, len(data)) == data:
            self._link_live(dest, path, (digest, *live.written))   # with no manifest entry to trust, the bytes were compared
            return
        self.changed = True
        if self._standby_has(dest, path, digest, live):
            self.manifest.entries[dest] = self.known.entries[dest]
            return
        mtime = max(self.now, live.st_mtime_ns + SECOND_NS) if live else self.now
        self.touched = True
        twin = self.fresh.get(digest)
        if twin is not None and twin[1] >= mtime:   # the same bytes were just written for another path: one inode for both
            place(path, lambda tmp: os.link(twin[0], tmp))
        else:
            place(path, lambda tmp: write_file(tmp, data, mtime))
        if self.spare:
            make_at(safe_dest(self.folders.spare, dest), lambda tmp: os.link(path, tmp))
        found = from_stat(os.lstat(path))
        self.fresh[digest] = (path, found.st_mtime_ns)
        self.manifest.add(dest, digest, found.written)

    def placed(self, outputs: dict[str, bytes]) -> tuple[dict, bool, bool]:
        """Place one app's files as put() would, without recording them here: return their manifest entries and
        whether any differs from the live site and whether the tree was written, for adopt().

        Worker processes call this on the publisher they were forked with (begun before the fork), so each
        writes the files it made; paths already taken (kept from the live site) are left as they are.
        """
        part = copy.copy(self)
        part.manifest, part.changed, part.touched, part.fresh = Manifest(), False, False, {}
        for dest, data in outputs.items():
            if dest not in self.manifest.entries:
                part.put(dest, data)
        return part.manifest.entries, part.changed, part.touched

    def adopt(self, placed: tuple[dict, bool, bool]) -> None:
        """Record files placed by placed() (perhaps in another process) as part of the new site."""
        entries, changed, touched = placed
        for dest in entries:
            if dest in self.manifest.entries:
                raise ValueError(f"two outputs for {dest}")
        self.manifest.entries.update(entries)
        self.changed |= changed
        self.touched |= touched

    def _standby_has(self, dest: str, path: Path, digest: str, live: FileStamp | None) -> bool:
        """Return True if the standby's file for dest already holds these bytes, alone (no link to the live site) and
        at least a second newer than the live file, so it can be published as it is."""
        known = self.known.get(dest) if self.known is not None else None
        mine = file_stamp(path) if known else None
        return (mine is not None and known[1:] == mine.written and known[0] == digest and mine.st_nlink == 1
                and (live is None or mine.st_mtime_ns >= live.st_mtime_ns + SECOND_NS))

    def _link_live(self, dest: str, path: Path, entry: tuple) -> None:
        """Make the tree's file at path a hard link to the live file entry describes, unless it already is that file.

        Only the file's own stamp can say so (its inode is the live file's): a file replaced in the standby since
        its manifest was written (by hand, or by a checkout that carries the standby) has another inode.
        """
        if self.known is None or written_of(str(path)) != entry[1:]:
            self.touched = True
            place(path, lambda tmp: os.link(safe_dest(self.folders.live, dest), tmp))
        self.manifest.entries[dest] = entry

    def finish(self) -> bool:
        """Remove what the new site no longer has, then swap it in; return False if it equals the live site (nothing published)."""
        self.begin()
        folders, entries = self.folders, self.manifest.entries
        for dest in sorted(set(self.known.entries if self.known is not None else ()) - set(entries)):
            self.touched = True
            path = safe_dest(folders.building, dest)
            if os.path.lexists(path):
                os.unlink(path)
            prune_empty(path.parent, folders.building)
        changed = self.changed or self.live is None or set(entries) != set(self.live.entries)
        if changed or self.known is not None:
            self.manifest.write(folders.live, folders.building)
        if not changed:  # the live site stays as it is; a standby it had is up to date for next time
            if entries != self.live.entries:  # files whose bytes were compared: the live manifest learns them
                self.manifest.write(folders.live, folders.live)
            if self.known is None:
                remove_tree(folders.building)
            else:
                folders.keep_as_standby()
            self.finished = True
            return False
        folders.swap()
        self.finished = True
        try:
            if is_real_dir(folders.building):
                folders.keep_as_standby()   # the previous site, with its manifest, is the next standby
            else:
                folders.make_standby(self.manifest, self.spare)
        except OSError:
            pass   # the next build starts from an empty tree
        return True
