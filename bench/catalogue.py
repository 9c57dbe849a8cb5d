"""Measure the catalogue at N apps: its first view's size, and the time per keystroke of filtering in Chromium.

    python3 bench/catalogue.py                        # N = 10,000, 3 rounds of typing
    python3 bench/catalogue.py --apps 1000 --rounds 1

Generates bench/corpus.py's apps (the examples, then generated ones up to N), builds them with
`build.py --root <corpus>/policysite --no-history` and a cache folder of its own, and measures:
- the bytes of the first view (index.html), of the compact index catalogue.js fetches once a reader filters
  (assets/catalogue.json) and of the largest category page, raw and gzipped at level 6, as
  docs/nginx/policysite.conf sends them;
- in headless Debian Chromium (the launch flags of tests/browser.py, a fresh profile) on 127.0.0.1: the first
  keystroke, which fetches, reads and draws the compact index; then every keystroke of a few searches typed one
  character at a time and erased again, two ways: the page's own work (the input handler, then style and layout
  forced at once) and the time until the next frame has been drawn (what the reader waits, one frame's wait
  included); and the "Show more" button.
Writes bench/CATALOGUE.md. A report, not a pass/fail test.
"""

from __future__ import annotations

import argparse
import gzip
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(REPO / "tests"))
sys.path.insert(0, str(REPO))

import corpus  # noqa: E402
from browser import CHROMEDRIVER, chrome_options, serve_folder  # noqa: E402  the tests' Chromium launch and server, reused

from policysite.render.catalogue import LISTING_PATH  # noqa: E402

PHRASES = ("server", "mail filter", "app 0", "gateway proxy 12", "zq")   # each typed, then erased, one key at a time
# One keystroke: the new value and an input event, as a key press gives; the page's work ends when style and layout
# are done (forced at once), the wait when a task runs after the next frame.
KEYSTROKE = """
const value = arguments[0], done = arguments[arguments.length - 1], input = document.getElementById('filter-q');
const start = performance.now();
input.value = value;
input.dispatchEvent(new InputEvent('input', {bubbles: true, inputType: 'insertText'}));
document.body.getBoundingClientRect();
const work = performance.now() - start;
requestAnimationFrame(() => setTimeout(() => done([work, performance.now() - start]), 0));
"""
# The first keystroke: it ends when the status no longer says the index is loading, and a frame has been drawn.
FIRST_KEYSTROKE = """
const done = arguments[arguments.length - 1], input = document.getElementById('filter-q');
const status = document.getElementById('match-count'), start = performance.now();
input.value = 's';
input.dispatchEvent(new InputEvent('input', {bubbles: true, inputType: 'insertText'}));
const finish = () => requestAnimationFrame(() => setTimeout(() => done(performance.now() - start), 0));
if (!status.textContent.startsWith('Loading')) finish();
else new MutationObserver((_, observer) => {
  if (!status.textContent.startsWith('Loading')) { observer.disconnect(); finish(); }
}).observe(status, {childList: true, characterData: true, subtree: true});
"""
SHOW_MORE = """
const done = arguments[arguments.length - 1];
const button = [...document.querySelectorAll('button.show-more')].find((b) => !b.hidden);
if (!button) { done(null); return; }
const start = performance.now();
button.click();
document.body.getBoundingClientRect();
done(performance.now() - start);
"""


def build_corpus(n: int, work: Path) -> tuple[Path, float]:
    """Write N apps of bench/corpus.py and build them cold; return the site folder and the build's seconds."""
    project = work / "policysite"
    corpus.write_policysite(project, corpus.corpus_apps(n)[1])
    env = {**os.environ, "POLICYSITE_CACHE_HOME": str(work / "cache")}
    start = time.perf_counter()
    done = subprocess.run([sys.executable, str(REPO / "build.py"), "--root", str(project), "--no-history"], env=env,
                          capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"the corpus did not build:\n{done.stdout}{done.stderr}")
    return project / "site", time.perf_counter() - start


def sizes(path: Path) -> tuple[int, int]:
    """Return a file's size raw and gzipped at level 6."""
    data = path.read_bytes()
    return len(data), len(gzip.compress(data, compresslevel=6, mtime=0))


