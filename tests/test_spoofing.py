"""policysite/spoofing.py: its tables agree with the Unicode data the regex module carries, and its rules
say what UTS #39 says about invisible code points, mixed scripts, skeletons and stacked marks."""

from __future__ import annotations

import re
import unicodedata

import regex

from policysite import spoofing

EVERY_CODE_POINT = "".join(map(chr, range(0x110000)))


def runs(pattern: str) -> tuple[tuple[int, int], ...]:
    """Return the first and last code point of every run of code points that pattern matches."""
    return tuple((m.start(), m.end() - 1) for m in regex.finditer(f"(?:{pattern})+", EVERY_CODE_POINT))


def test_default_ignorable_table_is_the_unicode_property():
    assert spoofing.DEFAULT_IGNORABLE == runs(r"\p{Default_Ignorable_Code_Point}")


def test_every_character_regex_gives_a_script_is_in_a_listed_script():
    listed = "".join(rf"\p{{scx={code}}}" for code in spoofing.SCRIPTS)
    left_out = regex.findall(rf"[^{listed}\p{{scx=Zyyy}}\p{{scx=Zinh}}\p{{scx=Zzzz}}]", EVERY_CODE_POINT)
    assert [f"U+{ord(ch):04X}" for ch in left_out[:5]] == []
    assert len(set(spoofing.SCRIPTS)) == len(spoofing.SCRIPTS)


def test_the_issue_s_invisible_letters_are_all_invisible():
    named = [0x3164, 0x115F, 0x1160, 0xFFA0, 0x2800, 0xFE00, 0xFE0F, 0xE0100, 0xE01EF, 0x034F, 0x17B4, 0x17B5,
             *range(0x180B, 0x1810), 0xE0000, 0xE0041, 0xE007F, 0x1D159, 0x200B, 0x2060]
    assert [f"U+{c:04X}" for c in named if not spoofing.is_invisible(chr(c))] == []
    assert not any(spoofing.is_invisible(ch) for ch in "aé日й ·-")


def test_confusables_table_is_the_unicode_17_file_whole():
    text = (spoofing.Path(spoofing.__file__).with_name("confusables.txt")).read_text(encoding="utf-8")
    declared = int(re.search(r"^# Mappings: (\d+)$", text, re.MULTILINE).group(1))
    assert re.search(r"^# Version: (.+)$", text, re.MULTILINE).group(1) == spoofing.CONFUSABLES_VERSION == "17.0.0"
    assert len(spoofing.prototypes()) == declared > 6000
    assert spoofing.prototypes()[0x0430] == "a" and spoofing.prototypes()[ord("m")] == "rn"


def test_skeletons_match_look_alikes_and_only_them():
    assert spoofing.skeleton("Wеb Proxy") == spoofing.skeleton("Web Proxy")          # Cyrillic е
    assert spoofing.skeleton("раураl") == spoofing.skeleton("paypal")                # Cyrillic р а у, Latin l
    assert spoofing.skeleton("𝐰𝐞𝐛") == spoofing.skeleton("web")                     # mathematical bold
    assert spoofing.skeleton("modem") == spoofing.skeleton("rnodern")
    assert spoofing.skeleton("W\u200beb") == spoofing.skeleton("Web")                 # default-ignorables go
    assert spoofing.skeleton("Web Proxy") != spoofing.skeleton("Web Proxies")
    assert spoofing.skeleton("Mail") != spoofing.skeleton("Nail")


def test_lookalike_keys_cover_case_and_script_both_ways():
    def alike(a, b):
        return any(x == y for x, y in zip(spoofing.lookalike_keys(a), spoofing.lookalike_keys(b)))
    assert alike("НОТ", "hot")            # Cyrillic capitals look like Latin ones; small н does not look like h
    assert alike("Ink", "ink") and alike("wеb proxy", "Web  Proxy") and alike("ＷＥＢ", "web")
    assert not alike("Web Proxy", "Web Filter")


def test_mixed_script_words_follow_uts39_highly_restrictive():
    assert spoofing.is_mixed_script("Pаypal")                 # Latin and Cyrillic
    assert spoofing.is_mixed_script("Ελληνικάa")              # Greek and Latin
    assert spoofing.is_mixed_script("e\u0483")                # a Latin letter under a Cyrillic-only mark
    assert spoofing.is_mixed_script("١٢٣abc")                 # Arabic-Indic digits belong to Arabic
    for word in ("Paypal", "café", "Ελληνικά", "Прокси", "日本語abc", "ひらがなカタカナ漢字Latin", "한국어abc", "中文ㄅabc",
                 "v2.0", "9-5", "(beta)", "𝐇𝐞𝐥𝐥𝐨", ""):
        assert not spoofing.is_mixed_script(word), word
    assert spoofing.is_mixed_script("한국어カタカナ")           # Hangul with Katakana is no allowed mix
    assert spoofing.stray_character("Pаypal") == "а" and spoofing.stray_character("аpple") == "а"


def test_scripts_of_uses_script_extensions_and_the_augmented_sets():
    assert spoofing.scripts_of("a") == {"Latn"} and spoofing.scripts_of("1") == frozenset()
    assert spoofing.scripts_of("\u20d0") == frozenset()                       # Inherited
    assert {"Latn", "Grek"} <= spoofing.scripts_of("\u0301")                   # COMBINING ACUTE ACCENT: its extensions
    assert spoofing.scripts_of("\u0660") == {"Arab", "Thaa", "Yezi"}          # ARABIC-INDIC DIGIT ZERO
    assert spoofing.scripts_of("漢") == {"Hani", "Hanb", "Jpan", "Kore"}
    assert spoofing.scripts_of("\U000e0fff") != frozenset()                   # unassigned is a script of its own


def test_stacked_marks_are_counted_per_character():
    assert spoofing.stacked_marks("ệ e\u0301\u0302\u0303 ok") == []
    assert spoofing.stacked_marks("e\u0301\u0302\u0303\u0304 and z" + "\u0300" * 9) == [(1, 4), (11, 9)]
    assert spoofing.stacked_marks(unicodedata.normalize("NFD", "ệ") + "\u0301\u0302") == [(1, 4)]
