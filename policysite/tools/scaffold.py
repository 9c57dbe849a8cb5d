"""`build.py new <basename>`: write an app file to fill in, with every method and factor listed.

Method and factor ids and titles come from content/methods.yaml and
content/factors.yaml, so the scaffold never repeats the legend. Whatever needs a
human (the text, the category, each factor's level, the review date) is left as a
placeholder saying what to write (policysite/check/unfinished.py), which `check` refuses
until it is replaced: the file never guesses a choice.
"""

from __future__ import annotations

from pathlib import Path

from policysite.check.unfinished import placeholder_text
from policysite.content.history import parse_app
from policysite.problems import ContentError
from policysite.sources.read import BASENAME_RE, read_capped, read_yaml

MAX_BASENAME = 64


class ScaffoldError(Exception):
    """The file cannot be written; the message says why, for the command line."""


def one_line(text: str) -> str:
    """Collapse text to one line, for a YAML comment."""
    return " ".join(str(text).split())


def read_titles(root: Path) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """Return (method id, title) and (factor id, title) pairs from the legend files, or raise ContentError."""
    from policysite.check.inputs import check_yaml  # imports the schema checks, needed only when writing a file

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


def render_scaffold(basename: str, name: str, methods, factors) -> str:
    """Return the text of a new app file: what needs a human (text, category, levels, review date) is a placeholder."""
    lines = [
        "# yaml-language-server: $schema=../../schema/app.schema.json",
        f"# Support policy for the ClearOS app '{basename}', written by `build.py new`.",
        "# Replace every TODO, then run `python build.py check`; it refuses the file while one is left.",
        "# CONTRIBUTING.md explains every field.",
        f"name: {name}",
        f"vendor: {placeholder_text(('vendor',))}",
        f"category: {placeholder_text(('category',))}",
        f"license: {placeholder_text(('license',))}",
        f"summary: {placeholder_text(('summary',))}",
        "description: |",
        f"  {placeholder_text(('description',))}",
        "support:",
        "  # Every method is listed, available: true or false.",
        "  # An available method may give url, email, hours with timezone, response_time",
        "  # ('best effort', '4 business hours', '2 days') and scope. A method whose tickets open only in a",
        "  # portal gives that portal as url, and reply_email (for replies to an open ticket) in place of email.",
        "  # An unavailable method needs a reason and may give an alternative.",
    ]
    for method_id, title in methods:
        lines += [f"  {method_id}:  # {title}", "    available: false",
                  f"    reason: {placeholder_text(('support', method_id, 'reason'))}"]
    lines += ["factors:", "  # Rate each factor, with one sentence saying why."]
    for factor_id, title in factors:
        lines += [f"  {factor_id}:  # {title}", f"    level: {placeholder_text(('factors', factor_id, 'level'))}",
                  f"    note: {placeholder_text(('factors', factor_id, 'note'))}"]
    lines += [
        "level2:",
        "  covered: false  # true if ClearCARE Level II support covers this app",
        f"reviewed: {placeholder_text(('reviewed',))}",
    ]
    return "\n".join(lines) + "\n"


def write_new_app(root: Path, basename: str) -> str:
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
    if " ".join(name.casefold().split()) in app_names(root):   # another app has this name already
        name = f"{placeholder_text(('name',))}  # another app is called {name}"
    text = render_scaffold(basename, name, methods, factors)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with open(path, "x", encoding="utf-8") as handle:   # 'x': never overwrite, even in a race
            handle.write(text)
    except FileExistsError:
        raise ScaffoldError(f"{src_path} already exists; edit it, or choose another basename") from None
    return src_path
