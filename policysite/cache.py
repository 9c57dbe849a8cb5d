"""Remember work between builds, keyed by content hashes, so unchanged input is not worked on again.

The cache can only save time, never change an outcome, and nothing in a checkout can reach it:

- It lives outside the checkout, in the user's cache folder: $POLICYSITE_CACHE_HOME, else
  $XDG_CACHE_HOME/policysite, else ~/.cache/policysite; one folder per checkout, named by a hash
  of the checkout's absolute path. A cache folder inside the checkout is not used at all.
- Entries are data only (codec.py: JSON with a few tagged types), never pickle or marshal.
- Every record carries an HMAC-SHA256 under a per-machine key (the file 'key' in the cache folder,
  made on first use, mode 0600, owned by the user), over the record's name, the code version and
  its bytes. A record that does not verify is not used: nobody without the key can write one, and
  a record of another code version (our modules, the schemas, Python and the libraries that shape
  the output, the time zone database) or of another store never verifies.
A missing, unreadable, damaged or foreign cache file is an empty cache.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import itertools
import os
import re
import sys
from pathlib import Path

from policysite import codec, resources
from policysite.cachehome import KEY_BYTES, cache_home, folder_for, open_folder, read_private, write_private  # noqa: F401 (the cache's API)

_PACKAGE = Path(__file__).resolve().parent
_version: str | None = None
# Libraries whose versions can change what a build makes of the same input.
# tzdata: time zone names, offsets and the hours in UTC come from the package, never from the machine (zones.py).
# rfc3339-validator, rfc3986-validator: whether jsonschema checks 'date-time' and 'uri' at all.
LIBRARIES = ("PyYAML", "jsonschema", "fastjsonschema", "markdown-it-py", "nh3", "Jinja2", "MarkupSafe", "regex", "idna", "tzdata",
             "orjson", "markdown-it-pyrs", "rfc3339-validator", "rfc3986-validator")
MAC_CHARS = 64
BATCH = 64   # entries a Store line holds


def code_version() -> str:
    """Return a hash of everything our results depend on besides the project: code, schemas, libraries."""
    global _version
    if _version is None:
        digest = hashlib.sha256(sys.version.encode() + b"\0")
        versions = library_versions()
        for package in LIBRARIES:
            digest.update(f"{package}={versions[package]}\0".encode())
        for base, path in shipped_files():  # code and its data
            data = read_private(path, 1 << 22)   # a link or FIFO among the schemas is refused where they are read; here it is empty
            digest.update(path.relative_to(base).as_posix().encode() + b"\0" + (data or b"") + b"\0")
        _version = digest.hexdigest()
    return _version


def shipped_files() -> list[tuple[Path, Path]]:
    """Return (base, path) for our modules, their data, the schemas, the feed's contract and the default templates and
    static files."""
    found = [(_PACKAGE.parent, path) for path in [*_PACKAGE.rglob("*.py"), *_PACKAGE.glob("*.txt")]]
    found += [(resources.shipped_base("schema"), path) for path in resources.shipped_folder("schema").glob("*.json")]
    found.append((resources.shipped_base("docs"), resources.shipped_folder("docs") / "feed.md"))   # the page for developers shows it
    for name in ("templates", "static", "locale"):   # installed, a project without its own uses these (sources/read.py); in a checkout they are its input
        if resources.shipped_base(name) == _PACKAGE:
            found += [(_PACKAGE, path) for path in resources.shipped_folder(name).rglob("*") if path.is_file()]
    return sorted(found, key=lambda pair: pair[1].relative_to(pair[0]).as_posix())


def library_versions() -> dict[str, str]:
    """Return the installed version of each of LIBRARIES, as importlib.metadata finds it: the first distribution of
    that name along sys.path. Read from the names of the .dist-info folders, which is all the nothing-changed answer
    needs (importing importlib.metadata took longer than the rest of it); a library installed otherwise is asked of
    importlib.metadata."""
    wanted = {normal_name(name): name for name in LIBRARIES}
    found: dict[str, str] = {}
    for entry in sys.path:
        try:
            names = sorted(os.listdir(entry or "."))
        except OSError:
            continue
        for folder in names:
            if not folder.endswith(".dist-info"):
                continue
            name, _, version = folder.removesuffix(".dist-info").partition("-")
            library = wanted.get(normal_name(name))
            if library is not None:
                found.setdefault(library, version)
    missing = [name for name in LIBRARIES if name not in found]
    if missing:
        from importlib import metadata

        found.update({name: metadata.version(name) for name in missing})
    return found


def normal_name(name: str) -> str:
    """Return a distribution's name as PEP 503 compares it."""
    return re.sub(r"[-_.]+", "-", name).lower()


