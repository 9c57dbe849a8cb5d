"""Check located YAML against a JSON Schema, typing scalars by what the schema expects.

Every mistake becomes a Problem at the line and column of the value (or key)
it concerns, worded "field.path: expected X, got Y", with a hint when cheap.
A file is first tried against the same schema compiled by fastjsonschema (about
thirty times faster); only when that finds a mistake, or cannot be trusted with
the schema, does jsonschema run and say where and what.
"""

from __future__ import annotations

import difflib
import json
import re
from functools import lru_cache
from pathlib import Path

import fastjsonschema
import jsonschema

from policysite import languages
from policysite.check import hours, zones
from policysite.resources import shipped_folder
from policysite.problems import ContentError, Problem, clip, did_you_mean
from policysite.sources.checkout import read_capped
from policysite.sources.loader import Node, decode_text

SCHEMA_DIR = shipped_folder("schema")   # the tool's own (resources.py), never the project's; read as hostile all the same
SCHEMA_FILES = ("app.schema.json", "config.schema.json", "feed.schema.json", "changes.schema.json")
INT_RE = re.compile(r"^-?(0|[1-9][0-9]{0,15})\Z")
RESPONSE_RE = re.compile(r"^([1-9][0-9]*) +(business +)?(hour|day)s?\Z")
NULLS = {"", "~", "null", "Null", "NULL"}
TYPE_WORDS = {
    "boolean": "true or false", "string": "text", "object": "a mapping of fields",
    "array": "a list", "integer": "a whole number", "null": "nothing",
}
# Keywords on which fastjsonschema (drafts 4 to 2019-09) and jsonschema's Draft 2020-12 give the same verdict for
# the values our schemas use (tests/test_check_fast.py); a schema with any other keyword is left to jsonschema.
FAST_KEYWORDS = {"type", "properties", "additionalProperties", "required", "enum", "const", "pattern", "format", "minLength",
                 "maxLength", "items", "uniqueItems", "minItems", "maxItems", "minimum", "maximum", "$ref", "$defs", "allOf"}
ANNOTATIONS = {"$schema", "$id", "$comment", "title", "description", "examples"}
FAST_TYPES = {"object", "array", "string", "boolean", "integer", "null"}
_FAST_CACHE: dict[int, tuple[dict, object]] = {}   # id of a schema -> (the schema, kept so the id stays its own; its check)
# What a pattern means, in words; keyed by the pattern text in the schema files.
PATTERN_WORDS = {
    # (?!\n): Python's $ also matches before a final line break, JavaScript's (editors) does not.
    "^[^\\n]+$(?!\\n)": "a single line of text",
    "^https?://[^\\s\"'<>\\\\`]+$": "an http:// or https:// address",
    "^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\\.[A-Za-z0-9-]+)+$": "an email address such as 'support@example.com'",
    zones.AREA_PATTERN: f"an Area/Location time zone such as '{zones.EXAMPLE}'",
    hours.HOURS_PATTERN: f"hours such as 'Monday to Friday, 09:00 to 17:00' (24-hour clock; more parts joined by '; ') "
                         f"or '{hours.AROUND_THE_CLOCK}'",
    "^(best effort|1 (business )?(hour|day)|([2-9]|[1-9][0-9]+) (business )?(hours|days))$":
        "'best effort' or a time such as '4 business hours' or '2 days'",
    "^[0-9]{4}-[0-9]{2}-[0-9]{2}$": "a date as YYYY-MM-DD",
    "^[a-z0-9]+(-[a-z0-9]+)*$": "an article id such as 'software-raid-5'",
    "^[a-z0-9]+(_[a-z0-9]+)*$": "lower-case letters, digits and single underscores",
    "^#[0-9a-f]{6}$": "a colour as #rrggbb in lower case",
    "^[A-Z]$": "one capital letter",
}


@lru_cache(maxsize=None)
def load_schema(name: str) -> dict:
    """Load a schema file from the repository's schema/ folder, never through a link; raise ContentError if it cannot be."""
    src_path = f"{SCHEMA_DIR.name}/{name}"
    problems: list[Problem] = []
    data = read_capped(SCHEMA_DIR / name, src_path, problems)
    text, found = decode_text(data, src_path) if data is not None else (None, [])
    problems += found
    if text is not None and not found:
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            problems.append(Problem(src_path, exc.lineno, exc.colno, f"not valid JSON: {exc.msg}"))
        except RecursionError:
            problems.append(Problem(src_path, 1, 1, "not valid JSON: nested too deeply"))
    raise ContentError(problems)


