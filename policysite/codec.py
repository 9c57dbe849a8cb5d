"""Data-only encoding of what the cache remembers: JSON with a few tagged types, never code.

Decoding (orjson, or the json module where orjson refuses the text) can only build plain values (text, numbers, lists, tuples, dictionaries, bytes, dates,
Markup) and the dataclasses a caller names; anything else is refused. So even a cache entry that
passed its authentication check could not make the build run code. A JSON array is a tuple, the
commonest container in what is remembered (frozen dataclasses hold tuples), so it costs the parser
no tag object; every JSON object written is a tag, so objects are told apart from dictionaries
without looking inside them:

    [...] tuple   {"l": [...]} list   {"d": [k, v, ...]} dict   {"b": "..."} bytes (as Latin-1 text)
    {"D": "2026-01-31"} date   {"T": "...+00:00"} datetime   {"m": "..."} Markup
    {"c": "Problem", "f": [...]} one of the named dataclasses, by its fields in order
"""

from __future__ import annotations

import dataclasses
import datetime
import json
import math

import orjson
from markupsafe import Markup


class DecodeError(ValueError):
    """The text is not an encoding of allowed values."""


def encode(value, classes: dict[str, type]) -> bytes:
    """Return value as one line of JSON, in UTF-8 (lone surrogates from odd file names kept as they are)."""
    data = to_data(value, classes)
    try:
        return orjson.dumps(data)   # floats that are not finite never get here (to_data)
    except orjson.JSONEncodeError:   # lone surrogates, or an integer beyond 64 bits: the json module writes those
        text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
        return text.encode("utf-8", "surrogatepass")


def decode(data: bytes, classes: dict[str, type]):
    """Return the value encoded in data, or raise DecodeError."""
    try:
        try:
            found = orjson.loads(data)
        except orjson.JSONDecodeError:   # lone surrogates (odd file names), or a number orjson does not take
            found = json.loads(data.decode("utf-8", "surrogatepass"))
        return from_data(found, classes)
    except (ValueError, TypeError, KeyError, RecursionError) as exc:
        raise DecodeError(str(exc)[:200]) from None


def from_data(value, classes: dict[str, type]):
    """Return the value JSON-parsed data stands for: every object in it is a tag (from_tag), innermost first.

    Only arrays and objects are walked into, and plain values in them are taken without a call: a memo of
    10,000 app results holds hundreds of thousands of both."""
    kind = type(value)
    if kind is list:
        return tuple([from_data(v, classes) if type(v) in _NESTED else v for v in value])
    if kind is not dict:
        return value
    if len(value) == 1:
        (tag, body), = value.items()
        if tag == "l" and type(body) is list:
            return [from_data(v, classes) if type(v) in _NESTED else v for v in body]
        if tag == "b" and type(body) is str:
            return body.encode("latin-1")
    return from_tag({k: from_data(v, classes) if type(v) in _NESTED else v for k, v in value.items()}, classes)


_NESTED = (list, dict)
_AS_THEY_ARE = frozenset({str, int, bool, type(None)})


def named(*classes: type) -> dict[str, type]:
    """Return the classes a store may hold, by name."""
    return {cls.__name__: cls for cls in classes}


def to_data(value, classes: dict[str, type]):
    """Return value as JSON-ready data with tags for what JSON has no type for; refuse a float that is not finite.

    Text, whole numbers, booleans and None are taken as they are without a call (a memo of 10,000 app results
    holds some 600,000 values)."""
    kind = type(value)
    if kind in _AS_THEY_ARE:
        return value
    if kind is float:
        if not math.isfinite(value):
            raise ValueError("cannot remember a float that is not finite")
        return value
    if kind is tuple:
        return [v if type(v) in _AS_THEY_ARE else to_data(v, classes) for v in value]
    if kind is list:
        return {"l": [v if type(v) in _AS_THEY_ARE else to_data(v, classes) for v in value]}
    if kind is dict:
        return {"d": [x for k, v in value.items() for x in (to_data(k, classes), to_data(v, classes))]}
    if kind is bytes:
        return {"b": value.decode("latin-1")}
    if kind is datetime.datetime:
        return {"T": value.isoformat()}
    if kind is datetime.date:
        return {"D": value.isoformat()}
    if kind is Markup:
        return {"m": str(value)}
    if classes.get(kind.__name__) is kind:
        return {"c": kind.__name__, "f": [to_data(getattr(value, f.name), classes) for f in dataclasses.fields(kind)]}
    raise TypeError(f"cannot remember a {kind.__name__}")


def from_tag(obj: dict, classes: dict[str, type]):
    """Turn one tagged JSON object back into its value (json calls this innermost first)."""
    if len(obj) == 2:
        cls = classes[obj["c"]]
        return cls(*obj["f"])
    if len(obj) != 1:
        raise DecodeError("not a tagged value")
    (tag, body), = obj.items()
    if tag == "l":
        return list(body)
    if tag == "d":
        return dict(zip(body[0::2], body[1::2]))
    if tag == "b":
        return body.encode("latin-1")
    if tag == "T":
        return datetime.datetime.fromisoformat(body)
    if tag == "D":
        return datetime.date.fromisoformat(body)
    if tag == "m":
        return Markup(body)
    raise DecodeError(f"unknown tag {tag!r}")
