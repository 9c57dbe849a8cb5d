"""Tell, without reading any content, that a build would publish exactly the site already there.

The build command records a signature of everything a build depends on: the path, size, mtime and
inode of every file and folder under content/, templates/, static/ and locale/, the code version, the build
date, --strict, --no-history and --verify, the git commit the history comes from, and the output folder. When the next build
finds the same signature and site/ still holds exactly what its manifest says, it has nothing to
do: it reports what the previous build reported. Standard library only, so that answer comes
without importing the build's libraries.

A file changed within the same clock tick as the signature was taken could keep its size and
times, so for every input modified less than RACY_SECONDS (stamps.py) before the build began the
record also keeps the hash of its bytes, and the next build compares those (git does the same with
its index). The change time is in the signature too, so an edit that puts the old mtime back is
still seen.
"""

from __future__ import annotations

import datetime
import hashlib
import os
import subprocess
import time
from pathlib import Path

from policysite import cache
from policysite.cache import code_version
from policysite.problems import Problem
from policysite.publish.manifest import manifest_is_current
from policysite.stamps import content_hash, digest_tree

INPUT_DIRS = ("content", "templates", "static", "locale")
RECORD_CLASSES = {"Problem": Problem}
RECORD = "last-build"


def input_signature(root: Path, out_dir: Path, today: datetime.date, strict: bool, started: float,
                    with_history: bool = True, verify: bool = False) -> tuple[str, dict]:
    """Return a hash of everything a build depends on, and the content hash of each input file modified
    less than RACY_SECONDS before started (its size and times alone could miss a same-tick edit)."""
    digest = hashlib.sha256()
    racy = {}
    for folder in INPUT_DIRS:
        racy.update(digest_tree(digest, root / folder, started))
    head = git_head(root)
    digest.update(f"{code_version()}\0{today.isoformat()}\0{strict}\0{with_history}\0{verify}\0{head}\0{out_dir.absolute()}"
                  .encode("utf-8", "surrogateescape"))
    return digest.hexdigest(), racy


def git_head(root: Path) -> str:
    """Return the commit the history would be read from, or '' outside a git checkout."""
    try:
        result = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, timeout=60, check=False)
    except (OSError, subprocess.SubprocessError):
        return "no git"
    return result.stdout.decode("ascii", "replace").strip() if result.returncode == 0 else "not a checkout"


def previous_report(root: Path, out_dir: Path, signature: str) -> tuple | None:
    """Return (apps, docs, warnings) of the last build if it had this signature and its site is still in place."""
    record = cache.load_record(root, RECORD, RECORD_CLASSES)
    try:
        if record["signature"] != signature or record["tree"] != os.lstat(out_dir).st_ino:
            return None
        if any(content_hash(path) != digest for path, digest in record["racy"].items()):
            return None  # a recent file changed within its clock tick
        report = record["report"]
    except (TypeError, KeyError, AttributeError, OSError):   # no record, or not the shape this code writes
        return None
    return report if manifest_is_current(out_dir) else None


def record_build(root: Path, out_dir: Path, signature: str, racy: dict, report: tuple) -> None:
    """Remember the signature of a build that just published, with the content hashes of its recent inputs."""
    cache.forget_record(root, RECORD)
    try:
        tree = os.lstat(out_dir).st_ino
    except OSError:
        return
    cache.save_record(root, RECORD, {"signature": signature, "tree": tree, "racy": racy, "report": report}, RECORD_CLASSES)


def now() -> float:
    """Return the wall-clock time, to compare with file times."""
    return time.time()
