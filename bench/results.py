"""Write bench/run.py's measurements as bench/RESULTS.md: the targets, then per corpus size each figure's
median and spread beside Hugo's, then every round as it was measured."""

from __future__ import annotations

import statistics
from collections.abc import Callable

STEPS = (("cold", "cold build"), ("unchanged", "nothing changed"), ("edit", "one app edited"))
MB, KB = 1e6, 1e3   # decimal units throughout, which is the stricter reading of each target

HOW = """\
## How the figures are taken

- **Rounds.** For each size, rounds alternate: policysite's (a cold build, a build with nothing changed, a
  build after one app's `summary:` line was edited), then Hugo's (the same three: `hugo` after its output,
  `resources/` and cache folder were cleared, `hugo` again, `hugo` after the same edit of the same app's
  content file), then policysite's again, and so on. Each time figure is the median over the rounds, with
  the fastest and slowest in brackets; ratios are of medians.
- **Cold** means nothing from an earlier build is left: for policysite the output, its standby and
  state beside `site/`, and the cache folder (`POLICYSITE_CACHE_HOME`, inside the run's folder); for Hugo
  its output folder, `resources/` and `--cacheDir`. policysite builds with `--no-history` (a generated
  corpus is no git checkout).
- **Peak memory**: *largest process* is the kernel's max RSS of the biggest single process of the
  build (exact); *whole tree* is the most the build's processes held at once: the sum of their PSS
  (pages shared between forked workers counted once), sampled every 0.2 s while more than one
  process runs (1 to 2 % of one core, which only policysite's builds pay: Hugo runs as one process),
  and never less than the largest process. Each round's figure is the most over its three
  builds; the targets are checked against the most over all rounds.
- **Preview** is save to reload as `bench/preview.py` measures it: `build.py serve` on the same project
  (its cache left by the rounds), one app page open in headless Chromium, the time from writing the app
  file until the reloaded page is parsed with the new text; as many saves as rounds (or `--saves`), a
  second apart. Hugo's own preview (`hugo server`) is not timed.
- **First view** is `site/index.html` as the cold build writes it, raw and as nginx's gzip at level 6
  would send it (Hugo's `index.html` beside it). KB and MB are 1,000 and 1,000,000 bytes.
- **Load**: the load averages when each size started, and the CPU time other processes used while it ran
  (all CPU time the kernel counted, less this run's own), in cores: a shared machine shows there.
"""

FAIRNESS_HEAD = """\
## Fairness: the file system's history

ext4 without a journal (the disk issue 14 measured on) does not hand out an inode freed less than a
minute ago (six while its inode table block is unwritten), so a build that follows the deletion of tens
of thousands of files creates its own much more slowly: issue 14 saw Hugo's cold time move 2x from that
alone. Deleting each output before its side's next cold build would make both pay, but not equally:
each pays in proportion to the files it creates and to what was deleted just before it (policysite's
output, standby and cache hold about three times as many files as Hugo's). Here both sides start each
cold build from the same history.

"""
FAIRNESS = {
    "image": """\
On disk, the run made a file system of its own (ext4 without a journal, in a sparse image file mounted
through a loop device), on which nothing had ever been deleted. Before each cold build its predecessors
were only renamed aside, which frees no inode, and the file system went whole with its image at the
end. Other programs on the machine share the disk's bandwidth (see the load lines) but cannot leave
freed inodes in it. `--tmpfs` takes the disk out of the comparison.
""",
    "folder": """\
On disk, in a plain folder (making a file system of its own needs root), neither build followed a mass
delete: before each cold build its predecessors were only renamed aside, which frees no inode, and
everything was deleted at the end.
Other programs deleting files on the same file system during the run can still slow either side: see
the load lines, and start another run some minutes after one has cleaned up. `--tmpfs` takes the disk
out of the comparison.
""",
    "tmpfs": """\
Corpora, outputs and caches were on a tmpfs, where a deletion leaves nothing for the next build to pay,
so each cold build's predecessors were deleted right before it, for both sides alike. Without `--tmpfs`
the run keeps its files on disk, on a file system of its own where it can make one.
""",
}


def median(values: list[float]) -> float:
    """Return the median of the values."""
    return statistics.median(values)


