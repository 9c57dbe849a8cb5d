"""Write JSON for the feed: deterministic bytes, only values a client can read back, safe to inline in <script>.

orjson writes the bytes (a tenth of the json module's time). It would write NaN and infinities as
null and numbers beyond 2^53 as they are, so every value passes our own check first, which refuses
them as it always did; and it writes some floats another way than Python does (1e-07 as 1e-7), so a
float (none of our documents has one) is handed to it already written as Python writes it. The bytes
are the json module's with sort_keys, compact separators and ensure_ascii off, then the script-safe
escapes (tests/test_jsondump.py compares the two on generated values).
"""

from __future__ import annotations

import math
import re

import orjson

MAX_SAFE_INTEGER = 2**53 - 1  # beyond this a JavaScript client silently loses precision
_SURROGATE = re.compile("[\ud800-\udfff]")
# Characters escaped so a client can inline the JSON in a <script> element, as UTF-8 bytes.
_SCRIPT_SAFE = {b"<": b"\\u003c", b">": b"\\u003e", b"&": b"\\u0026", "\u2028".encode(): b"\\u2028", "\u2029".encode(): b"\\u2029"}


def check_json_value(data, path: str = "$") -> bool:
    """Refuse what JSON cannot carry safely: NaN, infinities, unsafe integers, lone surrogates, odd types (ValueError
    saying where and why); return True if data holds a value orjson writes otherwise than the json module."""
    odd = _scan(data)
    if odd is None:
        explain_json_value(data, path)
    return bool(odd)


def _scan(data) -> bool | None:
    """Walk data once, without recursion (the quick pass: no paths built): None if explain_json_value would refuse it,
    else whether it holds a value orjson writes otherwise than the json module (a float, a tuple subclass).

    Exact types are tried first, as they are nearly every value; subclasses (Markup) take the general rules.
    """
    stack, odd = [data], False
    while stack:
        value = stack.pop()
        kind = type(value)
        if kind is str:
            if not value.isascii() and _SURROGATE.search(value):
                return None
        elif kind is dict and all(type(k) is str and (k.isascii() or not _SURROGATE.search(k)) for k in value):
            stack.extend(value.values())
        elif kind is list:
            stack.extend(value)
        elif kind is int:
            if not -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER:
                return None
        elif value is None or kind is bool:
            continue
        else:
            found = _scan_general(value)
            if found is None:
                return None
            odd = odd or found
    return odd


def _scan_general(value) -> bool | None:
    """Scan one value of any type by the rules of explain_json_value, as _scan does."""
    if isinstance(value, str):
        return None if _SURROGATE.search(value) else False
    if isinstance(value, dict):
        if not all(isinstance(k, str) and not _SURROGATE.search(k) for k in value):
            return None
        found = [_scan(v) for v in value.values()]
        return None if None in found else any(found)
    if isinstance(value, (list, tuple)):
        found = [_scan(v) for v in value]
        return None if None in found else (type(value) is not tuple and isinstance(value, tuple)) or any(found)
    if isinstance(value, bool) or value is None:
        return False
    if isinstance(value, int):
        return None if abs(value) > MAX_SAFE_INTEGER else False
    if isinstance(value, float):
        return None if not math.isfinite(value) else True
    return None


def explain_json_value(data, path: str = "$") -> None:
    """Raise ValueError naming where and why data cannot be written as JSON."""
    if isinstance(data, dict):
        for key, value in data.items():
            if not isinstance(key, str):
                raise ValueError(f"{path}: object key {key!r} is not text")
            explain_json_value(key, f"{path} (key)")
            explain_json_value(value, f"{path}.{key}")
    elif isinstance(data, (list, tuple)):
        for i, value in enumerate(data):
            explain_json_value(value, f"{path}[{i}]")
    elif isinstance(data, str):
        bad = _SURROGATE.search(data)
        if bad is not None:
            raise ValueError(f"{path}: lone surrogate U+{ord(bad.group()):04X} cannot be written as UTF-8")
    elif isinstance(data, bool) or data is None:
        pass
    elif isinstance(data, int):
        if abs(data) > MAX_SAFE_INTEGER:
            raise ValueError(f"{path}: integer {data} is beyond ±(2^53 - 1), which JavaScript cannot hold exactly")
    elif isinstance(data, float):
        if not math.isfinite(data):
            raise ValueError(f"{path}: {data} is not a JSON number")
    else:
        raise ValueError(f"{path}: {type(data).__name__} is not a JSON value")


def dump_json(data) -> bytes:
    """Serialise deterministically: sorted keys, UTF-8, only safe values, safe to inline in <script>."""
    odd = check_json_value(data)
    out = orjson.dumps(_as_python_writes(data) if odd else data, option=orjson.OPT_SORT_KEYS)
    for raw, escaped in _SCRIPT_SAFE.items():
        out = out.replace(raw, escaped)
    return out + b"\n"


def _as_python_writes(data):
    """Return data with every float as the JSON text the json module writes for it, and tuples as lists."""
    if isinstance(data, dict):
        return {k: _as_python_writes(v) for k, v in data.items()}
    if isinstance(data, (list, tuple)):
        return [_as_python_writes(v) for v in data]
    if isinstance(data, float):
        return orjson.Fragment(float.__repr__(data))
    return data
