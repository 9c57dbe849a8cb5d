"""Freshness: the page shows when the policy was last reviewed and marks it past 12 months; the check
warns; a review date in the future is refused; today comes from SOURCE_DATE_EPOCH."""

from __future__ import annotations

import datetime

import pytest
from bs4 import BeautifulSoup

from conftest import VALID_APP
from policysite.dates import DateSettingError, add_months, is_stale, today


def review_cell(project):
    page = BeautifulSoup((project.out / "apps/sample_app/index.html").read_text(encoding="utf-8"), "html.parser")
    dt = next(dt for dt in page.select("dl.facts dt") if dt.get_text() == "Policy last reviewed")
    return dt.find_next_sibling("dd")


@pytest.mark.parametrize("reviewed, stale", [("2025-11-26", False), ("2025-11-25", True), ("2026-01-15", False)])
def test_page_marks_a_policy_not_reviewed_for_twelve_months(project, capsys, reviewed, stale):
    # today is pinned to 2026-11-26: a review on 2025-11-26 is exactly 12 months old, still fresh
    project.app("sample_app", VALID_APP.replace("reviewed: 2026-01-15", f"reviewed: {reviewed}"))
    status, _, err = project.run(capsys=capsys)
    assert status == 0
    cell = review_cell(project)
    assert cell.time["datetime"] == reviewed
    assert ("is-stale" in cell["class"]) == stale
    marker = cell.select_one("strong.stale-marker")
    if stale:
        assert " ".join(cell.get_text().split()) == (f"{reviewed} Due for review: more than 12 months have passed, "
                                                     "so details may be out of date.")
        assert err == (f"content/apps/sample_app.yaml:41:11: warning: reviewed: last reviewed on {reviewed}, "
                       "more than 12 months ago; confirm the policy and update the date\n")
    else:
        assert marker is None and cell.get_text(strip=True) == reviewed
        assert err == ""


def test_a_review_date_in_the_future_is_an_error(project, capsys):
    project.app("sample_app", VALID_APP.replace("reviewed: 2026-01-15", "reviewed: 2026-11-27"))
    status, _, err = project.run("check", capsys=capsys)
    assert status == 1
    assert err.splitlines()[0] == ("content/apps/sample_app.yaml:41:11: reviewed: 2026-11-27 is in the future "
                                   "(today is 2026-11-26); use the date the policy was last confirmed")


def test_the_same_files_go_stale_when_the_build_date_moves_on(project, capsys, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(int(datetime.datetime(2027, 1, 16, tzinfo=datetime.timezone.utc).timestamp())))
    assert project.run(capsys=capsys)[0] == 0
    assert "is-stale" in review_cell(project)["class"]


@pytest.mark.parametrize("value", ["tomorrow", "-5", "1.5", "99999999999999999999"])
def test_a_bad_source_date_epoch_is_refused_clearly(project, capsys, monkeypatch, value):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", value)
    status, out, err = project.run("check", capsys=capsys)
    assert (status, out) == (2, "")
    assert err.startswith("error: SOURCE_DATE_EPOCH ") and repr(value) in err and "Traceback" not in err


def test_today_is_the_utc_date_of_source_date_epoch():
    assert today({"SOURCE_DATE_EPOCH": "1795737599"}) == datetime.date(2026, 11, 26)   # 23:59:59 UTC
    assert today({"SOURCE_DATE_EPOCH": "1795737600"}) == datetime.date(2026, 11, 27)
    assert today({}) == datetime.datetime.now(datetime.timezone.utc).date()
    with pytest.raises(DateSettingError):
        today({"SOURCE_DATE_EPOCH": "soon"})


def test_months_are_calendar_months():
    assert add_months(datetime.date(2025, 1, 31), 1) == datetime.date(2025, 2, 28)
    assert add_months(datetime.date(2024, 2, 29), 12) == datetime.date(2025, 2, 28)
    assert add_months(datetime.date(2025, 11, 30), 2) == datetime.date(2026, 1, 30)
    assert not is_stale(datetime.date(2024, 2, 29), datetime.date(2025, 2, 28))
    assert is_stale(datetime.date(2024, 2, 29), datetime.date(2025, 3, 1))
