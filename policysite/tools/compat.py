"""Compare the feed schema with the last released one and list the changes that would break a client.

Within a major version a document may only gain optional fields (and lists of allowed values or
ranges may grow). Breaking: a field removed or renamed, a type changed, an enum, const, pattern,
format or range narrowed, a field newly required or no longer required (clients rely on it), an
object closed to fields it does not list. Such changes need a new major version.
"""

from __future__ import annotations

import difflib

from policysite.render.feed import PUBLISHED_SCHEMAS

ANNOTATIONS = {"title", "description", "$comment", "examples", "default", "$id", "$schema", "x-version"}
# keyword -> the direction in which a new value narrows what is allowed
NARROWING = {"minimum": 1, "exclusiveMinimum": 1, "minLength": 1, "minItems": 1,
             "maximum": -1, "exclusiveMaximum": -1, "maxLength": -1, "maxItems": -1}
# Keywords compared one by one below; a change to any other (anyOf, uniqueItems, ...) is reported as
# one the guard cannot judge, so it never passes a change it does not understand.
UNDERSTOOD = {"type", "enum", "const", "pattern", "format", "properties", "required", "additionalProperties",
              "items", "$defs", *NARROWING, *ANNOTATIONS}


def version_of(schema: dict) -> tuple[int, int]:
    """Return a schema's (major, minor) from its x-version."""
    major, minor = schema["x-version"].split(".")
    return int(major), int(minor)


def resolve(schema: dict, root: dict) -> dict:
    """Follow local $refs and merge allOf, the simple way the feed schema uses them."""
    merged: dict = {}
    for part in _parts(schema, root):
        for key, value in part.items():
            if key == "required":
                merged["required"] = sorted(set(merged.get("required", ())) | set(value))
            elif key == "properties":
                props = merged.setdefault("properties", {})
                for name, sub in value.items():
                    props[name] = {"allOf": [props[name], sub]} if name in props else sub
            else:
                merged.setdefault(key, value)
    return merged


def follow(ref: str, root: dict) -> dict:
    """Return the subschema a local reference points to, a $defs entry or any deeper JSON Pointer ("#/$defs/policy/properties/url")."""
    if not ref.startswith("#/"):
        raise ValueError(f"only local references are supported, got {ref!r}")
    node = root
    for token in ref[2:].split("/"):
        token = token.replace("~1", "/").replace("~0", "~")  # RFC 6901 escapes, in this order
        if isinstance(node, list) and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
        elif isinstance(node, dict) and token in node:
            node = node[token]
        else:
            raise ValueError(f"reference {ref!r} points to nothing")
    return node


def _parts(schema: dict, root: dict) -> list[dict]:
    """Return schema's own keywords followed by those it takes from $ref and allOf."""
    own = {k: v for k, v in schema.items() if k not in ("$ref", "allOf")}
    parts = [own]
    if "$ref" in schema:
        parts += _parts(follow(schema["$ref"], root), root)
    for sub in schema.get("allOf", ()):
        parts += _parts(sub, root)
    return parts


def types_of(schema: dict) -> frozenset | None:
    """Return the set of JSON types a schema allows, or None when it does not say."""
    kind = schema.get("type")
    if kind is None:
        return None
    return frozenset([kind] if isinstance(kind, str) else kind)


def allowed_values(schema: dict) -> list | None:
    """Return the values an enum or const allows, or None when it does not limit them."""
    if "const" in schema:
        return [schema["const"]]
    return list(schema["enum"]) if "enum" in schema else None


def words(types: frozenset | None) -> str:
    """Name a set of types in words."""
    return "any type" if types is None else " or ".join(sorted(types))


