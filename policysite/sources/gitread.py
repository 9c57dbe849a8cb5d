"""Ask git, and read its answers as hostile data: what a checkout's history holds is anyone's to write.

Commit dates may be beyond any calendar, file names may hold any byte but NUL, and a commit message
may be written to look like git's own output. So each reply is matched against exactly what was
asked, read to its exact size, and recognised only where it must start; what does not fit is left
out, never guessed at.
"""

from __future__ import annotations

import datetime
import os
import re
import shlex
import subprocess
from pathlib import Path

GIT_TIMEOUT = 600           # seconds; only there so a wedged git cannot hang a build forever
LAST_SECOND = 253402300799  # 9999-12-31T23:59:59Z, the last moment a datetime can hold
_ID = rb"(?:[0-9a-f]{40}|[0-9a-f]{64})"   # SHA-1 or SHA-256 object names, in full
# The records of `git log -z --raw --format=%H %ct`: a commit's header, then per changed file a
# change record (":old-mode new-mode old-id new-id status") followed by its path.
_HEADER_RE = re.compile(rb"\n?(" + _ID + rb") ([0-9]*)")
_CHANGE_RE = re.compile(rb"\n?:[0-7]{6} ([0-7]{6}) " + _ID + rb" (" + _ID + rb") [A-Z][0-9]*")
# A reply of `git cat-file --batch`: "<id> <type> <size>", or "<id> missing".
_REPLY_RE = re.compile(rb"(" + _ID + rb") (?:missing|([a-z]+) ([0-9]{1,19}))")
# The real commit graph, never one rewritten by replacement refs or a grafts file (a shallow clone's
# cut is found and refused instead), and git's messages untranslated, so a refusal can be recognised.
GIT_ENV = {"GIT_NO_REPLACE_OBJECTS": "1", "GIT_GRAFT_FILE": os.devnull, "LC_ALL": "C", "LANGUAGE": ""}
_DUBIOUS_RE = re.compile(rb"detected dubious ownership in repository at '([^\n]*)'\n")
UNSHALLOW = "git fetch --unshallow; in GitHub Actions, actions/checkout with fetch-depth: 0"


class GitError(Exception):
    """A git question could not be answered; the message says why, for the command line."""


