"""Warn of missing translations: a language the site is published in that has no value for a text field of the
legend (content/methods.yaml) or of the factors and levels (content/factors.yaml).

The schema (schema/config.schema.json) already refuses what is wrong in a translation: an unknown language, an
unknown field, a wrong type, an empty value, English given again. What is left out is no mistake: the site shows
the English value there, and says so as a warning at the English field, which --strict turns into an error.
"""

from __future__ import annotations

from policysite import languages
from policysite.check.schema import Located
from policysite.problems import Problem

# The text fields each kind of entry may translate, by the list that holds the entries, and what a message calls one.
TEXT_FIELDS = {
    "methods": ("method", ("title", "short_title", "description")),
    "factors": ("factor", ("title", "description")),
    "levels": ("level", ("title",)),
}


def check_translations(located: Located, src_path: str, expected: tuple[str, ...]) -> list[Problem]:
    """Return a warning for each text field of each entry in located (methods.yaml or factors.yaml) that has no
    value in one of the expected languages, at the English field it falls back to."""
    problems = []
    for section, (noun, fields) in TEXT_FIELDS.items():
        for i, entry in enumerate(located.data.get(section) or ()):
            problems += missing_in_entry(located, src_path, (section, i), noun, entry, fields, expected)
    return problems


def missing_in_entry(located: Located, src_path: str, path: tuple, noun: str, entry: dict, fields: tuple[str, ...],
                     expected: tuple[str, ...]) -> list[Problem]:
    """Return a warning for each field of one entry that one of the expected languages leaves out."""
    translations = entry.get("translations") or {}
    problems = []
    for lang in expected:
        given = translations.get(lang) or {}
        for field in fields:
            if field not in given:
                line, col = located.key_pos[path + (field,)]
                message = f"{noun} '{entry['id']}' has no {languages.NAMES[lang]} ({lang}) {field}; English is shown"
                problems.append(Problem(src_path, line, col, message, severity="warning"))
    return problems
