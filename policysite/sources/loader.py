"""Strict YAML: bytes -> a tree of located nodes, or located problems.

Scalars are kept as text; check.py types them by what the schema expects, so no
YAML 1.1 guessing (NO -> false, 0755 -> 493, 1.10 -> 1.1) ever happens here.
The Python parser's events are the reference: libyaml accepts files the Python
parser refuses (tabs after a colon, unknown directives, escapes) and words its
errors differently. libyaml is ten times faster, though, so where it is installed
it parses the files that lie in a subset where the two give the same events, mark
for mark (no tabs, no directives or document markers, no anchors or tags, simple
escapes and one-line flow lists only); anything else, and anything libyaml or the
strict rules refuse, goes through the Python parser, which words the problems.
tests/test_loader_fast.py holds the differential evidence for that subset.
Anchors, aliases, merge keys, duplicate keys, non-core tags, directives, several
documents and deep nesting are rejected with a location.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

import yaml
from yaml.parser import Parser
from yaml.reader import Reader
from yaml.scanner import Scanner

from policysite.problems import Problem, clip
from policysite.spoofing import MAX_MARKS, is_invisible, stacked_marks

try:
    from yaml._yaml import CParser as LibyamlParser   # PyYAML's binding to libyaml, where it was built with it
except ImportError:
    LibyamlParser = None

MAX_FILE_BYTES = 128 * 1024  # 3x the largest app file the schema allows; bench/HOSTILE.md has the worst parse times
MAX_DEPTH = 24
MAX_CHARACTER_PROBLEMS = 20
CORE_TAGS = {f"tag:yaml.org,2002:{t}" for t in ("str", "map", "seq")}
# Anything but tab, line feed and printable ASCII; each hit is looked at by character_problem.
_SUSPECT = re.compile(r"[^\t\n\x20-\x7e]")
_LONE_CR = re.compile(r"\r(?!\n)")
# Escapes both parsers decode alike: named ones, an escaped line break, and hex codes outside the surrogates.
_FAST_ESCAPE = re.compile(r'\\(?:[0abtnvfre "/\\N_LP]|\r?\n|x[0-9A-Fa-f]{2}|u(?![dD][89a-fA-F])[0-9A-Fa-f]{4}|U(?!0000[dD][89a-fA-F])00(?:0[0-9A-Fa-f]|10)[0-9A-Fa-f]{4})')
_FAST_STYLES = ("", "'", '"', "|", ">")   # libyaml's plain style is ''
# A block scalar's header as both parsers read it: libyaml also takes '|#c', which the Python parser refuses.
_FAST_BLOCK_HEAD = re.compile(r"[|>](?:[1-9][-+]?|[-+][1-9]?)?(?: +#[^\n]*| *)\r?\n")
_FLOW_ITEM = r"""(?:[A-Za-z0-9][A-Za-z0-9._/+-]*|'[^'\n]*'|"[^"\\\n]*")"""
# The only flow collection the fast path takes: a one-line list of simple words or quoted text, as 'articles: [a, b]'.
_FAST_FLOW = re.compile(rf"\[ *(?:{_FLOW_ITEM} *(?:, *{_FLOW_ITEM} *)*)?\]")
# What the Python scanner says, and what to tell a person instead.
SYNTAX_HINTS = {
    "found character '\\t' that cannot start any token": "a tab character here; YAML is indented and separated with spaces, never tabs",
    "mapping values are not allowed here": "a ': ' where no value can start; put text that contains ': ' in quotes, or check the indentation",
    "could not find expected ':'": "a line without 'key: value'; continue long text with '|' or put it in quotes",
    "found unexpected end of stream": "the file ends inside a quoted value; is a closing quote missing?",
    "expected <block end>, but found": "this line does not line up with the lines above it; check its indentation and that it starts with 'key:'",
}


@dataclass(slots=True)  # a 10,000-app build holds over a million of these: no per-node __dict__
class Node:
    """A YAML value with its 1-based position: 'map', 'seq' or 'scalar'."""

    kind: str
    line: int
    col: int
    value: object = None          # dict[str, Node] | list[Node] | str
    plain: bool = False           # scalar written without quotes or block style
    key_pos: dict = field(default_factory=dict)  # map only: key -> (line, col)