def run_git(root: Path, *args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess | None:
    """Run git in root (see GIT_ENV) and return what it did, or None if git cannot be run."""
    try:
        return subprocess.run(["git", "-C", str(root), *args], input=stdin, capture_output=True, timeout=GIT_TIMEOUT,
                              check=False, env={**os.environ, **GIT_ENV})
    except (OSError, subprocess.SubprocessError):
        return None


def git(root: Path, *args: str, stdin: bytes | None = None) -> bytes | None:
    """Run git in root and return its output, or None if git is missing or fails."""
    result = run_git(root, *args, stdin=stdin)
    return result.stdout if result is not None and result.returncode == 0 else None


def repository_problem(root: Path) -> tuple[str, str, str] | None:
    """Return why git cannot give root's whole history as (kind, what is wrong, how to fix it), or None if it can.

    kind is "shallow" (a clone cut short), "refused" (git will not read another user's checkout),
    "absent" (not a git checkout) or "failed" (no git, or another failure); each is told from what git
    answers, never guessed from the files.
    """
    result = run_git(root, "rev-parse", "--is-inside-work-tree", "--is-shallow-repository")
    if result is None:
        return "failed", "git cannot be run here", "install git"
    if result.stdout == b"true\nfalse\n":
        return None
    if result.stdout == b"true\ntrue\n":
        return "shallow", "this checkout is a shallow clone", f"fetch the whole history ({UNSHALLOW})"
    if refused := _DUBIOUS_RE.search(result.stderr):
        where = refused[1].decode("utf-8", "surrogateescape")
        return ("refused", f"git refuses to read {where}, which another user owns (dubious ownership)",
                f"if you trust it, run git config --global --add safe.directory {shlex.quote(where)}")
    if result.returncode == 0 or b"not a git repository" in result.stderr:
        return "absent", f"{root} is not a git checkout", "work in a clone of the repository"
    said = result.stderr.decode("utf-8", "replace").strip().partition("\n")[0][:200]
    return "failed", f"git cannot read {root} ({said})", "fix what git says"


def read_objects(root: Path, object_ids: list[str], kind: bytes, batch: str = "--batch") -> dict[str, tuple[int, bytes]]:
    """Return id -> (size, bytes) for each object of one kind, with one `git cat-file` (--batch-check: sizes only).

    Each reply must name the id asked for, in the order asked, and is read to its exact size, so no
    object's content can pass for another reply; a missing object or one of another kind is left out,
    and anything unexpected ends the reading.
    """
    asked = [i for i in dict.fromkeys(object_ids) if re.fullmatch(_ID, i.encode("ascii", "replace"))]
    out = git(root, "cat-file", batch, stdin="".join(f"{i}\n" for i in asked).encode("ascii")) if asked else b""
    found, pos = {}, 0
    for object_id in asked:
        end = out.find(b"\n", pos) if out else -1
        reply = _REPLY_RE.fullmatch(out, pos, end) if end >= 0 else None
        if reply is None or reply[1] != object_id.encode("ascii"):
            break
        pos, size = end + 1, int(reply[3] or 0)
        if reply[2] is not None and batch == "--batch":
            if out[pos + size:pos + size + 1] != b"\n":
                break
            body, pos = out[pos:pos + size], pos + size + 1
        else:
            body = b""
        if reply[2] == kind:
            found[object_id] = (size, body)
    return found


def read_log(root: Path, folder: str) -> list[tuple[str, bytes, str, bytes, str]] | None:
    """Return (commit, committer date, path, new mode, new id) for each change under folder, newest
    commit first along the first-parent line, or None if git cannot say.

    A merged pull request counts once, at its merge. The path is the one field after a change
    record and is never looked into, and a commit header is recognised only where a record must
    start, so no file name can pass for a commit.
    """
    out = git(root, "-c", "log.showSignature=false", "log", "--first-parent", "--topo-order", "-m", "--no-renames",
              "--raw", "--no-abbrev", "--no-color", "-z", "--relative", "--format=%H %ct", "--", f"{folder}/")
    if out is None:
        return None
    records, changes, commit, i = out.split(b"\0"), [], None, 0
    while i < len(records) - 1:         # git ends the last record with NUL too
        change = _CHANGE_RE.fullmatch(records[i])
        if change and commit:
            changes.append((*commit, records[i + 1].decode("utf-8", "surrogateescape"), change[1], change[2].decode("ascii")))
            i += 2
        elif header := _HEADER_RE.fullmatch(records[i]):
            commit, i = (header[1].decode("ascii"), header[2]), i + 1
        else:
            return None   # not the output this parser knows: no history rather than a guessed one
    return changes


def commit_time(stamp: bytes) -> datetime.datetime | None:
    """Return the UTC time of a committer date as git reads it, or None if it is not a date a calendar holds."""
    if not stamp or len(stamp.lstrip(b"0")) > len(str(LAST_SECOND)) or int(stamp) > LAST_SECOND:
        return None
    return datetime.datetime.fromtimestamp(int(stamp), datetime.timezone.utc)


def raw_dates(root: Path, commits: list[str]) -> dict[str, str]:
    """Return each commit's committer date as its object writes it, escaped for a terminal."""
    dates = {}
    for commit, (_, body) in read_objects(root, commits, b"commit").items():
        headers = body.split(b"\n\n", 1)[0].split(b"\n")
        line = next((h for h in headers if h.startswith(b"committer ")), b"")
        raw = line.rpartition(b">")[2].strip()
        shown = "".join(chr(b) if 0x20 <= b < 0x7F and b not in b"\\'" else f"\\x{b:02x}" for b in raw[:40])
        dates[commit] = f"'{shown}{'...' if len(raw) > 40 else ''}'"
    return dates


def resolve_commit(root: Path, ref: str) -> str:
    """Return the commit id a ref names, or raise GitError saying why not."""
    problem = repository_problem(root)
    if problem and problem[0] != "shallow":   # a shallow clone may still hold the revision asked for
        raise GitError(f"{problem[1]}, so there is nothing to compare with; {problem[2]}")
    if ref.startswith("-") or not ref:
        raise GitError(f"{ref!r} is not a git revision")
    out = git(root, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}")
    if not out and problem:
        raise GitError(f"{ref!r} is not a commit in this shallow clone; fetch the whole history ({UNSHALLOW})")
    if not out:
        raise GitError(f"{ref!r} is not a commit in this repository (try a branch such as 'origin/main', or HEAD~1)")
    return out.decode("ascii").strip()
