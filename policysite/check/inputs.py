"""Check each input file on its own: the shared configuration files, the documents' front matter, an app file.

Each returns the file's located data only when it is sound, and adds what it found to the problems given.
"""

from __future__ import annotations

import datetime

from policysite.check import rules, unfinished
from policysite.check.articles import without_moved_keys
from policysite.check.schema import Located, check_against, validator_for
from policysite.check.translations import check_translations
from policysite.languages import DEFAULT
from policysite.problems import Problem, internal_problem
from policysite.sources.read import Sources, YamlFile


def check_yaml(file: YamlFile, schema: str, pointer: str, problems: list[Problem]) -> Located | None:
    """Validate one parsed file; return its located data only if it has no problems."""
    if file.node is None:
        return None
    try:
        located, found = check_against(file.node, file.src_path, validator_for(schema, pointer))
    except Exception as exc:  # noqa: BLE001 - one file's failure is that file's problem
        found = [internal_problem(file.src_path, exc)]
    problems.extend(found)
    return None if found else located


def check_app(file: YamlFile, today: datetime.date, legend: tuple = ()) -> tuple[Located, list[Problem]]:
    """Check one app file against the schema and the rules.

    legend: check.alternatives.legend_names of the legend, which the verdict also depends on.
    """
    located, found = check_against(file.node, file.src_path, validator_for("app.schema.json"), own=unfinished.is_placeholder_at)
    return located, found + rules.check_app_rules(located, file.src_path, today, legend)


def check_settings(sources: Sources, problems: list[Problem]) -> tuple[Located | None, Located | None, Located | None]:
    """Check the legend, the factors and the site settings; return each one's located data if sound.

    Each text of the legend, the factors or the levels that a language the site is published in (site.yaml's
    'languages', besides English) leaves out is a warning: the page shows the English.
    """
    methods = check_yaml(sources.methods, "config.schema.json", "methods", problems)
    factors = check_yaml(sources.factors, "config.schema.json", "factors", problems)
    settings = check_yaml(sources.settings, "config.schema.json", "site", problems)
    if settings:
        found = rules.check_languages(settings, sources.settings.src_path)
        problems += found
        settings = None if found else settings
    expected = tuple(code for code in site_languages(settings) if code != DEFAULT)
    if methods:
        problems += rules.check_methods(methods, sources.methods.src_path)
        problems += check_translations(methods, sources.methods.src_path, expected)
    if factors:
        problems += rules.check_factors(factors, sources.factors.src_path)
        problems += check_translations(factors, sources.factors.src_path, expected)
    return methods, factors, settings


def site_languages(settings: Located | None) -> tuple[str, ...]:
    """Return the languages the site is published in, the first at its root: site.yaml's 'languages', else English;
    none when the settings have mistakes (their own problems say so)."""
    if settings is None:
        return ()
    return tuple(settings.data.get("languages", [DEFAULT]))


def check_docs(sources: Sources, problems: list[Problem]) -> list[tuple[str, str, Located]]:
    """Check every document's front matter; return (src_path, doc_id, located) of the sound ones."""
    return [(d.src_path, d.doc_id, loc) for d in sources.docs
            if (loc := check_yaml(YamlFile(d.src_path, without_moved_keys(d, problems)), "config.schema.json", "doc", problems))]
