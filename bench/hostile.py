#!/usr/bin/env python3
"""Measure the nastiest inputs: time and peak memory of the loader, the Markdown renderer and whole builds.

Each case runs in a fresh Python process, so one case's memory cannot hide another's. Reported per case:
- seconds: wall time of the measured step only (not interpreter start-up);
- traced: peak of Python allocations during that step (tracemalloc);
- max RSS: the process's peak resident memory, interpreter included (from wait4).

Usage:  python3 bench/hostile.py              all cases, a Markdown table on stdout
        python3 bench/hostile.py --only bomb  cases whose name contains 'bomb'
        python3 bench/hostile.py --list       case names
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))

ALIAS_BOMB = (
    'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    "b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"
    "e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\ng: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\n"
    "h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]\ni: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]\n"
)
CAP = 128 * 1024 - 200  # just under the per-file limit, room left for a key


def yaml_cases() -> dict[str, str]:
    """Return name -> YAML text for the loader cases."""
    return {
        "alias bomb (342 bytes, 9 levels)": ALIAS_BOMB,
        "deep flow nesting: 20000 '[' (shared/hostile)": "data: " + "[" * 20000 + "]" * 20000 + "\n",
        "deep flow nesting: 120000 '['": "data: " + "[" * 120000 + "\n",
        "deep flow nesting: 120000 '{'": "data: " + "{" * 120000 + "\n",
        "deep block nesting: 60000 '- '": "data:\n  " + "- " * 60000 + "x\n",
        "huge file: one flow list of 65000 items": "data: [" + "1," * (CAP // 2 - 8) + "1]\n",
        "huge file: 13000 keys": "".join(f"k{i:05d}: v\n" for i in range(CAP // 10)),
        "huge file: one 128 KiB plain scalar": "data: " + "word " * (CAP // 5) + "\n",
        "huge file: one 128 KiB double-quoted scalar of escapes": 'data: "' + "\\u00e9" * (CAP // 6) + '"\n',
        "huge file: 128 KiB of '#' comments": "# " + "x" * CAP + "\na: b\n",
        "huge file: 32000 lines of '- a'": "data:\n" + "- a\n" * (CAP // 4) + "",
    }


def markdown_cases() -> dict[str, str]:
    """Return name -> Markdown for the renderer cases, at the two limits (app description 20000, doc body 60000)."""
    runs = {"'['": "[", "'!['": "![", "'[a]('": "[a](", "'[a]['": "[a][", "'<a '": "<a ", "'<![CDATA['": "<![CDATA[",
            "'*_'": "*_", "'> '": "> ", "'  - ' (nested lists)": "  - ", "'***\\n'": "***\n", "'`'": "`",
            "'[[]'": "[[]", "'<'": "<", "'*a**'": "*a**", "'[![' ": "[![", "'a|b\\n-|-\\n' (tables)": "a|b\n-|-\n",
            "'- a\\n' (plain: the fast parser)": "- a\n", "'#### a\\n' (plain)": "#### a\n",
            "'    - a\\n' (plain)": "    - a\n"}
    cases = {}
    for size in (20000, 30000):
        for name, unit in runs.items():
            cases[f"markdown {'app' if size == 20000 else 'doc'} {size}: {name} x {size // len(unit)}"] = unit * (size // len(unit))
        cases[f"markdown {'app' if size == 20000 else 'doc'} {size}: nested brackets"] = "[" * (size // 2) + "]" * (size // 2)
        cases[f"markdown {'app' if size == 20000 else 'doc'} {size}: backtick ladder"] = "".join("`" * i + "a" for i in range(1, 400))[:size]
        cases[f"markdown {'app' if size == 20000 else 'doc'} {size}: plain, 100 nested '*' and lists 5 deep"] = (
            "*a " * 100 + "x" + " a*" * 100 + "\n\n" + "".join("  " * i + "- a\n" for i in range(5)) * (size // 40))[:size]
    return cases


CHILD = r"""
import json, sys, time, tracemalloc
sys.path.insert(0, sys.argv[1])
kind, payload = sys.argv[2], open(sys.argv[3], encoding="utf-8").read()
if kind == "yaml":
    from policysite.sources.loader import decode_text, parse_yaml
    step = lambda: (lambda t: parse_yaml(t[0], "bench.yaml") if t[0] is not None and not t[1] else t)(decode_text(payload.encode(), "bench.yaml"))
elif kind == "markdown":
    from policysite.content.markup import render_app_markdown, render_doc_markdown
    step = lambda: (render_app_markdown if len(payload) <= 20000 else render_doc_markdown)(payload)
else:
    import build as cli
    out = ["--out", payload.strip() + "/site"] if kind == "build" else []   # check writes nothing and takes no --out
    step = lambda: cli.main([kind, "--root", payload.strip(), *out])
traced = sys.argv[4] == "traced"  # tracemalloc slows allocation-heavy code, so time and memory are two runs
if traced:
    tracemalloc.start()
start = time.perf_counter()
result = step()
seconds = time.perf_counter() - start
peak = tracemalloc.get_traced_memory()[1] if traced else 0
if kind == "yaml":
    problems = result[1]
    outcome = problems[0].message[:70] if problems else "parsed"
elif kind == "markdown":
    outcome = result.refusals[0].message[:70] if result.refusals else f"{len(result.html)} bytes of HTML"
else:
    outcome = f"exit {result}"
