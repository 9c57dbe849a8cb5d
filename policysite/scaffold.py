"""`build.py new <basename>`: write a valid app file to fill in, with every method and factor listed.

Method and factor ids and titles come from content/methods.yaml and
content/factors.yaml, so the scaffold never repeats the legend. Text to write is
left as TODO, which `check` reports as a warning (an error with --strict).
"""

from __future__ import annotations

import datetime
from pathlib import Path

from .check import load_schema
from .history import parse_app
from .problems import ContentError
from .read import BASENAME_RE, read_capped, read_yaml

MAX_BASENAME = 64


class ScaffoldError(Exception):
    """The file cannot be written; the message says why, for the command line."""


def one_line(text: str) -> str:
    """Collapse text to one line, for a YAML comment."""
    return " ".join(str(text).split())


def read_titles(root: Path) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """Return (method id, title) and (factor id, title) pairs from the legend files, or raise ContentError."""
    from .pipeline import check_yaml   # the pipeline imports the modules this one uses

    problems = []
    found = {}
    for name, pointer in (("methods", "methods"), ("factors", "factors")):
        file = read_yaml(root, root / "content" / f"{name}.yaml", problems)
        found[name] = check_yaml(file, "config.schema.json", pointer, problems)
    if problems or not all(found.values()):
        raise ContentError(problems)
    pairs = lambda items: [(i["id"], one_line(i["title"])) for i in items]
    return pairs(found["methods"].data["methods"]), pairs(found["factors"].data["factors"])


def app_names(root: Path) -> set[str]:
    """Return the names of the apps already in content/apps/, folded for comparison."""
    names = set()
    for path in sorted((root / "content" / "apps").glob("*.yaml")):
        raw = read_capped(path, f"content/apps/{path.name}", [])   # never through a link, never a FIFO
        data = parse_app(raw, path.name) if raw is not None else None
        if data and isinstance(data.get("name"), str):
            names.add(" ".join(data["name"].casefold().split()))
    return names


def render_scaffold(basename: str, name: str, methods, factors, today: datetime.date) -> str:
    """Return the text of a new app file."""
    schema = load_schema("app.schema.json")
    categories = schema["properties"]["category"]["enum"]
    levels = schema["$defs"]["factor"]["properties"]["level"]["enum"]
    level = "medium" if "medium" in levels else levels[0]
    lines = [
        "# yaml-language-server: $schema=../../schema/app.schema.json",
        f"# Support policy for the ClearOS app '{basename}', written by `build.py new`.",
        "# Replace every TODO, then run `python build.py check`. CONTRIBUTING.md explains every field.",
        f"name: {name}",
        "vendor: TODO who develops the app",
        f"category: {categories[0]}  # one of {', '.join(categories)}",
        "license: TODO the app's licence, such as GPLv3",
        "summary: TODO one line saying what the app does",
        "description: |",
        "  TODO a few paragraphs of Markdown about the app.",
        "support:",
        "  # Every method is listed, available: true or false.",
        "  # An available method may give url, email, hours with timezone, response_time",
        "  # ('best effort', '4 business hours', '2 days') and scope. A method whose tickets open only in a",
        "  # portal gives that portal as url, and reply_email (for replies to an open ticket) in place of email.",
        "  # An unavailable method needs a reason and may give an alternative.",
    ]
    for method_id, title in methods:
        lines += [f"  {method_id}:  # {title}", "    available: false",
                  "    reason: TODO why this is not offered (or set available to true and say how to reach it)"]
    lines += ["factors:", f"  # Rate each factor {', '.join(levels)}, with one sentence saying why."]
    for factor_id, title in factors:
        lines += [f"  {factor_id}:  # {title}", f"    level: {level}", "    note: TODO one sentence explaining the rating"]
    lines += [
        "level2:",
        "  covered: false  # true if ClearCARE Level II support covers this app",
        f"reviewed: {today.isoformat()}  # the day the policy was last confirmed",
    ]
    return "\n".join(lines) + "\n"


def write_new_app(root: Path, basename: str, today: datetime.date) -> str:
    """Write content/apps/<basename>.yaml and return its src_path; refuse a bad or taken basename."""
    if len(basename) > MAX_BASENAME or not BASENAME_RE.match(basename):
        raise ScaffoldError(f"{basename!r} is not a ClearOS basename; use lower-case letters, digits and single "
                            "underscores, such as 'web_proxy'")
    src_path = f"content/apps/{basename}.yaml"
    path = root / src_path
    for folder in ("content", "content/apps"):
        if (root / folder).is_symlink():   # the new file would land wherever the link points
            raise ScaffoldError(f"{folder} is a symbolic link; a checkout keeps its content in real folders")
    if path.exists() or path.is_symlink():
        raise ScaffoldError(f"{src_path} already exists; edit it, or choose another basename")
    methods, factors = read_titles(root)
    name = " ".join(part.capitalize() for part in basename.split("_"))
    if " ".join(name.casefold().split()) in app_names(root):
        name = f"TODO {name}"  # another app has this name already; the TODO warning says so
    text = render_scaffold(basename, name, methods, factors, today)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with open(path, "x", encoding="utf-8") as handle:   # 'x': never overwrite, even in a race
            handle.write(text)
    except FileExistsError:
        raise ScaffoldError(f"{src_path} already exists; edit it, or choose another basename") from None
    return src_path
