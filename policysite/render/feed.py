"""Render the JSON feed Webconfig reads, and the schemas it follows. Pure functions of a Site and a schema.

Outputs: feed.json; api/v1/apps/<basename>.json (stable address); api/v1/by-hash/<sha256>.json
(the same bytes at a content-hashed address); api/v1/index.json (every app with the hash of
its file); api/v1/legend.json (the legend with its translations); schema/v1/{feed,app,index,legend}.schema.json
(the published contract); feed.json.gz and
api/v1/index.json.gz (the same bytes gzipped once at build, for nginx's gzip_static); changes.json and
changes.atom (the latest policy changes across apps, from one list).
"""

from __future__ import annotations

import copy
import datetime
import hashlib
import json

from policysite.cache import digest_of as cache_digest
from policysite.check.schema import make_fast_first, make_validator
from policysite.content.changes import ATOM_PATH, check_item, feed_description, feed_title, render_atom
from policysite.model import CONTACT_FIELDS, Announcement, App, HistoryEntry, Method, Policy, Site
from policysite.problems import Problem
from policysite.render.jsondump import dump_json

API_DIR = "api/v1"
APP_JSON_DIR = f"{API_DIR}/apps"
BY_HASH_DIR = f"{API_DIR}/by-hash"
SCHEMA_DIR = "schema/v1"
# Published schema file -> the document in schema/feed.schema.json it describes (None: the root).
PUBLISHED_SCHEMAS = {"feed.schema.json": None, "app.schema.json": "app_document", "index.schema.json": "index_document",
                     "legend.schema.json": "legend_document"}
# Old Webconfig passes the document it fetched straight to its legend code, which reads these at the
# top level; an app's file repeats them there (since 1.2), copied from its 'app' so they cannot differ.
LEGACY_TOP_LEVEL = ("basename", "name", "supported")
CHANGES_PATH = "changes.json"
CHANGES_LIMIT = 100          # items in changes.json, newest first
JSON_FEED_VERSION = "https://jsonfeed.org/version/1.1"
# The files that grow with the number of apps: each is also written gzipped beside itself (render/compress.py).
PRECOMPRESSED = ("feed.json", f"{API_DIR}/index.json")
# The legend with its translations alone (since 1.3): what a client in another language fetches once for every app.
# An app's own file carries the legend without translations: they would make it three times larger (docs/feed.md).
LEGEND_PATH = f"{API_DIR}/legend.json"


def legend_entry(method: Method) -> dict:
    """Describe one method of the legend for the feed."""
    return {
        "id": method.id, "bit": method.bit, "title": method.title, "short_title": method.short_title,
        "description": method.description, "colour": method.colour, "outline": method.outline,
        "ink": method.ink, "marker": method.marker,
    }


def translated_legend_entry(method: Method) -> dict:
    """Describe one method of the legend with its wording in other languages (since 1.3), for the documents read once."""
    entry = legend_entry(method)
    if method.translations:
        entry["translations"] = {lang: dict(fields) for lang, fields in method.translations}
    return entry


def policy_entry(policy: Policy) -> dict:
    """Describe one method's availability for one app, leaving out empty fields."""
    fields = CONTACT_FIELDS if policy.available else ("reason", "alternative")
    entry = {"id": policy.method.id, "bit": policy.method.bit, "available": policy.available}
    entry.update({k: getattr(policy, k) for k in fields if getattr(policy, k) is not None})
    if policy.available and policy.clock:
        entry.update({"utc_offset": policy.clock.iso_offset, "hours_utc": policy.clock.hours_utc})
        if policy.clock.change_on:
            entry["utc_offset_until"] = policy.clock.change_on.isoformat()
    return entry


def app_entry(app: App, base_url: str) -> dict:
    """Describe one app for feed.json: what Webconfig needs to draw its policy."""
    return {
        "basename": app.basename, "name": app.name, "vendor": app.vendor,
        "category": app.category, "subcategory": app.subcategory,
        "url": base_url + app.url, "json_url": f"{base_url}{APP_JSON_DIR}/{app.basename}.json",
        "supported": app.supported, "reviewed": app.reviewed.isoformat(),
        "methods": [policy_entry(p) for p in app.policies],
    }


def app_detail(app: App, site: Site) -> dict:
    """Describe one app in full for its own file."""
    entry = app_entry(app, site.settings.base_url)
    entry.update({
        "summary": app.summary, "license": app.license,
        "links": {k: v for k, v in (("homepage", app.homepage), ("documentation", app.documentation)) if v},
        "factors": [{"id": r.factor.id, "title": r.factor.title, "level": r.level.id, "note": r.note} for r in app.ratings],
        "level2": {"covered": app.level2_covered, "articles": [site.settings.base_url + f"level2/{a}/" for a in app.level2_articles]},
        "announced": [announcement_entry(a) for a in app.announced],
        "history": [history_entry(h) for h in app.history or ()],   # empty: this build published no history
    })
    return entry


