"""What a tree of the site holds, as its manifest says; manifests are kept in the cache folder, never beside the site.

A manifest maps each dest_path a build put in the tree to (SHA-256 of its bytes, size, mtime,
inode): the file's `written` stamp (stamps.py) when it was recorded. An entry is trusted only
while the file's stamp still matches; a file changed by hand no longer does.

A manifest is a sealed record of the cache (cache.py) filed under the folder the output folder
lies in, named by the output folder's name and the inode of the tree's folder: the inode moves
with the folder when the trees are swapped, so the manifest stays with what it describes. Its
payload is flat, five NUL-ended fields per entry (no path a build writes holds a NUL), not the
cache's tagged data: a site of 30,000 files is written in a fifth of the time.
Standard library only, as the nothing-changed check reads the live site's manifest.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from policysite import cache
from policysite.stamps import stamp, written_of


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

    @classmethod
    def read(cls, out_dir: Path, tree: Path) -> Manifest | None:
        """Return a tree's manifest, or None if tree is not a real folder or has none this machine wrote."""
        payload = read_payload(out_dir, tree)
        entries = decode_entries(payload) if payload is not None else None
        return cls(entries) if entries is not None else None

    def write(self, out_dir: Path, tree: Path) -> None:
        """Record that tree holds what this manifest lists."""
        name = manifest_name(out_dir, tree)
        if name:
            cache.save_payload(state_key(out_dir), name, encode_entries(self.entries))

    @staticmethod
    def drop(out_dir: Path, tree: Path) -> None:
        """Forget what a tree holds, before changing it."""
        name = manifest_name(out_dir, tree)
        try:
            if name:
                cache.forget_record(state_key(out_dir), name)
        except OSError:
            pass


def encode_entries(entries: dict) -> bytes:
    """Return entries as the flat payload of a manifest: dest, SHA-256, size, mtime and inode, each ended by a NUL."""
    text = "".join(f"{dest}\0{digest}\0{size}\0{mtime}\0{ino}\0" for dest, (digest, size, mtime, ino) in entries.items())
    return text.encode("utf-8", "surrogateescape")   # file names that are not UTF-8 come and go as the system gives them


def read_payload(out_dir: Path, tree: Path) -> bytes | None:
    """Return the payload of a tree's manifest, or None if tree is not a real folder or has none this machine wrote."""
    name = manifest_name(out_dir, tree)
    try:
        return cache.load_payload(state_key(out_dir), name) if name else None
    except OSError:
        return None


def split_fields(payload: bytes) -> list[str] | None:
    """Return a manifest payload's fields (five per entry), or None if it is not one."""
    fields = payload.decode("utf-8", "surrogateescape").split("\0")
    return fields if len(fields) % 5 == 1 and not fields[-1] else None


def decode_entries(payload: bytes) -> dict | None:
    """Return the entries of a manifest's payload, or None if it is not one."""
    fields = split_fields(payload)
    if fields is None:
        return None
    try:
        return {dest: (digest, int(size), int(mtime), int(ino))
                for dest, digest, size, mtime, ino in zip(fields[0::5], fields[1::5], fields[2::5], fields[3::5], fields[4::5])}
    except ValueError:
        return None


def manifest_is_current(out_dir: Path) -> bool:
    """Return True if out_dir has a manifest and every file it lists is still exactly as recorded.

    The nothing-changed answer's largest part at 30,000 files: the payload's fields are compared with each file's
    stamp as they come, without the entries' dictionary Manifest.read makes."""
    payload = read_payload(out_dir, out_dir)
    fields = split_fields(payload) if payload else None
    if not fields:
        return False
    prefix = f"{out_dir}/"
    try:
        return all(written_of(prefix + dest) == (int(size), int(mtime), int(ino))
                   for dest, size, mtime, ino in zip(fields[0::5], fields[2::5], fields[3::5], fields[4::5]))
    except ValueError:   # not a manifest this code wrote
        return False


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
