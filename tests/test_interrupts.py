"""Interrupted builds: real build processes stopped by SIGINT, SIGTERM and SIGKILL at several points.

Whatever moment a build dies, site/ is the previous site or the new one, whole, and still served;
a later build removes what the dead one left behind.
"""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest

from browser import serve_folder
from conftest import REPO, ctrl_c_as_at_a_terminal, tree_digest

APPS = 200   # enough pages that writing the site takes a while
WAIT = 120   # seconds: a bound against hanging, not a speed check


def build_command(root: Path, out: Path) -> list[str]:
    return [sys.executable, str(REPO / "build.py"), "--root", str(root), "--out", str(out), "--no-history"]   # not a git checkout


def run_build(root: Path, out: Path) -> None:
    result = subprocess.run(build_command(root, out), capture_output=True, text=True, timeout=WAIT)
    assert result.returncode == 0, result.stderr


def leftovers(out: Path) -> list[str]:
    """Return what an interrupted build left beside out: not the lock or the standby copy."""
    return sorted(p.name for p in out.parent.glob(f".{out.name}.*")
                  if not p.name.endswith((".lock", ".standby")))


def building_dir(out: Path, pid: int) -> Path:
    return out.parent / f".{out.name}.building-{pid}"


def wait_until(predicate, proc: subprocess.Popen, what: str) -> bool:
    """Poll quickly until predicate holds; False if the build ended first."""
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        if predicate():
            return True
        if proc.poll() is not None:
            return False
        time.sleep(0.002)
    pytest.fail(f"timed out waiting for {what}")


@pytest.fixture(scope="module")
def big(tmp_path_factory):
    """A project with the real legend and docs and APPS generated apps, built once as 'v1'."""
    root = tmp_path_factory.mktemp("big") / "proj"
    for name in ("templates", "static", "content"):
        shutil.copytree(REPO / name, root / name)
    template = (REPO / "content/apps/accounts.yaml").read_text(encoding="utf-8")
    for i in range(APPS):
        (root / f"content/apps/generated_{i:04d}.yaml").write_text(template.replace("name: Account Manager", f"name: Generated {i:04d}"))
    out = root / "site"
    run_build(root, out)
    v1 = tree_digest(out)
    # 'v2' differs on every page: the site title is in each one.
    settings = root / "content/site.yaml"
    settings.write_text(settings.read_text(encoding="utf-8").replace("title: ", "title: Renamed ", 1), encoding="utf-8")
    reference = root.parent / "v2-reference"
    run_build(root, reference)
    v2 = tree_digest(reference)
    assert v1 != v2 and set(v1) == set(v2)
    return root, out, v1, v2


@pytest.fixture
def server(big):
    """Serve the big project's site/ on 127.0.0.1 while builds come and go."""
    _, out, _, _ = big
    with serve_folder(out) as url:
        yield url


def restore_v1(big) -> None:
    """Put site/ back to the v1 build, so each test starts from the same previous site."""
    root, out, v1, _ = big
    if tree_digest(out) != v1:
        settings = root / "content/site.yaml"
        text = settings.read_text(encoding="utf-8")
        settings.write_text(text.replace("title: Renamed ", "title: ", 1), encoding="utf-8")
        run_build(root, out)
        settings.write_text(text, encoding="utf-8")
    assert tree_digest(out) == v1


