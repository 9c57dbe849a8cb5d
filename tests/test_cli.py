"""The command line as an installed tool: sub-commands with their own options, --version, python -m policysite,
and the project found from the current folder."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

from conftest import REPO
from policysite import __version__
from policysite.cli import main as policysite
from policysite.cli.args import OPTIONS

# The options each command's --help lists besides -h and --project/--root.
OWN_OPTIONS = {
    "build": {"--out", "--format", "--strict", "--no-history", "--verify", "--changed", "--summary"},
    "check": {"--format", "--strict", "--changed", "--summary"},
    "serve": {"--out", "--host", "--port", "--no-history"},
    "new": set(),
    "diff": {"--format", "--strict"},
}


def help_text(capsys, *args: str) -> str:
    """Return what --help prints for args."""
    with pytest.raises(SystemExit) as stop:
        policysite([*args, "--help"])
    assert stop.value.code == 0
    return capsys.readouterr().out


@pytest.mark.parametrize("command", list(OWN_OPTIONS))
def test_each_command_help_lists_only_its_own_options(command, capsys):
    text = help_text(capsys, command)
    assert text.startswith(f"usage: policysite {command} ")
    listed = {option for option in OPTIONS if f"{option} " in text or f"{option}\n" in text or f"{option}]" in text}
    assert listed == OWN_OPTIONS[command]
    assert "--project DIR" in text


def test_check_help_does_not_offer_the_server_options(capsys):
    text = help_text(capsys, "check")
    assert "--host" not in text and "--port" not in text


def test_version_is_the_package_version(capsys):
    with pytest.raises(SystemExit) as stop:
        policysite(["--version"])
    assert (stop.value.code, capsys.readouterr().out) == (0, f"policysite {__version__}\n")


def test_the_top_help_names_every_command(capsys):
    text = help_text(capsys)
    for command in OWN_OPTIONS:
        assert f"\n  {command} " in text


def test_an_option_of_no_command_is_a_usage_error(project, capsys):
    assert project.run("check", "--colour", capsys=capsys) == (
        2, "", "error: unknown option '--colour' for check; see python build.py check --help\n")


def test_check_finds_the_project_from_a_folder_inside_it(project, monkeypatch, capsys):
    monkeypatch.chdir(project.root / "content" / "docs")
    assert policysite(["check"]) == 0
    assert capsys.readouterr().out == "ok: 1 apps and 3 documents checked\n"


def test_check_takes_the_project_from_the_project_option(project, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert policysite(["check", "--project", str(project.root)]) == 0
    assert capsys.readouterr().out == "ok: 1 apps and 3 documents checked\n"


def test_outside_any_project_check_says_what_is_missing(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert policysite(["check"]) == 1
    err = capsys.readouterr().err
    assert "content" in err and "Traceback" not in err


def test_new_names_the_command_it_was_run_as(project, monkeypatch, capsys):
    monkeypatch.chdir(project.root)
    assert policysite(["new", "web_proxy"]) == 0
    assert capsys.readouterr().out == "wrote content/apps/web_proxy.yaml; replace every TODO, then run: policysite check\n"


def test_a_project_of_content_alone_builds_with_the_shipped_templates_and_static_files(project, capsys):
    shutil.rmtree(project.root / "templates")
    shutil.rmtree(project.root / "static")
    status, out, err = project.run("build", capsys=capsys)
    assert (status, err) == (0, "")
    assert (project.out / "apps/sample_app/index.html").read_bytes().count(b"Sample App") >= 1
    assert (project.out / "assets/site.css").read_bytes() == (REPO / "static/site.css").read_bytes()


def test_python_dash_m_policysite_runs_the_command_line(project):
    result = subprocess.run([sys.executable, "-m", "policysite", "check", "--project", str(project.root)],
                            cwd=REPO, capture_output=True, text=True, timeout=120)
    assert (result.returncode, result.stdout, result.stderr) == (0, "ok: 1 apps and 3 documents checked\n", "")


def test_build_py_stays_a_thin_wrapper():
    text = (REPO / "build.py").read_text(encoding="utf-8")
    assert "from policysite.cli import" in text and len(text.splitlines()) < 30


def test_the_readme_keeps_its_two_commands_and_shows_installed_usage_that_works(capsys):
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert "sh scripts/build-site " in readme and "sh scripts/test-all " in readme
    block = readme.split("Installed as a tool", 1)[1].split("```sh\n", 1)[1].split("```", 1)[0]
    commands = [line.split("#", 1)[0].split() for line in block.splitlines() if line.startswith("policysite ")]
    assert [c[:2] for c in commands] == [["policysite", "--version"], ["policysite", "check"]]
    with pytest.raises(SystemExit):
        policysite(commands[0][1:])
    assert capsys.readouterr().out == f"policysite {__version__}\n"
    assert "python -m pip install -c constraints.txt ." in block


def test_on_windows_the_command_says_in_one_line_that_it_needs_a_posix_system(tmp_path):
    # pathlib and the rest are imported first as on this system; only the name policysite looks at is Windows'
    script = "import os, pathlib, runpy, sys; os.name = 'nt'; sys.argv = ['policysite', 'check']; runpy.run_module('policysite', run_name='__main__')"
    result = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert (result.returncode, result.stdout, result.stderr) == (
        1, "", "error: policysite runs on Linux, macOS and other POSIX systems, not on Windows; run it in WSL\n")


def test_a_second_argument_is_a_usage_error(project, capsys):
    assert project.run("new", "web_proxy", "extra", capsys=capsys) == (
        2, "", "error: new takes one argument, got 'extra' as well\n")
    assert project.run("check", "extra", capsys=capsys) == (2, "", "error: check takes no argument, got 'extra'\n")


def test_an_option_of_several_other_commands_names_them_all(project, capsys):
    assert project.run("new", "web_proxy", "--strict", capsys=capsys) == (
        2, "", "error: --strict does not apply to new; it is for build, check and diff\n")
