"""Render the pages of a Site in memory: dest_path -> bytes. No file is read or written here."""

from __future__ import annotations

import datetime
from urllib.parse import urlsplit

import jinja2
import jinja2.meta

from markupsafe import Markup, escape

from policysite.content.changes import PAGE_URL as CHANGES_URL
from policysite.content.changes import page_rows
from policysite.languages import DEFAULT, NAMES
from policysite.model import App, Doc, Method, Site, contrast_ratio
from policysite.problems import ContentError, Problem, internal_problem
from policysite.render.catalogue import (LISTING_PATH, category_context, category_pages, category_slug, first_view,
                                         group_by_category, render_listing)
from policysite.render.i18n import Catalog, english
from policysite.render.sandbox import SourceLoader, TemplateSandbox, describe_fault, template_problem
from policysite.render.toc import demoted, with_anchors
from policysite.sources.read import fold_name, static_source

# Dark mode draws swatch outlines light enough to keep 3:1 against any surface of luminance <= 0.025
# (site.css keeps its dark page and panels below that): 4.5:1 against black guarantees it.
DARK_OUTLINE_CONTRAST = 4.5

# An app's page is made from its own app alone (the engine rebuilds it only when that app changes).
WHOLE_SITE = "an app page may not depend on other apps"
PULLS_IN = (jinja2.nodes.Include, jinja2.nodes.Import, jinja2.nodes.FromImport, jinja2.nodes.Extends)
EMBED_EXAMPLE = "embed/example.html"  # the legend widget at work; the widget itself is static/embed/
METHODS_CSS = "assets/methods.css"
# Open Graph names a page's language with its region; these are the regions the site's wording follows.
OG_LOCALES = {"en": "en_GB", "de": "de_DE", "fr": "fr_FR", "it": "it_IT", "nl": "nl_NL", "pt": "pt_PT", "es": "es_ES"}
REQUIRED_TEMPLATES = ("index.html", "category.html", "app.html", "doc.html", "changes.html", EMBED_EXAMPLE, "404.html",
                      "sitemap.xml", "methods.css", "_catalogue_row.html")


def make_envs(site: Site, catalogs: dict[str, Catalog]) -> dict[str, jinja2.Environment]:
    """Make one sandboxed environment per language the site is published in, each with its catalog's gettext
    (catalogs: lang -> render.i18n.Catalog, checked; the default language needs none).

    Raises ContentError as make_env does; the templates are checked once, in the first language's environment. A
    language without a catalog is a problem reported before (engine/shared.py); here it would show the English words.
    """
    compiled: dict = {}   # every language's environment runs the same compiled templates (sandbox.SourceLoader)
    return {lang: make_env(site, lang, catalogs.get(lang) or english(), check=n == 0, compiled=compiled)
            for n, lang in enumerate(site.settings.languages)}


def make_env(site: Site, lang: str = DEFAULT, catalog: Catalog | None = None, check: bool = True,
             compiled: dict | None = None) -> jinja2.Environment:
    """Make the sandboxed Jinja environment of one language over the templates read with the sources, with Jinja's
    i18n extension calling the catalog's gettext and ngettext; with check, every template is compiled.

    Raises ContentError naming each template that is missing or does not compile. Compiled
    templates are never kept on disk: nothing a checkout can carry is ever loaded as code.
    """
    env = TemplateSandbox(
        loader=SourceLoader(dict(site.templates), compiled),
        autoescape=True,                       # every template, whatever its extension
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        extensions=["jinja2.ext.i18n"],
    )
    env.policies["ext.i18n.trimmed"] = True   # as babel.cfg extracts them: a message's lines joined by single spaces
    catalog = catalog or english()
    env.install_gettext_callables(catalog.gettext, catalog.ngettext, newstyle=True)
    env.globals.update(site=site, settings=site.settings, methods=site.methods, **language_globals(lang))
    env.filters["category_slug"] = category_slug   # a function of the name alone: an app page may use it
    if not check:
        return env
    problems = [Problem(f"templates/{name}", 1, 1, "the build makes pages from this template; restore it")
                for name in REQUIRED_TEMPLATES if name not in site.templates]
    for name in sorted(site.templates):
        try:
            env.get_template(name)
        except ContentError as exc:
            problems += exc.problems
        except Exception as exc:  # noqa: BLE001 - the lexer's own failures (a 5000-digit number) bypass Jinja's handling
            problems.append(Problem(f"templates/{name}", 1, 1, describe_fault(exc)))
    if problems:
        raise ContentError(problems)
    return env