def measure_browser(site: Path, rounds: int, profile: Path) -> dict[str, list[float]]:
    """Serve the site and time the first keystroke, every later keystroke and "Show more", in milliseconds."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    os.environ["SE_OFFLINE"] = "true"   # Selenium Manager must never download a browser or driver
    driver = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=chrome_options(profile))
    times: dict[str, list[float]] = {"first": [], "work": [], "frame": [], "more": []}
    try:
        driver.set_window_size(1280, 900)
        with serve_folder(site) as url:
            for _ in range(rounds):
                driver.get(url)
                times["first"].append(driver.execute_async_script(FIRST_KEYSTROKE))
                for phrase in PHRASES:
                    values = [phrase[:i] for i in range(1, len(phrase) + 1)] + [phrase[:i] for i in range(len(phrase) - 1, -1, -1)]
                    for value in values:
                        work, frame = driver.execute_async_script(KEYSTROKE, value)
                        times["work"].append(work)
                        times["frame"].append(frame)
                driver.execute_async_script(KEYSTROKE, "app")
                for _ in range(3):
                    more = driver.execute_async_script(SHOW_MORE)
                    if more is not None:
                        times["more"].append(more)
    finally:
        driver.quit()
    return times


def kib(n: int) -> str:
    """Write a byte count for people, with the exact count beside it."""
    short = f"{n / 1024:,.1f} KiB" if n < 1024 * 1024 else f"{n / 1024 / 1024:,.2f} MiB"
    return f"{short} ({n:,} B)"


def spread(values: list[float]) -> str:
    """Return the median, 90th percentile and largest of some times in milliseconds, as table cells."""
    ordered = sorted(values)
    p90 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.9))]
    return f"**{statistics.median(ordered):.1f}** | {p90:.1f} | {ordered[-1]:.1f} | {len(ordered)}"


def report(n: int, site: Path, seconds: float, times: dict, command: str, load: tuple[float, float]) -> str:
    """Return bench/CATALOGUE.md."""
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    pages = sorted(site.glob("categories/**/index.html"), key=lambda p: (p.stat().st_size, str(p)))
    first_raw, first_gz = sizes(site / "index.html")
    files = [("first view (`index.html`)", (first_raw, first_gz)),
             (f"compact index (`{LISTING_PATH}`), fetched once a reader filters", sizes(site / LISTING_PATH)),
             (f"largest of the {len(pages)} category pages (`{pages[-1].relative_to(site).parent.as_posix()}/`)", sizes(pages[-1]))]
    key = statistics.median(times["work"])
    return "\n".join([
        "# The catalogue at any size: first view and filtering",
        "",
        f"Measured with `{command}` on {time.strftime('%Y-%m-%d')}, {platform.system()} {platform.release()}, {cpu}, "
        f"{os.cpu_count()} CPUs, Python {platform.python_version()}, Debian Chromium headless. The machine was shared "
        f"with other jobs while it ran (load average {load[0]:.1f} before the browser part, {load[1]:.1f} after), so "
        "the times are noisy; the sizes are exact and the same on every run.",
        "",
        f"{n:,} apps of `bench/corpus.py`, built cold in {seconds:.0f} s.",
        "",
        "| file | raw | gzip -6 |", "|---|---:|---:|",
        *[f"| {name} | {kib(raw)} | {kib(gz)} |" for name, (raw, gz) in files],
        "",
        "Target for the first view: at most 100 KB gzipped and 1 MB raw: "
        f"{'met' if first_gz <= 100_000 and first_raw <= 1_000_000 else 'missed'}.",
        "The corpus draws its text from a few dozen words, so gzip does better on it than on real policies; the raw",
        "sizes are the ones to judge by.",
        "",
        "Times in milliseconds:",
        "",
        "| | median | 90th percentile | largest | samples |", "|---|---:|---:|---:|---:|",
        f"| first keystroke: fetch, read and draw the compact index, until the next frame | {spread(times['first'])} |",
        f"| keystroke: the page's work (input handler, style, layout) | {spread(times['work'])} |",
        f"| keystroke: until the next frame is drawn | {spread(times['frame'])} |",
        f"| \"Show more\" (up to 100 more rows): the page's work | {spread(times['more'])} |",
        "",
        f"Target: under 50 ms per keystroke: {'met' if key < 50 else 'missed'} (median of the page's work, {key:.1f} ms).",
        "",
        "The keystrokes type " + ", ".join(f"`{p}`" for p in PHRASES) + " one character at a time and erase each again",
        "(the last erase brings back the first view). Each keystroke filters every app in the compact index and",
        "draws at most 20 matching rows per category (static/catalogue.js); \"until the next frame\" includes waiting",
        "for that frame, up to about 17 ms at 60 frames a second.",
        "",
    ])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--apps", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3, help="times the searches are typed, each on a fresh page")
    parser.add_argument("--out", type=Path, default=HERE / "CATALOGUE.md")
    args = parser.parse_args()
    command = ("python3 bench/catalogue.py " + " ".join(sys.argv[1:])).strip()
    with tempfile.TemporaryDirectory(prefix="policysite-catalogue-") as work:
        site, seconds = build_corpus(args.apps, Path(work))
        print(f"built {args.apps} apps in {seconds:.1f} s", flush=True)
        before = os.getloadavg()[0]
        times = measure_browser(site, args.rounds, Path(work) / "chromium-profile")
        load = (before, os.getloadavg()[0])
        args.out.write_text(report(args.apps, site, seconds, times, command, load) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
