#!/usr/bin/env python3
"""Time the link rule and the HTML cap (issue 11, item 7): on ordinary content, and on the worst inputs found.

    python3 bench/links.py          # about a minute; prints Markdown tables (bench/HOSTILE.md has a run)

Ordinary content: the example content, and the descriptions and contact addresses of the 10,000 apps
bench/corpus.py generates, rendered the way the code did before item 7 (markdown-it's own link
handling, then nh3) and the way it does now. Worst cases: each timed once, then run again under
tracemalloc for its peak (tracemalloc slows allocation, so that run is never timed).
"""

from __future__ import annotations

import random
import sys
import time
import tracemalloc
from pathlib import Path

import nh3
import yaml
from markdown_it import MarkdownIt

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from corpus import app  # noqa: E402
from policysite.check.addresses import email_problem, url_problem  # noqa: E402
from policysite.content.markup import APP_TAGS, render_app_markdown, render_doc_markdown  # noqa: E402

METHOD_IDS = ["forum_casual", "forum_dedicated", "vendor", "clearcenter_pro", "clearcenter_consulting"]
_BEFORE = MarkdownIt("commonmark", {"html": True, "maxNesting": 12})


def render_before(text: str) -> str:
    """Render a description as the code did before item 7: markdown-it's own link handling, then nh3."""
    return nh3.clean(_BEFORE.render(text), tags=APP_TAGS, attributes={"a": {"href", "title"}, "code": {"class"}, "ol": {"start"}},
                     url_schemes={"http", "https", "mailto"}, link_rel="nofollow ugc noopener noreferrer", strip_comments=True,
                     clean_content_tags={"script", "style", "textarea", "title", "noscript", "iframe", "object", "template"})


def seconds(step, items) -> float:
    """Return the wall time of step over every item."""
    start = time.perf_counter()
    for item in items:
        step(item)
    return time.perf_counter() - start


def ordinary() -> None:
    """Print the cost on the example content and on 10,000 generated apps."""
    rng = random.Random(10000)
    apps = [app(rng, i, METHOD_IDS) for i in range(10000)]
    examples = [yaml.safe_load(p.read_text(encoding="utf-8"))["description"] for p in sorted((REPO / "content/apps").glob("*.yaml"))]
    docs = [p.read_text(encoding="utf-8").split("---\n", 2)[2] for p in sorted((REPO / "content/docs").rglob("*.md"))]
    urls = [m["url"] for a in apps for m in a["support"].values() if "url" in m] + [a["links"]["homepage"] for a in apps]
    emails = [m[k] for a in apps for m in a["support"].values() for k in ("email", "reply_email") if k in m]
    print("| content | before item 7 | now |\n|---|---:|---:|")
    for name, texts, now in (("76 example descriptions", examples, render_app_markdown),
                             ("5 example documentation pages", docs, render_doc_markdown),
                             ("10,000 generated descriptions", [a["description"] for a in apps], render_app_markdown)):
        print(f"| {name} | {seconds(render_before, texts):.3f} s | {seconds(now, texts):.3f} s |")
    print(f"| {len(urls):,} URL fields of the 10,000 apps | - | {seconds(url_problem, urls):.3f} s |")
    print(f"| {len(emails):,} email fields of the 10,000 apps | - | {seconds(email_problem, emails):.3f} s |\n")


def worst_cases() -> dict[str, tuple]:
    """Return name -> (render function, Markdown) for the worst inputs found, each at its length limit."""
    t = "t" * 9900
    return {
        "description: one 9,900-character title used 1,700 times": (render_app_markdown, f'[a]: /x "{t}"\n\n' + "[a][a]" * 1700),
        "description: one 2,000-character href used 3,000 times": (render_app_markdown, "[a]: /" + "&" * 1994 + "\n\n" + "[a][a]" * 3000),
        "description: one titled image used 2,500 times": (render_app_markdown, f'[a]: /x "{t}"\n\n' + "![a]" * 2500),
        "description: 3,300 links of 'rel' the sanitiser adds": (render_app_markdown, "[a](/)" * 3300),
        "description: 950 distinct private-address links": (render_app_markdown, " ".join(f"<http://10.0.{i // 250}.{i % 250}/>" for i in range(950))),
        "description: 640 distinct xn-- host links": (render_app_markdown, " ".join(f"<https://xn--{i:03d}-pla.example/>" for i in range(640))),
        "description: 900 raw <a href> tags": (render_app_markdown, '<a href="/x">y</a>' * 700 + "\n\n" + '<a href="http://10.0.0.1/">z</a>' * 200),
        "description: a host of 1,990 decimal digits": (render_app_markdown, "<http://" + "9" * 1990 + "/>"),
        "page: one 9,900-character title used 3,300 times": (render_doc_markdown, f'[a]: /x "{t}"\n\n' + "[a][a]" * 3300),
        "page: a 100-column table header over 14,000 short rows": (render_doc_markdown, "|" + "a|" * 100 + "\n|" + "-|" * 100 + "\n" + "x\n" * 14_700),
    }


def measure() -> None:
    """Print time, traced peak and outcome of each worst case."""
    print("| case | input | seconds | traced peak | outcome |\n|---|---:|---:|---:|---|")
    for name, (render, text) in worst_cases().items():
        start = time.perf_counter()
        result = render(text)
        elapsed = time.perf_counter() - start
        tracemalloc.start()
        render(text)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        outcome = f"{len(result.refusals)} refusals: {result.refusals[0].message[:60]}" if result.refusals else f"{len(result.html):,} characters of HTML"
        print(f"| {name} | {len(text):,} | {elapsed:.3f} | {peak / 2**20:.1f} MiB | {outcome.replace('|', '/')} |", flush=True)


if __name__ == "__main__":
    print(f"Python {sys.version.split()[0]}\n")
    ordinary()
    measure()
