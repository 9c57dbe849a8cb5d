"""The package's layers follow the data flow: every import points down (or within its own package), and no
module imports itself back through others. README's layout section names the same layers."""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

from conftest import REPO

PACKAGE = REPO / "policysite"
# Lowest first. A module may import the modules of any layer below its own, and of its own package; packages
# that share a rank (the commands at the top) may not import each other.
LAYERS = (
    ("base", 0), ("sources", 1), ("check", 2), ("content", 3), ("render", 4), ("stages", 5),
    ("publish", 6), ("engine", 7), ("preview", 8), ("tools", 8), ("cli", 9),
)
RANK = dict(LAYERS)
# The base modules (every policysite/*.py but stages.py) use the standard library and nothing else, except
# codec.py, which encodes Markup (the str subclass Jinja renders) and parses with orjson (three times faster on the
# memo's 55 MB of app results at 10,000 apps), and spoofing.py, which needs Unicode's script data (regex) for text
# that is not ASCII.
BASE_THIRD_PARTY = {"codec": {"markupsafe", "orjson"}, "spoofing": {"regex"}}


def module_name(path: Path) -> str:
    """Return a file's dotted module name."""
    parts = path.relative_to(REPO).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def layer_of(module: str) -> str:
    """Return the layer of a policysite module: its package, 'stages', or 'base'."""
    parts = module.split(".")
    if len(parts) == 1:
        return "base"   # the package's own __init__
    if parts[1] == "__main__":
        return "cli"    # `python -m policysite` is the command line
    if len(parts) > 2 or (PACKAGE / parts[1]).is_dir():
        return parts[1]
    return "stages" if parts[1] == "stages" else "base"


def imports_of(path: Path) -> list[tuple[int, str]]:
    """Return (line, module) for every import in a file, at any depth (a lazy import is still a dependency)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                package = module_name(path).split(".")
                package = package if path.name == "__init__.py" else package[:-1]
                base = ".".join(package[:len(package) - node.level + 1] + ([node.module] if node.module else []))
            # 'from policysite.check import rules' imports the module policysite.check.rules
            found += [(node.lineno, f"{base}.{a.name}" if is_module(f"{base}.{a.name}") else base) for a in node.names]
    return found


def is_module(name: str) -> bool:
    """Return True if a dotted name is one of our modules or packages."""
    path = REPO.joinpath(*name.split("."))
    return name.startswith("policysite") and (path.with_suffix(".py").is_file() or (path / "__init__.py").is_file())


def graph() -> dict[str, list[tuple[int, str]]]:
    """Return each module's imports of other policysite modules, with their lines."""
    return {module_name(path): [(line, target) for line, target in imports_of(path) if target.startswith("policysite")]
            for path in sorted(PACKAGE.rglob("*.py"))}


def test_every_package_is_a_known_layer():
    folders = {p.name for p in PACKAGE.iterdir() if p.is_dir() and p.name != "__pycache__"}
    assert folders == set(RANK) - {"base", "stages"}


def test_every_import_points_down_or_stays_in_its_package():
    upward = []
    for module, targets in graph().items():
        mine = layer_of(module)
        for line, target in targets:
            theirs = layer_of(target)
            if theirs != mine and RANK[theirs] >= RANK[mine]:
                upward.append(f"{module} (line {line}, {mine}) imports {target} ({theirs})")
    assert upward == []


def test_no_module_imports_itself_back_through_others():
    edges = {module: {t for _, t in targets if t != module} for module, targets in graph().items()}
    assert strongly_connected(edges) == []


def strongly_connected(edges: dict[str, set[str]]) -> list[list[str]]:
    """Return the import cycles: every strongly connected group of more than one module (Tarjan's algorithm)."""
    index, low, stack, on_stack, cycles = {}, {}, [], set(), []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(edges.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                group.append(top)
                if top == node:
                    break
            if len(group) > 1:
                cycles.append(sorted(group))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return cycles


def test_base_modules_use_the_standard_library_only():
    foreign = []
    for path in sorted(PACKAGE.glob("*.py")):
        name = module_name(path)
        if layer_of(name) != "base":
            continue
        for line, target in imports_of(path):
            top = target.split(".")[0]
            if top not in sys.stdlib_module_names and top != "policysite" and top not in BASE_THIRD_PARTY.get(path.stem, ()):
                foreign.append(f"{name} (line {line}) imports {target}")
    assert foreign == []


def test_the_cycle_finder_finds_a_cycle():
    assert strongly_connected({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_the_import_reader_resolves_relative_and_package_imports(tmp_path):
    found = dict((t, n) for n, t in imports_of(PACKAGE / "check" / "hours.py"))
    assert "policysite.check.zones" in found and "policysite.model" in found


def test_readme_names_every_layer_package():
    layout = REPO.joinpath("README.md").read_text(encoding="utf-8").split("## Layout", 1)[1].split("\n## ", 1)[0]
    named = set(re.findall(r"\b([a-z]+)/", layout))
    assert set(RANK) - {"base", "stages"} <= named and "stages.py" in layout


# Parameter names and annotations that carry a cache: only the engine (which calls the stages through the memo) and
# the preview server (which keeps the memo between builds) may take one.
CACHE_NAMES = {"store", "stores", "kept", "memo", "cache", "checks", "chunks", "valid", "markdown"}
CACHE_TYPES = re.compile(r"\b(Store|Memo)\b")


def test_no_function_outside_the_engine_and_the_preview_takes_a_cache():
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if layer_of(module_name(path)) in ("engine", "preview"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                args = node.args.posonlyargs + node.args.args + node.args.kwonlyargs
                for arg in args:
                    annotation = ast.unparse(arg.annotation) if arg.annotation else ""
                    if arg.arg in CACHE_NAMES or CACHE_TYPES.search(annotation):
                        found.append(f"{module_name(path)}.{node.name}({arg.arg})")
    assert found == []
