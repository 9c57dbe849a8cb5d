"""Generate a deterministic corpus of N apps in our real schema, and the same corpus for Hugo.

    python bench/corpus.py 10000 /tmp/corpus-10000

writes <dest>/policysite (a project: content/, templates/, static/) and <dest>/hugo (a Hugo site
with an equivalent template). The same N always gives the same bytes.
"""

from __future__ import annotations

import random
import shutil
import sys
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
WORDS = ("server gateway network proxy mail directory backup storage user group firewall rule report "
         "policy traffic certificate service update module engine filter share client address route "
         "account archive monitor alert console interface schedule quota domain system packet").split()
CATEGORIES = ("Cloud", "Gateway", "Network", "Reports", "Server", "System")
ZONES = ("America/Toronto", "Europe/London", "Asia/Kolkata", "America/Denver", "Europe/Berlin")
TIMES = ("best effort", "4 business hours", "1 business day", "2 days", "8 hours")
LEVELS = ("high", "medium", "low")


def sentence(rng: random.Random, words: int) -> str:
    """Return one made-up sentence of about the given number of words."""
    text = " ".join(rng.choice(WORDS) for _ in range(words))
    return text[0].upper() + text[1:] + "."


def paragraph(rng: random.Random) -> str:
    """Return a Markdown paragraph with a little emphasis and sometimes a link or a list."""
    parts = [sentence(rng, rng.randint(8, 18)) for _ in range(rng.randint(3, 6))]
    parts[0] = parts[0].replace(" ", " **", 1).replace(" ", "** ", 2).replace("** ", " ", 1)
    text = " ".join(parts)
    roll = rng.random()
    if roll < 0.3:
        text += f" See [the guide](https://docs.example.org/{rng.choice(WORDS)}/)."
    elif roll < 0.5:
        text += "\n\n" + "\n".join(f"- {sentence(rng, 5)}" for _ in range(3))
    return text


def method(rng: random.Random, available: bool, method_id: str) -> dict:
    """Return one method's entry: contact details if available, a reason if not."""
    if not available:
        return {"available": False, "reason": sentence(rng, 9), "alternative": sentence(rng, 7)}
    # ClearCenter Professional Support opens tickets only in its portal; its address takes replies only.
    email_field = "reply_email" if method_id == "clearcenter_pro" else "email"
    return {
        "available": True, "url": f"https://support.example.org/{method_id}/{rng.randint(1, 999)}",
        email_field: f"{method_id}@support.example.org", "hours": "Monday to Friday, 09:00 to 17:00",
        "timezone": rng.choice(ZONES), "response_time": rng.choice(TIMES), "scope": sentence(rng, 12),
    }


def app(rng: random.Random, i: int, method_ids: list[str]) -> dict:
    """Return one generated app as data in our schema."""
    return {
        "name": f"App {i:05d} {rng.choice(WORDS).title()}",
        "vendor": rng.choice(("ClearFoundation", "ClearCenter", "WikiSuite", f"Vendor {i % 97}")),
        "category": rng.choice(CATEGORIES), "subcategory": rng.choice(WORDS).title(), "license": "GPLv3",
        "summary": sentence(rng, 12),
        "description": "\n\n".join(paragraph(rng) for _ in range(rng.randint(3, 6))) + "\n",
        "links": {"homepage": f"https://app{i}.example.org/"},
        "support": {m: method(rng, rng.random() < 0.6, m) for m in method_ids},
        "factors": {f: {"level": rng.choice(LEVELS), "note": sentence(rng, 10)} for f in ("knowledge", "stability", "vendor_relationship")},
        "level2": {"covered": rng.random() < 0.5},
        "reviewed": f"2026-{rng.randint(1, 10):02d}-{rng.randint(1, 28):02d}",
    }


def dump(data: dict, generated: bool) -> str:
    """Return data as yaml.safe_dump writes it; for generated apps libyaml's emitter, which is 8x faster.

    libyaml and PyYAML's emitter agree on every generated app (tests/test_bench_corpus.py) but not on
    all example files (one long quoted description folds differently), so the corpora keep their bytes.
    """
    if generated and yaml.__with_libyaml__:
        return yaml.dump(data, Dumper=yaml.CSafeDumper, sort_keys=False, width=100)
    return yaml.safe_dump(data, sort_keys=False, width=100)


def write_policysite(dest: Path, apps: list[tuple[str, dict, bool]]) -> None:
    """Write a policysite project: the repo's legend, docs, templates and static files, and the apps."""
    if dest.exists():
        shutil.rmtree(dest)
    shutil.copytree(REPO / "content", dest / "content", ignore=shutil.ignore_patterns("apps"))
    for name in ("templates", "static"):
        shutil.copytree(REPO / name, dest / name)
    (dest / "content/apps").mkdir()
    for basename, data, generated in apps:
        text = "# yaml-language-server: $schema=../../schema/app.schema.json\n" + dump(data, generated)
        (dest / f"content/apps/{basename}.yaml").write_text(text)


def write_hugo(dest: Path, apps: list[tuple[str, dict, bool]], methods: list[dict]) -> None:
    """Write a Hugo site with the same apps as Markdown pages and an equivalent template."""
    if dest.exists():
        shutil.rmtree(dest)
    shutil.copytree(Path(__file__).resolve().parent / "hugo", dest)
    (dest / "data").mkdir()
    (dest / "data/methods.yaml").write_text(yaml.safe_dump(methods, sort_keys=False))
    (dest / "content/apps").mkdir(parents=True)
    for basename, data, generated in apps:
        (dest / f"content/apps/{basename}.md").write_text("---\n" + dump(front_matter(data), generated) + "---\n" + data["description"])


def front_matter(data: dict) -> dict:
    """Return an app's Hugo front matter: every field but the description (the page's body), and a title."""
    front = {k: v for k, v in data.items() if k != "description"}
    front["title"] = data["name"]
    return front


def corpus_apps(n: int) -> tuple[list[dict], list[tuple[str, dict, bool]]]:
    """Return the legend's methods and n apps as (basename, data, generated?): the example apps, then generated ones up to n."""
    methods = yaml.safe_load((REPO / "content/methods.yaml").read_text())["methods"]
    rng = random.Random(20261126)
    examples = [(p.stem, yaml.safe_load(p.read_text()), False) for p in sorted((REPO / "content/apps").glob("*.yaml"))]
    for _, data, _ in examples:
        data["reviewed"] = str(data["reviewed"])
    return methods, examples + [(f"app_{i:05d}", app(rng, i, [m["id"] for m in methods]), True) for i in range(n - len(examples))]


def generate(n: int, dest: Path) -> None:
    """Write both corpora for n apps under dest."""
    methods, apps = corpus_apps(n)
    write_policysite(dest / "policysite", apps)
    write_hugo(dest / "hugo", apps, methods)


if __name__ == "__main__":
    generate(int(sys.argv[1]), Path(sys.argv[2]))
