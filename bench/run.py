"""Benchmark policysite against Hugo 0.111 on generated corpora, both in one run; writes bench/RESULTS.md.

    .venv/bin/python bench/run.py                             # 1,000, 10,000 and 30,000 apps, on disk
    .venv/bin/python bench/run.py --tmpfs                     # corpora, outputs and caches on a tmpfs
    .venv/bin/python bench/run.py --sizes 200 1000 --runs 1   # shows that it works, measures nothing worth keeping

For each N: generate both corpora (bench/corpus.py); then rounds, policysite's and Hugo's alternated,
each a cold build, a build with nothing changed and a build after one app's edit; then the preview's
save to reload time (bench/preview.py). Rounds: 3 at 30,000 apps and more, 5 below (--runs sets all).
bench/results.py writes the report and says how each figure is taken. A report, not a pass/fail test.
"""

from __future__ import annotations

import argparse
import gzip
import os
import shlex
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import corpus  # noqa: E402
import preview  # noqa: E402  its Chromium timing of a save, reused as it is
import results  # noqa: E402
import storage  # noqa: E402
from harness import (REPO, busy_cpu_seconds, commit, loadavg, machine, own_cpu_seconds, pick_app,  # noqa: E402
                     run_measured, set_summary, tool_version)

DEFAULT_SIZES = [1000, 10000, 30000]
# One date for every build, so a build with nothing changed stays one across midnight.
SOURCE_DATE_EPOCH = "1796126400"
# Room per app, with a margin: both corpora, and one round's outputs, standby and caches on both sides.
CORPUS_BYTES, ROUND_BYTES = 20_000, 80_000


@dataclass(frozen=True)
class Side:
    """How one generator builds its corpus: the command, what a cold build clears, the file an edit changes."""

    name: str
    cmd: list[str]
    env: dict
    folder: Path              # the project (policysite) or the site (Hugo)
    inputs: frozenset[str]    # what in folder is input; everything else there is output or state
    elsewhere: tuple[Path, ...]   # outputs and caches outside folder
    app: Path
    view: Path                # the catalogue page

    def outputs(self) -> list[Path]:
        """Return everything a build left, in the folder and elsewhere."""
        return [self.folder / name for name in sorted(os.listdir(self.folder)) if name not in self.inputs] + list(self.elsewhere)


def sides(dest: Path, root: Path, n: int) -> tuple[Side, Side]:
    """Return policysite's and Hugo's sides for the corpora in dest, their caches under root."""
    project, site = dest / "policysite", dest / "hugo"
    cache = root / f"policysite-cache-{n}"
    ours = Side("policysite", [sys.executable, str(REPO / "build.py"), "--root", str(project), "--no-history"],
                {**os.environ, "POLICYSITE_CACHE_HOME": str(cache), "SOURCE_DATE_EPOCH": SOURCE_DATE_EPOCH},
                project, frozenset({"content", "templates", "static"}), (cache,),
                pick_app(project / "content/apps", ".yaml"), project / "site/index.html")
    public, hugo_cache = root / f"hugo-public-{n}", root / f"hugo-cache-{n}"
    hugo = Side("Hugo", ["hugo", "--quiet", "-s", str(site), "-d", str(public), "--cacheDir", str(hugo_cache)], dict(os.environ),
                site, frozenset({"config.yaml", "layouts", "content", "data"}), (public, hugo_cache),
                pick_app(site / "content/apps", ".md"), public / "index.html")
    return ours, hugo


def one_round(side: Side, space: storage.Storage, number: int) -> dict:
    """Build cold, again with nothing changed, then after an edit of one app; return the samples and the first view."""
    space.clear(side.outputs())
    cold = run_measured(side.cmd, side.env)
    raw = side.view.read_bytes()
    view = (len(raw), len(gzip.compress(raw, 6, mtime=0)))
    unchanged = run_measured(side.cmd, side.env)
    set_summary(side.app, f"Edited summary number {number}.")
    edit = run_measured(side.cmd, side.env)
    print(f"  {side.name} round {number + 1}: cold {cold.seconds:.2f} s, "
          f"nothing changed {unchanged.seconds:.3f} s, one edit {edit.seconds:.3f} s", flush=True)
    return {"cold": cold, "unchanged": unchanged, "edit": edit, "view": view}


