"""Any value in any field of an app file gives located problems or a clean check, never a traceback:
the rules now run beside the schema, so they meet values the schema has already refused."""

from __future__ import annotations

import re

import pytest

from conftest import VALID_APP
from policysite.engine.recipe import check
from policysite.problems import ContentError

# The sample app, with a scheduled change so that its fields are tried too.
BASE = VALID_APP.replace("    available: true\n", "    available: true\n    change:\n      from: 2027-01-31\n"
                         "      available: false\n      reason: Ends.\n", 1)
ODD_VALUES = ["[]", "{}", "", "'x'", "[1, {a: b}]", "-1", "null", "2026-13-40", "true", "TODO", "{from: 2027-01-01}",
              "mailto:x@y.z", "https://a@b.c"]


@pytest.mark.parametrize("value", ODD_VALUES)
def test_an_odd_value_in_any_field_is_a_located_problem_or_nothing(project, value):
    lines = BASE.splitlines()
    tried = 0
    for i, line in enumerate(lines):
        if not (match := re.match(r"^(\s*[a-z_0-9]+:)( .*)?$", line)):
            continue
        project.app("sample_app", "\n".join(lines[:i] + [f"{match.group(1)} {value}"] + lines[i + 1:]) + "\n")
        try:
            check(project.root)
        except ContentError as exc:
            assert all(p.src_path == "content/apps/sample_app.yaml" and p.line >= 1 for p in exc.problems)
        tried += 1
    assert tried >= 40
