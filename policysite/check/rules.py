"""Rules the JSON Schema cannot say: per-app consistency, addresses, dates, legend sanity, cross-file checks."""

from __future__ import annotations

import datetime
from functools import lru_cache

from policysite import dates
from policysite.check import hours, zones
from policysite.check.addresses import email_problem, url_problem
from policysite.check.alternatives import check_alternatives
from policysite.check.articles import check_article_links
from policysite.check.names import check_identifiers, check_names, check_vendors, compared_keys
from policysite.check.schedule import REASON_FIELDS, change_date, merged, without_change
from policysite.check.schema import Located, describe, dotted, load_schema
from policysite.check.unfinished import check_placeholders
from policysite.languages import SUPPORTED, hint
from policysite.model import CONTACT_FIELDS, contrast_ratio
from policysite.problems import Problem

MIN_OUTLINE_CONTRAST = 3.0
LINK_FIELDS = ("homepage", "documentation")
ADDRESS_FIELDS = {"url": "url", "email": "email", "reply_email": "email"}   # contact field -> the kind of address it holds
PORTAL_NEEDED = "the portal page where a ticket is opened, the only way to open one"


@lru_cache(maxsize=None)
def portal_only_methods() -> frozenset[str]:
    """Return the methods whose schema takes 'reply_email' in place of 'email': their tickets open only on a portal."""
    schema = load_schema("app.schema.json")
    found = set()
    for method_id, method in schema["properties"]["support"]["properties"].items():
        ref = method.get("$ref", "")
        fields = schema["$defs"].get(ref.removeprefix("#/$defs/"), {}).get("properties", {}) if ref.startswith("#/$defs/") else {}
        if "reply_email" in fields and "email" not in fields:
            found.add(method_id)
    return frozenset(found)


def check_app_rules(located: Located, src_path: str, today: datetime.date | None = None, legend: tuple = ()) -> list[Problem]:
    """Check one app beyond its schema: methods, alternatives, scheduled changes, addresses, review date, placeholders.

    legend: alternatives.legend_names of the legend, which alternatives are checked against (none without it).
    """
    today = today or dates.today()
    data = located.data if isinstance(located.data, dict) else {}
    problems = check_placeholders(located, src_path)   # first: it marks them, so no other rule judges one
    problems += _check_methods_of(located, src_path, today)
    problems += check_alternatives(located, src_path, today, legend)
    problems += _check_addresses(located, src_path)
    problems += _check_timezones(located, src_path)
    problems += _check_hours_text(located, src_path)
    problems += check_identifiers(located, src_path)
    if isinstance(data.get("reviewed"), str) and located.is_sound(("reviewed",)):
        problems += _check_reviewed(located, src_path, today)
    return problems


def _check_methods_of(located: Located, src_path: str, today: datetime.date) -> list[Problem]:
    """Check what each method may carry, given whether it is available, and its scheduled change."""
    problems = []
    support = located.data.get("support") if isinstance(located.data, dict) else None
    for method_id, entry in (support or {}).items() if isinstance(support, dict) else ():
        path = ("support", method_id)
        if not isinstance(entry, dict) or not isinstance(entry.get("available"), bool) or not located.is_sound(path):
            continue
        where = f"support.{method_id}"
        if isinstance(entry.get("change"), dict):
            problems.extend(_check_change(located, src_path, path, entry, today))
        if entry["available"]:
            for key in ("reason", "alternative"):
                if key in entry:
                    problems.append(_at(located, src_path, path + (key,), f"{where}.{key}: only an unavailable method has a {key}; remove it or set available: false"))
            if method_id in portal_only_methods() and "url" not in entry:
                problems.append(_at(located, src_path, path, f"{where}: an available method needs 'url', {PORTAL_NEEDED}"))
        else:
            for key in CONTACT_FIELDS:
                if key in entry:
                    problems.append(_at(located, src_path, path + (key,), f"{where}.{key}: contact details belong to available methods; remove it or set available: true"))
            if "reason" not in entry:
                problems.append(_at(located, src_path, path, f"{where}: an unavailable method needs a 'reason' saying why"))
        problems.extend(_check_hours(located, src_path, path, entry))
    return problems