def language_globals(lang: str) -> dict:
    """Return what every template of one language may read besides the site: the language, the one way to a
    translated word of the data (translated, translated_lang), and the attribute that marks English text."""
    def translated(obj, field: str) -> str:
        """Return a method's, factor's or level's field in the page's language where it is translated, else in English."""
        return obj.text(lang, field)

    def translated_lang(obj, field: str) -> str | None:
        """Return None if obj's field is in the page's language, else 'en' (the template writes lang="en" on it)."""
        return None if obj.is_translated(lang, field) else DEFAULT

    return {"lang": lang, "translated": translated, "translated_lang": translated_lang,
            "english_attr": Markup("") if lang == DEFAULT else Markup(f' lang="{DEFAULT}"'), "og_locale": OG_LOCALES[lang]}


def lang_prefix(settings, lang: str) -> str:
    """Return where a language's pages live under the site root: the first language at the root, each other under
    <lang>/."""
    return "" if lang == settings.languages[0] else f"{lang}/"


def page_links(settings, lang: str, url: str, dest: str) -> dict:
    """Return what every page says of where it is, given its language-neutral URL (url) and its file (dest): its
    roots, canonical address, the same page in each language (hreflang) and the language switcher's links."""
    site_root = root_for(dest)
    base = settings.base_url
    alternates = [(code, base + lang_prefix(settings, code) + url) for code in settings.languages]
    return {
        "root": site_root + lang_prefix(settings, lang), "site_root": site_root, "dest_path": dest,
        "canonical": base + lang_prefix(settings, lang) + url,
        "alternates": alternates + [("x-default", alternates[0][1])] if len(alternates) > 1 else [],
        "switcher": [(code, NAMES[code], site_root + lang_prefix(settings, code) + url) for code in settings.languages],
    }


class Outputs(dict):
    """dest_path -> bytes; refuses to produce one path twice."""

    def add(self, dest_path: str, data: bytes | str | None) -> None:
        """Record one output file (None: the one already published is kept)."""
        if dest_path in self:
            raise ValueError(f"two outputs for {dest_path}")
        self[dest_path] = data.encode("utf-8") if isinstance(data, str) else data


def root_for(dest_path: str) -> str:
    """Return the relative prefix from a page's folder back to the site root."""
    return "../" * dest_path.count("/")


def render_pages(site: Site, changes: list[dict], rows: dict[str, dict[str, tuple[str, ...]]], entries: dict[str, bytes],
                 envs: dict[str, jinja2.Environment], reuse=None) -> Outputs:
    """Render every HTML page but the apps' own in every language, the catalogue's index, the sitemaps, the generated
    CSS and the static files; raise ContentError on any fault.

    changes are the items of changes.json (feed.latest_changes), for the Recent changes page and the sitemap;
    rows are the catalogue's rows by language, then by basename, and entries the compact-index entries by basename,
    made with each app (stages.render_app); envs: make_envs.
    reuse(dest, page, render): the engine's way to a category page, given the CategoryPage and a function that renders
    it; None in place of its bytes means the page already published is kept (the engine's memo, engine/pages.py).
    """
    out = Outputs()
    problems: list[Problem] = []
    groups = group_by_category(site.apps)
    pages = category_pages(groups)
    for lang, env in envs.items():
        render_language(site, lang, env, changes, rows[lang], pages, out, problems, reuse)
    out.add(LISTING_PATH, render_listing(site.methods, groups, entries))
    sitemaps = []
    for lang, env in envs.items():
        dest = f"sitemap-{lang}.xml"
        text = collect(problems, lambda: env.get_template("sitemap.xml").render(urls=sitemap_entries(site, changes, pages, lang)))
        if text is not None:
            out.add(dest, text)
        sitemaps.append(site.settings.base_url + dest)
    out.add("sitemap.xml", sitemap_index(sitemaps))
    made_css = collect(problems, lambda: envs[site.settings.languages[0]].get_template("methods.css").render(
        dark_outlines={m.id: dark_outline(m) for m in site.methods}))
    if made_css is not None:
        out.add(METHODS_CSS, made_css)
    add_static(site, out, problems)
    if problems:
        raise ContentError(list(dict.fromkeys(problems)))   # a faulty app.html fails every app's page the same way
    return out