def feed_version(schema: dict) -> str:
    """Return the format version the documents carry: the schema's own x-version."""
    return schema["x-version"]


def header(site: Site, schema: dict, schema_file: str) -> dict:
    """Return the fields every document starts with: its version and the schema it follows."""
    return {"feed_version": feed_version(schema), "schema": f"{site.settings.base_url}{SCHEMA_DIR}/{schema_file}"}


def render_schemas(schema: dict, base_url: str) -> dict[str, bytes]:
    """Publish one self-contained schema per document, each naming its address and version."""
    out = {}
    for name, pointer in PUBLISHED_SCHEMAS.items():
        doc = dict(schema) if pointer is None else {
            "$schema": schema["$schema"], "x-version": schema["x-version"],
            "title": schema["$defs"][pointer]["title"], "description": schema["$defs"][pointer]["description"],
            "$ref": f"#/$defs/{pointer}", "$defs": schema["$defs"],
        }
        doc.pop("$comment", None)
        doc["$id"] = f"{base_url}{SCHEMA_DIR}/{name}"
        out[f"{SCHEMA_DIR}/{name}"] = dump_json(doc)
    return out


def rfc3339(when: datetime.datetime) -> str:
    """Format a UTC time as 2026-03-01T10:00:00Z."""
    return when.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def announcement_entry(announcement: Announcement) -> dict:
    """Describe a scheduled change: its date, a sentence, and the method as it will be from then."""
    return {"date": announcement.date.isoformat(), "summary": announcement.summary, **policy_entry(announcement.policy)}


def history_entry(entry: HistoryEntry) -> dict:
    """Describe one change in an app's history."""
    out = {"date": entry.date.isoformat(), "time": rfc3339(entry.when), "changes": list(entry.changes)}
    if entry.commit:
        out["commit"] = entry.commit
    return out


def latest_changes(items: list) -> list[dict]:
    """Return the changes published, from every app's change_items: newest first, at most CHANGES_LIMIT."""
    return [item for _, item in sorted(items, key=lambda i: i[0])[:CHANGES_LIMIT]]


def render_change_files(site: Site, latest: list[dict]) -> dict[str, bytes]:
    """Render changes.json and changes.atom from one list of changes (latest_changes), so both carry the same."""
    return {CHANGES_PATH: dump_json(render_changes(site, latest)), ATOM_PATH: render_atom(site, latest)}


def render_changes(site: Site, latest: list[dict]) -> dict:
    """Return changes.json: the latest policy changes across all apps as a JSON Feed 1.1."""
    base = site.settings.base_url
    return {
        "version": JSON_FEED_VERSION,
        "title": feed_title(site),
        "home_page_url": base,
        "feed_url": base + CHANGES_PATH,
        "description": feed_description(site),
        "language": "en",
        "items": latest,
    }


def change_items(site: Site, app: App) -> list[tuple[tuple, dict]]:
    """Return one app's items for changes.json, each with the key that orders them across apps.

    Newest first by time, then by basename, then by place in the app's history: that history is in
    the commit graph's order and its times never run backwards (history.effective_times), so an app's
    own items keep that order, even where times tie, and the key is total.
    """
    base = site.settings.base_url
    items = []
    for position, entry in enumerate(app.history or ()):
        url = f"{base}{app.url}#change-{entry.key}"
        more = f" (and {len(entry.changes) - 1} more)" if len(entry.changes) > 1 else ""
        items.append(((-entry.when.timestamp(), app.basename, position), check_item({
            "id": url, "url": url, "title": f"{app.name}: {entry.changes[0]}{more}",
            "content_text": "\n".join(entry.changes), "date_published": rfc3339(entry.when), "tags": [app.basename],
        })))
    return items


def app_document(site: Site, schema: dict, app: App) -> dict:
    """Return an app's own file: header, legend, the app in full, and at the top level what old Webconfig reads there."""
    detail = app_detail(app, site)
    legacy = {key: detail[key] for key in LEGACY_TOP_LEVEL}
    return {**header(site, schema, "app.schema.json"), "legend": [legend_entry(m) for m in site.methods], "app": detail, **legacy}


def render_app_feed(site: Site, schema: dict, app: App) -> tuple[dict[str, bytes], bytes, dict]:
    """Render one app's share of the feed: its files (stable and content-hashed), its entry of feed.json
    (serialised) and its entry of the index."""
    data = dump_json(app_document(site, schema, app))
    digest = hashlib.sha256(data).hexdigest()
    files = {f"{APP_JSON_DIR}/{app.basename}.json": data, f"{BY_HASH_DIR}/{digest}.json": data}
    entry = dump_json(app_entry(app, site.settings.base_url))[:-1]   # without the final newline
    return files, entry, dump_json({"basename": app.basename, "supported": app.supported, "sha256": digest})[:-1]