def _check_change(located: Located, src_path: str, path: tuple, entry: dict, today: datetime.date) -> list[Problem]:
    """Check a scheduled change: it must change something and leave a method that is valid."""
    change, cpath = entry["change"], path + ("change",)
    where, day = ".".join(cpath), change_date(entry["change"])
    if day is None:
        return []  # the schema has already reported the date
    after = merged(entry)
    if after == without_change(entry):
        return [_at(located, src_path, cpath, f"{where}: changes nothing; say what becomes different from {day}, such as available: false and a reason")]
    problems = []
    if after.get("available"):
        problems += [_at(located, src_path, cpath + (k,), f"{where}.{k}: the method is available from {day}, so it has no {k}; remove it or set available: false")
                     for k in REASON_FIELDS if k in change]
    else:
        problems += [_at(located, src_path, cpath + (k,), f"{where}.{k}: contact details belong to available methods; remove it or set available: true")
                     for k in CONTACT_FIELDS if k in change]
        if "reason" not in after:
            problems.append(_at(located, src_path, cpath, f"{where}: the method is not available from {day}, so the change needs a 'reason' saying why"))
    if after.get("available") and path[-1] in portal_only_methods() and "url" not in after:
        problems.append(_at(located, src_path, cpath, f"{where}: the method is available from {day}, so it needs 'url', {PORTAL_NEEDED}; add 'url' to the change"))
    # A timezone kept from before beside hours around the clock is harmless: a change cannot remove a field.
    missing = "timezone" if hours.needs_timezone(after.get("hours")) and "timezone" not in after else \
        "hours" if "timezone" in after and "hours" not in after else None
    if after.get("available") and missing:
        problems.append(_at(located, src_path, cpath, f"{where}: from {day} the method would have {'hours' if missing == 'timezone' else 'a timezone'} without '{missing}'; add '{missing}' to the change"))
    if day <= today and not problems:
        problems.append(_at(located, src_path, cpath, f"{where}: took effect on {day}; write its fields into the method and remove 'change'", "warning"))
    return problems


def _address_paths(data: dict):
    """Yield (path, kind) for every web address and email address an app file gives."""
    links = data.get("links")
    for key in LINK_FIELDS:
        if isinstance(links, dict) and isinstance(links.get(key), str):
            yield ("links", key), "url"
    support = data.get("support")
    for method_id, entry in (support.items() if isinstance(support, dict) else ()):
        for base, fields in ((("support", method_id), entry), (("support", method_id, "change"), entry.get("change") if isinstance(entry, dict) else None)):
            for key, kind in ADDRESS_FIELDS.items():
                if isinstance(fields, dict) and isinstance(fields.get(key), str):
                    yield base + (key,), kind


def _check_addresses(located: Located, src_path: str) -> list[Problem]:
    """Check web and email addresses beyond their pattern: real host names, no hidden user names."""
    problems = []
    for path, kind in _address_paths(located.data if isinstance(located.data, dict) else {}):
        if not located.is_sound(path):
            continue
        value = located.data
        for part in path:
            value = value[part]
        detail = url_problem(value) if kind == "url" else email_problem(value)
        if detail:
            expected = "an http:// or https:// address" if kind == "url" else "an email address such as 'support@example.com'"
            problems.append(Problem(src_path, *located.pos(path), f"{dotted(path)}: expected {expected}, got {describe(value)} ({detail})"))
    return problems


def _check_reviewed(located: Located, src_path: str, today: datetime.date) -> list[Problem]:
    """Refuse a review date in the future; warn when a review is more than a year old."""
    try:
        reviewed = datetime.date.fromisoformat(located.data["reviewed"])
    except ValueError:
        return []   # not a date: the schema says so
    line, col = located.pos(("reviewed",))
    if reviewed > today:
        return [Problem(src_path, line, col, f"reviewed: {reviewed} is in the future (today is {today}); use the date the policy was last confirmed")]
    if dates.is_stale(reviewed, today):
        return [Problem(src_path, line, col, f"reviewed: last reviewed on {reviewed}, more than {dates.REVIEW_MONTHS} months ago; "
                        "confirm the policy and update the date", "warning")]
    return []


def _check_hours(located: Located, src_path: str, path: tuple, entry: dict) -> list[Problem]:
    """Require a timezone with hours that need one, and hours with a timezone; none with hours around the clock."""
    where = ".".join(path)
    if hours.needs_timezone(entry.get("hours")) and "timezone" not in entry:
        return [_at(located, src_path, path + ("hours",), f"{where}.hours: add a 'timezone' saying which time zone these hours are in")]
    if "timezone" in entry and "hours" not in entry:
        return [_at(located, src_path, path + ("timezone",), f"{where}.timezone: a time zone needs 'hours' to go with it")]
    if "timezone" in entry and hours.is_around_the_clock(entry.get("hours")):
        return [_at(located, src_path, path + ("timezone",), f"{where}.timezone: hours '{hours.AROUND_THE_CLOCK}' are the "
                    "same in every time zone; remove 'timezone'")]
    return []


def _method_paths(located: Located, key: str):
    """Yield (path, value) for a field of every method and of every method's scheduled change, where it is text."""
    support = located.data.get("support") if isinstance(located.data, dict) else None
    for method_id, entry in (support.items() if isinstance(support, dict) else ()):
        change = entry.get("change") if isinstance(entry, dict) else None
        for path, fields in ((("support", method_id, key), entry), (("support", method_id, "change", key), change)):
            if isinstance(fields, dict) and isinstance(fields.get(key), str) and located.is_sound(path):
                yield path, fields[key]


def _check_timezones(located: Located, src_path: str) -> list[Problem]:
    """Require every time zone, in a method or in its change, to be a canonical Area/Location name (zones.py)."""
    return [Problem(src_path, *located.pos(path), message) for path, name in _method_paths(located, "timezone")
            if (message := zones.zone_message(".".join(path), name))]   # at the value, as the schema's pattern reports


