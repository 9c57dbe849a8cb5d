"""Time the build with and without git history, on a copy of the example content with many commits.

Usage: python bench/history_bench.py [commits]   (default 300)
Each commit edits one app's review date and toggles one method, round-robin over the 76 apps, so
every app gets a history. Prints the git-history share of a build. Timings only; nothing asserts.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from policysite.content.history import read_versions  # noqa: E402
from policysite.engine.recipe import build  # noqa: E402


def git(root: Path, *args: str, when: str | None = None) -> None:
    env = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1", "GIT_AUTHOR_NAME": "B",
           "GIT_AUTHOR_EMAIL": "b@example.com", "GIT_COMMITTER_NAME": "B", "GIT_COMMITTER_EMAIL": "b@example.com"}
    if when:
        env.update(GIT_AUTHOR_DATE=when, GIT_COMMITTER_DATE=when)
    subprocess.run(["git", "-C", str(root), *args], env=env, check=True, capture_output=True)


def make_repo(root: Path, commits: int) -> None:
    for name in ("content", "templates", "static"):
        shutil.copytree(REPO / name, root / name)
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "base", when="2025-01-01T00:00:00Z")
    apps = sorted((root / "content/apps").glob("*.yaml"))
    for i in range(commits):
        path = apps[i % len(apps)]
        text = path.read_text()
        day = f"2025-{1 + (i // 28) % 12:02d}-{1 + i % 28:02d}"
        text = re.sub(r"^reviewed: .*$", f"reviewed: {day}", text, flags=re.M)
        text = text.replace("level2:\n  covered: true", "level2:\n  covered: false", 1) if i % 2 else \
            text.replace("level2:\n  covered: false", "level2:\n  covered: true", 1)
        path.write_text(text)
        git(root, "commit", "-q", "-am", f"edit {i}", when=f"2025-06-01T00:{i // 60 % 60:02d}:{i % 60:02d}Z")


def best_of(runs: int, func) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    commits = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        make_repo(root, commits)
        out, cache = root.parent / f"{root.name}-site", root.parent / f"{root.name}-cache"
        os.environ["POLICYSITE_CACHE_HOME"] = str(cache)   # every build cold: the cache is emptied before each

        def cold(history_mode):
            shutil.rmtree(cache, ignore_errors=True)
            return build(root, out, history_mode=history_mode)

        without = best_of(5, lambda: cold(None))
        with_history = best_of(5, lambda: cold("publish"))
        reading = best_of(5, lambda: read_versions(root))
        versions = read_versions(root)
        print(f"{len(versions)} apps, {commits + 1} commits, {sum(map(len, versions.values()))} committed versions")
        print(f"cold build without history: {without * 1000:.0f} ms")
        print(f"cold build with history:    {with_history * 1000:.0f} ms (history adds {(with_history - without) * 1000:.0f} ms; "
              f"reading it from git, {reading * 1000:.0f} ms)")
        shutil.rmtree(out, ignore_errors=True)
        shutil.rmtree(cache, ignore_errors=True)

if __name__ == "__main__":
    main()
