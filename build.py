#!/usr/bin/env python3
"""The checkout's command line: `python build.py [command]` runs policysite on this folder's project.

A thin wrapper over policysite.cli (the installed `policysite` command runs the same code); the project
is this file's folder unless --project names another.
"""

from __future__ import annotations

import sys
from pathlib import Path

from policysite.cli import NO_HISTORY_NOTE, Prog, main as run_main  # noqa: F401  NO_HISTORY_NOTE: the tests read it here

ROOT = Path(__file__).resolve().parent
PROG = Prog("build.py", "python build.py", ROOT)


def main(argv: list[str] | None = None) -> int:
    """Run one command on this checkout's project (or --project); return the exit status."""
    return run_main(argv, PROG)


if __name__ == "__main__":
    sys.exit(main())
