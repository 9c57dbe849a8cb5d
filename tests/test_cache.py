"""The cache and the incremental publish give exactly the site a cold build gives.

Each case builds, changes one input the way a maintainer would, builds again with everything the
earlier builds left (the cache in the user's cache folder, the standby copy beside site/), and compares
the result byte for byte with a cold build of the same input into an empty folder, with no cache.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import time

import pytest

from conftest import REPO, VALID_APP, tree_digest
from policysite import cache
from policysite.cache import Store, digest_of, folder_for
from policysite.engine import recipe, workers
from policysite.engine.memo import CLASSES, Memo

HOUR_AGO = time.time() - 3600


def age_inputs(root) -> None:
    """Date every input an hour back, as files are when a maintainer comes to build again."""
    for folder in ("content", "templates", "static"):
        for path in [root / folder, *(root / folder).rglob("*")]:
            os.utime(path, (HOUR_AGO, HOUR_AGO), follow_symlinks=False)


def cold_digest(project, tmp_path) -> dict[str, str]:
    """Build the project's current input from scratch into a new folder and return its tree."""
    home = os.environ["POLICYSITE_CACHE_HOME"]
    os.environ["POLICYSITE_CACHE_HOME"] = str(tmp_path / f"cold-cache-{len(os.listdir(tmp_path))}")
    try:
        assert project.run("--out", str(tmp_path / "cold")) == (0, "", "")
    finally:
        os.environ["POLICYSITE_CACHE_HOME"] = home
    return tree_digest(tmp_path / "cold")


def units_store(project) -> Store:
    """Return the project's remembered app results, as the next build would read them."""
    return Store(project.root, "apps", CLASSES["apps"])


def edit_app(project):
    project.app("sample_app", VALID_APP.replace("A small app used by the tests.", "A small app, edited."))


def edit_description(project):
    project.app("sample_app", VALID_APP.replace("with **bold** text.", "with *other* text."))


def add_app(project):
    project.app("added_app", VALID_APP.replace("Sample App", "Added App"))


def delete_app(project):
    (project.root / "content/apps/other_app.yaml").unlink()


def edit_template(project):
    path = project.root / "templates/app.html"
    path.write_text(path.read_text().replace("This policy as data:", "This policy as JSON data:"))


def edit_methods(project):
    path = project.root / "content/methods.yaml"
    path.write_text(path.read_text().replace("title: Public Forum Support - Casual", "title: Public Forum Help - Casual"))


def edit_static(project):
    path = project.root / "static/site.css"
    path.write_text(path.read_text() + "\n/* edited */\n")


def edit_code_version(project, monkeypatch):
    monkeypatch.setattr(cache, "_version", "a different version of policysite")


@pytest.fixture
def built(project):
    """The project with two apps, built twice (the second time from the cache), inputs an hour old."""
    project.app("other_app", VALID_APP.replace("Sample App", "Other App"))
    assert project.run() == (0, "", "")
    age_inputs(project.root)
    assert project.run() == (0, "", "")
    assert units_store(project).entries, "the first build should have filled the cache"
    return project


@pytest.mark.parametrize("change", [edit_app, edit_description, add_app, delete_app, edit_template, edit_methods])
def test_a_rebuild_after_a_change_equals_a_cold_build(built, tmp_path, change):
    before = tree_digest(built.out)
    change(built)
    assert built.run() == (0, "", "")
    after = tree_digest(built.out)
    assert after != before
    assert after == cold_digest(built, tmp_path)


def test_a_new_code_version_ignores_everything_cached_before(built, tmp_path, monkeypatch):
    poison_units(built)
    edit_code_version(built, monkeypatch)
    edit_static(built)
    assert built.run() == (0, "", "")
    assert tree_digest(built.out) == cold_digest(built, tmp_path)


