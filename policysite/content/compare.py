"""Say in plain language what changed between two versions of an app's policy. Pure functions.

Both versions are app data as plain dicts, with scheduled changes that are due
already applied (schedule.apply_due). Old versions come from git and may not
be valid, so every lookup here tolerates odd shapes.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Callable

from policysite.check.schedule import REASON_FIELDS, change_date, merged, without_change
from policysite.model import CONTACT_FIELDS

APP_FIELDS = (("name", "name"), ("vendor", "developer"), ("category", "category"),
              ("subcategory", "subcategory"), ("license", "licence"), ("summary", "summary"))
LINK_LABELS = (("homepage", "home page link"), ("documentation", "documentation link"))
FIELD_LABELS = {
    "url": "address", "email": "contact email", "reply_email": "reply email", "hours": "hours", "timezone": "time zone",
    "response_time": "first-reply time", "scope": "scope", "reason": "reason", "alternative": "alternative",
}
MAX_VALUE = 200


@dataclass(frozen=True)
class Names:
    """Titles to speak of methods and factors by, in legend order."""

    methods: tuple[tuple[str, str], ...]
    factors: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Style:
    """How a sentence shows values from a file and our own words (plain text or Markdown)."""

    value: Callable[[str], str]
    text: Callable[[str], str]


def code_span(value: str) -> str:
    """Show text as a Markdown code span: nothing inside is a link, a mention or markup."""
    longest = run = 0
    for ch in value:
        run = run + 1 if ch == "`" else 0
        longest = max(longest, run)
    fence = "`" * (longest + 1)
    pad = " " if value.startswith("`") or value.endswith("`") or not value.strip() else ""
    return f"{fence}{pad}{value}{pad}{fence}"


def markdown_escape(text: str) -> str:
    """Escape the characters that would make our own words Markdown or HTML."""
    return "".join("\\" + ch if ch in "\\`*_[]<>#|~&!" else ch for ch in text)


PLAIN = Style(value=lambda s: s, text=lambda s: s)
MARKDOWN = Style(value=code_span, text=markdown_escape)


def _text(value) -> str | None:
    """Return a value as one line of text for a sentence, or None if absent."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if not isinstance(value, str):
        return "(not valid)"
    text = " ".join(value.split())
    return text if len(text) <= MAX_VALUE else text[:MAX_VALUE - 1] + "…"


def _get(data, *keys):
    """Return data[k1][k2]... or None where any level is missing or not a mapping."""
    for key in keys:
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    return data


def join_words(words: list[str]) -> str:
    """Join words as 'a', 'a and b', 'a, b and c'."""
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def sentence_case(text: str) -> str:
    """Capitalise the first letter only."""
    return text[:1].upper() + text[1:]


def field_sentence(label: str, old, new, style: Style) -> str | None:
    """Describe one field that was added, removed or changed; None if it is the same."""
    a, b = _text(old), _text(new)
    if a == b:
        return None
    if a is None:
        return f"{label} added: {style.value(b)}"
    if b is None:
        return f"{label} removed (was {style.value(a)})"
    return f"{label} changed from {style.value(a)} to {style.value(b)}"


def reason_clause(entry: dict, style: Style) -> str:
    """Return ' (reason: ...; instead: ...)' for an unavailable method, or ''."""
    parts = [f"{word}: {style.value(_text(entry.get(key)).removesuffix('.'))}" for key, word in (("reason", "reason"), ("alternative", "instead"))
             if _text(entry.get(key))]
    return f" ({'; '.join(parts)})" if parts else ""


def announce_sentence(title: str, now: dict, after: dict, day: datetime.date, style: Style, reasons: bool = True) -> str:
    """Describe a scheduled change: 'X ends on 2027-01-31', 'X becomes available on ...'."""
    t = style.text(title)
    if now.get("available") is True and after.get("available") is False:
        return f"{t} ends on {day}" + (reason_clause(after, style) if reasons else "")
    if now.get("available") is not True and after.get("available") is True:
        return f"{t} becomes available on {day}"
    labels = [FIELD_LABELS[k] for k in CONTACT_FIELDS + REASON_FIELDS if _text(now.get(k)) != _text(after.get(k))]
    if not labels:
        return f"{t} changes on {day}"
    return f"{join_words(labels)} for {t} change{'s' if len(labels) == 1 else ''} on {day}"


def availability_sentences(title: str, old: dict, new: dict, style: Style) -> list[str]:
    """Say that a method started or stopped being offered."""
    t = style.text(title)
    was, now = old.get("available"), new.get("available")
    if was is not True and now is True:
        return [f"{t} became available"]
    if was is True and now is False:
        return [f"{t} is no longer available{reason_clause(new, style)}"]
    return []


