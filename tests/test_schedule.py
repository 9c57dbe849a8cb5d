"""Scheduled changes: announced on the page and in the feed before their date, applied from it."""

from __future__ import annotations

import datetime
import json

import jsonschema
from bs4 import BeautifulSoup

from conftest import REPO, VALID_APP, epoch_of
from gitrepo import commit_all, init_repo
from policysite.check.schedule import apply_due, merged, pending

FEED_SCHEMA = json.loads((REPO / "schema/feed.schema.json").read_text())
FRESH_APP = VALID_APP.replace("reviewed: 2026-01-15", "reviewed: 2026-11-20").replace(   # not to the service that ends below
    "alternative: Use the vendor's ticket service.", "alternative: Ask in the public forum.")
VENDOR_ENDS = FRESH_APP.replace("    response_time: 2 business days\n", (
    "    response_time: 2 business days\n"
    "    change:\n"
    "      from: 2027-01-31\n"
    "      available: false\n"
    "      reason: The developer closes its ticket service.\n"
    "      alternative: Ask in the public forum.\n"))
DAY_BEFORE, DAY_OF = datetime.date(2027, 1, 30), datetime.date(2027, 1, 31)


def page(project, basename: str = "sample_app") -> BeautifulSoup:
    return BeautifulSoup((project.out / f"apps/{basename}/index.html").read_text(encoding="utf-8"), "html.parser")


def app_json(project, basename: str = "sample_app") -> dict:
    document = json.loads((project.out / f"api/v1/apps/{basename}.json").read_bytes())
    cls = jsonschema.Draft202012Validator
    cls({"$defs": FEED_SCHEMA["$defs"], "$ref": "#/$defs/app_document"}, format_checker=cls.FORMAT_CHECKER).validate(document)
    return document["app"]


def legend_state(soup: BeautifulSoup, method_id: str) -> str:
    return soup.select_one(f'ul.legend > li[data-method="{method_id}"] .method-state').get_text(strip=True)


def test_before_its_date_the_change_is_announced_and_not_applied(project, capsys, monkeypatch):
    project.app("sample_app", VENDOR_ENDS)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(epoch_of(DAY_BEFORE)))
    assert project.run(capsys=capsys)[0] == 0
    soup = page(project)
    assert legend_state(soup, "vendor") == "Available"
    items = [" ".join(li.get_text().split()) for li in soup.select("section.announced li")]
    assert items == ["Developer/ISV Support ends on 2027-01-31. Why: The developer closes its ticket service. "
                     "Instead: Ask in the public forum."]   # the date once, marked up as a date
    assert [t["datetime"] for t in soup.select("section.announced li time")] == ["2027-01-31"]
    app = app_json(project)
    assert app["announced"] == [{
        "date": "2027-01-31", "summary": "Developer/ISV Support ends on 2027-01-31", "id": "vendor", "bit": 4,
        "available": False, "reason": "The developer closes its ticket service.", "alternative": "Ask in the public forum.",
    }]
    assert next(m for m in app["methods"] if m["id"] == "vendor")["available"] is True
    assert app["supported"] == 1 | 4 | 16


def test_from_its_date_the_change_applies_without_editing_the_file(project, capsys, monkeypatch):
    project.app("sample_app", VENDOR_ENDS)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(epoch_of(DAY_OF)))
    status, _, err = project.run(capsys=capsys)
    assert status == 0
    assert err == ("content/apps/sample_app.yaml:22:5: warning: support.vendor.change: took effect on 2027-01-31; "
                   "write its fields into the method and remove 'change'\n")
    soup = page(project)
    assert legend_state(soup, "vendor") == "Not available"
    assert soup.select("section.announced") == []
    detail = soup.select_one("section.method-detail.method--vendor")
    assert "The developer closes its ticket service." in detail.get_text()
    assert "help@vendor.example" not in detail.get_text()
    app = app_json(project)
    assert app["announced"] == []
    assert next(m for m in app["methods"] if m["id"] == "vendor") == {
        "id": "vendor", "bit": 4, "available": False, "reason": "The developer closes its ticket service.",
        "alternative": "Ask in the public forum."}
    assert app["supported"] == 1 | 16
    feed = json.loads((project.out / "feed.json").read_bytes())
    assert feed["apps"][0]["supported"] == 1 | 16


def test_the_day_a_change_takes_effect_enters_the_history(project, capsys, monkeypatch):
    project.app("sample_app", VENDOR_ENDS)
    init_repo(project.root)
    commit_all(project.root, "Announce the end of vendor support", "2026-12-01T10:00:00Z")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(epoch_of(datetime.date(2027, 2, 3))))
    assert project.run(capsys=capsys)[0] == 0
    history = app_json(project)["history"]
    assert history[0] == {"date": "2027-01-31", "time": "2027-01-31T00:00:00Z", "changes": [
        "Developer/ISV Support is no longer available (reason: The developer closes its ticket service; "
        "instead: Ask in the public forum)"]}
    assert history[1]["changes"] == ["Policy published"]
    assert page(project).select("ol.changelog > li")[0]["id"] == "change-scheduled-20270131"
    # later, a maintainer writes the change out by hand: the published policy does not change again
    project.app("sample_app", FRESH_APP.replace(
        "  vendor:\n    available: true\n    email: help@vendor.example\n    hours: Monday to Friday, 09:00 to 17:00\n"
        "    timezone: Europe/London\n    response_time: 2 business days\n",
        "  vendor:\n    available: false\n    reason: The developer closes its ticket service.\n"
        "    alternative: Ask in the public forum.\n"))
    commit_all(project.root, "Write out the change", "2027-02-02T10:00:00Z")
    assert project.run(capsys=capsys)[0] == 0
    assert [h["date"] for h in app_json(project)["history"]] == ["2027-01-31", "2026-12-01"]


