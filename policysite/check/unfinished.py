"""Placeholders: the TODO marker `build.py new` writes, how `check` finds it, and what to write in its place.

A placeholder is a line of text whose first word is TODO in capitals, standing alone: followed by the end of
the line, white space, a colon, or punctuation that ends the word ('TODO.', 'TODO...'). 'Todo list',
'a to-do list', 'TODO.txt', 'TODO-list', "TODO's" and a TODO inside a sentence are names and prose, not
placeholders. The marker is looked for on every line, so a description written above the line `new` left
still counts as unfinished. Any placeholder is an error: nothing unfinished is published.
"""

from __future__ import annotations

import re
from functools import lru_cache

from policysite.check.schema import Located, dotted, load_schema
from policysite.problems import Problem

MARKER = "TODO"
PLACEHOLDER_RE = re.compile(rf"^\s*{MARKER}(?::|[^\w\s]*(?=\s|$))", re.MULTILINE)
ANY_FIELD = "*"   # in a hint's path: any method, factor, link or list item
FALLBACK = "replace it with what the field needs (CONTRIBUTING.md describes every field)"
# What each field asks for, by its path; no ': ' or ' #' in any, so each can follow TODO in plain YAML.
FIELD_HINTS = {
    ("name",): "write the app's name as the Marketplace shows it",
    ("vendor",): "write who develops the app",
    ("subcategory",): "write the Marketplace subcategory, or remove the line",
    ("license",): "write the app's licence, such as GPLv3",
    ("summary",): "write one line saying what the app does",
    ("description",): "write a few paragraphs of Markdown about the app",
    ("links", ANY_FIELD): "write an http:// or https:// address, or remove the line",
    ("support", ANY_FIELD): "write whether the method is available, then a reason or how to reach it",
    ("factors", ANY_FIELD): "write its level and a note",
    ("factors", ANY_FIELD, "note"): "write one sentence explaining the rating",
    ("level2", "covered"): "write true if ClearCARE Level II covers the app, false if not",
    ("level2", "articles"): "list the ids of the Level II articles about the app, or remove the line",
    ("level2", "articles", ANY_FIELD): "write the id of a Level II article, or remove the item",
    ("reviewed",): "write the review date as YYYY-MM-DD",   # 40 characters with TODO: no length noise in editors
}
# The fields of a method, and of its scheduled change.
METHOD_HINTS = {
    "available": "write true or false",
    "url": "write the address of the forum section or of the page that opens a ticket",
    "email": "write the email address that accepts support requests",
    "reply_email": "write the address that takes replies to an open ticket, or remove the line",
    "hours": "write when requests are answered, such as 'Monday to Friday, 09:00 to 17:00'",
    "timezone": "write the time zone of the hours, such as 'Europe/London'",
    "response_time": "write 'best effort' or a time such as '4 business hours'",
    "scope": "write what this method covers and what it does not",
    "reason": "write why this method is not offered, or make it available and say how to reach it",
    "alternative": "write what to do instead, or remove the line",
}
CHANGE_HINTS = {**METHOD_HINTS, "from": "write the first day the change applies, as YYYY-MM-DD",
                "reason": "write why the method stops being offered"}


def or_list(words: list[str]) -> str:
    """Return 'a, b or c'."""
    return ", ".join(words[:-1]) + f" or {words[-1]}" if len(words) > 1 else "".join(words)


@lru_cache(maxsize=None)
def field_hints() -> dict[tuple, str]:
    """Return what to write for each field, by its path (ANY_FIELD stands for any key or index); choices from the schema."""
    schema = load_schema("app.schema.json")
    categories = or_list(schema["properties"]["category"]["enum"])
    levels = or_list(schema["$defs"]["factor"]["properties"]["level"]["enum"])
    hints = {**FIELD_HINTS, ("category",): f"choose the Marketplace category ({categories})",
             ("factors", ANY_FIELD, "level"): f"rate it {levels}"}
    hints.update({("support", ANY_FIELD, key): hint for key, hint in METHOD_HINTS.items()})
    hints.update({("support", ANY_FIELD, "change", key): hint for key, hint in CHANGE_HINTS.items()})
    return hints


def hint_for(path: tuple) -> str:
    """Return what to write at path, in words starting with a verb."""
    for pattern, hint in field_hints().items():
        if len(pattern) == len(path) and all(p in (ANY_FIELD, part) for p, part in zip(pattern, path)):
            return hint
    return FALLBACK


def placeholder_text(path: tuple) -> str:
    """Return the placeholder `build.py new` writes at path: the marker, then what to write there."""
    return f"{MARKER} {hint_for(path)}"


def is_placeholder(value) -> bool:
    """Say whether value is text with a line that starts with the TODO marker."""
    return isinstance(value, str) and PLACEHOLDER_RE.search(value) is not None


def is_placeholder_at(path: tuple, value) -> bool:
    """Say whether value is a placeholder in a field; a whole file that is one is not an app file at all."""
    return bool(path) and is_placeholder(value)


def placeholder_paths(value, path: tuple = ()):
    """Yield the path of every placeholder in a field of plain data, at any depth, in file order."""
    if isinstance(value, dict):
        for key, child in value.items():
            yield from placeholder_paths(child, path + (key,))
    elif isinstance(value, list):
        for i, child in enumerate(value):
            yield from placeholder_paths(child, path + (i,))
    elif is_placeholder_at(path, value):
        yield path


def check_placeholders(located: Located, src_path: str) -> list[Problem]:
    """Refuse every placeholder left in an app file, saying what to write; mark each so no other rule judges it."""
    paths = list(placeholder_paths(located.data))
    located.invalid.update(paths)
    return [Problem(src_path, *located.pos(path), f"{dotted(path)}: still a {MARKER} placeholder; {hint_for(path)}")
            for path in paths]
