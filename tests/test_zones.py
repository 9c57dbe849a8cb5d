"""Time zones and hours: only canonical Area/Location names, and pages that show the offset and the hours in UTC."""

from __future__ import annotations

import datetime
import json

import pytest
from bs4 import BeautifulSoup
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import REPO, VALID_APP, epoch_of, tree_digest
from policysite.check import hours, zones

TZ_LINE = VALID_APP.splitlines().index("    timezone: Europe/London") + 1
HOURS_LINE = TZ_LINE - 1
EXPECTED = "support.vendor.timezone: expected an Area/Location time zone such as 'Europe/London', got"
PLACE = "write the Area/Location of the place whose clock the hours follow"
SUMMER, WINTER = datetime.date(2026, 7, 15), datetime.date(2026, 12, 15)


def with_vendor(hours_line: str | None, timezone: str | None) -> str:
    """Return the sample app with the vendor's hours and timezone lines replaced (None leaves a line out)."""
    text = VALID_APP.replace("    hours: Monday to Friday, 09:00 to 17:00\n", f"    hours: {hours_line}\n" if hours_line else "")
    return text.replace("    timezone: Europe/London\n", f"    timezone: {timezone}\n" if timezone else "")


def errors(project, capsys, text: str) -> list[str]:
    """Build the sample app written as text; return the problem lines it prints, without the summary."""
    project.app("sample_app", text)
    status, _, err = project.run(capsys=capsys)
    assert status == 1
    return err.splitlines()[:-1]


def hours_text(project, basename: str = "sample_app") -> str:
    """Return the vendor's hours as the app page shows them, in one line."""
    soup = BeautifulSoup((project.out / f"apps/{basename}/index.html").read_text(encoding="utf-8"), "html.parser")
    return " ".join(soup.select_one("#detail-vendor dd.hours").get_text(" ").split())


def vendor_json(project) -> dict:
    """Return the vendor method of the sample app's own JSON file."""
    document = json.loads((project.out / "api/v1/apps/sample_app.json").read_bytes())
    return next(m for m in document["app"]["methods"] if m["id"] == "vendor")


@pytest.mark.parametrize("name, detail", [
    ("US/Eastern", ", an old alias; did you mean 'America/New_York'?"),
    ("Asia/Calcutta", ", an old alias; did you mean 'Asia/Kolkata'?"),
    ("America/Buenos_Aires", ", an old alias; did you mean 'America/Argentina/Buenos_Aires'?"),
    ("Europe/Kiev", ", an old alias; did you mean 'Europe/Kyiv'?"),
    ("GB", ", an old alias; did you mean 'Europe/London'?"),
    ("Etc/GMT+5", f", which means UTC-05:00 (the sign of Etc/GMT names is inverted) and never follows daylight saving; {PLACE}"),
    ("Etc/GMT-3", f", which means UTC+03:00 (the sign of Etc/GMT names is inverted) and never follows daylight saving; {PLACE}"),
    ("Etc/UTC", f", which is no place's clock; {PLACE}, or leave out 'timezone' if the hours are 'Every day, around the clock'"),
    ("UTC", f", which is no place's clock; {PLACE}, or leave out 'timezone' if the hours are 'Every day, around the clock'"),
    ("Zulu", f", which is no place's clock; {PLACE}, or leave out 'timezone' if the hours are 'Every day, around the clock'"),
    ("EST", f", an abbreviation, which names an offset but not when daylight saving applies; {PLACE}"),
    ("CET", f", an abbreviation, which names an offset but not when daylight saving applies; {PLACE}"),
    ("PDT", f", an abbreviation, which names an offset but not when daylight saving applies; {PLACE}"),
    ("EST5EDT", f", a POSIX rule, not a place; {PLACE}"),
    ("UTC+5", f", a fixed offset, which never follows daylight saving; {PLACE}"),
    ("'-05:00'", f", a fixed offset, which never follows daylight saving; {PLACE}"),
    ("Europe/Londn", "; did you mean 'Europe/London'?"),
    ("europe/london", "; did you mean 'Europe/London'?"),
    ("Mars/Olympus_Mons", ""),
])
def test_a_timezone_that_is_not_a_canonical_area_location_is_refused_with_what_to_write(project, capsys, name, detail):
    assert errors(project, capsys, with_vendor("Monday to Friday, 09:00 to 17:00", name)) == [
        f"content/apps/sample_app.yaml:{TZ_LINE}:15: {EXPECTED} {name.strip(chr(39))!r}{detail}"]


