"""Text that can pass for other text: invisible code points, words mixing scripts, look-alike names, stacked marks.

The rules follow UTS #39, Unicode Security Mechanisms. A character's scripts come from the regex
module, which carries the Unicode Character Database (Script_Extensions) and follows each Unicode
release; look-alikes come from Unicode's confusables.txt, kept compact in confusables.txt beside this
module (scripts/confusables.py writes it). Only the standard library is loaded until a word that is not
ASCII needs its scripts.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from pathlib import Path

# Default_Ignorable_Code_Point, from DerivedCoreProperties-17.0.0.txt (Unicode 17.0): code points a renderer
# draws as nothing. tests/test_spoofing.py holds this table equal to the regex module's copy of the property.
DEFAULT_IGNORABLE = (
    (0x00AD, 0x00AD), (0x034F, 0x034F), (0x061C, 0x061C), (0x115F, 0x1160), (0x17B4, 0x17B5), (0x180B, 0x180F),
    (0x200B, 0x200F), (0x202A, 0x202E), (0x2060, 0x206F), (0x3164, 0x3164), (0xFE00, 0xFE0F), (0xFEFF, 0xFEFF),
    (0xFFA0, 0xFFA0), (0xFFF0, 0xFFF8), (0x1BCA0, 0x1BCA3), (0x1D173, 0x1D17A), (0xE0000, 0xE0FFF),
)
# Not default-ignorable, yet blank in the fonts people read with: BRAILLE PATTERN BLANK, KHITAN SMALL SCRIPT
# FILLER and MUSICAL SYMBOL NULL NOTEHEAD.
BLANK = (0x2800, 0x16FE4, 0x1D159)
INVISIBLE = re.compile("[" + "".join(f"\\U{lo:08x}-\\U{hi:08x}" for lo, hi in DEFAULT_IGNORABLE)
                       + "".join(f"\\U{c:08x}" for c in BLANK) + "]")
_IGNORABLE = re.compile("[" + "".join(f"\\U{lo:08x}-\\U{hi:08x}" for lo, hi in DEFAULT_IGNORABLE) + "]")
MAX_MARKS = 3   # combining marks on one character; Vietnamese needs two, more smear over the lines around
_MARK_RUN = re.compile(rf"[^\x00-\x7f]{{{MAX_MARKS + 1},}}")   # marks are never ASCII: only such runs can hold too many
# Every script of Unicode 18.0 by its ISO 15924 code: those of PropertyValueAliases-17.0.0.txt, and Jurc, Pcun and Seal.
# tests/test_spoofing.py checks that the regex module puts no character in a script left out here.
SCRIPTS = """Adlm Aghb Ahom Arab Armi Armn Avst Bali Bamu Bass Batk Beng Berf Bhks Bopo Brah Brai Bugi Buhd Cakm Cans
    Cari Cham Cher Chrs Copt Cpmn Cprt Cyrl Deva Diak Dogr Dsrt Dupl Egyp Elba Elym Ethi Gara Geor Glag Gong Gonm Goth
    Gran Grek Gujr Gukh Guru Hang Hani Hano Hatr Hebr Hira Hluw Hmng Hmnp Hung Ital Java Jurc Kali Kana Kawi Khar Khmr
    Khoj Kits Knda Krai Kthi Lana Laoo Latn Lepc Limb Lina Linb Lisu Lyci Lydi Mahj Maka Mand Mani Marc Medf Mend Merc
    Mero Mlym Modi Mong Mroo Mtei Mult Mymr Nagm Nand Narb Nbat Newa Nkoo Nshu Ogam Olck Onao Orkh Orya Osge Osma Ougr
    Palm Pauc Pcun Perm Phag Phli Phlp Phnx Plrd Prti Rjng Rohg Runr Samr Sarb Saur Seal Sgnw Shaw Shrd Sidd Sidt Sind
    Sinh Sogd Sogo Sora Soyo Sund Sunu Sylo Syrc Tagb Takr Tale Talu Taml Tang Tavt Tayo Telu Tfng Tglg Thaa Thai Tibt
    Tirh Tnsa Todr Tols Toto Tutg Ugar Vaii Vith Wara Wcho Xpeo Xsux Yezi Yiii Zanb""".split()
# UTS #39 5.1 augments these scripts with the writing systems they are part of.
AUGMENTED = {"Hani": ("Hanb", "Jpan", "Kore"), "Hira": ("Jpan",), "Kana": ("Jpan",), "Hang": ("Kore",), "Bopo": ("Hanb",)}
# UTS #39 'highly restrictive': a word in one script, or Latin with Han and Hiragana and Katakana (Jpan), with
# Han and Bopomofo (Hanb), or with Han and Hangul (Kore).
ALLOWED_MIXES = (frozenset({"Latn", "Jpan"}), frozenset({"Latn", "Hanb"}), frozenset({"Latn", "Kore"}))
_LATIN, _NONE = frozenset({"Latn"}), frozenset()
# The version of confusables.txt beside this module. Remembered app results hold keys made from it and the cache's code version
# hashes the .py files only, so a new table comes with a new value here (tests/test_spoofing.py holds the two equal).
CONFUSABLES_VERSION = "17.0.0"


def is_invisible(ch: str) -> bool:
    """Say whether a character is default-ignorable or otherwise drawn blank."""
    return INVISIBLE.match(ch) is not None


def stacked_marks(text: str) -> list[tuple[int, int]]:
    """Return (index, count) of every run of more than MAX_MARKS combining marks (Mn, Me) in text."""
    found = []
    for run in _MARK_RUN.finditer(text):
        start = count = 0
        for i, ch in enumerate(run.group(), run.start()):
            if unicodedata.category(ch) in ("Mn", "Me"):
                start, count = (start, count + 1) if count else (i, 1)
                continue
            if count > MAX_MARKS:
                found.append((start, count))
            count = 0
        if count > MAX_MARKS:
            found.append((start, count))
    return found


@lru_cache(maxsize=1)
def _probes() -> tuple:
    """Compile the script tests once: Common-or-Inherited, then one per script."""
    import regex  # only text that is not ASCII needs it
    return (regex.compile(r"[\p{scx=Zyyy}\p{scx=Zinh}]"),
            tuple((code, regex.compile(rf"\p{{scx={code}}}")) for code in SCRIPTS))


@lru_cache(maxsize=8192)
def scripts_of(ch: str) -> frozenset[str]:
    """Return the scripts one character is written in (its augmented Script_Extensions); empty for Common and Inherited."""
    if ch.isascii():
        return _LATIN if ch.isalpha() else _NONE
    common, probes = _probes()
    if common.match(ch):
        return _NONE
    found = {code for code, probe in probes if probe.match(ch)} or {"Zzzz"}   # unassigned: a script of its own
    return frozenset(found.union(*(AUGMENTED.get(code, ()) for code in found)))


def is_mixed_script(word: str) -> bool:
    """Say whether one word mixes scripts beyond what UTS #39 calls highly restrictive (Common and Inherited fit any)."""
    if word.isascii():
        return False
    sets = [s for s in map(scripts_of, word) if s]
    if not sets or frozenset.intersection(*sets):
        return False
    return not any(all(s & mix for s in sets) for mix in ALLOWED_MIXES)