def number(value: float, unit: str) -> str:
    """Format one value in its unit, with as many digits as its size deserves."""
    if unit == "s":
        return f"{value:.2f} s" if value >= 1 else f"{value:.3f} s"
    if unit == "ms":
        return f"{value * 1000:,.0f} ms"
    if unit == "MB":
        return f"{value:.0f} MB"
    return f"{value:,.0f} B"


def duration(seconds: float) -> str:
    """Return a duration as a person would say it."""
    if seconds < 90:
        return f"{seconds:.0f} s"
    return f"{seconds / 60:.0f} minutes" if seconds < 5400 else f"{seconds / 3600:.1f} hours"


def plural(count: int, word: str) -> str:
    """Return 'count word', with an s unless count is 1."""
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def spread(values: list[float], unit: str) -> str:
    """Return 'median (min–max)' in the unit, or the one value when all are the same."""
    if min(values) == max(values):
        return number(values[0], unit)
    lo, hi = number(min(values), unit).split()[0], number(max(values), unit).split()[0]
    return f"{number(median(values), unit)} ({lo}–{hi})"


def ratio(value: float, base: float) -> str:
    """Return value / base as a factor."""
    r = value / base
    return f"{r:.3f}×" if r < 0.1 else f"{r:.2f}×"


def peaks(rounds: list[dict], field: str) -> list[float]:
    """Return each round's most memory over its three builds (field: largest_mb or tree_mb)."""
    return [max(getattr(r[step], field) for step, _ in STEPS) for r in rounds]


def seconds(rounds: list[dict], step: str) -> list[float]:
    """Return one step's wall times, round by round."""
    return [r[step].seconds for r in rounds]


def views(rounds: list[dict], which: int) -> list[float]:
    """Return the first view's size per round (which: 0 raw, 1 gzip -6)."""
    return [r["view"][which] for r in rounds]


TARGETS: tuple[tuple[str, Callable[[dict], float], float, str], ...] = (
    ("cold build ≤ 1.0× Hugo's cold build",
     lambda s: median(seconds(s["ours"], "cold")) / median(seconds(s["hugo"], "cold")), 1.0, "×"),
    ("nothing changed ≤ 0.05× Hugo's cold build",
     lambda s: median(seconds(s["ours"], "unchanged")) / median(seconds(s["hugo"], "cold")), 0.05, "×"),
    ("one app edited ≤ 0.05× Hugo's cold build",
     lambda s: median(seconds(s["ours"], "edit")) / median(seconds(s["hugo"], "cold")), 0.05, "×"),
    ("peak memory ≤ 250 MB, largest process", lambda s: max(peaks(s["ours"], "largest_mb")), 250, "MB"),
    ("peak memory ≤ 250 MB, whole process tree", lambda s: max(peaks(s["ours"], "tree_mb")), 250, "MB"),
    ("preview save → reload ≤ 150 ms", lambda s: median(s["preview"]), 0.150, "ms"),
    ("first view ≤ 100 KB gzip", lambda s: max(views(s["ours"], 1)), 100 * KB, "B"),
    ("first view ≤ 1 MB raw", lambda s: max(views(s["ours"], 0)), 1 * MB, "B"),
)


def verdict(value: float, target: float, unit: str) -> str:
    """Return the measured value and whether it meets the target, and if not by how much."""
    shown = ratio(value, 1) if unit == "×" else number(value, unit)
    if value <= target:
        return f"{shown} meets"
    over = value / target
    if over >= 2:
        return f"{shown} **misses** ({over:.1f}× the target)"
    percent = over * 100 - 100
    return f"{shown} **misses** (+{percent:.1f} %)" if percent < 10 else f"{shown} **misses** (+{percent:.0f} %)"


def targets_table(sizes: list[dict]) -> list[str]:
    """Return the table of targets, one column per corpus size."""
    lines = ["| target | " + " | ".join(f"{s['n']:,} apps" for s in sizes) + " |",
             "|---|" + "---|" * len(sizes)]
    for label, measure, target, unit in TARGETS:
        lines.append(f"| {label} | " + " | ".join(verdict(measure(s), target, unit) for s in sizes) + " |")
    return lines


