"""The history of app files from git: every committed version, the files at any commit, and the
changelog built from them.

Git brings hostile data like any file in the checkout: commit dates no calendar holds, entries that
are not files (submodules, symbolic links), file names holding any byte but NUL, messages crafted to
look like git's own output. So only regular files are read, every reply of git is checked against
what was asked, and the order of history is the commit graph's (first parent), never the dates'.
Dates are committer dates (when a change entered the branch), never the wall clock.

History is true or refused: where git cannot give all of it (a shallow clone, a checkout git will
not read, no checkout at all) or holds no commit of an app file, the build stops and says how to fix
it, rather than publish a history that starts in the wrong place; building with no history at all
(--no-history) is the maintainer's explicit choice.
"""

from __future__ import annotations

import datetime
import os
from dataclasses import dataclass
from pathlib import Path

from policysite.check.schedule import apply_due, change_dates
from policysite.check.schema import Located, validator_for
from policysite.content.compare import PLAIN, Names, app_changes, sentence_case
from policysite.model import HistoryEntry
from policysite.problems import Problem
from policysite.sources.gitread import GitError, resolve_commit  # noqa: F401  the diff command asks git through this module
from policysite.sources.gitread import commit_time, git, raw_dates, read_log, read_objects, repository_problem
from policysite.sources.loader import MAX_FILE_BYTES
from policysite.sources.read import BASENAME_RE, parse_text, read_capped

APPS_DIR = "content/apps"
DOCS_DIR = "content/docs"
HISTORY_LIMIT = 50          # newest entries kept per app
FILE_MODES = (b"100644", b"100755")   # regular files; gitlinks (160000), symbolic links (120000) and trees are never read
RECOMMIT = "commit it again so git records when that is done (git commit --amend, or git rebase --force-rebase for an older commit)"
NO_HISTORY = "or build with --no-history to publish none"
PUBLISH, PREVIEW = "publish", "preview"   # what a file git holds no commit of is: an error, or a warning in the preview
UNCOMMITTED = {
    PUBLISH: f"history: git holds no commit of this file, so its history cannot be published; commit it, {NO_HISTORY}",
    PREVIEW: "history: git holds no commit of this file yet, so its page shows no history until it is committed",
}
UNREADABLE = {   # every committed version fails to load, so the history would start nowhere
    PUBLISH: f"history: no committed version of this file can be read, so its history cannot be published; "
             f"commit it once check passes, {NO_HISTORY}",
    PREVIEW: "history: no committed version of this file can be read yet, so its page shows no history until it is committed",
}


@dataclass(frozen=True)
class Version:
    """One committed state of one app file: its data, or None where the commit deleted it.

    when is None where the commit's date is not a real date; raw_date then holds what the commit
    says, for check_versions to show.
    """

    when: datetime.datetime | None
    commit: str
    data: dict | None
    raw_date: str = ""


def parse_app(data: bytes, src_path: str) -> dict | None:
    """Parse one app file's bytes into typed data, or None if it is not a readable mapping."""
    node = parse_text(data, src_path, [])
    if node is None or node.kind != "map":
        return None
    located = Located(node, validator_for("app.schema.json"))
    return located.data if isinstance(located.data, dict) else None


def read_blobs(root: Path, blob_ids: list[str]) -> dict[str, bytes]:
    """Read the blobs that could be app files (no larger than the limit on one) by their ids."""
    sizes = read_objects(root, blob_ids, b"blob", "--batch-check")
    small = [i for i, (size, _) in sizes.items() if size <= MAX_FILE_BYTES]
    return {i: body for i, (_, body) in read_objects(root, small, b"blob").items()}


def history_refusal(root: Path) -> str | None:
    """Return the line that refuses to build root's history because git cannot give all of it, naming the fix; None if it can."""
    problem = repository_problem(root)
    if problem is None:
        return None
    kind, what, fix = problem
    outcome = "would start at its oldest fetched commit and be wrong" if kind == "shallow" else "cannot be read"
    return f"{what}, so the policy history {outcome}; {fix}, {NO_HISTORY}"


