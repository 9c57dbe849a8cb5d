"""Translation catalogs -> the gettext and ngettext a language's templates call.

A catalog comes from the checkout, so it is read as hostile text (sources/read.py read_catalogs) and parsed with
Babel from that text; a compiled .mo is never loaded. Each translation is held to its msgid before any page uses it:

- it uses exactly the msgid's placeholders, each written %(name)s (no width, precision or other conversion, which
  could make a huge value or fail while rendering), and %% for a percent sign;
- it carries exactly the msgid's tags, and no other '<', '>', '&' or '"': the i18n extension's newstyle gettext marks
  a translation safe under autoescape, so markup of the translator's own would reach the page unescaped.

Which plural form a number takes comes from CLDR (Babel's Locale.plural_form), never from the catalog's
Plural-Forms header, which is code-like text the checkout controls.
"""

from __future__ import annotations

import io
import re

from babel.core import Locale
from babel.messages.pofile import PoFileError, read_po

from policysite.problems import Problem

PLACEHOLDER = re.compile(r"%(?:\((?P<name>[^)]*)\))?(?P<spec>[^a-zA-Z%]*)(?P<kind>[a-zA-Z%]?)")
CLDR_ORDER = ("zero", "one", "two", "few", "many", "other")
BRACED = re.compile(r"\{\w+\}")
TAG = re.compile(r"<[^<>]*>")
ENTITY = re.compile(r"&(?:[a-zA-Z]+|#[0-9]+|#x[0-9a-fA-F]+);")
GUARDED = '<>&"'        # characters a translation may hold outside its tags only where its msgid does


class Catalog:
    """One language's checked translations: msgid -> text, and (singular, plural) -> forms."""

    def __init__(self, lang: str, singular: dict, plural: dict):
        self.lang, self.singular, self.plural = lang, singular, plural
        self.rule = Locale.parse(lang).plural_form
        self.categories = plural_categories(lang)

    def gettext(self, message: str) -> str:
        """Return the translation of message, or message itself where the catalog has none."""
        return self.singular.get(message) or message

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        """Return the form of (singular, plural) for n: the one of n's CLDR category (see plural_categories)."""
        forms = self.plural.get((singular, plural))
        if not forms:
            return singular if n == 1 else plural
        return forms[self.categories.index(self.rule(n))]


def plural_categories(lang: str) -> list[str]:
    """Return the language's CLDR plural categories in CLDR's order, one per msgstr[i] of a plural message: the order
    and number of forms Babel writes into a catalog it makes (pybabel init and update)."""
    tags = Locale.parse(lang).plural_form.tags | {"other"}
    return [tag for tag in CLDR_ORDER if tag in tags]


def english() -> Catalog:
    """Return the catalog of the default language: no translations, every message as the templates write it."""
    return Catalog("en", {}, {})


def parse_catalog(lang: str, src_path: str, text: str, problems: list[Problem]) -> Catalog | None:
    """Parse and check one .po text; add a located problem for each fault and return None if there is any."""
    found: list[Problem] = []
    try:
        catalog = read_po(io.StringIO(text), locale=lang, abort_invalid=True)
    except (PoFileError, ValueError) as exc:
        problems.append(Problem(src_path, syntax_line(exc), 1, f"not a gettext catalog Babel can read: {str(exc)[:120]}"))
        return None
    forms = len(plural_categories(lang))
    singular, plural = {}, {}
    for message in catalog:
        if not message.id:
            continue   # the header
        line = message.lineno or 1
        if message.fuzzy:
            found.append(Problem(src_path, line, 1, "fuzzy translation; check it and remove the fuzzy flag"))
            continue
        if message.pluralizable:
            strings = list(message.string) if isinstance(message.string, (list, tuple)) else [message.string]
            if any(strings) and len(strings) != forms:
                found.append(Problem(src_path, line, 1, f"expected {forms} plural forms for '{lang}', got {len(strings)}"))
                continue
            ids = message.id
            for form in filter(None, strings):
                found += translation_problems(src_path, line, ids, form, plural_form=True)
            if all(strings):
                plural[tuple(ids)] = tuple(strings)
        elif message.string:
            found += translation_problems(src_path, line, (message.id,), message.string)
            singular[message.id] = message.string
    problems.extend(found)
    return None if found else Catalog(lang, singular, plural)


def syntax_line(exc: Exception) -> int:
    """Return the line a syntax error is on: Babel's message counts lines from 0 ('... on 3'); 1 if it names none."""
    match = re.search(r"\bon (\d+)", str(exc))
    return int(match.group(1)) + 1 if match else 1


def translation_problems(src_path: str, line: int, ids: tuple, text: str, plural_form: bool = False) -> list[Problem]:
    """Return what is wrong with one translation of the message ids (msgid, and msgid_plural if any)."""
    problems = []
    names, bad = placeholders(text)
    wanted = [placeholders(i)[0] for i in ids]
    every, common = set().union(*wanted), set.intersection(*wanted)
    if bad:
        problems.append(f"placeholder {bad!r}: write placeholders as %(name)s, with no width, precision or other conversion")
    elif (not plural_form and names != every) or (plural_form and not common <= names <= every):
        problems.append(f"uses placeholders {sorted(names)}; the message has {sorted(every)}")
    if sorted(BRACED.findall(text)) != sorted(BRACED.findall(ids[-1])):   # what assets/catalogue.js fills in
        problems.append(f"uses {{}} fields {sorted(set(BRACED.findall(text)))}; the message has {sorted(set(BRACED.findall(ids[-1])))}")
    tags = sorted(TAG.findall(text))
    if tags != sorted(TAG.findall(ids[0])):
        problems.append("markup differs from the message's: a translation carries exactly the message's tags")
    else:
        rest, source = TAG.sub("", text), TAG.sub("", " ".join(ids))
        for char in GUARDED:
            if char in rest and char not in source:
                problems.append(f"{char!r} outside the message's tags: it would reach the page as markup; the message has none")
        if "&" in source and any(not ENTITY.match(rest, i) for i, c in enumerate(rest) if c == "&"):
            problems.append("'&' that does not start an entity")
    return [Problem(src_path, line, 1, message) for message in problems]


def placeholders(text: str) -> tuple[set[str], str | None]:
    """Return the names of the %(name)s placeholders in text, and the first placeholder of any other form (or None)."""
    names, bad = set(), None
    for match in PLACEHOLDER.finditer(text):
        if match.group(0) == "%%":
            continue
        if match.group("name") and not match.group("spec") and match.group("kind") == "s":
            names.add(match.group("name"))
        elif bad is None:
            bad = match.group(0)
    return names, bad

