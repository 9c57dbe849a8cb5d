"""The build recipe: read -> check -> model -> render -> write. Nothing is written unless all is well."""

from __future__ import annotations

import dataclasses
import datetime
from dataclasses import replace
from pathlib import Path
from types import MappingProxyType

from . import dates, history, hours, progress, rules, schedule, unfinished
from .alternatives import legend_names
from .articles import without_moved_keys
from .cache import Store, digest_of
from .codec import named
from .check import Located, check_against, load_schema, read_schemas, validator_for
from .compare import PLAIN, Names, announce_sentence, sentence_case
from .feed import check_changes, check_feed, publish_changes_schema, render_feed, site_changes
from .markup import check_markdown, render_app_markdown, render_doc_markdown
from .model import Announcement, Doc, Factor, Level, Method, Settings, Site, make_app, make_policy
from .problems import ContentError, Problem, internal_problem, is_error
from .read import Sources, YamlFile, read_sources
from .render import render_pages
from .write import write_site


def check_yaml(file: YamlFile, schema: str, pointer: str, problems: list[Problem]) -> Located | None:
    """Validate one parsed file; return its located data only if it has no problems."""
    if file.node is None:
        return None
    try:
        located, found = check_against(file.node, file.src_path, validator_for(schema, pointer))
    except Exception as exc:  # noqa: BLE001 - one file's failure is that file's problem
        found = [internal_problem(file.src_path, exc)]
    problems.extend(found)
    return None if found else located


def check_app(file: YamlFile, today: datetime.date, checks: Store | None = None, legend: tuple = ()) -> tuple[Located, list[Problem]]:
    """Check one app file against the schema and the rules; checks remembers the verdicts on files the schema passed.

    legend: alternatives.legend_names of the legend, which the verdict also depends on.
    """
    validator = validator_for("app.schema.json")
    key = (file.src_path, file.digest, today.isoformat(), legend) if checks is not None and file.digest else None
    if key and (found := checks.get(key)) is not None:
        return Located(file.node, validator), list(found)
    located, found = check_against(file.node, file.src_path, validator, own=unfinished.is_placeholder_at)
    found = found + rules.check_app_rules(located, file.src_path, today, legend)
    if key and not located.invalid:
        checks.put(key, tuple(found))
    return located, found


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


def check_settings(sources: Sources, problems: list[Problem]) -> tuple[Located | None, Located | None, Located | None]:
    """Check the legend, the factors and the site settings; return each one's located data if sound."""
    methods = check_yaml(sources.methods, "config.schema.json", "methods", problems)
    factors = check_yaml(sources.factors, "config.schema.json", "factors", problems)
    settings = check_yaml(sources.settings, "config.schema.json", "site", problems)
    if methods:
        problems += rules.check_methods(methods, sources.methods.src_path)
    if factors:
        problems += rules.check_factors(factors, sources.factors.src_path)
    return methods, factors, settings


def check_docs(sources: Sources, problems: list[Problem]) -> list[tuple[str, str, Located]]:
    """Check every document's front matter; return (src_path, doc_id, located) of the sound ones."""
    return [(d.src_path, d.doc_id, loc) for d in sources.docs
            if (loc := check_yaml(YamlFile(d.src_path, without_moved_keys(d, problems)), "config.schema.json", "doc", problems))]


def make_site(sources: Sources, methods: dict, factors: dict, settings: dict, apps: list, docs: list,
              today: datetime.date, markdown: Store | None = None) -> Site:
    """Assemble the Site from checked data; markdown remembers rendered descriptions."""
    parts = {
        "methods": tuple(Method(**m, portal_only=m["id"] in rules.portal_only_methods()) for m in methods["methods"]),
        "factors": tuple(Factor(**f) for f in factors["factors"]),
        "levels": {lv["id"]: Level(**lv) for lv in factors["levels"]},
    }
    problems: list[Problem] = []
    app_models = []
    for done, (src_path, located) in enumerate(apps, 1):
        progress.step("modelling", done, len(apps))
        basename = src_path.rsplit("/", 1)[1].removesuffix(".yaml")
        html = markdown_or_problem(render_app_markdown, located.data["description"], src_path, located.pos(("description",)),
                                   problems, markdown)
        app = guarded(make_app_model, src_path, problems, basename, src_path, located.data, html, parts, today)
        if app:
            app_models.append(app)
    bodies = {d.src_path: d for d in sources.docs}
    doc_models = []
    for src_path, doc_id, located in docs:
        source = bodies[src_path]
        html = markdown_or_problem(render_doc_markdown, source.body, src_path, (source.body_line, 1), problems,
                                   prefix="Markdown ", body_line=source.body_line)
        doc = guarded(make_doc, src_path, problems, doc_id, src_path, located.data, html)
        if doc:
            doc_models.append(doc)
    if problems:
        raise ContentError(problems)
    return Site(
        settings=Settings(**settings), methods=parts["methods"], factors=parts["factors"],
        levels=tuple(parts["levels"].values()),
        apps=tuple(sorted(app_models, key=lambda a: a.basename)),
        docs=tuple(sorted(doc_models, key=lambda d: d.doc_id)),
        templates=MappingProxyType(sources.templates), static=MappingProxyType(sources.static),
    )


