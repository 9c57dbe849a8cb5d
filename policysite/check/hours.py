"""Support hours: the one format app files write them in, and the same hours in UTC as of the build date.

The format (schema/app.schema.json holds HOURS_PATTERN, a test keeps the two equal):
    Every day, around the clock
    <days>, <HH:MM> to <HH:MM>[; <days>, <HH:MM> to <HH:MM>]...
where <days> is 'Every day', one day ('Saturday') or a run of days ('Monday to Friday', 'Sunday to
Thursday'), times are on the 24-hour clock and '24:00' may end a day. An end at or before the start
runs into the next day ('22:00 to 06:00'). Only 'Every day, around the clock' needs no time zone.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, replace
from functools import lru_cache

from policysite.check import zones
from policysite.model import App, Clock, Policy

DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
AROUND_THE_CLOCK = "Every day, around the clock"
_DAY = "(" + "|".join(DAYS) + ")"
_TIME = "([01][0-9]|2[0-3]):[0-5][0-9]"
_PART = f"(Every day|{_DAY}( to {_DAY})?), {_TIME} to ({_TIME}|24:00)"
HOURS_PATTERN = f"^({AROUND_THE_CLOCK}|{_PART}(; {_PART})*)$(?!\\n)"
PART_RE = re.compile(r"(Every day|(\w+)(?: to (\w+))?), ([0-9]{2}):([0-9]{2}) to ([0-9]{2}):([0-9]{2})\Z")
DAY_MINUTES = 24 * 60
SCAN_DAYS = 366            # how far ahead the next change of offset is looked for


@dataclass(frozen=True)
class Part:
    """One run of days with the same hours; days None means every day; minutes from local midnight, end > start."""

    first: int | None
    last: int | None
    start: int
    end: int


def is_around_the_clock(hours) -> bool:
    """Return True for hours that are the same in every time zone."""
    return hours == AROUND_THE_CLOCK


def read_hours(hours: str) -> tuple[Part, ...]:
    """Read hours that match HOURS_PATTERN into parts; raise ValueError saying what cannot be meant."""
    if is_around_the_clock(hours):
        return ()
    parts = []
    for text in hours.split("; "):
        m = PART_RE.match(text)
        if m is None:
            raise ValueError(f"cannot read {text!r}; write days and times as 'Monday to Friday, 09:00 to 17:00'")
        days, first, last, *clock = m.groups()
        start, end = int(clock[0]) * 60 + int(clock[1]), int(clock[2]) * 60 + int(clock[3])
        if first and last == first:
            raise ValueError(f"'{days}' is one day; write '{first}'")
        if end == start:
            raise ValueError(f"'{text.split(', ', 1)[1]}' lasts no time; for a whole day write '00:00 to 24:00'")
        first_i = DAYS.index(first) if first else None
        last_i = DAYS.index(last) if last else first_i
        parts.append(Part(first_i, last_i, start, end if end > start else end + DAY_MINUTES))
    return tuple(parts)


def needs_timezone(hours) -> bool:
    """Return True if hours only make sense with a time zone."""
    return isinstance(hours, str) and not is_around_the_clock(hours)


def render_days(first: int | None, last: int | None) -> str:
    """Write a run of days as the format does."""
    if first is None:
        return "Every day"
    return DAYS[first] if first == last else f"{DAYS[first]} to {DAYS[last]}"


def render_time(minutes: int) -> str:
    """Write minutes from midnight as HH:MM."""
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def render_utc(parts: tuple[Part, ...], offset: int) -> str:
    """Write the parts in UTC for a zone offset minutes ahead of UTC, shifting days where the start does."""
    out = []
    for part in parts:
        shift, start = divmod(part.start - offset, DAY_MINUTES)
        end = part.end - offset - shift * DAY_MINUTES
        days = render_days(*(None if d is None else (d + shift) % 7 for d in (part.first, part.last)))
        if end < DAY_MINUTES:
            until = render_time(end)
        elif end == DAY_MINUTES:
            until = "24:00" if start == 0 else "00:00"   # '00:00 to 00:00' would read as no time
        else:
            until = f"{render_time(end - DAY_MINUTES)} (next day)"
        out.append(f"{days}, {render_time(start)} to {until}")
    return "; ".join(out) + " UTC"


def clock_for(hours, timezone, today: datetime.date) -> Clock | None:
    """Return the hours' zone offset and UTC form as of the build date, or None where they have none."""
    if not needs_timezone(hours) or timezone not in zones.canonical_zones():
        return None
    offset, change_on, change_offset, daylight_saving = offsets(timezone, today)
    return Clock(offset, render_utc(read_hours(hours), offset), change_on, change_offset, daylight_saving)


