"""The unit of work the engine remembers: everything one app file gives the site, made from the file's bytes
and what all apps share.

A unit holds the app's problems, its facts (what the catalogue, the sitemap, the documents and the
checks across files need of it), its catalogue row, its feed.json entry, its index entry, its
changes.json items, and the names and hashes of the files only it makes (its page and its JSON).
"""

from __future__ import annotations

import datetime
import hashlib
from dataclasses import dataclass, replace

from policysite.check import rules
from policysite.check.alternatives import legend_names
from policysite.check.inputs import check_app
from policysite.check.schema import Located
from policysite.content import history
from policysite.content.markup import render_app_markdown
from policysite.content.site import make_app_model, markdown_or_problem, names_for
from policysite.model import Site
from policysite.problems import Problem, is_error
from policysite.render import feed
from policysite.render.pages import catalogue_row, related_articles, root_for
from policysite.sources import read

METHODS_PATH, SETTINGS_PATH = "content/methods.yaml", "content/site.yaml"   # where mistakes in the feed's shared parts are shown


@dataclass(frozen=True)
class Facts:
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
class Unit:
    """One app file's share of the site; without facts when the file has errors."""

    problems: tuple[Problem, ...]
    facts: Facts | None = None
    row: str = ""                       # the catalogue row: Markup, as the template escaped it
    entry: bytes = b""                  # the app's entry of feed.json, serialised
    index_entry: bytes = b""            # the app's entry of api/v1/index.json, serialised
    changes: tuple = ()                 # ((sort key), item) for changes.json
    files: tuple[tuple[str, str], ...] = ()   # (dest_path, SHA-256) of the files only this app makes


@dataclass
class Shared:
    """What every unit is worked out from, besides its own file."""

    site: Site                  # settings, legend, factors, documents, templates; no apps
    parts: dict                 # what make_app needs of the legend and the factors
    today: datetime.date
    versions: dict              # src_path -> the app file's committed versions
    history_mode: str | None    # pipeline.load_site says what it means
    docs: list                  # (src_path, doc_id, located) of the checked documents
    digest: str                 # hash of all of the above that a unit depends on
    env: object = None
    schema: dict | None = None
    validators: tuple | None = None   # feed.document_validators


def make_unit(shared: Shared, src_path: str, data: bytes) -> tuple[Unit, dict[str, bytes]]:
    """Check one app file (and its history) and, if it is sound, render everything it gives the site."""
    versions = shared.versions.get(src_path, [])
    problems = history.check_versions(src_path, shared.versions.get(src_path), shared.today, shared.history_mode) if shared.history_mode else []
    node = read.parse_text(data, src_path, problems)
    if node is None:
        return Unit(tuple(problems)), {}
    located, found = check_app(read.YamlFile(src_path, node), shared.today, legend=legend_names(shared.site.methods))
    problems += found
    if any(map(is_error, problems)):
        return Unit(tuple(problems)), {}
    basename = src_path.rsplit("/", 1)[1].removesuffix(".yaml")
    html = markdown_or_problem(render_app_markdown, located.data["description"], src_path,
                                       located.pos(("description",)), problems)
    if any(map(is_error, problems)):
        return Unit(tuple(problems)), {}
    app = make_app_model(basename, src_path, located.data, html, shared.parts, shared.today)
    if shared.history_mode:
        app = replace(app, history=history.history_entries(versions, shared.today,
                                                           names_for(shared.site)))
    return render_unit(shared, located, app, problems)


def render_unit(shared: Shared, located: Located, app, problems: list[Problem]) -> tuple[Unit, dict[str, bytes]]:
    """Render one sound app's page, JSON files and fragments; a JSON document that breaks its schema is our bug, reported on the app."""
    site, env = shared.site, shared.env
    dest = f"{app.url}index.html"
    page = env.get_template("app.html").render(root=root_for(dest), dest_path=dest, canonical=site.settings.base_url + app.url,
                                               app=app, articles=related_articles(site, app))
    files, entry, index_entry = feed.render_app_feed(site, shared.schema, app)
    whole, items = shared.validators
    doc_path = f"{feed.APP_JSON_DIR}/{app.basename}.json"
    checks = [(feed.json.loads(files[doc_path]), whole["app.schema.json"], "app.schema.json", []),
              (feed.json.loads(entry), items["feed.schema.json"][1], "feed.schema.json", ["apps"]),
              (feed.json.loads(index_entry), items["index.schema.json"][1], "index.schema.json", ["apps"])]
    for doc, validator, name, prefix in checks:
        for error in validator.iter_errors(doc):
            where = prefix + list(error.absolute_path)
            problems.append(feed.mismatch(METHODS_PATH if where[:1] == ["legend"] else app.src_path, name, where, error.message))
    if any(map(is_error, problems)):
        return Unit(tuple(problems)), {}
    outputs = {dest: page.encode("utf-8"), **files}
    facts = Facts(basename=app.basename, src_path=app.src_path, name=app.name, vendor=app.vendor, category=app.category,
                  summary=app.summary, reviewed=app.reviewed, supported=app.supported, mixed=app.mixed,
                  level2_articles=app.level2_articles, cross=rules.cross_facts(located))
    changes = tuple(feed.change_items(site, app))
    unit = Unit(tuple(problems), facts, catalogue_row(env, app), entry, index_entry, changes,
                tuple((d, hashlib.sha256(b).hexdigest()) for d, b in outputs.items()))
    return unit, outputs
