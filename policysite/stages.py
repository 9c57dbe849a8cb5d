"""The pure stage the engine runs for each app file: bytes and the inputs all apps share in, an AppResult out.

An AppResult holds the app's problems, its summary (what the catalogue, the sitemap, the documents
and the checks across files need of it), its catalogue row and compact-index entry, its feed.json entry, its index entry,
its changes.json items, and the names and hashes of the files only it makes (its page and its JSON).
The stage goes as far as the shared inputs allow: with a mistake in a shared file it only checks
the app file (so every app's own problems are still reported); checking (no output) stops at the
model; building renders the app's files too. Nothing here reads a file, a clock or a cache.
"""

from __future__ import annotations

import datetime
import hashlib
from dataclasses import dataclass, replace

from policysite.check import rules
from policysite.check.inputs import check_app
from policysite.check.schema import load_schema
from policysite.content import history
from policysite.content.markup import render_app_markdown
from policysite.content.site import make_app_model, markdown_or_problem, names_for
from policysite.model import Site
from policysite.problems import ContentError, Problem, is_error
from policysite.render import feed
from policysite.render.compress import precompress
from policysite.render.catalogue import catalogue_row, listing_entry
from policysite.render.pages import lang_prefix, page_links, related_articles, render_pages
from policysite.sources import read

METHODS_PATH, SETTINGS_PATH = "content/methods.yaml", "content/site.yaml"   # where mistakes in the feed's shared parts are shown


@dataclass(frozen=True)
class AppSummary:
    """What the pages and checks about all apps need to know of one app."""

    basename: str
    src_path: str
    name: str
    vendor: str
    category: str
    summary: str
    reviewed: datetime.date
    supported: int
    mixed: bool
    level2_articles: tuple[str, ...]
    cross: tuple            # rules.cross_facts: name and articles with where they are written

    @property
    def url(self) -> str:
        """Return the app page's site-relative URL."""
        return f"apps/{self.basename}/"


@dataclass(frozen=True)
class AppResult:
    """One app file's share of the site; without a summary when the file has errors (or only checking it was possible)."""

    problems: tuple[Problem, ...]
    app: AppSummary | None = None
    rows: tuple = ()                    # (lang, the catalogue row as the template escaped it, split where a page's root goes)
    entry: bytes = b""                  # the app's entry of feed.json, serialised
    index_entry: bytes = b""            # the app's entry of api/v1/index.json, serialised
    changes: tuple = ()                 # ((sort key), item) for changes.json
    files: tuple[tuple[str, str], ...] = ()   # (dest_path, SHA-256) of the files only this app makes
    listing: bytes = b""                # the app's entry of the catalogue's compact index, serialised


@dataclass(frozen=True)
class SharedInputs:
    """What every app's result is worked out from, besides its own file and history."""

    today: datetime.date
    history_mode: str | None    # content.history.check_versions says what each mode means
    legend: tuple               # check.alternatives.legend_names of the legend; empty if the legend has mistakes
    digest: str                 # hash of everything here that a result depends on; empty: do not remember results
    site: Site | None = None    # settings, legend, factors, documents, templates, no apps; None: a shared file has mistakes
    parts: dict | None = None   # what model.make_app needs of the legend and the factors
    envs: dict | None = None    # the Jinja environment of each language (render.pages.make_envs); None when only checking
    schema: dict | None = None  # the feed's schema
    validators: tuple | None = None   # render.feed.document_validators of the schema; None: the JSON made is not checked (--verify)
    docs: tuple = ()            # (src_path, doc_id, located front matter) of the sound documents, for the checks across files
    pages_of_parts: bool = False   # category.html reads no whole site: a category page is a function of its apps' results


def app_result(shared: SharedInputs, src_path: str, data: bytes, versions: list | None) -> tuple[AppResult, dict[str, bytes]]:
    """Check one app file (and its history: versions, from content.history.read_versions) and, as far as the
    shared inputs allow, model it and render everything it gives the site."""
    problems = history.check_versions(src_path, versions, shared.today, shared.history_mode) if shared.history_mode else []
    node = read.parse_text(data, src_path, problems)
    if node is None:
        return AppResult(tuple(problems)), {}
    located, found = check_app(read.YamlFile(src_path, node), shared.today, legend=shared.legend)
    problems += found
    if any(map(is_error, problems)) or shared.site is None:
        return AppResult(tuple(problems)), {}
    basename = src_path.rsplit("/", 1)[1].removesuffix(".yaml")
    html = markdown_or_problem(render_app_markdown, located.data["description"], src_path, located.pos(("description",)), problems)
    if any(map(is_error, problems)):
        return AppResult(tuple(problems)), {}
    app = make_app_model(basename, src_path, located.data, html, shared.parts, shared.today)
    if shared.history_mode:
        app = replace(app, history=history.history_entries(versions or [], shared.today, names_for(shared.site)))
    summary = AppSummary(basename=app.basename, src_path=app.src_path, name=app.name, vendor=app.vendor, category=app.category,
                         summary=app.summary, reviewed=app.reviewed, supported=app.supported, mixed=app.mixed,
                         level2_articles=app.level2_articles, cross=rules.cross_facts(located))
    if shared.envs is None:
        return AppResult(tuple(problems), summary), {}
    return render_app(shared, app, summary, problems)


