"""The compiled schema check used on large builds judges every document exactly as jsonschema does.

It only ever answers "valid" by itself; anything it rejects goes to jsonschema for the messages.
So what matters is that it never passes a document jsonschema would refuse, and (for speed) that it
rarely refuses one jsonschema passes. Both are checked on every JSON document of the example site
and on many damaged copies of them.
"""

from __future__ import annotations

import copy
import json

import pytest

from conftest import REPO
from policysite.check.schema import FastFirst, make_fast_first
from policysite.check.schema import load_schema
from policysite.render import feed

SCHEMA = load_schema("feed.schema.json")
SAMPLE_APPS = {"api/v1/apps/web_proxy.json", "api/v1/apps/appfirst.json", "api/v1/apps/openvpn.json"}
BAD_VALUES = [None, True, 0, -1, 2**40, 1.5, "", "x", "not a url", "https://ok.example/", "2026-02-30", "2026-01-01",
              "#12345g", "a\nb", [], [1], {}, {"id": "x"}]


def documents(built_site):
    """Yield (schema name, document) for every JSON document of the built example site that follows a published schema."""
    for path in sorted(built_site.rglob("*.json")):
        rel = path.relative_to(built_site).as_posix()
        if rel.startswith(("schema/", "api/v1/by-hash/", "assets/")) or rel == "changes.json":   # assets/: the pages' own files
            continue
        if rel.startswith("api/v1/apps/") and rel not in SAMPLE_APPS:
            continue   # a few apps' files are enough: they all have the same shape
        doc = json.loads(path.read_bytes())
        yield doc["schema"].rsplit("/", 1)[1], doc


def damaged(doc, limit=400):
    """Yield copies of doc with one value replaced, one key removed or one key added, breadth first."""
    paths, todo = [], [((), doc)]
    while todo and len(paths) < limit:
        where, node = todo.pop(0)
        children = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
        for key, child in children:
            paths.append(where + (key,))
            todo.append((where + (key,), child))
    for path in paths[:limit]:
        for value in BAD_VALUES:
            copied = copy.deepcopy(doc)
            parent = copied
            for key in path[:-1]:
                parent = parent[key]
            parent[path[-1]] = value
            yield copied
        copied = copy.deepcopy(doc)
        parent = copied
        for key in path[:-1]:
            parent = parent[key]
        if isinstance(parent, dict):
            del parent[path[-1]]
            yield copied
            parent["unexpected_field"] = 1
            yield copied


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    import subprocess
    import sys

    out = tmp_path_factory.mktemp("quick") / "site"
    subprocess.run([sys.executable, str(REPO / "build.py"), "--out", str(out)], check=True, capture_output=True)
    return out


def test_the_compiled_check_is_used_for_every_published_schema():
    whole, items = feed.document_validators(SCHEMA, quick=True)
    assert all(isinstance(v, FastFirst) for v in whole.values())
    assert all(isinstance(v, FastFirst) for _, v in items.values())


def test_the_compiled_check_agrees_with_jsonschema_on_real_and_damaged_documents(site):
    quick_whole, quick_items = feed.document_validators(SCHEMA, quick=True)
    full_whole, full_items = feed.document_validators(SCHEMA, quick=False)
    checked = disagreements = 0
    for name, doc in documents(site):
        cases = [(quick_whole[name], full_whole[name], {**doc, "apps": []} if "apps" in doc else doc)]   # entries below
        if name in quick_items:   # the list of apps is checked entry by entry
            cases += [(quick_items[name][1], full_items[name][1], entry) for entry in doc["apps"][:3]]
        for quick, full, sample in cases:
            for variant in [sample, *damaged(sample, limit=60)]:
                passes = not list(full.iter_errors(variant))
                try:
                    assert quick.fast(variant)
                    compiled_passes = True
                except Exception:  # noqa: BLE001 - any refusal counts as a refusal
                    compiled_passes = False
                checked += 1
                assert not (compiled_passes and not passes), f"compiled check passed what jsonschema refuses: {variant}"
                disagreements += compiled_passes != passes
                assert [e.message for e in quick.iter_errors(variant)] == [e.message for e in full.iter_errors(variant)]
    assert checked > 3000
    assert disagreements == 0


def test_a_schema_with_a_keyword_the_compiled_check_reads_differently_is_left_to_jsonschema():
    assert not isinstance(make_fast_first({"type": "object", "unevaluatedProperties": False}), FastFirst)
    assert not isinstance(make_fast_first({"$defs": {"a": {"type": "string"}}, "properties": {
        "x": {"$ref": "#/$defs/a", "maxLength": 2}}}), FastFirst)   # Draft 7 ignores maxLength beside $ref
    assert isinstance(make_fast_first({"type": "object", "properties": {"x": {"type": "string", "format": "date"}}}),
                      FastFirst)
