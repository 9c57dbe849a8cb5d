"""libyaml parses only the files on which it agrees with PyYAML's Python parser, event for event and mark for mark.

The loader hands a file to libyaml (about ten times faster) when a gate passes it, and to the Python parser
otherwise, and whenever libyaml or the strict rules refuse it. The first test shows, rule by rule, an input
the gate must keep from libyaml; the others compare the two parsers on real files, on generated app files
and on hypothesis's texts (tests/yamlgen.py). `python3 tests/yamlgen.py 400000` runs the comparison at length.
"""

from __future__ import annotations

import random
import sys
from datetime import timedelta
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import yamlgen
from conftest import REPO, VALID_APP
from policysite.sources import loader

sys.path.insert(0, str(REPO / "bench"))
import corpus  # noqa: E402  the benchmark's app generator: files as yaml.safe_dump writes them

pytestmark = pytest.mark.skipif(not yaml.__with_libyaml__, reason="PyYAML was built without libyaml here")
# (input, why the gate keeps it from libyaml): 'events' if the two parsers' events differ, 'loader' if the
# events agree but the loader's Python path refuses it, 'guard' if no difference was found (a precaution).
GATED = {
    "no_final_line_break": ("a: b", "events"),           # libyaml ends the stream on a line of its own
    "tab_after_colon": ("a:\tb\n", "events"),
    "tab_in_block_text": ("a: |\n  x\ty\n", "guard"),
    "unknown_directive": ("%FOO bar\n---\na: 1\n", "events"),
    "yaml_directive": ("%YAML 1.1\n---\na: 1\n", "loader"),  # same events, but the loader refuses directives
    "byte_order_mark_inside": ("a: \ufeffb\n", "events"),
    "zero_width_space": ("a: b\u200bc\n", "guard"),
    "lone_carriage_return": ("a: b\rc: d\n", "guard"),
    "non_specific_tag": ("!\n", "events"),
    "tag": ("a: !!str x\n", "guard"),
    "anchor_and_alias": ("a: &x b\nc: *x\n", "guard"),
    "comment_glued_to_block_header": ("a: |#c\n  x\n", "events"),
    "folded_header_glued_comment": ("a: >-#c\n  x\n", "events"),
    "question_mark_in_flow": ("a: [a ?b]\n", "events"),
    "flow_mapping": ("a: {b: c}\n", "guard"),
    "flow_list_over_lines": ("a: [b,\n  c]\n", "guard"),
    "colon_in_flow": ("a: [b:c]\n", "guard"),
    "surrogate_escape": ('a: "\\ud800"\n', "events"),
    "surrogate_pair_escape": ('a: "\\ud83d\\ude00"\n', "events"),
    "big_escape": ('a: "\\U00110000"\n', "events"),
    "surrogate_long_escape": ('a: "\\U0000d800"\n', "events"),
    "escaped_tab": ('a: "x\\\ty"\n', "guard"),
    "document_start": ("---\na: 1\n", "guard"),
    "document_end": ("a: 1\n...\n", "guard"),
}
differential = settings(max_examples=300, deadline=timedelta(seconds=5), suppress_health_check=[HealthCheck.too_slow])


def event_outcome(text: str, parser: str):
    """Return what one parser makes of text: each event with its marks and properties, or the error's type."""
    loader_class = yaml.CSafeLoader if parser == "libyaml" else yaml.SafeLoader
    out = []
    try:
        for event in yaml.parse(text, Loader=loader_class):
            row = [type(event).__name__]
            for mark in (event.start_mark, event.end_mark):
                row += [mark.index, mark.line, mark.column]
            for name in ("anchor", "tag", "implicit", "value", "style", "flow_style", "explicit", "version", "tags"):
                if hasattr(event, name):
                    value = getattr(event, name)
                    # libyaml says '' for plain style and False for a block collection, the Python parser None for both
                    row.append((name, value or None if name == "style" else bool(value) if name == "flow_style" else value))
            out.append(tuple(row))
    except Exception as exc:  # noqa: BLE001 - the error is the outcome being compared
        return f"{type(exc).__name__}"
    return out


