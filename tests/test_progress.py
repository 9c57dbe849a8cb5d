"""A long build shows its progress on a terminal, and prints only plain lines anywhere else."""

from __future__ import annotations

import os
import pty
import subprocess
import sys

from conftest import REPO, cli

WAIT = 120  # seconds: a bound against hanging, not a speed check


def run_on_terminal(args: list[str]) -> bytes:
    """Run the command line with stdout on a pseudo-terminal; return all it drew there."""
    leader, follower = pty.openpty()
    proc = subprocess.Popen(args, stdout=follower, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
    os.close(follower)
    drawn = b""
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:   # the terminal closed: the build has ended
            break
        if not chunk:
            break
        drawn += chunk
    proc.wait(timeout=WAIT)
    os.close(leader)
    assert proc.returncode == 0
    return drawn


def test_progress_is_drawn_on_a_terminal_and_cleared_before_the_summary(project):
    drawn = run_on_terminal([sys.executable, str(REPO / "build.py"), "--root", str(project.root), "--no-history"])
    assert b"\r\x1b[Kbuilding apps [" in drawn
    last = drawn.rsplit(b"\r\x1b[K", 1)[1]
    assert last.startswith(b"built 1 app pages")


def test_without_a_terminal_the_output_is_plain_lines(project):
    result = subprocess.run([sys.executable, str(REPO / "build.py"), "--root", str(project.root), "--no-history"],
                            capture_output=True, timeout=WAIT, check=True)
    assert result.stdout.decode().splitlines() == [f"built 1 app pages and 3 documents into {project.out}", cli.NO_HISTORY_NOTE]
    assert b"\r" not in result.stdout + result.stderr and b"\x1b" not in result.stdout + result.stderr