def test_an_alias_in_a_scheduled_change_is_refused_at_its_line(project, capsys):
    text = VALID_APP.replace("    response_time: 2 business days\n", (
        "    response_time: 2 business days\n    change:\n      from: 2027-03-01\n"
        "      hours: Monday to Friday, 08:00 to 16:00\n      timezone: Asia/Calcutta\n"))
    line = text.splitlines().index("      timezone: Asia/Calcutta") + 1
    assert errors(project, capsys, text) == [
        f"content/apps/sample_app.yaml:{line}:17: support.vendor.change.timezone: expected an Area/Location time zone "
        "such as 'Europe/London', got 'Asia/Calcutta', an old alias; did you mean 'Asia/Kolkata'?"]


HOURS_WORDS = ("expected hours such as 'Monday to Friday, 09:00 to 17:00' (24-hour clock; more parts joined by '; ') "
               "or 'Every day, around the clock'")


@pytest.mark.parametrize("written, message", [
    ("Mon-Fri 9am-5pm", f"{HOURS_WORDS}, got 'Mon-Fri 9am-5pm'; did you mean 'Monday to Friday, 09:00 to 17:00'?"),
    ("monday to friday, 9:00 to 17:30", f"{HOURS_WORDS}, got 'monday to friday, 9:00 to 17:30'; did you mean 'Monday to Friday, 09:00 to 17:30'?"),
    ("'24/7'", f"{HOURS_WORDS}, got '24/7'; did you mean 'Every day, around the clock'?"),
    ("Mon-Fri 9-5", f"{HOURS_WORDS}, got 'Mon-Fri 9-5'"),
    ("Office hours", f"{HOURS_WORDS}, got 'Office hours'"),
    ("Monday to Monday, 09:00 to 17:00", "'Monday to Monday' is one day; write 'Monday'"),
    ("Monday to Friday, 09:00 to 09:00", "'09:00 to 09:00' lasts no time; for a whole day write '00:00 to 24:00'"),
])
def test_hours_the_build_cannot_read_are_refused_with_the_format(project, capsys, written, message):
    assert errors(project, capsys, with_vendor(written, "Europe/London")) == [
        f"content/apps/sample_app.yaml:{HOURS_LINE}:12: support.vendor.hours: {message}"]


def test_hours_around_the_clock_need_no_timezone_and_refuse_one(project, capsys):
    project.app("sample_app", with_vendor("Every day, around the clock", None))
    assert project.run(capsys=capsys)[0] == 0
    assert hours_text(project) == "Every day, around the clock"
    assert {"timezone", "utc_offset", "hours_utc", "utc_offset_until"}.isdisjoint(vendor_json(project))
    assert errors(project, capsys, with_vendor("Every day, around the clock", "Europe/London")) == [
        f"content/apps/sample_app.yaml:{TZ_LINE}:5: support.vendor.timezone: hours 'Every day, around the clock' are the "
        "same in every time zone; remove 'timezone'"]
    assert errors(project, capsys, with_vendor("Every day, 08:00 to 20:00", None)) == [
        f"content/apps/sample_app.yaml:{HOURS_LINE}:5: support.vendor.hours: add a 'timezone' saying which time zone these hours are in"]


@pytest.mark.parametrize("day, shown, feed", [
    (SUMMER, "Monday to Friday, 08:00 to 17:00 America/Denver (UTC\u221206:00) ; Monday to Friday, 14:00 to 23:00 UTC "
             "The offset changes with daylight saving time: UTC\u221207:00 from 2026-11-01 .",
     {"utc_offset": "-06:00", "hours_utc": "Monday to Friday, 14:00 to 23:00 UTC", "utc_offset_until": "2026-11-01"}),
    (WINTER, "Monday to Friday, 08:00 to 17:00 America/Denver (UTC\u221207:00) ; Monday to Friday, 15:00 to 00:00 UTC "
             "The offset changes with daylight saving time: UTC\u221206:00 from 2027-03-14 .",
     {"utc_offset": "-07:00", "hours_utc": "Monday to Friday, 15:00 to 00:00 UTC", "utc_offset_until": "2027-03-14"}),
])
def test_the_page_and_feed_show_the_offset_and_utc_hours_of_the_build_date(project, capsys, monkeypatch, day, shown, feed):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(epoch_of(day)))
    project.app("sample_app", with_vendor("Monday to Friday, 08:00 to 17:00", "America/Denver"))
    assert project.run(capsys=capsys)[0] == 0
    assert hours_text(project) == shown
    assert {k: vendor_json(project)[k] for k in feed} == feed


