"""Rules the JSON Schema cannot say: per-app consistency, legend sanity, and cross-file checks."""

from __future__ import annotations

import unicodedata
import zoneinfo
from functools import lru_cache

from .check import Located, load_schema
from .model import CONTACT_FIELDS, contrast_ratio
from .problems import Problem, did_you_mean

MIN_OUTLINE_CONTRAST = 3.0


@lru_cache(maxsize=None)
def known_timezones() -> frozenset[str]:
    """Return the IANA time zone names this machine knows."""
    return frozenset(zoneinfo.available_timezones())


def check_app_rules(located: Located, src_path: str) -> list[Problem]:
    """Check what an app's methods may carry, given whether they are available."""
    problems = []
    support = located.data.get("support") if isinstance(located.data, dict) else None
    for method_id, entry in (support or {}).items() if isinstance(support, dict) else ():
        if not isinstance(entry, dict) or not isinstance(entry.get("available"), bool):
            continue
        path = ("support", method_id)
        where = f"support.{method_id}"
        if entry["available"]:
            for key in ("reason", "alternative"):
                if key in entry:
                    problems.append(_at(located, src_path, path + (key,), f"{where}.{key}: only an unavailable method has a {key}; remove it or set available: false"))
        else:
            for key in CONTACT_FIELDS:
                if key in entry:
                    problems.append(_at(located, src_path, path + (key,), f"{where}.{key}: contact details belong to available methods; remove it or set available: true"))
            if "reason" not in entry:
                problems.append(_at(located, src_path, path, f"{where}: an unavailable method needs a 'reason' saying why"))
        problems.extend(_check_hours(located, src_path, path, entry))
    return problems


def _check_hours(located: Located, src_path: str, path: tuple, entry: dict) -> list[Problem]:
    """Require hours and timezone together, and a time zone that exists."""
    where = ".".join(path)
    tz = entry.get("timezone")
    if "hours" in entry and "timezone" not in entry:
        return [_at(located, src_path, path + ("hours",), f"{where}.hours: add a 'timezone' saying which time zone these hours are in")]
    if "timezone" in entry and "hours" not in entry:
        return [_at(located, src_path, path + ("timezone",), f"{where}.timezone: a time zone needs 'hours' to go with it")]
    if isinstance(tz, str) and tz not in known_timezones():
        return [_at(located, src_path, path + ("timezone",), f"{where}.timezone: expected an IANA time zone such as 'Europe/London', got {tz!r}{did_you_mean(tz, known_timezones())}")]
    return []


def _at(located: Located, src_path: str, path: tuple, message: str) -> Problem:
    """Make a Problem located at the key (or else the value) at path."""
    line, col = located.key_pos.get(path) or located.pos(path)
    return Problem(src_path, line, col, message)


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
    """Check across files: unique app names, and links between apps and articles that resolve."""
    problems = []
    seen: dict[str, str] = {}
    for src_path, located in apps:
        name = located.data["name"]
        folded = " ".join(unicodedata.normalize("NFKC", name).casefold().split())  # fullwidth 'Ｗｅｂ' is 'Web'
        if folded in seen:
            problems.append(_at(located, src_path, ("name",), f"name: {name!r} is already the name of {seen[folded]}"))
        else:
            seen[folded] = src_path
    article_ids = {doc_id.split("/", 1)[1] for _, doc_id, _ in docs if doc_id.startswith("level2/")}
    for src_path, located in apps:
        for i, article in enumerate(located.data["level2"].get("articles") or ()):
            if article not in article_ids:
                problems.append(_at(located, src_path, ("level2", "articles", i), f"level2.articles[{i}]: no Level II article '{article}'{did_you_mean(article, article_ids)}"))
    basenames = {src_path.rsplit("/", 1)[1].removesuffix(".yaml") for src_path, _ in apps}
    for src_path, _, located in docs:
        for i, basename in enumerate(located.data.get("apps") or ()):
            if basename not in basenames:
                problems.append(_at(located, src_path, ("apps", i), f"apps[{i}]: no app '{basename}'{did_you_mean(basename, basenames)}"))
    return problems