class _Reject(Exception):
    """Stop building the tree at the first structural problem."""

    def __init__(self, line: int, col: int, message: str):
        super().__init__(message)
        self.line, self.col, self.message = line, col, message


def decode_text(data: bytes, src_path: str) -> tuple[str | None, list[Problem]]:
    """Check raw bytes and decode them as strict UTF-8, reporting what is wrong."""
    if len(data) > MAX_FILE_BYTES:
        return None, [Problem(src_path, 1, 1, f"file is larger than the limit of {MAX_FILE_BYTES} bytes; split it or shorten it")]
    if data.startswith(b"\xef\xbb\xbf"):
        return None, [Problem(src_path, 1, 1, "file starts with a byte-order mark; save it as UTF-8 without BOM")]
    if data[:2] in (b"\xff\xfe", b"\xfe\xff") or data[:4] == b"\x00\x00\xfe\xff":
        return None, [Problem(src_path, 1, 1, "file is UTF-16 or UTF-32; save it as UTF-8")]
    if b"\x00" in data:
        line, col = _position(data[: data.index(b"\x00")].decode("utf-8", "replace"))
        return None, [Problem(src_path, line, col, "file contains NUL bytes (UTF-16, or not text at all); save it as UTF-8 text")]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, col = _position(data[: exc.start].decode("utf-8", "replace"))
        return None, [Problem(src_path, line, col, f"not valid UTF-8 (byte 0x{data[exc.start]:02x}); save the file as UTF-8")]
    return text, _check_characters(text, src_path)


def _position(prefix: str) -> tuple[int, int]:
    """Return the 1-based line and column just after prefix."""
    return prefix.count("\n") + 1, len(prefix) - (prefix.rfind("\n") + 1) + 1


def character_problem(ch: str) -> str | None:
    """Name a character that may not appear in content, or return None if it may."""
    code = ord(ch)
    category = unicodedata.category(ch)
    if category == "Cc":
        return f"control character U+{code:04X}"
    if category in ("Cf", "Zl", "Zp") or is_invisible(ch):  # bidi overrides, zero-width spaces, fillers, variation selectors
        return f"invisible character U+{code:04X} ({unicodedata.name(ch, 'unassigned' if category == 'Cn' else 'format character')})"
    if category == "Cs":
        return f"lone surrogate U+{code:04X}"
    if 0xFDD0 <= code <= 0xFDEF or (code & 0xFFFE) == 0xFFFE:
        return f"Unicode noncharacter U+{code:04X}"
    return None


def stacked_message(count: int) -> str:
    """Word the problem of too many combining marks on one character."""
    return f"{count} combining marks on one character; at most {MAX_MARKS} are allowed, more draw over the lines around it"


def _check_characters(text: str, src_path: str) -> list[Problem]:
    """Report control characters, invisible characters, noncharacters and stacked combining marks."""
    problems = []
    for match in _SUSPECT.finditer(text):
        ch, start = match.group(), match.start()
        if ch == "\r" and text[start + 1:start + 2] == "\n":
            continue  # Windows line endings are fine
        what = character_problem(ch)
        if what:
            problems.append(Problem(src_path, *_position(text[:start]), f"{what} is not allowed"))
            if len(problems) == MAX_CHARACTER_PROBLEMS:
                return problems
    for start, count in [] if text.isascii() else stacked_marks(text)[:MAX_CHARACTER_PROBLEMS - len(problems)]:
        base = start - 1 if start and text[start - 1] != "\n" else start   # the character they sit on
        problems.append(Problem(src_path, *_position(text[:base]), stacked_message(count)))
    return problems


class _Parser(Reader, Scanner, Parser):
    """PyYAML's pure-Python reader, scanner and parser: events only, no constructor, no directives."""

    def __init__(self, text: str):
        Reader.__init__(self, text)
        Scanner.__init__(self)
        Parser.__init__(self)

    def fetch_directive(self):
        """Refuse '%YAML' and '%TAG' lines: they change how the rest of the file is read."""
        raise _Reject(self.line + 1, self.column + 1, "directives such as '%YAML' or '%TAG' are not allowed; remove the line")