def render_lists(site: Site, schema: dict, entries: list[bytes], index_entries: list[bytes]) -> dict[str, bytes]:
    """Render feed.json and the index from each app's entries, in basename order.

    Both are joined from the serialised entries; each is byte for byte what dump_json gives for the
    whole document, because its keys are sorted and 'apps' sorts first.
    """
    feed, index, legend = envelopes(site, schema)
    assert min(feed) > "apps" and min(index) > "apps"
    out = {
        "feed.json": b"".join(joined_list(entries, b'{"apps":[', b"]," + dump_json(feed)[1:])),
        f"{API_DIR}/index.json": b"".join(joined_list(index_entries, b'{"apps":[', b"]," + dump_json(index)[1:])),
        LEGEND_PATH: dump_json(legend),
    }
    return out


def joined_list(entries: list[bytes], head: bytes, tail: bytes):
    """Yield head, the entries with commas between them, and tail: pieces for one join, so the list is copied once."""
    yield head
    for i, entry in enumerate(entries):
        if i:
            yield b","
        yield entry
    yield tail


def envelopes(site: Site, schema: dict) -> tuple[dict, dict, dict]:
    """Return feed.json and the index without their lists of apps, and legend.json; each legend with its translations."""
    base = site.settings.base_url
    legend = [translated_legend_entry(m) for m in site.methods]
    feed = {
        **header(site, schema, "feed.schema.json"),
        "title": site.settings.title, "home_page_url": base, "notice": site.settings.example_notice, "legend": legend,
    }
    index = {
        **header(site, schema, "index.schema.json"),
        "apps_url": f"{base}{APP_JSON_DIR}/", "by_hash_url": f"{base}{BY_HASH_DIR}/", "legend": legend,
    }
    return feed, index, {**header(site, schema, "legend.schema.json"), "legend": legend}


def envelope_problems(site: Site, schema: dict, methods_path: str, settings_path: str) -> list[Problem]:
    """Check feed.json and the index without their lists (each entry is checked with its app), and legend.json,
    against their schemas."""
    whole, _ = document_validators(schema)
    problems = set()
    for doc, name in zip(envelopes(site, schema), ("feed.schema.json", "index.schema.json", "legend.schema.json")):
        listed = {"apps": []} if name != "legend.schema.json" else {}
        for error in whole[name].iter_errors({**json.loads(dump_json(doc)), **listed}):
            where = list(error.absolute_path)
            problems.add(mismatch(methods_path if where[:1] == ["legend"] else settings_path, name, where, error.message))
    return sorted(problems)


def mismatch(src_path: str, name: str, where: list, message: str) -> Problem:
    """Report that a document about to be published breaks its schema: our bug, shown on the file it came from."""
    path = "$" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in where)
    return Problem(src_path, 1, 1, f"the feed would not match the published {name} at {path}: "
                                   f"{message}; this is a bug in policysite, please report it")


_validators: dict = {}


def document_validators(schema: dict, quick: bool = False) -> tuple[dict, dict]:
    """Return, for each published schema, a validator of the document with its list of apps left unchecked,
    and (item $ref, validator) for one entry of that list.

    quick validators are compiled first (worth it when thousands of documents are checked): they
    run the compiled check and only on a failure the full one, for its messages.
    """
    key = (cache_digest(json.dumps(schema, sort_keys=True).encode()), quick)
    if key not in _validators:
        make = make_fast_first if quick else make_validator
        whole, items = {}, {}
        for name, pointer in PUBLISHED_SCHEMAS.items():
            doc_schema = copy.deepcopy(schema if pointer is None else schema["$defs"][pointer])
            listed = doc_schema["properties"].get("apps", {}).pop("items", None)
            whole[name] = make({**doc_schema, "$defs": schema["$defs"]})
            if listed:
                items[name] = (listed["$ref"], make({"$defs": schema["$defs"], "$ref": listed["$ref"]}))
        _validators[key] = (whole, items)
    return _validators[key]


def publish_changes_schema(schema: dict, feed_schema: dict, base_url: str) -> dict[str, bytes]:
    """Publish the schema of changes.json beside the feed's schemas, at its own address and version."""
    doc = {**schema, "$id": f"{base_url}{SCHEMA_DIR}/changes.schema.json", "x-version": feed_version(feed_schema)}
    return {f"{SCHEMA_DIR}/changes.schema.json": dump_json(doc)}


def check_changes(outputs: dict[str, bytes], schema: dict, settings_path: str) -> list[Problem]:
    """Check changes.json against its schema (a JSON Feed 1.1 has no room for our version fields)."""
    errors = make_validator(schema).iter_errors(json.loads(outputs[CHANGES_PATH]))
    return sorted({Problem(settings_path, 1, 1, f"changes.json would not match changes.schema.json: {e.message}; "
                                                 "this is a bug in policysite, please report it") for e in errors})
