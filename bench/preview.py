"""Measure save-to-browser latency of `build.py serve` on generated corpora; writes bench/PREVIEW.md.

    python bench/preview.py                          # N = 1,000 and 10,000, 7 saves each
    python bench/preview.py --sizes 1000 --samples 5

For each N: generate the corpus (bench/corpus.py), start `build.py serve --root <corpus> --port <free> --no-history`
(the corpus is no git checkout),
open one app page in headless Debian Chromium (the launch flags of tests/browser.py), then several times
rewrite that app's `summary:` line and wait until the page in the browser has the new text. The time it
"shows" is taken inside the page: performance.timeOrigin + the navigation entry's domInteractive (the new
document is parsed, the text is in the DOM) and first-contentful-paint. The split uses the moments serve's
own log lines arrive: `changed: ...; rebuilding` (the watcher has seen the save and settled) and
`rebuilt: ... in X s` (the build is over and the reload goes out right after).
bench/run.py times the same saves with time_saves(). This is a report, not a pass/fail test.
"""

from __future__ import annotations

import argparse
import os
import queue
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(REPO / "tests"))

import corpus  # noqa: E402
from browser import CHROMEDRIVER, chrome_options  # noqa: E402  the tests' Chromium launch, reused
from harness import machine, pick_app, set_summary  # noqa: E402

WAIT = 300   # seconds before giving up on one step (a cold 10,000-app build included)

PAGE_STATE = """
const text = arguments[0];
const nav = performance.getEntriesByType('navigation')[0];
const paint = performance.getEntriesByName('first-contentful-paint')[0];
return {has: !!document.body && document.body.innerText.includes(text), origin: performance.timeOrigin,
        interactive: nav ? nav.domInteractive : null, response: nav ? nav.responseEnd : null,
        paint: paint ? paint.startTime : null};
"""


def free_port() -> int:
    """Return a free TCP port on 127.0.0.1."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Serve:
    """`build.py serve` on a project, each output line kept with the wall-clock time it arrived."""

    def __init__(self, project: Path, port: int, env: dict):
        self.proc = subprocess.Popen(
            [sys.executable, str(REPO / "build.py"), "serve", "--root", str(project), "--port", str(port), "--no-history"],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env={**env, "PYTHONUNBUFFERED": "1"},
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))   # Ctrl-C works even if this runs in the background
        self.lines: queue.Queue[tuple[float, str]] = queue.Queue()
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        for line in self.proc.stdout:
            self.lines.put((time.time(), line.rstrip("\n")))

    def wait_for(self, prefix: str, what: str) -> tuple[float, str]:
        """Return (arrival time, line) of the next line that starts with prefix."""
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            try:
                at, line = self.lines.get(timeout=0.5)
            except queue.Empty:
                if self.proc.poll() is not None:
                    raise SystemExit(f"serve stopped while waiting for {what}")
                continue
            if line.startswith(prefix):
                return at, line
        raise SystemExit(f"timed out waiting for {what}")

    def stop(self) -> None:
        """Stop serve with Ctrl-C, as a person would."""
        self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            raise SystemExit("serve did not stop on Ctrl-C") from None


def wait_shown(driver, text: str) -> dict:
    """Poll the page until its document has text; return the page's own timings (ms since the epoch)."""
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        try:
            state = driver.execute_script(PAGE_STATE, text)
        except Exception:  # noqa: BLE001 - mid-navigation; ask again
            state = None
        if state and state["has"] and state["interactive"]:
            origin = state["origin"]
            return {"start": origin, "interactive": origin + state["interactive"], "response": origin + state["response"],
                    "paint": origin + state["paint"] if state["paint"] is not None else None}
        time.sleep(0.005)
    raise SystemExit(f"the browser never showed {text!r}")


def measure(n: int, samples: int, work: Path) -> dict:
    """Generate N apps, serve them, and time `samples` saves from the file to the browser."""
    dest = work / f"corpus-{n}"
    corpus.generate(n, dest)
    return {"n": n, "rows": time_saves(dest / "policysite", samples, work / f"chromium-profile-{n}", dict(os.environ))}


