"""The policy diff for review: what changed between a git revision and the working tree, in words.

Plain text for a terminal, Markdown for a pull-request comment. In Markdown every
value taken from an app file is a code span, so a hostile file cannot add links,
mentions or HTML to the comment.
"""

from __future__ import annotations

import datetime

from policysite.check.schedule import apply_due
from policysite.content.compare import (
    MARKDOWN,
    PLAIN,
    Names,
    Style,
    app_changes,
    availability_summary,
    code_span,
    sentence_case,
)


def basename_of(src_path: str) -> str:
    """Return 'web_proxy' for 'content/apps/web_proxy.yaml'."""
    return src_path.rsplit("/", 1)[-1].removesuffix(".yaml")


def app_name(data) -> str:
    """Return the app's name from its data, or '' where it has none."""
    name = data.get("name") if isinstance(data, dict) else None
    return " ".join(name.split()) if isinstance(name, str) else ""


def review_items(old: dict, new: dict, names: Names, today: datetime.date, style: Style) -> list[tuple[str, str, list[str]]]:
    """List (basename, kind, sentences) for every app that differs; kind is 'changed', 'new' or 'removed'."""
    items = []
    for src_path in sorted(set(old) | set(new), key=lambda path: (basename_of(path), path)):
        before, after = old.get(src_path), new.get(src_path)
        basename = basename_of(src_path)
        if isinstance(after, dict) and not isinstance(before, dict):
            note = [] if src_path not in old else ["the file could not be read at the earlier revision"]
            items.append((basename, "new", note + [availability_summary(apply_due(after, today), names, style)]))
        elif isinstance(before, dict) and after is None and src_path not in new:
            items.append((basename, "removed", []))
        elif isinstance(before, dict) and isinstance(after, dict):
            sentences = app_changes(apply_due(before, today), apply_due(after, today), names, style)
            if sentences:
                items.append((basename, "changed", sentences))
    return items


def render_text(old: dict, new: dict, names: Names, today: datetime.date, ref: str) -> str:
    """Return one line per change: 'web_proxy: <what changed>'."""
    lines = []
    for basename, kind, sentences in review_items(old, new, names, today, PLAIN):
        src_path = f"content/apps/{basename}.yaml"
        if kind == "new":
            lines.append(f"new app: {basename} ({app_name(new[src_path])}); " + "; ".join(sentences))
        elif kind == "removed":
            lines.append(f"removed app: {basename} ({app_name(old[src_path])})")
        else:
            lines += [f"{basename}: {s}" for s in sentences]
    return "\n".join(lines or [f"no policy changes since {ref}"]) + "\n"


def render_markdown(old: dict, new: dict, names: Names, today: datetime.date, ref: str, commit: str) -> str:
    """Return a pull-request comment body: one section per app, one bullet per change."""
    items = review_items(old, new, names, today, MARKDOWN)
    out = [f"## Support policy changes since {code_span(ref)}", ""]
    if not items:
        return "\n".join(out + ["No policy changes.", ""])
    count = "1 app differs" if len(items) == 1 else f"{len(items)} apps differ"
    out += [f"{count} from {code_span(ref)} ({code_span(commit[:12])}).", ""]
    for basename, kind, sentences in items:
        src_path = f"content/apps/{basename}.yaml"
        name = app_name(new.get(src_path) or old.get(src_path))
        title = {"new": "new app", "removed": "app removed"}.get(kind, code_span(name) if name else "")
        out += [f"### {code_span(basename)}" + (f" — {title}" if title else ""), ""]
        if kind == "new" and name:
            out.append(f"- Name: {code_span(name)}")
        out += [f"- {sentence_case(s)}" for s in sentences] + [""]
    return "\n".join(out)
