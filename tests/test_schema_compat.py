"""The compatibility guard: the feed schema may only grow within a major version.

schema/released/ holds every released feed schema as it was published, one file per version
(feed-<version>.schema.json). test_current_schema_keeps_the_contract_of_every_release is the guard
itself; the other tests show that it fails on each kind of breaking change, using the same function
on altered copies written to disk. They alter the 1.0 copy, which never changes again.
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import pytest

from conftest import REPO
from policysite.render.feed import API_DIR, SCHEMA_DIR
from policysite.tools.compat import check_compatible, version_of

CURRENT = REPO / "schema/feed.schema.json"
RELEASED_DIR = REPO / "schema/released"
RELEASED = RELEASED_DIR / "feed-1.0.schema.json"
RELEASED_NAME = re.compile(r"feed-(\d+\.\d+)\.schema\.json")


def compat_failures(released_path: Path, current_path: Path) -> list[str]:
    """Return what the guard reports for two schema files."""
    return check_compatible(json.loads(released_path.read_text(encoding="utf-8")),
                            json.loads(current_path.read_text(encoding="utf-8")))


def released_copies() -> list[Path]:
    """Return the released schema files, oldest version first."""
    paths = sorted(RELEASED_DIR.iterdir())
    strays = [p.name for p in paths if not RELEASED_NAME.fullmatch(p.name)]
    assert strays == [], f"schema/released/ holds only feed-<version>.schema.json files, not {strays}"
    return sorted(paths, key=lambda p: version_of({"x-version": RELEASED_NAME.fullmatch(p.name).group(1)}))


def test_current_schema_keeps_the_contract_of_every_release():
    failures = {p.name: compat_failures(p, CURRENT) for p in released_copies()}
    assert failures == {p.name: [] for p in released_copies()}


def test_each_released_copy_is_named_by_its_version_and_keeps_the_contract_of_the_one_before():
    copies = released_copies()
    assert copies[0].name == "feed-1.0.schema.json"
    for path in copies:
        assert json.loads(path.read_text(encoding="utf-8"))["x-version"] == RELEASED_NAME.fullmatch(path.name).group(1)
    for before, after in zip(copies, copies[1:]):
        assert compat_failures(before, after) == [], f"{before.name} -> {after.name}"


def test_the_current_version_is_the_last_release_or_the_next_one():
    """A version is released once: x-version may run one minor ahead of the last copy while fields are added."""
    last = version_of(json.loads(released_copies()[-1].read_text(encoding="utf-8")))
    current = version_of(json.loads(CURRENT.read_text(encoding="utf-8")))
    assert current in (last, (last[0], last[1] + 1), (last[0] + 1, 0)), (current, last)


def test_version_names_the_published_paths_and_matches_the_document_pattern():
    schema = json.loads(CURRENT.read_text(encoding="utf-8"))
    major = schema["x-version"].split(".")[0]
    assert API_DIR == f"api/v{major}" and SCHEMA_DIR == f"schema/v{major}"
    assert re.fullmatch(schema["$defs"]["feed_version"]["pattern"], schema["x-version"])
    for path in released_copies():
        released = json.loads(path.read_text(encoding="utf-8"))
        assert re.fullmatch(schema["$defs"]["feed_version"]["pattern"], released["x-version"]), path.name


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


def limit_index_entry_extras(s):
    s["$defs"]["index_entry"]["additionalProperties"] = {"type": "string"}


def narrow_translation_title(s):
    s["$defs"]["legend_text"]["properties"]["title"]["type"] = "integer"


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
    "fields it does not list limited to a schema": (limit_index_entry_extras, [
        "index.schema.json: $.apps[]: now limits the fields it does not list to a schema; they could hold anything"]),
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


@pytest.fixture
def current() -> dict:
    return json.loads(CURRENT.read_text(encoding="utf-8"))


def next_minor(schema: dict) -> dict:
    """Return a copy of schema with the next minor version, as the next release would carry."""
    major, minor = version_of(schema)
    return {**copy.deepcopy(schema), "x-version": f"{major}.{minor + 1}"}


def test_the_top_level_fields_for_old_webconfig_are_allowed_as_a_minor_addition(tmp_path):
    released_1_1 = json.loads((RELEASED_DIR / "feed-1.1.schema.json").read_text(encoding="utf-8"))
    assert not {"basename", "name", "supported"} & set(released_1_1["$defs"]["app_document"]["properties"])
    current = json.loads(CURRENT.read_text(encoding="utf-8"))
    assert {"basename", "name", "supported"} <= set(current["$defs"]["app_document"]["properties"])
    assert compat_failures(*write_pair(tmp_path, released_1_1, current)) == []


def test_once_released_the_top_level_supported_can_be_neither_removed_nor_renamed(tmp_path, current):
    removed, renamed = next_minor(current), next_minor(current)
    del removed["$defs"]["app_document"]["properties"]["supported"]
    props = renamed["$defs"]["app_document"]["properties"]
    props["supported_bits"] = props.pop("supported")
    assert compat_failures(*write_pair(tmp_path, current, removed)) == [
        "app.schema.json: $.supported: field removed",
        "1 breaking changes within major version 1: keep the old fields, or publish version 2.0"]
    assert compat_failures(*write_pair(tmp_path, current, renamed)) == [
        "app.schema.json: $.supported: field removed; renamed to 'supported_bits'? A rename is a removal",
        "1 breaking changes within major version 1: keep the old fields, or publish version 2.0"]


def test_a_change_reached_through_a_reference_into_another_definition_is_caught(tmp_path, current):
    """Scheduled changes take each method field by a pointer into $defs/policy, so a change there shows in both places."""
    changed = next_minor(current)
    changed["$defs"]["policy"]["properties"]["email"]["type"] = "integer"
    failures = compat_failures(*write_pair(tmp_path, current, changed))
    assert "app.schema.json: $.app.announced[].email: type changed from string to integer" in failures
    assert "app.schema.json: $.app.methods[].email: type changed from string to integer" in failures


@pytest.mark.parametrize("ref, message", [
    ("#/$defs/policy/properties/nothing", "reference '#/$defs/policy/properties/nothing' points to nothing"),
    ("#/$defs/app_detail/allOf/7", "reference '#/$defs/app_detail/allOf/7' points to nothing"),
    ("other.json#/x", "only local references are supported, got 'other.json#/x'"),
])
def test_a_reference_the_guard_cannot_follow_is_named(tmp_path, current, ref, message):
    changed = next_minor(current)
    changed["$defs"]["app_document"]["properties"]["app"] = {"$ref": ref}
    with pytest.raises(ValueError, match="^" + re.escape(message) + "$"):
        compat_failures(*write_pair(tmp_path, current, changed))


def test_a_change_inside_an_object_keyed_by_language_is_judged_like_any_field(tmp_path):
    """1.3's translations are keyed by language code (additionalProperties); what they hold is held to the promise too."""
    released = json.loads(CURRENT.read_text(encoding="utf-8"))
    current = copy.deepcopy(released)
    narrow_translation_title(current)
    expected = [f"{doc}: $.legend[].translations.*.title: type changed from string to integer"
                for doc in ("feed.schema.json", "app.schema.json", "index.schema.json", "legend.schema.json")]
    assert compat_failures(*write_pair(tmp_path, released, current)) == expected + [
        "4 breaking changes within major version 1: keep the old fields, or publish version 2.0"]
