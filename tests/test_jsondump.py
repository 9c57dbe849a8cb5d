"""dump_json writes with orjson exactly the bytes the json module wrote, and refuses exactly what it refused."""

from __future__ import annotations

import collections
import json
from datetime import timedelta

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markupsafe import Markup

from policysite.render.jsondump import dump_json, explain_json_value

SCRIPT_SAFE = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}
# Characters a JSON writer treats apart: escapes, the script-safe ones, line separators, astral, surrogates.
Pair = collections.namedtuple("Pair", "a b")
SPECIAL = list("<>&\"\\/\x00\x08\x09\x0a\x0c\x0d\x1b\x1f\x7f\x85\u2028\u2029\ufeff\ud800\udfff\U0001f600éß中 ")
TEXT = st.text(st.one_of(st.sampled_from(SPECIAL), st.characters(exclude_categories=())), max_size=12)
SCALARS = st.one_of(st.none(), st.booleans(), TEXT, TEXT.map(Markup),
                    st.integers(-(2**53) - 3, 2**53 + 3), st.integers(-(2**70), 2**70), st.sampled_from([2**63, 2**64, -(2**63) - 1]),
                    st.floats(), st.sampled_from([1e-07, 2.5e-05, 1e16, 1e22, 5e-324, -0.0, 0.1, 1e300, 123456789.125]))
KEYS = st.one_of(TEXT, TEXT, st.integers(-3, 3), st.none(), st.booleans(), st.floats(width=16))
VALUES = st.recursive(SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=5), st.lists(inner, max_size=5).map(tuple), st.dictionaries(KEYS, inner, max_size=5),
    st.dictionaries(TEXT, inner, max_size=3).map(collections.OrderedDict), st.tuples(inner, inner).map(lambda t: Pair(*t))),
    max_leaves=40)


def reference(data) -> bytes:
    """Write data as dump_json did before orjson: the same check, then the json module and the script-safe escapes."""
    explain_json_value(data)
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False)
    for raw, escaped in SCRIPT_SAFE.items():
        text = text.replace(raw, escaped)
    return (text + "\n").encode("utf-8")


def outcome(write, data):
    """Return the bytes written, or the refusal as (type, message)."""
    try:
        return write(data)
    except (ValueError, TypeError) as exc:
        return type(exc), str(exc)


@settings(max_examples=1500, deadline=timedelta(seconds=5))
@given(VALUES)
def test_dump_json_gives_the_json_modules_bytes_or_its_refusal_for_any_value(data):
    assert outcome(dump_json, data) == outcome(reference, data)


@pytest.mark.parametrize("data", [
    {"x": float("nan")}, {"x": [float("inf")]}, {"x": -float("inf")},
    {"x": 2**53}, {"x": 2**64}, {"x": 2**70}, {"x": -(2**53)},
    {"x": "a\ud800b"}, {"a\udfffb": 1}, {1: "x"}, {None: 1},
    {"x": {1, 2}}, {"x": b"bytes"}, {"x": orjson.Fragment(b"1")},
], ids=repr)
def test_what_orjson_would_write_or_refuse_another_way_is_refused_as_before(data):
    """orjson writes NaN and infinities as null and integers up to 2^64 as they are: our check refuses them first."""
    with pytest.raises(ValueError) as exc:
        dump_json(data)
    assert (ValueError, str(exc.value)) == outcome(reference, data)


def test_orjson_alone_would_write_nan_as_null_which_is_why_the_check_stays():
    assert orjson.dumps(float("nan")) == b"null" and orjson.dumps(2**60) == b"1152921504606846976"


@pytest.mark.parametrize("data", [
    {"t": Pair(1, 2.5)}, {"m": Markup("<b>&amp;</b>")}, collections.OrderedDict(b=1, a=(1.0, -0.0, 1e-07)),
    {"s": "\u2028<script>\u2029&"}, [1e16, 2.5e-05, 0.1, 5e-324],
], ids=repr)
def test_floats_tuples_and_subclasses_are_written_as_the_json_module_wrote_them(data):
    assert dump_json(data) == reference(data)


def test_a_value_nested_deeper_than_orjson_writes_is_an_error_not_other_bytes():
    """No document of ours is nested more than a few levels; past orjson's limit of 254 the writer refuses."""
    deep: list = []
    for _ in range(300):
        deep = [deep]
    with pytest.raises(TypeError, match="Recursion limit reached"):
        dump_json(deep)