def digest_of(data: bytes) -> str:
    """Return the hex SHA-256 of some bytes."""
    return hashlib.sha256(data).hexdigest()


def seal(key: bytes, name: str, payload: bytes) -> bytes:
    """Return one authenticated line: the HMAC of (name, code version, payload), a space, the payload."""
    mac = hmac.new(key, f"{name}\0{code_version()}\0".encode() + payload, hashlib.sha256).hexdigest()
    return mac.encode("ascii") + b" " + payload + b"\n"


def unseal(key: bytes, name: str, line: bytes) -> bytes | None:
    """Return the payload of a line sealed with this key, name and code version, or None."""
    mac, payload = line[:MAC_CHARS], line[MAC_CHARS + 1:].removesuffix(b"\n")
    expected = hmac.new(key, f"{name}\0{code_version()}\0".encode() + payload, hashlib.sha256).hexdigest()
    return payload if hmac.compare_digest(mac, expected.encode("ascii")) and line[MAC_CHARS:MAC_CHARS + 1] == b" " else None


def load_record(root: Path, name: str, classes: dict[str, type]):
    """Return the value remembered under name for this checkout, or None."""
    payload = load_payload(root, name)
    try:
        return codec.decode(payload, classes) if payload is not None else None
    except codec.DecodeError:
        return None


def save_record(root: Path, name: str, value, classes: dict[str, type]) -> None:
    """Remember one value under name for this checkout; never fail the build."""
    try:
        save_payload(root, name, codec.encode(value, classes))
    except (TypeError, ValueError):
        pass


def load_payload(root: Path, name: str) -> bytes | None:
    """Return the bytes remembered under name for this checkout (authenticated, in a format the caller reads), or None."""
    opened = open_folder(root)
    data = read_private(opened[0] / f"{name}.json") if opened else None
    return unseal(opened[1], name, data) if data else None


def save_payload(root: Path, name: str, payload: bytes) -> None:
    """Remember some bytes under name for this checkout, sealed; never fail the build."""
    opened = open_folder(root)
    if opened:
        try:
            write_private(opened[0] / f"{name}.json", seal(opened[1], name, payload))
        except OSError:
            pass


def forget_record(root: Path, name: str) -> None:
    """Remove what is remembered under name, if anything."""
    opened = open_folder(root)
    if opened:
        try:
            os.unlink(opened[0] / f"{name}.json")
        except OSError:
            pass


class Store:
    """A dictionary of results kept in one file of the checkout's cache folder.

    The file is a sequence of sealed lines, each up to BATCH entries. A build appends only what it
    learnt; the file is written anew when it holds too many entries that builds no longer use or
    a line does not verify. Reading stops at the first line that does not verify or decode.
    """

    def __init__(self, root: Path | None, name: str, classes: dict[str, type] | None = None):
        self.name = name
        self.classes = classes or {}
        opened = open_folder(root) if root is not None else None
        self.path, self.key = (opened[0] / f"{name}.jsonl", opened[1]) if opened else (None, b"")
        self.entries: dict = {}
        self.new: dict = {}
        self.used: set = set()
        self.valid_file = False
        if self.path is not None:
            self._load()

    def _load(self) -> None:
        """Read the file; a missing, unreadable or foreign one is an empty cache."""
        data = read_private(self.path)
        if not data:
            return
        self.valid_file = True
        for line in io.BytesIO(data):   # line by line, never a second copy of the whole file
            payload = unseal(self.key, self.name, line)
            try:
                batch = codec.decode(payload, self.classes) if payload is not None else None
            except codec.DecodeError:
                batch = None
            if not isinstance(batch, dict):
                self.valid_file = False   # written anew at the next save
                return
            self.entries.update(batch)

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
            if not self.valid_file or unused > max(64, len(self.used) // 4):
                self._rewrite({k: self.entries[k] for k in self.used})
            elif self.new:
                write_private(self.path, self._lines(self.new), append=True)
            self.new = {}
        except (OSError, TypeError, ValueError):
            pass

    def _lines(self, entries: dict):
        """Yield the entries as sealed lines of up to BATCH entries each: encoded a batch at a time, so a big store is
        never held twice in memory, and checked a batch at a time when read (one HMAC per entry cost more than the rest
        of reading a line)."""
        items = iter(entries.items())
        while batch := dict(itertools.islice(items, BATCH)):
            yield seal(self.key, self.name, codec.encode(batch, self.classes))

    def _rewrite(self, entries: dict) -> None:
        """Write the whole file anew beside the old one, then put it in place."""
        write_private(self.path, self._lines(entries))
        self.valid_file = True
