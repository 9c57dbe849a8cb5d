"""Measure what one change saves on a cold build: CPU time per app, this checkout against an earlier commit.

    python bench/levers.py --before 5e1bf01                  # 1,000 apps, 7 cold builds each, alternated
    python bench/levers.py --before 5e1bf01 --after 473e655 --apps 1000 --runs 9
    python bench/levers.py --before a39fe6c --after 1410dc3 --source . --stage   # the example content

Both versions build copies of one generated corpus (bench/corpus.py) from an empty cache, in turn
(before, after, before, after, ...), without history (the copies are no git checkouts). CPU time is
user plus system time of the build and its worker processes (wait4), which another program on a
shared machine disturbs far less than wall time. With --stage, each run is instead one process that
works out every app's result with the stage the workers run (stages.app_result, compiled schema
checks where the version has them, as a large build does), timed inside it: the worker's share of a
build without the start-up, the writing and the parent's share. Prints a Markdown table of the
medians; a report, not a pass/fail test (bench/LEVERS.md keeps the figures of each change).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
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


# Work out every app's result in one process, as a worker does; print the CPU seconds it took (argv: package folder, project).
STAGE = """
import datetime, sys, time
from dataclasses import replace
from pathlib import Path
sys.path.insert(0, sys.argv[1])
from policysite.engine.shared import read_shared
from policysite.render import feed
from policysite.stages import app_result
root = Path(sys.argv[2])
shared, _ = read_shared(root, datetime.date(2026, 12, 1), None, True)
if shared.validators:
    shared = replace(shared, validators=feed.document_validators(shared.schema, quick=True))
apps = [(f"content/apps/{p.name}", p.read_bytes()) for p in sorted((root / "content/apps").glob("*.yaml"))]
app_result(shared, *apps[0], None)
started = time.process_time()
for src_path, data in apps * max(1, 1000 // len(apps)):   # a small project is worked out again, to 1,000 apps or more
    result, _ = app_result(shared, src_path, data, None)
    assert result.app is not None, result.problems
print((time.process_time() - started) / max(1, 1000 // len(apps)))
"""


def stage_runs(versions: dict[str, Path], source: Path, runs: int) -> dict[str, list[tuple[float, float]]]:
    """Work out every app of source with each version's stage, runs times, alternated; return (wall s of the process,
    CPU s of the stage) per run."""
    samples: dict[str, list[tuple[float, float]]] = {name: [] for name in versions}
    for _ in range(runs):
        for name, build_py in versions.items():
            started = time.perf_counter()
            out = subprocess.run([sys.executable, "-c", STAGE, str(build_py.parent), str(source)], check=True,
                                 capture_output=True, text=True, env={**os.environ, "SOURCE_DATE_EPOCH": "1796126400"})
            samples[name].append((time.perf_counter() - started, float(out.stdout.split()[-1])))
    return samples


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
    parser.add_argument("--stage", action="store_true", help="time the stage of every app in one process, not whole builds")
    parser.add_argument("--source", type=Path, default=None, help="a project to use instead of a generated corpus (--apps is ignored)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="policysite-levers-") as tmp:
        work = Path(tmp)
        names = []
        try:
            versions = {}
            for name, rev in (("before", args.before), ("after", args.after)):
                versions[f"{name} ({rev or 'this checkout'})"] = checkout(rev, work, name)
                names += [name] if rev else []
            if args.source is None:
                corpus.generate(args.apps, work / "corpus")
            else:
                args.source = args.source.resolve()   # the build reads a project from its absolute path
                args.apps = len(list((args.source / "content/apps").glob("*.yaml")))
            measure = stage_runs if args.stage else lambda *a: cold_builds(*a, work)
            samples = measure(versions, args.source or work / "corpus/policysite", args.runs)
        finally:
            for name in names:
                subprocess.run(["git", "-C", str(REPO), "worktree", "remove", "--force", str(work / name)], capture_output=True)
    what = "The stage of every app, in one process," if args.stage else "Cold builds"
    print(f"{what} of {args.apps:,} apps, {args.runs} runs each, alternated "
          f"(`python bench/levers.py --before {args.before}{f' --after {args.after}' if args.after else ''} "
          f"{f'--source {args.source}' if args.source else f'--apps {args.apps}'} --runs {args.runs}{' --stage' if args.stage else ''}`):\n")
    print(table(samples, args.apps))


if __name__ == "__main__":
    main()