def _events(parser: _Parser):
    """Yield the parser's events one by one."""
    while parser.check_event():
        yield parser.get_event()


def parse_yaml(text: str, src_path: str) -> tuple[Node | None, list[Problem]]:
    """Parse one YAML document into a Node tree, or return located problems."""
    if LibyamlParser is not None and is_fast_text(text):
        try:
            return _build(_fast_events(text)), []
        except Exception:  # noqa: BLE001 - libyaml refused, the gate doubted or a strict rule struck: the Python parser decides and words it
            pass
    parser = None
    try:
        parser = _Parser(text)
        return _build(_events(parser)), []
    except yaml.reader.ReaderError as exc:  # only for text that skipped decode_text: a character YAML refuses
        line, col = _position(text[:exc.position])
        return None, [Problem(src_path, line, col, f"{character_problem(chr(exc.character)) or 'character'} is not allowed")]
    except _Reject as exc:
        return None, [Problem(src_path, exc.line, exc.col, exc.message)]
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        return None, [Problem(src_path, line, col, f"YAML syntax: {_syntax_message(exc)}")]
    except (yaml.YAMLError, ValueError, RecursionError, MemoryError) as exc:
        mark = parser.get_mark() if parser else None
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        if isinstance(exc, ValueError) and "chr()" in str(exc):  # the Python scanner on an escape past U+10FFFF
            return None, [Problem(src_path, line, col, "YAML syntax: this escape names no Unicode character; the highest is \\U0010FFFF")]
        return None, [Problem(src_path, line, col, f"YAML could not be read: {type(exc).__name__}")]


def is_fast_text(text: str) -> bool:
    """Say whether text may go to libyaml: it ends a line and holds no tab, directive, stray CR or refused character."""
    if not text.endswith("\n") or "\t" in text or text.startswith("%") or "\n%" in text:
        return False  # without a final line break, libyaml marks the end of the stream on a line of its own
    if "\r" in text and _LONE_CR.search(text):
        return False
    return text.isascii() or not any(character_problem(m.group()) for m in _SUSPECT.finditer(text) if m.group() != "\r")


class _Unsure(Exception):
    """libyaml met something outside the subset where both parsers are known to agree."""


def _fast_events(text: str):
    """Yield libyaml's events for text, raising _Unsure at the first one the Python parser might see differently."""
    parser = LibyamlParser(text)
    has_escapes = "\\" in text
    flows: list[int | None] = []  # per open collection: where its flow list starts, or None in block style
    while parser.check_event():
        event = parser.get_event()
        kind = type(event)
        if kind is yaml.ScalarEvent:
            if event.anchor is not None or event.tag is not None or event.style not in _FAST_STYLES:
                raise _Unsure
            if event.style in ("|", ">") and not _FAST_BLOCK_HEAD.match(text, event.start_mark.index):
                raise _Unsure
            if has_escapes and event.style == '"' and "\\" in _FAST_ESCAPE.sub("", _source(text, event)):
                raise _Unsure
        elif kind is yaml.MappingStartEvent or kind is yaml.SequenceStartEvent:
            if event.anchor is not None or event.tag is not None or (event.flow_style and kind is yaml.MappingStartEvent):
                raise _Unsure
            flows.append(event.start_mark.index if event.flow_style else None)
        elif kind is yaml.MappingEndEvent or kind is yaml.SequenceEndEvent:
            start = flows.pop()
            if start is not None and not _FAST_FLOW.fullmatch(text, start, event.end_mark.index):
                raise _Unsure
        elif kind is yaml.DocumentStartEvent or kind is yaml.DocumentEndEvent:
            if event.explicit or getattr(event, "version", None) or getattr(event, "tags", None):
                raise _Unsure
        elif kind is not yaml.StreamStartEvent and kind is not yaml.StreamEndEvent:
            raise _Unsure  # an alias
        yield event