def read_schemas() -> None:
    """Read every schema the build uses, first: raise ContentError with every problem they have."""
    problems: list[Problem] = []
    for name in SCHEMA_FILES:
        try:
            load_schema(name)
        except ContentError as exc:
            problems += exc.problems
    if problems:
        raise ContentError(list(dict.fromkeys(problems)))   # a linked schema/ is one problem, not one per file


@lru_cache(maxsize=None)
def validator_for(name: str, pointer: str = "") -> jsonschema.protocols.Validator:
    """Return a validator for a schema file, or for one of its $defs."""
    root = load_schema(name)
    schema = {"$defs": root["$defs"], "$ref": f"#/$defs/{pointer}"} if pointer else root
    return make_validator(schema)


def make_validator(schema: dict) -> jsonschema.protocols.Validator:
    """Return a Draft 2020-12 validator that also checks formats (dates, URIs)."""
    cls = jsonschema.Draft202012Validator
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def make_fast_validator(schema: dict, format_checker):
    """Compile schema with fastjsonschema into a yes/no check, or return None if its verdict might differ from jsonschema's."""
    stripped = _fast_schema(schema)
    if stripped is None:
        return None
    # Formats are checked by jsonschema's own functions: fastjsonschema's differ (and it knows other formats).
    conforms = format_checker.conforms if format_checker is not None else (lambda value, name: True)
    formats = {name: (lambda value, name=name: conforms(value, name)) for name in _formats(stripped)}
    try:
        validate = fastjsonschema.compile(stripped, formats=formats, use_default=False, detailed_exceptions=False)
    except Exception:  # noqa: BLE001 - e.g. a pattern it rewrites into one Python refuses: jsonschema alone then
        return None

    def is_valid(data) -> bool:
        try:
            validate(data)
        except Exception:  # noqa: BLE001 - a mistake, or doubt: jsonschema decides and says where
            return False
        return True
    return is_valid


class FastFirst:
    """A jsonschema validator with the compiled yes/no check in front: the full check runs only on a 'no'."""

    def __init__(self, full, fast):
        self.full, self.fast = full, fast
        self.schema, self.format_checker = full.schema, full.format_checker

    def iter_errors(self, data):
        """Yield nothing if the compiled check passes data, else the full validator's errors."""
        return iter(()) if self.fast(data) else self.full.iter_errors(data)


def make_fast_first(schema: dict):
    """Return a validator for schema with the compiled check in front, or the plain one where that cannot be trusted."""
    full = make_validator(schema)
    fast = make_fast_validator(schema, full.format_checker)
    return FastFirst(full, fast) if fast is not None else full


def _fast_schema(schema):
    """Return schema without annotations if fastjsonschema reads every keyword in it as Draft 2020-12 does, else None."""
    if isinstance(schema, bool):
        return schema
    if not isinstance(schema, dict) or not {k for k in schema if not k.startswith("x-")} <= FAST_KEYWORDS | ANNOTATIONS:
        return None
    out = {}
    for key, value in schema.items():
        if key in ANNOTATIONS or key.startswith("x-"):   # x-version and the like annotate
            continue
        if key in ("properties", "$defs"):
            value = {k: _fast_schema(v) for k, v in value.items()}
            if None in value.values():
                return None
        elif key in ("items", "additionalProperties"):
            value = _fast_schema(value)
        elif key == "allOf":
            value = [_fast_schema(v) for v in value] if isinstance(value, list) else None
            if value is None or None in value:
                return None
        elif key == "const" and not isinstance(value, str):
            return None  # as for enum below
        elif key == "$ref":  # fastjsonschema ignores what stands beside a $ref; 2020-12 applies it
            if not value.startswith("#/") or set(schema) - ANNOTATIONS - {"$ref", "$defs"}:
                return None
        elif key == "enum" and not (all(isinstance(v, str) for v in value) or (
                schema.get("type") == "integer" and all(type(v) is int for v in value))):
            return None  # keeps true, 1 and 1.0 out of the comparison (an integer type beside it refuses true and 1.0)
        elif key == "type" and not set([value] if isinstance(value, str) else value) <= FAST_TYPES:
            return None
        if value is None:
            return None
        out[key] = value
    return out


def _formats(schema) -> set[str]:
    """Return every format name a schema uses."""
    if isinstance(schema, dict):
        found = {schema["format"]} if isinstance(schema.get("format"), str) else set()
        return found.union(*(_formats(v) for v in schema.values()))
    return set()


