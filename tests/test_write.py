"""Output is atomic and deterministic."""

from __future__ import annotations

import os

import pytest

from conftest import tree_digest
from policysite import cache
from policysite.cache import folder_for
from policysite.publish.manifest import Manifest, manifest_name
from policysite.publish.outdir import remove_tree
from policysite.publish.write import Publisher, safe_dest


def write_site(outputs: dict[str, bytes], out) -> None:
    """Publish outputs as out the way the build does: every file put, then the new site swapped in."""
    for dest in outputs:
        safe_dest(out.absolute(), dest)
    with Publisher(out) as publisher:
        for dest in sorted(outputs):
            publisher.put(dest, outputs[dest])
        publisher.finish()


def test_two_builds_of_the_same_input_are_byte_identical(project, tmp_path):
    assert project.run("--out", str(tmp_path / "a")) == (0, "", "")
    assert project.run("--out", str(tmp_path / "b")) == (0, "", "")
    assert tree_digest(tmp_path / "a") == tree_digest(tmp_path / "b")


def test_rebuild_removes_pages_of_deleted_apps(project):
    project.app("extra_app", (project.root / "content/apps/sample_app.yaml").read_text().replace("Sample App", "Extra App"))
    assert project.run()[0] == 0
    assert (project.out / "apps/extra_app/index.html").exists()
    (project.root / "content/apps/extra_app.yaml").unlink()
    assert project.run()[0] == 0
    assert not (project.out / "apps/extra_app").exists()
    assert not (project.out / "api/v1/apps/extra_app.json").exists()


def test_failed_build_leaves_previous_site_untouched(project):
    assert project.run()[0] == 0
    before = tree_digest(project.out)
    project.app("sample_app", "name: Broken\n")
    assert project.run()[0] == 1
    assert tree_digest(project.out) == before


def test_write_leaves_no_temporary_folders_behind(tmp_path):
    """Beside site/: the lock and the previous site kept as the standby; in the cache folder, one manifest for each of the two trees."""
    out = tmp_path / "site"
    write_site({"index.html": b"one"}, out)
    write_site({"index.html": b"two"}, out)
    standby = tmp_path / ".site.standby"
    assert sorted(p.name for p in tmp_path.iterdir()) == [".site.lock", ".site.standby", "site"]
    manifests = sorted(f"{manifest_name(out, tree)}.json" for tree in (out, standby))
    assert sorted(p.name for p in folder_for(tmp_path).iterdir() if p.name.startswith("manifest-")) == manifests
    assert (out / "index.html").read_bytes() == b"two"
    assert (standby / "index.html").read_bytes() == b"one"


def test_publishing_the_same_outputs_again_touches_nothing(tmp_path):
    out = tmp_path / "site"
    outputs = {"index.html": b"one", "apps/a/index.html": b"a"}
    write_site(outputs, out)
    before = {p: (p.stat().st_ino, p.stat().st_mtime_ns) for p in [out, *out.rglob("*")]}
    write_site(outputs, out)
    assert {p: (p.stat().st_ino, p.stat().st_mtime_ns) for p in [out, *out.rglob("*")]} == before
    # The first publish left a standby of hard links to the same files, ready for the next change.
    standby = tmp_path / ".site.standby"
    assert {p.relative_to(standby): p.stat().st_ino for p in standby.rglob("*") if p.is_file()} == \
           {p.relative_to(out): p.stat().st_ino for p in out.rglob("*") if p.is_file()}


