#!/usr/bin/env python3
"""Measure what the legend's translations would cost in every app's file, against api/v1/legend.json alone.

    python3 bench/legend_size.py

Builds the example content with the real pipeline (history included, as published) into a temporary folder,
then adds each method's translations (from api/v1/legend.json) to the legend of every app file and compares
the sizes, raw and with gzip -9 (a fixed header, as the build's own .gz). docs/feed.md quotes the figures:
they are why an app's file keeps the English legend and the translations live in legend.json.
"""

from __future__ import annotations

import gzip
import json
import statistics
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from policysite.engine.recipe import build  # noqa: E402
from policysite.render.jsondump import dump_json  # noqa: E402


def gzipped(data: bytes) -> int:
    """Return the size of data with gzip -9 under a fixed header."""
    return len(gzip.compress(data, compresslevel=9, mtime=0))


def with_translations(data: bytes, translations: dict) -> bytes:
    """Return an app file's bytes as they would be with the legend's translations in it."""
    doc = json.loads(data)
    for entry in doc["legend"]:
        entry["translations"] = translations[entry["id"]]
    return dump_json(doc)


def main() -> int:
    """Build the example site and print the app files' sizes without and with the translations, and legend.json's."""
    with tempfile.TemporaryDirectory(prefix="legend-size-") as tmp:
        site = Path(tmp) / "site"
        build(REPO, site)
        legend = (site / "api/v1/legend.json").read_bytes()
        translations = {m["id"]: m["translations"] for m in json.loads(legend)["legend"]}
        files = [p.read_bytes() for p in sorted((site / "api/v1/apps").glob("*.json"))]
    grown = [with_translations(data, translations) for data in files]
    print(f"| | app file, median raw | median gzip -9 | all {len(files)} app files, gzip -9 |")
    print("|---|---:|---:|---:|")
    for name, docs in (("as published (English legend)", files), ("with the translations", grown)):
        print(f"| {name} | {statistics.median(map(len, docs)):,.0f} B | {statistics.median(map(gzipped, docs)):,.0f} B "
              f"| {sum(map(gzipped, docs)):,} B |")
    print(f"\napi/v1/legend.json: {len(legend):,} B raw, {gzipped(legend):,} B gzip -9, once for every app")
    return 0


if __name__ == "__main__":
    sys.exit(main())
