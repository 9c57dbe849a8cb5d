"""Golden trees: the site the build makes of three frozen inputs, kept byte for byte in tests/golden/<case>.tar.gz.

    .venv/bin/python tests/golden.py            # rebuild every golden tree from its input
    .venv/bin/python tests/golden.py history    # or only the ones named

The cases (tests/test_golden.py builds each, cold then warm, and compares every byte):
- example: the example content as it was frozen into tests/golden/input/content/, built without history;
- corpus: that legend and those docs with the 50 generated apps of tests/golden/input/corpus/;
- history: a git repository of three of the example apps, changed over six dated commits;
- languages: those three apps, published in every language policysite knows (the frozen settings with 'languages'
  added), built without history.

Inputs never change when the output does: the code is what is under test. Regenerate the trees only
for a change meant to change the site; the command prints what changed in each, file by file.

Each tree is one archive written the same way every time (names sorted, no times or owners, gzip
without a time), so a tree that did not change is the same bytes, and thousands of generated HTML
lines do not stand in the repository as text beside the templates that make them.
"""

from __future__ import annotations

import difflib
import gzip
import io
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

from conftest import REPO, TODAY, epoch_of   # every case is built on the day the project fixture pins
from gitrepo import commit_all, init_repo
from policysite.languages import SUPPORTED

GOLDEN = REPO / "tests/golden"
INPUT = GOLDEN / "input"
# The history case: (commit time, message, {app basename: text edits (old, new), or None to delete the file}).
HISTORY_APPS = ("accounts", "beams", "web_proxy")
HISTORY_STEPS = (
    ("2026-01-12T09:00:00Z", "Publish three apps", {}),
    ("2026-03-03T14:30:00Z", "Faster first replies for Account Manager", {
        "accounts": [("response_time: 4 business hours", "response_time: 2 business hours")]}),
    ("2026-05-20T08:15:00Z", "Announce a ticket service for Web Proxy", {
        "web_proxy": [("    reason: ClearFoundation does not run a separate ticket service for this app.\n",
                       "    reason: ClearFoundation does not run a separate ticket service for this app.\n"
                       "    change:\n      from: 2026-08-01\n      available: true\n"
                       "      url: https://tickets.clearfoundation.example/web-proxy\n"
                       "      response_time: 1 business day\n")]}),
    ("2026-09-09T17:45:00Z", "Retire Beam Manager", {"beams": None}),
    ("2026-10-02T11:00:00Z", "Web Proxy reviewed", {"web_proxy": [("reviewed: 2026-09-14", "reviewed: 2026-10-02")]}),
    ("2026-10-02T11:00:00Z", "A second commit in the same second", {
        "accounts": [("scope: Choosing, initialising and repairing the account back end.",
                      "scope: Choosing, setting up and repairing the account back end.")]}),
)


def project_base(root: Path, apps: list[Path]) -> None:
    """Write a project at root: the frozen legend, factors, settings and docs, the repo's templates, static files and
    catalogs, apps."""
    shutil.copytree(INPUT / "content", root / "content", ignore=shutil.ignore_patterns("apps"))
    for name in ("templates", "static", "locale"):
        shutil.copytree(REPO / name, root / name)
    (root / "content/apps").mkdir()
    for path in apps:
        shutil.copyfile(path, root / "content/apps" / path.name)


def make_example(root: Path) -> list[str]:
    """The frozen example content; returns the build's options."""
    project_base(root, sorted((INPUT / "content/apps").glob("*.yaml")))
    return ["--no-history"]


def make_corpus(root: Path) -> list[str]:
    """The frozen legend and docs with the generated apps."""
    project_base(root, sorted((INPUT / "corpus").glob("*.yaml")))
    return ["--no-history"]


def make_history(root: Path) -> list[str]:
    """A repository whose commits change three example apps on known dates."""
    project_base(root, [INPUT / f"content/apps/{name}.yaml" for name in HISTORY_APPS])
    init_repo(root)
    for when, message, edits in HISTORY_STEPS:
        for name, changes in edits.items():
            path = root / f"content/apps/{name}.yaml"
            if changes is None:
                path.unlink()
                continue
            text = path.read_text(encoding="utf-8")
            for old, new in changes:
                if old not in text:
                    raise SystemExit(f"history step {message!r}: {name}.yaml no longer holds {old!r}")
                text = text.replace(old, new, 1)
            path.write_text(text, encoding="utf-8")
        commit_all(root, message, when)
    return []


