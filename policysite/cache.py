"""Remember work between builds, keyed by content hashes, so unchanged input is not worked on again.

The cache lives in <root>/.cache/policysite/ (git-ignored), one file per kind of work. Every entry
is keyed by the SHA-256 of the bytes it was made from; the whole file is thrown away when the code
version changes (our modules, the schemas, PyYAML's version), so a cached result is always exactly
what the work would give today. A missing, unreadable or foreign cache file is an empty cache:
the cache can only save time, never change an outcome.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import sys
from pathlib import Path

CACHE_DIR = ".cache/policysite"
_PACKAGE = Path(__file__).resolve().parent
_SCHEMAS = _PACKAGE.parent / "schema"
_version: str | None = None


def code_version() -> str:
    """Return a hash of everything our results depend on besides the project: code, schemas, libraries."""
    global _version
    if _version is None:
        import yaml

        digest = hashlib.sha256(f"{sys.version}\0{yaml.__version__}\0".encode())
        for path in sorted([*_PACKAGE.glob("*.py"), *_SCHEMAS.glob("*.json")]):
            digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
        _version = digest.hexdigest()
    return _version


def digest_of(data: bytes) -> str:
    """Return the hex SHA-256 of some bytes."""
    return hashlib.sha256(data).hexdigest()


class Store:
    """A dictionary of results, loaded from and saved to one file of the cache folder."""

    def __init__(self, root: Path | None, name: str):
        self.path = root / CACHE_DIR / f"{name}.pickle" if root is not None else None
        self.entries: dict = {}
        self.used: set = set()
        self.dirty = False
        if self.path is not None:
            self.entries = self._load()

    def _load(self) -> dict:
        """Read the file, or start empty if it is missing, unreadable or of another code version."""
        try:
            with open(self.path, "rb") as handle:
                version, entries = pickle.load(handle)
        except Exception:  # noqa: BLE001 - any unreadable cache is simply an empty one
            return {}
        return entries if version == code_version() and isinstance(entries, dict) else {}

    def get(self, key):
        """Return the remembered result for key, or None."""
        value = self.entries.get(key)
        if value is not None:
            self.used.add(key)
        return value

    def put(self, key, value) -> None:
        """Remember a result."""
        self.entries[key] = value
        self.used.add(key)
        self.dirty = True

    def save(self) -> None:
        """Write the entries used by this build (others are dropped), atomically; never fail the build."""
        if self.path is None or not (self.dirty or len(self.used) != len(self.entries)):
            return
        entries = {k: self.entries[k] for k in self.used}
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with open(tmp, "wb") as handle:
                pickle.dump((code_version(), entries), handle, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, self.path)
        except OSError:
            tmp.unlink(missing_ok=True)