def test_each_publish_gives_exactly_the_outputs_whatever_the_standby_held(tmp_path):
    """Files added, changed, removed and brought back over several publishes; folders emptied go too."""
    out = tmp_path / "site"
    rounds = [
        {"index.html": b"1", "apps/a/index.html": b"a1", "apps/b/index.html": b"b1"},
        {"index.html": b"2", "apps/a/index.html": b"a1"},
        {"index.html": b"2", "apps/a/index.html": b"a2", "apps/b/index.html": b"b1", "apps/c/x.json": b"c"},
        {"index.html": b"1", "apps/b/index.html": b"b2"},
        {"index.html": b"1", "apps/b/index.html": b"b2", "apps/a/index.html": b"a1"},
    ]
    for outputs in rounds:
        write_site(outputs, out)
        assert {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*") if p.is_file()} == outputs
        assert {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_dir()} == \
            {d for dest in outputs for d in ["/".join(dest.split("/")[:i]) for i in range(1, dest.count("/") + 1)]}


def test_a_standby_changed_by_hand_or_left_half_updated_is_rebuilt(tmp_path):
    out = tmp_path / "site"
    write_site({"index.html": b"1", "a.json": b"a"}, out)
    write_site({"index.html": b"2", "a.json": b"a"}, out)
    standby = tmp_path / ".site.standby"
    (standby / "index.html").write_bytes(b"tampered")       # same manifest, different file
    write_site({"index.html": b"3", "a.json": b"a"}, out)
    assert sorted(p.name for p in out.iterdir()) == ["a.json", "index.html"]
    assert (out / "index.html").read_bytes() == b"3"
    for path in folder_for(tmp_path).glob("manifest-*"):
        path.unlink()                                      # as if an update had been cut short
    (out / "a.json").write_bytes(b"b")                     # and the live site edited by hand
    (tmp_path / ".site.standby" / "stray.txt").write_bytes(b"left by a dead build")
    write_site({"index.html": b"4", "a.json": b"a"}, out)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == {"a.json": b"a", "index.html": b"4"}


@pytest.mark.parametrize("how", ["put", "keep"])
def test_a_file_replaced_in_the_standby_is_never_published(tmp_path, how):
    """The standby's manifest says its file is the live one; a file put in its place (another inode, by hand or by a
    checkout that carries the standby) is not, whatever the manifest says."""
    import hashlib

    out = tmp_path / "site"
    write_site({"index.html": b"1", "a.json": b"a", "apps/b.json": b"b"}, out)
    write_site({"index.html": b"2", "a.json": b"a", "apps/b.json": b"b"}, out)
    standby = tmp_path / ".site.standby"
    for dest in ("a.json", "apps/b.json"):
        os.unlink(standby / dest)
        (standby / dest).write_bytes(b"planted")
    with Publisher(out) as publisher:
        if how == "keep":
            assert publisher.keep([(d, hashlib.sha256(b).hexdigest()) for d, b in (("a.json", b"a"), ("apps/b.json", b"b"))])
        else:
            publisher.put("a.json", b"a")
            publisher.put("apps/b.json", b"b")
        publisher.put("index.html", b"3")
        publisher.finish()
    assert {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*") if p.is_file()} == \
        {"index.html": b"3", "a.json": b"a", "apps/b.json": b"b"}


def test_the_live_site_is_never_written_into(tmp_path):
    """Unchanged files are shared with the standby; a later publish replaces them there, never edits them."""
    out = tmp_path / "site"
    write_site({"index.html": b"1", "same.json": b"s"}, out)
    write_site({"index.html": b"2", "same.json": b"s"}, out)
    live = {p.name: p.read_bytes() for p in out.iterdir()}
    write_site({"index.html": b"3", "same.json": b"changed"}, out)
    standby = tmp_path / ".site.standby"
    assert {p.name: p.read_bytes() for p in standby.iterdir()} == live


@pytest.mark.parametrize("kind", ["building", "old", "spare"])
def test_leftovers_of_an_interrupted_build_are_cleaned_at_the_next_start(tmp_path, kind):
    (tmp_path / f".site.{kind}-99999" / "apps").mkdir(parents=True)
    write_site({"index.html": b"x"}, tmp_path / "site")
    assert not (tmp_path / f".site.{kind}-99999").exists()


def test_a_first_publish_links_every_file_into_its_next_standby_as_it_writes(tmp_path):
    """With no live site, each new file gets a second name in a spare tree that becomes the standby: no second pass."""
    out = tmp_path / "site"
    outputs = {"index.html": b"1", "apps/a/index.html": b"a", "api/a.json": b"j", "api/by-hash/j.json": b"j"}
    with Publisher(out) as publisher:
        for dest in sorted(outputs):
            publisher.put(dest, outputs[dest])
        spare = publisher.folders.spare
        assert sorted(str(p.relative_to(spare)) for p in spare.rglob("*") if p.is_file()) == sorted(outputs)
        publisher.finish()
    assert sorted(p.name for p in tmp_path.iterdir()) == [".site.lock", ".site.standby", "site"]
    standby = tmp_path / ".site.standby"
    for dest in outputs:
        assert os.stat(standby / dest).st_ino == os.stat(out / dest).st_ino
    assert os.stat(out / "api/a.json").st_ino == os.stat(out / "api/by-hash/j.json").st_ino   # same bytes, one file
    assert Manifest.read(out, standby).entries == Manifest.read(out, out).entries
    write_site({**outputs, "index.html": b"2"}, out)
    assert (out / "index.html").read_bytes() == b"2" and (standby / "index.html").read_bytes() == b"1"


def test_a_first_publish_that_fails_leaves_no_spare_tree(tmp_path):
    out = tmp_path / "site"
    with pytest.raises(RuntimeError):
        with Publisher(out) as publisher:
            publisher.put("index.html", b"1")
            raise RuntimeError("stop")
    assert sorted(p.name for p in tmp_path.iterdir()) == [".site.lock", ".site.standby"]


@pytest.mark.parametrize("dest", ["../escape.html", "/etc/passwd", "a/../../b", "a//b", "a\\b"])
def test_output_paths_cannot_leave_the_output_folder(tmp_path, dest):
    with pytest.raises(ValueError):
        safe_dest(tmp_path, dest)


def test_unchanged_files_keep_their_time_so_etags_survive_a_publish(tmp_path):
    """nginx builds ETag and Last-Modified from mtime and size; only changed files may get new ones."""
    out = tmp_path / "site"
    write_site({"same.json": b"{}", "changed.json": b"[1]", "gone.json": b"x"}, out)
    for name in ("same.json", "changed.json"):
        os.utime(out / name, ns=(1_000_000_000_000_000_000, 1_000_000_000_000_000_000))
    write_site({"same.json": b"{}", "changed.json": b"[2]", "new.json": b"y"}, out)
    assert (out / "same.json").stat().st_mtime_ns == 1_000_000_000_000_000_000
    assert (out / "changed.json").stat().st_mtime_ns > 1_000_000_000_000_000_000
    assert sorted(p.name for p in out.iterdir()) == ["changed.json", "new.json", "same.json"]


def test_a_file_changed_twice_within_a_second_never_keeps_its_time(tmp_path):
    out = tmp_path / "site"
    times = []
    for body in (b"[1]", b"[2]", b"[3]"):  # same size each time, written at once
        write_site({"feed.json": body}, out)
        times.append((out / "feed.json").stat().st_mtime_ns)
    assert times[0] + 1_000_000_000 <= times[1] and times[1] + 1_000_000_000 <= times[2]


def test_a_publish_abandoned_before_changing_the_standby_keeps_it_ready(tmp_path):
    """A build that stops on a content problem before writing anything keeps the standby's manifest, so the next
    build does not have to link every file again; one that wrote something leaves the standby to be rebuilt."""
    from policysite.publish.write import Publisher

    out = tmp_path / "site"
    write_site({"index.html": b"1", "a.json": b"a"}, out)
    write_site({"index.html": b"2", "a.json": b"a"}, out)
    standby = tmp_path / ".site.standby"
    known = Manifest.read(out, standby).entries
    assert known
    with pytest.raises(RuntimeError):
        with Publisher(out) as publisher:
            assert publisher.keep([("a.json", known["a.json"][0])])   # already a link to the live file: nothing to do
            raise RuntimeError("a content problem")
    assert Manifest.read(out, standby).entries == known
    with pytest.raises(RuntimeError):
        with Publisher(out) as publisher:
            publisher.put("index.html", b"3")
            raise RuntimeError("a content problem")
    assert Manifest.read(out, standby) is None
    assert (out / "index.html").read_bytes() == b"2"
    write_site({"index.html": b"3", "a.json": b"a"}, out)
    assert (out / "index.html").read_bytes() == b"3" and (out / "a.json").read_bytes() == b"a"


def test_a_publisher_touches_nothing_until_its_first_file(tmp_path):
    """The build enters the publisher before it reads and checks the apps; stopping there leaves no trace."""
    from policysite.publish.write import Publisher

    out = tmp_path / "site"
    write_site({"index.html": b"1"}, out)
    write_site({"index.html": b"2"}, out)
    before = sorted(p.name for p in tmp_path.iterdir())
    with pytest.raises(KeyboardInterrupt):
        with Publisher(out):
            assert sorted(p.name for p in tmp_path.iterdir()) == before
            raise KeyboardInterrupt
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def test_remove_tree_removes_every_level_and_never_what_a_link_inside_points_to(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "keep.txt").write_text("kept", encoding="utf-8")
    tree = tmp_path / "tree"
    (tree / "a/b/c").mkdir(parents=True)
    (tree / "a/b/c/page.html").write_text("x", encoding="utf-8")
    (tree / "a/file.txt").write_text("y", encoding="utf-8")
    (tree / "a/b/to-outside").symlink_to(outside)
    (tree / "a/to-file").symlink_to(outside / "keep.txt")
    os.mkfifo(tree / "a/fifo")
    remove_tree(tree)
    assert not os.path.lexists(tree)
    assert (outside / "keep.txt").read_text(encoding="utf-8") == "kept"


def test_remove_tree_refuses_a_link_at_the_top_and_reports_what_is_missing_unless_told_to_ignore(tmp_path):
    target = tmp_path / "target"
    target.mkdir()
    (target / "keep.txt").write_text("kept", encoding="utf-8")
    (tmp_path / "link").symlink_to(target)
    with pytest.raises(OSError):
        remove_tree(tmp_path / "link")
    assert (target / "keep.txt").exists()
    with pytest.raises(FileNotFoundError):
        remove_tree(tmp_path / "missing")
    remove_tree(tmp_path / "missing", ignore_errors=True)


def test_manifests_of_another_code_version_are_not_trusted(tmp_path, monkeypatch):
    """The cache is keyed by the code version: after an upgrade, live files are compared byte by byte (and the same
    ones kept as they are, with their time), never taken on an old manifest's word."""
    out, standby = tmp_path / "site", tmp_path / ".site.standby"
    write_site({"index.html": b"1", "a.json": b"a"}, out)
    write_site({"index.html": b"2", "a.json": b"a"}, out)
    assert Manifest.read(out, out) is not None and Manifest.read(out, standby) is not None
    monkeypatch.setattr(cache, "_version", "another version of policysite")
    assert Manifest.read(out, out) is None and Manifest.read(out, standby) is None
    kept = (out / "a.json").stat()
    write_site({"index.html": b"3", "a.json": b"a"}, out)
    assert ((out / "a.json").stat().st_ino, (out / "a.json").stat().st_mtime_ns) == (kept.st_ino, kept.st_mtime_ns)
    assert sorted(Manifest.read(out, out).entries) == ["a.json", "index.html"]


def test_a_publisher_has_all_its_state_from_the_start(tmp_path):
    """Every attribute of the publisher and its folders exists before the first file, so none is read before it is set."""
    from policysite.publish.write import Publisher

    publisher = Publisher(tmp_path / "site")
    before = {id(publisher): set(vars(publisher)), id(publisher.folders): set(vars(publisher.folders))}
    with publisher:
        publisher.put("index.html", b"1")
        publisher.finish()
    assert {id(publisher): set(vars(publisher)), id(publisher.folders): set(vars(publisher.folders))} == before
    assert not publisher.folders.is_locked


def test_a_manifest_keeps_every_name_a_tree_can_hold_and_refuses_what_it_did_not_write():
    from policysite.publish.manifest import decode_entries, encode_entries

    entries = {"index.html": ("a" * 64, 1, 2, 3), "odd name\twith\nbreaks.css": ("b" * 64, 4, 5, 6),
               os.fsdecode(b"not-utf8-\xff.txt"): ("c" * 64, 7, 8, 9), "ünïcode/ファイル.html": ("d" * 64, 10, 11, 12)}
    assert decode_entries(encode_entries(entries)) == entries
    assert decode_entries(b"") == {}
    for damaged in (encode_entries(entries)[:-1], b"x\0y\0", encode_entries(entries).replace(b"\x001\x00", b"\x00one\x00", 1)):
        assert decode_entries(damaged) is None


@pytest.mark.parametrize("odd", [None, "link to a file", "link to a folder", "fifo"])
def test_a_tree_is_plain_only_without_links_or_fifos_at_any_depth(tmp_path, odd):
    from policysite.publish.outdir import is_plain_tree

    deep = tmp_path / "tree/apps/some_app/more"
    deep.mkdir(parents=True)
    (deep / "index.html").write_bytes(b"x")
    (tmp_path / "tree/top.html").write_bytes(b"y")
    if odd == "link to a file":
        (deep / "odd").symlink_to(tmp_path / "tree/top.html")
    elif odd == "link to a folder":
        (deep / "odd").symlink_to(tmp_path)
    elif odd == "fifo":
        os.mkfifo(deep / "odd")
    assert is_plain_tree(tmp_path / "tree") is (odd is None)
    assert is_plain_tree(tmp_path / "missing") is False
