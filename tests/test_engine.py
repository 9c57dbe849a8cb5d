"""One recipe for build, check and serve (policysite/engine/recipe.py): what each reports and remembers."""

from __future__ import annotations

import datetime

import pytest

from conftest import VALID_APP, tree_digest
from policysite.cache import Store
from policysite.engine import recipe
from policysite.engine.memo import CLASSES, Memo, key_of
from policysite.problems import ContentError

BAD_APP = VALID_APP.replace("category: Server", "category: Nowhere")


def broken_legend(project) -> str:
    """Give methods.yaml a mistake; return the line check prints for it."""
    path = project.root / "content/methods.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("methods:", "methods:\n  - nonsense", 1), encoding="utf-8")
    return "content/methods.yaml:"


@pytest.mark.parametrize("command", ["check", "build"])
def test_a_mistake_in_a_shared_file_still_reports_every_apps_own_problems(project, capsys, command):
    project.app("bad_app", BAD_APP)
    capsys.readouterr()
    status, _, alone = project.run(command, capsys=capsys)
    app_lines = [line for line in alone.splitlines() if line.startswith("content/apps/bad_app.yaml:")]
    assert status == 1 and app_lines
    prefix = broken_legend(project)
    status, _, both = project.run(command, capsys=capsys)
    assert status == 1
    assert any(line.startswith(prefix) for line in both.splitlines())
    assert [line for line in both.splitlines() if line.startswith("content/apps/bad_app.yaml:")] == app_lines


def test_a_broken_template_still_reports_every_apps_own_problems(project, capsys):
    project.app("bad_app", BAD_APP)
    project.write("templates/doc.html", "{% if %}\n")
    status, _, err = project.run(capsys=capsys)
    assert status == 1
    assert any(line.startswith("templates/doc.html:1:") for line in err.splitlines())
    assert any(line.startswith("content/apps/bad_app.yaml:") for line in err.splitlines())
    assert not project.out.exists()


def test_check_and_build_report_the_same_problems_and_summaries(project, tmp_path):
    project.app("second_app", VALID_APP.replace("Sample App", "Second App"))
    checked = recipe.check(project.root)
    built = recipe.build(project.root, tmp_path / "site", history_mode=None)
    assert checked.apps == built.apps and checked.warnings == built.warnings
    assert [a.basename for a in checked.apps] == ["sample_app", "second_app"]
    project.app("bad_app", BAD_APP)
    with pytest.raises(ContentError) as by_check:
        recipe.check(project.root)
    with pytest.raises(ContentError) as by_build:
        recipe.build(project.root, tmp_path / "site", history_mode=None)
    assert by_check.value.problems == by_build.value.problems


def test_check_writes_no_output_and_remembers_apart_from_build(project):
    recipe.check(project.root)
    assert not project.out.exists()
    assert Store(project.root, "checked", CLASSES["checked"]).entries
    assert not Store(project.root, "apps", CLASSES["apps"]).entries


def test_a_remembered_result_is_what_the_next_check_uses(project):
    """The counterpart of the cold = warm tests: a check really takes its answer from the memo."""
    recipe.check(project.root)
    store = Store(project.root, "checked", CLASSES["checked"])
    (key, result), = store.entries.items()
    store.entries[key] = type(result)(result.problems, result.app.__class__(**{**vars(result.app), "name": "Remembered"}))
    store._rewrite(store.entries)
    assert [a.name for a in recipe.check(project.root).apps] == ["Remembered"]


def test_results_with_errors_are_never_remembered(project):
    project.app("bad_app", BAD_APP)
    with pytest.raises(ContentError):
        recipe.check(project.root)
    store = Store(project.root, "checked", CLASSES["checked"])
    assert [r.app.basename for r in store.entries.values()] == ["sample_app"]


def test_a_memo_key_depends_on_every_argument_and_its_kind():
    keys = {key_of("stage", args) for args in [(b"a",), ("a",), (["a"],), (b"a", b""), (b"ab",), (b"a", b"b"), (None,), ((),)]}
    assert len(keys) == 8
    assert key_of("stage", (b"a",)) != key_of("other", (b"a",))
    assert key_of("stage", (b"x" * 10,)) == key_of("stage", (b"x" * 10,))


def test_no_history_keys_an_app_as_its_encoded_none_would():
    """key_of takes a short cut for None (an app file whose history was not read): the key stays the data's."""
    import hashlib

    from policysite import codec
    from policysite.engine.memo import VERSION_CLASSES

    data = codec.encode(None, VERSION_CLASSES)
    expected = hashlib.sha256(b"stage\0" + b"s1\0a" + b"v%d\0" % len(data) + data).hexdigest()
    assert key_of("stage", ("a", None)) == expected


def test_a_kept_memo_holds_its_tables_between_builds_and_a_fresh_one_reads_them_again(project, tmp_path):
    kept = Memo(project.root, keep=True)
    recipe.build(project.root, tmp_path / "a", history_mode=None, memo=kept)
    table = kept.tables["apps"]
    recipe.build(project.root, tmp_path / "a", history_mode=None, memo=kept)
    assert kept.tables["apps"] is table
    fresh = Memo(project.root)
    recipe.build(project.root, tmp_path / "b", history_mode=None, memo=fresh)
    assert fresh.tables == {}   # saved and let go
    assert tree_digest(tmp_path / "a") == tree_digest(tmp_path / "b")


def test_what_an_app_page_pulls_in_is_held_to_the_same_rule(project, capsys):
    project.write("templates/_extra.html", "<p>\n{{ site.apps|length }} apps</p>\n")
    path = project.root / "templates/app.html"
    text = path.read_text(encoding="utf-8")
    end = text.count("\n") + 1
    path.write_text(text + '{% include "_extra.html" %}\n{% include app.basename ~ ".html" %}\n', encoding="utf-8")
    status, _, err = project.run(capsys=capsys)
    assert status == 1
    assert err.splitlines()[:2] == [
        f"templates/_extra.html:2:1: an app page may not depend on other apps: reads 'site', the whole site; "
        "use what the page is given (app, articles, settings, methods)",
        f"templates/app.html:{end + 1}:1: an app page may not depend on other apps: pulls in a template named only "
        "while rendering; name it in the template",
    ]
    assert not project.out.exists()


@pytest.mark.parametrize("value", [
    {"a": ("t", b"\x00\xff", datetime.date(2026, 1, 31), [1, None, True])},
    "content/apps/odd\udcff.yaml",   # a lone surrogate from a file name that is not UTF-8
    2 ** 70,                          # beyond what orjson writes
    [0.5, -0.0, 1e300],
])
def test_the_codec_gives_back_what_it_was_given(value):
    from policysite import codec

    assert codec.decode(codec.encode(value, {}), {}) == value


@pytest.mark.parametrize("value", [float("nan"), float("inf"), [1, (2, -float("inf"))]])
def test_the_codec_refuses_a_float_that_is_not_finite(value):
    from policysite import codec

    with pytest.raises(ValueError):
        codec.encode(value, {})
