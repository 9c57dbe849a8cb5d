"""The output folder and the trees a build keeps beside it: the live site, its standby, the tree being built.

Beside <out>/ a build keeps the lock (.<out>.lock) and the previous site (.<out>.standby). While
it works it renames the standby to .<out>.building-<pid>, brings it up to date, then swaps it with
<out>/ (through .<out>.old-<pid> where the system has no atomic exchange); the old site becomes the
standby. A first build (no live site, no standby) links each file it writes into .<out>.spare-<pid>
as well, which becomes the standby once the new site is live. None of these paths is trusted as found (outdir.py): whatever is not what a build makes
there is removed, never followed.
"""

from __future__ import annotations

import os
from pathlib import Path

from policysite.publish import outdir
from policysite.publish.files import make_at, safe_dest
from policysite.publish.manifest import Manifest, drop_stale


class SiteFolders:
    """The paths of one output folder's trees, and the lock under which a build changes them."""

    def __init__(self, out_dir: Path):
        self.live = out_dir.absolute()
        self.standby = self.live.parent / f".{self.live.name}.standby"
        self.building = self.live.parent / f".{self.live.name}.building-{os.getpid()}"
        self.old = self.live.parent / f".{self.live.name}.old-{os.getpid()}"
        self.spare = self.live.parent / f".{self.live.name}.spare-{os.getpid()}"
        self._lock: int | None = None   # the lock file's descriptor while this build holds the lock
        self.has_live = False           # was there a live site when the lock was taken? (if not, no file is looked for there)

    @property
    def is_locked(self) -> bool:
        """Return True while this build holds the lock."""
        return self._lock is not None

    def lock(self) -> None:
        """Wait for the lock, so two builds never write the same output at once; then clean what an interrupted build left."""
        self.live.parent.mkdir(parents=True, exist_ok=True)
        self._lock = outdir.lock_folder(self.live)
        self.clean_leftovers()
        self.has_live = outdir.is_real_dir(self.live)

    def unlock(self) -> None:
        """Let the next build in."""
        fd, self._lock = self._lock, None
        if fd is not None:
            os.close(fd)

    def clean_leftovers(self) -> None:
        """Remove what an interrupted build left, anything but a real folder at the live or standby path, and manifests of trees that are gone."""
        parent, name = self.live.parent, self.live.name
        for pattern in (f".{name}.building-*", f".{name}.old-*", f".{name}.spare-*"):
            for path in parent.glob(pattern):
                try:
                    outdir.remove(path)
                except OSError:
                    pass
        outdir.clear(self.live)
        outdir.clear(self.standby)
        drop_stale(self.live, (self.live, self.standby))

    def take_standby(self) -> None:
        """Make the standby, if there is one, the tree being built."""
        if outdir.is_real_dir(self.standby):
            os.rename(self.standby, self.building)

    def make_empty(self) -> None:
        """Make the tree being built an empty folder, with no manifest that could be mistaken for its own."""
        outdir.remove(self.building)
        self.building.mkdir()
        Manifest.drop(self.live, self.building)

    def swap(self) -> None:
        """Make the tree being built the live site, in one step where the system allows; the previous site, if any, is left in its place."""
        outdir.swap_in(self.building, self.live, self.old)

    def keep_as_standby(self) -> None:
        """Keep the tree being built as the standby, for the next build to bring up to date."""
        os.rename(self.building, self.standby)

    def make_spare(self) -> None:
        """Make an empty tree to hold a second link to every file a first build writes: its next standby."""
        outdir.remove(self.spare)
        self.spare.mkdir()

    def drop_spare(self) -> None:
        """Remove the spare tree, if there is one."""
        outdir.remove_tree(self.spare, ignore_errors=True)

    def make_standby(self, manifest: Manifest, spare: bool = False) -> None:
        """After the first publish, make the standby: hard links to every file of the live site, so the next build
        writes only what changed. The spare tree is that already when the build linked every file into it (spare)."""
        try:
            if spare:
                manifest.write(self.live, self.spare)
                os.rename(self.spare, self.standby)
                return
            self.make_empty()
            for dest in sorted(manifest.entries):
                make_at(safe_dest(self.building, dest), lambda tmp: os.link(safe_dest(self.live, dest), tmp))
            manifest.write(self.live, self.building)
            self.keep_as_standby()
        except OSError:   # only time is lost: the next build makes an empty tree
            outdir.remove_tree(self.building, ignore_errors=True)
            self.drop_spare()

    def restore_live(self) -> None:
        """After a failure: put the live site back if the swap had moved it aside."""
        if outdir.is_real_dir(self.old) and not os.path.lexists(self.live):
            os.rename(self.old, self.live)

    def set_aside(self) -> None:
        """After a failure: keep the tree being built as the standby, unless there is one already (then it goes)."""
        if not outdir.is_real_dir(self.building):
            return
        if os.path.lexists(self.standby):
            outdir.remove_tree(self.building, ignore_errors=True)
        else:
            self.keep_as_standby()
