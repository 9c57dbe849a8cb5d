"""Render the pages of a Site in memory: dest_path -> bytes. No file is read or written here."""

from __future__ import annotations

import itertools
from urllib.parse import urlsplit

import jinja2

from .model import App, Doc, Site
from .problems import ContentError, Problem, internal_problem


def make_env(site: Site) -> jinja2.Environment:
    """Make the Jinja environment over the templates read with the sources."""
    env = jinja2.Environment(
        loader=jinja2.DictLoader(dict(site.templates)),
        autoescape=True,                       # every template, whatever its extension
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.globals.update(site=site, settings=site.settings, methods=site.methods)
    return env


class Outputs(dict):
    """dest_path -> bytes; refuses to produce one path twice."""

    def add(self, dest_path: str, data: bytes | str) -> None:
        """Record one output file."""
        if dest_path in self:
            raise ValueError(f"two outputs for {dest_path}")
        self[dest_path] = data.encode("utf-8") if isinstance(data, str) else data


def root_for(dest_path: str) -> str:
    """Return the relative prefix from a page's folder back to the site root."""
    return "../" * dest_path.count("/")


def render_pages(site: Site) -> Outputs:
    """Render every HTML page, the sitemap, the generated CSS and the static files."""
    env = make_env(site)
    out = Outputs()
    problems: list[Problem] = []

    def page(dest: str, name: str, src_path: str | None = None, **ctx) -> None:
        """Render one page; a failure on a page of one file becomes a problem for that file."""
        try:
            out.add(dest, env.get_template(name).render(root=root_for(dest), dest_path=dest, **ctx))
        except Exception as exc:  # noqa: BLE001 - contributor data must never end the build with a traceback
            if src_path is None:
                raise
            problems.append(internal_problem(src_path, exc))

    page("index.html", "index.html", groups=group_by_category(site.apps))
    for app in site.apps:
        page(f"{app.url}index.html", "app.html", app.src_path, app=app, articles=[site.doc(f"level2/{a}") for a in app.level2_articles])
    for doc in site.docs:
        page(f"{doc.url}index.html", "doc.html", doc.src_path, doc=doc, **doc_context(site, doc))
    if problems:
        raise ContentError(problems)
    # The 404 page is served at any depth, so its links are absolute from the site's path.
    out.add("404.html", env.get_template("404.html").render(root=urlsplit(site.settings.base_url).path, dest_path="404.html"))
    out.add("sitemap.xml", env.get_template("sitemap.xml").render(urls=sitemap_entries(site)))
    out.add("assets/methods.css", env.get_template("methods.css").render())
    for dest_path, data in site.static.items():
        out.add(dest_path, data)
    return out


def group_by_category(apps: tuple[App, ...]) -> list[tuple[str, list[App]]]:
    """Group apps by category, categories and apps in alphabetical order."""
    ordered = sorted(apps, key=lambda a: (a.category, a.name.casefold(), a.basename))
    return [(cat, list(items)) for cat, items in itertools.groupby(ordered, key=lambda a: a.category)]


def doc_context(site: Site, doc: Doc) -> dict:
    """Return what a documentation page shows besides its body: related apps and its section."""
    section = [d for d in site.docs if d.section == doc.section and d.doc_id != doc.section]
    linking_apps = [a for a in site.apps if doc.doc_id.removeprefix("level2/") in a.level2_articles and doc.section == "level2"]
    related = sorted({*(site.app(b) for b in doc.app_basenames), *linking_apps}, key=lambda a: a.name.casefold())
    return {
        "related_apps": related,
        "section_docs": sorted(section, key=lambda d: (d.order, d.title)),
        "section_index": next((d for d in site.docs if d.doc_id == doc.section), None),
    }


def sitemap_entries(site: Site) -> list[tuple[str, str | None]]:
    """Return (absolute URL, lastmod) for every page, in a stable order."""
    base = site.settings.base_url
    entries = [(base, max((a.reviewed for a in site.apps), default=None))]
    entries += [(base + a.url, a.reviewed) for a in site.apps]
    entries += [(base + d.url, None) for d in site.docs]
    return [(url, day.isoformat() if day else None) for url, day in sorted(entries, key=lambda e: e[0])]
