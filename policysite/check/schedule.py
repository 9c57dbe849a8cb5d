"""Scheduled changes: a method's `change` block, announced before its date and applied from it.

Works on app data as plain dicts, so the build, the history and the diff all
apply a change the same way. Data from old commits may not be valid, so every
function here tolerates odd shapes.
"""

from __future__ import annotations

import datetime

from policysite.model import CONTACT_FIELDS

REASON_FIELDS = ("reason", "alternative")


def change_date(change) -> datetime.date | None:
    """Return the date a change takes effect, or None if it has no readable date."""
    try:
        return datetime.date.fromisoformat(change["from"])
    except (KeyError, TypeError, ValueError):
        return None


def without_change(entry: dict) -> dict:
    """Return the method entry as it stands today, leaving out its change."""
    return {k: v for k, v in entry.items() if k != "change"}


def merged(entry: dict) -> dict:
    """Return the method entry as it will be once its change applies (without the change)."""
    change = entry.get("change")
    base = without_change(entry)
    if not isinstance(change, dict):
        return base
    result = {**base, **{k: v for k, v in change.items() if k != "from"}}
    # A method that stops being offered loses its contact details; one that starts loses its reason.
    available = result.get("available")
    dropped = CONTACT_FIELDS if available is False else REASON_FIELDS if available is True else ()
    for key in dropped:
        if key in base and key not in change:
            del result[key]
    return result


def is_due(entry, today: datetime.date) -> bool:
    """Return True if the entry carries a change whose date has come."""
    day = change_date(entry.get("change")) if isinstance(entry, dict) else None
    return day is not None and day <= today


def apply_due(data: dict, today: datetime.date) -> dict:
    """Return app data with every change dated today or earlier applied; later ones stay pending."""
    support = data.get("support") if isinstance(data, dict) else None
    if not isinstance(support, dict):
        return data
    return {**data, "support": {m: merged(e) if is_due(e, today) else e for m, e in support.items()}}


def pending(data: dict, today: datetime.date) -> list[tuple[str, datetime.date, dict, dict]]:
    """List (method id, date, entry now, entry from then) for every change still to come."""
    support = data.get("support") if isinstance(data, dict) else None
    out = []
    for method_id, entry in (support.items() if isinstance(support, dict) else ()):
        day = change_date(entry.get("change")) if isinstance(entry, dict) else None
        if day is not None and day > today:
            out.append((method_id, day, without_change(entry), merged(entry)))
    return out


def change_dates(data: dict) -> set[datetime.date]:
    """Return every date on which one of the app's changes takes effect."""
    support = data.get("support") if isinstance(data, dict) else None
    days = (change_date(e.get("change")) for e in (support.values() if isinstance(support, dict) else ()) if isinstance(e, dict))
    return {d for d in days if d is not None}
