"""Editor support: every app file names the schema on its first line, and every field of the schema
has a description and an example (which is itself valid), so completion explains itself."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from conftest import REPO

SCHEMA_PATH = REPO / "schema/app.schema.json"
SCHEMA = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
MODELINE = "# yaml-language-server: $schema=../../schema/app.schema.json"


def resolve(schema: dict) -> dict:
    """Merge a $ref'd schema under the keywords written beside the $ref, as editors show them."""
    while "$ref" in schema:
        target = SCHEMA
        for part in schema["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        schema = {**target, **{k: v for k, v in schema.items() if k != "$ref"}}
    return schema


def fields(schema: dict, path: str = ""):
    """Yield (dotted path, resolved schema) for every property, recursively, scheduled changes included."""
    schema = resolve(schema)
    for name, child in schema.get("properties", {}).items():
        child_path = f"{path}.{name}" if path else name
        yield child_path, resolve(child)
        if child_path.count(".") < 4:
            yield from fields(child, child_path)


FIELDS = sorted(dict(fields(SCHEMA)).items())


def test_schema_is_a_valid_draft_2020_12_schema():
    jsonschema.Draft202012Validator.check_schema(SCHEMA)


def test_the_schema_describes_many_fields():
    names = [p for p, _ in FIELDS]
    assert len(names) >= 40
    assert "support.vendor.change.from" in names and "support.clearcenter_pro.response_time" in names


@pytest.mark.parametrize("path, schema", FIELDS, ids=[p for p, _ in FIELDS])
def test_every_field_has_a_description_and_a_valid_example(path, schema):
    assert len(schema.get("description", "")) >= 10, f"{path} has no description"
    assert schema.get("examples"), f"{path} has no example"
    validator = jsonschema.Draft202012Validator({**schema, "$defs": SCHEMA["$defs"]},
                                                format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
    for example in schema["examples"]:
        assert not list(validator.iter_errors(example)), f"{path}: example {example!r} is not valid"


def test_response_time_forms_are_documented_in_the_schema():
    schema = dict(FIELDS)["support.vendor.response_time"]
    for form in ("best effort", "1 hour", "4 hours", "1 business day", "2 days"):
        assert f"'{form}'" in schema["description"]


@pytest.mark.parametrize("app_file", sorted((REPO / "content/apps").glob("*.yaml")), ids=lambda p: p.stem)
def test_every_app_file_names_the_schema_on_its_first_line(app_file: Path):
    first = app_file.read_text(encoding="utf-8").splitlines()[0]
    assert first == MODELINE
    assert (app_file.parent / first.split("=", 1)[1]).resolve() == SCHEMA_PATH