class Located:
    """Plain data typed from a Node tree, with the position of every value and key."""

    def __init__(self, node: Node, validator):
        self.value_pos: dict[tuple, tuple[int, int]] = {}
        self.key_pos: dict[tuple, tuple[int, int]] = {}
        self.nodes: dict[tuple, Node] = {}
        self.invalid: set[tuple] = set()      # data paths where the schema found a mistake
        self._root = validator.schema
        self.data = self._convert(node, validator.schema, ())

    def is_sound(self, path: tuple) -> bool:
        """Return True if the schema found no mistake at path or inside it."""
        return not any(bad[:len(path)] == path for bad in self.invalid)

    def pos(self, path: tuple) -> tuple[int, int]:
        """Return where the value at path is, or its nearest located ancestor."""
        while path not in self.value_pos:
            path = path[:-1]
        return self.value_pos[path]

    def _resolve(self, schema: dict | None) -> dict | None:
        while schema and "$ref" in schema and schema["$ref"].startswith("#/$defs/"):
            merged = {k: v for k, v in schema.items() if k != "$ref"}
            target = self._root
            for part in schema["$ref"][2:].split("/"):   # '#/$defs/a/properties/b' walks into nested schemas
                target = target[part]
            schema = {**target, **merged}
        return schema

    def _convert(self, node: Node, schema: dict | None, path: tuple):
        schema = self._resolve(schema)
        self.value_pos[path] = (node.line, node.col)
        self.nodes[path] = node
        if node.kind == "map":
            props = (schema or {}).get("properties", {})
            out = {}
            for key, child in node.value.items():
                self.key_pos[path + (key,)] = node.key_pos[key]
                out[key] = self._convert(child, props.get(key), path + (key,))
            return out
        if node.kind == "seq":
            items = (schema or {}).get("items")
            return [self._convert(child, items, path + (i,)) for i, child in enumerate(node.value)]
        return _type_scalar(node, schema)


def _type_scalar(node: Node, schema: dict | None):
    """Give a scalar the type the schema expects; leave anything else as text."""
    text = node.value
    if node.plain and text in NULLS:
        return None
    wanted = (schema or {}).get("type")
    if node.plain and wanted == "boolean" and text in ("true", "false"):
        return text == "true"
    if node.plain and wanted == "integer" and INT_RE.match(text):
        return int(text)
    return text


def _pattern_hint(value, path: tuple) -> str:
    """Return a cheap hint for a value that fails its pattern in a common way, or ''."""
    if not isinstance(value, str) or not path:
        return ""
    if value.lower().startswith("mailto:") and path[-1] in ("email", "url"):
        return "; write the address without 'mailto:'" if path[-1] == "email" else "; an email address goes in 'email', without 'mailto:'"
    if path[-1] == "response_time" and (m := RESPONSE_RE.match(value.strip().lower())):
        number, business, unit = m.groups()
        fixed = f"{number} {'business ' if business else ''}{unit}{'' if number == '1' else 's'}"
        return f"; did you mean '{fixed}'?" if fixed != value else ""
    if path[-1] == "timezone":
        return zones.zone_hint(value) or ""
    if path[-1] == "hours" and (fixed := hours.suggest_hours(value)):
        return f"; did you mean '{fixed}'?"
    if value.endswith("\n") and "\n" not in value[:-1]:
        return "; it ends with a line break: write it on the same line as its key, or use '|-' instead of '|'"
    if path[-1] in ("url", "homepage", "documentation") and ":" not in value and "." in value and " " not in value \
            and not value.startswith("/"):  # a relative or protocol-relative address is not a missing scheme
        return f"; did you mean 'https://{clip(value)}'?"
    return ""


def dotted(path) -> str:
    """Format a data path as field.sub[0].name."""
    out = ""
    for part in path:
        if isinstance(part, str) and (not part.isprintable() or len(part) > 60):
            part = repr(clip(part))   # a key with a line break must not print as two lines (or a CI command)
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def describe(value) -> str:
    """Describe a got-value for a message, as the author wrote it where possible."""
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "a mapping of fields"
    if isinstance(value, list):
        return "a list"
    return repr(clip(str(value)))


