"""The written contract (docs/feed.md, README.md) says what the files hold: field tables against the schemas, version against the build.

Every object with fields in a published schema is documented by one field table of docs/feed.md (a
table whose first column is headed "field"), each under its own heading; TABLES says which objects of
which documents each heading's table documents. A field's name is a code span in a row's first cell.
"""

from __future__ import annotations

import json
import re

from markdown_it import MarkdownIt

from conftest import REPO
from policysite.engine.recipe import build
from policysite.tools.compat import documents, resolve

FEED_MD = "docs/feed.md"
FEED, APP, INDEX, CHANGES = "feed.json", "api/v1/apps/<basename>.json", "api/v1/index.json", "changes.json"
LEGEND = "api/v1/legend.json"
# Document -> (schema source file, published schema it follows).
SCHEMAS = {FEED: ("schema/feed.schema.json", "feed.schema.json"), APP: ("schema/feed.schema.json", "app.schema.json"),
           INDEX: ("schema/feed.schema.json", "index.schema.json"), LEGEND: ("schema/feed.schema.json", "legend.schema.json"),
           CHANGES: ("schema/changes.schema.json", None)}
# Heading in docs/feed.md -> the objects its field table documents, as (document, path in the document).
TABLES = {
    "The legend": {(FEED, "$.legend[]"), (APP, "$.legend[]"), (INDEX, "$.legend[]"), (LEGEND, "$.legend[]")},
    "A method in another language": {(doc, "$.legend[].translations.*") for doc in (FEED, APP, INDEX, LEGEND)},
    "The legend alone: `api/v1/legend.json`": {(LEGEND, "$")},
    "`feed.json`": {(FEED, "$")},
    "An app": {(FEED, "$.apps[]"), (APP, "$.app")},
    "A method's policy for an app": {(FEED, "$.apps[].methods[]"), (APP, "$.app.methods[]")},
    "An app's factors": {(FEED, "$.apps[].factors[]"), (APP, "$.app.factors[]")},
    "Level II": {(FEED, "$.apps[].level2"), (APP, "$.app.level2")},
    "Scheduled changes": {(FEED, "$.apps[].announced[]"), (APP, "$.app.announced[]")},
    "History": {(FEED, "$.apps[].history[]"), (APP, "$.app.history[]")},
    "An app's file: `api/v1/apps/<basename>.json`": {(APP, "$")},
    "Policy changes: `changes.json`": {(CHANGES, "$")},
    "Items of `changes.json`": {(CHANGES, "$.items[]")},
    "The index: `api/v1/index.json`": {(INDEX, "$")},
    "Entries of the index": {(INDEX, "$.apps[]")},
}
# A scheduled change is the method as it will be: its table adds to the fields of a method's policy.
INCLUDES = {"Scheduled changes": ("A method's policy for an app",)}
CURRENT_VERSION = re.compile(r"today `(\d+\.\d+)`")


def read_field_tables(text: str) -> tuple[dict[str, list[set[str]]], list[str]]:
    """Return heading -> the field sets of the field tables under it, and every heading in order."""
    tokens = MarkdownIt("commonmark").enable("table").parse(text)
    tables: dict[str, list[set[str]]] = {}
    headings, heading, i = [], None, 0
    while i < len(tokens):
        token = tokens[i]
        if token.type == "heading_open":
            heading = tokens[i + 1].content
            headings.append(heading)
        elif token.type == "table_open":
            end = next(j for j in range(i, len(tokens)) if tokens[j].type == "table_close")
            fields = table_fields(tokens[i:end])
            if fields is not None:
                tables.setdefault(heading, []).append(fields)
            i = end
        i += 1
    return tables, headings


def table_fields(tokens) -> set[str] | None:
    """Return the fields a table names in its first column (code spans), or None when it is not a field table."""
    first_cells = [tokens[k + 1] for k in range(len(tokens) - 1)
                   if tokens[k].type in ("th_open", "td_open") and tokens[k - 1].type == "tr_open"]
    if not first_cells or first_cells[0].content.strip() != "field":
        return None
    return {child.content for cell in first_cells[1:] for child in cell.children if child.type == "code_inline"}


def schema_objects() -> dict[tuple[str, str], set[str]]:
    """Return (document, path) -> field names for every object with fields in the published schemas."""
    out: dict[tuple[str, str], set[str]] = {}
    for document, (source, published) in SCHEMAS.items():
        root = json.loads((REPO / source).read_text(encoding="utf-8"))
        start = root if published is None else documents(root)[published]
        walk_objects(document, start, root, "$", out)
    return out


