"""Plan and work out every app file's result: remembered where nothing it depends on changed, worked out
(in parallel when there are many) where something did, its files published as they come."""

from __future__ import annotations

import time
from contextlib import closing
from dataclasses import replace
from pathlib import Path

from policysite import progress
from policysite.cache import digest_of
from policysite.engine import workers
from policysite.engine.memo import Memo, key_of
from policysite.problems import Problem, is_error
from policysite.render import feed
from policysite.sources import read
from policysite.stages import AppResult, SharedInputs
from policysite.stamps import file_stamp

QUICK_MIN = 64     # apps to work out before compiled schema checks pay for their compiling


def plan_apps(root: Path, shared: SharedInputs, versions: dict, memo: Memo, table: str,
              problems: list[Problem]) -> list[tuple[str, str, AppResult | None, bytes | None]]:
    """Return (src_path, key, remembered result or None, the file's bytes if read) for each app file.

    A file whose size, times and inode are what they were when its hash was taken is not read again.
    """
    out = []
    started = time.time()
    folder = read.rel(root, root / "content" / "apps")
    stamps, results = memo.table("stamps"), memo.table(table)
    for name in read.list_app_names(root, problems):
        src_path = f"{folder}/{name}"
        path = f"{root}/{src_path}"
        found = file_stamp(path)
        known = stamps.get(src_path) if found else None
        data = None
        if known and known[0] == found.state:
            digest = known[1]
        else:
            data = read.read_capped(path, src_path, problems)
            if data is None:
                continue
            digest = digest_of(data)
            if found and not found.is_racy(started):
                stamps.put(src_path, (found.state, digest))
        # None (never committed) is not [] (no version readable): the key tells them apart
        key = key_of("app_result", (shared.digest, src_path, digest, versions.get(src_path))) if shared.digest else ""
        out.append((src_path, key, results.get(key) if key else None, data))
    return out


def app_results(root: Path, shared: SharedInputs, versions: dict, planned: list, memo: Memo, table: str, publisher,
                problems: list[Problem]) -> list[AppResult]:
    """Return every app's result, working out those not remembered and publishing their files (with a
    publisher); a remembered result's files are taken from the live site by their hashes."""
    results = memo.table(table)
    missing = [(src_path, data) for src_path, _, found, data in planned if found is None or not is_live(publisher, found)]
    if shared.validators and len(missing) >= QUICK_MIN:
        shared = replace(shared, validators=feed.document_validators(shared.schema, quick=True))
    fresh = {}
    with closing(workers.results(root, shared, versions, missing, publisher)) as worked:   # workers stop before anything is cleaned up
        for done, (src_path, (result, placed)) in enumerate(zip((s for s, _ in missing), worked), 1):
            progress.step("building apps" if publisher else "checking", done, len(missing))
            if placed is not None:
                publisher.adopt(placed)
            fresh[src_path] = result
    done = []
    for src_path, key, found, _ in planned:
        if src_path in fresh:
            found = fresh[src_path]
            if key and not any(map(is_error, found.problems)):
                results.put(key, found)
        elif key:
            results.get(key)   # still in use
        problems.extend(found.problems)
        done.append(found)
    return done


def is_live(publisher, result: AppResult) -> bool:
    """Take a remembered result's files from the live site; return False if any is not there as it was."""
    return publisher.keep(result.files) if publisher and not any(map(is_error, result.problems)) else True
