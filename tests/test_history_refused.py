"""History that is true or refused: a real shallow clone, a real checkout git refuses to read (another
user owns it), a folder that is no checkout, and history rewritten by replacement refs or grafts. The
build stops with one line naming the fix, or publishes no history at all when asked to (--no-history);
it never publishes an entry git did not record."""

from __future__ import annotations

import json
import os
import socket
import subprocess
from pathlib import Path

import pytest
import yaml
from bs4 import BeautifulSoup

from conftest import REPO, VALID_APP, cli, tree_digest
from gitrepo import commit_all, git, git_env, init_repo

SECOND = VALID_APP.replace("email: help@vendor.example", "email: tickets@vendor.example")
OTHER = VALID_APP.replace("name: Sample App", "name: Other App")
NOBODY = 65534
SHALLOW = ("error: this checkout is a shallow clone, so the policy history would start at its oldest fetched commit and be "
           "wrong; fetch the whole history (git fetch --unshallow; in GitHub Actions, actions/checkout with fetch-depth: 0), "
           "or build with --no-history to publish none\n")
NOTE = "note: built without the policy history (--no-history): app pages say so; changes.json, changes.atom and the changes page list nothing"


@pytest.fixture(autouse=True)
def own_git_config(tmp_path, monkeypatch) -> Path:
    """Let no config of the machine reach git (a global safe.directory=* would hide a refusal): an empty one of the test's own."""
    home = tmp_path / "home"
    home.mkdir()
    config = home / ".gitconfig"
    config.write_text("", encoding="utf-8")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(config))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.delenv("SUDO_UID", raising=False)   # git run by root would judge ownership by it
    return config


@pytest.fixture
def origin(project):
    """The project in a real repository: sample_app on 2026-03-01, then a new address and other_app on 2026-04-02."""
    init_repo(project.root)
    commit_all(project.root, "Add sample_app", "2026-03-01T10:00:00Z")
    project.app("sample_app", SECOND)
    project.app("other_app", OTHER)
    commit_all(project.root, "New address; add other_app", "2026-04-02T09:30:00Z")
    return project.root


def clone(origin: Path, to: Path, *options: str) -> Path:
    """Clone origin as a CI checkout would, through the file:// transport so --depth is honoured."""
    result = subprocess.run(["git", "clone", "-q", *options, f"file://{origin}", str(to)], env=git_env(),
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return to


def build(root: Path, capsys, *args: str) -> tuple[int, str, str]:
    """Run build.py in-process on root; return (status, stdout, stderr)."""
    status = cli.main([*args, "--root", str(root)])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def published_history(site: Path) -> list:
    """Return every history item the site publishes: changes.json's items and each app's history list."""
    items = json.loads((site / "changes.json").read_bytes())["items"]
    for document in sorted((site / "api/v1/apps").glob("*.json")):
        items += json.loads(document.read_bytes())["app"]["history"]
    return items


def test_a_shallow_clone_is_refused_with_the_fix_and_the_site_is_left_alone(origin, tmp_path, capsys):
    shallow = clone(origin, tmp_path / "shallow", "--depth", "1")
    assert git(shallow, "rev-parse", "--is-shallow-repository") == "true\n"
    assert build(shallow, capsys) == (1, "", SHALLOW)
    assert not (shallow / "site").exists()
    assert build(shallow, capsys, "--no-history")[0] == 0
    before = tree_digest(shallow / "site")
    assert build(shallow, capsys) == (1, "", SHALLOW)   # not the report of the build before, made with --no-history
    assert tree_digest(shallow / "site") == before


def test_a_shallow_clone_built_with_no_history_publishes_none_and_says_so(origin, tmp_path, capsys):
    shallow = clone(origin, tmp_path / "shallow", "--depth", "1")
    status, out, err = build(shallow, capsys, "--no-history")
    assert (status, err) == (0, "")
    assert out.splitlines() == [f"built 2 app pages and 3 documents into {shallow / 'site'}", NOTE]
    assert published_history(shallow / "site") == []
    for page in sorted((shallow / "site/apps").glob("*/index.html")):
        text = page.read_text(encoding="utf-8")
        assert "Policy published" not in text
        section = BeautifulSoup(text, "html.parser").select_one("section.history")
        assert " ".join(section.get_text().split()) == "Policy history This copy of the site was built without the history of its policies."


def test_the_fix_the_refusal_names_gives_the_true_history(origin, tmp_path, capsys):
    shallow = clone(origin, tmp_path / "shallow", "--depth", "1")
    git(shallow, "fetch", "-q", "--unshallow")
    assert build(shallow, capsys)[0] == 0
    sample = json.loads((shallow / "site/api/v1/apps/sample_app.json").read_bytes())["app"]["history"]
    assert [(h["date"], h["changes"][0]) for h in sample] == [
        ("2026-04-02", "Contact email for Developer/ISV Support changed from help@vendor.example to tickets@vendor.example"),
        ("2026-03-01", "Policy published")]


def test_a_deeper_shallow_clone_is_refused_too(origin, tmp_path, capsys):
    """Two commits fetched of more: the oldest fetched one would still pass for the first."""
    (origin / "README").write_text("Nothing for the apps.\n", encoding="utf-8")
    commit_all(origin, "A README", "2026-05-01T10:00:00Z")
    shallow = clone(origin, tmp_path / "shallow", "--depth", "2")
    assert build(shallow, capsys) == (1, "", SHALLOW)


def owned_by_nobody(root: Path) -> Path:
    """Give root and everything in it to another user, so git's safe.directory check refuses it."""
    for folder, dirs, files in os.walk(root):
        for name in [folder, *(os.path.join(folder, n) for n in dirs + files)]:
            os.chown(name, NOBODY, NOBODY, follow_symlinks=False)
    return root


needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="giving a checkout to another user needs root")


