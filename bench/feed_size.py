#!/usr/bin/env python3
"""Measure the feed's size, raw and gzipped, for the example content and for N synthetic apps.

    python3 bench/feed_size.py                 # the example content in content/
    python3 bench/feed_size.py --apps 10000    # the example apps plus copies up to 10,000 apps

Synthetic apps mix fields taken from different example apps (seeded, so every run is the same),
so their fields have the lengths real ones have and neighbours in the feed differ. Each run builds the whole site with the real
pipeline into a temporary folder. "gzip" is what a client is sent with docs/nginx/policysite.conf: the
build's own .gz (level 9) for feed.json and the index, nginx's level 6 for the other files.
"""

from __future__ import annotations

import argparse
import copy
import gzip
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import yaml  # noqa: E402

from policysite.content import history  # noqa: E402
from policysite.engine.recipe import build  # noqa: E402

FIELDS = ("name", "vendor", "category", "subcategory", "license", "summary", "description", "links",
          "support", "factors", "level2", "reviewed")
WORDS = ("proxy", "mail", "vpn", "backup", "filter", "report", "monitor", "directory", "storage", "voip")


def make_project(target: Path, apps: int) -> Path:
    """Copy the project into target and add synthetic app files until there are `apps` of them."""
    for folder in ("content", "templates", "static"):
        shutil.copytree(REPO / folder, target / folder)
    examples = [yaml.safe_load(p.read_text(encoding="utf-8")) for p in sorted((REPO / "content/apps").glob("*.yaml"))]
    rng = random.Random(3)  # the same synthetic apps on every run
    for i in range(max(0, apps - len(examples))):
        # Each field group from a different example, so neighbouring apps differ as real ones do.
        data = {key: copy.deepcopy(rng.choice(examples).get(key)) for key in FIELDS}
        data["name"] = f"{data['name'][:70]} {i + 1}"
        data["reviewed"] = str(data["reviewed"])
        data = {k: v for k, v in data.items() if v is not None}
        (target / f"content/apps/s{i + 1:05d}_{rng.choice(WORDS)}.yaml").write_text(
            yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return target


def sizes(paths: list[Path]) -> tuple[int, int]:
    """Return the total raw and served gzipped size of some files: the build's .gz beside a file, else gzip -6."""
    raw = [p.read_bytes() for p in paths]
    packed = [p.with_name(p.name + ".gz") for p in paths]
    return sum(map(len, raw)), sum(z.stat().st_size if z.is_file() else len(gzip.compress(b, compresslevel=6, mtime=0))
                                   for b, z in zip(raw, packed))


def kib(n: float) -> str:
    """Write a byte count for people, with the exact count beside it."""
    short = f"{n / 1024:,.1f} KiB" if n < 1024 * 1024 else f"{n / 1024 / 1024:,.2f} MiB"
    return f"{short} ({round(n):,} B)"


def report(site: Path, apps: int, seconds: float) -> list[str]:
    """Return Markdown table rows for one built site."""
    app_files = sorted((site / "api/v1/apps").glob("*.json"))
    per_app = [sizes([p]) for p in app_files]
    schemas = sorted((site / "schema/v1").glob("*.json"))
    rows = [
        ("feed.json (legend + every app)", sizes([site / "feed.json"])),
        ("api/v1/index.json (legend + basename, supported, sha256)", sizes([site / "api/v1/index.json"])),
        ("api/v1/legend.json (the legend with its translations)", sizes([site / "api/v1/legend.json"])),
        ("one app file, median", (statistics.median(r for r, _ in per_app), statistics.median(g for _, g in per_app))),
        ("one app file, largest", (max(r for r, _ in per_app), max(g for _, g in per_app))),
        ("all app files (each also under by-hash/)", (sum(r for r, _ in per_app), sum(g for _, g in per_app))),
        (f"schema/v1/*.schema.json ({len(schemas)} files)", sizes(schemas)),
        ("embed/support-policy.js", sizes([site / "embed/support-policy.js"])),
    ]
    lines = [f"### {apps:,} apps (built in {seconds:.1f} s)", "", "| file | raw | gzip as served |", "|---|---:|---:|"]
    lines += [f"| {name} | {kib(raw)} | {kib(gz)} |" for name, (raw, gz) in rows]
    return lines


def main(argv: list[str] | None = None) -> int:
    """Build the example content or N apps and print the sizes as a Markdown table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--apps", type=int, default=0, help="total number of apps (default: just the examples)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="feed-size-") as tmp:
        root = REPO if args.apps == 0 else make_project(Path(tmp) / "project", args.apps)
        site = Path(tmp) / "site"
        start = time.perf_counter()
        # A generated project is no git checkout: its apps have no history to read.
        built = build(root, site, history_mode=history.PUBLISH if args.apps == 0 else None)
        seconds = time.perf_counter() - start
        print("\n".join(report(site, len(built.apps), seconds)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
