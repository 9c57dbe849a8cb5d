"""The build recipe: read -> check -> model -> render -> write. Nothing is written unless all is well."""

from __future__ import annotations

import dataclasses
import datetime
from dataclasses import replace
from pathlib import Path

from policysite import dates, progress
from policysite.cache import Store
from policysite.check import rules
from policysite.check.alternatives import legend_names
from policysite.check.inputs import check_app, check_docs, check_settings
from policysite.check.schema import load_schema, read_schemas
from policysite.content import history
from policysite.content.site import attach_history, make_site
from policysite.engine.stores import TREE_CLASSES, opened
from policysite.model import Site
from policysite.problems import ContentError, Problem, guarded, is_error
from policysite.publish.write import write_site
from policysite.render.feed import check_changes, check_feed, publish_changes_schema, render_feed, site_changes
from policysite.render.pages import render_pages
from policysite.sources.read import read_sources


def load_site(root: Path, *, today: datetime.date | None = None, strict: bool = False, history_mode: str | None = None,
              trees: Store | None = None, checks: Store | None = None, markdown: Store | None = None) -> Site:
    """Read and check everything under root and build the Site, or raise ContentError.

    Warnings do not stop the build; they travel on Site.warnings. With strict, they are errors.
    history_mode: history.PUBLISH or history.PREVIEW to read each app's history (check_versions says
    what each means), None for none (checking, or a build that publishes no history).
    """
    today = today or dates.today()
    # 1. Read every input file into located trees (bytes and syntax checked here).
    sources = read_sources(root, trees)
    problems = list(sources.problems)
    # 2. Check the legend, the factors and the site settings; apps cannot be checked without them.
    methods, factors, settings = check_settings(sources, problems)
    # 3. Check every app file against the schema and the rules, collecting every problem.
    apps = []
    legend = legend_names(methods.data["methods"]) if methods else ()
    for done, file in enumerate(sources.apps, 1):
        progress.step("checking", done, len(sources.apps))
        if file.node is None:
            continue
        # The rules run even when the schema found mistakes, so one run reports them all; they
        # leave alone any part of the file the schema has already found wrong.
        checked = guarded(check_app, file.src_path, problems, file, today, checks, legend)
        if checked is None:
            continue
        located, found = checked
        problems += found
        if not any(map(is_error, found)):
            apps.append((file.src_path, located))
    # 4. Check every document's front matter, and (building) each app file's git history.
    docs = check_docs(sources, problems)
    versions = history.read_versions(root, trees) if history_mode else {}
    for file in sources.apps if history_mode else ():
        problems += history.check_versions(file.src_path, versions.get(file.src_path), today, history_mode)
    # 5. Check links between files, only once each file is sound on its own.
    if not any(map(is_error, problems)):
        problems += rules.check_cross(apps, docs)
    # 6. Stop on any error (with --strict, warnings count as errors).
    if strict:
        problems = [replace(p, severity="error") for p in problems]
    if any(map(is_error, problems)) or not (methods and factors and settings):
        raise ContentError(problems)
    # 7. Build the model: scheduled changes applied, Markdown rendered and sanitised.
    site = make_site(sources, methods.data, factors.data, settings.data, apps, docs, today, markdown)
    # 8. Add each app's changelog from git (build only; checking needs no history).
    if history_mode:
        site = attach_history(site, versions, today)
    return replace(site, warnings=tuple(sorted(problems)))


def render_site(site: Site, valid: Store | None = None) -> dict[str, bytes]:
    """Render all pages, the feed and its published schemas in memory; refuse a feed that breaks its schema.

    valid remembers the JSON that passed its schema before, so it is not checked again.
    """
    schema, changes_schema = load_schema("feed.schema.json"), load_schema("changes.schema.json")
    feed = feed_or_problems(site, schema)   # first: it locates on its app an item changes.atom could not hold
    outputs = render_pages(site, site_changes(site))
    feed.update(publish_changes_schema(changes_schema, schema, site.settings.base_url))
    problems = check_feed(feed, schema, site, "content/methods.yaml", "content/site.yaml", valid)
    problems += check_changes(feed, changes_schema, "content/site.yaml")
    if problems:
        raise ContentError(problems)
    for dest_path, data in feed.items():
        outputs.add(dest_path, data)
    return outputs


def feed_or_problems(site: Site, schema: dict) -> dict[str, bytes]:
    """Render the feed; if that fails, find the apps it fails on and report each as a problem."""
    try:
        return render_feed(site, schema)
    except Exception:
        problems: list[Problem] = []
        for app in site.apps:
            guarded(render_feed, app.src_path, problems, dataclasses.replace(site, apps=(app,)), schema)
        if not problems:
            raise  # not tied to one file: a bug of ours, worth its traceback
        raise ContentError(problems) from None


def build(root: Path, out_dir: Path, *, today: datetime.date | None = None, strict: bool = False,
          stores: dict | None = None, history_mode: str | None = history.PUBLISH) -> Site:
    """Build the site from root into out_dir; raise ContentError (or GitError, when git cannot give the
    whole history) and leave out_dir alone on problems.

    stores, if given, keeps the cache in memory from one build to the next (the preview server),
    instead of reading it from the cache folder (cache.py) each time. history_mode: see load_site.
    """
    read_schemas()
    kept = stores is not None
    stores = stores if kept else {}
    from policysite.engine import units

    site = units.build(root, out_dir, today or dates.today(), strict, stores, kept, history_mode)
    if site is not None:
        return site
    return build_whole(root, out_dir, today=today, strict=strict, stores=stores, kept=kept, history_mode=history_mode)


def build_whole(root: Path, out_dir: Path, *, today: datetime.date | None, strict: bool, stores: dict, kept: bool,
                history_mode: str | None = history.PUBLISH) -> Site:
    """Build the site from the whole model at once: when the shared files have problems (to report
    every problem), or when app pages read the whole site."""
    site = load_site_cached(root, today=today, strict=strict, stores=stores, history_mode=history_mode)
    if not kept:
        stores.clear()   # let the parsed trees go before rendering
    valid = opened(stores, root, "valid")
    try:
        outputs = render_site(site, valid)
    finally:
        valid.save()
    write_site(outputs, out_dir)
    return site


def load_site_cached(root: Path, *, today: datetime.date | None, strict: bool, stores: dict, history_mode: str | None) -> Site:
    """Load the site for a build, using and then saving the cache kept in stores."""
    trees, checks, markdown = used = [opened(stores, root, name) for name in ("trees", "checks", "markdown")]
    try:
        return load_site(root, today=today, strict=strict, history_mode=history_mode, trees=trees, checks=checks, markdown=markdown)
    finally:  # what was learnt holds even when the build stops on a problem
        for store in used:
            store.save()


def check(root: Path, *, today: datetime.date | None = None, strict: bool = False) -> Site:
    """Check all content without writing anything; raise ContentError on problems."""
    read_schemas()
    trees, checks = (Store(root, name, TREE_CLASSES) for name in ("trees", "checks"))
    try:
        return load_site(root, today=today, strict=strict, trees=trees, checks=checks)
    finally:
        trees.save()
        checks.save()