def test_announcing_a_change_is_itself_in_the_history(project, capsys):
    project.app("sample_app", FRESH_APP)
    init_repo(project.root)
    commit_all(project.root, "Add", "2026-03-01T10:00:00Z")
    project.app("sample_app", VENDOR_ENDS)
    commit_all(project.root, "Announce", "2026-04-01T10:00:00Z")
    assert project.run(capsys=capsys)[0] == 0
    assert app_json(project)["history"][0]["changes"] == [
        "Announced: Developer/ISV Support ends on 2027-01-31 (reason: The developer closes its ticket service; "
        "instead: Ask in the public forum)"]


def test_the_legend_row_the_method_card_and_the_verdict_say_when_a_method_ends_once_each(project, capsys, monkeypatch):
    project.app("sample_app", VENDOR_ENDS)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(epoch_of(DAY_BEFORE)))
    assert project.run(capsys=capsys)[0] == 0
    soup = page(project)
    said = {li["data-method"]: " ".join(li.get_text().split()) for li in soup.select("ul.legend > li[data-method]")}
    assert said["vendor"] == "V Developer/ISV Support Available ends on 2027-01-31"
    assert all("2027" not in text for method, text in said.items() if method != "vendor")
    card = soup.select_one("#detail-vendor")
    assert [" ".join(p.get_text().split()) for p in card.select(".method-change")] == [
        "Ends on 2027-01-31: what changes."]
    assert card.select_one(".method-change a")["href"] == "#announced-heading"
    assert soup.select(".method-change") == [card.select_one(".method-change")]
    assert " ".join(soup.select_one(".app-head .verdict").get_text().split()) == (
        "3 of 5 kinds of support; Developer/ISV Support ends on 2027-01-31")


def test_a_method_that_starts_later_says_starts_on_in_its_legend_row(project, capsys):
    app = VALID_APP.replace(
        "  forum_dedicated:\n    available: false\n    reason: There is no forum section for this app.\n",
        "  forum_dedicated:\n    available: false\n    reason: There is no forum section for this app.\n"
        "    change:\n      from: 2027-03-01\n      available: true\n      url: https://forum.example/sample-app\n")
    project.app("sample_app", app)
    assert project.run(capsys=capsys)[0] == 0
    soup = page(project)
    row = soup.select_one('ul.legend > li[data-method="forum_dedicated"] .method-next')
    assert " ".join(row.get_text().split()) == "starts on 2027-03-01" and row.time["datetime"] == "2027-03-01"
    assert soup.select_one("#detail-forum_dedicated .method-change").get_text().startswith("Starts on 2027-03-01")
    assert soup.select_one(".app-head .verdict").get_text().endswith(
        "; ClearFoundation Forum Support - Dedicated starts on 2027-03-01")


def test_other_kinds_of_change_are_announced_in_words(project, capsys):
    app = VALID_APP.replace(
        "  forum_dedicated:\n    available: false\n    reason: There is no forum section for this app.\n",
        "  forum_dedicated:\n    available: false\n    reason: There is no forum section for this app.\n"
        "    change:\n      from: 2027-03-01\n      available: true\n      url: https://forum.example/sample-app\n"
    ).replace("    response_time: 2 business days\n", "    response_time: 2 business days\n"
              "    change:\n      from: 2027-02-01\n      email: tickets@vendor.example\n      response_time: 1 business day\n")
    project.app("sample_app", app)
    assert project.run(capsys=capsys)[0] == 0
    assert [(a["date"], a["summary"]) for a in app_json(project)["announced"]] == [
        ("2027-02-01", "Contact email and first-reply time for Developer/ISV Support change on 2027-02-01"),
        ("2027-03-01", "ClearFoundation Forum Support - Dedicated becomes available on 2027-03-01"),
    ]
    link = page(project).select_one('section.announced li[data-method="forum_dedicated"] a')
    assert link["href"] == "https://forum.example/sample-app"


def test_strict_makes_an_applied_but_unwritten_change_an_error(project, capsys, monkeypatch):
    project.app("sample_app", VENDOR_ENDS)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(epoch_of(DAY_OF)))
    status, _, err = project.run("check", "--strict", capsys=capsys)
    assert status == 1
    assert err.splitlines()[0].endswith("support.vendor.change: took effect on 2027-01-31; write its fields into the method and remove 'change'")


def test_merged_drops_contact_details_of_a_method_that_stops_and_reasons_of_one_that_starts():
    entry = {"available": True, "email": "a@b.example", "scope": "All.",
             "change": {"from": "2027-01-31", "available": False, "reason": "Ends."}}
    assert merged(entry) == {"available": False, "reason": "Ends."}
    entry = {"available": False, "reason": "No.", "alternative": "Forum.",
             "change": {"from": "2027-01-31", "available": True, "url": "https://x.example/"}}
    assert merged(entry) == {"available": True, "url": "https://x.example/"}
    entry = {"available": True, "email": "a@b.example", "change": {"from": "2027-01-31", "email": "c@d.example"}}
    assert merged(entry) == {"available": True, "email": "c@d.example"}


def test_apply_due_and_pending_split_on_the_date():
    data = {"support": {"vendor": {"available": True, "change": {"from": "2027-01-31", "available": False, "reason": "R"}}}}
    assert apply_due(data, DAY_BEFORE) == data
    assert apply_due(data, DAY_OF)["support"]["vendor"] == {"available": False, "reason": "R"}
    assert [p[:2] for p in pending(data, DAY_BEFORE)] == [("vendor", DAY_OF)]
    assert pending(data, DAY_OF) == []