def stray_character(word: str) -> str:
    """Return the first character of a mixed-script word outside the script most of its letters share."""
    sets = [(ch, s) for ch in word if (s := scripts_of(ch))]
    main = max((s for _, s in sets), key=lambda s: sum(1 for _, t in sets if t & s))
    return next((ch for ch, s in sets if not s & main), sets[-1][0])


@lru_cache(maxsize=1)
def prototypes() -> dict[int, str]:
    """Read the look-alike table: code point -> the characters it looks like (a str.translate table)."""
    table = {}
    for line in Path(__file__).with_name("confusables.txt").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            source, *target = line.split()
            table[int(source, 16)] = "".join(chr(int(code, 16)) for code in target)
    return table


def skeleton(text: str) -> str:
    """Return the UTS #39 skeleton of text: texts that look alike have the same skeleton."""
    decomposed = unicodedata.normalize("NFD", text)
    if not decomposed.isascii():
        decomposed = _IGNORABLE.sub("", decomposed)
    return unicodedata.normalize("NFD", decomposed.translate(prototypes()))


def fold(text: str) -> str:
    """Return text with case, width and runs of spaces ignored: fullwidth 'Ｗｅｂ' is 'web'."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def lookalike_keys(text: str) -> tuple[str, str]:
    """Return two keys, one of which two texts share if they look alike in any case ('Wеb' with a Cyrillic е,
    'web', 'ＷＥＢ'; 'НОТ' in Cyrillic and 'hot'): the skeleton of the folded text and the folded skeleton."""
    return " ".join(skeleton(fold(text)).split()), fold(skeleton(text))
