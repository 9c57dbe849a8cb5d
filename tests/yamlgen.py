"""Random YAML near our app files, for differential tests of libyaml against PyYAML's Python parser.

Each generator takes a random.Random, so hypothesis can drive it (st.randoms()) and a long run can
use a seeded one:  python3 tests/yamlgen.py 400000 [seed]  prints how many texts took each path
and how many of those libyaml took gave different events (the gate promises none).
"""

from __future__ import annotations

import random

WORDS = ("server gateway mail proxy the a of to Webconfig ClearOS **bold** _em_ `code` [link](https://x.example/a) "
         "e.g. it's 50% 09:00 a:b a#b x@y.z").split()
ODD = list(":-?[]{},#&*!|>'\"%@`\\~<=") + [
    " ", "  ", ": ", " #", "- ", "? ", "é", "😀", "\u00a0", "’", "—", "''", '\\"', "\\n", "\\t", "\\\t", "\\x41",
    "\\u00e9", "\\ud800", "\\U0001F600", "\\/", "\\N", "\\_", "\\ ", "\\q", "\\x4", "---", "...", "\r\n", "\n", "\t",
    "\r", "\u2028", "\ufeff", "\u200b"]
KEYS = ["name", "vendor", "summary", "description", "url", "email", "available", "reason", "note", "level", "covered",
        "articles", "a", "b_c", "x-y"]
ODD_KEYS = ["'q k'", '"d k"', "k k", "1", "-k", "?k", ":k", "<<", "~", "@k", "`k", "%k", "&a k", "*a", "!!str k", "k#",
            "é", "? k\n:", "[a]", "{a: b}", "k" * 1030]
ESCAPES = ["\\n", "\\t", "\\\\", '\\"', "\\x41", "\\u00e9", "\\ud800", "\\ud83d\\ude00", "\\U0001F600", "\\U00110000",
           "\\U0000d800", "\\/", "\\N", "\\_", "\\L", "\\P", "\\ ", "\\0", "\\a", "\\e", "\\q", "\\x4", "\\u12", "\\\t",
           "\\\n", "\\\r\n", "\\'", "\\r", "\\v", "\\f", "\\b", "\\%", "\\x7f", "\\xa0", "\\u200b", "\\uFEFF", "\\x85"]
BLOCK_HEADS = ["|", "|", "|", ">", "|-", "|+", ">-", ">+", "|2", "|1-", "|-2", "| # c", "|\t", "|x", ">2+", "|#c", ">-#",
               "|0", "|10", "|  ", "| #"]
MARKDOWN_LINES = ["- item", "* item", "1. item", "# heading", "```", "    code", "\tcode", "> quote", "---", "...",
                  "key: value", "#not a comment", "'quoted'", '"dq"', "[x]: y", "%percent", "@at", "`tick`", "|", ">"]
FLOW_ITEMS = ["a", "software-raid-5", "b c", "'q'", '"d"', "", "x: y", "[a]", "{a: b}", "-", "@b", "a:b", "http://x/y",
              "#", " ", "\t", "é", "1", "~", "'it''s'", '"e\\n"', "?", "? a", "a ?b", "*x", "&x y", "!t z", "...", "a#b"]
SOUP = list(":-?[]{},#&*!|>'\"%@`\\~<=") + [
    "\r\n", "\n", "\n", "\n  ", "\n    ", " ", " ", "  ", "é", "😀", "\u00a0", "---", "...", "- ", ": ", "? ", "a", "bc",
    "1", "|-", ">+", "|2", "\\n", "\\x41", "\\u00e9", "\\ud800", "# c", " #", "'x'", '"y"', "[a, b]", "{a: b}", "key: ",
    "  - ", "\\\n", "|#"]


def word(r: random.Random) -> str:
    """Return a word of prose, or now and then a character YAML gives meaning to."""
    return r.choice(WORDS) if r.random() < 0.85 else r.choice(ODD)


def words(r: random.Random, n: int) -> str:
    """Return n words, mostly separated by one space."""
    sep = " " if r.random() < 0.9 else r.choice(["  ", " ", "", "\t" if r.random() < 0.2 else " "])
    return sep.join(word(r) for _ in range(n))


def key(r: random.Random) -> str:
    """Return a mapping key: usually a field name, sometimes something odd."""
    roll = r.random()
    return r.choice(KEYS) if roll < 0.8 else r.choice(ODD_KEYS) if roll < 0.92 else words(r, 1)