print("\n" + json.dumps({"seconds": seconds, "traced": peak, "outcome": outcome}))
"""


def measure(kind: str, payload: str) -> dict:
    """Run one case twice in fresh processes (timed, then traced); return time, memory and outcome."""
    timed, traced = run_child(kind, payload, "timed"), run_child(kind, payload, "traced")
    return {**timed, "traced": traced["traced"]}


def run_child(kind: str, payload: str, mode: str) -> dict:
    """Run one case in a fresh process; return its timing or memory, its outcome and its max RSS."""
    with tempfile.NamedTemporaryFile("w", suffix=".txt", encoding="utf-8", delete=False) as handle:
        handle.write(payload)
    try:
        proc = subprocess.Popen([sys.executable, "-c", CHILD, str(REPO), kind, handle.name, mode],
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        output = proc.stdout.read()
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
    finally:
        os.unlink(handle.name)
    last = output.strip().splitlines()[-1] if output.strip() else ""
    result = json.loads(last) if last.startswith("{") else {"seconds": float("nan"), "traced": 0, "outcome": f"crashed ({proc.returncode})"}
    result["max_rss"] = usage.ru_maxrss * 1024
    return result


def project_with(app_text: str | None, doc_body: str | None) -> str:
    """Write a one-app project (real legend, templates and static files) and return its folder."""
    import shutil

    from conftest import LEVEL2_ARTICLE, LEVEL2_INDEX, POLICY_DOC, VALID_APP

    root = Path(tempfile.mkdtemp(prefix="hostile-bench-"))
    (root / "content/apps").mkdir(parents=True)
    for name in ("methods.yaml", "factors.yaml", "site.yaml"):
        shutil.copy(REPO / "content" / name, root / "content" / name)
    shutil.copytree(REPO / "templates", root / "templates")
    shutil.copytree(REPO / "static", root / "static")
    (root / "content/apps/bench_app.yaml").write_text(app_text or VALID_APP, encoding="utf-8")
    (root / "content/docs/level2").mkdir(parents=True)
    (root / "content/docs/level2/index.md").write_text(LEVEL2_INDEX, encoding="utf-8")
    (root / "content/docs/level2/software-raid-5.md").write_text(LEVEL2_ARTICLE, encoding="utf-8")
    policy = POLICY_DOC if doc_body is None else "---\ntitle: Policy\nsummary: x\nlegend: true\n---\n" + doc_body
    (root / "content/docs/policy.md").write_text(policy, encoding="utf-8")
    return str(root)


def huge_file_project() -> str:
    """Return a project holding a 1 GiB app file that takes no disk space."""
    root = project_with(None, None)
    with open(Path(root, "content/apps/huge_app.yaml"), "wb") as handle:
        handle.write(b"name: Huge\n")
        handle.truncate(2**30)
    return root


def build_cases() -> dict[str, tuple[str, str]]:
    """Return name -> (command, project folder) for whole-build cases."""
    from conftest import VALID_APP

    def with_description(text: str) -> str:
        body = "".join(f"  {line}\n" for line in text.split("\n"))
        return VALID_APP.replace("description: |\n  A short description with **bold** text.\n", "description: |\n" + body)

    return {
        "build: app whose description is 19999 '['": ("build", project_with(with_description("[" * 19999), None)),
        "build: app whose description is 4999 '[a]('": ("build", project_with(with_description("[a](" * 4999), None)),
        "build: doc body of 29999 '[!['": ("build", project_with(None, "[![" * 9999 + "\n")),
        "build: doc body of 29999 chars of one-row tables": ("build", project_with(None, "a|b\n-|-\n" * 3749 + "\n")),
        "build: alias bomb inside an app file": ("build", project_with(VALID_APP + ALIAS_BOMB.replace("a:", "x-a:", 1), None)),
        "build: 20000-level flow nesting inside an app file": ("build", project_with(VALID_APP + "x: " + "[" * 20000 + "\n", None)),
        "build: app file of 12000 unknown keys (12000 problems)": ("build", project_with(
            VALID_APP + "".join(f"k{i:05d}: v\n" for i in range(12000)), None)),
        "check: a 1 GiB app file (sparse; only 128 KiB + 1 byte is read)": ("check", huge_file_project()),
        "check: the real content/ (76 apps)": ("check", str(REPO)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="", help="run only cases whose name contains this text")
    parser.add_argument("--list", action="store_true", help="list the case names and stop")
    args = parser.parse_args()
    plan = [(name, "yaml", text) for name, text in yaml_cases().items()]
    plan += [(name, "markdown", text) for name, text in markdown_cases().items()]
    plan += [(name, command, folder) for name, (command, folder) in build_cases().items()]
    plan = [case for case in plan if args.only in case[0]]
    if args.list:
        print("\n".join(name for name, _, _ in plan))
        return
    print(f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs\n")
    print("| case | input | seconds | traced peak | max RSS | outcome |")
    print("|---|---:|---:|---:|---:|---|")
    for name, kind, payload in plan:
        size = len(payload.encode()) if kind in ("yaml", "markdown") else sum(
            p.stat().st_size for p in Path(payload, "content").rglob("*") if p.is_file() and p.suffix in (".yaml", ".md"))
        r = measure(kind, payload)
        print(f"| {name} | {size:,} B | {r['seconds']:.3f} | {r['traced'] / 2**20:.1f} MiB | {r['max_rss'] / 2**20:.0f} MiB | "
              f"{r['outcome'].replace('|', '/')} |", flush=True)


if __name__ == "__main__":
    main()
