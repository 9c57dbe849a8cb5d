"""Measure what one change saves on a cold build: CPU time per app, this checkout against an earlier commit.

    python bench/levers.py --before 5e1bf01                  # 1,000 apps, 7 cold builds each, alternated
    python bench/levers.py --before 5e1bf01 --after 7082ec9 --apps 1000 --runs 9

Both versions build copies of one generated corpus (bench/corpus.py) from an empty cache, in turn
(before, after, before, after, ...), without history (the copies are no git checkouts). CPU time is
user plus system time of the build and its worker processes (wait4), which another program on a
shared machine disturbs far less than wall time. Prints a Markdown table of the medians; a report,
not a pass/fail test (bench/LEVERS.md keeps the figures of each change).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

import corpus  # noqa: E402
from trust import forget, timed  # noqa: E402


def checkout(rev: str | None, work: Path, name: str) -> Path:
    """Return the build.py of rev in a detached worktree under work, or this checkout's for None."""
    if rev is None:
        return REPO / "build.py"
    subprocess.run(["git", "-C", str(REPO), "worktree", "add", "--detach", str(work / name), rev], check=True, capture_output=True)
    return work / name / "build.py"


def cold_builds(versions: dict[str, Path], source: Path, runs: int, work: Path) -> dict[str, list[tuple[float, float]]]:
    """Build each version's copy of source from nothing, runs times, alternated; return (wall s, CPU s) per build."""
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1796126400"}
    samples: dict[str, list[tuple[float, float]]] = {name: [] for name in versions}
    for name in versions:
        for folder in ("content", "templates", "static"):
            shutil.copytree(source / folder, work / f"project-{name}" / folder)
    for _ in range(runs):
        for name, build_py in versions.items():
            project, cache_home = work / f"project-{name}", work / f"cache-{name}"
            forget(project, cache_home)
            wall, cpu, _ = timed([sys.executable, str(build_py), "--root", str(project), "--no-history"],
                                 {**env, "POLICYSITE_CACHE_HOME": str(cache_home)})
            samples[name].append((wall, cpu))
    return samples


def table(samples: dict[str, list[tuple[float, float]]], apps: int) -> str:
    """Return the medians as a Markdown table: CPU time per app, and each version's ratio to the first.

    The load of a shared machine drifts between rounds and moves both versions' times alike, so the
    ratio is also given as the median of each round's own ratio, which that drift cancels out of.
    """
    first = next(iter(samples.values()))
    lines = ["| version | CPU, median | CPU per app | CPU / before, medians | CPU / before, median of rounds | wall, median "
             "| CPU of each run |", "|---|---|---|---|---|---|---|"]
    for name, runs in samples.items():
        cpu, wall = statistics.median(c for _, c in runs), statistics.median(w for w, _ in runs)
        rounds = statistics.median(c / b for (_, c), (_, b) in zip(runs, first))
        each = " ".join(f"{c:.2f}" for _, c in runs)
        lines.append(f"| {name} | {cpu:.2f} s | {cpu / apps * 1000:.2f} ms | {cpu / statistics.median(c for _, c in first):.3f} "
                     f"| {rounds:.3f} | {wall:.2f} s | {each} |")
    return "\n".join(lines)


def main() -> None:
    """Parse the arguments, measure, print the table."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--before", required=True, help="the git revision to compare with")
    parser.add_argument("--after", default=None, help="a git revision to measure instead of this checkout")
    parser.add_argument("--apps", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="policysite-levers-") as tmp:
        work = Path(tmp)
        names = []
        try:
            versions = {}
            for name, rev in (("before", args.before), ("after", args.after)):
                versions[f"{name} ({rev or 'this checkout'})"] = checkout(rev, work, name)
                names += [name] if rev else []
            corpus.generate(args.apps, work / "corpus")
            samples = cold_builds(versions, work / "corpus/policysite", args.runs, work)
        finally:
            for name in names:
                subprocess.run(["git", "-C", str(REPO), "worktree", "remove", "--force", str(work / name)], capture_output=True)
    print(f"Cold builds of {args.apps:,} apps, {args.runs} each, alternated "
          f"(`python bench/levers.py --before {args.before}{f' --after {args.after}' if args.after else ''} "
          f"--apps {args.apps} --runs {args.runs}`):\n")
    print(table(samples, args.apps))


if __name__ == "__main__":
    main()
