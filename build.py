#!/usr/bin/env python3
"""Command line for policysite: build (default), check, or serve the support-policy site."""

from __future__ import annotations

import argparse
import signal
import sys
from pathlib import Path


def quiet_interrupt(kind, value, traceback) -> None:
    """Print one line, not a traceback, when Ctrl-C arrives before the build has started."""
    if issubclass(kind, KeyboardInterrupt):
        print("interrupted before the build started; nothing was changed", file=sys.stderr)
    else:
        sys.__excepthook__(kind, value, traceback)


sys.excepthook = quiet_interrupt

from policysite.pipeline import build, check
from policysite.problems import ContentError, summarise

ROOT = Path(__file__).resolve().parent


def parse_args(argv: list[str]) -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(prog="build.py", description="Build the ClearOS support-policy site from content/.")
    parser.add_argument("command", nargs="?", default="build", choices=["build", "check", "serve"])
    parser.add_argument("--root", type=Path, default=ROOT, help="project folder holding content/, templates/ and static/")
    parser.add_argument("--out", type=Path, default=None, help="output folder (default: <root>/site)")
    parser.add_argument("--host", default="127.0.0.1", help="serve: address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8000, help="serve: port (default 8000)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Run one command; print every problem and return the exit status."""
    args = parse_args(sys.argv[1:] if argv is None else argv)
    root = args.root.resolve()
    out_dir = args.out or root / "site"
    if argv is None and args.command != "serve":  # SIGTERM stops a build the way Ctrl-C does, cleaning up as it goes
        signal.signal(signal.SIGTERM, stop_on_signal)
    try:
        if args.command == "check":
            site = check(root)
            print(f"ok: {len(site.apps)} apps and {len(site.docs)} documents checked")
        elif args.command == "serve":
            from policysite.serve import serve
            serve(root, out_dir, args.host, args.port)
        else:
            site = build(root, out_dir)
            print(f"built {len(site.apps)} app pages and {len(site.docs)} documents into {out_dir}")
    except ContentError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        print(summarise(exc.problems, f"{out_dir.name}/"), file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"interrupted; {out_dir.name}/ holds a whole site, the previous one unless the new one was already in place",
              file=sys.stderr)
        return 130
    return 0


def stop_on_signal(signum, frame) -> None:
    """Turn SIGTERM into KeyboardInterrupt so the build stops through its clean-up path."""
    raise KeyboardInterrupt


if __name__ == "__main__":
    sys.exit(main())