@pytest.mark.parametrize("written, zone, shown", [
    ("Monday to Friday, 09:00 to 18:00", "America/Los_Angeles",
     "Monday to Friday, 09:00 to 18:00 America/Los_Angeles (UTC\u221208:00) ; Monday to Friday, 17:00 to 02:00 (next day) UTC "
     "The offset changes with daylight saving time: UTC\u221207:00 from 2027-03-14 ."),
    ("Monday to Friday, 08:00 to 17:00", "Asia/Tokyo",
     "Monday to Friday, 08:00 to 17:00 Asia/Tokyo (UTC+09:00) ; Sunday to Thursday, 23:00 to 08:00 (next day) UTC"),
    ("Saturday, 22:00 to 02:00", "Asia/Kolkata",
     "Saturday, 22:00 to 02:00 Asia/Kolkata (UTC+05:30) ; Saturday, 16:30 to 20:30 UTC"),
])
def test_utc_hours_that_cross_midnight_say_so_and_shift_the_days(project, capsys, monkeypatch, written, zone, shown):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(epoch_of(WINTER)))
    project.app("sample_app", with_vendor(written, zone))
    assert project.run(capsys=capsys)[0] == 0
    assert hours_text(project) == shown


def test_an_announced_method_carries_its_utc_hours_in_the_feed(project, capsys, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(epoch_of(WINTER)))
    project.app("sample_app", VALID_APP.replace("    response_time: 2 business days\n", (
        "    response_time: 2 business days\n    change:\n      from: 2027-03-01\n"
        "      hours: Monday to Friday, 08:00 to 16:00\n      timezone: Asia/Kolkata\n")))
    assert project.run(capsys=capsys)[0] == 0
    document = json.loads((project.out / "api/v1/apps/sample_app.json").read_bytes())
    (announced,) = document["app"]["announced"]
    assert (announced["utc_offset"], announced["hours_utc"]) == ("+05:30", "Monday to Friday, 02:30 to 10:30 UTC")
    assert "utc_offset_until" not in announced


def test_the_same_input_on_the_same_date_builds_the_same_bytes_whatever_the_hour(project, capsys, monkeypatch):
    project.app("sample_app", with_vendor("Monday to Friday, 08:00 to 17:00", "America/Denver"))
    morning = datetime.datetime.combine(WINTER, datetime.time(0, 5), datetime.timezone.utc)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(int(morning.timestamp())))
    assert project.run(capsys=capsys)[0] == 0
    first = tree_digest(project.out)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(int((morning + datetime.timedelta(hours=23, minutes=50)).timestamp())))
    (project.out / "apps/sample_app/index.html").unlink()   # the build must make it again, not keep it
    assert project.run(capsys=capsys)[0] == 0
    assert tree_digest(project.out) == first


def test_the_schema_patterns_are_the_ones_the_build_reads():
    method = json.loads((REPO / "schema/app.schema.json").read_text())["$defs"]["method_policy"]["properties"]
    assert method["hours"]["pattern"] == hours.HOURS_PATTERN
    assert method["timezone"]["pattern"] == zones.AREA_PATTERN


def test_canonical_names_come_from_the_tz_tables_and_load_from_tzdata():
    canonical = zones.canonical_zones()
    assert {name.split("/")[0] for name in canonical} == set(zones.AREAS)
    assert {"Europe/London", "America/Denver", "Europe/Amsterdam", "America/Argentina/Buenos_Aires"} <= canonical
    assert not {"US/Eastern", "Asia/Calcutta", "Etc/UTC", "EST", "CET", "UTC"} & canonical
    assert all(zones.zone(name).key == name for name in canonical)
    assert all(zones.zone_hint(name) is None for name in canonical)


def covered(parts: tuple[hours.Part, ...], offset: int) -> set[int]:
    """Return the minutes of the week (from Monday 00:00 UTC) that parts kept at an offset cover."""
    week = 7 * hours.DAY_MINUTES
    minutes = set()
    for part in parts:
        days = range(7) if part.first is None else [(part.first + i) % 7 for i in range((part.last - part.first) % 7 + 1)]
        for day in days:
            minutes.update((day * hours.DAY_MINUTES + t - offset) % week for t in range(part.start, part.end))
    return minutes


times = st.integers(0, 24 * 4 - 1).map(lambda q: q * 15)
day_runs = st.one_of(st.just("Every day"), st.sampled_from(hours.DAYS),
                     st.tuples(st.sampled_from(hours.DAYS), st.sampled_from(hours.DAYS)).filter(lambda p: p[0] != p[1])
                     .map(" to ".join))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(day_runs, times, times).filter(lambda p: p[1] != p[2]), min_size=1, max_size=3),
       st.integers(-12 * 4, 14 * 4).map(lambda q: q * 15))
def test_the_utc_hours_cover_the_same_moments_as_the_local_hours(written, offset):
    text = "; ".join(f"{days}, {hours.render_time(a)} to {hours.render_time(b)}" for days, a, b in written)
    local = hours.read_hours(text)
    utc = hours.render_utc(local, offset)
    assert utc.endswith(" UTC")
    back = hours.read_hours(utc.removesuffix(" UTC").replace(" (next day)", ""))
    assert covered(back, 0) == covered(local, offset)
