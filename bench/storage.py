"""Where a benchmark run keeps its corpora, outputs and caches, and how a cold build's predecessors are
cleared without changing what the file system gives the next build.

ext4 without a journal does not hand out an inode freed less than a minute ago, so a build that creates
tens of thousands of files right after tens of thousands were deleted creates them much more slowly
(issue 14 saw Hugo's cold build move 2x from that alone), and on a disk mounted with `discard` every
deleted file costs about a millisecond. So on disk the run makes a file system of its own, in a sparse
image file mounted through a loop device (root only): nothing was ever deleted on it, outputs are only
renamed aside, and the whole of it goes at the end with the image. Without root it falls back to a
plain folder (same renaming; deleting it at the end takes long). On a tmpfs deleting costs nothing
later, so outputs are deleted at once there, to give the memory back.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

SHM = Path("/dev/shm")
BYTES_PER_INODE = 4000   # the run makes many small files: many more inodes than mkfs would give by default


class Storage:
    """A run's folder, and the outputs set aside in it."""

    def __init__(self, root: Path, kind: str, image: Path | None = None):
        self.root = root
        self.kind = kind   # 'tmpfs', 'image' (a file system of the run's own) or 'folder'
        self.image = image
        self.cleared = 0
        device, mount_point, fstype = mount_of(image or root)
        self.where = (f"a fresh ext4 file system without a journal in the sparse image {image}, mounted on {root}; "
                      f"the image is on {fstype} {device} mounted on {mount_point}" if image else
                      f"{root} ({fstype} {device} mounted on {mount_point})")

    @property
    def tmpfs(self) -> bool:
        """Say whether the run's files are in memory."""
        return self.kind == "tmpfs"

    def clear(self, paths: list[Path]) -> None:
        """Take outputs out of the way of a cold build: rename them aside, and on a tmpfs delete them."""
        self.cleared += 1
        aside = self.root / "set-aside" / str(self.cleared)
        aside.mkdir(parents=True)
        for number, path in enumerate(p for p in paths if os.path.lexists(p)):
            path.rename(aside / f"{number}-{path.name}")
        if self.tmpfs:
            shutil.rmtree(aside)

    def bytes_held(self) -> int:
        """Return the bytes the run's folder holds on its file system now."""
        done = subprocess.run(["du", "-s", "-B1", "--one-file-system", str(self.root)], capture_output=True, text=True)
        return int(done.stdout.split()[0]) if done.returncode == 0 else 0

    def close(self) -> float:
        """Delete everything the run made (a file system of its own goes whole); return the seconds it took."""
        start = time.perf_counter()
        if self.kind == "image" or (self.tmpfs and mount_of(self.root)[1] == str(self.root)):
            subprocess.run(["umount", str(self.root)], check=False)
            self.root.rmdir()
            if self.image:
                self.image.unlink()
        else:
            subprocess.run(["rm", "-rf", "--one-file-system", "--", str(self.root)], check=False)
        return time.perf_counter() - start


def mount_of(path: Path) -> tuple[str, str, str]:
    """Return (device, mount point, file system type) of the mount that holds path."""
    path = path.resolve()
    best = ("?", "/", "?")
    for line in Path("/proc/mounts").read_text().splitlines():
        device, point, fstype = line.split()[:3]
        point = point.replace("\\040", " ")
        if (path == Path(point) or Path(point) in path.parents) and len(point) >= len(best[1]):
            best = (device, point, fstype)
    return best


def open_storage(tmpfs: bool, parent: Path, need: int) -> Storage:
    """Make the run's folder: on a tmpfs with room for need bytes, or on disk under parent."""
    parent.mkdir(parents=True, exist_ok=True)
    if tmpfs and SHM.is_dir() and mount_of(SHM)[2] == "tmpfs" and shutil.disk_usage(SHM).free > need:
        return Storage(Path(tempfile.mkdtemp(prefix="policysite-bench-", dir=SHM)), "tmpfs")
    root = Path(tempfile.mkdtemp(prefix="policysite-bench-", dir=parent))
    if tmpfs:
        return mount_tmpfs(root, need)
    if shutil.disk_usage(parent).free < need:
        root.rmdir()
        raise SystemExit(f"{parent} has too little room: the run needs about {need / 1e9:.1f} GB (--work names another place)")
    return mount_image(root, need) or Storage(root, "folder")


def mount_tmpfs(root: Path, need: int) -> Storage:
    """Mount a tmpfs of the run's own on root (root only), or stop with what to do instead."""
    available = int(next(line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines()
                         if line.startswith("MemAvailable:"))) * 1024
    done = None
    if need < available * 0.8:
        done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={need},mode=0700", "tmpfs", str(root)],
                              capture_output=True, text=True)
    if done is None or done.returncode != 0:
        root.rmdir()
        why = (done.stderr.strip() or "mount needs root") if done else f"{available / 1e9:.1f} GB of memory is available"
        raise SystemExit(f"--tmpfs: the run needs about {need / 1e9:.1f} GB in memory; {SHM} is no tmpfs with that "
                         f"much room and mounting one failed ({why}); run it on disk (without --tmpfs) or with smaller --sizes")
    return Storage(root, "tmpfs")


def mount_image(root: Path, need: int) -> Storage | None:
    """Mount a fresh ext4 file system without a journal on root, in a sparse image beside it; None if that fails."""
    image = root.parent / (root.name + ".img")
    size = 2 * need   # sparse: only what is written takes room
    steps = [["truncate", "-s", str(size), str(image)],
             ["mkfs.ext4", "-q", "-F", "-O", "^has_journal", "-m", "0", "-N", str(max(size // BYTES_PER_INODE, 65536)),
              "-E", "lazy_itable_init=1,nodiscard", str(image)],
             # noinit_itable: no kernel thread zeroing inode tables in the background while builds are timed
             ["mount", "-o", "loop,noinit_itable", str(image), str(root)]]
    for step in steps:
        if os.geteuid() != 0 or shutil.which(step[0]) is None or subprocess.run(step, capture_output=True).returncode != 0:
            image.unlink(missing_ok=True)
            return None
    return Storage(root, "image", image)
