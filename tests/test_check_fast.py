"""fastjsonschema says 'valid' only where jsonschema does, so the fast path never hides a problem.

check_against asks a fastjsonschema-compiled copy of the schema first and returns no problems when it
passes; otherwise jsonschema runs and locates every mistake. The tests compare the two verdicts on every
case file, the example content and generated apps, and on hypothesis's mutations of a valid app, with the
formats (dates) in particular; and they show that schemas the fast path cannot be trusted with are left
to jsonschema.
"""

from __future__ import annotations

import copy
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import REPO, VALID_APP
from policysite.check import schema as check
from policysite.sources.loader import decode_text, parse_yaml
from test_loader_fast import generated_apps

APP = check.validator_for("app.schema.json")
CONFIG_DEFS = ("methods", "factors", "site", "doc")
verdicts = settings(max_examples=400, deadline=timedelta(seconds=5), suppress_health_check=[HealthCheck.too_slow])


def located_data(text: str, validator=APP):
    """Return the typed data check.py validates for YAML text, or None if it does not parse."""
    node, problems = parse_yaml(text, "x.yaml")
    return None if node is None or problems else check.Located(node, validator).data


def both_verdicts(data, validator=APP) -> tuple[bool, bool]:
    """Return (fast verdict, jsonschema verdict) on data."""
    return check._fast_for(validator)(data), validator.is_valid(data)


def slow_problems(node, validator):
    """Return check_against's problems with the fast path switched off."""
    saved = check._FAST_CACHE.get(id(validator.schema))
    check._FAST_CACHE[id(validator.schema)] = (validator.schema, None)
    try:
        return check.check_against(node, "x.yaml", validator)[1]
    finally:
        check._FAST_CACHE[id(validator.schema)] = saved if saved else (validator.schema, check.make_fast_validator(validator.schema, validator.format_checker))


def test_our_schemas_take_the_fast_path():
    for validator in [APP] + [check.validator_for("config.schema.json", d) for d in CONFIG_DEFS]:
        assert check._fast_for(validator) is not None


def test_every_case_and_content_file_gets_the_same_verdict_and_problems():
    paths = sorted((Path(__file__).parent / "cases").rglob("*.yaml")) + sorted((REPO / "content/apps").glob("*.yaml"))
    checked = 0
    for path in paths:
        text, found = decode_text(path.read_bytes(), str(path))
        node = parse_yaml(text, "x.yaml")[0] if text is not None and not found else None
        if node is None:
            continue
        located = check.Located(node, APP)
        assert both_verdicts(located.data)[0] == both_verdicts(located.data)[1], path
        assert check.check_against(node, "x.yaml", APP)[1] == slow_problems(node, APP), path
        checked += 1
    assert checked > 100


def test_config_files_and_front_matter_get_the_same_verdict():
    cases = [("methods", REPO / "content/methods.yaml"), ("factors", REPO / "content/factors.yaml"),
             ("site", REPO / "content/site.yaml")]
    for pointer, path in cases:
        validator = check.validator_for("config.schema.json", pointer)
        data = located_data(path.read_text(encoding="utf-8"), validator)
        assert both_verdicts(data, validator) == (True, True)
        broken = copy.deepcopy(data)
        broken[next(iter(broken))] = 5
        assert both_verdicts(broken, validator) == (False, False)
    doc = check.validator_for("config.schema.json", "doc")
    for front in ({"title": "T", "summary": "S", "order": 2, "apps": ["a_b"], "legend": True}, {"title": "T", "summary": "S", "order": -1},
                  {"title": "T", "summary": "S", "apps": ["a", "a"]}, {"title": "T", "summary": "S", "order": True}):
        assert both_verdicts(front, doc)[0] == both_verdicts(front, doc)[1], front


def test_generated_apps_are_valid_on_both():
    for text in generated_apps(200):
        assert both_verdicts(located_data(text)) == (True, True)


DATES = st.one_of(
    st.builds("{:04d}-{:02d}-{:02d}".format, st.integers(0, 9999), st.integers(0, 13), st.integers(0, 32)),
    st.sampled_from(["2024-02-29", "2023-02-29", "2100-02-29", "2000-02-29", "2026-04-31", "2026-1-01", "2026-01-01\n",
                     "2026-01-01T00:00:00", "20260101", "２０２６-０１-０１", "2026-01-01 ", " 2026-01-01", "2026-W01-1",
                     "2026-001", "0000-01-01", "", "2026-01-0١"]),
    st.text(alphabet="0123456789-T:Z \n", max_size=12))


@verdicts
@given(DATES, st.sampled_from(["reviewed", "from"]))
def test_dates_get_the_same_verdict(value, field):
    data = located_data(VALID_APP)
    if field == "reviewed":
        data["reviewed"] = value
    else:
        data["support"]["vendor"]["change"] = {"from": value, "available": False, "reason": "It ends."}
    fast, slow = both_verdicts(data)
    assert fast == slow, value


VALUES = st.one_of(
    st.none(), st.booleans(), st.integers(-3, 3), st.integers(), st.just(1.0), st.just(""), st.text(max_size=30),
    st.sampled_from(["best effort", "1 business day", "2 days", "https://x.example/a", "javascript:alert(1)",
                     "support@example.com", "mailto:a@b.c", "Europe/London", "high", "medium", "Server", "true",
                     "software-raid-5", "a\n", "line\nline", "x" * 81, "x" * 161, "x" * 301, "é" * 80, "2026-01-15"]),
    st.lists(st.sampled_from(["software-raid-5", "a", "A", "", 1, True]), max_size=4),
    st.dictionaries(st.sampled_from(["available", "reason", "level", "note", "x"]), st.sampled_from([True, "t", 1]), max_size=3))


