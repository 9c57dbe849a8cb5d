"""What the benchmarks share: running a command while watching its memory, editing an app, and saying
which machine, load and commit a figure comes from."""

from __future__ import annotations

import os
import platform
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
APP = "app_00042"   # the app the benchmarks edit (the first generated one when N is too small for it)
SAMPLE_EVERY = 0.2   # seconds between two looks at a process tree's memory


@dataclass(frozen=True)
class Sample:
    """One timed command: its wall time, the largest max-RSS of one of its processes, and its whole tree's peak."""

    seconds: float
    largest_mb: float
    tree_mb: float


def run_measured(cmd: list[str], env: dict, cwd: Path | None = None) -> Sample:
    """Run cmd to its end; return its wall time and peak memory; stop the benchmark if it fails."""
    peak = [0]
    stop = threading.Event()
    with tempfile.TemporaryFile() as errors:   # a file, not a pipe: a build that says much cannot block on it
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=errors)
        watcher = threading.Thread(target=watch_tree, args=(proc.pid, stop, peak), daemon=True)
        watcher.start()
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - start
        stop.set()
        watcher.join()
        if status != 0:
            errors.seek(0)
            raise SystemExit(f"{' '.join(cmd)} failed:\n{errors.read().decode(errors='replace')}")
    largest = usage.ru_maxrss * 1024 / 1e6   # Linux gives KiB; every figure here is in MB of 10^6 bytes
    return Sample(elapsed, largest, max(largest, peak[0] / 1e6))


def watch_tree(pid: int, stop: threading.Event, peak: list[int]) -> None:
    """Keep in peak[0] the largest sum of PSS seen over pid's tree while it has more than one process."""
    while not stop.wait(SAMPLE_EVERY):
        tree = [pid, *descendants(pid)]
        if len(tree) > 1:   # one process alone: its max RSS (from the kernel, exact) says it all
            peak[0] = max(peak[0], sum(pss_bytes(p) for p in tree))


def descendants(pid: int) -> list[int]:
    """Return every process under pid (children of any of its threads, and theirs)."""
    found, todo = [], [pid]
    while todo:
        parent = todo.pop()
        try:
            tasks = os.listdir(f"/proc/{parent}/task")
        except OSError:
            continue
        for task in tasks:
            try:
                children = Path(f"/proc/{parent}/task/{task}/children").read_text().split()
            except OSError:
                continue
            found += map(int, children)
            todo += map(int, children)
    return found


def pss_bytes(pid: int) -> int:
    """Return a process's proportional set size (pages shared with its forks count once over all of them)."""
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass   # it ended between the listing and the read
    return 0


def pick_app(folder: Path, suffix: str) -> Path:
    """Return the file of the app the benchmarks edit in a folder of app files."""
    path = folder / f"{APP}{suffix}"
    return path if path.exists() else sorted(folder.glob(f"app_*{suffix}"))[0]


def set_summary(path: Path, text: str) -> None:
    """Rewrite an app's summary line in place, as a maintainer's editor would (a Hugo page's front matter too)."""
    lines = path.read_text().splitlines(keepends=True)
    path.write_text("".join(f"summary: {text}\n" if line.startswith("summary:") else line for line in lines))


def loadavg() -> str:
    """Return the machine's load averages over 1, 5 and 15 minutes."""
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def busy_cpu_seconds() -> float:
    """Return the CPU time every process on the machine has used since boot, in seconds."""
    fields = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = fields[3] + fields[4]   # idle and iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def own_cpu_seconds() -> float:
    """Return the CPU time this process and the children it has waited for have used."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def machine() -> str:
    """Describe the machine: CPU, cores, memory, kernel, Python."""
    cpuinfo = Path("/proc/cpuinfo").read_text().splitlines()
    cpu = next((line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name")), platform.processor())
    mem_kb = int(next(line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal:")))
    return (f"{cpu}, {len(os.sched_getaffinity(0))} cores, {mem_kb / 1e6:.1f} GB of memory, "
            f"{platform.system()} {platform.release()}, Python {platform.python_version()}")


def commit() -> str:
    """Return the commit measured, with its date, and whether the checkout had changes of its own."""
    git = ["git", "-C", str(REPO)]
    head = subprocess.run(git + ["log", "-1", "--format=%h (%cs)"], capture_output=True, text=True).stdout.strip()
    dirty = subprocess.run(git + ["status", "--porcelain", "--untracked-files=no"], capture_output=True, text=True).stdout
    return (head or "unknown") + (" with uncommitted changes" if dirty.strip() else "")


def tool_version(cmd: list[str]) -> str:
    """Return a tool's version line, or 'missing'."""
    try:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=60).stdout.strip().splitlines()[0]
    except (OSError, IndexError, subprocess.TimeoutExpired):
        return "missing"
