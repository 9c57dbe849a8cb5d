"""The pre-commit hook, run for real by pre-commit in a throwaway repository."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys

import yaml

from conftest import REPO, VALID_APP
from gitrepo import git, git_env, init_repo

COPIED = ("build.py", "policysite", "schema", "scripts", ".pre-commit-config.yaml")  # the project has the rest


def run_pre_commit(root, tmp_path) -> subprocess.CompletedProcess:
    """Run every hook on every file, as `pre-commit run --all-files` does in a clone."""
    env = {**git_env(), "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"), "NO_COLOR": "1"}
    return subprocess.run([sys.executable, "-m", "pre_commit", "run", "--all-files", "--color", "never"],
                          cwd=root, env=env, capture_output=True, text=True, timeout=300)


def make_repo(project, tmp_path):
    """Copy the code and the hook next to the project's content, in a git repository with a .venv."""
    for name in COPIED:
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, project.root / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(source, project.root / name)
    # the hook prefers .venv/bin/python; point it at the interpreter running the tests
    venv_python = project.root / ".venv/bin/python"
    venv_python.parent.mkdir(parents=True)
    venv_python.write_text(f'#!/bin/sh\nexec "{sys.executable}" "$@"\n')
    venv_python.chmod(0o755)
    init_repo(project.root)
    (project.root / ".gitignore").write_text("/site/\n/.venv/\n")
    git(project.root, "add", "-A")
    return project.root


def test_hook_is_local_and_runs_the_check(tmp_path):
    config = yaml.safe_load((REPO / ".pre-commit-config.yaml").read_text())
    [repo] = config["repos"]
    [hook] = repo["hooks"]
    assert repo["repo"] == "local"
    assert hook["entry"] == "sh scripts/check-content"
    assert hook["pass_filenames"] is False
    assert "build.py check" in (REPO / "scripts/check-content").read_text()


def test_hook_passes_on_good_content(project, tmp_path):
    root = make_repo(project, tmp_path)
    result = run_pre_commit(root, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "check support policies (build.py check)" in result.stdout and "Passed" in result.stdout


def test_hook_fails_with_the_located_problem_on_bad_content(project, tmp_path):
    project.app("sample_app", VALID_APP.replace("summary:", "sumary:"))
    root = make_repo(project, tmp_path)
    result = run_pre_commit(root, tmp_path)
    assert result.returncode == 1
    assert "Failed" in result.stdout
    assert "content/apps/sample_app.yaml:6:1: sumary: unknown field; did you mean 'summary'?" in result.stdout
    assert not (root / "site").exists()   # checking writes nothing


def test_hook_only_runs_when_policies_or_code_change(project, tmp_path):
    root = make_repo(project, tmp_path)
    git(root, "commit", "-q", "-m", "base", when="2026-03-01T10:00:00Z")
    (root / "notes.txt").write_text("unrelated\n")
    git(root, "add", "notes.txt")
    env = {**git_env(), "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"), "NO_COLOR": "1"}
    result = subprocess.run([sys.executable, "-m", "pre_commit", "run", "--color", "never"], cwd=root, env=env,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0
    print(result.stdout)
    assert re.search(r"^check support policies \(build\.py check\)\.+\(no files to check\)Skipped$", result.stdout, re.M)