def assert_serving_whole_v1(url: str, v1_feed: bytes) -> None:
    with urllib.request.urlopen(url + "feed.json", timeout=10) as reply:
        assert reply.read() == v1_feed
    with urllib.request.urlopen(url + "apps/generated_0000/", timeout=10) as reply:
        assert reply.status == 200 and b"</html>" in reply.read()


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM, signal.SIGKILL], ids=lambda s: s.name)
def test_a_build_stopped_while_writing_leaves_the_previous_site_whole_and_served(big, server, sig):
    root, out, v1, v2 = big
    restore_v1(big)
    v1_feed = (out / "feed.json").read_bytes()
    proc = subprocess.Popen(build_command(root, out), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=ctrl_c_as_at_a_terminal)
    tree = building_dir(out, proc.pid)
    # Pause the build the moment it has begun writing its new tree beside site/.
    started = wait_until(lambda: tree.is_dir() and any(tree.iterdir()), proc, "the build to start writing")
    assert started, "the build finished before it could be caught writing"
    proc.send_signal(signal.SIGSTOP)
    try:
        assert tree_digest(out) == v1
        assert_serving_whole_v1(server, v1_feed)
        proc.send_signal(sig)
    finally:
        proc.send_signal(signal.SIGCONT)
    _, err = proc.communicate(timeout=WAIT)
    assert tree_digest(out) == v1
    assert_serving_whole_v1(server, v1_feed)
    if sig == signal.SIGKILL:
        assert proc.returncode == -signal.SIGKILL
        assert leftovers(out) == [tree.name]  # nothing could clean up: the next build must
    else:
        assert proc.returncode == 130, err   # what the build said, should it end otherwise
        assert err.splitlines() == ["interrupted; site/ holds a whole site, the previous one unless the new one was already in place"]
        assert leftovers(out) == []  # the build removed its own half-written tree on the way out
    run_build(root, out)
    assert tree_digest(out) == v2
    assert leftovers(out) == []


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM, signal.SIGKILL], ids=lambda s: s.name)
def test_a_build_stopped_early_changes_nothing(big, sig):
    """Stopped 0.3 s in: reading and checking, or (builds are quick now) already writing its first files.

    Either way the site is v1; only a killed build that had begun writing leaves its tree, for the
    next build to clean. That nothing at all is touched before the first file is written is shown
    without timing by tests/test_write.py::test_a_publisher_touches_nothing_until_its_first_file."""
    root, out, v1, _ = big
    restore_v1(big)
    proc = subprocess.Popen(build_command(root, out), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=ctrl_c_as_at_a_terminal)
    time.sleep(0.3)
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=WAIT)
    assert "Traceback" not in err
    assert tree_digest(out) == v1
    if sig == signal.SIGKILL:
        assert leftovers(out) in ([], [building_dir(out, proc.pid).name])
    else:
        assert leftovers(out) == []
    run_build(root, out)
    assert leftovers(out) == []


def test_builds_killed_at_staggered_moments_always_leave_one_whole_site(big):
    root, out, v1, v2 = big
    restore_v1(big)
    started = time.monotonic()
    run_build(root, out)  # how long a whole build takes here, to spread the kills over it
    duration = time.monotonic() - started
    restore_v1(big)
    outcomes = []
    for step in range(1, 13):  # from early in the build to a little past its usual end
        proc = subprocess.Popen(build_command(root, out), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(duration * (0.1 + 1.1 * step / 12))
        proc.kill()
        proc.wait(timeout=WAIT)
        digest = tree_digest(out)
        assert digest in (v1, v2), f"site/ is neither the old nor the new build after a kill at {step}/12 of a build"
        outcomes.append("new" if digest == v2 else "old")
        if digest == v2:
            restore_v1(big)
    run_build(root, out)
    assert tree_digest(out) == v2 and leftovers(out) == []
    print("kill outcomes:", outcomes)


def test_feed_is_never_missing_or_partial_while_a_build_is_killed(big, server):
    """A client polling feed.json during killed builds always gets one whole, valid feed."""
    root, out, _, _ = big
    restore_v1(big)
    stop = threading.Event()
    seen: list[str] = []
    errors: list[str] = []

    def poll():
        while not stop.is_set():
            try:
                with urllib.request.urlopen(server + "feed.json", timeout=10) as reply:
                    seen.append(json.loads(reply.read())["title"])
            except Exception as exc:  # noqa: BLE001 - any failure is what this test looks for
                errors.append(repr(exc))

    poller = threading.Thread(target=poll)
    poller.start()
    try:
        for delay in (0.5, 1.5, 3.0):
            proc = subprocess.Popen(build_command(root, out), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(delay)
            proc.kill()
            proc.wait(timeout=WAIT)
        run_build(root, out)
    finally:
        stop.set()
        poller.join(timeout=WAIT)
    assert errors == []
    assert seen and all(title for title in seen)
