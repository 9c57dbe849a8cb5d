"""The compatibility guard: the feed schema may only grow within a major version.

schema/released/feed.schema.json is the last released schema. test_current_schema_keeps_the_released_contract
is the guard itself; the other tests show that it fails on each kind of breaking change, using the same
function on altered copies written to disk.
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import pytest

from conftest import REPO
from policysite.compat import check_compatible
from policysite.feed import API_DIR, SCHEMA_DIR

CURRENT = REPO / "schema/feed.schema.json"
RELEASED = REPO / "schema/released/feed.schema.json"


def compat_failures(released_path: Path, current_path: Path) -> list[str]:
    """Return what the guard reports for two schema files."""
    return check_compatible(json.loads(released_path.read_text(encoding="utf-8")),
                            json.loads(current_path.read_text(encoding="utf-8")))


def test_current_schema_keeps_the_released_contract():
    assert compat_failures(RELEASED, CURRENT) == []


def test_version_names_the_published_paths_and_matches_the_document_pattern():
    schema = json.loads(CURRENT.read_text(encoding="utf-8"))
    major = schema["x-version"].split(".")[0]
    assert API_DIR == f"api/v{major}" and SCHEMA_DIR == f"schema/v{major}"
    assert re.fullmatch(schema["$defs"]["feed_version"]["pattern"], schema["x-version"])
    released = json.loads(RELEASED.read_text(encoding="utf-8"))
    assert re.fullmatch(schema["$defs"]["feed_version"]["pattern"], released["x-version"])


@pytest.fixture
def released() -> dict:
    return json.loads(RELEASED.read_text(encoding="utf-8"))


def write_pair(tmp_path: Path, released: dict, current: dict) -> tuple[Path, Path]:
    old, new = tmp_path / "released.json", tmp_path / "current.json"
    old.write_text(json.dumps(released), encoding="utf-8")
    new.write_text(json.dumps(current), encoding="utf-8")
    return old, new


def remove_summary(s):
    del s["$defs"]["app"]["properties"]["summary"]
    s["$defs"]["app_detail"]["allOf"][1]["required"].remove("summary")


def rename_vendor(s):
    props, required = s["$defs"]["app"]["properties"], s["$defs"]["app"]["required"]
    props["developer"] = props.pop("vendor")
    required[required.index("vendor")] = "developer"


def narrow_type(s):
    s["$defs"]["app"]["properties"]["subcategory"]["type"] = "string"


def narrow_enum(s):
    s["$defs"]["factor_rating"]["properties"]["level"]["enum"].remove("low")


def require_license(s):
    s["$defs"]["app"]["required"].append("license")


def drop_required_reviewed(s):
    s["$defs"]["app"]["required"].remove("reviewed")


def close_index_entry(s):
    s["$defs"]["index_entry"]["additionalProperties"] = False


def lower_supported_maximum(s):
    s["$defs"]["supported"]["maximum"] = 15


def unique_apps(s):
    s["properties"]["apps"]["uniqueItems"] = True


BREAKING = {
    "removed field": (remove_summary, [
        "feed.schema.json: $.apps[].summary: field removed",
        "app.schema.json: $.app.summary: field removed",
    ]),
    "renamed field": (rename_vendor, [
        "feed.schema.json: $.apps[].vendor: field removed; renamed to 'developer'? A rename is a removal",
        "feed.schema.json: $.apps[].developer: newly required",
        "app.schema.json: $.app.vendor: field removed; renamed to 'developer'? A rename is a removal",
        "app.schema.json: $.app.developer: newly required",
    ]),
    "narrowed type": (narrow_type, [
        "feed.schema.json: $.apps[].subcategory: type narrowed from null or string to string",
        "app.schema.json: $.app.subcategory: type narrowed from null or string to string",
    ]),
    "narrowed enum": (narrow_enum, [
        "feed.schema.json: $.apps[].factors[].level: allowed values narrowed: 'low' no longer allowed",
        "app.schema.json: $.app.factors[].level: allowed values narrowed: 'low' no longer allowed",
    ]),
    "newly required field": (require_license, ["feed.schema.json: $.apps[].license: newly required"]),
    "field no longer required": (drop_required_reviewed, [
        "feed.schema.json: $.apps[].reviewed: no longer required",
        "app.schema.json: $.app.reviewed: no longer required",
    ]),
    "keyword the guard does not model": (unique_apps, [
        "feed.schema.json: $.apps: 'uniqueItems' changed, which this guard cannot judge; treat it as breaking",
    ]),
    "closed object": (close_index_entry, ["index.schema.json: $.apps[]: no longer allows fields it does not list"]),
    "narrowed range": (lower_supported_maximum, [
        "feed.schema.json: $.apps[].supported: maximum narrowed from 31 to 15",
        "app.schema.json: $.app.supported: maximum narrowed from 31 to 15",
        "index.schema.json: $.apps[].supported: maximum narrowed from 31 to 15",
    ]),
}


@pytest.mark.parametrize("change", BREAKING, ids=list(BREAKING))
def test_breaking_change_without_a_major_version_fails_the_guard(tmp_path, released, change):
    alter, expected = BREAKING[change]
    current = copy.deepcopy(released)
    alter(current)
    failures = compat_failures(*write_pair(tmp_path, released, current))
    assert failures == expected + [
        f"{len(expected)} breaking changes within major version 1: keep the old fields, or publish version 2.0"]


def test_removing_a_field_from_the_real_schema_file_fails_the_guard(tmp_path, released):
    """The guard's own test, run on a copy of schema/feed.schema.json with one field removed."""
    current = json.loads(CURRENT.read_text(encoding="utf-8"))
    del current["$defs"]["legend_entry"]["properties"]["short_title"]
    current["$defs"]["legend_entry"]["required"].remove("short_title")
    old, new = write_pair(tmp_path, released, current)
    with pytest.raises(AssertionError):
        assert compat_failures(old, new) == []


