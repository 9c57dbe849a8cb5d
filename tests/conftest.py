"""Shared fixtures: tiny projects written into tmp_path, built in-process."""

from __future__ import annotations

import datetime
import hashlib
import re
import shutil
import signal
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import build as cli  # noqa: E402  the thin command line, called in-process

VALID_APP = """\
name: Sample App
vendor: Example Vendor
category: Server
subcategory: Web
license: GPLv3
summary: A small app used by the tests.
description: |
  A short description with **bold** text.
support:
  forum_casual:
    available: true
    url: https://forum.example/sample
  forum_dedicated:
    available: false
    reason: There is no forum section for this app.
  vendor:
    available: true
    email: help@vendor.example
    hours: Monday to Friday, 09:00 to 17:00
    timezone: Europe/London
    response_time: 2 business days
  clearcenter_pro:
    available: false
    reason: ClearCenter has no agreement with the vendor.
    alternative: Use the vendor's ticket service.
  clearcenter_consulting:
    available: true
factors:
  knowledge:
    level: medium
    note: Engineers know the software underneath.
  stability:
    level: high
    note: Few faults reported.
  vendor_relationship:
    level: low
    note: No agreement with the vendor.
level2:
  covered: false
  articles: [software-raid-5]
reviewed: 2026-01-15
"""

TODAY = datetime.date(2026, 11, 26)   # the build date the project fixture pins


def ctrl_c_as_at_a_terminal() -> None:
    """In a child process: take Ctrl-C (SIGINT) as a build started at a terminal does.

    A shell without job control starts background jobs with SIGINT ignored, and Python then installs
    no KeyboardInterrupt handler; tests that stop a child with SIGINT must not depend on how pytest
    itself was started."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def epoch_of(day: datetime.date) -> int:
    """Return the SOURCE_DATE_EPOCH value for noon UTC on a day."""
    return int(datetime.datetime.combine(day, datetime.time(12), datetime.timezone.utc).timestamp())


LEVEL2_INDEX = "---\ntitle: Level II\nsummary: The Level II section.\norder: 0\n---\nAbout Level II.\n"
LEVEL2_ARTICLE = "---\ntitle: RAID 5\nsummary: Install on RAID 5.\norder: 1\n---\n## Steps\n\nDo things.\n"
POLICY_DOC = "---\ntitle: Policy\nsummary: The policy explained.\nlegend: true\n---\nPolicies.\n"


@dataclass
class Project:
    """A throwaway project folder with the real legend, templates and static files."""

    root: Path

    @property
    def out(self) -> Path:
        return self.root / "site"

    def write(self, rel_path: str, text: str | bytes) -> Path:
        """Write a file under the project root."""
        path = self.root / rel_path
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")
        return path

    def app(self, basename: str, text: str = VALID_APP) -> Path:
        """Write content/apps/<basename>.yaml."""
        return self.write(f"content/apps/{basename}.yaml", text)

    def run(self, *args: str, capsys=None) -> tuple[int, str, str]:
        """Run the command line in-process; return (status, stdout, stderr).

        A project that is not a git repository has no history to publish, so its build and serve
        are run with --no-history, as the command line asks of such a folder (test_history_refused).
        """
        command = args[0] if args and not args[0].startswith("-") else "build"
        bare = command in ("build", "serve") and not (self.root / ".git").exists() and "--no-history" not in args
        status = cli.main([*args, *(["--no-history"] if bare else []), "--root", str(self.root)])
        if capsys is None:
            return status, "", ""
        captured = capsys.readouterr()
        return status, captured.out, captured.err


def tree_digest(folder: Path) -> dict[str, str]:
    """Return relative path -> sha256 for every file under folder."""
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(autouse=True)
def own_cache_home(tmp_path_factory, monkeypatch) -> Path:
    """Give every test a cache folder of its own, outside any project, as a user's ~/.cache is."""
    home = tmp_path_factory.mktemp("cache-home")
    monkeypatch.setenv("POLICYSITE_CACHE_HOME", str(home))
    return home


@pytest.fixture
def project(tmp_path: Path, monkeypatch) -> Project:
    """A minimal valid project: the real legend, templates and static files, one app, three docs.

    Today is pinned to TODAY through SOURCE_DATE_EPOCH, so review dates and scheduled changes
    mean the same whenever the tests run.
    """
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(epoch_of(TODAY)))
    root = tmp_path / "proj"
    for name in ("methods.yaml", "factors.yaml", "site.yaml"):
        (root / "content").mkdir(parents=True, exist_ok=True)
        shutil.copy(REPO / "content" / name, root / "content" / name)
    # In English alone: seven languages would make every build seven times the pages. tests/test_languages.py
    # (and the tests that need another language) name their languages themselves.
    settings = root / "content/site.yaml"
    settings.write_text(re.sub(r"^languages:.*\n", "", settings.read_text(encoding="utf-8"), flags=re.M), encoding="utf-8")
    shutil.copytree(REPO / "templates", root / "templates")
    shutil.copytree(REPO / "static", root / "static")
    proj = Project(root)
    proj.app("sample_app")
    proj.write("content/docs/level2/index.md", LEVEL2_INDEX)
    proj.write("content/docs/level2/software-raid-5.md", LEVEL2_ARTICLE)
    proj.write("content/docs/policy.md", POLICY_DOC)
    return proj