def time_saves(project: Path, samples: int, profile: Path, env: dict) -> list[dict]:
    """Serve a project, open one app's page in Chromium, and time `samples` saves of its file (seconds per part)."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    app = pick_app(project / "content/apps", ".yaml")
    port = free_port()
    serve = Serve(project, port, env)
    os.environ["SE_OFFLINE"] = "true"   # Selenium Manager must never download a browser or driver
    driver = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=chrome_options(profile))
    try:
        serve.wait_for("serving ", "the first build")
        driver.get(f"http://127.0.0.1:{port}/apps/{app.stem}/")
        serve.wait_for("page connected: ", "the page's reload socket")
        rows = []
        for i in range(samples):
            rows.append(time_one_save(serve, driver, app, i))
            parts = ", ".join(f"{k} {v * 1000:.0f} ms" for k, v in rows[-1].items() if v is not None)
            print(f"{project.parent.name} save {i + 1}: {parts}", flush=True)
    finally:
        driver.quit()
        serve.stop()
    return rows


def time_one_save(serve: Serve, driver, app: Path, number: int) -> dict:
    """Save the app file once and wait until the browser shows it; return each part's time from the save."""
    time.sleep(1.0)   # a person pauses between saves; also lets the page settle
    text = f"Preview sample {number} saved at {time.time():.6f}."
    saved = time.time()
    set_summary(app, text)
    seen_at, _ = serve.wait_for("changed: ", "the watcher to see the save")
    built_at, line = serve.wait_for("rebuilt: ", "the rebuild")
    shown = wait_shown(driver, text)
    serve.wait_for("page connected: ", "the reloaded page's reload socket")
    return {
        "total": shown["interactive"] / 1000 - saved,
        "paint": shown["paint"] / 1000 - saved if shown["paint"] else None,
        "seen": seen_at - saved,
        "build": float(line.rsplit(" in ", 1)[1].removesuffix(" s")),
        "built": built_at - saved,
        "browser": shown["interactive"] / 1000 - built_at,
        "reloading": shown["start"] / 1000 - built_at,
        "fetched": shown["response"] / 1000 - built_at,
    }


def ms(value: float | None) -> str:
    return "–" if value is None else f"{value * 1000:.0f}"


def median(rows: list[dict], key: str) -> float | None:
    values = [r[key] for r in rows if r[key] is not None]
    return statistics.median(values) if values else None


def report(results: list[dict], command: str) -> str:
    """Return bench/PREVIEW.md."""
    out = [
        "# Preview latency: from saving an app file to the browser showing it",
        "",
        f"Measured with `{command}` on {machine()}, Debian Chromium headless.",
        "",
        "Each save rewrites `summary:` of one app file in place while its page is open in the browser.",
        "Times are from the save, in milliseconds:",
        "",
        "- **seen**: serve logs `changed: ...; rebuilding` (inotify saw the save and the 25 ms settle is over)",
        "- **build**: the rebuild itself, as serve reports it (`rebuilt: ... in X s`)",
        "- **built**: serve's `rebuilt:` line arrives (the reload message goes out right after it)",
        "- **shown**: the reloaded document is parsed and has the new text (page's performance.timeOrigin + domInteractive)",
        "- **painted**: its first contentful paint (–: not painted yet when the bench read the page's timings)",
        "- **mechanism** = seen + (shown − built): everything except the build, i.e. watcher, settle, reload message,",
        "  browser reload. This is the part the preview server itself adds; the build part is the pipeline's.",
        "",
        "The build column is what the engine does for a one-app edit: that app's result is worked out again and",
        "the catalogue and the feed are put together from every app's remembered result (policysite/stages.py, policysite/engine/apps.py);",
        "the mechanism column is what the preview server adds on top of it.",
        "",
        "After the build, from serve's `rebuilt:` line: **reloading** is when the page's reload navigation starts",
        "(performance.timeOrigin: the socket's message arrived and the preview's page script called location.reload()),",
        "**fetched** when the new HTML has arrived (responseEnd), **shown − built** when it is parsed.",
        "",
    ]
    for result in results:
        rows = result["rows"]
        for r in rows:
            r["mechanism"] = r["seen"] + r["browser"]
        out += [f"## N = {result['n']:,}", "", "| | seen | build | built | shown | painted | mechanism |",
                "|---|---:|---:|---:|---:|---:|---:|",
                "| **median** | " + " | ".join(f"**{ms(median(rows, k))}**" for k in ("seen", "build", "built", "total", "paint", "mechanism")) + " |"]
        out += [f"| save {i} | " + " | ".join(ms(r[k]) for k in ("seen", "build", "built", "total", "paint", "mechanism")) + " |"
                for i, r in enumerate(rows, 1)]
        out += ["", "| after the build | reloading | fetched | shown |", "|---|---:|---:|---:|",
                "| **median** | " + " | ".join(f"**{ms(median(rows, k))}**" for k in ("reloading", "fetched", "browser")) + " |", ""]
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--samples", type=int, default=7)
    parser.add_argument("--out", type=Path, default=HERE / "PREVIEW.md")
    args = parser.parse_args()
    command = "python bench/preview.py " + " ".join(sys.argv[1:])
    with tempfile.TemporaryDirectory(prefix="policysite-preview-") as work:
        results = [measure(n, args.samples, Path(work)) for n in args.sizes]
    args.out.write_text(report(results, command.strip()) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
