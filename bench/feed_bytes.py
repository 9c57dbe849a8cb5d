#!/usr/bin/env python3
"""Say what the bytes of feed.json are: per field of an app entry, and per compressor.

    python3 bench/feed_bytes.py                  # the example content in content/
    python3 bench/feed_bytes.py --apps 10000     # bench/corpus.py's corpus of 10,000 apps (about 3 minutes)

The feed is built with the real code (engine.recipe.build, without history) into a temporary folder.
A field's share is the size of feed.json minus the size with that field taken out of every app
(or every method entry), raw and gzipped at level 9. Zopfli and Brotli are measured only if their
Python packages are importable (neither is a dependency of policysite); --zopfli also runs Zopfli,
which takes about 20 s at 10,000 apps.
"""

from __future__ import annotations

import argparse
import copy
import gzip
import json
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(HERE))

import corpus  # noqa: E402
from policysite.engine.recipe import build  # noqa: E402
from policysite.render.compress import precompress  # noqa: E402
from policysite.render.feed import dump_json  # noqa: E402


def gz9(data: bytes) -> int:
    """Return the size of data gzipped at level 9."""
    return len(gzip.compress(data, 9, mtime=0))


def field_rows(feed: dict) -> list[tuple[str, int, int]]:
    """Return (field, raw bytes, gzip -9 bytes) that each field of an app entry accounts for."""
    full = dump_json(feed)
    raw, packed = len(full), gz9(full)

    def share(drop) -> tuple[int, int]:
        doc = copy.deepcopy(feed)
        drop(doc)
        data = dump_json(doc)
        return raw - len(data), packed - gz9(data)

    rows = []
    for key in sorted({k for a in feed["apps"] for k in a}):
        rows.append((key, *share(lambda d, k=key: [a.pop(k, None) for a in d["apps"]])))
    for key in sorted({k for a in feed["apps"] for m in a["methods"] for k in m}):
        rows.append((f"methods[].{key}", *share(lambda d, k=key: [m.pop(k, None) for a in d["apps"] for m in a["methods"]])))
    return rows


def compressor_rows(data: bytes, zopfli_too: bool) -> list[tuple[str, int, float]]:
    """Return (compressor, bytes, seconds) for the compressors that could serve feed.json."""
    runs = [("gzip -6 (nginx on the fly)", lambda b: gzip.compress(b, 6, mtime=0)),
            ("gzip -9", lambda b: gzip.compress(b, 9, mtime=0)),
            ("precompress() (level 9, memLevel 9): feed.json.gz", precompress)]
    try:
        import brotli
        runs += [(f"brotli q{q} (not gzip)", lambda b, q=q: brotli.compress(b, quality=q, lgwin=22)) for q in (5, 9)]
    except ImportError:
        pass
    if zopfli_too:
        try:
            import zopfli.gzip
            runs.append(("zopfli, 1 iteration", lambda b: zopfli.gzip.compress(b, numiterations=1)))
        except ImportError:
            pass
    out = []
    for name, run in runs:
        start = time.perf_counter()
        size = len(run(data))
        out.append((name, size, time.perf_counter() - start))
    return out


def main(argv: list[str] | None = None) -> int:
    """Render the feed and print where its bytes go."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--apps", type=int, default=0, help="apps in bench/corpus.py's corpus (default: the example content)")
    parser.add_argument("--zopfli", action="store_true", help="also measure Zopfli (slow)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="feed-bytes-") as tmp:
        root = REPO
        if args.apps:
            corpus.generate(args.apps, Path(tmp))
            root = Path(tmp) / "policysite"
        build(root, Path(tmp) / "site", history_mode=None)
        data = (Path(tmp) / "site/feed.json").read_bytes()
    feed = json.loads(data)
    apps = len(feed["apps"])
    print(f"feed.json, {apps:,} apps: {len(data):,} B raw ({len(data) / apps:,.0f} B per app), "
          f"{gz9(data):,} B gzip -9 ({gz9(data) / apps:,.0f} B per app)\n")
    print("| field | raw | share | gzip -9 | share |\n|---|---:|---:|---:|---:|")
    for name, raw, packed in field_rows(feed):
        print(f"| {name} | {raw:,} | {raw / len(data):.1%} | {packed:,} | {packed / gz9(data):.1%} |")
    print("\n| compressor | bytes | seconds |\n|---|---:|---:|")
    for name, size, seconds in compressor_rows(data, args.zopfli):
        print(f"| {name} | {size:,} | {seconds:.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