@needs_root
def test_a_checkout_git_refuses_to_read_is_refused_with_the_safe_directory_fix(origin, tmp_path, capsys, own_git_config):
    theirs = owned_by_nobody(clone(origin, tmp_path / "theirs"))
    said = subprocess.run(["git", "-C", str(theirs), "status"], capture_output=True, text=True, timeout=60)
    assert "detected dubious ownership" in said.stderr   # this git really refuses, so the build must
    refusal = (f"error: git refuses to read {theirs}, which another user owns (dubious ownership), so the policy history "
               f"cannot be read; if you trust it, run git config --global --add safe.directory {theirs}, "
               "or build with --no-history to publish none\n")
    assert build(theirs, capsys) == (1, "", refusal)
    assert not (theirs / "site").exists()
    assert build(theirs, capsys, "diff", "HEAD") == (2, "", (
        f"error: git refuses to read {theirs}, which another user owns (dubious ownership), so there is nothing to compare "
        f"with; if you trust it, run git config --global --add safe.directory {theirs}\n"))
    status, out, _ = build(theirs, capsys, "--no-history")
    assert (status, out.splitlines()[-1]) == (0, NOTE)
    assert published_history(theirs / "site") == []
    # The fix named, into the test's own global config (gitrepo.git would point --global at os.devnull and replace it)
    subprocess.run(["git", "config", "--global", "--add", "safe.directory", str(theirs)], check=True, timeout=60)
    assert f"directory = {theirs}" in own_git_config.read_text(encoding="utf-8")
    assert build(theirs, capsys)[0] == 0
    assert len(json.loads((theirs / "site/changes.json").read_bytes())["items"]) == 3


def test_a_folder_that_is_no_checkout_is_refused_naming_the_flag(project, capsys):
    assert build(project.root, capsys) == (1, "", (
        f"error: {project.root} is not a git checkout, so the policy history cannot be read; work in a clone of the "
        "repository, or build with --no-history to publish none\n"))
    assert not project.out.exists()


def test_serve_refuses_as_build_does_before_serving_anything(origin, tmp_path, capsys):
    shallow = clone(origin, tmp_path / "shallow", "--depth", "1")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    assert build(shallow, capsys, "serve", "--port", str(port)) == (1, "", SHALLOW)
    assert not (shallow / "site").exists()


def test_diff_in_a_shallow_clone_works_with_what_it_holds_and_names_the_fix_for_what_it_lacks(origin, tmp_path, capsys):
    shallow = clone(origin, tmp_path / "shallow", "--depth", "1")
    status, out, _ = build(shallow, capsys, "diff", "HEAD")
    assert (status, out) == (0, "no policy changes since HEAD\n")
    assert build(shallow, capsys, "diff", "HEAD~1") == (2, "", (
        "error: 'HEAD~1' is not a commit in this shallow clone; fetch the whole history "
        "(git fetch --unshallow; in GitHub Actions, actions/checkout with fetch-depth: 0)\n"))


def test_no_history_is_only_for_build_and_serve(project, capsys):
    assert build(project.root, capsys, "check", "--no-history") == (
        2, "", "error: --no-history does not apply to check; it is for build and serve\n")


@pytest.mark.parametrize("rewrite", ["replace", "grafts"])
def test_history_rewritten_by_replacement_refs_or_grafts_is_not_believed(origin, capsys, rewrite):
    """Both make the newest commit look like the first one; the build reads the commits as they are."""
    head = git(origin, "rev-parse", "HEAD").strip()
    if rewrite == "replace":
        git(origin, "replace", "--graft", head)
    else:
        (origin / ".git/info/grafts").write_text(f"{head}\n", encoding="utf-8")
    assert git(origin, "log", "--format=%H") == f"{head}\n"   # git itself now sees one commit
    assert build(origin, capsys)[0] == 0
    sample = json.loads((origin / "site/api/v1/apps/sample_app.json").read_bytes())["app"]["history"]
    assert [h["date"] for h in sample] == ["2026-04-02", "2026-03-01"]
    assert sample[-1]["changes"] == ["Policy published"]


def test_every_shipped_workflow_fetches_the_whole_history():
    workflows = sorted((REPO / ".github/workflows").glob("*.y*ml"))
    checkouts = [step for path in workflows for job in yaml.safe_load(path.read_text(encoding="utf-8"))["jobs"].values()
                 for step in job.get("steps", []) if step.get("uses", "").startswith("actions/checkout@")]
    assert checkouts   # there is a workflow, and it checks the repository out
    assert all((step.get("with") or {}).get("fetch-depth") == 0 for step in checkouts)
