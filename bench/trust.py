"""Measure what a change costs: this checkout against an earlier commit, alternated in one run.

    python bench/trust.py --before ad299a1               # the example content and 10,000 apps, 3 runs each
    python bench/trust.py --before ad299a1 --sizes 1000 --runs 5
    python bench/trust.py --before 074c826 --report ENGINE.md --title "What the one engine costs"

For each corpus (the example content of this checkout, then generated corpora of N apps) both
versions build copies of the same project, in turn (before, after, before, after, ...): `check`
with an empty cache, `check` again, a cold build, a build with nothing changed and a build after
one app was edited. Each figure is the median wall time, the median CPU time (user and system, of
the build and its worker processes: steadier than wall time on a shared machine) and the largest
max-RSS of the whole process. Writes bench/TRUST.md (the trust rules' cost; --report names another file). A report, not a pass/fail test.
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

STEPS = ("check, empty cache", "check again", "build, cold", "build, nothing changed", "build, one app edited")


def timed(cmd: list[str], env: dict) -> tuple[float, float, float]:
    """Run cmd; return (wall seconds, CPU seconds of it and its children, max RSS in MB)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    if status != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{proc.stderr.read().decode()}")
    return elapsed, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def forget(project: Path, cache_home: Path) -> None:
    """Remove a project's output, state and caches (in the project, as before; in the cache home, as now)."""
    for path in [project / "site", project / ".cache", cache_home, *project.glob(".site*")]:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        elif os.path.lexists(path):
            path.unlink()


def edit_one(project: Path, round_no: int) -> None:
    """Change one app's summary, as a maintainer would."""
    path = sorted((project / "content/apps").glob("*.yaml"))[len(list((project / "content/apps").glob("*.yaml"))) // 2]
    lines = path.read_text().splitlines(keepends=True)
    path.write_text("".join(f"summary: Edited summary number {round_no}.\n" if l.startswith("summary:") else l for l in lines))


def one_round(build_py: Path, project: Path, cache_home: Path, round_no: int) -> list[tuple[float, float, float]]:
    """Measure every step once for one version; return (seconds, CPU seconds, MB) per step."""
    env = {**os.environ, "POLICYSITE_CACHE_HOME": str(cache_home), "SOURCE_DATE_EPOCH": "1796126400"}
    base = [sys.executable, str(build_py), "--root", str(project)]
    forget(project, cache_home)
    out = [timed(base[:2] + ["check"] + base[2:], env), timed(base[:2] + ["check"] + base[2:], env)]
    build = base + ["--no-history"]   # the copies are no git checkouts
    out += [timed(build, env), timed(build, env)]
    edit_one(project, round_no)
    out.append(timed(build, env))
    return out


def measure(label: str, source: Path, versions: dict[str, Path], runs: int, work: Path) -> dict:
    """Alternate the versions over runs rounds on copies of source; return label -> step -> (median s, median CPU s, max MB)."""
    projects = {}
    for name in versions:
        projects[name] = work / f"{label}-{name}"
        for folder in ("content", "templates", "static"):   # a project is these; schemas come with the code
            shutil.copytree(source / folder, projects[name] / folder, symlinks=True)
    samples = {name: [] for name in versions}
    for i in range(runs):
        for name, build_py in versions.items():
            samples[name].append(one_round(build_py, projects[name], work / f"cache-{label}-{name}", i))
    return {name: [(statistics.median(r[s][0] for r in rounds), statistics.median(r[s][1] for r in rounds), max(r[s][2] for r in rounds))
                   for s in range(len(STEPS))]
            for name, rounds in samples.items()}


def report(before: str, results: dict, runs: int, title: str, name: str) -> str:
    """Return the report's text."""
    options = "" if name == "TRUST.md" else f" --report {name} --title \"{title}\""
    lines = [f"# {title}", "",
             f"Reproduce: `python bench/trust.py --before {before} --runs {runs}{options}` (this checkout against commit {before},",
             "alternated in one run; medians of the runs, wall and CPU time (user and system, workers included),",
             "peak memory the largest max-RSS).", ""]
    for label, by_version in results.items():
        lines += [f"## {label}", "", "| step | before | after | after / before | CPU before | CPU after | CPU after / before "
                  "| memory before | memory after |", "|---|---|---|---|---|---|---|---|---|"]
        for s, step in enumerate(STEPS):
            (tb, cb, mb), (ta, ca, ma) = by_version["before"][s], by_version["after"][s]
            lines.append(f"| {step} | {tb:.3f} s | {ta:.3f} s | {ta / tb:.2f} | {cb:.3f} s | {ca:.3f} s | {ca / cb:.2f} "
                         f"| {mb:.0f} MB | {ma:.0f} MB |")
        lines.append("")
    return "\n".join(lines)


def main() -> None:
    """Parse the arguments, measure, write the report."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--before", required=True, help="the git revision to compare with")
    parser.add_argument("--sizes", type=int, nargs="*", default=[10000])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--report", default="TRUST.md", help="the file in bench/ to write")
    parser.add_argument("--title", default="What the trust rules cost")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="policysite-trust-") as tmp:
        work = Path(tmp)
        subprocess.run(["git", "-C", str(REPO), "worktree", "add", "--detach", str(work / "before"), args.before],
                       check=True, capture_output=True)
        try:
            versions = {"before": work / "before/build.py", "after": REPO / "build.py"}
            results = {"the example content": measure("example", REPO, versions, args.runs, work)}
            for n in args.sizes:
                corpus.generate(n, work / f"corpus-{n}")
                results[f"{n:,} apps"] = measure(str(n), work / f"corpus-{n}/policysite", versions, args.runs, work)
        finally:
            subprocess.run(["git", "-C", str(REPO), "worktree", "remove", "--force", str(work / "before")], capture_output=True)
    text = report(args.before, results, args.runs, args.title, args.report)
    (HERE / args.report).write_text(text + "\n", encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