def continuation(r: random.Random, indent: int, n: int, quote: str = "") -> list[str]:
    """Return up to n continuation lines near indent, some blank."""
    lines = []
    for _ in range(r.randint(1, n)):
        if r.random() < 0.25:
            lines.append(r.choice(["", "", " ", " " * (indent + 3)]))
        text = words(r, r.randint(0, 6))
        if quote == "'":
            text = text.replace("'", "''")
        elif quote == '"':
            text = text.replace("\\", "").replace('"', "")
        lines.append(" " * max(0, indent + r.choice([0, 0, 2, 1, 3, -1, -2])) + text)
    return lines


def plain(r: random.Random, indent: int) -> str:
    """Return a plain scalar, sometimes over several lines."""
    lines = [words(r, r.randint(1, 8))]
    if r.random() < 0.25:
        lines += continuation(r, indent, 3)
    return "\n".join(lines)


def single(r: random.Random, indent: int) -> str:
    """Return a single-quoted scalar, as yaml.safe_dump writes long Markdown."""
    lines = [words(r, r.randint(0, 6)).replace("'", r.choice(["''", "''", "'"]))]
    if r.random() < 0.5:
        lines += continuation(r, indent, 5, "'")
    return "'" + "\n".join(lines) + ("'" if r.random() < 0.97 else "")


def double(r: random.Random, indent: int) -> str:
    """Return a double-quoted scalar with escapes, sometimes folded over lines."""
    parts = []
    for _ in range(r.randint(0, 6)):
        roll = r.random()
        parts.append(r.choice(ESCAPES) if roll < 0.3 else word(r).replace("\\", "\\\\").replace('"', '\\"') if roll < 0.6
                     else word(r).replace('"', "").replace("\\", ""))
    text = " ".join(parts)
    if r.random() < 0.4:
        for line in continuation(r, indent, 3, '"'):
            text += r.choice(["\n", "\\\n", "\n\n", "\\\n"]) + r.choice(["", "", "\\ "]) + line
    return '"' + text + ('"' if r.random() < 0.97 else "")


def block(r: random.Random, indent: int) -> str:
    """Return a literal or folded block scalar holding Markdown-like lines."""
    inner = indent + r.choice([2, 2, 2, 4, 1, 0, 3])
    lines = []
    for _ in range(r.randint(0, 8)):
        roll = r.random()
        if roll < 0.15:
            lines.append(r.choice(["", "", " ", " " * (inner + 3), " " * max(0, inner - 1)]))
        elif roll < 0.25:
            lines.append(" " * (inner + r.choice([1, 2, 4])) + words(r, r.randint(1, 5)))
        elif roll < 0.35:
            lines.append(" " * inner + r.choice(MARKDOWN_LINES))
        elif roll < 0.38:
            lines.append(" " * max(0, inner - r.choice([1, 2])) + words(r, 2))
        else:
            lines.append(" " * inner + words(r, r.randint(1, 8)) + r.choice(["", "", "", " ", "  ", "\t"]))
    return r.choice(BLOCK_HEADS) + "\n" + "\n".join(lines) + ("\n" if lines else "")


def flow(r: random.Random) -> str:
    """Return a flow list (as 'articles: [a, b]') or, less often, a flow mapping."""
    if r.random() < 0.75:
        items = [r.choice(FLOW_ITEMS) for _ in range(r.randint(0, 4))]
        seps = [r.choice([", ", ", ", ",", " ,", " , ", ",\n  ", ",,", ",\t", ",\n"]) for _ in items]
        body = "".join(i + s for i, s in zip(items, seps))
        if items and r.random() < 0.7:
            body = body[: -len(seps[-1])]
        return r.choice(["[", "[", "[ ", "[\n  "]) + body + r.choice(["]", "]", " ]", "\n  ]", "", "]x", "] #c", "]:"])
    items = [r.choice(["a: b", "a", "'k': v", "a: [1, 2]", "a:b", "? x", ""]) for _ in range(r.randint(0, 3))]
    return "{" + ", ".join(items) + r.choice(["}", " }", ""])


def value(r: random.Random, indent: int, depth: int) -> str:
    """Return what follows 'key:': a nested collection on the next lines, or a scalar after a space."""
    roll = r.random()
    if depth < 4 and roll < 0.2:
        return "\n" + mapping(r, indent + r.choice([2, 2, 4, 1, 3]), depth + 1)
    if depth < 4 and roll < 0.3:
        return "\n" + sequence(r, indent + r.choice([0, 2, 2]), depth + 1)
    roll = r.random()
    for limit, make in ((0.35, plain), (0.55, single), (0.7, double), (0.85, block)):
        if roll < limit:
            return " " + make(r, indent + 2)
    if roll < 0.93:
        return " " + flow(r)
    return r.choice(["", " ", " ~", " null", " &a x", " *a", " !!str x", " !foo x", " ! x", " !<tag:yaml.org,2002:str> x",
                     " !!map {}", " true", " @x", " `x", " %x", " |\n", " >\n", " 'a'#c", ' "b" #c', " x #c", " x#c"])