def make_languages(root: Path) -> list[str]:
    """Three example apps in the seven languages: the frozen settings name them all, the first at the root."""
    project_base(root, [INPUT / f"content/apps/{name}.yaml" for name in HISTORY_APPS])
    settings = root / "content/site.yaml"
    text = settings.read_text(encoding="utf-8")
    if "languages:" in text:
        raise SystemExit("the frozen site.yaml names languages of its own; make_languages adds them")
    settings.write_text(text + f"languages: [{', '.join(SUPPORTED)}]\n", encoding="utf-8")
    return ["--no-history"]


CASES = {"example": make_example, "corpus": make_corpus, "history": make_history, "languages": make_languages}


def build_env(cache_home: Path) -> dict:
    """The environment of a golden build: the pinned date and a cache folder of its own."""
    return {**os.environ, "SOURCE_DATE_EPOCH": str(epoch_of(TODAY)), "POLICYSITE_CACHE_HOME": str(cache_home)}


def build(root: Path, options: list[str], out: Path, cache_home: Path) -> subprocess.CompletedProcess:
    """Build the project at root into out as the command line does."""
    command = [sys.executable, str(REPO / "build.py"), "build", "--root", str(root), "--out", str(out), *options]
    return subprocess.run(command, env=build_env(cache_home), capture_output=True, text=True, timeout=300)


def tree_bytes(folder: Path) -> dict[str, bytes]:
    """Return relative path -> bytes of every file under folder."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def archive_of(name: str) -> Path:
    """Return where a case's golden tree is kept."""
    return GOLDEN / f"{name}.tar.gz"


def read_tree(path: Path) -> dict[str, bytes]:
    """Return relative path -> bytes of every file in a golden archive."""
    with tarfile.open(path, "r:gz") as archive:
        return {m.name: archive.extractfile(m).read() for m in archive.getmembers() if m.isfile()}


def write_tree(files: dict[str, bytes], path: Path) -> None:
    """Write files as a golden archive: sorted, with no times, owners or modes that vary, so equal trees are equal bytes."""
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as archive:
        for name in sorted(files):
            info = tarfile.TarInfo(name)
            info.size, info.mode, info.mtime = len(files[name]), 0o644, 0
            archive.addfile(info, io.BytesIO(files[name]))
    packed = io.BytesIO()
    with gzip.GzipFile(filename="", fileobj=packed, mode="wb", mtime=0) as zipped:
        zipped.write(raw.getvalue())
    path.write_bytes(packed.getvalue())


def differences(expected: dict[str, bytes], got: dict[str, bytes]) -> str:
    """Say which files differ, with the first lines that differ in the first text file among them."""
    missing, extra = sorted(set(expected) - set(got)), sorted(set(got) - set(expected))
    changed = sorted(p for p in set(expected) & set(got) if expected[p] != got[p])
    lines = [f"{what} ({len(names)}): {', '.join(names[:10])}" + (f" and {len(names) - 10} more" if len(names) > 10 else "")
             for what, names in (("missing", missing), ("not in the golden tree", extra), ("changed", changed)) if names]
    for path in changed:
        try:
            old, new = expected[path].decode("utf-8"), got[path].decode("utf-8")
        except UnicodeDecodeError:
            continue
        lines += list(difflib.unified_diff(old.splitlines(), new.splitlines(), f"golden/{path}", f"built/{path}", n=1, lineterm=""))[:40]
        break
    return "\n".join(lines)


def regenerate(name: str) -> None:
    """Build one case and keep its site as the golden tree; print what changed."""
    with tempfile.TemporaryDirectory() as tmp:
        root, out = Path(tmp) / "proj", Path(tmp) / "site"
        options = CASES[name](root)
        result = build(root, options, out, Path(tmp) / "cache")
        if result.returncode != 0:
            raise SystemExit(f"{name}: the build failed:\n{result.stderr}")
        files, path = tree_bytes(out), archive_of(name)
        before = read_tree(path) if path.exists() else {}
        write_tree(files, path)
        print(f"{name}: {len(files)} files; " + (differences(before, files) or "unchanged"))


if __name__ == "__main__":
    for case in sys.argv[1:] or CASES:
        if case not in CASES:
            raise SystemExit(f"no golden case {case!r}; the cases are {', '.join(CASES)}")
        regenerate(case)
