"""Put files in the tree being built: never writing into a file that is there, never leaving the tree.

Every file is made at a temporary name beside its place, then renamed over it, so a file a reader
has open (or one the live site shares with the tree through a hard link) is never changed.
"""

from __future__ import annotations

import os
from pathlib import Path

from policysite.publish.outdir import remove_tree


def safe_dest(root: Path, dest_path: str) -> Path:
    """Resolve dest_path under root, refusing any path that would leave it."""
    parts = dest_path.split("/")
    if dest_path.startswith("/") or any(p in ("", ".", "..") for p in parts) or "\\" in dest_path or "\0" in dest_path:
        raise ValueError(f"refusing to write outside the output folder: {dest_path!r}")
    return root.joinpath(*parts)


def place(path: Path, make) -> None:
    """Put a new file at path without touching the file there: make() creates it at a temporary name.

    Whatever is in the way in a standby tree (a folder where a file goes, a file where a folder
    goes: changed by hand?) is removed first.
    """
    try:
        make_at(path, make)
    except OSError:
        clear_way(path)
        make_at(path, make)


def make_at(path: Path, make) -> None:
    """Make a file with make() at a temporary name beside path, then rename it over whatever is at path."""
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
