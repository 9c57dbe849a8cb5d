"""Render the pages of a Site in memory: dest_path -> bytes. No file is read or written here."""

from __future__ import annotations

import itertools
from pathlib import Path
from urllib.parse import urlsplit

import jinja2
import jinja2.meta

from . import progress
from .model import App, Doc, Method, Site, contrast_ratio
from .problems import ContentError, Problem, internal_problem

# Dark mode draws swatch outlines light enough to keep 3:1 against any surface of luminance <= 0.025
# (site.css keeps its dark page and panels below that): 4.5:1 against black guarantees it.
DARK_OUTLINE_CONTRAST = 4.5

EMBED_EXAMPLE = "embed/example.html"  # the legend widget at work; the widget itself is static/embed/


def make_env(site: Site, bytecode_dir: Path | None = None) -> jinja2.Environment:
    """Make the Jinja environment over the templates read with the sources.

    bytecode_dir, if given, keeps the compiled templates between builds (Jinja keys them by the
    template's source and its own version).
    """
    cache = None
    if bytecode_dir is not None:
        bytecode_dir.mkdir(parents=True, exist_ok=True)
        cache = jinja2.FileSystemBytecodeCache(str(bytecode_dir))
    env = jinja2.Environment(
        bytecode_cache=cache,
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


def render_pages(site: Site, *, rows: dict[str, str] | None = None, env: jinja2.Environment | None = None,
                 app_pages: bool = True) -> Outputs:
    """Render every HTML page, the sitemap, the generated CSS and the static files.

    rows, if given, are the catalogue's rows rendered before, by basename; without app_pages the
    apps' own pages are left out (the build renders them app by app).
    """
    env = env or make_env(site)
    out = Outputs()
    base = site.settings.base_url
    problems: list[Problem] = []

    def page(url: str, name: str, src_path: str | None = None, **ctx) -> None:
        """Render one page; a failure on a page of one file becomes a problem for that file."""
        dest = f"{url}index.html"
        try:
            out.add(dest, env.get_template(name).render(root=root_for(dest), dest_path=dest, canonical=base + url, **ctx))
        except Exception as exc:  # noqa: BLE001 - contributor data must never end the build with a traceback
            if src_path is None:
                raise
            problems.append(internal_problem(src_path, exc))

    if rows is None:
        rows = {a.basename: catalogue_row(env, a) for a in site.apps}
    page("", "index.html", **catalogue_context(site.apps, rows))
    for done, app in enumerate(site.apps if app_pages else (), 1):
        progress.step("rendering", done, len(site.apps))
        page(app.url, "app.html", app.src_path, app=app, articles=related_articles(site, app))
    for doc in site.docs:
        page(doc.url, "doc.html", doc.src_path, doc=doc, **doc_context(site, doc))
    if problems:
        raise ContentError(problems)
    out.add(EMBED_EXAMPLE, env.get_template(EMBED_EXAMPLE).render(
        root=root_for(EMBED_EXAMPLE), dest_path=EMBED_EXAMPLE, canonical=base + EMBED_EXAMPLE, **embed_context(site)))
    # The 404 page is served at any depth, so its links are absolute from the site's path; it has no canonical URL.
    out.add("404.html", env.get_template("404.html").render(root=urlsplit(base).path, dest_path="404.html", canonical=None))
    out.add("sitemap.xml", env.get_template("sitemap.xml").render(urls=sitemap_entries(site)))
    out.add("assets/methods.css", env.get_template("methods.css").render(dark_outlines={m.id: dark_outline(m) for m in site.methods}))
    for dest_path, data in site.static.items():
        out.add(dest_path, data)
    return out


def reads_only_its_context(env: jinja2.Environment, name: str) -> bool:
    """Return True if a template and every template it pulls in never read the whole site (the global 'site')."""
    bare = jinja2.Environment(loader=env.loader)  # meta leaves out the names an environment has as globals
    seen, todo = set(), [name]
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        tree = bare.parse(env.loader.get_source(env, current)[0])
        if "site" in jinja2.meta.find_undeclared_variables(tree):
            return False
        for ref in jinja2.meta.find_referenced_templates(tree):
            if ref is None:  # a name worked out while rendering: anything could be pulled in
                return False
            todo.append(ref)
    return True


def group_by_category(apps) -> list[tuple[str, list]]:
    """Group apps by category, categories and apps in alphabetical order."""
    ordered = sorted(apps, key=lambda a: (a.category, a.name.casefold(), a.basename))
    return [(cat, list(items)) for cat, items in itertools.groupby(ordered, key=lambda a: a.category)]


def catalogue_row(env: jinja2.Environment, app: App) -> str:
    """Render one app's row of the catalogue."""
    return env.get_template("_catalogue_row.html").module.row(app, root_for("index.html"))


def catalogue_context(apps, rows: dict[str, str]) -> dict:
    """Return what the catalogue shows: the apps' rows by category, and the choices its filters offer.

    apps may be Apps or anything with their basename, name, category and vendor (an app's facts).
    """
    return {
        "groups": [(category, [rows[a.basename] for a in items]) for category, items in group_by_category(apps)],
        "vendors": sorted({a.vendor for a in apps}, key=lambda v: (v.casefold(), v)),   # a set: ties would follow the hash seed
        "app_count": len(apps),
    }


def related_articles(site: Site, app: App) -> list[Doc]:
    """Return the Level II articles the app names and those that name the app, in section order."""
    named = {f"level2/{a}" for a in app.level2_articles}
    found = [d for d in site.docs if d.section == "level2" and d.doc_id != "level2"
             and (d.doc_id in named or app.basename in d.app_basenames)]
    return sorted(found, key=lambda d: (d.order, d.title, d.doc_id))


def dark_outline(method: Method) -> str:
    """Return the method's outline for dark pages: its colour, mixed toward white until it stands out on black."""
    for step in range(0, 101):
        colour = mix_with_white(method.colour, step / 100)
        if contrast_ratio(colour, "#000000") >= DARK_OUTLINE_CONTRAST:
            return colour
    return "#ffffff"


def mix_with_white(colour: str, share: float) -> str:
    """Return colour mixed with the given share of white, as #rrggbb."""
    channels = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return "#" + "".join(f"{round(c + (255 - c) * share):02x}" for c in channels)


def doc_context(site: Site, doc: Doc) -> dict:
    """Return what a documentation page shows besides its body: related apps and its section."""
    section = [d for d in site.docs if d.section == doc.section and d.doc_id != doc.section]
    linking_apps = [a for a in site.apps if doc.doc_id.removeprefix("level2/") in a.level2_articles and doc.section == "level2"]
    related = sorted({*(site.app(b) for b in doc.app_basenames), *linking_apps}, key=lambda a: (a.name.casefold(), a.basename))
    return {
        "related_apps": related,
        "section_docs": sorted(section, key=lambda d: (d.order, d.title, d.doc_id)),
        "section_index": next((d for d in site.docs if d.doc_id == doc.section), None),
    }


def embed_context(site: Site) -> dict:
    """Return the app the widget example shows: the first with methods both on and off."""
    mixed = [a for a in site.apps if a.mixed]
    return {"example": (mixed or list(site.apps))[0]}


def sitemap_entries(site: Site) -> list[tuple[str, str | None]]:
    """Return (absolute URL, lastmod) for every page, in a stable order."""
    base = site.settings.base_url
    entries = [(base, max((a.reviewed for a in site.apps), default=None))]
    entries += [(base + a.url, a.reviewed) for a in site.apps]
    entries += [(base + d.url, None) for d in site.docs] + [(base + EMBED_EXAMPLE, None)]
    return [(url, day.isoformat() if day else None) for url, day in sorted(entries, key=lambda e: e[0])]