def render_app(shared: SharedInputs, app, summary: AppSummary, problems: list[Problem]) -> tuple[AppResult, dict[str, bytes]]:
    """Render one sound app's page, JSON files and fragments; with validators (--verify), a JSON document that breaks
    its schema is our bug, reported on the app."""
    site = shared.site
    articles = related_articles(site, app)
    pages = {}
    for lang, env in shared.envs.items():
        dest = f"{lang_prefix(site.settings, lang)}{app.url}index.html"
        pages[dest] = env.get_template("app.html").render(app=app, articles=articles,
                                                          **page_links(site.settings, lang, app.url, dest)).encode("utf-8")
    files, entry, index_entry = feed.render_app_feed(site, shared.schema, app)
    if shared.validators is not None:   # build --verify; tests/test_generated_json.py proves the JSON valid for every build
        problems += check_app_json(shared.validators, app, files[f"{feed.APP_JSON_DIR}/{app.basename}.json"], entry, index_entry)
    if any(map(is_error, problems)):
        return AppResult(tuple(problems)), {}
    outputs = {**pages, **files}
    rows = tuple((lang, catalogue_row(env, app)) for lang, env in shared.envs.items())
    result = AppResult(tuple(problems), summary, rows, entry, index_entry, tuple(feed.change_items(site, app)),
                       tuple((d, hashlib.sha256(b).hexdigest()) for d, b in outputs.items()), listing_entry(app))
    return result, outputs


def check_app_json(validators: tuple, app, document: bytes, entry: bytes, index_entry: bytes) -> list[Problem]:
    """Check an app's JSON document, feed entry and index entry against the published schemas: a mismatch is our bug."""
    whole, items = validators
    checks = [(document, whole["app.schema.json"], "app.schema.json", []),
              (entry, items["feed.schema.json"][1], "feed.schema.json", ["apps"]),
              (index_entry, items["index.schema.json"][1], "index.schema.json", ["apps"])]
    problems = []
    for data, validator, name, prefix in checks:
        for error in validator.iter_errors(feed.json.loads(data)):
            where = prefix + list(error.absolute_path)
            problems.append(feed.mismatch(METHODS_PATH if where[:1] == ["legend"] else app.src_path, name, where, error.message))
    return problems


def site_files(shared: SharedInputs, site: Site, results: list[AppResult], deflate=None, reuse=None):
    """Yield (dest_path, bytes) for the files about every app, put together from the apps' results, and the rest of
    the site; one group at a time, so the catalogue and the feed are never in memory together.

    deflate: render.compress.deflate_chunk, or the engine's remembered form of it.
    reuse: the engine's way to a category page (render.pages.render_pages); a page it keeps is not yielded.
    """
    ordered = sorted((r for r in results if r.app is not None), key=lambda r: r.app.basename)
    for env in shared.envs.values():
        env.globals.update(site=site)
    latest = feed.latest_changes([item for r in ordered for item in r.changes])
    rows = {lang: {r.app.basename: dict(r.rows)[lang] for r in ordered} for lang in shared.envs}
    listings = {r.app.basename: r.listing for r in ordered}
    yield from ((dest, data) for dest, data in render_pages(site, latest, rows, listings, shared.envs, reuse).items()
                if data is not None)
    lists = feed.render_lists(site, shared.schema, [r.entry for r in ordered], [r.index_entry for r in ordered])
    lists.update({f"{path}.gz": precompress(lists[path], deflate) for path in feed.PRECOMPRESSED})
    yield from lists.items()
    del lists
    out = feed.render_change_files(site, latest)
    out.update(feed.render_schemas(shared.schema, site.settings.base_url))
    changes_schema = load_schema("changes.schema.json")
    out.update(feed.publish_changes_schema(changes_schema, shared.schema, site.settings.base_url))
    problems = feed.check_changes(out, changes_schema, SETTINGS_PATH) if shared.validators is not None else []
    if problems:
        raise ContentError(problems)
    yield from out.items()
