"""jsonschema checks the formats our schemas name ('date-time', 'uri', 'date'): their validators are installed
(without them jsonschema passes any text, saying nothing), so a feed with a bad date or address is refused."""

from __future__ import annotations

import json

import pytest

from policysite.check.schema import load_schema, make_fast_first, make_validator
from policysite.render.feed import check_changes

BASE = "https://policies.clearos.example/"
ITEM = {"id": "change-2026-03-01", "url": f"{BASE}apps/sample_app/#change-2026-03-01", "title": "Sample App: a change",
        "content_text": "Developer/ISV Support is now available.", "date_published": "2026-03-01T10:00:00Z",
        "tags": ["sample_app"]}
CHANGES = {"version": "https://jsonfeed.org/version/1.1", "title": "Changes", "home_page_url": BASE,
           "feed_url": f"{BASE}changes.json", "description": "Changes to the policies.", "language": "en", "items": [ITEM]}


def problems_for(doc: dict) -> list[str]:
    """Return the messages checking changes.json made of doc gives."""
    found = check_changes({"changes.json": json.dumps(doc).encode()}, load_schema("changes.schema.json"), "content/site.yaml")
    return [f"{p.src_path}:{p.line}:{p.col}: {p.message}" for p in found]


def test_every_format_our_schemas_use_has_its_checker_installed():
    checkers = make_validator(load_schema("changes.schema.json")).format_checker.checkers
    assert {"date-time", "uri", "date"} <= set(checkers)


def test_a_sound_changes_feed_passes():
    assert problems_for(CHANGES) == []


@pytest.mark.parametrize(("field", "value"), [
    ("date_published", "2026-02-30T10:00:00Z"),   # matches the pattern 'Z$'; there is no 30 February
    ("date_published", "2026-03-01 10:00Z"),      # RFC 3339 wants seconds
])
def test_a_bad_date_time_in_the_feed_is_refused(field, value):
    assert problems_for({**CHANGES, "items": [{**ITEM, field: value}]}) == [
        f"content/site.yaml:1:1: changes.json would not match changes.schema.json: {value!r} is not a 'date-time'; "
        "this is a bug in policysite, please report it"]


def test_a_bad_uri_that_the_pattern_lets_through_is_refused():
    value = "https://policies.clearos.example/a b/changes.json"   # '.*' in the pattern takes the space; RFC 3986 does not
    assert problems_for({**CHANGES, "feed_url": value}) == [
        f"content/site.yaml:1:1: changes.json would not match changes.schema.json: {value!r} is not a 'uri'; "
        "this is a bug in policysite, please report it"]


def test_the_fast_check_in_front_refuses_what_jsonschema_refuses():
    validator = make_fast_first(load_schema("changes.schema.json"))
    bad = {**CHANGES, "items": [{**ITEM, "date_published": "2026-02-30T10:00:00Z"}]}
    assert list(validator.iter_errors(CHANGES)) == []
    assert [e.message for e in validator.iter_errors(bad)] == ["'2026-02-30T10:00:00Z' is not a 'date-time'"]
