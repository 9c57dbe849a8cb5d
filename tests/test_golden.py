"""The build reproduces the golden trees of tests/golden/ byte for byte: cold, warm, and after an edit undone
(tests/golden.py says what each case is and how to regenerate the trees after a change meant to change the site)."""

from __future__ import annotations

import pytest

from golden import CASES, archive_of, build, differences, read_tree, tree_bytes

REGENERATE = ".venv/bin/python tests/golden.py"


@pytest.mark.parametrize("name", list(CASES))
def test_the_build_reproduces_the_golden_tree_cold_warm_and_after_an_edit_undone(name, tmp_path):
    assert archive_of(name).is_file(), f"no golden tree for {name}; make it with {REGENERATE} {name}"
    expected = read_tree(archive_of(name))
    root, out = tmp_path / "proj", tmp_path / "site"
    options = CASES[name](root)
    app = sorted((root / "content/apps").glob("*.yaml"))[0]
    text = app.read_text(encoding="utf-8")
    for run in ("cold", "warm", "edited", "undone"):
        app.write_text(text.replace("summary: ", "summary: Edited. ", 1) if run == "edited" else text, encoding="utf-8")
        result = build(root, options, out, tmp_path / "cache")
        assert result.returncode == 0, result.stderr
        got = tree_bytes(out)
        if run == "edited":
            assert got != expected   # the edit shows, so the next build has something to undo
            continue
        assert got == expected, (f"{name}, {run} build: the site differs from tests/golden/{name}.tar.gz; if the change is meant, "
                                 f"run {REGENERATE} {name} and read the diff\n{differences(expected, got)}")


def test_a_changed_byte_is_caught_and_named(tmp_path):
    """The comparison is not blind: one byte changed in a copy of a golden tree is named with its diff."""
    expected = read_tree(archive_of("history"))
    got = dict(expected)
    got["feed.json"] = got["feed.json"].replace(b'"Account Manager"', b'"Account Manajer"', 1)
    assert got != expected
    report = differences(expected, got)
    assert "changed (1): feed.json" in report and '+' in report and "Manajer" in report
