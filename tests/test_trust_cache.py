"""A checkout cannot reach the cache or the build's own state: forged files change nothing and run nothing.

Each case commits hostile files into a real git repository (force-added where .gitignore would
keep them out, as a pull request can), clones it afresh as CI does, and runs the real command
line in a process of its own: what `check`, `build` and `serve` make must be exactly what a clean
clone makes, and no forged file may run code, be followed or be truncated.
"""

from __future__ import annotations

import os
import pickle
import socket
import stat
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from conftest import REPO, tree_digest
from gitrepo import commit_all, git, init_repo
from policysite import cache, cachehome, codec
from policysite.engine.memo import CLASSES

WAIT = 120   # seconds: a bound against hanging, not a speed check


class RunsCode:
    """Unpickling this runs a shell command: the forged cache entries hold it."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def run(root: Path, *args: str, env: dict) -> subprocess.CompletedProcess:
    """Run build.py on root in its own process."""
    return subprocess.run([sys.executable, str(REPO / "build.py"), *args, "--root", str(root)],
                          capture_output=True, text=True, timeout=WAIT, env=env)


def clone(origin: Path, to: Path) -> Path:
    """Clone as CI does, into a fresh folder."""
    subprocess.run(["git", "clone", "-q", str(origin), str(to)], check=True, capture_output=True, timeout=WAIT)
    return to


@pytest.fixture
def repo(project, tmp_path):
    """The project committed to a real git repository."""
    init_repo(project.root)
    commit_all(project.root, "Add the project", "2026-03-01T10:00:00Z")
    return project.root


def forge_cache_files(root: Path, marker: Path) -> None:
    """Put, where earlier versions kept their cache and state, files that run code when unpickled or marshal-loaded."""
    payload = pickle.dumps(RunsCode(marker))
    folder = root / ".cache/policysite"
    folder.mkdir(parents=True)
    for name in ("units", "apps", "checked", "stamps", "trees", "checks", "markdown", "valid", "files", "gzip", "history", "last-build"):
        (folder / f"{name}.pickle").write_bytes(payload + payload)
        (folder / f"{name}.jsonl").write_bytes(b"0" * 64 + b' {"d":[]}\n')
    (folder / "templates").mkdir()
    (folder / "templates/__jinja2_0123456789abcdef.cache").write_bytes(b"j2" + payload)
    (folder / "key").write_bytes(b"k" * 32)   # a key the checkout knows is no key
    (root / ".site.manifest-1").write_bytes(payload)


def clean_and_hostile_clones(repo: Path, tmp_path: Path, marker: Path) -> tuple[Path, Path, dict]:
    """Clone repo as it is, then commit forged cache files and clone again; return both and CI's environment."""
    clean = clone(repo, tmp_path / "clean")
    forge_cache_files(repo, marker)
    git(repo, "add", "-f", ".cache", ".site.manifest-1")
    commit_all(repo, "Add a cache", "2026-03-02T10:00:00Z")
    hostile = clone(repo, tmp_path / "hostile")
    return clean, hostile, {**os.environ, "POLICYSITE_CACHE_HOME": str(tmp_path / "ci-cache")}


def test_forged_cache_files_in_a_checkout_run_nothing_and_change_nothing(repo, tmp_path, own_cache_home):
    marker = tmp_path / "code-ran"
    clean, hostile, env = clean_and_hostile_clones(repo, tmp_path, marker)
    for args in (("check", "--format", "github"), ("check",), ()):
        for root in (clean, hostile):
            result = run(root, *args, env=env)
            assert result.returncode == 0, result.stderr
    assert not marker.exists()
    assert tree_digest(hostile / "site") == tree_digest(clean / "site")
    assert run(hostile, env=env).returncode == 0    # once more, now with a warm cache of its own
    assert tree_digest(hostile / "site") == tree_digest(clean / "site")
    assert not marker.exists()


