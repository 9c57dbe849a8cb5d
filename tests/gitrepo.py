"""Real, throwaway git repositories for tests: commits at chosen times, no user or system config."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path


def git_env(when: str | None = None) -> dict:
    """Return an environment for git that ignores the machine's config and sets author and dates."""
    env = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1",
           "GIT_AUTHOR_NAME": "Maintainer", "GIT_AUTHOR_EMAIL": "maintainer@example.com",
           "GIT_COMMITTER_NAME": "Maintainer", "GIT_COMMITTER_EMAIL": "maintainer@example.com"}
    if when:
        env.update(GIT_AUTHOR_DATE=when, GIT_COMMITTER_DATE=when)
    return env


def git(root: Path, *args: str, when: str | None = None) -> str:
    """Run git in root; return its output, failing the test on an error."""
    result = subprocess.run(["git", "-C", str(root), *args], env=git_env(when), capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, f"git {' '.join(args)} failed: {result.stderr}"
    return result.stdout


def init_repo(root: Path) -> None:
    """Make root a git repository whose built site/ is ignored."""
    git(root, "init", "-q", "-b", "main")
    (root / ".gitignore").write_text("/site/\n/.site.*\n", encoding="utf-8")


def commit_all(root: Path, message: str, when: str) -> str:
    """Commit everything in root at the given ISO time; return the commit id."""
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", message, when=when)
    return git(root, "rev-parse", "HEAD").strip()


def write_object(root: Path, kind: str, data: bytes) -> str:
    """Write a git object exactly as given, even one git would refuse to make itself; return its id."""
    result = subprocess.run(["git", "-C", str(root), "hash-object", "-t", kind, "-w", "--literally", "--stdin"],
                            input=data, env=git_env(), capture_output=True, timeout=60)
    assert result.returncode == 0, f"git hash-object failed: {result.stderr!r}"
    return result.stdout.decode("ascii").strip()
