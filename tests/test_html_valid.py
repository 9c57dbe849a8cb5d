"""The W3C Nu HTML checker (vnu.jar, from the npm registry's vnu-jar) finds no error on any built page or stylesheet."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from browser import VNU_JAR, built_site, require_npm_file  # noqa: F401  fixtures are used by name
from policysite.languages import SUPPORTED


def java() -> str:
    path = shutil.which("java")
    if not path:
        pytest.fail("the Nu HTML checker needs Java; install it with: apt-get install -y default-jre-headless", pytrace=False)
    return path


def run_vnu(files: list[Path]) -> list[dict]:
    """Check files in one run of the checker and return its messages (it writes JSON on stderr)."""
    proc = subprocess.run([java(), "-jar", str(require_npm_file(VNU_JAR)), "--format", "json", "--also-check-css",
                           *map(str, files)], capture_output=True, text=True, timeout=600)
    try:
        return json.loads(proc.stderr)["messages"]
    except (json.JSONDecodeError, KeyError):
        pytest.fail(f"the Nu checker gave no JSON report (exit {proc.returncode}):\n{proc.stderr[-2000:]}", pytrace=False)


def describe(message: dict, root: Path) -> str:
    where = message.get("url", "").removeprefix("file:").removeprefix(str(root) + "/")
    return f"{where}:{message.get('lastLine', '?')}: {message['type']}: {message['message']}"


def test_every_page_and_stylesheet_is_valid(built_site):
    pages = sorted(built_site.rglob("*.html"))
    kinds = {"index.html", "404.html"} | {p.relative_to(built_site).parts[0] for p in pages}
    assert {"apps", "categories", "level2", "policy", "changes", "index.html", "404.html"} <= kinds
    assert set(SUPPORTED[1:]) <= kinds, "the example site is published in every language; each is checked"
    files = pages + sorted(built_site.joinpath("assets").glob("*.css"))
    messages = run_vnu(files)
    problems = [describe(m, built_site) for m in messages if m["type"] != "info" or m.get("subType") == "warning"]
    assert problems == [], f"{len(problems)} messages from the Nu checker:\n" + "\n".join(problems[:40])


def test_the_checker_does_report_an_error(tmp_path):
    """Prove the check can fail: a page with a stray end tag and a duplicate id is reported."""
    page = tmp_path / "bad.html"
    page.write_text('<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>x</title></head>'
                    '<body><p id="a">one</p><p id="a">two</p></span></body></html>', encoding="utf-8")
    errors = [m for m in run_vnu([page]) if m["type"] == "error"]
    assert len(errors) >= 2, errors