def figures_table(s: dict) -> list[str]:
    """Return one size's figures: policysite's beside Hugo's, with the ratios."""
    ours, hugo = s["ours"], s["hugo"]
    hugo_cold = median(seconds(hugo, "cold"))
    lines = ["| figure | policysite | Hugo | policysite ÷ Hugo | ÷ Hugo's cold build |", "|---|---|---|---|---|"]
    for step, label in STEPS:
        a, b = seconds(ours, step), seconds(hugo, step)
        lines.append(f"| {label} | {spread(a, 's')} | {spread(b, 's')} | {ratio(median(a), median(b))} "
                     f"| {ratio(median(a), hugo_cold)} |")
    lines.append(f"| preview save → reload | {spread(s['preview'], 'ms')} | not measured | | |")
    for field, label in (("largest_mb", "peak memory, largest process"), ("tree_mb", "peak memory, whole process tree")):
        a, b = peaks(ours, field), peaks(hugo, field)
        lines.append(f"| {label} | {spread(a, 'MB')} | {spread(b, 'MB')} | {ratio(median(a), median(b))} | |")
    for which, label in ((0, "first view, raw"), (1, "first view, gzip -6")):
        a, b = views(ours, which), views(hugo, which)
        lines.append(f"| {label} | {spread(a, 'B')} | {spread(b, 'B')} | {ratio(median(a), median(b))} | |")
    return lines


def rounds_table(s: dict) -> list[str]:
    """Return every round's times and peaks as measured, policysite's and Hugo's side by side."""
    head = [label for _, label in STEPS] + ["peak (largest / tree)"]
    lines = ["| round | " + " | ".join(head) + " | " + " | ".join(f"Hugo {h}" for h in head) + " |",
             "|---|" + "---:|" * (2 * len(head))]
    for i, (ours, hugo) in enumerate(zip(s["ours"], s["hugo"]), 1):
        cells = [cell for r in (ours, hugo) for cell in round_cells(r)]
        lines.append(f"| {i} | " + " | ".join(cells) + " |")
    return lines


def round_cells(r: dict) -> list[str]:
    """Return one side's cells of one round: its three times, then its peaks."""
    largest, tree = (peaks([r], field)[0] for field in ("largest_mb", "tree_mb"))
    return [number(r[step].seconds, "s") for step, _ in STEPS] + [f"{largest:.0f} / {tree:.0f} MB"]


def size_section(s: dict) -> list[str]:
    """Return one corpus size's section."""
    saves = ", ".join(number(v, "ms") for v in s["preview"])
    return [f"## {s['n']:,} apps", "",
            f"{plural(len(s['ours']), 'round')} each; load averages at the start {s['load']}; other processes used "
            f"{s['others']:.2f} cores on average while it ran; corpora generated in {duration(s['generated_s'])}; "
            f"the run's folder held {s['held'] / 1e9:.2f} GB when it ended.", "",
            *figures_table(s), "", "Every round:", "", *rounds_table(s), "", f"Preview saves, in order: {saves}.", ""]


def report(run: dict, sizes: list[dict]) -> str:
    """Return the whole of bench/RESULTS.md."""
    few = min(len(s["ours"]) for s in sizes) < 3
    lines = ["# policysite against Hugo", "",
             f"Reproduce from the checkout's root: `{run['command']}` (Hugo 0.111 from Debian's `hugo` package;",
             "`sh scripts/setup-venv test` for the preview's Chromium driver). bench/README.md says how long it takes.", "",
             f"- Commit measured: {run['commit']}",
             f"- Machine: {run['machine']}",
             f"- Tools: {run['hugo']}; {run['chromium']}",
             f"- Files: {run['storage']}",
             f"- Run: started {run['started']}, load averages then {run['load']} (1, 5, 15 minutes); "
             f"took {duration(run['seconds'])} ({duration(run['cleanup_s'])} of it deleting its files at the end); "
             f"other processes used {run['others']:.2f} cores on average",
             "", "## Targets (issue 14, set at 10,000 apps)", "", *targets_table(sizes), ""]
    if few:
        lines += ["**Fewer than 3 rounds: these figures only show that the benchmark runs.**", ""]
    for s in sizes:
        lines += size_section(s)
    return "\n".join(lines) + "\n" + HOW + "\n" + FAIRNESS_HEAD + FAIRNESS[run["kind"]]