def detail_sentences(title: str, old: dict, new: dict, style: Style) -> list[str]:
    """Describe changed contact details of an offered method, or changed reasons of a refused one."""
    t = style.text(title)
    was, now = old.get("available"), new.get("available")
    out = []
    if now is True:
        for key in CONTACT_FIELDS:
            out.append(field_sentence(f"{FIELD_LABELS[key]} for {t}", old.get(key) if was is True else None, new.get(key), style))
    if was is False and now is False:
        out.append(field_sentence(f"reason for not offering {t}", old.get("reason"), new.get("reason"), style))
        out.append(field_sentence(f"alternative to {t}", old.get("alternative"), new.get("alternative"), style))
    return [s for s in out if s]


def change_sentences(title: str, old: dict, new: dict, style: Style) -> list[str]:
    """Describe a scheduled change that was announced, revised, withdrawn (or quietly took effect)."""
    a, b = old.get("change"), new.get("change")
    a = a if isinstance(a, dict) and change_date(a) else None
    b = b if isinstance(b, dict) and change_date(b) else None
    if b is not None and b != a:
        word = "announced change revised" if a is not None else "announced"
        return [f"{word}: {announce_sentence(title, without_change(new), merged(new), change_date(b), style)}"]
    if a is not None and b is None and merged(old) != without_change(new):
        return [f"announcement withdrawn: {announce_sentence(title, without_change(old), merged(old), change_date(a), style, reasons=False)}"]
    return []


def app_changes(old: dict, new: dict, names: Names, style: Style = PLAIN) -> list[str]:
    """Describe every difference between two versions of one app: methods that started or stopped
    first, then announced changes, then everything else; each group in legend order."""
    details = [field_sentence(label, _get(old, key), _get(new, key), style) for key, label in APP_FIELDS]
    if _text(_get(old, "description")) != _text(_get(new, "description")):
        details.append("description changed")
    details += [field_sentence(label, _get(old, "links", key), _get(new, "links", key), style) for key, label in LINK_LABELS]
    availability, announcements = [], []
    for method_id, title in names.methods:
        a, b = _get(old, "support", method_id), _get(new, "support", method_id)
        if isinstance(b, dict):
            a = a if isinstance(a, dict) else {}
            availability += availability_sentences(title, a, b, style)
            announcements += change_sentences(title, a, b, style)
            details += detail_sentences(title, a, b, style)
    out = availability + announcements + details
    for factor_id, title in names.factors:
        t = style.text(title)
        out.append(field_sentence(f"{t} rating", _get(old, "factors", factor_id, "level"), _get(new, "factors", factor_id, "level"), style))
        if _text(_get(old, "factors", factor_id, "note")) != _text(_get(new, "factors", factor_id, "note")) and _get(old, "factors", factor_id):
            out.append(f"note on {t} changed to {style.value(_text(_get(new, 'factors', factor_id, 'note')) or '')}")
    out += level2_changes(old, new, style)
    reviewed = _text(_get(new, "reviewed"))
    if reviewed and reviewed != _text(_get(old, "reviewed")):
        out.append(f"marked as reviewed on {style.value(reviewed)}")
    return [s for s in out if s]


def level2_changes(old: dict, new: dict, style: Style) -> list[str]:
    """Describe changes to ClearCARE Level II coverage and linked articles."""
    out = []
    was, now = _get(old, "level2", "covered"), _get(new, "level2", "covered")
    if was is not True and now is True:
        out.append("ClearCARE Level II now covers this app")
    if was is True and now is False:
        out.append("ClearCARE Level II no longer covers this app")
    listed = lambda d: [a for a in (_get(d, "level2", "articles") or []) if isinstance(a, str)] if isinstance(_get(d, "level2", "articles"), list) else []
    before, after = listed(old), listed(new)
    out += [f"Level II article {style.value(a)} linked" for a in after if a not in before]
    out += [f"Level II article {style.value(a)} no longer linked" for a in before if a not in after]
    return out


def availability_summary(data: dict, names: Names, style: Style) -> str:
    """Say which methods an app offers: 'available: A and B; not available: C'."""
    support = _get(data, "support")
    offered = [style.text(t) for m, t in names.methods if _get(support, m, "available") is True]
    refused = [style.text(t) for m, t in names.methods if _get(support, m, "available") is not True]
    parts = ([f"available: {join_words(offered)}"] if offered else []) + ([f"not available: {join_words(refused)}"] if refused else [])
    return "; ".join(parts)