@pytest.mark.parametrize("change", BREAKING, ids=list(BREAKING))
def test_breaking_change_passes_with_a_new_major_version(tmp_path, released, change):
    current = copy.deepcopy(released)
    BREAKING[change][0](current)
    current["x-version"] = "2.0"
    assert compat_failures(*write_pair(tmp_path, released, current)) == []


def add_history(s):
    s["$defs"]["app"]["properties"]["history"] = {
        "type": "array", "description": "Earlier policies.", "items": {"type": "object", "required": ["date"]}}


def test_adding_an_optional_field_is_allowed_with_a_minor_version(tmp_path, released):
    current = copy.deepcopy(released)
    add_history(current)
    current["x-version"] = "1.1"
    assert compat_failures(*write_pair(tmp_path, released, current)) == []


def test_adding_a_field_without_raising_the_version_fails(tmp_path, released):
    current = copy.deepcopy(released)
    add_history(current)
    assert compat_failures(*write_pair(tmp_path, released, current)) == [
        "the schema changed but x-version is still 1.0; raise it to 1.1 so clients can tell the documents apart"]


def test_rewording_a_description_needs_no_new_version(tmp_path, released):
    current = copy.deepcopy(released)
    current["$defs"]["app"]["properties"]["name"]["description"] = "What the app is called."
    assert compat_failures(*write_pair(tmp_path, released, current)) == []


def test_a_version_that_goes_backwards_fails(tmp_path, released):
    current = copy.deepcopy(released)
    current["x-version"] = "0.9"
    assert compat_failures(*write_pair(tmp_path, released, current)) == ["x-version 0.9 (released: 1.0) goes backwards"]


def test_removing_a_published_document_is_breaking(tmp_path, released):
    current = copy.deepcopy(released)
    del current["$defs"]["index_document"]
    assert compat_failures(*write_pair(tmp_path, released, current))[0] == "index.schema.json: document removed"
