"""Faults of the machine, not of the content: a full disk, a read-only or forbidden output folder.

Each gives one clear line and exit 1, never a traceback, and the live site stays exactly as it
was. Where this machine lets the tests mount a small tmpfs (as root), the faults are real; the
same paths are also driven by injected errors, so they are tested everywhere.
"""

from __future__ import annotations

import errno
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import REPO, VALID_APP, tree_digest


@pytest.fixture
def small_disk(tmp_path):
    """Mount a 1 MiB tmpfs for the test, or skip where mounting is not allowed."""
    mount = tmp_path / "disk"
    mount.mkdir()
    result = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount)], capture_output=True)
    if result.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {result.stderr.decode(errors='replace').strip()}")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], capture_output=True)


def cli(project, out: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    """Build project into out in a process of its own."""
    return subprocess.run([sys.executable, str(REPO / "build.py"), "--root", str(project.root), "--out", str(out), "--no-history"],
                          capture_output=True, text=True, timeout=300, env=env or os.environ.copy())


def add_apps(project, count: int) -> None:
    """Add apps with long descriptions, so the next build needs much more room."""
    text = VALID_APP.replace("A short description with **bold** text.", "Filler text. " * 1400)
    for i in range(count):
        project.app(f"filler_{i}", text.replace("Sample App", f"Filler App {i}"))


def test_a_full_disk_gives_one_line_and_keeps_the_live_site(project, small_disk):
    out = small_disk / "site"
    assert cli(project, out).returncode == 0
    before = tree_digest(out)
    add_apps(project, 60)
    result = cli(project, out)
    assert result.returncode == 1
    assert re.fullmatch(rf"error: No space left on device: {re.escape(str(small_disk))}/\S+; site/ was not changed\n", result.stderr)
    assert "Traceback" not in result.stderr + result.stdout
    assert tree_digest(out) == before


def test_a_read_only_output_folder_gives_one_line_and_keeps_the_live_site(project, small_disk):
    out = small_disk / "site"
    assert cli(project, out).returncode == 0
    before = tree_digest(out)
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    (project.root / "static/site.css").write_text("/* changed */\n")
    result = cli(project, out)
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr == f"error: Read-only file system: {small_disk}/.site.lock; site/ was not changed\n"
    assert tree_digest(out) == before


def test_a_full_cache_folder_only_costs_time(project, small_disk, tmp_path):
    filler = small_disk / "filler"
    with open(filler, "wb") as handle:   # leave the cache nowhere to write
        try:
            while True:
                handle.write(b"\0" * 65536)
        except OSError:
            pass
    env = {**os.environ, "POLICYSITE_CACHE_HOME": str(small_disk / "cache")}
    assert cli(project, tmp_path / "a", env).returncode == 0
    assert cli(project, tmp_path / "b").returncode == 0
    assert tree_digest(tmp_path / "a") == tree_digest(tmp_path / "b")


@pytest.mark.parametrize("fault", [errno.ENOSPC, errno.EROFS, errno.EACCES, errno.EIO])
def test_a_fault_while_writing_any_file_gives_one_line_and_keeps_the_live_site(project, capsys, monkeypatch, fault):
    from policysite.publish import write

    assert project.run() == (0, "", "")
    before = tree_digest(project.out)
    (project.root / "static/site.css").write_text("/* changed */\n")
    real = write.write_file
    capsys.readouterr()

    def failing(path, data, mtime_ns):
        if path.name.startswith(".site.css"):
            raise OSError(fault, os.strerror(fault), str(path))
        real(path, data, mtime_ns)

    monkeypatch.setattr(write, "write_file", failing)
    status, out, err = project.run(capsys=capsys)
    assert (status, out) == (1, "")
    [line] = err.splitlines()
    assert line.startswith(f"error: {os.strerror(fault)}: ") and line.endswith("; site/ was not changed")
    assert tree_digest(project.out) == before
    monkeypatch.setattr(write, "write_file", real)
    assert project.run() == (0, "", "")   # the next build, on a healthy disk, cleans up and publishes
    assert (project.out / "assets/site.css").read_text() == "/* changed */\n"


def test_a_fault_while_a_worker_process_writes_an_apps_file_gives_one_line_and_keeps_the_live_site(project, capsys, monkeypatch):
    from policysite.engine import workers
    from policysite.publish import write

    for i in range(4):
        project.app(f"app_{i}", VALID_APP.replace("Sample App", f"App {i}"))
    assert project.run() == (0, "", "")
    before = tree_digest(project.out)
    project.app("app_2", VALID_APP.replace("Sample App", "App two, renamed"))
    monkeypatch.setattr(workers, "PARALLEL_MIN", 1)
    real = write.write_file

    def failing(path, data, mtime_ns):   # forked workers inherit it
        if path.name == ".index.html.new" and path.parent.name == "app_2":
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))
        real(path, data, mtime_ns)

    monkeypatch.setattr(write, "write_file", failing)
    capsys.readouterr()
    status, out, err = project.run(capsys=capsys)
    assert (status, out) == (1, "")
    [line] = err.splitlines()
    assert re.fullmatch(r"error: No space left on device: \S+/apps/app_2/\.index\.html\.new; site/ was not changed", line)
    assert tree_digest(project.out) == before