def with_clocks(app: App, today: datetime.date) -> App:
    """Return the app with the clock of every method's hours, now and as announced, as of the build date."""
    def timed(policy: Policy) -> Policy:
        """Return the policy with its clock."""
        return replace(policy, clock=clock_for(policy.hours, policy.timezone, today))
    return replace(app, policies=tuple(timed(p) for p in app.policies),
                   announced=tuple(replace(a, policy=timed(a.policy)) for a in app.announced))


def _minutes(zone, moment: datetime.datetime) -> int:
    """Return the zone's offset from UTC at a moment, in minutes."""
    return int(moment.astimezone(zone).utcoffset().total_seconds() // 60)   # zone.utcoffset(m) would read m as local time


@lru_cache(maxsize=None)
def offsets(timezone: str, today: datetime.date) -> tuple[int, datetime.date | None, int | None, bool]:
    """Return the zone's offset at noon UTC on the build date, the local date and offset of its next change within
    a year (or None), and whether it keeps daylight saving time in that year."""
    zone = zones.zone(timezone)
    noon = datetime.datetime.combine(today, datetime.time(12), datetime.timezone.utc)
    samples = [noon + datetime.timedelta(days=i) for i in range(SCAN_DAYS + 1)]
    daylight_saving = any(s.astimezone(zone).dst() for s in samples)
    now = _minutes(zone, noon)
    for before, after in zip(samples, samples[1:]):
        if _minutes(zone, after) != now:
            while after - before > datetime.timedelta(minutes=1):   # bisect to the minute the offset changes
                middle = before + (after - before) / 2
                before, after = (middle, after) if _minutes(zone, middle) == now else (before, middle)
            new = _minutes(zone, after)
            return now, (after + datetime.timedelta(minutes=new)).date(), new, daylight_saving
    return now, None, None, daylight_saving


_LOOSE_ALWAYS = {"24/7", "24x7", "24 x 7", "24 hours", "around the clock", "every day, 24 hours", "always"}
_LOOSE_RANGE = re.compile(r"\s*(?:-|\u2013|\u2014|\b(?:to|through|thru|until|till)\b)\s*")
_LOOSE_PART = re.compile(r"(?P<days>[a-z ]+?)[,:]?\s+(?P<start>[0-9.:]+\s*(?:am|pm)?|noon|midnight) to "
                         r"(?P<end>[0-9.:]+\s*(?:am|pm)?|noon|midnight)")
_LOOSE_TIME = re.compile(r"([0-9]{1,2})(?:[:.]?([0-9]{2}))?\s*(am|pm)?")
_EVERY_DAY = {"every day", "daily", "7 days", "all week"}


def suggest_hours(text: str) -> str | None:
    """Return hours written loosely ('Mon-Fri 9am-5pm') in the format, or None if they cannot be read so."""
    loose = " ".join(text.lower().split())
    if loose in _LOOSE_ALWAYS or len(loose) > 200:
        return AROUND_THE_CLOCK if loose in _LOOSE_ALWAYS else None
    parts = []
    for piece in re.split(r"\s*;\s*", _LOOSE_RANGE.sub(" to ", loose)):
        m = _LOOSE_PART.fullmatch(piece)
        days = _loose_days(m["days"]) if m else None
        start, end = (_loose_time(m["start"]), _loose_time(m["end"])) if m else (None, None)
        if days is None or start is None or end is None or "00:00" < end <= start:
            return None   # '9-5' is more likely 09:00 to 17:00 than a night: no guess
        parts.append(f"{days}, {start} to {end}")
    fixed = "; ".join(parts)
    return fixed if fixed != text and re.fullmatch(HOURS_PATTERN, fixed) else None


def _loose_days(text: str) -> str | None:
    """Return 'Every day', a day or a run of days for loosely written days, or None."""
    if text.strip() in _EVERY_DAY:
        return "Every day"
    names = [next((d for d in DAYS if len(w) >= 3 and d.lower().startswith(w)), None) for w in text.split(" to ")]
    if None in names or len(names) > 2:
        return None
    return " to ".join(names)


def _loose_time(text: str) -> str | None:
    """Return HH:MM for a loosely written time ('9', '9am', '9.30', '0900', 'noon'), or None."""
    if text in ("noon", "midnight"):
        return "12:00" if text == "noon" else "00:00"
    m = _LOOSE_TIME.fullmatch(text)
    if not m:
        return None
    hour, minute = int(m[1]), int(m[2] or 0)
    if m[3]:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if m[3] == "pm" else 0)
    return f"{hour:02d}:{minute:02d}" if hour < 24 and minute < 60 else "24:00" if (hour, minute) == (24, 0) else None
