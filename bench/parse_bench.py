"""Time parsing and schema-checking one app file, with and without the fast paths.

Usage: python3 bench/parse_bench.py [apps]   (default 1000)
Times, per app file, the loader with the Python parser only and with libyaml where the gate allows it,
and the schema check with jsonschema only and with fastjsonschema first, over the example apps and over
a corpus of [apps] apps from bench/corpus.py. Each figure is the median over the files of the fastest of
five runs of one file. Also counts the files that took each fast path, and what the gate and the
compilation of the fast schema check cost. Timings only; nothing asserts (bench/PARSE.md has a run).
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

import corpus  # noqa: E402
from policysite.check import schema as check
from policysite.sources import loader  # noqa: E402

RUNS = 5


def fastest(call) -> float:
    """Return the fastest of RUNS calls, in microseconds."""
    best = float("inf")
    for _ in range(RUNS):
        start = time.perf_counter_ns()
        call()
        best = min(best, time.perf_counter_ns() - start)
    return best / 1000


def with_libyaml(on: bool):
    """Switch the loader's libyaml path on or off; return what it was."""
    saved = loader.LibyamlParser
    if not on:
        loader.LibyamlParser = None
    return saved


def is_fast_yaml(text: str) -> bool:
    """Say whether the loader parses text with libyaml."""
    if loader.LibyamlParser is None or not loader.is_fast_text(text):
        return False
    try:
        loader._build(loader._fast_events(text))
    except Exception:  # noqa: BLE001 - anything that sends the file to the Python parser
        return False
    return True


def measure(texts: list[str]) -> dict:
    """Return the median costs per file, in microseconds, and the fast-path shares."""
    validator = check.validator_for("app.schema.json")
    fast_check = check._fast_for(validator)
    libyaml = loader.LibyamlParser
    loader.LibyamlParser = None
    pure = [fastest(lambda: loader.parse_yaml(t, "x.yaml")) for t in texts]
    loader.LibyamlParser = libyaml
    fast = [fastest(lambda: loader.parse_yaml(t, "x.yaml")) for t in texts]
    gate = [fastest(lambda: loader.is_fast_text(t)) for t in texts]
    nodes = [loader.parse_yaml(t, "x.yaml")[0] for t in texts]
    check._FAST_CACHE[id(validator.schema)] = (validator.schema, None)
    slow_check = [fastest(lambda: check.check_against(n, "x.yaml", validator)) for n in nodes]
    check._FAST_CACHE[id(validator.schema)] = (validator.schema, fast_check)
    quick_check = [fastest(lambda: check.check_against(n, "x.yaml", validator)) for n in nodes]
    located = [fastest(lambda: check.Located(n, validator)) for n in nodes]
    kib = statistics.median(len(t.encode()) / 1024 for t in texts)
    return {
        "files": len(texts), "median KiB": round(kib, 2),
        "parse, Python parser": statistics.median(pure), "parse, libyaml where gated": statistics.median(fast),
        "of which the text gate": statistics.median(gate),
        "files on libyaml": sum(map(is_fast_yaml, texts)),
        "check, jsonschema": statistics.median(slow_check), "check, fastjsonschema first": statistics.median(quick_check),
        "of which Located (typing)": statistics.median(located),
        "files passed by fastjsonschema": sum(fast_check(check.Located(n, validator).data) for n in nodes),
    }


def compile_cost() -> float:
    """Return how long compiling the app schema with fastjsonschema takes, in milliseconds."""
    validator = check.validator_for("app.schema.json")
    start = time.perf_counter()
    check.make_fast_validator(validator.schema, validator.format_checker)
    return (time.perf_counter() - start) * 1000


def main() -> None:
    """Print the figures for the example apps and a generated corpus."""
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    first_compile = compile_cost()
    examples = [p.read_text(encoding="utf-8") for p in sorted((REPO / "content/apps").glob("*.yaml"))]
    with tempfile.TemporaryDirectory() as tmp:
        corpus.generate(n, Path(tmp))
        generated = [p.read_text(encoding="utf-8") for p in sorted((Path(tmp) / "policysite/content/apps").glob("*.yaml"))]
    rows = {"example apps": measure(examples), f"corpus of {n}": measure(generated)}
    print(f"{'median per file (us)':32}" + "".join(f"{name:>18}" for name in rows))
    for key in next(iter(rows.values())):
        print(f"{key:32}" + "".join(f"{r[key]:>18.1f}" if isinstance(r[key], float) else f"{r[key]:>18}" for r in rows.values()))
    print(f"compiling the app schema with fastjsonschema: {first_compile:.1f} ms the first time in this process")


if __name__ == "__main__":
    main()