def _check_hours_text(located: Located, src_path: str) -> list[Problem]:
    """Refuse hours that match the format but cannot be meant: one day written as a run, a range of no time."""
    problems = []
    for path, text in _method_paths(located, "hours"):
        try:
            hours.read_hours(text)
        except ValueError as exc:
            problems.append(Problem(src_path, *located.pos(path), f"{'.'.join(path)}: {exc}"))
    return problems


def _at(located: Located, src_path: str, path: tuple, message: str, severity: str = "error") -> Problem:
    """Make a Problem located at the key (or else the value) at path."""
    return Problem(src_path, *_where(located, path), message, severity)


def _where(located: Located, path: tuple) -> tuple[int, int]:
    """Return the line and column of the key at path, or else of the value."""
    return located.key_pos.get(path) or located.pos(path)


def check_methods(located: Located, src_path: str) -> list[Problem]:
    """Check the legend: legacy bits in order, unique ids, visible outlines, ids the app schema knows."""
    problems = []
    methods = located.data["methods"]
    for i, method in enumerate(methods):
        path = ("methods", i)
        if method["bit"] != 1 << i:
            problems.append(_at(located, src_path, path + ("bit",), f"methods[{i}].bit: expected {1 << i} (legend order sets the legacy bit), got {method['bit']}"))
        ratio = contrast_ratio(method["outline"], "#ffffff")
        if ratio < MIN_OUTLINE_CONTRAST:
            problems.append(_at(located, src_path, path + ("outline",), f"methods[{i}].outline: contrast against white is {ratio:.2f}:1; expected at least {MIN_OUTLINE_CONTRAST}:1"))
    ids = [m["id"] for m in methods]
    schema_ids = list(load_schema("app.schema.json")["properties"]["support"]["properties"])
    problems += _same_ids(located, src_path, "methods", ids, schema_ids, "schema/app.schema.json support")
    return problems


def check_factors(located: Located, src_path: str) -> list[Problem]:
    """Check that factor and level ids match what the app schema accepts."""
    props = load_schema("app.schema.json")
    factor_ids = list(props["properties"]["factors"]["properties"])
    level_ids = props["$defs"]["factor"]["properties"]["level"]["enum"]
    data = located.data
    return (_same_ids(located, src_path, "factors", [f["id"] for f in data["factors"]], factor_ids, "schema/app.schema.json factors")
            + _same_ids(located, src_path, "levels", [lv["id"] for lv in data["levels"]], level_ids, "schema/app.schema.json factor levels"))


def _same_ids(located: Located, src_path: str, key: str, ids: list, expected: list, where: str) -> list[Problem]:
    """Report ids that differ from the list the schema declares, in order."""
    if ids == expected:
        return []
    line, col = located.pos((key,))
    return [Problem(src_path, line, col, f"{key}: ids {ids} must match {where}: {expected}")]


def check_cross(apps: list[tuple[str, Located]], docs: list[tuple[str, str, Located]]) -> list[Problem]:
    """Check across files: unique app names, and links from apps to articles that resolve."""
    return check_cross_facts([(src_path, cross_facts(located)) for src_path, located in apps], docs)


def cross_facts(located: Located) -> tuple:
    """Return what the checks across files need of one sound app file, as plain data: its name, articles and vendor,
    each with where it is written, and the keys its name and vendor are compared by."""
    data = located.data
    articles = data["level2"].get("articles") or ()
    return (data["name"], _where(located, ("name",)),
            tuple((article, _where(located, ("level2", "articles", i))) for i, article in enumerate(articles)),
            data["vendor"], _where(located, ("vendor",)), compared_keys(data["name"], data["vendor"]))


def check_cross_facts(apps: list[tuple[str, tuple]], docs: list[tuple[str, str, Located]]) -> list[Problem]:
    """Check across files from each app's cross_facts: names and vendors that cannot be mistaken, article links that resolve."""
    return check_names(apps) + check_vendors(apps) + check_article_links(apps, [doc_id for _, doc_id, _ in docs])


def check_languages(located: Located, src_path: str) -> list[Problem]:
    """Check the settings' languages: codes of languages.SUPPORTED, each once, at least one (the schema asks for a
    list of strings)."""
    codes = located.data.get("languages")
    if codes is None:
        return []
    if not codes:
        return [_at(located, src_path, ("languages",), "languages: expected at least one language, such as [en]")]
    problems, seen = [], set()
    for i, code in enumerate(codes):
        if code not in SUPPORTED:
            problems.append(_at(located, src_path, ("languages", i),
                                f"languages[{i}]: unknown language {describe(code)}{hint(code, SUPPORTED)}"))
        elif code in seen:
            problems.append(_at(located, src_path, ("languages", i), f"languages[{i}]: '{code}' is listed twice"))
        seen.add(code)
    return problems
