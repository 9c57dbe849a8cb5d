"""The history of app files from git: every committed version, the files at any commit, and the
changelog built from them.

Dates are commit dates, never the wall clock. Outside a git checkout (or without
git) there is no history and the build goes on without it.
"""

from __future__ import annotations

import datetime
import subprocess
from dataclasses import dataclass
from pathlib import Path

from .cache import Store, digest_of
from .check import Located, validator_for
from .compare import PLAIN, Names, app_changes, sentence_case
from .model import HistoryEntry
from .read import BASENAME_RE, parse_text
from .schedule import apply_due, change_dates

APPS_DIR = "content/apps"
HISTORY_LIMIT = 50          # newest entries kept per app
GIT_TIMEOUT = 600           # seconds; only there so a wedged git cannot hang a build forever


class GitError(Exception):
    """A git question could not be answered; the message says why, for the command line."""


@dataclass(frozen=True)
class Version:
    """One committed state of one app file: its data, or None where the commit deleted it."""

    when: datetime.datetime
    commit: str
    data: dict | None


def git(root: Path, *args: str, stdin: bytes | None = None) -> bytes | None:
    """Run git in root and return its output, or None if git is missing or fails."""
    try:
        result = subprocess.run(["git", "-C", str(root), *args], input=stdin, capture_output=True, timeout=GIT_TIMEOUT, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return result.stdout if result.returncode == 0 else None


def is_checkout(root: Path) -> bool:
    """Return True if root is inside a git work tree."""
    return git(root, "rev-parse", "--is-inside-work-tree") == b"true\n"


def parse_app(data: bytes, src_path: str, trees: Store | None = None) -> dict | None:
    """Parse one app file's bytes into typed data, or None if it is not a readable mapping; trees remembers parsed files."""
    key = digest_of(data) if trees is not None else None
    node = trees.get(key) if key else None
    if node is None:
        found: list = []
        node = parse_text(data, src_path, found)
        if key and node is not None and not found:
            trees.put(key, node)
    if node is None or node.kind != "map":
        return None
    located = Located(node, validator_for("app.schema.json"))
    return located.data if isinstance(located.data, dict) else None


def read_blobs(root: Path, blob_ids: list[str]) -> dict[str, bytes]:
    """Read many blobs with one `git cat-file --batch`."""
    if not blob_ids:
        return {}
    out = git(root, "cat-file", "--batch", stdin="".join(f"{b}\n" for b in blob_ids).encode("ascii"))
    blobs, pos = {}, 0
    while out and pos < len(out):
        end = out.index(b"\n", pos)
        header = out[pos:end].split()
        pos = end + 1
        if len(header) == 3 and header[1] == b"blob":
            size = int(header[2])
            blobs[header[0].decode("ascii")] = out[pos:pos + size]
            pos += size + 1
    return blobs


def read_versions(root: Path, trees: Store | None = None) -> dict[str, list[Version]]:
    """Return every committed version of every app file, oldest first, keyed by src_path.

    Follows the first-parent line, so a merged pull request counts once, at its merge.
    Versions that cannot be read as a mapping are left out: the site kept the one before.
    """
    if not is_checkout(root):
        return {}
    out = git(root, "-c", "log.showSignature=false", "log", "--first-parent", "-m", "--no-renames", "--raw",
              "--no-abbrev", "-z", "--relative", "--format=%x01%H %ct", "--", f"{APPS_DIR}/")
    changes = []   # (when, commit, src_path, blob id or None)
    for chunk in (out or b"").split(b"\x01")[1:]:
        header, _, rest = chunk.partition(b"\0")
        commit, stamp = header.decode("ascii").split()
        when = datetime.datetime.fromtimestamp(int(stamp), datetime.timezone.utc)
        tokens = rest.lstrip(b"\n").split(b"\0")
        for meta, path in zip(tokens[0::2], tokens[1::2]):
            fields = meta[1:].split()
            src_path = path.decode("utf-8", "surrogateescape")
            if not meta.startswith(b":") or len(fields) < 5 or not is_app_path(src_path):
                continue
            deleted = fields[4].startswith(b"D") or fields[1] == b"000000"
            changes.append((when, commit, src_path, None if deleted else fields[3].decode("ascii")))
    blobs = read_blobs(root, sorted({c[3] for c in changes if c[3]}))
    versions: dict[str, list[Version]] = {}
    for when, commit, src_path, blob in reversed(changes):
        data = parse_app(blobs[blob], src_path, trees) if blob in blobs else None
        if blob is None or data is not None:
            versions.setdefault(src_path, []).append(Version(when, commit, data))
    return versions


def is_app_path(src_path: str) -> bool:
    """Return True for content/apps/<basename>.yaml."""
    folder, _, name = src_path.rpartition("/")
    return folder == APPS_DIR and name.endswith(".yaml") and bool(BASENAME_RE.match(name[:-5]))


def resolve_commit(root: Path, ref: str) -> str:
    """Return the commit id a ref names, or raise GitError saying why not."""
    if not is_checkout(root):
        raise GitError(f"{root} is not inside a git checkout, so there is nothing to compare with")
    if ref.startswith("-") or not ref:
        raise GitError(f"{ref!r} is not a git revision")
    out = git(root, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}")
    if not out:
        raise GitError(f"{ref!r} is not a commit in this repository (try a branch such as 'origin/main', or HEAD~1)")
    return out.decode("ascii").strip()


def read_apps_at(root: Path, commit: str) -> dict[str, dict | None]:
    """Return src_path -> typed data (None if unreadable) for every app file at a commit."""
    out = git(root, "ls-tree", "-z", commit, "--", f"{APPS_DIR}/")
    entries = {}
    for item in (out or b"").split(b"\0"):
        meta, _, path = item.partition(b"\t")
        fields = meta.split()
        src_path = path.decode("utf-8", "surrogateescape")
        if len(fields) == 3 and fields[1] == b"blob" and is_app_path(src_path):
            entries[src_path] = fields[2].decode("ascii")
    blobs = read_blobs(root, sorted(set(entries.values())))
    return {src_path: parse_app(blobs[b], src_path) if b in blobs else None for src_path, b in entries.items()}


def read_apps_now(root: Path) -> dict[str, dict | None]:
    """Return src_path -> typed data for every app file in the working tree."""
    apps_dir = root / APPS_DIR
    out = {}
    for path in sorted(apps_dir.glob("*.yaml")) if apps_dir.is_dir() else []:
        src_path = path.relative_to(root).as_posix()
        if is_app_path(src_path) and path.is_file() and not path.is_symlink():
            out[src_path] = parse_app(path.read_bytes(), src_path)
    return out


def describe(before: dict | None, after: dict | None, names: Names) -> list[str]:
    """Describe the step from one effective policy to the next, for a changelog."""
    if before is None and after is None:
        return []
    if before is None:
        return ["policy published"]
    if after is None:
        return ["app removed from the site"]
    return app_changes(before, after, names, PLAIN)


def history_entries(versions: list[Version], today: datetime.date, names: Names) -> tuple[HistoryEntry, ...]:
    """Build an app's changelog, newest first: one entry per commit that changed the published
    policy, and one per scheduled change on the day it took effect."""
    points = []    # (sort key, when, key, commit, version index, effective day)
    for i, version in enumerate(versions):
        day = version.when.date()
        points.append(((day, 1, version.when), version.when, version.commit[:12], version.commit, i, day))
        last_day = versions[i + 1].when.date() if i + 1 < len(versions) else today
        for change_day in sorted(change_dates(version.data or {})):
            if day < change_day <= last_day:
                midnight = datetime.datetime.combine(change_day, datetime.time(), datetime.timezone.utc)
                points.append(((change_day, 0, midnight), midnight, f"scheduled-{change_day:%Y%m%d}", None, i, change_day))
    entries, before = [], None
    for _, when, key, commit, i, day in sorted(points, key=lambda p: p[0]):
        data = versions[i].data
        after = apply_due(data, day) if data is not None else None
        sentences = describe(before, after, names)
        if sentences:
            entries.append(HistoryEntry(key=key, when=when, changes=tuple(sentence_case(s) for s in sentences), commit=commit))
        before = after
    return tuple(reversed(entries))[:HISTORY_LIMIT]
