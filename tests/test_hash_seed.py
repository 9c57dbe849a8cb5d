"""The build gives the same bytes under any PYTHONHASHSEED: the example content plus apps and articles whose
sort keys tie, built in fresh processes and folders under five seeds, every output file compared."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from conftest import REPO, TODAY, VALID_APP, epoch_of, tree_digest

SEEDS = ("0", "1", "2", "12345", "random")
TIED_ARTICLE = "---\ntitle: Same title\nsummary: One of three articles alike.\norder: 5\n---\nText {n}.\n"


def app(name: str, vendor: str, category: str = "Server", articles: str = "tie-a, tie-b, tie-c") -> str:
    """Return a valid app file with this name, vendor and category, naming the tied articles."""
    return (VALID_APP.replace("name: Sample App", f"name: {name}").replace("vendor: Example Vendor", f"vendor: {vendor}")
            .replace("category: Server", f"category: {category}").replace("articles: [software-raid-5]", f"articles: [{articles}]"))


def tied_project(root: Path) -> Path:
    """Write the example content with apps and articles whose sort keys tie, and return root."""
    for folder in ("content", "templates", "static"):
        shutil.copytree(REPO / folder, root / folder)
    apps = root / "content" / "apps"
    vendors = ["Zeta", "zeta labs", "Ölund", "éclair", "Éclair Labs", "Ångström", "angstrom co", "Βήτα", "日本"]
    for i, vendor in enumerate(vendors):       # distinct once folded, close when sorted without case
        (apps / f"tie_{i}.yaml").write_text(app(f"Tie {i} Émile", vendor), encoding="utf-8")
    (apps / "tie_upper.yaml").write_text(app("EMILE", "Zeta", "Gateway"), encoding="utf-8")
    (apps / "tie_accent.yaml").write_text(app("Émile", "Zeta", "Gateway"), encoding="utf-8")
    (apps / "tie_lower.yaml").write_text(app("emile two", "Zeta", "Gateway"), encoding="utf-8")
    for n, letter in enumerate("abc"):         # same order and title: only their ids tell them apart
        text = TIED_ARTICLE.format(n=n)   # the tie_* apps name all three
        (root / "content" / "docs" / "level2" / f"tie-{letter}.md").write_text(text, encoding="utf-8")
    return root


def run_under_seeds(template: Path, tmp_path: Path, *args: str) -> dict[str, tuple[subprocess.CompletedProcess, Path]]:
    """Run build.py with args on a fresh copy of template under every seed; return each run and its copy."""
    runs = {}
    for seed in SEEDS:
        root = shutil.copytree(template, tmp_path / f"seed-{seed}")
        env = {**os.environ, "PYTHONHASHSEED": seed, "SOURCE_DATE_EPOCH": str(epoch_of(TODAY)),
               "XDG_CACHE_HOME": str(tmp_path / f"cache-{seed}")}
        history = ["--no-history"] if not args else []   # a copy of the content, not a git checkout
        runs[seed] = (subprocess.run([sys.executable, str(REPO / "build.py"), *args, *history, "--root", str(root)],
                                     capture_output=True, text=True, env=env, timeout=300), root)
    return runs


def test_every_output_byte_is_the_same_under_every_hash_seed(tmp_path):
    runs = run_under_seeds(tied_project(tmp_path / "template"), tmp_path)
    for seed, (run, _) in runs.items():
        assert run.returncode == 0, (seed, run.stderr)
    trees = {seed: tree_digest(root / "site") for seed, (_, root) in runs.items()}
    assert len(trees["0"]) > 200
    assert all(tree == trees["0"] for tree in trees.values())
    index = (runs["0"][1] / "site" / "index.html").read_text(encoding="utf-8")
    assert all(f'value="{vendor}"' in index for vendor in ("Éclair Labs", "Ölund", "zeta labs", "Zeta"))


def test_case_variant_vendors_are_refused_with_the_same_words_under_every_hash_seed(tmp_path):
    template = tmp_path / "template"
    for folder in ("content", "templates", "static"):
        shutil.copytree(REPO / folder, template / folder)
    for i, vendor in enumerate(["example vendor", "EXAMPLE VENDOR", "Example Vendor", "Example vendor"]):
        (template / "content" / "apps" / f"variant_{i}.yaml").write_text(app(f"Variant {i}", vendor, articles=""),
                                                                          encoding="utf-8")
    runs = run_under_seeds(template, tmp_path, "check")
    errs = {seed: run.stderr for seed, (run, _) in runs.items()}
    assert all(run.returncode == 1 for run, _ in runs.values())
    assert all(err == errs["0"] for err in errs.values())
    assert "content/apps/variant_2.yaml:2:1: vendor: 'Example Vendor' differs only in case from 'EXAMPLE VENDOR' in " \
           "content/apps/variant_1.yaml; write it the same way" in errs["0"].splitlines()
