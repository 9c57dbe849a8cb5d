"""Property-based: random names mixing scripts, look-alikes, invisible and combining characters, typed or
written as escapes, are either refused with a message located on the name's line or are names without an
invisible code point, a mixed-script word or a stacked mark; and two accepted names never look alike."""

from __future__ import annotations

import datetime
import unicodedata
from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import VALID_APP
from policysite.check import inputs
from policysite.check import rules
from policysite.check.names import compared_keys
from policysite.problems import is_error
from policysite.sources import read
from policysite.spoofing import BLANK, DEFAULT_IGNORABLE, MAX_MARKS, is_mixed_script, skeleton, stacked_marks

TODAY = datetime.date(2026, 11, 26)
NAME_LINE = 1
LOOK_ALIKES = {"a": "а", "e": "е", "o": "ο", "p": "р", "c": "с", "x": "х", "y": "у", "i": "і", "S": "Ѕ", "W": "Ԝ",
               "A": "Α", "B": "В", "E": "Ε", "H": "Н", "K": "К", "M": "М", "O": "О", "P": "Р", "T": "Т", "l": "I", "m": "rn"}
INVISIBLE = [chr(lo) for lo, _ in DEFAULT_IGNORABLE] + [chr(hi) for _, hi in DEFAULT_IGNORABLE] + [chr(c) for c in BLANK]
PIECES = (list("Web Proxy Mail Filter 2") + list(LOOK_ALIKES.values()) + INVISIBLE
          + ["日本", "カタ", "ひら", "한국", "ㄅ", "Ελ", "Пр", "عر", "\u0301", "\u0483", "\u0300" * 4, " ", "\u3000", "\u00a0"])
names = st.lists(st.sampled_from(PIECES), min_size=1, max_size=10).map("".join)
# Words that pass alone, so that pairs of them reach the check across files.
WORDS = ["Web", "Proxy", "Mail", "mail", "Scope", "Ѕсоре", "Ρrοху", "Прокси", "Οpen", "ОРЕН", "日本", "Ελ", "Imap", "lmap", "rnodem"]
clean_names = st.lists(st.sampled_from(WORDS), min_size=1, max_size=3).map(" ".join)
fast = settings(max_examples=300, deadline=timedelta(seconds=5), suppress_health_check=[HealthCheck.too_slow])


def app_file(name: str, escaped: bool) -> bytes:
    """Return an app file whose first line gives name, typed as it is or with every non-ASCII character escaped."""
    text = name.replace("\\", "\\\\").replace('"', '\\"')
    if escaped:
        text = "".join(ch if ch.isascii() else f"\\U{ord(ch):08x}" for ch in text)
    body = VALID_APP.replace("name: Sample App\n", "")
    return f'name: "{text}"\n{body}'.encode("utf-8")


def check_name(name: str, escaped: bool) -> list:
    """Read and check one app file giving name; return its error problems."""
    problems = []
    node = read.parse_text(app_file(name, escaped), "content/apps/x.yaml", problems)
    if node is not None:
        problems += inputs.check_app(read.YamlFile("content/apps/x.yaml", node), TODAY)[1]
    return [p for p in problems if is_error(p)]


def is_sound_name(name: str) -> bool:
    """Say whether name has no invisible code point, no mixed-script word and no stacked marks."""
    invisible = any(unicodedata.category(ch) in ("Cf", "Zl", "Zp") or any(lo <= ord(ch) <= hi for lo, hi in DEFAULT_IGNORABLE)
                    or ord(ch) in BLANK for ch in name)
    return not invisible and not any(map(is_mixed_script, name.split())) and not stacked_marks(name)


@fast
@given(names, st.booleans())
def test_a_name_is_refused_on_its_line_or_is_sound(name, escaped):
    errors = check_name(name, escaped)
    if errors:
        assert all(p.src_path == "content/apps/x.yaml" and p.line == NAME_LINE and p.col >= 1 for p in errors), errors
    else:
        assert is_sound_name(name) and len(name) <= 80 and name.strip()
        assert all(count <= MAX_MARKS for _, count in stacked_marks(name))


def facts(name: str, line: int) -> tuple:
    """Return cross facts for an app with this name and a shared vendor."""
    return (name, (line, 1), (), "Example Vendor", (line + 1, 1), compared_keys(name, "Example Vendor"))


@fast
@given(st.one_of(names, clean_names), st.data())
def test_two_accepted_names_never_share_a_skeleton(name, data):
    edits = data.draw(st.lists(st.sampled_from(["keep", "look-alike", "case"]), min_size=len(name), max_size=len(name)))
    other = "".join(LOOK_ALIKES.get(ch, ch) if edit == "look-alike" else ch.swapcase() if edit == "case" else ch
                    for ch, edit in zip(name, edits))
    if check_name(name, False) or check_name(other, False):
        return
    problems = rules.check_cross_facts([("content/apps/a.yaml", facts(name, 1)), ("content/apps/b.yaml", facts(other, 1))], [])
    if not problems:
        assert skeleton(name) != skeleton(other) and skeleton(name.casefold()) != skeleton(other.casefold())
    else:
        assert len(problems) == 1 and problems[0].line == 1 and problems[0].message.startswith("name: ")
