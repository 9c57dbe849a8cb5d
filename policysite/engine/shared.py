"""Read and check what every app's result depends on besides its own file: the legend, the factors, the site
settings, the documents and, when building, the templates."""

from __future__ import annotations

import datetime
import hashlib
import time
from pathlib import Path

from policysite.cache import code_version
from policysite.check.alternatives import legend_names
from policysite.check.inputs import check_docs, check_settings
from policysite.check.schema import load_schema
from policysite.codec import encode
from policysite.languages import DEFAULT
from policysite.content import history
from policysite.content.site import make_site, model_parts
from policysite.problems import ContentError, Problem, is_error
from policysite.render import feed
from policysite.render.i18n import parse_catalog
from policysite.render.pages import make_envs, whole_site_reads
from policysite.sources import read
from policysite.stages import SETTINGS_PATH, SharedInputs
from policysite.stamps import digest_tree

def read_shared(root: Path, today: datetime.date, history_mode: str | None, rendering: bool,
                verify: bool = False) -> tuple[SharedInputs, list[Problem]]:
    """Read and check everything but the app files; return the inputs every app's stage shares, and the problems.

    With a mistake in a shared file the inputs hold only what checking an app file needs (site is None),
    so that every app's own problems are still reported. rendering: building pages, not only checking;
    verify: check every JSON file made against its published schema too (build --verify).
    """
    sources = read.read_sources(root)
    problems = list(sources.problems)
    methods, factors, settings = check_settings(sources, problems)
    catalogs = read_catalogs(sources, problems)   # checked by check too: the pre-commit hook runs only check
    if settings:
        problems += catalog_gaps(settings.data.get("languages", [DEFAULT]), sources.catalogs)
    docs = check_docs(sources, problems)
    broken = SharedInputs(today, history_mode, legend_names(methods.data["methods"]) if methods else (), digest="")
    if any(map(is_error, problems)) or not (methods and factors and settings):
        return broken, problems
    # a documentation page's "last updated" comes from the history, read when the history is (not by check)
    doc_dates = history.read_doc_dates(root, today) if history_mode and rendering else {}
    try:
        site = make_site(sources, methods.data, factors.data, settings.data, docs, doc_dates, contract=rendering)
        envs = make_envs(site, catalogs) if rendering else None
    except ContentError as exc:   # a document's Markdown, or a template
        return broken, problems + exc.problems
    parsed: dict = {}   # each template parsed once for both questions
    env = next(iter(envs.values())) if envs else None
    if env is not None and (reads := whole_site_reads(env, "app.html", parsed)):
        return broken, problems + reads
    bodies = {d.src_path: d.body for d in sources.docs}
    digest = hashlib.sha256(f"{code_version()}\0{today.isoformat()}\0{history_mode}\0{rendering}\0{verify}\0".encode())
    digest.update(encode((methods.data, factors.data, settings.data, sorted(site.templates.items()) if rendering else (),
                          sorted(sources.catalogs.items()) if rendering else (),
                          [(src_path, doc_id, bodies[src_path], loc.data, doc_dates.get(src_path)) for src_path, doc_id, loc in docs]),
                         {}))
    schema = load_schema("feed.schema.json")
    return SharedInputs(today, history_mode, broken.legend, digest.hexdigest(), site, model_parts(site), envs, schema,
                        feed.document_validators(schema) if verify else None, tuple(docs),
                        pages_of_parts=env is not None and not whole_site_reads(env, "category.html", parsed)), problems


def read_catalogs(sources, problems: list[Problem]) -> dict:
    """Parse and check the catalogs read with the sources: lang -> render.i18n.Catalog, the faulty ones left out (their
    problems added)."""
    catalogs = {lang: parse_catalog(lang, src_path, text, problems) for lang, (src_path, text) in sorted(sources.catalogs.items())}
    return {lang: catalog for lang, catalog in catalogs.items() if catalog is not None}


def catalog_gaps(languages: list[str], found: dict) -> list[Problem]:
    """Return a problem for each language the settings list that has no catalog (found: read_catalogs' texts)."""
    return [Problem(f"locale/{lang}/LC_MESSAGES/messages.po", 1, 1, f"no catalog for '{lang}', which {SETTINGS_PATH} "
                    "lists in languages; add it (CONTRIBUTING.md, \"Translations\")")
            for lang in languages if lang != DEFAULT and lang not in found]


def shared_signature(root: Path, today: datetime.date) -> str:
    """Return a hash of the path and stamp of every input but the app files (and the bytes of those changed too
    recently for their stamps to tell), with the date, the code version and the git commit."""
    from policysite.engine.unchanged import git_head

    digest = hashlib.sha256(f"{code_version()}\0{today.isoformat()}\0{git_head(root)}\0".encode())
    started, apps = time.time(), str(root / "content" / "apps")
    for folder in ("content", "templates", "static", "locale"):
        racy = digest_tree(digest, root / folder, started, prune=apps)
        digest.update(repr(sorted(racy.items())).encode("utf-8", "surrogateescape"))   # their stamps could miss an edit in the same tick
    return digest.hexdigest()