def read_versions(root: Path, parse=parse_app) -> dict[str, list[Version]]:
    """Return every committed version of every app file, in first-parent order, oldest first, keyed by src_path;
    raise GitError (history_refusal) when git cannot give the whole history. parse (bytes, src_path) is parse_app
    or, from the engine, parse_app remembered.

    Only regular files are versions. Versions that cannot be read as a mapping are left out (the
    site kept the one before); a version whose commit has no real date is kept, for check_versions to report.
    """
    if refusal := history_refusal(root):
        raise GitError(refusal)
    log = read_log(root, APPS_DIR)
    if log is None and git(root, "rev-parse", "--verify", "--quiet", "HEAD"):   # with no commit yet, each file says so
        raise GitError(f"git log gave no history this build can read, so the policy history cannot be read; "
                       f"run git log {APPS_DIR} to see why, {NO_HISTORY}")
    changes = [c for c in log or () if is_app_path(c[2])]
    if not changes:
        return {}
    # A file committed only in versions that cannot be read still maps to a list, empty: check_versions tells it apart.
    versions: dict[str, list[Version]] = {src_path: [] for _, _, src_path, mode, _ in changes if mode in FILE_MODES}
    blobs = read_blobs(root, sorted({blob for _, _, _, mode, blob in changes if mode in FILE_MODES}))
    raw = raw_dates(root, sorted({commit for commit, stamp, *_ in changes if commit_time(stamp) is None}))
    for commit, stamp, src_path, mode, blob in reversed(changes):
        when = commit_time(stamp)
        data = parse(blobs[blob], src_path) if mode in FILE_MODES and blob in blobs else None
        if when is None:
            versions.setdefault(src_path, []).append(Version(None, commit, data, raw.get(commit, "''")))
        elif mode == b"000000" or data is not None:
            versions.setdefault(src_path, []).append(Version(when, commit, data))
    return versions


def read_doc_dates(root: Path, today: datetime.date) -> dict[str, datetime.date]:
    """Return the day (UTC) of the last commit along the first-parent line that changed each document under
    content/docs, by src_path: what a documentation page gives as its "last updated".

    A document with no such commit (not committed yet, or last deleted), or whose last commit has no real date or
    one after today, has no day: a page says nothing rather than a date git cannot vouch for. Where git cannot
    give the log at all no page has one; whether the build may go on without history is read_versions' to say.
    """
    last: dict[str, datetime.datetime | None] = {}
    for _, stamp, src_path, mode, _ in read_log(root, DOCS_DIR) or ():   # newest first: the first change of a path is its last
        if src_path not in last:
            last[src_path] = commit_time(stamp) if mode in FILE_MODES else None
    return {src_path: when.date() for src_path, when in last.items() if when is not None and when.date() <= today}


def check_versions(src_path: str, versions: list[Version] | None, today: datetime.date, mode: str = PUBLISH) -> list[Problem]:
    """Report an app file git holds no commit of (versions None), or no readable one (versions empty), as an error
    (a warning in the preview), and each commit in its history dated outside the calendar or later than the day after the build."""
    problems, severity = [], "error" if mode == PUBLISH else "warning"
    last = versions[-1] if versions else None
    if versions == []:
        problems.append(Problem(src_path, 1, 1, UNREADABLE[mode], severity))
    elif last is None or (last.when is not None and last.data is None):   # never committed, or deleted in its last commit
        problems.append(Problem(src_path, 1, 1, UNCOMMITTED[mode], severity))
    for v in versions or ():
        if v.when is None:
            problems.append(Problem(src_path, 1, 1, f"history: commit {v.commit[:12]} is dated {v.raw_date} which is not a real date; {RECOMMIT}"))
        elif (v.when.date() - today).days > 1:   # a day of grace for clocks that run fast
            problems.append(Problem(src_path, 1, 1, f"history: commit {v.commit[:12]} is dated {v.when:%Y-%m-%dT%H:%M:%SZ}, "
                                                    f"after the build date {today}; {RECOMMIT}, or build with a later SOURCE_DATE_EPOCH"))
    return problems