def paths_in(data, path=()):
    """Yield every path to a value in nested data."""
    yield path
    children = data.items() if isinstance(data, dict) else enumerate(data) if isinstance(data, list) else ()
    for key, child in children:
        yield from paths_in(child, path + (key,))


@verdicts
@given(st.data())
def test_mutated_apps_are_never_valid_only_to_the_fast_check(draw):
    data = located_data(VALID_APP)
    for _ in range(draw.draw(st.integers(1, 4))):
        path = draw.draw(st.sampled_from(list(paths_in(data))[1:]))
        parent = data
        for part in path[:-1]:
            parent = parent[part]
        action = draw.draw(st.sampled_from(["set", "set", "delete", "add"]))
        if action == "delete":
            del parent[path[-1]]
        elif action == "add" and isinstance(parent, dict):
            parent[draw.draw(st.sampled_from(["extra", "url", "email", "reply_email", "change", "articles", "subcategory"]))] = draw.draw(VALUES)
        else:
            parent[path[-1]] = draw.draw(VALUES)
    fast, slow = both_verdicts(data)
    assert not fast or slow  # the one thing that matters: never a pass that jsonschema would fail
    assert fast == slow or _trailing_line_break(data)


def lengths(limit: int) -> list[str]:
    """Return text just inside and just past a length limit, in ASCII and beyond the BMP."""
    return ["x" * limit, "x" * (limit + 1), "😀" * limit, "é" * (limit + 1)]


FIELD_VALUES = {
    **{k: ["X", "", "a\nb", "tab\there", *lengths(80)] for k in ("name", "vendor", "subcategory")},
    "license": lengths(60), "summary": lengths(160), "hours": ["Mon to Fri", *lengths(120)], "scope": lengths(500),
    **{k: ["A reason.", *lengths(300)] for k in ("reason", "alternative", "note")},
    "description": ["d", "x" * 20000, "x" * 20001, "two\n\nparagraphs\n"],
    **{k: ["https://a.example/", "http://a", "https://a b", "ftp://x", "HTTPS://A.example", "https://" + "y" * 1992,
           "https://" + "y" * 1993, "https://a.example/`"] for k in ("url", "homepage", "documentation")},
    **{k: ["a@b.c", "a@b", "a@@b.c", "a.b+c@d-e.fg", "a@b.c.", "é@b.c", "a@" + "b" * 248 + ".c", "a@" + "b" * 249 + ".c"]
       for k in ("email", "reply_email")},
    "timezone": ["Europe/London", "UTC", "a/b/c", "Europe/", "/x", "Etc/GMT+5"],
    "response_time": ["best effort", "1 hour", "1 hours", "2 hours", "10 business days", "0 days", "01 days", "1 business day "],
    "level": ["high", "medium", "low", "High", ""], "category": ["Server", "server", "Cloud", "Other"],
    **{k: [True, False, "true", 1, None] for k in ("available", "covered")},
    "articles": [[], ["a"], ["a", "a"], ["A"], ["a-b"], ["a--b"], [f"a{i}" for i in range(20)], [f"a{i}" for i in range(21)]],
}


@verdicts
@given(st.data())
def test_apps_near_the_limits_of_each_field_get_the_same_verdict(draw):
    data = located_data(VALID_APP)
    data["links"] = {"homepage": "https://a.example/"}
    data["support"]["vendor"]["change"] = {"from": "2027-01-31", "available": False, "reason": "It ends."}
    data["support"]["clearcenter_pro"] = {"available": True, "url": "https://portal.example/", "reply_email": "r@portal.example",
                                          "change": {"from": "2027-01-31", "reply_email": "n@portal.example"}}
    for _ in range(draw.draw(st.integers(1, 3))):
        path = draw.draw(st.sampled_from([p for p in paths_in(data) if p and p[-1] in FIELD_VALUES or p[-1:] == ("from",)]))
        parent = data
        for part in path[:-1]:
            parent = parent[part]
        parent[path[-1]] = draw.draw(DATES if path[-1] == "from" else st.sampled_from(FIELD_VALUES[path[-1]]))
    fast, slow = both_verdicts(data)
    assert not fast or slow
    assert fast == slow or _trailing_line_break(data)


def _trailing_line_break(data) -> bool:
    """Say whether some text ends in a line break: jsonschema's '$' matches before it, fastjsonschema's '\\Z' does not."""
    return any(isinstance(v, str) and v.endswith("\n") for v in _values(data))


def _values(data):
    if isinstance(data, dict):
        for v in data.values():
            yield from _values(v)
    elif isinstance(data, list):
        for v in data:
            yield from _values(v)
    else:
        yield data


@pytest.mark.parametrize("schema", [
    {"$ref": "#/$defs/a", "minLength": 2, "$defs": {"a": {"type": "string"}}},   # a sibling of $ref fastjsonschema ignores
    {"type": "object", "unevaluatedProperties": False},                          # a keyword it does not know
    {"enum": ["a", True]},                                                         # true == 1 to Python's 'in'
    {"type": "number"},
    {"$ref": "https://example.com/other.json"},
    {"type": "string", "pattern": "^[$]$"},                                        # it turns every '$' into '\\Z', even in a set
])
def test_schemas_the_fast_check_might_read_differently_are_left_to_jsonschema(schema):
    validator = check.make_validator(schema)
    assert check.make_fast_validator(schema, validator.format_checker) is None


def test_formats_are_checked_by_jsonschemas_own_functions():
    calls = []

    class Recorder:
        def conforms(self, value, name):
            calls.append((value, name))
            return False
    fast = check.make_fast_validator({"type": "string", "format": "date"}, Recorder())
    assert fast("2026-01-01") is False and calls == [("2026-01-01", "date")]
