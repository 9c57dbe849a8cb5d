"""The build recipe, one for every command: `build` publishes, `check` (no output folder) stops at the model,
`serve` builds with a memo kept in memory. Nothing is published unless all is well."""

from __future__ import annotations

import contextlib
import datetime
from dataclasses import replace
from pathlib import Path

from policysite import dates
from policysite.check import rules
from policysite.check.schema import read_schemas
from policysite.content import history
from policysite.engine.apps import app_results, plan_apps
from policysite.engine.memo import Memo
from policysite.engine.pages import page_reuse
from policysite.engine.shared import read_shared, shared_signature
from policysite.model import Site
from policysite.problems import ContentError, is_error
from policysite.publish.write import Publisher
from policysite.render import feed
from policysite.render.compress import deflate_chunk
from policysite.stages import METHODS_PATH, SETTINGS_PATH, site_files


def build(root: Path, out_dir: Path | None, *, today: datetime.date | None = None, strict: bool = False,
          history_mode: str | None = history.PUBLISH, memo: Memo | None = None, verify: bool = False) -> Site:
    """Build the site from root into out_dir (None: only check); raise ContentError (or GitError, when git cannot
    give the whole history) and leave out_dir alone on problems. Return the Site, its apps summarised.

    memo: what is remembered between builds (a preview server keeps one in memory); else the cache folder's.
    history_mode: history.PUBLISH, history.PREVIEW or None (content.history.check_versions says what each means).
    verify: check every JSON file made against its published schema (tests/test_generated_json.py proves it needless).
    """
    read_schemas()
    memo = memo or Memo(root)
    try:
        return run(root, out_dir, today or dates.today(), strict, history_mode, memo, verify)
    finally:   # what was learnt holds even when the build stops on a problem
        memo.save()


def check(root: Path, *, today: datetime.date | None = None, strict: bool = False) -> Site:
    """Check all content without writing anything (and without the history); raise ContentError on problems."""
    return build(root, None, today=today, strict=strict, history_mode=None)


def run(root: Path, out_dir: Path | None, today: datetime.date, strict: bool, history_mode: str | None, memo: Memo,
        verify: bool = False) -> Site:
    """Run the recipe's steps (see build)."""
    rendering, table = out_dir is not None, "apps" if out_dir is not None else "checked"
    # 1. Read and check the legend, factors, settings, documents and templates; read each app file's history.
    shared, problems, versions = prepared(root, today, history_mode, rendering, memo, verify)
    with Publisher(out_dir) if rendering else contextlib.nullcontext() as publisher:
        # 2. Key each app file by its bytes, its history and the shared inputs; take remembered results.
        planned = plan_apps(root, shared, versions, memo, table, problems)
        # 3. Work out every other app's result (in parallel when many), publishing its own files as they come.
        results = app_results(root, shared, versions, planned, memo, table, publisher, problems)
        summaries = [r.app for r in results if r.app is not None]
        # 4. Check what spans files: the feed's shared parts, then names and articles across apps.
        if rendering and shared.site is not None:
            problems += feed.envelope_problems(shared.site, shared.schema, METHODS_PATH, SETTINGS_PATH)
        problems = list(dict.fromkeys(problems))   # a broken legend breaks every app's file the same way
        if not any(map(is_error, problems)) and shared.site is not None:
            problems += rules.check_cross_facts([(s.src_path, s.cross) for s in summaries], shared.docs)
        # 5. Stop on any error (with --strict, warnings count as errors): nothing is published.
        if strict:
            problems = [replace(p, severity="error") for p in problems]
        if any(map(is_error, problems)) or shared.site is None:
            raise ContentError(problems)
        site = replace(shared.site, apps=tuple(sorted(summaries, key=lambda s: s.basename)))
        # 6. Put together the pages and files about every app and the rest of the site; swap the new site in.
        if rendering:
            reuse = page_reuse(shared, memo, publisher, planned, results)
            for dest, data in site_files(shared, site, results, memo.remembered("gzip", deflate_chunk), reuse):
                publisher.put(dest, data)
            publisher.finish()
    return replace(site, warnings=tuple(sorted(problems)))


def prepared(root: Path, today: datetime.date, history_mode: str | None, rendering: bool, memo: Memo, verify: bool = False) -> tuple:
    """Return the shared inputs, their problems and every app file's committed versions; a kept memo (the preview
    server's) gives those of the last build while no shared file, the date, the code or the git commit changed."""
    signature = (shared_signature(root, today), history_mode, rendering, verify) if memo.keep else None
    if signature is not None and memo.shared is not None and memo.shared[0] == signature:
        return memo.shared[1], list(memo.shared[2]), memo.shared[3]
    shared, problems = read_shared(root, today, history_mode, rendering, verify)
    versions = history.read_versions(root, memo.remembered("history", history.parse_app)) if history_mode else {}
    if signature is not None:
        memo.shared = (signature, shared, tuple(problems), versions)
    return shared, problems, versions
