"""What the build remembers from one run to the next, and the one place it is consulted.

The stages are pure: what they return depends only on their arguments (and on the code, the
schemas and the libraries, which cache.code_version covers). So a result can be remembered under a
hash of its stage's name and arguments, and the engine asks the memo where it calls a stage; no
stage knows there is a memo. The tables and what each key is made of:

    apps     stages.app_result, per app file, building ('checked': checking): shared inputs (SharedInputs.digest: the date, the
             history mode, what is being made, the legend, factors, settings (the languages among them), documents and, when
             building, the templates and the translation catalogs), the app file's path and the SHA-256 of its bytes, and its
             committed versions. A result's own files are not kept: the publisher finds them in the
             live site by their hashes, and the result is worked out again if they are not there.
    history  content.history.parse_app, per committed version of an app file: its bytes.
    gzip     render.compress.deflate_chunk, per chunk of feed.json and the index: the chunk, the
             window before it and whether it ends the file.
    pages    a category page's SHA-256, by engine/pages.py's key: the shared inputs, the page's place and its apps'
             result keys; the publisher takes the page from the live site, as it does a result's own files.
    stamps   the stat index: per app file, the SHA-256 of its bytes under the stamp (size, times,
             inode) they had, so an app file whose stamp has not changed is not read again.

Every table is a cache.Store in the checkout's cache folder outside the checkout, sealed with the
machine's key and the code version, holding data only (codec.py): nothing in a checkout can reach
it, run from it or change an outcome through it. A preview server keeps one Memo in memory across
rebuilds (keep=True), with the shared inputs of the last build while no shared file changes.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from policysite import codec
from policysite.cache import Store
from policysite.content.history import Version
from policysite.problems import Problem
from policysite.stages import AppResult, AppSummary

CLASSES = {
    "apps": codec.named(AppResult, AppSummary, Problem),
    "checked": codec.named(AppResult, AppSummary, Problem),
    "history": {},
    "gzip": {},
    "stamps": {},
    "pages": {},
}
VERSION_CLASSES = codec.named(Version)


class Memo:
    """The tables of remembered results of one checkout; open each on first use, save them all at the end of a build."""

    def __init__(self, root: Path, keep: bool = False):
        self.root = root
        self.keep = keep             # kept in memory by a preview server between builds
        self.tables: dict[str, Store] = {}
        self.shared = None           # (signature, SharedInputs, problems) of the last build, when kept

    def table(self, name: str) -> Store:
        """Return one table, read from the cache folder the first time it is asked for."""
        if name not in self.tables:
            self.tables[name] = Store(self.root, name, CLASSES[name])
        return self.tables[name]

    def remembered(self, name: str, stage):
        """Return stage wrapped so that each result it gives is remembered in table name under its arguments."""
        table = self.table(name)

        def call(*args):
            key = key_of(stage.__name__, args)
            found = table.get(key)
            if found is None:
                found = stage(*args)
                if found is not None:
                    table.put(key, found)
            return found

        return call

    def save(self) -> None:
        """Write what this build learnt to the cache folder; never fail the build."""
        for table in self.tables.values():
            table.save()
        if not self.keep:
            self.tables.clear()


def key_of(name: str, args: tuple) -> str:
    """Return the SHA-256 of a stage's name and arguments: bytes as they are, text as UTF-8, anything else as data."""
    digest = hashlib.sha256(name.encode() + b"\0")
    for arg in args:
        if isinstance(arg, bytes):
            digest.update(b"b%d\0" % len(arg) + arg)
        elif isinstance(arg, str):
            data = arg.encode("utf-8", "surrogatepass")
            digest.update(b"s%d\0" % len(data) + data)
        elif arg is None:   # an app file with no history read (build --no-history): what codec.encode gives, without its cost
            digest.update(b"v4\0null")
        else:
            data = codec.encode(arg, VERSION_CLASSES)
            digest.update(b"v%d\0" % len(data) + data)
    return digest.hexdigest()