def measure_size(n: int, runs: int, saves: int, space: storage.Storage) -> dict:
    """Generate N apps, alternate the rounds, time the preview; return every figure of this size."""
    load, busy, own, start = loadavg(), busy_cpu_seconds(), own_cpu_seconds(), time.perf_counter()
    print(f"{n:,} apps: {results.plural(runs, 'round')} each, load averages {load}", flush=True)
    dest = space.root / f"corpus-{n}"
    corpus.generate(n, dest)
    generated = time.perf_counter() - start
    ours, hugo = sides(dest, space.root, n)
    rounds = {"ours": [], "hugo": []}
    for number in range(runs):
        rounds["ours"].append(one_round(ours, space, number))
        rounds["hugo"].append(one_round(hugo, space, number))
    # Chromium's processes are not this run's children, so the other processes' share is taken before it starts.
    span, others = time.perf_counter() - start, (busy_cpu_seconds() - busy) - (own_cpu_seconds() - own)
    profile = space.root / f"chromium-profile-{n}"
    rows = preview.time_saves(ours.folder, saves, profile, ours.env)
    held = space.bytes_held()
    space.clear([dest, *ours.elsewhere, *hugo.elsewhere, profile])   # on a tmpfs, gives the memory back
    return {"n": n, "load": load, "generated_s": generated, "span": span, "others_cpu": others, "held": held,
            "others": others / span, "preview": [row["total"] for row in rows], **rounds}


def room_needed(sizes: list[int], runs: dict[int, int], tmpfs: bool) -> int:
    """Return the bytes the run needs at its fullest: on disk every round's outputs stay until the end."""
    if tmpfs:
        return max(n * (CORPUS_BYTES + ROUND_BYTES) for n in sizes)
    return sum(n * (CORPUS_BYTES + runs[n] * ROUND_BYTES) for n in sizes)


def command_line() -> str:
    """Return the command that was run, as typed from the checkout's root."""
    def shown(path: str) -> str:
        full = os.path.abspath(path)
        return os.path.relpath(full, REPO) if full.startswith(str(REPO) + os.sep) else path
    return shlex.join([shown(sys.executable), shown(sys.argv[0]), *sys.argv[1:]])


def check_tools() -> None:
    """Stop before anything is generated when Hugo or the preview's browser is missing."""
    if shutil.which("hugo") is None:
        raise SystemExit("hugo is not installed: apt-get install -y hugo (Debian's is 0.111)")
    if not preview.CHROMEDRIVER.exists():
        raise SystemExit(f"{preview.CHROMEDRIVER} is missing: apt-get install -y chromium chromium-driver")
    try:
        import selenium  # noqa: F401
    except ImportError:
        raise SystemExit("selenium is missing: run with .venv/bin/python after sh scripts/setup-venv test") from None


def run_info(space: storage.Storage, load: str) -> dict:
    """Return what the report says about the run: command, commit, machine, tools, files, load."""
    return {"command": command_line(), "commit": commit(), "machine": machine(), "load": load,
            "hugo": tool_version(["hugo", "version"]), "chromium": tool_version(["chromium", "--version"]),
            "storage": space.where, "kind": space.kind, "started": time.strftime("%Y-%m-%d %H:%M %Z")}


def main() -> None:
    """Parse the arguments, measure every size in one run, write the report."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=DEFAULT_SIZES)
    parser.add_argument("--runs", type=int, help="rounds per size (default 3 at 30,000 apps and more, 5 below)")
    parser.add_argument("--saves", type=int, help="preview saves per size (default: as many as rounds)")
    parser.add_argument("--tmpfs", action="store_true", help="keep corpora, outputs and caches on a tmpfs")
    parser.add_argument("--work", type=Path, default=Path("/var/tmp"), help="where the run's folder goes on disk")
    parser.add_argument("--out", type=Path, default=HERE / "RESULTS.md")
    args = parser.parse_args()
    if min(args.sizes) < 1 or (args.runs or 1) < 1 or (args.saves or 1) < 1:
        parser.error("--sizes, --runs and --saves count apps, rounds and saves: 1 or more")
    check_tools()
    runs = {n: args.runs or (3 if n >= 30000 else 5) for n in args.sizes}
    load, start = loadavg(), time.perf_counter()
    space = storage.open_storage(args.tmpfs, args.work, room_needed(args.sizes, runs, args.tmpfs))
    try:
        run = run_info(space, load)
        sizes = [measure_size(n, runs[n], args.saves or runs[n], space) for n in args.sizes]
    finally:
        print(f"deleting {space.root}", flush=True)
        cleanup = space.close()
    run.update(seconds=time.perf_counter() - start, cleanup_s=cleanup,
               others=sum(s["others_cpu"] for s in sizes) / sum(s["span"] for s in sizes))
    text = results.report(run, sizes)
    args.out.write_text(text, encoding="utf-8")
    print(text + f"\nwrote {args.out}")


if __name__ == "__main__":
    main()