def check_against(node: Node, src_path: str, validator, noun: str = "field", own=None) -> tuple[Located, list[Problem]]:
    """Type and validate a node tree; return the located data and its problems.

    own(path, value) says which values the caller reports itself (placeholders): they count as mistakes, unworded here.
    """
    located = Located(node, validator)
    fast = _fast_for(validator)
    if fast is not None and fast(located.data):
        return located, []
    problems: list[Problem] = []
    seen_values = set()
    for error in validator.iter_errors(located.data):
        located.invalid.add(tuple(error.absolute_path))
        if own is not None and own(tuple(error.absolute_path), error.instance):
            continue
        if error.validator not in ("required", "additionalProperties"):
            # one message per value: a bad date fails both its pattern and its format
            if tuple(error.absolute_path) in seen_values:
                continue
            seen_values.add(tuple(error.absolute_path))
        problems.extend(_translate(error, located, src_path, noun))
    return located, list(dict.fromkeys(problems))   # jsonschema says 'required' once per missing field; we list them all each time


def _fast_for(validator):
    """Return the fast yes/no check for a validator's schema, compiled once per schema."""
    key = id(validator.schema)
    if key not in _FAST_CACHE:
        _FAST_CACHE[key] = (validator.schema, make_fast_validator(validator.schema, validator.format_checker))
    return _FAST_CACHE[key][1]


def _translate(error, located: Located, src_path: str, noun: str) -> list[Problem]:
    """Turn one jsonschema error into located problems with plain wording."""
    path = tuple(error.absolute_path)
    where = dotted(path)
    prefix = f"{where}: " if where else ""
    kind, spec, schema = error.validator, error.validator_value, error.schema
    line, col = located.pos(path)
    got = describe(error.instance)
    if kind == "required":
        # A misspelt key is reported once, as unknown with a hint, not again as missing.
        extras = [k for k in error.instance if k not in schema.get("properties", {})]
        missing = [k for k in spec if k not in error.instance and not difflib.get_close_matches(k, extras, n=1, cutoff=0.6)]
        what = "method" if where == "support" else f"required {noun}"
        return [Problem(src_path, line, col, f"{prefix}missing {what} '{k}'") for k in missing]
    if kind == "additionalProperties":
        known = schema.get("properties", {})
        # A field the schema leaves out on purpose (x-refused) says why and what to write instead.
        refused = schema.get("x-refused", {})
        what = "method" if where == "support" else schema.get("x-noun", noun)   # x-noun: what the keys are ('language')
        hint = languages.hint if what == "language" else did_you_mean
        return [
            Problem(src_path, *located.key_pos[path + (k,)],
                    f"{dotted(path + (k,))}: {refused[k]}" if k in refused else f"{dotted(path + (k,))}: unknown {what}{hint(k, known)}")
            for k in error.instance if k not in known
        ]
    if kind == "type":
        if isinstance(error.instance, str) and not located.nodes[path].plain:
            got = f"the quoted text {clip(error.instance)!r}"
        types = spec if isinstance(spec, list) else [spec]
        expected = " or ".join(TYPE_WORDS.get(t, t) for t in types)
        return [Problem(src_path, line, col, f"{prefix}expected {expected}, got {got}")]
    if kind == "enum":
        choices = ", ".join(repr(c) for c in spec)
        hint = did_you_mean(error.instance, [str(c) for c in spec]) if isinstance(error.instance, str) else ""
        return [Problem(src_path, line, col, f"{prefix}expected one of {choices}, got {got}{hint}")]
    if kind == "pattern":
        words = PATTERN_WORDS.get(spec, f"text matching {spec}")
        return [Problem(src_path, line, col, f"{prefix}expected {words}, got {got}{_pattern_hint(error.instance, path)}")]
    if kind == "format":
        return [Problem(src_path, line, col, f"{prefix}expected a real calendar date as YYYY-MM-DD, got {got}")]
    if kind == "minLength":
        return [Problem(src_path, line, col, f"{prefix}expected text, got an empty value")]
    if kind == "maxLength":
        return [Problem(src_path, line, col, f"{prefix}is {len(error.instance)} characters long; the limit is {spec}")]
    if kind == "uniqueItems":
        return [Problem(src_path, line, col, f"{prefix}lists the same item more than once")]
    if kind in ("maxItems", "minItems"):
        bound = "at most" if kind == "maxItems" else "at least"
        return [Problem(src_path, line, col, f"{prefix}expected {bound} {spec} items, got {len(error.instance)}")]
    if kind in ("minimum", "maximum"):
        return [Problem(src_path, line, col, f"{prefix}expected a number {'at least' if kind == 'minimum' else 'at most'} {spec}, got {got}")]
    return [Problem(src_path, line, col, f"{prefix}{clip(error.message, 200)}")]
