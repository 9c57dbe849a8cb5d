"""The same file gives the same result whether or not libyaml is installed.

libyaml and PyYAML's pure-Python parser accept different files and word their errors differently
(the first test shows where), so the loader gives libyaml only files in a subset where the two agree
(tests/test_loader_fast.py) and the Python parser everything else. The second test proves the outcome:
every case file, every example app and every disputed input goes through the loader in a process with
libyaml and in one where importing it fails, and the results must be identical.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import yaml

from conftest import REPO

CASES = Path(__file__).parent / "cases"
# Inputs on which libyaml and the pure-Python parser disagree (checked below, so the list stays honest).
DISPUTED = {
    "tab_after_colon": "a:\tb\n",
    "tab_in_flow": "a: [1,\t2]\n",
    "tab_before_comment": "a: b\t# c\n",
    "unknown_directive": "%FOO bar\n---\na: 1\n",
    "yaml_1_3": "%YAML 1.3\n---\na: 1\n",
    "surrogate_escape": 'a: "\\ud800"\n',
    "surrogate_pair_escape": 'a: "\\ud83d\\ude00"\n',
    "tab_indent": "a:\n\tb: 1\n",
    "empty_flow_entry": "a: [1,,2]\n",
    "reserved_indicator": "a: @b\n",
}
PROBE = """
import json, sys
if sys.argv[1] == "without":
    sys.modules["yaml._yaml"] = None  # importing libyaml's binding now fails, as on a machine without it
import yaml
sys.path.insert(0, sys.argv[2])
from policysite.sources.loader import decode_text, parse_yaml

def tree(node):
    if node is None or node.kind == "scalar":
        return None if node is None else [node.line, node.col, node.value, node.plain]
    items = node.value.items() if node.kind == "map" else enumerate(node.value)
    return [node.kind, node.line, node.col, [[str(k), tree(v)] for k, v in items]]

out = {"libyaml": yaml.__with_libyaml__, "results": {}}
for path in sys.argv[3:]:
    with open(path, "rb") as handle:
        text, problems = decode_text(handle.read(), path)
    node = None
    if text is not None and not problems:
        node, problems = parse_yaml(text, path)
    out["results"][path] = [[str(p) for p in problems], tree(node)]
print(json.dumps(out))
"""


def raw_outcome(text: str, loader) -> str:
    """Return what one of PyYAML's parsers makes of text: its events, or its error."""
    try:
        return repr([(type(e).__name__, getattr(e, "value", None)) for e in yaml.parse(text, Loader=loader)])
    except Exception as exc:  # noqa: BLE001 - the error itself is the outcome being compared
        return f"{type(exc).__name__}: {exc}"


def test_libyaml_and_the_python_parser_really_disagree_on_the_disputed_inputs():
    assert yaml.__with_libyaml__, "PyYAML was built without libyaml here, so the comparison cannot be made"
    for name, text in DISPUTED.items():
        assert raw_outcome(text, yaml.CSafeLoader) != raw_outcome(text, yaml.SafeLoader), name


def test_the_loader_gives_identical_results_with_and_without_libyaml(tmp_path):
    files = sorted(str(p) for p in CASES.rglob("*.yaml")) + sorted(str(p) for p in (REPO / "content/apps").glob("*.yaml"))
    for name, text in DISPUTED.items():
        path = tmp_path / f"{name}.yaml"
        path.write_text(text, encoding="utf-8")
        files.append(str(path))
    runs = {}
    for mode in ("with", "without"):
        result = subprocess.run([sys.executable, "-c", PROBE, mode, str(REPO), *files], capture_output=True, text=True, timeout=300)
        assert result.returncode == 0, result.stderr
        runs[mode] = json.loads(result.stdout)
    assert (runs["with"]["libyaml"], runs["without"]["libyaml"]) == (True, False)
    assert runs["with"]["results"] == runs["without"]["results"]
    disputed = {Path(p).stem: r[0] for p, r in runs["with"]["results"].items() if p.startswith(str(tmp_path))}
    assert len(disputed) == len(DISPUTED) and all(disputed.values())  # every disputed input is refused, with a location
