"""What a tree of the site holds, as its manifest says; manifests are kept in the cache folder, never beside the site.

A manifest maps each dest_path a build put in the tree to (SHA-256 of its bytes, size, mtime,
inode): the file's `written` stamp (stamps.py) when it was recorded. An entry is trusted only
while the file's stamp still matches; a file changed by hand no longer does.

A manifest is a sealed record of the cache (cache.py) filed under the folder the output folder
lies in, named by the output folder's name and the inode of the tree's folder: the inode moves
with the folder when the trees are swapped, so the manifest stays with what it describes.
Standard library only, as the nothing-changed check reads the live site's manifest.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from policysite import cache
from policysite.stamps import stamp, written_of

MANIFEST_CLASSES: dict = {}


class Manifest:
    """What one tree holds: dest_path -> (SHA-256, size, mtime, inode) of each file."""

    def __init__(self, entries: dict | None = None):
        self.entries: dict = {} if entries is None else entries

    def __contains__(self, dest: str) -> bool:
        return dest in self.entries

    def get(self, dest: str) -> tuple | None:
        """Return dest's entry, or None."""
        return self.entries.get(dest)

    def add(self, dest: str, digest: str, written: tuple[int, int, int]) -> None:
        """Record that dest holds bytes with this SHA-256, in a file with this written stamp."""
        self.entries[dest] = (digest, *written)

    def is_current(self, tree: Path) -> bool:
        """Return True if every file listed is still in tree exactly as recorded."""
        prefix = f"{tree}/"
        return all(entry[1:] == written_of(prefix + dest) for dest, entry in self.entries.items())

    @classmethod
    def read(cls, out_dir: Path, tree: Path) -> Manifest | None:
        """Return a tree's manifest, or None if tree is not a real folder or has none this machine wrote."""
        name = manifest_name(out_dir, tree)
        try:
            entries = cache.load_record(state_key(out_dir), name, MANIFEST_CLASSES) if name else None
        except OSError:
            return None
        return cls(entries) if isinstance(entries, dict) else None

    def write(self, out_dir: Path, tree: Path) -> None:
        """Record that tree holds what this manifest lists."""
        name = manifest_name(out_dir, tree)
        if name:
            cache.save_record(state_key(out_dir), name, self.entries, MANIFEST_CLASSES)

    @staticmethod
    def drop(out_dir: Path, tree: Path) -> None:
        """Forget what a tree holds, before changing it."""
        name = manifest_name(out_dir, tree)
        try:
            if name:
                cache.forget_record(state_key(out_dir), name)
        except OSError:
            pass


def manifest_is_current(out_dir: Path) -> bool:
    """Return True if out_dir has a manifest and every file it lists is still exactly as recorded."""
    manifest = Manifest.read(out_dir, out_dir)
    return manifest is not None and manifest.is_current(out_dir)


def drop_stale(out_dir: Path, trees: tuple[Path, ...]) -> None:
    """Remove the manifests of an output folder's trees but those of trees (those of trees that are gone)."""
    folder = cache.folder_for(state_key(out_dir))
    if folder is None:
        return
    keep = {f"{name}.json" for name in (manifest_name(out_dir, tree) for tree in trees) if name}
    for path in folder.glob(f"{manifest_prefix(out_dir)}*.json"):
        if path.name not in keep:
            path.unlink(missing_ok=True)


def state_key(out_dir: Path) -> Path:
    """Return what an output folder's manifests are filed under in the cache: the folder its state lies in."""
    return out_dir.parent


def manifest_name(out_dir: Path, tree: Path) -> str | None:
    """Return the name of a tree's manifest, by the output folder's name and the tree folder's inode; None if tree is no real folder."""
    found = stamp(tree)
    if found is None or not stat.S_ISDIR(found.st_mode):
        return None
    return f"{manifest_prefix(out_dir)}{found.st_ino}"


def manifest_prefix(out_dir: Path) -> str:
    """Return how the names of an output folder's manifests start."""
    return f"manifest-{cache.digest_of(os.fsencode(out_dir.name))[:16]}-"