def make_app_model(basename: str, src_path: str, data: dict, html: str, parts: dict, today: datetime.date):
    """Build one App, with its scheduled changes applied or announced as of today."""
    data = schedule.apply_due(data, today)
    return hours.with_clocks(make_app(basename, src_path, data, html, parts, app_extras(data, parts["methods"], today)), today)


def make_doc(doc_id: str, src_path: str, data: dict, html: str) -> Doc:
    """Build a Doc from checked front matter and its rendered body."""
    return Doc(doc_id=doc_id, src_path=src_path, title=data["title"], summary=data["summary"],
               order=data.get("order", 0), legend=data.get("legend", False), body_html=html)


def guarded(func, src_path: str, problems: list[Problem], *args):
    """Call func on one file's data; if it raises, add a problem for that file and return None."""
    try:
        return func(*args)
    except Exception as exc:  # noqa: BLE001 - one file's failure is that file's problem, never a traceback
        problems.append(internal_problem(src_path, exc))
        return None


def app_extras(data: dict, methods: tuple[Method, ...], today: datetime.date) -> dict:
    """Return what an App knows besides its file: freshness and the changes still to come."""
    reviewed = datetime.date.fromisoformat(data["reviewed"])
    by_id = {m.id: m for m in methods}
    announced = tuple(
        Announcement(method=by_id[method_id], date=day, policy=make_policy(by_id[method_id], after),
                     summary=sentence_case(announce_sentence(by_id[method_id].title, now, after, day, PLAIN, reasons=False)))
        for method_id, day, now, after in sorted(schedule.pending(data, today), key=lambda p: (p[1], [m.id for m in methods].index(p[0])))
    )
    return {"stale": dates.is_stale(reviewed, today), "announced": announced}


def names_for(site: Site) -> Names:
    """Return the titles sentences speak of methods and factors by."""
    return Names(methods=tuple((m.id, m.title) for m in site.methods), factors=tuple((f.id, f.title) for f in site.factors))


def attach_history(site: Site, versions: dict[str, list], today: datetime.date) -> Site:
    """Give every app its changelog from the git history of its file (history.read_versions)."""
    names = names_for(site)
    return replace(site, apps=tuple(replace(a, history=history.history_entries(versions.get(a.src_path, []), today, names))
                                    for a in site.apps))


def markdown_or_problem(render, text: str, src_path: str, pos: tuple[int, int], problems: list[Problem],
                        markdown: Store | None = None, *, prefix: str = "description: ", body_line: int | None = None) -> str:
    """Render Markdown, or take it from markdown if rendered before; every refusal or failure becomes a located problem.

    prefix starts each message; body_line, for a text whose lines are the file's from there on, locates each bad link on its line.
    """
    refusal = check_markdown(text)
    if refusal:
        problems.append(Problem(src_path, pos[0], pos[1], refusal))
        return ""
    key = (render.__name__, digest_of(text.encode("utf-8", "surrogatepass"))) if markdown is not None else None
    if key and (html := markdown.get(key)) is not None:
        return html
    try:
        rendered = render(text)
    except Exception as exc:  # noqa: BLE001 - any failure on contributor text is a content problem
        problems.append(Problem(src_path, pos[0], pos[1], f"could not render the Markdown: {type(exc).__name__}"))
        return ""
    for r in rendered.refusals:
        line, col = (body_line + r.line, r.col) if body_line is not None and r.line is not None else pos
        problems.append(Problem(src_path, line, col, prefix + r.message))
    if key and not rendered.refusals:
        markdown.put(key, rendered.html)
    return "" if rendered.refusals else rendered.html


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
    from . import units

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


def opened(stores: dict, root: Path, name: str) -> Store:
    """Return the store kept in stores under name, or read it from the cache folder (and keep it there if stores is kept)."""
    if name not in stores:
        stores[name] = Store(root, name, store_classes(name))
    return stores[name]


def store_classes(name: str) -> dict[str, type]:
    """Return the classes a store's entries may hold besides plain data."""
    from .loader import Node

    if name == "units":
        from .units import Facts, Unit

        return named(Unit, Facts, Problem)
    return named(Node, Problem)


def check(root: Path, *, today: datetime.date | None = None, strict: bool = False) -> Site:
    """Check all content without writing anything; raise ContentError on problems."""
    read_schemas()
    trees, checks = (Store(root, name, store_classes(name)) for name in ("trees", "checks"))
    try:
        return load_site(root, today=today, strict=strict, trees=trees, checks=checks)
    finally:
        trees.save()
        checks.save()
