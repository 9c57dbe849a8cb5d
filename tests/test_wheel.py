"""policysite as a user installs it: the wheel, built from the tracked files, installed into a fresh virtual
environment outside the repository, runs check and build on the example project with nothing of the checkout."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

from conftest import REPO, VALID_APP

WAIT = 900   # building the wheel and installing its dependencies from the package index
EXAMPLE = ("content", "templates", "static")


def run(args: list, cwd: Path, **kwargs) -> subprocess.CompletedProcess:
    """Run a command with no trace of the checkout in its environment; return what it did."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    return subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=WAIT, **kwargs)


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """Build the wheel from a copy of the tracked files and install it, with constraints.txt, into a new venv; return its bin/."""
    work = tmp_path_factory.mktemp("wheel")
    tracked = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=REPO,
                             capture_output=True, check=True).stdout.decode().split("\0")
    for name in filter(None, tracked):
        if (REPO / name).is_file():   # a file deleted but not yet committed is listed and absent
            (work / "src" / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, work / "src" / name)
    built = run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", work / "dist", work / "src"], work)
    assert built.returncode == 0, built.stderr
    [wheel] = (work / "dist").glob("policysite-*.whl")
    venv.create(work / "venv", with_pip=True)
    bin_dir = work / "venv" / ("Scripts" if os.name == "nt" else "bin")
    done = run([bin_dir / "python", "-m", "pip", "install", "-q", "-c", REPO / "constraints.txt", wheel], work)
    assert done.returncode == 0, done.stderr
    return bin_dir


@pytest.fixture
def example(tmp_path) -> Path:
    """Return a copy of the example project (content, templates, static), outside the repository."""
    root = tmp_path / "example"
    for name in EXAMPLE:
        shutil.copytree(REPO / name, root / name)
    return root


def test_the_wheel_carries_the_command_the_schemas_templates_and_static_files(installed):
    [wheel] = installed.parent.parent.joinpath("dist").glob("policysite-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    shipped = {f"policysite/{p.relative_to(REPO).as_posix()}" for folder in ("schema", "templates", "static")
               for p in (REPO / folder).rglob("*") if p.is_file()}
    assert (shipped | {"policysite/docs/feed.md"}) - names == set()   # the contract, for the page for developers
    modules = {f"{p.relative_to(REPO).as_posix()}" for p in (REPO / "policysite").rglob("*.py")}
    assert modules - names == set()   # every package is listed in pyproject.toml
    entry_points = zipfile.ZipFile(wheel).read(next(n for n in names if n.endswith("entry_points.txt"))).decode()
    assert "policysite = policysite.cli:run" in entry_points


def test_the_installed_command_says_its_version(installed, tmp_path):
    from policysite import __version__
    for command in ([installed / "policysite"], [installed / "python", "-m", "policysite"]):
        result = run([*command, "--version"], tmp_path)
        assert (result.returncode, result.stdout) == (0, f"policysite {__version__}\n")


def test_the_installed_command_runs_its_own_code(installed, tmp_path):
    result = run([installed / "python", "-c", "import policysite.cli; print(policysite.cli.__file__)"], tmp_path)
    assert Path(result.stdout.strip()).is_relative_to(installed.parent)


def test_installed_check_and_build_work_on_the_example_project(installed, example):
    checked = run([installed / "policysite", "check"], example)
    assert checked.returncode == 0, checked.stderr
    assert checked.stdout.startswith(f"ok: {len(list((example / 'content/apps').glob('*.yaml')))} apps and ")
    built = run([installed / "policysite", "build", "--no-history"], example / "content" / "apps")   # found from inside
    assert built.returncode == 0, built.stderr
    assert (example / "site/index.html").is_file() and (example / "site/api/v1/index.json").is_file()
    assert (example / "site/assets/site.css").read_bytes() == (REPO / "static/site.css").read_bytes()
    assert "<h3>Addresses</h3>" in (example / "site/embed/example.html").read_text(encoding="utf-8")   # the shipped contract


def test_installed_check_reports_a_broken_file_by_line_and_column(installed, example):
    (example / "content/apps/sample_app.yaml").write_text(VALID_APP.replace("summary:", "sumary:"), encoding="utf-8")
    result = run([installed / "policysite", "check", "--project", example], example.parent)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "content/apps/sample_app.yaml:6:1: sumary: unknown field; did you mean 'summary'?" in result.stderr.splitlines()


def test_installed_build_of_content_alone_uses_the_shipped_templates_and_static_files(installed, example):
    shutil.rmtree(example / "templates")
    shutil.rmtree(example / "static")
    result = run([installed / "policysite", "build", "--no-history"], example)
    assert result.returncode == 0, result.stderr
    assert (example / "site/assets/site.css").read_bytes() == (REPO / "static/site.css").read_bytes()
    assert b"<html" in (example / "site/index.html").read_bytes()
