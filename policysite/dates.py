"""Today's date for the build, and the calendar arithmetic the freshness rules need.

Anything that depends on "today" (stale reviews, scheduled changes taking effect)
asks today() here, so a build is reproducible: with SOURCE_DATE_EPOCH set (see
reproducible-builds.org), today is that moment's date in UTC.
"""

from __future__ import annotations

import calendar
import datetime
import os
import re

REVIEW_MONTHS = 12
_EPOCH_RE = re.compile(r"^[0-9]+\Z")


class DateSettingError(ValueError):
    """SOURCE_DATE_EPOCH is set but is not a usable time."""


def today(environ=os.environ) -> datetime.date:
    """Return the build's date: SOURCE_DATE_EPOCH's UTC date when set, else the real UTC date."""
    raw = environ.get("SOURCE_DATE_EPOCH")
    if raw is None or raw == "":
        return datetime.datetime.now(datetime.timezone.utc).date()
    if not _EPOCH_RE.fullmatch(raw):
        raise DateSettingError(f"SOURCE_DATE_EPOCH must be a whole number of seconds since 1970-01-01 UTC, got {raw!r}")
    try:
        return datetime.datetime.fromtimestamp(int(raw), datetime.timezone.utc).date()
    except (OverflowError, OSError, ValueError):
        raise DateSettingError(f"SOURCE_DATE_EPOCH is out of range, got {raw!r}") from None


def add_months(day: datetime.date, months: int) -> datetime.date:
    """Return the same day of the month, months later; the 31st becomes the month's last day."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return datetime.date(year, month + 1, min(day.day, last))


def review_due(reviewed: datetime.date) -> datetime.date:
    """Return the last day on which a policy reviewed on that date still counts as fresh."""
    return add_months(reviewed, REVIEW_MONTHS)


def is_stale(reviewed: datetime.date, on: datetime.date) -> bool:
    """Return True if the review is more than REVIEW_MONTHS old on the given day."""
    return on > review_due(reviewed)