def test_serve_ignores_forged_cache_files(repo, tmp_path):
    marker = tmp_path / "code-ran"
    clean, hostile, env = clean_and_hostile_clones(repo, tmp_path, marker)
    assert run(clean, env=env).returncode == 0
    port = free_port()
    server = subprocess.Popen([sys.executable, str(REPO / "build.py"), "serve", "--root", str(hostile), "--port", str(port)],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    try:
        assert b"Sample App" in fetch_when_up(f"http://127.0.0.1:{port}/")
    finally:
        server.terminate()
        server.wait(timeout=WAIT)
    assert not marker.exists()
    assert tree_digest(hostile / "site") == tree_digest(clean / "site")


def free_port() -> int:
    """Return a port nothing listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fetch_when_up(url: str) -> bytes:
    """Fetch url once the server answers."""
    deadline = time.monotonic() + WAIT
    while True:
        try:
            with urllib.request.urlopen(url, timeout=10) as reply:
                return reply.read()
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def forged_unit_store(project, key: bytes) -> None:
    """Write, where the build keeps its app results, entries sealed with key that put a live script into the catalogue."""
    folder = cache.folder_for(project.root)
    classes = CLASSES["apps"]
    store = cache.Store(project.root, "apps", classes)
    assert store.entries, "the build before should have remembered its app results"
    from dataclasses import replace

    from markupsafe import Markup

    forged = {k: replace(u, rows=(("en", (Markup("<script>alert(1)</script>"),)),)) for k, u in store.entries.items()}
    (folder / "apps.jsonl").write_bytes(cache.seal(key, "apps", codec.encode(forged, classes)))


def test_cache_entries_sealed_with_another_key_are_not_used(project, tmp_path):
    assert project.run() == (0, "", "")
    clean = tree_digest(project.out)
    forged_unit_store(project, b"not the machine's key, 32 bytes!")
    (project.root / "static/site.css").write_text("/* edited */\n")   # a build must run, and would use the remembered results
    assert project.run() == (0, "", "")
    assert b"<script>alert" not in (project.out / "index.html").read_bytes()
    assert tree_digest(project.out)["index.html"] == clean["index.html"]


def test_cache_entries_sealed_with_the_machine_key_are_used(project, own_cache_home):
    """The counterpart of the test above: the same forgery with the real key is read, so that test means something."""
    assert project.run() == (0, "", "")
    forged_unit_store(project, (own_cache_home / "key").read_bytes())
    (project.root / "static/site.css").write_text("/* edited */\n")
    assert project.run() == (0, "", "")
    assert b"<script>alert(1)</script>" in (project.out / "index.html").read_bytes()


def test_a_cache_folder_inside_the_checkout_is_not_used(project, monkeypatch):
    monkeypatch.setenv("POLICYSITE_CACHE_HOME", str(project.root / ".cache"))
    assert cache.folder_for(project.root) is None
    assert project.run() == (0, "", "")
    assert not (project.root / ".cache").exists()


def test_the_machine_key_is_private_and_a_shared_one_is_replaced(project, own_cache_home):
    assert project.run() == (0, "", "")
    key = own_cache_home / "key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600 and len(key.read_bytes()) == cache.KEY_BYTES
    assert stat.S_IMODE(own_cache_home.stat().st_mode) == 0o700
    old = key.read_bytes()
    key.chmod(0o644)                      # others could have read it: entries sealed with it prove nothing
    cachehome._folders.clear()
    assert project.run() == (0, "", "")
    assert key.read_bytes() != old and stat.S_IMODE(key.stat().st_mode) == 0o600


@pytest.mark.skipif(os.geteuid() != 0, reason="only root can give the key to another user")
def test_a_key_of_another_user_means_no_cache(project, own_cache_home):
    assert project.run() == (0, "", "")
    os.chown(own_cache_home / "key", 65534, 65534)
    cachehome._folders.clear()
    assert cache.folder_for(project.root) is None
    assert project.run() == (0, "", "")


def test_state_paths_that_are_links_are_replaced_and_never_followed(project, tmp_path):
    """A checkout can carry .site.lock, .site.standby and site as links: to a file to truncate, a folder to fill."""
    victim_file = tmp_path / "victim.txt"
    victim_file.write_text("precious\n")
    victim_dir = tmp_path / "victim-dir"
    victim_dir.mkdir()
    (victim_dir / "keep.txt").write_text("mine\n")
    assert project.run("--out", str(tmp_path / "clean")) == (0, "", "")
    (project.root / ".site.lock").symlink_to(victim_file)
    (project.root / ".site.standby").symlink_to(victim_dir)
    (project.root / "site").symlink_to(victim_dir)
    for _ in range(3):   # the first build replaces the links; the next ones use what it made
        assert project.run() == (0, "", "")
        assert tree_digest(project.out) == tree_digest(tmp_path / "clean")
    assert victim_file.read_text() == "precious\n"
    assert sorted(p.name for p in victim_dir.iterdir()) == ["keep.txt"]
    for name in (".site.lock", ".site.standby", "site"):
        assert not (project.root / name).is_symlink()


def test_a_fifo_or_folder_at_the_lock_path_does_not_hang_or_break_the_build(project, tmp_path):
    assert project.run("--out", str(tmp_path / "clean")) == (0, "", "")
    os.mkfifo(project.root / ".site.lock")
    assert project.run() == (0, "", "")
    (project.root / ".site.lock").unlink()
    (project.root / ".site.lock").mkdir()
    assert project.run() == (0, "", "")
    assert tree_digest(project.out) == tree_digest(tmp_path / "clean")


def test_a_link_inside_the_standby_makes_it_rebuilt_not_written_through(project, tmp_path):
    victim_dir = tmp_path / "victim-dir"
    victim_dir.mkdir()
    assert project.run() == (0, "", "")
    (project.root / "static/site.css").write_text("/* one */\n")
    assert project.run() == (0, "", "")            # now there is a standby with a manifest
    standby = project.root / ".site.standby"
    apps = standby / "apps"
    import shutil

    shutil.rmtree(apps)
    apps.symlink_to(victim_dir)                    # as a checkout could leave it, under the same standby folder
    (project.root / "static/site.css").write_text("/* two */\n")
    assert project.run() == (0, "", "")
    assert list(victim_dir.iterdir()) == []
    assert (project.out / "assets/site.css").read_text() == "/* two */\n"


def test_a_live_site_holding_links_is_compared_without_following_them(project, tmp_path):
    """With no manifest to trust (a fresh clone that carries site/), live files are read without following links."""
    secret = tmp_path / "secret.txt"
    secret.write_text("secret\n")
    assert project.run("--out", str(tmp_path / "clean")) == (0, "", "")
    site = project.root / "site"
    site.mkdir()
    (site / "assets").mkdir()
    (site / "assets/site.css").symlink_to(secret)
    (site / "apps").symlink_to(tmp_path)
    assert project.run() == (0, "", "")
    assert tree_digest(project.out) == tree_digest(tmp_path / "clean")
    assert secret.read_text() == "secret\n"


def test_new_refuses_to_write_through_a_linked_apps_folder(project, tmp_path, capsys):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    for path in (project.root / "content/apps").iterdir():
        path.rename(elsewhere / path.name)
    (project.root / "content/apps").rmdir()
    (project.root / "content/apps").symlink_to(elsewhere)
    assert project.run("new", "web_proxy", capsys=capsys) == (
        1, "", "error: content/apps is a symbolic link; a checkout keeps its content in real folders\n")
    assert sorted(p.name for p in elsewhere.iterdir()) == ["sample_app.yaml"]


def test_the_cache_folder_is_where_the_readme_says(monkeypatch, tmp_path):
    readme = " ".join((REPO / "README.md").read_text(encoding="utf-8").split())
    assert ("It lives in `$POLICYSITE_CACHE_HOME`, else `$XDG_CACHE_HOME/policysite`, else "
            "`~/.cache/policysite`, one folder per checkout") in readme
    monkeypatch.setenv("POLICYSITE_CACHE_HOME", str(tmp_path / "own"))
    assert cache.cache_home() == tmp_path / "own"
    monkeypatch.delenv("POLICYSITE_CACHE_HOME")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache.cache_home() == tmp_path / "xdg/policysite"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert cache.cache_home() == tmp_path / "home/.cache/policysite"
    assert cache.folder_for(tmp_path / "a") != cache.folder_for(tmp_path / "b")   # one folder per checkout