def test_an_interrupted_build_stops_its_worker_processes_before_it_puts_the_live_site_back(project, capsys, monkeypatch):
    """Ctrl-C while workers are still writing apps' files: none of them is alive when the build cleans up, so none
    can write into a tree that has been put aside; the live site is as it was and the next build is whole."""
    import multiprocessing

    from policysite import progress
    from policysite.engine import workers
    from policysite.publish import write

    for i in range(12):
        project.app(f"app_{i}", VALID_APP.replace("Sample App", f"App {i}"))
    assert project.run() == (0, "", "")
    before = tree_digest(project.out)
    for i in range(12):
        project.app(f"app_{i}", VALID_APP.replace("Sample App", f"App {i}, renamed"))
    monkeypatch.setattr(workers, "PARALLEL_MIN", 1)
    real_write, real_put_back = write.write_file, write.Publisher._put_back
    monkeypatch.setattr(write, "write_file", lambda path, data, mtime_ns: time.sleep(0.05) or real_write(path, data, mtime_ns))
    alive_at_clean_up = []
    monkeypatch.setattr(write.Publisher, "_put_back",
                        lambda self: alive_at_clean_up.append(multiprocessing.active_children()) or real_put_back(self))

    def ctrl_c(*args):
        raise KeyboardInterrupt

    monkeypatch.setattr(progress, "step", ctrl_c)   # the first app's result has come back; the others are in the works
    capsys.readouterr()
    status, out, err = project.run(capsys=capsys)
    assert (status, out) == (130, "") and err.startswith("interrupted;")
    assert alive_at_clean_up == [[]]
    time.sleep(0.5)   # a worker left running would write on meanwhile
    assert tree_digest(project.out) == before
    assert sorted(p.name for p in project.out.parent.glob(f".{project.out.name}.*")) == [f".{project.out.name}.lock", f".{project.out.name}.standby"]
    monkeypatch.undo()
    assert project.run()[0] == 0
    assert tree_digest(project.out) != before
    fresh = project.out.parent / "cold"
    assert project.run("--out", str(fresh))[0] == 0
    assert tree_digest(project.out) == tree_digest(fresh)


def test_a_forbidden_output_folder_gives_one_line(project, capsys, monkeypatch):
    from policysite.publish import outdir

    def forbidden(path):
        raise PermissionError(errno.EACCES, "Permission denied", str(path))

    monkeypatch.setattr(outdir, "open_lock_file", forbidden)
    status, out, err = project.run(capsys=capsys)
    assert (status, out, err) == (1, "", f"error: Permission denied: {project.root}/.site.lock; site/ was not changed\n")
    assert not project.out.exists()
