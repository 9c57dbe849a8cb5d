"""Check each input file on its own: the shared configuration files, the documents' front matter, an app file.

Each returns the file's located data only when it is sound, and adds what it found to the problems given.
"""

from __future__ import annotations

import datetime

from policysite.check import rules, unfinished
from policysite.check.articles import without_moved_keys
from policysite.check.schema import Located, check_against, validator_for
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
    """Check the legend, the factors and the site settings; return each one's located data if sound."""
    methods = check_yaml(sources.methods, "config.schema.json", "methods", problems)
    factors = check_yaml(sources.factors, "config.schema.json", "factors", problems)
    settings = check_yaml(sources.settings, "config.schema.json", "site", problems)
    if methods:
        problems += rules.check_methods(methods, sources.methods.src_path)
    if factors:
        problems += rules.check_factors(factors, sources.factors.src_path)
    if settings:
        found = rules.check_languages(settings, sources.settings.src_path)
        problems += found
        settings = None if found else settings
    return methods, factors, settings


def check_docs(sources: Sources, problems: list[Problem]) -> list[tuple[str, str, Located]]:
    """Check every document's front matter; return (src_path, doc_id, located) of the sound ones."""
    return [(d.src_path, d.doc_id, loc) for d in sources.docs
            if (loc := check_yaml(YamlFile(d.src_path, without_moved_keys(d, problems)), "config.schema.json", "doc", problems))]