def _source(text: str, event) -> str:
    """Return the text an event was parsed from."""
    return text[event.start_mark.index:event.end_mark.index]


def _syntax_message(exc: yaml.MarkedYAMLError) -> str:
    """Word a parser error for a person, with a hint for the common mistakes."""
    problem = exc.problem or ""
    for known, hint in SYNTAX_HINTS.items():
        if problem.startswith(known):
            return hint
    return clip(" ".join(filter(None, [problem, exc.context and f"({exc.context})"])), 200)


def _pos(event) -> tuple[int, int]:
    return event.start_mark.line + 1, event.start_mark.column + 1


def _build(events) -> Node | None:
    """Assemble the node tree from parser events, enforcing the strict rules."""
    stack: list[tuple[Node, list]] = []   # open collections, each with a pending key slot
    root: Node | None = None
    documents = 0
    for event in events:
        if isinstance(event, yaml.DocumentStartEvent):
            documents += 1
            if documents > 1:
                raise _Reject(*_pos(event), "a second YAML document ('---') is not allowed; one app per file")
            continue
        if isinstance(event, yaml.AliasEvent):
            raise _Reject(*_pos(event), f"aliases ('*{clip(event.anchor)}') are not allowed; write the value out")
        if isinstance(event, yaml.CollectionEndEvent):
            node, _ = stack.pop()
            if not stack:
                root = node
            continue
        if not isinstance(event, yaml.NodeEvent):
            continue
        node = _start_node(event, len(stack))
        if stack:
            _attach(stack[-1], node)
        if isinstance(event, yaml.ScalarEvent):
            if not stack:
                root = node
        else:
            stack.append((node, [None]))
    return root


def _start_node(event, depth: int) -> Node:
    """Make a Node for one scalar or collection start event."""
    line, col = _pos(event)
    if event.anchor is not None:
        raise _Reject(line, col, f"anchors ('&{clip(event.anchor)}') are not allowed; write each value out")
    tag = event.tag
    if tag is not None and tag != "!" and tag not in CORE_TAGS:
        raise _Reject(line, col, f"tag '{clip(tag.replace('tag:yaml.org,2002:', '!!'))}' is not allowed; remove it")
    if depth >= MAX_DEPTH:
        raise _Reject(line, col, f"nesting is deeper than {MAX_DEPTH} levels")
    if isinstance(event, yaml.ScalarEvent):
        _check_value(event.value, line, col)
        plain = not event.style and tag is None  # libyaml marks plain style as '', the Python parser as None
        return Node("scalar", line, col, event.value, plain=plain)
    kind = "map" if isinstance(event, yaml.MappingStartEvent) else "seq"
    return Node(kind, line, col, {} if kind == "map" else [])


def _attach(parent: tuple[Node, list], node: Node) -> None:
    """Add node to the open collection: as an item, a key, or a key's value."""
    coll, slot = parent
    if coll.kind == "seq":
        coll.value.append(node)
        return
    if slot[0] is None:  # node is a key
        if node.kind != "scalar" or (node.plain and node.value in ("", "~", "null")):
            raise _Reject(node.line, node.col, "keys must be plain text")
        if node.plain and node.value == "<<":
            raise _Reject(node.line, node.col, "merge keys ('<<') are not allowed; write each field out")
        if node.value in coll.value:
            first = coll.key_pos[node.value]
            raise _Reject(node.line, node.col, f"duplicate key '{clip(node.value)}' (first defined at line {first[0]})")
        slot[0] = node
        return
    key = slot[0]
    coll.value[key.value] = node
    coll.key_pos[key.value] = (key.line, key.col)
    slot[0] = None


def _check_value(value: str, line: int, col: int) -> None:
    """Refuse text whose escapes decode to a character the raw file may not hold."""
    for match in _SUSPECT.finditer(value):
        what = character_problem(match.group())
        if what and match.group() not in "\t\n":
            raise _Reject(line, col, f"an escape in this text stands for {what}, which is not allowed")
    if not value.isascii() and (stacked := stacked_marks(value)):
        raise _Reject(line, col, f"this text has {stacked_message(stacked[0][1])}")
