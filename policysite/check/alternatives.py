"""An unavailable method's alternative may only send readers to a method the app offers, today and on every
date a scheduled change takes effect.

The alternative is free text, so a method counts as named when its id, title or short title (from
content/methods.yaml, the legend) appears in it as whole words, in any case.
"""

from __future__ import annotations

import datetime
import re
from functools import lru_cache

from policysite.check.schedule import change_date, merged, without_change
from policysite.check.schema import Located, dotted
from policysite.problems import Problem

HINT = "name a method the app offers, or say where else to get help"


def legend_names(methods) -> tuple[tuple[str, str, str], ...]:
    """Return (id, title, short title) of each legend method, given Method objects or the legend's mappings."""
    def field(m, key):
        return m[key] if isinstance(m, dict) else getattr(m, key)
    return tuple((field(m, "id"), field(m, "title"), field(m, "short_title")) for m in methods)


@lru_cache(maxsize=None)
def _patterns(legend: tuple[tuple[str, str, str], ...]) -> tuple[tuple[str, str, re.Pattern], ...]:
    """Return (id, title, pattern) per method: the pattern finds any of its names as whole words, in any case."""
    out = []
    for method_id, title, short_title in legend:
        names = sorted({method_id, title, short_title}, key=lambda n: (-len(n), n))
        words = "|".join(r"\s+".join(map(re.escape, name.split())) for name in names)
        out.append((method_id, title, re.compile(rf"(?<!\w)(?:{words})(?!\w)", re.IGNORECASE)))
    return tuple(out)


def named_methods(text: str, legend: tuple[tuple[str, str, str], ...]) -> list[tuple[str, str]]:
    """Return (id, title) of every method the text names, in legend order."""
    return [(method_id, title) for method_id, title, pattern in _patterns(legend) if pattern.search(text)]


def state_on(entry: dict, path: tuple, day: datetime.date) -> tuple[dict, tuple]:
    """Return a method entry as it stands on day, and the path of the alternative it shows then."""
    change = entry.get("change")
    due = change_date(change) if isinstance(change, dict) else None
    if due is None or due > day:
        return without_change(entry), path + ("alternative",)
    return merged(entry), path + (("change", "alternative") if "alternative" in change else ("alternative",))


def check_alternatives(located: Located, src_path: str, today: datetime.date, legend: tuple) -> list[Problem]:
    """Refuse an alternative that names a method this app does not offer, today or once a scheduled change applies."""
    support = located.data.get("support") if isinstance(located.data, dict) else None
    if not isinstance(support, dict) or not legend:
        return []
    sound = {m: e for m, e in support.items() if isinstance(e, dict) and located.is_sound(("support", m))}
    days = [today] + sorted({d for e in sound.values() if (d := change_date(e.get("change"))) and d > today})
    found: dict[tuple, Problem] = {}
    for day in days:
        states = {m: state_on(e, ("support", m), day) for m, e in sound.items()}
        for method_id, (state, path) in states.items():
            text = state.get("alternative")
            if state.get("available") is not False or not isinstance(text, str):
                continue
            for named_id, title in named_methods(text, legend):
                offered = states[named_id][0].get("available") if named_id in states else None
                if (path, named_id) in found or (offered is not False and named_id != method_id):
                    continue   # offered, or unknown (the schema has a word about that method)
                found[(path, named_id)] = Problem(src_path, *located.pos(path), _message(path, title, named_id == method_id, day, today))
    return list(found.values())


def _message(path: tuple, title: str, itself: bool, day: datetime.date, today: datetime.date) -> str:
    """Word the problem of an alternative that points to a method not offered."""
    if itself:
        return f"{dotted(path)}: points to {title}, the method it stands in for; {HINT}"
    when = "" if day == today else f" from {day}"
    return f"{dotted(path)}: points to {title}, which this app does not offer{when}; {HINT}"
