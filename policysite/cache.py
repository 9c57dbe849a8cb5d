"""Remember work between builds, keyed by content hashes, so unchanged input is not worked on again.

The cache lives in <root>/.cache/policysite/ (git-ignored), one file per kind of work. Every entry
is keyed by the SHA-256 of the bytes it was made from; the whole file is thrown away when the code
version changes (our modules, the schemas, the versions of Python and of the libraries that shape
the output, the time zone database), so a cached result is always exactly
what the work would give today. A missing, unreadable or foreign cache file is an empty cache:
the cache can only save time, never change an outcome.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import pickle
import sys
from pathlib import Path

CACHE_DIR = ".cache/policysite"
_PACKAGE = Path(__file__).resolve().parent
_SCHEMAS = _PACKAGE.parent / "schema"
_version: str | None = None
# Libraries whose versions can change what a build makes of the same input.
LIBRARIES = ("PyYAML", "jsonschema", "fastjsonschema", "markdown-it-py", "nh3", "Jinja2", "MarkupSafe")
TZ_VERSION = Path("/usr/share/zoneinfo/tzdata.zi")


def code_version() -> str:
    """Return a hash of everything our results depend on besides the project: code, schemas, libraries."""
    global _version
    if _version is None:
        from importlib import metadata

        digest = hashlib.sha256(sys.version.encode() + b"\0")
        for package in LIBRARIES:
            digest.update(f"{package}={metadata.version(package)}\0".encode())
        if TZ_VERSION.exists():  # the rules check time zone names against the machine's database
            digest.update(TZ_VERSION.read_bytes()[:64])
        for path in sorted([*_PACKAGE.glob("*.py"), *_SCHEMAS.glob("*.json")]):
            digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
        _version = digest.hexdigest()
    return _version


def digest_of(data: bytes) -> str:
    """Return the hex SHA-256 of some bytes."""
    return hashlib.sha256(data).hexdigest()


class Store:
    """A dictionary of results kept in one file of the cache folder.

    The file is a header (the code version) followed by pickled batches of entries. A build
    appends only what it learnt; the file is written anew, atomically, when it holds too many
    entries that builds no longer use. A batch cut short by a killed build ends the reading there.
    """

    def __init__(self, root: Path | None, name: str):
        self.path = root / CACHE_DIR / f"{name}.pickle" if root is not None else None
        self.entries: dict = {}
        self.new: dict = {}
        self.used: set = set()
        self.valid_file = False
        if self.path is not None:
            self._load()

    def _load(self) -> None:
        """Read the file; a missing, unreadable or foreign one is an empty cache."""
        try:
            with open(self.path, "rb") as handle:
                if pickle.load(handle) != code_version():
                    return
                self.valid_file = True
                while True:
                    try:
                        batch = pickle.load(handle)
                    except EOFError:
                        break
                    if not isinstance(batch, dict):
                        break
                    self.entries.update(batch)
        except Exception:  # noqa: BLE001 - a damaged tail only loses what it held
            pass

    def get(self, key):
        """Return the remembered result for key, or None."""
        value = self.entries.get(key)
        if value is not None:
            self.used.add(key)
        return value

    def put(self, key, value) -> None:
        """Remember a result."""
        self.entries[key] = value
        self.new[key] = value
        self.used.add(key)

    def save(self) -> None:
        """Append what this build learnt, or rewrite the file if most of it is unused; never fail the build."""
        if self.path is None:
            return
        unused = len(self.entries) - len(self.used)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            if not self.valid_file or unused > max(64, len(self.used) // 4):
                self._rewrite({k: self.entries[k] for k in self.used})
            elif self.new:
                with open(self.path, "ab") as handle:
                    fcntl.flock(handle, fcntl.LOCK_EX)  # two builds at once never interleave their batches
                    pickle.dump(self.new, handle, protocol=pickle.HIGHEST_PROTOCOL)
            self.new = {}
        except OSError:
            pass

    def _rewrite(self, entries: dict) -> None:
        """Write the whole file anew beside the old one, then put it in place."""
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}")
        try:
            with open(tmp, "wb") as handle:
                pickle.dump(code_version(), handle, protocol=pickle.HIGHEST_PROTOCOL)
                pickle.dump(entries, handle, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, self.path)
            self.valid_file = True
        finally:
            tmp.unlink(missing_ok=True)
