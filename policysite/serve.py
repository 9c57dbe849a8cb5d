"""Preview server: livereload on 127.0.0.1, rebuilding on every change to content, templates or static."""

from __future__ import annotations

import sys
from pathlib import Path

from .pipeline import build
from .problems import ContentError, summarise

WATCHED = ("content", "templates", "static")


def rebuild(root: Path, out_dir: Path, stores: dict | None = None) -> bool:
    """Build once; on problems print them and keep the last good site. Return True on success.

    stores keeps the build's cache in memory between rebuilds, so a save does not reload it from disk.
    """
    try:
        site = build(root, out_dir, stores=stores)
    except ContentError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        print(summarise(exc.problems, f"{out_dir.name}/") + "; still serving the last good build", file=sys.stderr)
        return False
    for warning in site.warnings:
        print(warning, file=sys.stderr)
    print(f"rebuilt: {len(site.apps)} app pages", flush=True)
    return True


def serve(root: Path, out_dir: Path, host: str, port: int) -> None:
    """Build, then serve out_dir with live reload until interrupted."""
    from livereload import Server

    stores: dict = {}
    if not rebuild(root, out_dir, stores) and not out_dir.exists():
        print("nothing to serve yet; fix the problems above and save again", file=sys.stderr)
        out_dir.mkdir(parents=True)
    server = Server()
    for name in WATCHED:
        server.watch(str(root / name), lambda: rebuild(root, out_dir, stores))
    print(f"serving {out_dir} at http://{host}:{port}/", flush=True)
    server.serve(root=str(out_dir), host=host, port=port, open_url_delay=None, default_filename="index.html")