def render_language(site: Site, lang: str, env: jinja2.Environment, changes: list[dict], rows: dict[str, tuple[str, ...]],
                    pages: list, out: Outputs, problems: list[Problem], reuse) -> None:
    """Render one language's pages (but the apps' own) into out, each fault added to problems (see collect)."""
    prefix = lang_prefix(site.settings, lang)

    def made(dest: str, name: str, src_path: str | None = None, **ctx) -> None:
        """Render one template into dest."""
        text = collect(problems, lambda: env.get_template(name).render(**ctx), src_path)
        if text is not None:
            out.add(dest, text)

    def page(url: str, name: str, src_path: str | None = None, **ctx) -> None:
        """Render one page at url (language-neutral)."""
        dest = f"{prefix}{url}index.html"
        links = page_links(site.settings, lang, url, dest)
        made(dest, name, src_path, **links, **ctx)

    def category(part) -> None:
        """Render one category page, or keep the one published (None: reuse kept it, or a problem was reported)."""
        dest = f"{prefix}{part.url}index.html"
        links = page_links(site.settings, lang, part.url, dest)
        ctx = {**links, **category_context(part, rows, links["root"])}

        def render() -> bytes | None:
            text = collect(problems, lambda: env.get_template("category.html").render(**ctx))
            return text.encode("utf-8") if text is not None else None

        out.add(dest, reuse(dest, part, render) if reuse is not None else render())

    first = page_links(site.settings, lang, "", f"{prefix}index.html")
    page("", "index.html", **first_view(site.apps, rows, first["root"]))
    for part in pages:
        category(part)
    for doc in site.docs:
        page(doc.url, "doc.html", doc.src_path, doc=doc, **doc_context(site, doc))
    page(CHANGES_URL, "changes.html", days=page_rows(site, changes), count=len(changes))
    dest = prefix + EMBED_EXAMPLE
    made(dest, EMBED_EXAMPLE, **page_links(site.settings, lang, EMBED_EXAMPLE, dest), **embed_context(site))
    # The 404 page is served at any depth, so its links are absolute from the site's path; it has no canonical URL.
    site_path = urlsplit(site.settings.base_url).path
    made(f"{prefix}404.html", "404.html", **{**page_links(site.settings, lang, "", f"{prefix}404.html"),
                                             "root": site_path + prefix, "site_root": site_path, "canonical": None,
                                             "alternates": [], "dest_path": f"{prefix}404.html",
                                             "switcher": [(code, NAMES[code], site_path + lang_prefix(site.settings, code))
                                                          for code in site.settings.languages]})


def sitemap_index(urls: list[str]) -> str:
    """Return the sitemap index naming each language's sitemap."""
    items = "".join(f"  <sitemap><loc>{escape(url)}</loc></sitemap>\n" for url in urls)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
            f"{items}</sitemapindex>\n")


def collect(problems: list[Problem], make, src_path: str | None = None):
    """Return make(), or None with its problems added: a fault of the template is located on the template,
    another failure on src_path, the file whose page it is; with no such file, on the template line it
    arose on (raised if it arose in no template: a bug of ours)."""
    try:
        return make()
    except ContentError as exc:
        problems.extend(exc.problems)
    except Exception as exc:  # noqa: BLE001 - contributor data must never end the build with a traceback
        problem = internal_problem(src_path, exc) if src_path else template_problem(exc)
        if problem is None:
            raise
        problems.append(problem)
    return None


def add_static(site: Site, out: Outputs, problems: list[Problem]) -> None:
    """Add the files of static/, refusing one that would be published where the build makes a file itself."""
    made = {fold_name(dest) for dest in out}   # folded: on macOS or Windows the two would be one file
    for dest_path, data in site.static.items():
        if fold_name(dest_path) in made:
            problems.append(Problem(static_source(dest_path), 1, 1,
                                    f"would be published at {dest_path}, where the build makes a file of its own; rename it"))
        else:
            out.add(dest_path, data)


def whole_site_reads(env: jinja2.Environment, name: str, parsed: dict | None = None) -> list[Problem]:
    """Return a located problem for each template, name or one it pulls in, that reads the whole site (the global
    'site') or pulls in a template named only while rendering: an app's page is rebuilt only when its app changes,
    so it may read what it is given, never another app. parsed: what earlier calls on env learnt (each template is
    parsed once)."""
    parsed = {} if parsed is None else parsed
    seen, todo, problems = set(), [name], []
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        if current not in parsed:
            parsed[current] = template_facts(env, current)
        if parsed[current] is None:   # missing or broken: reported where the page is rendered, or by make_env
            continue
        site_line, refs, named_late = parsed[current]
        if site_line is not None:
            problems.append(Problem(f"templates/{current}", site_line, 1, f"{WHOLE_SITE}: reads 'site', the whole site; "
                                    "use what the page is given (app, articles, settings, methods)"))
        todo += refs
        if named_late is not None:
            problems.append(Problem(f"templates/{current}", named_late, 1, f"{WHOLE_SITE}: pulls in a template named only "
                                    "while rendering; name it in the template"))
    return sorted(set(problems))