def test_within_one_code_version_the_cache_is_what_the_build_uses(built, tmp_path):
    """The counterpart of the test above: it shows the cache is really read, so those comparisons mean something."""
    poison_units(built)
    edit_static(built)      # static files are not part of any app's unit: the (poisoned) units are used
    assert built.run() == (0, "", "")
    assert tree_digest(built.out) != cold_digest(built, tmp_path)


def poison_units(project) -> None:
    """Give sample_app's remembered result another app's catalogue row, as a wrong cache would."""
    from dataclasses import replace

    store = units_store(project)
    a, b = (next(k for k, u in store.entries.items() if u.app.basename == name) for name in ("sample_app", "other_app"))
    store.entries[a] = replace(store.entries[a], rows=store.entries[b].rows)
    store._rewrite(store.entries)


def test_a_build_with_nothing_changed_reads_no_content(built, monkeypatch, capsys):
    expected = built.run(capsys=capsys)
    monkeypatch.setattr(recipe, "build", lambda *a, **k: pytest.fail("nothing changed, yet the build ran"))
    assert built.run(capsys=capsys) == expected


# Runs the command line in a fresh interpreter and prints every module it imported, as JSON.
IMPORTS_PROBE = """
import json, sys
sys.path.insert(0, sys.argv[1])
import build
status = build.main(sys.argv[2:])
print(json.dumps([status, sorted(sys.modules)]))
"""
# What the nothing-changed answer may import besides the standard library: the command line and our package,
# and MarkupSafe and orjson, which codec.py decodes records with (modules starting with _ are the interpreter's
# start-up hooks).
LIGHT = {"build", "policysite", "markupsafe", "orjson"}


def test_a_build_with_nothing_changed_imports_none_of_the_build_libraries(built):
    """Only the standard library and the base modules: the answer must not wait for YAML, Jinja or the schemas."""
    result = subprocess.run([sys.executable, "-c", IMPORTS_PROBE, str(REPO), "--root", str(built.root), "--no-history"],
                            capture_output=True, text=True, timeout=120)
    status, modules = json.loads(result.stdout.splitlines()[-1])
    assert status == 0, result.stderr
    foreign = {m.split(".")[0] for m in modules if not m.startswith("_")} - set(sys.stdlib_module_names) - LIGHT
    assert foreign == set()
    assert "policysite.engine.pipeline" not in modules   # the answer came from the record, not from a build


@pytest.mark.parametrize("change", ["same size and time", "output file removed", "output file edited", "date"])
def test_any_change_to_inputs_output_or_date_makes_the_build_run(built, monkeypatch, change):
    calls = []
    real = recipe.build
    monkeypatch.setattr(recipe, "build", lambda *a, **k: calls.append(1) or real(*a, **k))
    if change == "same size and time":
        path = built.root / "content/apps/sample_app.yaml"
        path.write_text(path.read_text().replace("Sample App", "Sample Ap2"))   # same length
        os.utime(path, (HOUR_AGO, HOUR_AGO))
    elif change == "output file removed":
        (built.out / "feed.json").unlink()
    elif change == "output file edited":
        (built.out / "index.html").write_text("not the catalogue")
    else:
        monkeypatch.setenv("SOURCE_DATE_EPOCH", str(int(HOUR_AGO) + 86400 * 30))
    assert built.run() == (0, "", "")
    assert calls == [1]


def test_an_edit_within_the_clock_tick_of_the_last_build_is_caught_by_content(project, monkeypatch):
    """A file modified just before a build could be edited again with the same size and times: its bytes are compared."""
    from policysite.engine import unchanged

    assert project.run() == (0, "", "")           # inputs just written: recorded with their content hashes
    calls = []
    real = recipe.build
    monkeypatch.setattr(recipe, "build", lambda *a, **k: calls.append(1) or real(*a, **k))
    assert project.run() == (0, "", "")
    assert calls == []                             # nothing changed: the hashes match
    record = cache.load_record(project.root, unchanged.RECORD, unchanged.RECORD_CLASSES)
    app = str(project.root / "content/apps/sample_app.yaml")
    assert app in record["racy"]
    record["racy"][app] = "0" * 64                 # as if the bytes had changed while size and times had not
    cache.save_record(project.root, unchanged.RECORD, record, unchanged.RECORD_CLASSES)
    assert project.run() == (0, "", "")
    assert calls == [1]


