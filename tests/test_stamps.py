"""File stamps: what an lstat tells about a file, the one walk over the inputs, and hashes that never follow a link."""

from __future__ import annotations

import hashlib
import os
import time

from policysite.stamps import RACY_SECONDS, content_hash, digest_tree, file_stamp, stamp, walk


def make_tree(root):
    """Write a small tree with a link to a folder outside it and a link to a file."""
    outside = root.parent / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("not ours")
    (root / "b" / "inner").mkdir(parents=True)
    (root / "b" / "inner" / "z.txt").write_text("z")
    (root / "a.txt").write_text("a")
    (root / "c-link").symlink_to(outside)
    (root / "b" / "file-link").symlink_to(root / "a.txt")


def test_walk_yields_everything_in_name_order_and_never_follows_a_link(tmp_path):
    root = tmp_path / "tree"
    make_tree(root)
    found = [(os.path.relpath(path, tmp_path), st) for path, st in walk(root)]
    assert [path for path, _ in found] == ["tree", "tree/a.txt", "tree/b", "tree/b/file-link", "tree/b/inner",
                                           "tree/b/inner/z.txt", "tree/c-link"]
    kinds = {path: (st.is_file, st.st_size) for path, st in found}
    assert kinds["tree/c-link"] == (False, len(str(tmp_path / "outside")))   # the link itself
    assert kinds["tree/b/file-link"][0] is False


def test_walk_leaves_out_the_pruned_folder_and_all_it_holds(tmp_path):
    root = tmp_path / "tree"
    make_tree(root)
    paths = [os.path.relpath(path, tmp_path) for path, _ in walk(root, prune=str(root / "b"))]
    assert paths == ["tree", "tree/a.txt", "tree/c-link"]
    assert list(walk(tmp_path / "missing")) == []


def test_a_hard_link_leaves_what_was_written_as_it_was(tmp_path):
    """The publisher links live files into the next tree; that must not make them look changed."""
    path = tmp_path / "page.html"
    path.write_text("x")
    before = file_stamp(path)
    os.link(path, tmp_path / "link.html")
    after = file_stamp(path)
    assert after.written == before.written and after.st_nlink == before.st_nlink + 1
    assert after.is_same_file(file_stamp(tmp_path / "link.html"))


def test_an_edit_that_puts_the_old_mtime_back_still_changes_the_state(tmp_path):
    path = tmp_path / "app.yaml"
    path.write_text("name: One\n")
    os.utime(path, ns=(10**18, 10**18))
    before = file_stamp(path)
    time.sleep(0.05)   # past the file system clock's tick
    path.write_text("name: Two\n")
    os.utime(path, ns=(10**18, 10**18))
    assert file_stamp(path).written == before.written
    assert file_stamp(path).state != before.state


def test_a_file_is_racy_until_racy_seconds_after_its_last_change_whatever_its_mtime(tmp_path):
    path = tmp_path / "app.yaml"
    path.write_text("x")
    os.utime(path, (time.time() - 3600, time.time() - 3600))   # the change time is still now
    changed = file_stamp(path)
    assert changed.is_racy(time.time())
    assert not changed.is_racy(changed.st_ctime_ns / 1e9 + RACY_SECONDS + 0.01)


def test_stamps_and_hashes_never_follow_a_link_or_open_a_fifo(tmp_path):
    (tmp_path / "real.txt").write_bytes(b"bytes")
    (tmp_path / "link.txt").symlink_to(tmp_path / "real.txt")
    os.mkfifo(tmp_path / "fifo")
    assert content_hash(tmp_path / "real.txt") == hashlib.sha256(b"bytes").hexdigest()
    assert content_hash(tmp_path / "link.txt") is None
    assert content_hash(tmp_path / "fifo") is None   # and it does not wait for a writer
    assert content_hash(tmp_path / "missing") is None
    assert file_stamp(tmp_path / "link.txt") is None and stamp(tmp_path / "link.txt") is not None
    assert file_stamp(tmp_path / "fifo") is None


def test_digest_tree_hashes_recent_files_and_sees_every_change_outside_the_pruned_folder(tmp_path):
    root = tmp_path / "tree"
    make_tree(root)

    def signature(started: float) -> tuple[str, dict]:
        digest = hashlib.sha256()
        racy = digest_tree(digest, root, started, prune=str(root / "b"))
        return digest.hexdigest(), racy

    first, racy = signature(time.time())
    assert racy == {str(root / "a.txt"): hashlib.sha256(b"a").hexdigest()}   # links are not hashed, b/ is left out
    assert signature(time.time() + 3600)[1] == {}
    (root / "b" / "inner" / "z.txt").write_text("changed")
    assert signature(time.time())[0] == first
    (root / "a.txt").write_text("changed")
    assert signature(time.time())[0] != first