def template_facts(env: jinja2.Environment, name: str) -> tuple[int | None, list[str], int | None] | None:
    """Return the line a template first reads 'site' on, the templates it names, and the line it first pulls in a
    template named only while rendering (None where it does not); None if it is missing or does not parse."""
    # meta leaves out an environment's globals; sandboxed, as parsing folds constants; with the extensions, which parse {% trans %}
    bare = TemplateSandbox(loader=env.loader, extensions=list(env.extensions))
    bare.filters = env.filters   # the analysis compiles the template: it must know the filters it may use
    try:
        tree = bare.parse(env.loader.get_source(env, name)[0])
    except jinja2.TemplateError:
        return None
    site_line = None
    if "site" in jinja2.meta.find_undeclared_variables(tree):
        site_line = min((n.lineno for n in tree.find_all(jinja2.nodes.Name) if n.name == "site" and n.ctx == "load"), default=1)
    refs = list(jinja2.meta.find_referenced_templates(tree))
    named_late = min((n.lineno for n in tree.find_all(PULLS_IN) if not is_constant(n.template)), default=1) if None in refs else None
    return site_line, [ref for ref in refs if ref is not None], named_late


def is_constant(node: jinja2.nodes.Node) -> bool:
    """Return True if a template name is written in the template: a string, or a list of strings."""
    if isinstance(node, (jinja2.nodes.List, jinja2.nodes.Tuple)):
        return all(isinstance(item, jinja2.nodes.Const) for item in node.items)
    return isinstance(node, jinja2.nodes.Const)


def related_articles(site: Site, app: App) -> list[Doc]:
    """Return the Level II articles the app's file names, in section order."""
    named = {f"level2/{a}" for a in app.level2_articles}
    found = [d for d in site.docs if d.section == "level2" and d.doc_id != "level2" and d.doc_id in named]
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
    """Return what a documentation page shows besides its body: the body with heading anchors and its headings (for
    the table of contents), the apps whose files name it, and its section."""
    section = [d for d in site.docs if d.section == doc.section and d.doc_id != doc.section]
    # Derived: the app files' level2.articles are the one place links are kept.
    naming = [a for a in site.apps if doc.section == "level2" and doc.doc_id.removeprefix("level2/") in a.level2_articles]
    related = sorted(naming, key=lambda a: (a.name.casefold(), a.name, a.basename))
    body_html, headings = with_anchors(doc.body_html)
    return {
        "body_html": body_html,
        "headings": headings,
        "related_apps": related,
        "section_docs": sorted(section, key=lambda d: (d.order, d.title, d.doc_id)),
        "section_index": next((d for d in site.docs if d.doc_id == doc.section), None),
    }


def embed_context(site: Site) -> dict:
    """Return the app the widget example shows (the first with methods both on and off) and the feed's contract."""
    mixed = [a for a in site.apps if a.mixed]
    return {"example": (mixed or list(site.apps))[0], "contract_html": demoted(site.feed_contract)}


def sitemap_entries(site: Site, changes: list[dict], pages: list, lang: str) -> list[tuple[str, str | None, list]]:
    """Return (absolute URL, lastmod, [(language, URL of the same page in it)]) for every page of one language, in a
    stable order; a category page's lastmod is its apps' latest review. The alternates are empty for a site in one
    language."""
    newest = max((item["date_published"][:10] for item in changes), default=None)
    entries = [("", max((a.reviewed for a in site.apps), default=None)),
               (CHANGES_URL, datetime.date.fromisoformat(newest) if newest else None)]
    entries += [(a.url, a.reviewed) for a in site.apps]
    entries += [(p.url, max(a.reviewed for a in p.apps)) for p in pages]
    entries += [(d.url, None) for d in site.docs] + [(EMBED_EXAMPLE, None)]
    languages = site.settings.languages
    base = site.settings.base_url

    def at(code: str, url: str) -> str:
        return base + lang_prefix(site.settings, code) + url

    return [(at(lang, url), day.isoformat() if day else None, [(code, at(code, url)) for code in languages] if len(languages) > 1 else [])
            for url, day in sorted(entries, key=lambda e: at(lang, e[0]))]
