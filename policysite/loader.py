"""Strict YAML: bytes -> a tree of located nodes, or located problems.

Scalars are kept as text; check.py types them by what the schema expects, so no
YAML 1.1 guessing (NO -> false, 0755 -> 493, 1.10 -> 1.1) ever happens here.
The tree is built from parser events, so libyaml and the pure-Python parser
feed the same code; anchors, aliases, merge keys, duplicate keys, explicit
non-core tags, several documents and deep nesting are rejected with a location.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

import yaml

from .problems import Problem

MAX_FILE_BYTES = 256 * 1024
MAX_DEPTH = 24
CORE_TAGS = {f"tag:yaml.org,2002:{t}" for t in ("str", "map", "seq")}
# Invisible characters that can make text read differently from what it is.
INVISIBLE = {
    "\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u200e", "\u200f", "\u061c",
    *(chr(c) for c in range(0x202A, 0x202F)), *(chr(c) for c in range(0x2066, 0x206A)),
}
try:  # libyaml's parser when present; both parsers feed the same tree builder
    _Loader = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on how PyYAML was built
    _Loader = yaml.SafeLoader


@dataclass
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
        return None, [Problem(src_path, 1, 1, f"file is {len(data)} bytes; the limit is {MAX_FILE_BYTES}")]
    if data.startswith(b"\xef\xbb\xbf"):
        return None, [Problem(src_path, 1, 1, "file starts with a byte-order mark; save it as UTF-8 without BOM")]
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return None, [Problem(src_path, 1, 1, "file is UTF-16; save it as UTF-8")]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, col = _position(data[: exc.start].decode("utf-8", "replace"))
        return None, [Problem(src_path, line, col, f"not valid UTF-8 (byte 0x{data[exc.start]:02x}); save the file as UTF-8")]
    return text, _check_characters(text, src_path)


def _position(prefix: str) -> tuple[int, int]:
    """Return the 1-based line and column just after prefix."""
    return prefix.count("\n") + 1, len(prefix) - (prefix.rfind("\n") + 1) + 1


def _check_characters(text: str, src_path: str) -> list[Problem]:
    """Report control characters and invisible formatting characters."""
    problems = []
    for lineno, line in enumerate(text.split("\n"), 1):
        for colno, ch in enumerate(line, 1):
            if ch in INVISIBLE:
                problems.append(Problem(src_path, lineno, colno, f"invisible character U+{ord(ch):04X} ({unicodedata.name(ch, 'format character')}) is not allowed"))
            elif unicodedata.category(ch) == "Cc" and ch != "\t" and not (ch == "\r" and colno == len(line)):
                problems.append(Problem(src_path, lineno, colno, f"control character U+{ord(ch):04X} is not allowed"))
    return problems[:20]


def parse_yaml(text: str, src_path: str) -> tuple[Node | None, list[Problem]]:
    """Parse one YAML document into a Node tree, or return located problems."""
    try:
        return _build(yaml.parse(text, Loader=_Loader)), []
    except _Reject as exc:
        return None, [Problem(src_path, exc.line, exc.col, exc.message)]
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        message = " ".join(filter(None, [exc.problem, exc.context and f"({exc.context})"]))
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        return None, [Problem(src_path, line, col, f"YAML syntax: {message}")]
    except yaml.YAMLError as exc:
        return None, [Problem(src_path, 1, 1, f"YAML syntax: {exc}")]


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
            raise _Reject(*_pos(event), f"aliases ('*{event.anchor}') are not allowed; write the value out")
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
        raise _Reject(line, col, f"anchors ('&{event.anchor}') are not allowed; write each value out")
    tag = event.tag
    if tag is not None and tag != "!" and tag not in CORE_TAGS:
        raise _Reject(line, col, f"tag '{tag.replace('tag:yaml.org,2002:', '!!')}' is not allowed; remove it")
    if depth >= MAX_DEPTH:
        raise _Reject(line, col, f"nesting is deeper than {MAX_DEPTH} levels")
    if isinstance(event, yaml.ScalarEvent):
        try:
            event.value.encode("utf-8")
        except UnicodeEncodeError:
            raise _Reject(line, col, "text contains a lone surrogate escape (such as \\ud800); write the real character") from None
        plain = not event.style and tag is None  # libyaml says "", the Python parser None
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
            raise _Reject(node.line, node.col, f"duplicate key '{node.value}' (first defined at line {first[0]})")
        slot[0] = node
        return
    key = slot[0]
    coll.value[key.value] = node
    coll.key_pos[key.value] = (key.line, key.col)
    slot[0] = None
