"""The build recipe: read -> check -> model -> render -> write. Nothing is written unless all is well."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from types import MappingProxyType

from . import rules
from .check import Located, check_against, validator_for
from .feed import render_feed
from .markup import check_markdown, render_app_markdown, render_doc_markdown
from .model import Doc, Factor, Level, Method, Settings, Site, make_app
from .problems import ContentError, Problem, internal_problem
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


def load_site(root: Path) -> Site:
    """Read and check everything under root and build the Site, or raise ContentError."""
    # 1. Read every input file into located trees (bytes and syntax checked here).
    sources = read_sources(root)
    problems = list(sources.problems)
    # 2. Check the legend, the factors and the site settings; apps cannot be checked without them.
    methods = check_yaml(sources.methods, "config.schema.json", "methods", problems)
    factors = check_yaml(sources.factors, "config.schema.json", "factors", problems)
    settings = check_yaml(sources.settings, "config.schema.json", "site", problems)
    if methods:
        problems += rules.check_methods(methods, sources.methods.src_path)
    if factors:
        problems += rules.check_factors(factors, sources.factors.src_path)
    # 3. Check every app file against the schema and the rules, collecting every problem.
    apps = []
    for file in sources.apps:
        located = check_yaml(file, "app.schema.json", "", problems)
        found: list[Problem] = []
        if located:
            found = guarded(rules.check_app_rules, file.src_path, found, located, file.src_path) or found
        problems += found
        if located and not found:
            apps.append((file.src_path, located))
    # 4. Check every document's front matter.
    docs = [(d.src_path, d.doc_id, loc) for d in sources.docs
            if (loc := check_yaml(YamlFile(d.src_path, d.front), "config.schema.json", "doc", problems))]
    # 5. Check links between files, only once each file is sound on its own.
    if not problems:
        problems += rules.check_cross(apps, docs)
    if problems or not (methods and factors and settings):
        raise ContentError(problems)
    # 6. Build the model: frozen data, Markdown rendered and sanitised.
    return make_site(sources, methods.data, factors.data, settings.data, apps, docs)


def make_site(sources: Sources, methods: dict, factors: dict, settings: dict, apps: list, docs: list) -> Site:
    """Assemble the Site from checked data."""
    parts = {
        "methods": tuple(Method(**m) for m in methods["methods"]),
        "factors": tuple(Factor(**f) for f in factors["factors"]),
        "levels": {lv["id"]: Level(**lv) for lv in factors["levels"]},
    }
    problems: list[Problem] = []
    app_models = []
    for src_path, located in apps:
        basename = src_path.rsplit("/", 1)[1].removesuffix(".yaml")
        html = markdown_or_problem(render_app_markdown, located.data["description"], src_path, located.pos(("description",)), problems)
        app = guarded(make_app, src_path, problems, basename, src_path, located.data, html, parts)
        if app:
            app_models.append(app)
    bodies = {d.src_path: d for d in sources.docs}
    doc_models = []
    for src_path, doc_id, located in docs:
        source = bodies[src_path]
        html = markdown_or_problem(render_doc_markdown, source.body, src_path, (source.body_line, 1), problems)
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


def make_doc(doc_id: str, src_path: str, data: dict, html: str) -> Doc:
    """Build a Doc from checked front matter and its rendered body."""
    return Doc(doc_id=doc_id, src_path=src_path, title=data["title"], summary=data["summary"],
               order=data.get("order", 0), app_basenames=tuple(data.get("apps") or ()),
               legend=data.get("legend", False), body_html=html)


def guarded(func, src_path: str, problems: list[Problem], *args):
    """Call func on one file's data; if it raises, add a problem for that file and return None."""
    try:
        return func(*args)
    except Exception as exc:  # noqa: BLE001 - one file's failure is that file's problem, never a traceback
        problems.append(internal_problem(src_path, exc))
        return None


def markdown_or_problem(render, text: str, src_path: str, pos: tuple[int, int], problems: list[Problem]) -> str:
    """Render Markdown; a failure becomes a located problem rather than a traceback."""
    refusal = check_markdown(text)
    if refusal:
        problems.append(Problem(src_path, pos[0], pos[1], refusal))
        return ""
    try:
        return render(text)
    except Exception as exc:  # noqa: BLE001 - any failure on contributor text is a content problem
        problems.append(Problem(src_path, pos[0], pos[1], f"could not render the Markdown: {type(exc).__name__}"))
        return ""


def render_site(site: Site) -> dict[str, bytes]:
    """Render all pages and the feed in memory."""
    outputs = render_pages(site)
    for dest_path, data in feed_or_problems(site).items():
        outputs.add(dest_path, data)
    return outputs


def feed_or_problems(site: Site) -> dict[str, bytes]:
    """Render the feed; if that fails, find the apps it fails on and report each as a problem."""
    try:
        return render_feed(site)
    except Exception:
        problems: list[Problem] = []
        for app in site.apps:
            guarded(render_feed, app.src_path, problems, dataclasses.replace(site, apps=(app,)))
        if not problems:
            raise  # not tied to one file: a bug of ours, worth its traceback
        raise ContentError(problems) from None


def build(root: Path, out_dir: Path) -> Site:
    """Build the site from root into out_dir; raise ContentError and leave out_dir alone on problems."""
    site = load_site(root)
    write_site(render_site(site), out_dir)
    return site


def check(root: Path) -> Site:
    """Check all content without writing anything; raise ContentError on problems."""
    return load_site(root)