def fast_outcome(text: str) -> str:
    """Say which way the loader would take with text: 'fast' when libyaml's events are used."""
    if not loader.is_fast_text(text):
        return "text gate"
    try:
        list(loader._fast_events(text))
    except loader._Unsure:
        return "event gate"
    except Exception:  # noqa: BLE001 - whatever libyaml raises sends the file to the Python parser
        return "libyaml refused"
    return "fast"


def loader_outcome(text: str, with_libyaml: bool):
    """Return the loader's tree (as plain data) and problems for text, with or without libyaml."""
    saved = loader.LibyamlParser
    loader.LibyamlParser = saved if with_libyaml else None
    try:
        node, problems = loader.parse_yaml(text, "x.yaml")
    finally:
        loader.LibyamlParser = saved
    return tree(node), [str(p) for p in problems]


def tree(node):
    """Return a node tree as nested lists with every position."""
    if node is None or node.kind == "scalar":
        return None if node is None else [node.line, node.col, node.value, node.plain]
    items = node.value.items() if node.kind == "map" else enumerate(node.value)
    return [node.kind, node.line, node.col, sorted(node.key_pos.items()), [[str(k), tree(v)] for k, v in items]]


def sample_files() -> list[Path]:
    """Return the real app and configuration files and every test case."""
    return sorted((REPO / "content").glob("**/*.yaml")) + sorted((Path(__file__).parent / "cases").rglob("*.yaml"))


def generated_apps(n: int) -> list[str]:
    """Return n app files as bench/corpus.py writes them."""
    rng = random.Random(7)
    method_ids = ["forum_casual", "forum_dedicated", "vendor", "clearcenter_pro", "clearcenter_consulting"]
    return ["# yaml-language-server: $schema=../../schema/app.schema.json\n"
            + yaml.safe_dump(corpus.app(rng, i, method_ids), sort_keys=False, width=100) for i in range(n)]


@pytest.mark.parametrize("name", GATED)
def test_the_gate_keeps_each_kind_of_disputed_input_from_libyaml(name):
    text, why = GATED[name]
    assert fast_outcome(text) != "fast"
    if why == "events":
        assert event_outcome(text, "libyaml") != event_outcome(text, "python")
    assert loader_outcome(text, True) == loader_outcome(text, False)


def test_every_real_and_generated_app_file_takes_the_fast_path_with_the_same_events():
    texts = [p.read_text(encoding="utf-8") for p in sorted((REPO / "content").glob("**/*.yaml"))] + generated_apps(300)
    texts += [VALID_APP, "\r\n".join(VALID_APP.split("\n")), VALID_APP.replace("description: |", 'description: "Tab\\tand \\"quotes\\"\\\n  \\ folded."\nx: |')]
    for text in texts:
        assert fast_outcome(text) == "fast", text[:200]
        assert event_outcome(text, "libyaml") == event_outcome(text, "python")


def test_every_case_file_gives_the_same_result_with_or_without_libyaml():
    for path in sample_files():
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue  # refused before any parser sees it
        assert loader_outcome(text, True) == loader_outcome(text, False), path
        if fast_outcome(text) == "fast":
            assert event_outcome(text, "libyaml") == event_outcome(text, "python"), path


def test_a_seeded_run_of_generated_texts_finds_no_difference_where_libyaml_is_used():
    rng = random.Random(20261126)
    samples = [p.read_text(encoding="utf-8") for p in sorted((REPO / "content/apps").glob("*.yaml"))]
    fast = 0
    for _ in range(3000):
        text = yamlgen.any_text(rng, samples)
        if fast_outcome(text) == "fast":
            fast += 1
            assert event_outcome(text, "libyaml") == event_outcome(text, "python"), repr(text)
    assert fast > 300  # a tenth of the texts at least: the generators must reach the fast path often, or this test proves little


@differential
@given(st.randoms(use_true_random=False))
def test_where_libyaml_is_used_its_events_are_the_python_parsers(rng):
    text = yamlgen.any_text(rng, [VALID_APP])
    if fast_outcome(text) == "fast":
        assert event_outcome(text, "libyaml") == event_outcome(text, "python")


@differential
@given(st.randoms(use_true_random=False))
def test_the_loader_gives_the_same_tree_and_problems_with_or_without_libyaml(rng):
    text = yamlgen.any_text(rng, [VALID_APP])
    assert loader_outcome(text, True) == loader_outcome(text, False)