def test_a_damaged_cache_file_is_an_empty_cache(built, tmp_path):
    for path in (p for p in folder_for(built.root).rglob("*") if p.is_file()):
        data = path.read_bytes()
        path.write_bytes(data[: len(data) // 2])
    edit_app(built)
    assert built.run() == (0, "", "")
    assert tree_digest(built.out) == cold_digest(built, tmp_path)


def test_building_apps_in_worker_processes_gives_the_same_site_and_problems(project, tmp_path, monkeypatch, capsys):
    for i in range(6):
        project.app(f"app_{i}", VALID_APP.replace("Sample App", f"App {i}"))
    assert project.run("--out", str(tmp_path / "serial")) == (0, "", "")
    shutil.rmtree(folder_for(project.root))
    monkeypatch.setattr(workers, "PARALLEL_MIN", 1)
    calls = []
    real = workers.multiprocessing.get_context
    monkeypatch.setattr(workers.multiprocessing, "get_context", lambda *a: calls.append(a) or real(*a))
    assert project.run("--out", str(tmp_path / "parallel")) == (0, "", "")
    assert calls == [("fork",)]
    assert tree_digest(tmp_path / "parallel") == tree_digest(tmp_path / "serial")
    project.app("app_2", "name: [unclosed\n")
    project.app("app_3", VALID_APP.replace("license: GPLv3", "license: GPLv3\nlicense: MIT"))
    monkeypatch.setattr(workers, "PARALLEL_MIN", 10**9)
    capsys.readouterr()
    serial = project.run(capsys=capsys)
    shutil.rmtree(folder_for(project.root))
    monkeypatch.setattr(workers, "PARALLEL_MIN", 1)
    assert project.run(capsys=capsys) == serial and serial[0] == 1


def test_worker_processes_write_the_apps_files_themselves(project, tmp_path, monkeypatch):
    """The build's own process receives manifest entries, never an app's bytes; an app's JSON and its by-hash
    copy are one file with two names."""
    from policysite.publish.write import Publisher

    for i in range(6):
        project.app(f"app_{i}", VALID_APP.replace("Sample App", f"App {i}"))
    monkeypatch.setattr(workers, "PARALLEL_MIN", 1)
    put_here, real_put = [], Publisher.put
    monkeypatch.setattr(Publisher, "put", lambda self, dest, data: put_here.append((os.getpid(), dest)) or real_put(self, dest, data))
    assert project.run("--out", str(tmp_path / "site")) == (0, "", "")
    mine = [dest for pid, dest in put_here if pid == os.getpid()]
    assert "index.html" in mine and "feed.json" in mine
    assert not [dest for dest in mine if dest.startswith(("apps/", "api/v1/apps/", "api/v1/by-hash/"))]
    for i in range(6):
        document = tmp_path / f"site/api/v1/apps/app_{i}.json"
        digest = hashlib.sha256(document.read_bytes()).hexdigest()
        assert os.stat(document).st_ino == os.stat(tmp_path / f"site/api/v1/by-hash/{digest}.json").st_ino


def test_an_app_page_that_reads_the_whole_site_is_a_located_template_error(built, capsys):
    """An app's page is rebuilt only when its app changes, so it may not read the others: the build says where it does."""
    path = built.root / "templates/app.html"
    text = path.read_text()
    line = text[:text.index("This policy as data:")].count("\n") + 1
    path.write_text(text.replace("{% trans %}This policy as data:{% endtrans %}", "One of {{ site.apps|length }} policies, as data:"))
    before = tree_digest(built.out)
    capsys.readouterr()
    assert built.run(capsys=capsys) == (1, "", f"templates/app.html:{line}:1: an app page may not depend on other apps: "
                                               "reads 'site', the whole site; use what the page is given (app, articles, "
                                               "settings, methods)\nerror: 1 problem in 1 file; site/ was not changed\n")
    assert tree_digest(built.out) == before


def test_a_published_page_changed_by_hand_is_rendered_again(built, tmp_path):
    page = built.out / "apps/other_app/index.html"
    page.write_bytes(page.read_bytes().replace(b"Other App", b"Tampered"))
    edit_app(built)
    assert built.run() == (0, "", "")
    assert tree_digest(built.out) == cold_digest(built, tmp_path)


def many_in_one_category(project, count: int = 60) -> None:
    """Apps enough for three pages of the Server category (PAGE_SIZE 25), and one app in another category."""
    for i in range(count):
        project.app(f"server_{i:02d}", VALID_APP.replace("Sample App", f"Server App {i:02d}"))
    project.app("mail_app", VALID_APP.replace("Sample App", "Mail App").replace("category: Server", "category: Network"))


def rendered_category_pages(monkeypatch) -> list[str]:
    """Return the list the next builds add each category page they render to (the others were kept)."""
    from policysite.engine import pages

    rendered, real = [], pages.page_reuse

    def spying(*args):
        reuse = real(*args)
        if reuse is None:
            return None
        return lambda dest, page, render: reuse(dest, page, lambda: rendered.append(dest) or render())

    monkeypatch.setattr(recipe, "page_reuse", spying)
    return rendered


@pytest.mark.parametrize("edit, pages", [
    ("summary", ["categories/server/3/index.html"]),    # the row changes; the app stays where it was
    ("name", ["categories/server/2/index.html", "categories/server/3/index.html", "categories/server/index.html"]),   # it moves to the front
])
def test_an_edit_renders_only_the_category_pages_it_changes(project, tmp_path, monkeypatch, edit, pages):
    many_in_one_category(project)
    assert project.run() == (0, "", "")
    age_inputs(project.root)
    rendered = rendered_category_pages(monkeypatch)
    text = VALID_APP.replace("Sample App", "Server App 55")
    project.app("server_55", text.replace("A small app used by the tests.", "Edited.") if edit == "summary"
                else text.replace("name: Server App 55", "name: AAA Server App"))
    assert project.run() == (0, "", "")
    assert sorted(rendered) == pages
    assert tree_digest(project.out) == cold_digest(project, tmp_path)


def test_a_category_page_changed_by_hand_is_rendered_again(project, tmp_path, monkeypatch):
    many_in_one_category(project)
    assert project.run() == (0, "", "")
    page = project.out / "categories/server/2/index.html"
    page.write_bytes(page.read_bytes().replace(b"Server App 30", b"Tampered"))
    rendered = rendered_category_pages(monkeypatch)
    project.app("mail_app", VALID_APP.replace("Sample App", "Mail App, edited").replace("category: Server", "category: Network"))
    assert project.run() == (0, "", "")
    assert sorted(rendered) == ["categories/network/index.html", "categories/server/2/index.html"]
    assert tree_digest(project.out) == cold_digest(project, tmp_path)


def test_a_category_template_that_reads_the_whole_site_renders_every_page_each_time(project, tmp_path, monkeypatch):
    """Its pages then depend on every app: none is remembered, and adding an app in another category changes them."""
    many_in_one_category(project, 30)
    path = project.root / "templates/category.html"
    path.write_text(path.read_text().replace("{% block main %}", "{% block main %}<p>{{ site.apps|length }} apps</p>"))
    assert project.run() == (0, "", "")
    before = (project.out / "categories/server/2/index.html").read_bytes()
    rendered = rendered_category_pages(monkeypatch)
    project.app("news_app", VALID_APP.replace("Sample App", "News App").replace("category: Server", "category: Reports"))
    assert project.run() == (0, "", "")
    assert rendered == []   # no reuse at all: every page rendered as it would be cold
    assert (project.out / "categories/server/2/index.html").read_bytes() != before
    assert tree_digest(project.out) == cold_digest(project, tmp_path)


def test_with_git_history_a_new_commit_gives_the_cold_build(project, tmp_path):
    """History comes from every committed version, parsed through the same cache; a commit changes HEAD."""
    from gitrepo import commit_all, init_repo

    init_repo(project.root)
    commit_all(project.root, "Add sample_app", "2026-03-01T10:00:00Z")
    edit_app(project)
    commit_all(project.root, "Reword the summary", "2026-04-01T10:00:00Z")
    assert project.run() == (0, "", "")
    age_inputs(project.root)
    assert project.run() == (0, "", "")
    edit_description(project)          # built before it is committed: no history entry for it yet
    age_inputs(project.root)
    assert project.run() == (0, "", "")
    before = tree_digest(project.out)
    commit_all(project.root, "Reword the description", "2026-05-01T10:00:00Z")   # no file changes, HEAD does
    assert project.run() == (0, "", "")
    assert tree_digest(project.out) != before
    assert tree_digest(project.out) == cold_digest(project, tmp_path)


def test_a_cache_kept_in_memory_between_builds_gives_the_cold_build(project, tmp_path):
    """The preview server keeps the memo in memory from one rebuild to the next."""
    memo = Memo(project.root, keep=True)
    recipe.build(project.root, project.out, history_mode=None, memo=memo)
    assert memo.table("apps").entries
    for change in (edit_app, add_app, edit_template, edit_methods):
        change(project)
        recipe.build(project.root, project.out, history_mode=None, memo=memo)
        assert tree_digest(project.out) == cold_digest(project, tmp_path)
        shutil.rmtree(tmp_path / "cold")


def test_a_preview_server_reuses_the_shared_files_only_while_they_are_unchanged(project, tmp_path):
    """serve keeps what was read of the legend, settings, templates and documents; any change to them is read again."""
    memo = Memo(project.root, keep=True)
    for change in (edit_app, edit_methods, edit_template, edit_static, add_app):
        age_inputs(project.root)   # no input is within its clock tick, whatever the time the builds before took
        recipe.build(project.root, project.out, history_mode=None, memo=memo)
        first = memo.shared
        change(project)   # just now: the shared files' bytes count as well as their times
        recipe.build(project.root, project.out, history_mode=None, memo=memo)
        assert (memo.shared[1] is first[1]) == (change in (edit_app, add_app))
        assert tree_digest(project.out) == cold_digest(project, tmp_path)
        shutil.rmtree(tmp_path / "cold")


def test_the_code_version_reads_each_librarys_version_as_importlib_metadata_does(tmp_path, monkeypatch):
    from importlib import metadata

    assert cache.library_versions() == {name: metadata.version(name) for name in cache.LIBRARIES}
    # The first distribution along sys.path wins, whatever the spelling of its folder's name.
    for entry, folder in [("first", "jinja2-9.0.dist-info"), ("second", "Jinja2-1.0.dist-info"), ("second", "PyYAML-7.1.dist-info")]:
        (tmp_path / entry / folder).mkdir(parents=True)
        (tmp_path / entry / folder / "METADATA").write_text(f"Metadata-Version: 2.1\nName: x\nVersion: {folder.split('-')[1][:3]}\n\n")
    monkeypatch.setattr(sys, "path", [str(tmp_path / "first"), str(tmp_path / "second"), *sys.path])
    found = cache.library_versions()
    assert (found["Jinja2"], found["PyYAML"]) == ("9.0", "7.1") == (metadata.version("Jinja2"), metadata.version("PyYAML"))
