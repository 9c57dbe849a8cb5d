"""Time zone names: which are canonical Area/Location names, and what to say about one that is not.

Everything comes from the `tzdata` package (the IANA database as Python ships it), never from the
machine's /usr/share/zoneinfo, so two machines with the same installed code judge and convert alike:
- canonical names are those zone.tab and zone1970.tab list, the tz project's own lists of
  Area/Location names for people to choose from (Europe/Amsterdam is there although the database
  now links it to Europe/Brussels; US/Eastern and Asia/Calcutta are not);
- aliases are the Link lines of tzdata.zi, which name the zone each old name stands for;
- abbreviations are every one a zone's FORMAT column spells (EST, EDT, CET, CEST, BST, IST, ...).
"""

from __future__ import annotations

import re
import zoneinfo
from functools import lru_cache
from importlib import resources

from policysite.problems import clip, did_you_mean

EXAMPLE = "Europe/London"
# The shape app.schema.json gives 'timezone', for editors: the tz project's areas (a test holds them to the data).
AREAS = ("Africa", "America", "Antarctica", "Arctic", "Asia", "Atlantic", "Australia", "Europe", "Indian", "Pacific")
AREA_PATTERN = "^(" + "|".join(AREAS) + ")/[A-Za-z0-9_+-]+(/[A-Za-z0-9_+-]+)?$"
PLACE = "write the Area/Location of the place whose clock the hours follow"
ETC_GMT_RE = re.compile(r"^Etc/GMT([+-])([0-9]{1,2})\Z")
OFFSET_RE = re.compile(r"^(UTC|GMT)?\s*[+\-\u2212][0-9]{1,2}(:?[0-9]{2})?\Z", re.IGNORECASE)
POSIX_RE = re.compile(r"^([A-Z]{3,5})[0-9]{1,2}([A-Z]{3,5})\Z")   # EST5EDT: what TZ held before Area/Location names
UNIVERSAL = {"Etc/UTC", "Etc/GMT"}   # link targets that are no place's clock


def _data_file(name: str) -> str:
    """Return one text file of the tzdata package's zoneinfo folder."""
    return resources.files("tzdata.zoneinfo").joinpath(name).read_text(encoding="utf-8")


@lru_cache(maxsize=None)
def canonical_zones() -> frozenset[str]:
    """Return the Area/Location names zone.tab and zone1970.tab list."""
    names = set()
    for table in ("zone.tab", "zone1970.tab"):
        for line in _data_file(table).splitlines():
            if line and not line.startswith("#"):
                names.add(line.split("\t")[2])
    return frozenset(names)


@lru_cache(maxsize=None)
def _compiled() -> tuple[dict[str, str], frozenset[str]]:
    """Return the links of tzdata.zi (alias -> target) and every abbreviation its zones spell."""
    links, letters, formats = {}, {}, []
    for line in _data_file("tzdata.zi").splitlines():
        fields = line.split()
        if not fields or fields[0].startswith("#"):
            continue
        if fields[0] == "L":
            links[fields[2]] = fields[1]
        elif fields[0] == "R":
            letters.setdefault(fields[1], set()).add("" if fields[9] == "-" else fields[9])
        elif fields[0] == "Z":
            formats.append((fields[3], fields[4]))
        elif len(fields) >= 3:   # a continuation line of the zone above: STDOFF RULES FORMAT [UNTIL]
            formats.append((fields[1], fields[2]))
    abbreviations = set()
    for rules, form in formats:
        for half in form.split("/"):
            for letter in letters.get(rules, {""}) if "%s" in half else {""}:
                abbreviations.add(half.replace("%s", letter))
    return links, frozenset(a for a in abbreviations if a.isalpha())


@lru_cache(maxsize=None)
def _folded() -> dict[str, str]:
    """Return the canonical names by their case-folded form."""
    return {name.casefold(): name for name in canonical_zones()}


def link_target(name: str) -> str | None:
    """Return the zone an alias stands for, following links, or None for a name that is not an alias."""
    links, seen = _compiled()[0], set()
    while name in links and name not in seen:
        seen.add(name)
        name = links[name]
    return name if seen else None


@lru_cache(maxsize=None)
def zone(name: str) -> zoneinfo.ZoneInfo:
    """Return the tzdata package's zone of that canonical name (not the machine's copy)."""
    with resources.files("tzdata.zoneinfo").joinpath(name).open("rb") as data:
        return zoneinfo.ZoneInfo.from_file(data, key=name)


def zone_hint(name: str) -> str | None:
    """Return what to add to 'got <name>' for a name that is not canonical, or None if it is."""
    if name in canonical_zones():
        return None
    target = link_target(name)
    if target in UNIVERSAL or name in UNIVERSAL or name.upper() in ("UTC", "GMT", "Z"):
        return f", which is no place's clock; {PLACE}, or leave out 'timezone' if the hours are 'Every day, around the clock'"
    if m := ETC_GMT_RE.match(name):
        sign = "-" if m.group(1) == "+" else "+"
        return (f", which means UTC{sign}{int(m.group(2)):02d}:00 (the sign of Etc/GMT names is inverted) and never "
                f"follows daylight saving; {PLACE}")
    if OFFSET_RE.match(name):
        return f", a fixed offset, which never follows daylight saving; {PLACE}"
    if name.isalpha() and name.upper() in _compiled()[1]:
        return f", an abbreviation, which names an offset but not when daylight saving applies; {PLACE}"
    if POSIX_RE.match(name) and set(POSIX_RE.match(name).group(1, 2)) <= _compiled()[1]:
        return f", a POSIX rule, not a place; {PLACE}"
    if target in canonical_zones():
        return f", an old alias; did you mean '{target}'?"
    if name.casefold() in _folded():
        return f"; did you mean '{_folded()[name.casefold()]}'?"
    return did_you_mean(name, canonical_zones())


def zone_message(where: str, name: str) -> str | None:
    """Return the whole message for a time zone name that is not canonical, or None if it is."""
    hint = zone_hint(name)
    if hint is None:
        return None
    return f"{where}: expected an Area/Location time zone such as '{EXAMPLE}', got {clip(name)!r}{hint}"
