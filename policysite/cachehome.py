"""Where the cache lives and how its files are kept: outside the checkout, owned by the user, never through a link.

The folder is $POLICYSITE_CACHE_HOME, else $XDG_CACHE_HOME/policysite, else ~/.cache/policysite,
with one folder per checkout (or per output folder's state) named by a hash of its absolute path.
The per-machine key that seals every record (cache.py) is the file 'key' there, mode 0600.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import secrets
import stat
from collections.abc import Iterable
from pathlib import Path

KEY_BYTES = 32
_folders: dict[str, tuple[Path, bytes] | None] = {}


def cache_home() -> Path:
    """Return the user's cache folder for policysite."""
    if os.environ.get("POLICYSITE_CACHE_HOME"):
        return Path(os.environ["POLICYSITE_CACHE_HOME"])
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "policysite"


def folder_for(root: Path) -> Path | None:
    """Return the cache folder of the checkout at root, or None where no trustworthy cache can be kept."""
    opened = open_folder(root)
    return opened[0] if opened else None


def open_folder(root: Path) -> tuple[Path, bytes] | None:
    """Return (the cache folder for root, the machine key), made if need be; None if either cannot be trusted.

    root is a checkout, or an output folder; a cache inside either (or beside an output folder,
    among its state) could have come with a checkout.
    """
    home = cache_home()
    try:
        home, root = home.resolve(), root.resolve()
    except (OSError, RuntimeError):
        return None
    ident = f"{home}\0{root}"
    if ident not in _folders:
        _folders[ident] = None
        if not (root == home or root in home.parents):
            key = private_folder(home) and machine_key(home)
            if key:
                _folders[ident] = (home / hashlib.sha256(os.fsencode(str(root))).hexdigest()[:32], key)
    opened = _folders[ident]
    return opened if opened and private_folder(opened[0]) else None


def private_folder(path: Path) -> bool:
    """Make path a folder only the user can enter (if it is not one yet); return False if it is anything else."""
    try:
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
        st = os.lstat(path)
    except OSError:
        return False
    return stat.S_ISDIR(st.st_mode) and st.st_uid == os.geteuid() and not st.st_mode & 0o022


def machine_key(home: Path) -> bytes | None:
    """Return the per-machine secret in home/key, making it on first use; None if it is not the user's own."""
    path = home / "key"
    for _ in range(2):
        try:
            fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
        except FileNotFoundError:
            return _make_key(path)
        except OSError:
            return None
        with os.fdopen(fd, "rb") as handle:
            st = os.fstat(fd)
            key = handle.read(KEY_BYTES + 1)
        if not stat.S_ISREG(st.st_mode) or st.st_uid != os.geteuid():
            return None
        if len(key) == KEY_BYTES and not st.st_mode & 0o077:
            return key
        try:   # ours, but readable by others or damaged: a new key, and every entry made with the old one is void
            os.unlink(path)
        except OSError:
            return None
    return None


def _make_key(path: Path) -> bytes | None:
    """Write a new random key that only the user can read; None if the folder refuses (or another build won the race)."""
    key = secrets.token_bytes(KEY_BYTES)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
    except FileExistsError:
        return machine_key(path.parent) if path.is_file() else None
    except OSError:
        return None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(key)
    except OSError:   # a full disk: no cache this time
        path.unlink(missing_ok=True)
        return None
    return key


def read_private(path: Path, limit: int = -1) -> bytes | None:
    """Read a file (of the cache folder), never through a link; None if it is not there or not a regular file."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:
        return None
    with os.fdopen(fd, "rb") as handle:
        return handle.read(limit) if stat.S_ISREG(os.fstat(fd).st_mode) else None


def write_private(path: Path, data: bytes | Iterable[bytes], append: bool = False) -> None:
    """Write (or append to) a file of the cache folder, piece by piece: a new file is put in place whole."""
    pieces = (data,) if isinstance(data, bytes) else data
    if append:
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_NOFOLLOW | os.O_CLOEXEC)
        with os.fdopen(fd, "ab") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)  # two builds at once never interleave their lines
            handle.writelines(pieces)
        return
    tmp = path.with_name(f".{path.name}.{os.getpid()}")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.writelines(pieces)
        os.replace(tmp, path)
    finally:
        if os.path.lexists(tmp):
            os.unlink(tmp)
