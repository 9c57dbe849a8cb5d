"""Names that cannot pass for others: in one file, no blank name and no word mixing scripts; across files, no app
name that looks like another's and no vendor written two ways."""

from __future__ import annotations

import unicodedata

from policysite.check.schema import Located
from policysite.problems import Problem, clip
from policysite.spoofing import fold, is_mixed_script, lookalike_keys, stray_character

# One-line fields that name something and so must not pass for another name; prose fields may mix scripts.
IDENTIFIER_FIELDS = ("name", "vendor", "subcategory", "license")


def check_identifiers(located: Located, src_path: str) -> list[Problem]:
    """Refuse names that could pass for others: blank ones, and words that mix scripts."""
    data = located.data if isinstance(located.data, dict) else {}
    problems = []
    for key in IDENTIFIER_FIELDS:
        value = data.get(key)
        if isinstance(value, str) and located.is_sound((key,)) and (what := identifier_problem(value)):
            problems.append(Problem(src_path, *located.pos((key,)), f"{key}: {what}"))
    return problems


def identifier_problem(value: str) -> str | None:
    """Say why text cannot name something (blank, or a word that mixes scripts), or return None."""
    if not value.strip():
        return "expected text, got only blank space"
    for word in value.split():
        if is_mixed_script(word):
            ch = stray_character(word)
            return (f"the word {clip(word)!r} mixes scripts ({ch!r} is U+{ord(ch):04X} "
                    f"{unicodedata.name(ch, 'unassigned')}); write each word in one script")
    return None


def compared_keys(name: str, vendor: str) -> tuple:
    """Return what the checks across files compare of an app's name and vendor; worked out with the app's own unit,
    so that an edit works out one app's again, not every app's."""
    return fold(name), lookalike_keys(name), lookalike_keys(vendor)


def check_names(apps: list[tuple[str, tuple]]) -> list[Problem]:
    """Refuse an app name that is another's once case and width are ignored, or that looks the same (UTS #39 skeletons).

    The plain ASCII name keeps its place and the other is reported; between two alike, the later file is.
    """
    problems, folded, looks = [], {}, {}
    for src_path, (name, pos, *_, (same, keys, _)) in sorted(apps, key=lambda app: (not app[1][0].isascii(), app[0])):
        if same in folded:
            problems.append(Problem(src_path, *pos, f"name: {name!r} is already the name of {folded[same]}"))
        elif (other := looks.get(("folded", keys[0])) or looks.get(("skeleton", keys[1]))) is not None:
            problems.append(Problem(src_path, *pos, f"name: {name!r} looks the same as {other[0]!r}, the name of {other[1]}; "
                                                    "choose a name that cannot be mistaken for it"))
        else:
            folded[same] = src_path
            looks.update({("folded", keys[0]): (name, src_path), ("skeleton", keys[1]): (name, src_path)})
    return problems


def check_vendors(apps: list[tuple[str, tuple]]) -> list[Problem]:
    """Refuse a vendor written differently (in case, spacing or look-alike letters) from the same vendor in another file.

    The spelling most files use is the right one; on a tie, plain ASCII, then single spaces, then the first in code
    point order.
    """
    places: dict[str, list[tuple[str, tuple]]] = {}
    looks: dict[str, tuple[str, str]] = {}
    for src_path, (*_, vendor, pos, (_, _, keys)) in sorted(apps, key=lambda app: app[0]):
        places.setdefault(vendor, []).append((src_path, pos))
        looks[vendor] = keys
    problems, groups = [], {}
    for vendor in sorted(places, key=lambda v: (-len(places[v]), not v.isascii(), v != " ".join(v.split()), v)):
        keys = looks[vendor]
        main = groups.get(("folded", keys[0])) or groups.get(("skeleton", keys[1]))
        if main is None:
            groups.update({("folded", keys[0]): vendor, ("skeleton", keys[1]): vendor})
            continue
        how = "differs only in case from" if vendor.casefold() == main.casefold() else "looks the same as"
        problems += [Problem(src_path, *pos, f"vendor: {vendor!r} {how} {main!r} in {places[main][0][0]}; write it the same way")
                     for src_path, pos in places[vendor]]
    return problems
