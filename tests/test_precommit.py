"""The pre-commit hook, run for real by pre-commit: the published one (.pre-commit-hooks.yaml) from another
repository, and this repository's own (.pre-commit-config.yaml), each in a throwaway repository, with no .venv."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tomllib

import pytest
import yaml

from conftest import REPO, VALID_APP
from gitrepo import git, git_env, init_repo

WAIT = 900   # pre-commit builds an environment and installs the dependencies from the package index
PUBLISHED = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
OWN = yaml.safe_load((REPO / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
BAD_LINE = "content/apps/sample_app.yaml:6:1: sumary: unknown field; did you mean 'summary'?"


def pre_commit(root, home, *args: str) -> subprocess.CompletedProcess:
    """Run pre-commit in root with its own store; the environments it makes install with constraints.txt."""
    env = {**git_env(), "PRE_COMMIT_HOME": str(home), "NO_COLOR": "1", "PIP_CONSTRAINT": str(REPO / "constraints.txt")}
    env.pop("VIRTUAL_ENV", None)
    return subprocess.run([sys.executable, "-m", "pre_commit", "run", "--color", "never", *args],
                          cwd=root, env=env, capture_output=True, text=True, timeout=WAIT)


def copy_tracked(target) -> None:
    """Copy the repository's tracked (and new, not ignored) files into target."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=REPO,
                            capture_output=True, check=True).stdout.decode().split("\0")
    for name in filter(None, listed):
        if (REPO / name).is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, target / name)


def test_the_published_hook_makes_its_own_python_environment():
    [hook] = PUBLISHED
    assert (hook["id"], hook["language"], hook["entry"], hook["pass_filenames"]) == (
        "policysite-check", "python", "policysite check", False)
    assert all(re.match(hook["files"], p) for p in ("content/apps/x.yaml", "templates/app.html", "static/site.css"))
    assert not re.match(hook["files"], "README.md")


def test_this_repository_runs_the_published_hook_with_the_runtime_dependencies():
    [repo] = OWN["repos"]
    [hook] = repo["hooks"]
    [published] = PUBLISHED
    assert repo["repo"] == "local"
    assert {k: hook[k] for k in ("id", "name", "language", "pass_filenames")} == \
           {k: published[k] for k in ("id", "name", "language", "pass_filenames")}
    assert hook["entry"] == "python -m policysite check"   # the checkout's policysite: this repository is the tool
    runtime = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]["dependencies"]
    assert hook["additional_dependencies"] == runtime


@pytest.fixture(scope="module")
def hooks_repo(tmp_path_factory):
    """Return (path, commit) of a git repository holding this one's tracked files, as another project would clone it."""
    root = tmp_path_factory.mktemp("policysite-repo")
    copy_tracked(root)
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "policysite", when="2026-03-01T10:00:00Z")
    return root, git(root, "rev-parse", "HEAD").strip()


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    """Return a pre-commit store shared by the tests of one hook, so its environment is built once."""
    return tmp_path_factory.mktemp("pre-commit-home")


def content_repo(project, hooks_repo) -> object:
    """Make the project a git repository whose .pre-commit-config.yaml uses the published hook."""
    path, commit = hooks_repo
    init_repo(project.root)
    project.write(".pre-commit-config.yaml", yaml.safe_dump(
        {"repos": [{"repo": str(path), "rev": commit, "hooks": [{"id": "policysite-check"}]}]}, sort_keys=False))
    git(project.root, "add", "-A")
    return project.root


def test_another_repository_uses_the_published_hook_without_a_venv(project, hooks_repo, store):
    root = content_repo(project, hooks_repo)
    good = pre_commit(root, store, "--all-files")
    assert good.returncode == 0, good.stdout + good.stderr
    assert re.search(r"^check support policies \(policysite check\)\.+Passed$", good.stdout, re.M)
    project.app("sample_app", VALID_APP.replace("summary:", "sumary:"))
    git(root, "add", "-A")
    bad = pre_commit(root, store, "--all-files")
    assert bad.returncode == 1 and "Failed" in bad.stdout
    assert BAD_LINE in bad.stdout.splitlines() and "Traceback" not in bad.stdout
    assert not (root / "site").exists()   # checking writes nothing


def own_copy(project, tmp_path):
    """Return a git repository of this one's code and config beside the project's content, with no .venv."""
    root = tmp_path / "own"
    copy_tracked(root)
    shutil.rmtree(root / "content")
    shutil.copytree(project.root / "content", root / "content")
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    return root


def test_this_repositorys_hook_passes_good_content_and_fails_bad_content(project, tmp_path, store):
    root = own_copy(project, tmp_path)
    assert not (root / ".venv").exists()
    good = pre_commit(root, store, "--all-files")
    assert good.returncode == 0, good.stdout + good.stderr
    (root / "content/apps/sample_app.yaml").write_text(VALID_APP.replace("summary:", "sumary:"), encoding="utf-8")
    git(root, "add", "-A")
    bad = pre_commit(root, store, "--all-files")
    assert bad.returncode == 1 and BAD_LINE in bad.stdout.splitlines()


def test_this_repositorys_hook_only_runs_when_an_input_or_the_code_changes(project, tmp_path, store):
    root = own_copy(project, tmp_path)
    git(root, "commit", "-q", "-m", "base", when="2026-03-01T10:00:00Z")
    (root / "notes.txt").write_text("unrelated\n")
    git(root, "add", "notes.txt")
    result = pre_commit(root, store)
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(r"^check support policies \(policysite check\)\.+\(no files to check\)Skipped$", result.stdout, re.M)
