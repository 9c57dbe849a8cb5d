"""Benchmark policysite against Hugo on generated corpora; writes bench/RESULTS.md.

    python bench/run.py                 # N = 1,000 and 10,000, 5 runs each (about 15 minutes)
    python bench/run.py --sizes 1000 --runs 3

For each N: a cold build (output and cache removed), a warm rebuild with nothing changed, a rebuild
after editing one app, peak memory (max RSS of the build process), the feed's size raw and as served
gzipped (feed.json.gz, which the build writes and nginx's gzip_static sends as it is), and Hugo's
cold build of the same corpus (bench/hugo templates) in the same run, as a ratio.
Timings are medians of the runs. This is a report, not a pass/fail test.
"""

from __future__ import annotations

import argparse
import gzip
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

import corpus  # noqa: E402

TARGETS = {"cold": 1.0, "warm": 0.15, "edit": 0.05}
MEMORY_TARGET_MB = 250
FEED_TARGET_GZ = 1.5e6


def timed(cmd: list[str], cwd: Path | None = None) -> tuple[float, float]:
    """Run a command; return (wall seconds, peak RSS in MB of the process tree)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    if status != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{proc.stderr.read().decode()}")
    return elapsed, usage.ru_maxrss / 1024


def policysite_cmd(project: Path) -> list[str]:
    """Return the command that builds the project with policysite (a generated corpus is no git checkout: no history)."""
    return [sys.executable, str(REPO / "build.py"), "--root", str(project), "--no-history"]


def clean(project: Path) -> None:
    """Remove a project's output, standby copies and cache (kept beside the corpus, see measure): the next build is cold."""
    for path in [project / "site", project.parent / "cache", *project.glob(".site*")]:
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()


def edit_one(project: Path, round_no: int) -> None:
    """Change one app's summary, as a maintainer would."""
    path = project / "content/apps/app_00042.yaml"
    lines = path.read_text().splitlines(keepends=True)
    lines = [f"summary: Edited summary number {round_no}.\n" if l.startswith("summary:") else l for l in lines]
    path.write_text("".join(lines))


def measure(n: int, runs: int, work: Path) -> dict:
    """Measure every figure for one corpus size."""
    dest = work / f"corpus-{n}"
    corpus.generate(n, dest)
    project, hugo_site = dest / "policysite", dest / "hugo"
    os.environ["POLICYSITE_CACHE_HOME"] = str(dest / "cache")   # the builds below inherit it
    cold, warm, edit, hugo, rss, hugo_rss = [], [], [], [], [], []
    for i in range(runs):
        clean(project)
        t, m = timed(policysite_cmd(project))
        cold.append(t), rss.append(m)
        t, m = timed(policysite_cmd(project))
        warm.append(t), rss.append(m)
        edit_one(project, i)
        t, m = timed(policysite_cmd(project))
        edit.append(t), rss.append(m)
        shutil.rmtree(work / "hugo-out", ignore_errors=True)
        shutil.rmtree(hugo_site / "resources", ignore_errors=True)
        t, m = timed(["hugo", "--quiet", "-s", str(hugo_site), "-d", str(work / "hugo-out")])
        hugo.append(t), hugo_rss.append(m)
    feed = (project / "site/feed.json").read_bytes()
    served = (project / "site/feed.json.gz").read_bytes()  # what a gzip client downloads (docs/nginx/policysite.conf)
    med = statistics.median
    return {
        "n": n, "runs": runs, "cold": med(cold), "warm": med(warm), "edit": med(edit), "hugo": med(hugo),
        "rss": max(rss), "hugo_rss": max(hugo_rss), "feed_raw": len(feed), "feed_gz": len(served),
        "feed_gz6": len(gzip.compress(feed, 6, mtime=0)),
    }


def verdict(ok: bool) -> str:
    return "meets" if ok else "**misses**"


def report(results: list[dict], command: str) -> str:
    """Format the results as bench/RESULTS.md."""
    cpu = next((l.split(":", 1)[1].strip() for l in Path("/proc/cpuinfo").read_text().splitlines() if l.startswith("model name")), "?")
    lines = [
        "# Benchmark results", "",
        f"Reproduce: `{command}` (Hugo from Debian's `hugo` package must be installed).", "",
        f"Machine: {os.cpu_count()} cores ({cpu}), Python {platform.python_version()}, "
        f"{subprocess.run(['hugo', 'version'], capture_output=True, text=True).stdout.split()[1]}.", "",
        "Medians of the runs; peak memory is the largest max-RSS over all policysite runs. Ratios are to Hugo's",
        "cold build of the same corpus in the same run.", "",
        "| N | runs | cold | warm, nothing changed | one app edited | Hugo cold | peak memory | Hugo memory | feed.json raw | feed.json served gzipped | (nginx's own gzip -6) |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        h = r["hugo"]
        lines.append(
            f"| {r['n']:,} | {r['runs']} | {r['cold']:.2f} s ({r['cold'] / h:.2f}×) | {r['warm']:.3f} s ({r['warm'] / h:.3f}×) "
            f"| {r['edit']:.3f} s ({r['edit'] / h:.3f}×) | {h:.2f} s | {r['rss']:.0f} MB | {r['hugo_rss']:.0f} MB "
            f"| {r['feed_raw'] / 1e6:.2f} MB | {r['feed_gz'] / 1e6:.3f} MB | {r['feed_gz6'] / 1e6:.3f} MB |")
    big = max(results, key=lambda r: r["n"])
    h = big["hugo"]
    lines += ["", f"## Targets at N = {big['n']:,}", "",
              "| figure | target | measured | |", "|---|---|---|---|"]
    for key, label in (("cold", "cold build"), ("warm", "warm rebuild, nothing changed"), ("edit", "one app edited")):
        lines.append(f"| {label} | ≤ {TARGETS[key]}× Hugo | {big[key] / h:.3f}× | {verdict(big[key] / h <= TARGETS[key])} |")
    lines.append(f"| peak memory | ≤ {MEMORY_TARGET_MB} MB | {big['rss']:.0f} MB | {verdict(big['rss'] <= MEMORY_TARGET_MB)} |")
    lines.append(f"| feed.json served gzipped | ≤ 1.5 MB | {big['feed_gz'] / 1e6:.3f} MB | {verdict(big['feed_gz'] <= FEED_TARGET_GZ)} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    """Run the benchmark and write bench/RESULTS.md."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--work", type=Path, default=Path("/tmp/policysite-bench"))
    parser.add_argument("--out", type=Path, default=HERE / "RESULTS.md")
    args = parser.parse_args()
    if shutil.which("hugo") is None:
        raise SystemExit("hugo is not installed: apt-get install hugo")
    args.work.mkdir(parents=True, exist_ok=True)
    results = [measure(n, args.runs, args.work) for n in args.sizes]
    command = "python bench/run.py" + ("" if args.sizes == [1000, 10000] else " --sizes " + " ".join(map(str, args.sizes))) + \
              ("" if args.runs == 5 else f" --runs {args.runs}")
    text = report(results, command)
    args.out.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
