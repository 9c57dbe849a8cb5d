"""Render the JSON feed Webconfig reads: feed.json and one file per app. Pure functions of a Site."""

from __future__ import annotations

import datetime
import json

from .model import CONTACT_FIELDS, Announcement, App, HistoryEntry, Method, Policy, Site

FEED_VERSION = "1.0"
APP_JSON_DIR = "api/v1/apps"
CHANGES_PATH = "changes.json"
CHANGES_LIMIT = 100          # items in changes.json, newest first
JSON_FEED_VERSION = "https://jsonfeed.org/version/1.1"
# Characters escaped so a client can inline the JSON in a <script> element.
_SCRIPT_SAFE = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}


def dump_json(data) -> bytes:
    """Serialise deterministically: sorted keys, UTF-8, no NaN, safe to inline in <script>."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False)
    for raw, escaped in _SCRIPT_SAFE.items():
        text = text.replace(raw, escaped)
    return (text + "\n").encode("utf-8")


def legend_entry(method: Method) -> dict:
    """Describe one method of the legend for the feed."""
    return {
        "id": method.id, "bit": method.bit, "title": method.title, "short_title": method.short_title,
        "description": method.description, "colour": method.colour, "outline": method.outline, "marker": method.marker,
    }


def policy_entry(policy: Policy) -> dict:
    """Describe one method's availability for one app, leaving out empty fields."""
    fields = CONTACT_FIELDS if policy.available else ("reason", "alternative")
    entry = {"id": policy.method.id, "bit": policy.method.bit, "available": policy.available}
    entry.update({k: getattr(policy, k) for k in fields if getattr(policy, k) is not None})
    return entry


def app_entry(app: App, base_url: str) -> dict:
    """Describe one app for the feed index: what Webconfig needs to draw its policy."""
    return {
        "basename": app.basename, "name": app.name, "vendor": app.vendor,
        "category": app.category, "subcategory": app.subcategory,
        "url": base_url + app.url, "json_url": f"{base_url}{APP_JSON_DIR}/{app.basename}.json",
        "supported": app.supported, "reviewed": app.reviewed.isoformat(),
        "methods": [policy_entry(p) for p in app.policies],
    }


def app_detail(app: App, site: Site) -> dict:
    """Describe one app in full for its own JSON file, with the legend to draw it."""
    entry = app_entry(app, site.settings.base_url)
    entry.update({
        "summary": app.summary, "license": app.license,
        "links": {k: v for k, v in (("homepage", app.homepage), ("documentation", app.documentation)) if v},
        "factors": [{"id": r.factor.id, "title": r.factor.title, "level": r.level.id, "note": r.note} for r in app.ratings],
        "level2": {"covered": app.level2_covered, "articles": [site.settings.base_url + f"level2/{a}/" for a in app.level2_articles]},
        "announced": [announcement_entry(a) for a in app.announced],
        "history": [history_entry(h) for h in app.history],
    })
    return {"feed_version": FEED_VERSION, "legend": [legend_entry(m) for m in site.methods], "app": entry}


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


def render_changes(site: Site) -> dict:
    """Return changes.json: policy changes across all apps as a JSON Feed 1.1, newest first, bounded."""
    base = site.settings.base_url
    items = []
    for app in site.apps:
        for entry in app.history:
            url = f"{base}{app.url}#change-{entry.key}"
            more = f" (and {len(entry.changes) - 1} more)" if len(entry.changes) > 1 else ""
            items.append(((-entry.when.timestamp(), app.basename, entry.key), {
                "id": url, "url": url, "title": f"{app.name}: {entry.changes[0]}{more}",
                "content_text": "\n".join(entry.changes), "date_published": rfc3339(entry.when), "tags": [app.basename],
            }))
    return {
        "version": JSON_FEED_VERSION,
        "title": f"{site.settings.title}: policy changes",
        "home_page_url": base,
        "feed_url": base + CHANGES_PATH,
        "description": f"Changes to the support policies of ClearOS Marketplace apps, newest first. {site.settings.example_notice}",
        "language": "en",
        "items": [item for _, item in sorted(items, key=lambda i: i[0])[:CHANGES_LIMIT]],
    }


def render_feed(site: Site) -> dict[str, bytes]:
    """Render feed.json and api/v1/apps/<basename>.json for every app."""
    base = site.settings.base_url
    feed = {
        "feed_version": FEED_VERSION,
        "title": site.settings.title,
        "home_page_url": base,
        "notice": site.settings.example_notice,
        "legend": [legend_entry(m) for m in site.methods],
        "apps": [app_entry(a, base) for a in sorted(site.apps, key=lambda a: a.basename)],
    }
    out = {"feed.json": dump_json(feed), CHANGES_PATH: dump_json(render_changes(site))}
    for app in site.apps:
        out[f"{APP_JSON_DIR}/{app.basename}.json"] = dump_json(app_detail(app, site))
    return out