def mapping(r: random.Random, indent: int, depth: int = 0) -> str:
    """Return a block mapping at indent, with now and then a comment or a misplaced line."""
    lines = []
    for _ in range(r.randint(1, 6)):
        if r.random() < 0.1:
            lines.append(" " * r.choice([0, indent, indent + 2, 1]) + r.choice(["#", "# c", "#\tc", "# a: b", "#é"]))
        sep = r.choice([":"] * 40 + [":\t", ": ", ":  ", " :"])
        ind = indent if r.random() < 0.95 else max(0, indent + r.choice([-1, 1, 2]))
        val = value(r, indent, depth)
        if r.random() < 0.05 and not val.endswith("\n"):
            val += r.choice([" # c", "\t# c", " #", "#c"])
        if val.startswith(" ") and sep.endswith(" "):
            val = val[1:]
        line = " " * ind + key(r) + (sep.rstrip(" ") if val.startswith("\n") else sep) + val
        lines.append(line[:-1] if line.endswith("\n") else line)
    return "\n".join(lines)


def sequence(r: random.Random, indent: int, depth: int) -> str:
    """Return a block sequence at indent: scalars, or mappings started on the dash's line."""
    lines = []
    for _ in range(r.randint(1, 4)):
        if r.random() < 0.2 and depth < 4:
            lines.append(" " * indent + "- " + mapping(r, indent + 2, depth + 1).lstrip(" "))
        else:
            item = " " * indent + "-" + value(r, indent + 2, 4)
            lines.append(item[:-1] if item.endswith("\n") else item)
    return "\n".join(lines)


def document(r: random.Random) -> str:
    """Return one app-like document, now and then with markers, directives, CRLF or no final line break."""
    text = mapping(r, 0)
    if r.random() < 0.3:
        text = r.choice(["# yaml-language-server: $schema=../../schema/app.schema.json\n", "#c\n\n", "\n", " \n"]) + text
    roll = r.random()
    if roll < 0.04:
        text = r.choice(["%YAML 1.1\n---\n", "%YAML 1.3\n---\n", "%FOO x\n---\n", "%TAG ! tag:x,2000:\n---\n", "---\n",
                         "--- ", "--- |\n", "---\t"]) + text
    elif roll < 0.08:
        text += r.choice(["\n...\n", "\n---\nb: 1", "\n...", "\n--- x"])
    if r.random() < 0.9:
        text += "\n"
    if r.random() < 0.08:
        text = text.replace("\n", "\r\n")
    return text


def mutate(r: random.Random, text: str) -> str:
    """Return text with a few odd insertions, deletions or duplicated lines."""
    for _ in range(r.randint(1, 4)):
        at = r.randint(0, len(text))
        roll = r.random()
        if roll < 0.6:
            text = text[:at] + "".join(r.choice(ODD) for _ in range(r.randint(1, 3))) + text[at:]
        elif roll < 0.8:
            text = text[:at] + text[at + r.randint(1, 10):]
        else:
            lines = text.split("\n")
            lines.insert(r.randrange(len(lines)), lines[r.randrange(len(lines))])
            text = "\n".join(lines)
    return text


def soup(r: random.Random) -> str:
    """Return a short run of YAML's meaningful pieces in random order, ending a line."""
    text = "".join(r.choice(SOUP) for _ in range(r.randint(1, 60)))
    return text if text.endswith("\n") else text + "\n"


def any_text(r: random.Random, samples: list[str]) -> str:
    """Return a generated document, a soup, or a mutated real file."""
    roll = r.random()
    return document(r) if roll < 0.5 else soup(r) if roll < 0.75 else mutate(r, r.choice(samples))


if __name__ == "__main__":
    import collections
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from test_loader_fast import event_outcome, fast_outcome, sample_files

    rng = random.Random(int(sys.argv[2]) if len(sys.argv) > 2 else 1)
    samples = [p.read_bytes().decode("utf-8", "replace") for p in sample_files()]
    counts: collections.Counter = collections.Counter()
    for _ in range(int(sys.argv[1])):
        text = any_text(rng, samples)
        path = fast_outcome(text)
        counts[path] += 1
        if path == "fast" and event_outcome(text, "libyaml") != event_outcome(text, "python"):
            counts["MISMATCH"] += 1
            print(repr(text))
    print(dict(counts))
