"""Every content mistake is one exact, located line; the build exits 1 and site/ stays as it was."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from conftest import tree_digest

CASES = sorted((Path(__file__).parent / "cases" / "invalid").glob("*.yaml"))


def expected_lines(case: Path) -> list[str]:
    """Return the '# expect: ' lines a case file carries, in order, whatever its (possibly wrong) encoding."""
    data = case.read_bytes()
    text = data.decode("utf-16") if data[:2] in (b"\xff\xfe", b"\xfe\xff") else data.decode("utf-8", "replace")
    if b"\x00" in data and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = data.decode("utf-16-le")
    return [line.removeprefix("# expect: ") for line in text.lstrip("\ufeff").splitlines()
            if line.startswith("# expect: ")]


def test_there_are_invalid_cases():
    assert len(CASES) >= 20


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.stem)
def test_invalid_app_file_is_reported_exactly_and_site_is_unchanged(project, case, capsys):
    assert project.run(capsys=capsys)[0] == 0
    before = tree_digest(project.out)
    (project.root / "content" / "apps" / "sample_app.yaml").unlink()  # the case stands in for it
    shutil.copy(case, project.root / "content" / "apps" / case.name)

    status, out, err = project.run(capsys=capsys)

    expected = expected_lines(case)
    noun = "problem" if len(expected) == 1 else "problems"
    assert err.splitlines() == expected + [f"error: {len(expected)} {noun} in 1 file; site/ was not changed"]
    assert status == 1
    assert out == ""
    assert tree_digest(project.out) == before


@pytest.mark.parametrize("case", CASES[:3], ids=lambda p: p.stem)
def test_check_command_reports_the_same_lines_as_build(project, case, capsys):
    shutil.copy(case, project.root / "content" / "apps" / case.name)
    status, _, err = project.run("check", capsys=capsys)
    assert status == 1
    assert err.splitlines()[:-1] == expected_lines(case)
    assert not project.out.exists()


def test_problems_in_several_files_are_all_reported_in_one_run(project, capsys):
    for case in CASES[:4]:
        shutil.copy(case, project.root / "content" / "apps" / case.name)
    status, _, err = project.run(capsys=capsys)
    expected = [line for case in CASES[:4] for line in expected_lines(case)]
    assert status == 1
    assert err.splitlines() == sorted(expected) + [f"error: {len(expected)} problems in 4 files; site/ was not changed"]


def test_two_apps_with_the_same_name_are_reported(project, capsys):
    project.app("second_app")
    status, _, err = project.run(capsys=capsys)
    assert status == 1
    assert err.splitlines()[0] == "content/apps/second_app.yaml:1:1: name: 'Sample App' is already the name of content/apps/sample_app.yaml"


def test_unclosed_front_matter_gets_a_hint(project, capsys):
    project.write("content/docs/policy.md", "---\ntitle: Policy\nsummary: x\n\nBody\n")
    status, _, err = project.run(capsys=capsys)
    assert status == 1
    assert err.splitlines()[0] == "content/docs/policy.md:1:1: front matter is not closed; did you forget the closing '---'?"


def test_file_name_that_is_not_a_basename_is_reported(project, capsys):
    project.app("Web-Proxy")
    status, _, err = project.run(capsys=capsys)
    assert status == 1
    assert err.splitlines()[0] == ("content/apps/Web-Proxy.yaml:1:1: file name 'Web-Proxy' is not a ClearOS basename "
                                   "(lower-case letters, digits and single underscores)")


def test_legend_outline_without_enough_contrast_is_reported(project, capsys):
    methods = project.root / "content" / "methods.yaml"
    methods.write_text(methods.read_text().replace('outline: "#7a7000"', 'outline: "#ffff99"'))
    status, _, err = project.run(capsys=capsys)
    assert status == 1
    assert "methods[0].outline: contrast against white is 1.05:1; expected at least 3.0:1" in err.splitlines()[0]


def test_legend_bits_must_follow_legend_order(project, capsys):
    methods = project.root / "content" / "methods.yaml"
    methods.write_text(methods.read_text().replace("bit: 4", "bit: 32"))
    status, _, err = project.run(capsys=capsys)
    assert status == 1
    assert err.splitlines()[0].endswith("methods[2].bit: expected 4 (legend order sets the legacy bit), got 32")


def test_a_content_mistake_never_prints_a_traceback(project, capsys):
    project.app("broken", "name: [unclosed\n")
    status, out, err = project.run(capsys=capsys)
    assert status == 1
    assert "Traceback" not in out + err
    assert err.splitlines()[0].startswith("content/apps/broken.yaml:")


def test_editor_working_files_beside_the_content_are_not_content(project, tmp_path):
    """vim keeps .x.yaml.swp open beside the file it edits; backups (x~) and emacs' #x# come and go too."""
    from conftest import tree_digest

    assert project.run("--out", str(tmp_path / "before"))[0] == 0
    for name in (".sample_app.yaml.swp", "sample_app.yaml~", "#sample_app.yaml#", ".hidden.yaml"):
        (project.root / "content/apps" / name).write_bytes(b"\x00 not yaml at all \xff")
        (project.root / "content/docs" / name.replace("yaml", "md")).write_bytes(b"\x00 not markdown \xff")
    assert project.run("--out", str(tmp_path / "after"))[0] == 0
    assert tree_digest(tmp_path / "after") == tree_digest(tmp_path / "before")
