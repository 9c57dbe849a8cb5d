"""The JSON feed: checked as data, against its schema, and for safe bytes."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from conftest import REPO
from policysite.feed import dump_json
from policysite.pipeline import build

METHODS = yaml.safe_load((REPO / "content/methods.yaml").read_text())["methods"]
FEED_SCHEMA = json.loads((REPO / "schema/feed.schema.json").read_text())


@pytest.fixture(scope="module")
def site_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("feed") / "site"
    build(REPO, out)
    return out


def validator(pointer: str = ""):
    schema = {"$defs": FEED_SCHEMA["$defs"], "$ref": f"#/$defs/{pointer}"} if pointer else FEED_SCHEMA
    cls = jsonschema.Draft202012Validator
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def test_feed_validates_against_its_schema(site_dir):
    validator().validate(json.loads((site_dir / "feed.json").read_bytes()))


def test_every_app_file_validates_against_its_schema(site_dir):
    files = sorted((site_dir / "api/v1/apps").glob("*.json"))
    assert len(files) == len(list((REPO / "content/apps").glob("*.yaml")))
    for path in files:
        validator("app_document").validate(json.loads(path.read_bytes()))


def test_feed_legend_is_methods_yaml_in_order(site_dir):
    feed = json.loads((site_dir / "feed.json").read_bytes())
    assert [(m["id"], m["bit"], m["title"], m["colour"]) for m in feed["legend"]] == \
           [(m["id"], m["bit"], m["title"], m["colour"]) for m in METHODS]


def test_supported_is_the_or_of_available_bits_from_the_yaml(site_dir):
    feed = json.loads((site_dir / "feed.json").read_bytes())
    for entry in feed["apps"]:
        support = yaml.safe_load((REPO / f"content/apps/{entry['basename']}.yaml").read_text())["support"]
        expected = sum(m["bit"] for m in METHODS if support[m["id"]]["available"])
        assert entry["supported"] == expected, entry["basename"]
        assert [(p["id"], p["available"]) for p in entry["methods"]] == [(m["id"], support[m["id"]]["available"]) for m in METHODS]


def test_feed_apps_are_sorted_and_match_their_own_files(site_dir):
    feed = json.loads((site_dir / "feed.json").read_bytes())
    names = [a["basename"] for a in feed["apps"]]
    assert names == sorted(names)
    for entry in feed["apps"]:
        detail = json.loads((site_dir / f"api/v1/apps/{entry['basename']}.json").read_bytes())["app"]
        assert {k: detail[k] for k in entry} == entry


def test_feed_has_no_wall_clock_time(site_dir, project, monkeypatch):
    """Two builds at different times of one day give the same feed: only the date can matter
    (to freshness and scheduled changes), never the time."""
    out_a, out_b = project.root / "a", project.root / "b"
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1795651201")   # 2026-11-26 00:00:01 UTC
    build(project.root, out_a)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1795737599")   # 2026-11-26 23:59:59 UTC
    build(project.root, out_b)
    assert (out_a / "feed.json").read_bytes() == (out_b / "feed.json").read_bytes()


def test_json_is_safe_to_inline_in_a_script_element():
    data = {"summary": "</script><script>alert(1)</script> & \u2028\u2029 café"}
    raw = dump_json(data)
    assert b"<" not in raw and b">" not in raw and b"&" not in raw
    assert "\u2028".encode() not in raw and "\u2029".encode() not in raw
    assert json.loads(raw) == data
    assert "café".encode() in raw  # UTF-8, not \\u escapes, for size


def test_json_refuses_nan():
    with pytest.raises(ValueError):
        dump_json({"x": float("nan")})