def walk_objects(document: str, schema: dict, root: dict, path: str, out: dict) -> None:
    """Record the fields of the object at path, then of every object below it."""
    resolved = resolve(schema, root)
    properties = resolved.get("properties", {})
    if properties:
        out[(document, path)] = set(properties)
    for name, sub in properties.items():
        walk_objects(document, sub, root, f"{path}.{name}", out)
    if isinstance(resolved.get("items"), dict):
        walk_objects(document, resolved["items"], root, f"{path}[]", out)
    if isinstance(resolved.get("additionalProperties"), dict):   # an object keyed by names it does not list ('de', 'fr')
        walk_objects(document, resolved["additionalProperties"], root, f"{path}.*", out)


def contract_mismatches() -> list[str]:
    """List every difference between docs/feed.md's field tables and the schemas, one line each."""
    tables, _ = read_field_tables((REPO / FEED_MD).read_text(encoding="utf-8"))
    objects = schema_objects()
    out = [f'{FEED_MD}: the field table under the heading "{heading}" documents no schema object; '
           f"name the objects it documents in TABLES in tests/test_feed_contract.py"
           for heading in tables if heading not in TABLES]
    out += [f'{FEED_MD}: the heading "{heading}" has {len(found)} field tables; give each its own heading'
            for heading, found in tables.items() if len(found) > 1]
    for heading, places in TABLES.items():
        if heading not in tables:
            where = ", ".join(f"{path} in {doc}" for doc, path in sorted(places))
            out.append(f'{FEED_MD}: no field table under the heading "{heading}"; it documents {where}')
            continue
        source = {name: f'"{heading}"' for name in tables[heading][0]}
        for included in INCLUDES.get(heading, ()):
            source.update({name: f'"{included}", which "{heading}" includes,' for name in tables.get(included, [set()])[0]
                           if name not in source})
        for document, path in sorted(places):
            out += object_mismatches(heading, source, document, path, objects.get((document, path)))
    claimed = set().union(*TABLES.values())
    out += [f"{SCHEMAS[doc][0]}: {path} in {doc} has fields ({', '.join(sorted(objects[(doc, path)]))}) that no table in "
            f"{FEED_MD} documents; add a field table under its own heading and name it in TABLES in tests/test_feed_contract.py"
            for doc, path in sorted(objects) if (doc, path) not in claimed]
    return out


def object_mismatches(heading: str, source: dict[str, str], document: str, path: str, fields: set[str] | None) -> list[str]:
    """Compare the fields a table documents (name -> the table that names it) with one schema object's."""
    where = f"{path} in {document} ({SCHEMAS[document][0]})"
    if fields is None:
        return [f'{FEED_MD}: the table "{heading}" documents {path} in {document}, which the schema does not describe']
    return ([f'{FEED_MD}: field `{name}` of {where} is missing from the table "{heading}"' for name in sorted(fields - set(source))]
            + [f"{FEED_MD}: the table {source[name]} documents `{name}`, which {where} does not have"
               for name in sorted(set(source) - fields)])


def test_docs_field_tables_name_exactly_the_fields_of_the_published_schemas():
    mismatches = contract_mismatches()
    assert mismatches == [], "\n".join(["", *mismatches])


def named_versions(path: str) -> list[str]:
    """Return the feed versions a file names as the current one ("today `1.2`")."""
    return CURRENT_VERSION.findall((REPO / path).read_text(encoding="utf-8"))


def test_readme_and_docs_name_the_version_the_built_files_carry(project):
    build(project.root, project.out, history_mode=None)   # not a git checkout
    built = {json.loads((project.out / rel).read_bytes())["feed_version"]
             for rel in ("feed.json", "api/v1/index.json", "api/v1/apps/sample_app.json")}
    schema = json.loads((REPO / "schema/feed.schema.json").read_text(encoding="utf-8"))
    assert built == {schema["x-version"]}
    assert {"README.md": named_versions("README.md"), FEED_MD: named_versions(FEED_MD)} == \
           {"README.md": [schema["x-version"]], FEED_MD: [schema["x-version"]]}


def test_no_field_is_said_to_arrive_in_a_version_after_the_current_one():
    current = tuple(int(n) for n in json.loads((REPO / "schema/feed.schema.json").read_text(encoding="utf-8"))["x-version"].split("."))
    texts = {path: (REPO / path).read_text(encoding="utf-8") for path in ("README.md", FEED_MD, "schema/feed.schema.json")}
    later = [f"{path}: since {major}.{minor}" for path, text in texts.items()
             for major, minor in re.findall(r"[Ss]ince (\d+)\.(\d+)", text) if (int(major), int(minor)) > current]
    assert later == []
