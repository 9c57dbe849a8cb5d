"""Make the model from checked data: the Site of the shared files and every document, and one app at a time
with its scheduled changes applied or announced and its Markdown rendered and sanitised."""

from __future__ import annotations

import datetime
from types import MappingProxyType

from policysite import dates
from policysite.check import hours, rules, schedule
from policysite.content.compare import PLAIN, Names, announce_sentence, sentence_case
from policysite.content.markup import MAX_CONTRACT_CHARS, MAX_MARKDOWN_CHARS, check_markdown, render_doc_markdown
from policysite.model import Announcement, Doc, Factor, Level, Method, Settings, Site, make_app, make_policy, make_translations
from policysite.problems import ContentError, Problem, guarded
from policysite.resources import shipped_folder
from policysite.sources.checkout import read_capped
from policysite.sources.loader import decode_text
from policysite.sources.read import Sources

CONTRACT = "feed.md"   # in the tool's docs/: the feed's contract


def make_site(sources: Sources, methods: dict, factors: dict, settings: dict, docs: list,
              doc_dates: dict[str, datetime.date] | None = None, contract: bool = False) -> Site:
    """Make the Site of everything but the apps from checked data: the legend, the factors, the settings, the
    documents (Markdown rendered and sanitised, each with its day in doc_dates, history.read_doc_dates), the
    templates and the static files, and with contract the feed's contract (feed_contract); raise ContentError
    on problems."""
    methods_models = tuple(Method(**{**m, "translations": make_translations(m.get("translations"))},
                                  portal_only=m["id"] in rules.portal_only_methods()) for m in methods["methods"])
    problems: list[Problem] = []
    bodies = {d.src_path: d for d in sources.docs}
    doc_models = []
    for src_path, doc_id, located in docs:
        source = bodies[src_path]
        html = markdown_or_problem(render_doc_markdown, source.body, src_path, (source.body_line, 1), problems,
                                   prefix="Markdown ", body_line=source.body_line)
        doc = guarded(make_doc, src_path, problems, doc_id, src_path, located.data, html, (doc_dates or {}).get(src_path))
        if doc:
            doc_models.append(doc)
    contract_html = feed_contract(problems) if contract else ""
    if problems:
        raise ContentError(problems)
    return Site(
        settings=Settings(**{**settings, "languages": tuple(settings.get("languages", ("en",)))}), methods=methods_models,
        factors=tuple(Factor(**{**f, "translations": make_translations(f.get("translations"))}) for f in factors["factors"]),
        levels=tuple(Level(**{**lv, "translations": make_translations(lv.get("translations"))}) for lv in factors["levels"]), apps=(),
        docs=tuple(sorted(doc_models, key=lambda d: d.doc_id)),
        templates=MappingProxyType(sources.templates), static=MappingProxyType(sources.static), feed_contract=contract_html,
    )


def feed_contract(problems: list[Problem]) -> str:
    """Return the feed's contract, the tool's own docs/feed.md (resources.py), as sanitised HTML: what the
    "Embed and feed" page shows developers. Read and rendered as a document is, with its problems located
    alike, though they could only be the tool's."""
    src_path = f"docs/{CONTRACT}"
    data = read_capped(shipped_folder("docs") / CONTRACT, src_path, problems)
    text, found = decode_text(data, src_path) if data is not None else (None, [])
    problems += found
    if text is None or found:
        return ""
    return markdown_or_problem(render_doc_markdown, text, src_path, (1, 1), problems, prefix="Markdown ", body_line=0,
                               limit=MAX_CONTRACT_CHARS)


def model_parts(site: Site) -> dict:
    """Return what model.make_app needs of the legend and the factors."""
    return {"methods": site.methods, "factors": site.factors, "levels": {lv.id: lv for lv in site.levels}}


def make_app_model(basename: str, src_path: str, data: dict, html: str, parts: dict, today: datetime.date):
    """Build one App, with its scheduled changes applied or announced as of today."""
    data = schedule.apply_due(data, today)
    return hours.with_clocks(make_app(basename, src_path, data, html, parts, app_extras(data, parts["methods"], today)), today)


def make_doc(doc_id: str, src_path: str, data: dict, html: str, updated: datetime.date | None = None) -> Doc:
    """Build a Doc from checked front matter, its rendered body and the day its file last changed."""
    return Doc(doc_id=doc_id, src_path=src_path, title=data["title"], summary=data["summary"],
               order=data.get("order", 0), legend=data.get("legend", False), body_html=html, updated=updated)


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


def markdown_or_problem(render, text: str, src_path: str, pos: tuple[int, int], problems: list[Problem], *,
                        prefix: str = "description: ", body_line: int | None = None, limit: int = MAX_MARKDOWN_CHARS) -> str:
    """Render Markdown of at most limit characters; every refusal or failure becomes a located problem.

    prefix starts each message; body_line, for a text whose lines are the file's from there on, locates each bad link on its line.
    """
    refusal = check_markdown(text, limit)
    if refusal:
        problems.append(Problem(src_path, pos[0], pos[1], refusal))
        return ""
    try:
        rendered = render(text)
    except Exception as exc:  # noqa: BLE001 - any failure on contributor text is a content problem
        problems.append(Problem(src_path, pos[0], pos[1], f"could not render the Markdown: {type(exc).__name__}"))
        return ""
    for r in rendered.refusals:
        line, col = (body_line + r.line, r.col) if body_line is not None and r.line is not None else pos
        problems.append(Problem(src_path, line, col, prefix + r.message))
    return "" if rendered.refusals else rendered.html