def compare(old: dict, new: dict, roots: tuple[dict, dict], path: str, out: list[str]) -> None:
    """Append a line to out for every breaking difference between two subschemas."""
    o, n = resolve(old, roots[0]), resolve(new, roots[1])
    ot, nt = types_of(o), types_of(n)
    if ot != nt:
        how = "narrowed" if nt is not None and (ot is None or nt < ot) else "widened" if ot is not None and (nt is None or nt > ot) else "changed"
        out.append(f"{path}: type {how} from {words(ot)} to {words(nt)}")
    before, after = allowed_values(o), allowed_values(n)
    if after is not None:
        lost = None if before is None else [v for v in before if v not in after]
        if lost is None:
            out.append(f"{path}: now limited to {after!r}")
        elif lost:
            out.append(f"{path}: allowed values narrowed: {', '.join(repr(v) for v in lost)} no longer allowed")
    for key in ("pattern", "format"):
        if key in n and n[key] != o.get(key):
            out.append(f"{path}: {key} changed from {o[key]!r} to {n[key]!r}" if key in o else f"{path}: new {key} {n[key]!r}")
    for key, sign in NARROWING.items():
        if key in n and (key not in o or (n[key] - o[key]) * sign > 0):
            out.append(f"{path}: {key} narrowed from {o.get(key)!r} to {n[key]!r}")
    for key in sorted((set(o) | set(n)) - UNDERSTOOD):
        if structure(o.get(key)) != structure(n.get(key)):
            out.append(f"{path}: {key!r} changed, which this guard cannot judge; treat it as breaking")
    compare_objects(o, n, roots, path, out)
    if "items" in o and "items" in n:
        compare(o["items"], n["items"], roots, f"{path}[]", out)


def compare_objects(o: dict, n: dict, roots: tuple[dict, dict], path: str, out: list[str]) -> None:
    """Append breaking differences in the fields of an object schema."""
    old_props, new_props = o.get("properties", {}), n.get("properties", {})
    old_req, new_req = set(o.get("required", ())), set(n.get("required", ()))
    added = sorted(set(new_props) - set(old_props))
    for name in sorted(old_props):
        where = f"{path}.{name}"
        if name not in new_props:
            hint = difflib.get_close_matches(name, added, n=1, cutoff=0.5)
            out.append(f"{where}: field removed" + (f"; renamed to {hint[0]!r}? A rename is a removal" if hint else ""))
            continue
        compare(old_props[name], new_props[name], roots, where, out)
    for name in sorted(new_req - old_req):
        out.append(f"{path}.{name}: newly required")
    for name in sorted((old_req - new_req) & set(new_props)):
        out.append(f"{path}.{name}: no longer required")
    old_extra, new_extra = o.get("additionalProperties", True), n.get("additionalProperties", True)
    if new_extra is False and old_extra is not False:
        out.append(f"{path}: no longer allows fields it does not list")
    elif isinstance(old_extra, dict) and isinstance(new_extra, dict):   # an object keyed by names, such as languages
        compare(old_extra, new_extra, roots, f"{path}.*", out)
    elif isinstance(new_extra, dict) and old_extra is True:
        out.append(f"{path}: now limits the fields it does not list to a schema; they could hold anything")


def documents(schema: dict) -> dict[str, dict]:
    """Return published schema name -> the subschema describing that document."""
    return {name: schema if pointer is None else {"$ref": f"#/$defs/{pointer}"}
            for name, pointer in PUBLISHED_SCHEMAS.items() if pointer is None or pointer in schema.get("$defs", {})}


def breaking_changes(old: dict, new: dict) -> list[str]:
    """List every change from old to new that would break a client, document by document."""
    out: list[str] = []
    new_docs = documents(new)
    for name, old_doc in documents(old).items():
        if name not in new_docs:
            out.append(f"{name}: document removed")
            continue
        found: list[str] = []
        compare(old_doc, new_docs[name], (old, new), "$", found)
        out += [f"{name}: {line}" for line in found]
    return out


def structure(schema):
    """Return a schema without its annotations, to tell real changes from wording."""
    if isinstance(schema, dict):
        return {k: structure(v) for k, v in schema.items() if k not in ANNOTATIONS}
    if isinstance(schema, list):
        return [structure(v) for v in schema]
    return schema


def check_compatible(released: dict, current: dict) -> list[str]:
    """Return what is wrong with current as the successor of released; empty when all is well."""
    old_v, new_v = version_of(released), version_of(current)
    shown = f"{current['x-version']} (released: {released['x-version']})"
    if new_v < old_v:
        return [f"x-version {shown} goes backwards"]
    breaking = breaking_changes(released, current)
    if breaking and new_v[0] == old_v[0]:
        return breaking + [f"{len(breaking)} breaking changes within major version {old_v[0]}: "
                           f"keep the old fields, or publish version {old_v[0] + 1}.0"]
    if new_v == old_v and structure(released) != structure(current):
        return [f"the schema changed but x-version is still {released['x-version']}; "
                f"raise it to {old_v[0]}.{old_v[1] + 1} so clients can tell the documents apart"]
    return []