def is_app_path(src_path: str) -> bool:
    """Return True for content/apps/<basename>.yaml."""
    folder, _, name = src_path.rpartition("/")
    # fullmatch, as the pattern's $ would also match before a final line break
    return folder == APPS_DIR and name.endswith(".yaml") and bool(BASENAME_RE.fullmatch(name[:-5]))


def read_apps_at(root: Path, commit: str) -> dict[str, dict | None]:
    """Return src_path -> typed data (None if unreadable) for every app file at a commit; only regular files count."""
    out = git(root, "ls-tree", "-z", commit, "--", f"{APPS_DIR}/")
    entries = {}
    for item in (out or b"").split(b"\0"):
        meta, _, path = item.partition(b"\t")
        fields = meta.split(b" ")
        src_path = path.decode("utf-8", "surrogateescape")
        if len(fields) == 3 and fields[0] in FILE_MODES and fields[1] == b"blob" and is_app_path(src_path):
            entries[src_path] = fields[2].decode("ascii")
    blobs = read_blobs(root, sorted(set(entries.values())))
    return {src_path: parse_app(blobs[b], src_path) if b in blobs else None for src_path, b in entries.items()}


def read_apps_now(root: Path) -> dict[str, dict | None]:
    """Return src_path -> typed data for every app file in the working tree, never through a symbolic link."""
    apps_dir, out = root / APPS_DIR, {}
    try:
        names = [] if any(p.is_symlink() for p in (root / "content", apps_dir)) else os.listdir(apps_dir)
    except OSError:
        return out
    for name in sorted(names):
        src_path = f"{APPS_DIR}/{name}"
        data = read_capped(apps_dir / name, src_path, []) if is_app_path(src_path) else None
        if data is not None:
            out[src_path] = parse_app(data, src_path)
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


def effective_times(versions: list[Version]) -> list[datetime.datetime]:
    """Return when each version took effect: its commit's time, but never before the version it follows.

    A back-dated commit still came after its parent, so its date cannot move it before it.
    """
    times: list[datetime.datetime] = []
    for version in versions:
        times.append(max(version.when, times[-1]) if times else version.when)
    return times


def history_points(versions: list[Version], today: datetime.date) -> list[tuple]:
    """Return (when, commit or None, version index, effective day) for each moment the app's policy could
    change, oldest first in the order of the first-parent chain.

    A change a version schedules comes after that version and before the next one, on its own date
    if that falls between the two; a day after today is never effective.
    """
    times = effective_times(versions)
    days = [min(t.date(), today) for t in times]
    points = []
    for i, version in enumerate(versions):
        points.append((times[i], version.commit, i, days[i]))
        until = days[i + 1] if i + 1 < len(versions) else today
        for change_day in sorted(change_dates(version.data or {})):
            if days[i] < change_day <= until:
                points.append((datetime.datetime.combine(change_day, datetime.time(), datetime.timezone.utc), None, i, change_day))
    return points


def history_entries(versions: list[Version], today: datetime.date, names: Names) -> tuple[HistoryEntry, ...]:
    """Build an app's changelog, newest first: one entry per commit that changed the published
    policy, and one per scheduled change on the day it took effect.

    Versions without a real date are left out (check_versions reports them).
    """
    versions = [v for v in versions if v.when is not None]
    entries, before, keys = [], None, set()
    for when, commit, i, day in history_points(versions, today):
        data = versions[i].data
        after = apply_due(data, day) if data is not None else None
        sentences = describe(before, after, names)
        if sentences:
            key = f"scheduled-{day:%Y%m%d}" if commit is None else commit[:12] if commit[:12] not in keys else commit
            keys.add(key)
            entries.append(HistoryEntry(key=key, when=when, changes=tuple(sentence_case(s) for s in sentences), commit=commit))
        before = after
    return tuple(reversed(entries))[:HISTORY_LIMIT]
