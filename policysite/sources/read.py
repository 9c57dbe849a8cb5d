"""Read the project: every input file as bytes or a located YAML tree, nothing interpreted.

Paths are repo-relative (src_path), as error messages print them.
"""

from __future__ import annotations

import os
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from policysite.languages import DEFAULT, SUPPORTED
from policysite.problems import Problem, internal_problem
from policysite.resources import shipped_base
from policysite.sources.checkout import is_scratch, link_problem, list_files, read_capped
from policysite.sources.loader import Node, decode_text, parse_yaml

BASENAME_RE = re.compile(r"^[a-z0-9]+(_[a-z0-9]+)*\Z")   # \Z: $ would take a name ending in a line break
DOC_ID_RE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*\Z")
# Top-level site paths a document may not take, because the build writes them itself.
RESERVED_DOC_IDS = {"apps", "api", "assets", "schema", "embed", "404", "sitemap", "feed", "index", "changes", "categories"}
# Names Windows cannot hold as files: a checkout there would break.
DEVICE_NAMES = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)), *(f"lpt{i}" for i in range(10))}
NO_APPS_MESSAGE = "no app files; the site needs at least one content/apps/<basename>.yaml (build.py new <basename> writes one)"
MAX_CATALOG_BYTES = 120 * 1024   # four times the largest catalog the site ships, under the text limit of loader.py
MAX_STATIC_BYTES = 1024 * 1024   # a hundred times the largest asset the site ships; every file is held in memory


@dataclass(frozen=True)
class YamlFile:
    """One YAML file (or a Markdown file's front matter) parsed into located nodes."""

    src_path: str
    node: Node | None


@dataclass(frozen=True)
class DocFile:
    """One Markdown document: front matter tree, body text and where the body starts."""

    src_path: str
    doc_id: str          # 'policy', 'level2', 'level2/software-raid-5'
    front: Node | None
    body: str
    body_line: int


@dataclass(frozen=True)
class Sources:
    """Everything the build reads, before any of it is checked."""

    methods: YamlFile
    factors: YamlFile
    settings: YamlFile
    docs: tuple[DocFile, ...]
    templates: dict        # name -> text
    static: dict           # dest_path -> bytes
    catalogs: dict         # lang -> (src_path, text of its .po)
    problems: tuple[Problem, ...]


def read_sources(root: Path) -> Sources:
    """Read everything but the app files under root (the legend, the factors, the settings, the documents,
    the templates and the static files), collecting problems; the engine reads the app files one by one."""
    problems: list[Problem] = []
    content = root / "content"
    is_real_dir(root, content, problems)
    methods = read_yaml(root, content / "methods.yaml", problems)
    factors = read_yaml(root, content / "factors.yaml", problems)
    settings = read_yaml(root, content / "site.yaml", problems)
    docs = tuple(read_docs(root, problems))
    templates, static = read_templates(root, problems), read_static(root, problems)
    catalogs = read_catalogs(root, problems)
    # A linked content/ is reported once, not again for every file read through it.
    return Sources(methods, factors, settings, docs, templates, static, catalogs, tuple(dict.fromkeys(problems)))


def read_templates(root: Path, problems: list[Problem]) -> dict[str, str]:
    """Read templates/ as text, by name under it; hidden and editor scratch files are not templates."""
    root = own_or_shipped(root, "templates")
    paths = list_files(root, "templates", problems)
    clashing = colliding(paths, problems)
    out = {}
    for src_path in (p for p in paths if p not in clashing):
        data = read_capped(root / src_path, src_path, problems)
        text, found = decode_text(data, src_path) if data is not None else (None, [])
        problems.extend(found)
        if text is not None and not found:
            out[src_path.removeprefix("templates/")] = text
    return out


def read_static(root: Path, problems: list[Problem]) -> dict[str, bytes]:
    """Read static/ as bytes, by where each file is published; hidden and editor scratch files are not published."""
    root = own_or_shipped(root, "static")
    paths = list_files(root, "static", problems)
    clashing = colliding(paths, problems)
    out = {}
    for src_path in (p for p in paths if p not in clashing):
        data = read_capped(root / src_path, src_path, problems, MAX_STATIC_BYTES)
        if data is not None and len(data) > MAX_STATIC_BYTES:
            problems.append(Problem(src_path, 1, 1, f"file is larger than the limit of {MAX_STATIC_BYTES} bytes; "
                                                    "static/ holds the site's own small assets"))
        elif data is not None:
            out[static_dest(src_path.removeprefix("static/"))] = data
    return out


def own_or_shipped(root: Path, folder: str) -> Path:
    """Return root if the project has its own templates/ or static/ (folder, a link included: it is refused), else
    the folder that holds the tool's own (resources.py): a project of content/ alone builds with the shipped look."""
    return root if os.path.lexists(root / folder) else shipped_base(folder)


def static_dest(rel_path: str) -> str:
    """Return where a file of static/ is published: static/embed/ at embed/ (other sites load it), the rest under assets/."""
    return rel_path if rel_path.startswith("embed/") else "assets/" + rel_path


def static_source(dest_path: str) -> str:
    """Return the file of static/ published at dest_path (the reverse of static_dest)."""
    return "static/" + dest_path.removeprefix("assets/")


def rel(root: Path, path: Path) -> str:
    """Return path relative to the project root, with forward slashes."""
    text, prefix = str(path), str(root)
    if os.sep == "/" and text.startswith(prefix + "/"):
        return text[len(prefix) + 1:]   # the same answer as below, without pathlib's cost on 10,000 files
    return path.relative_to(root).as_posix()


def read_yaml(root: Path, path: Path, problems: list[Problem]) -> YamlFile:
    """Read one YAML file into located nodes, adding any problems."""
    src_path = rel(root, path)
    data = read_capped(path, src_path, problems)
    if data is None:
        return YamlFile(src_path, None)
    try:
        return YamlFile(src_path, parse_text(data, src_path, problems))
    except Exception as exc:  # noqa: BLE001 - a bug of ours must still name the file it met
        problems.append(internal_problem(src_path, exc))
        return YamlFile(src_path, None)


def parse_text(data: bytes, src_path: str, problems: list[Problem], first_line: int = 1) -> Node | None:
    """Decode and parse YAML bytes; an empty document is a problem."""
    text, found = decode_text(data, src_path)
    node = None
    if text is not None and not found:
        node, found = parse_yaml(text, src_path)
        if node is None and not found:
            found = [Problem(src_path, 1, 1, "file is empty; expected a mapping of fields")]
    if first_line != 1:
        found = [Problem(p.src_path, p.line + first_line - 1, p.col, p.message) for p in found]
        _shift(node, first_line - 1)
    problems.extend(found)
    return node


def _shift(node: Node | None, lines: int) -> None:
    """Move a tree's line numbers down by lines (front matter inside a file)."""
    if node is None:
        return
    node.line += lines
    if node.kind == "map":
        node.key_pos = {k: (l + lines, c) for k, (l, c) in node.key_pos.items()}
    children = node.value.values() if node.kind == "map" else node.value if node.kind == "seq" else ()
    for child in children:
        _shift(child, lines)


def is_real_dir(root: Path, path: Path, problems: list[Problem]) -> bool:
    """Say whether path is a folder we may read, reporting one that is a symbolic link."""
    if path.is_symlink():
        problems.append(link_problem(rel(root, path)))
        return False
    return path.is_dir()


def fold_name(name: str) -> str:
    """Return the form two names share when a file system ignores case or Unicode normalisation."""
    if name.isascii():
        return name.lower()   # what the line below gives for ASCII, quicker
    return unicodedata.normalize("NFC", unicodedata.normalize("NFD", name).casefold())


def find_collisions(root: Path, paths: list[Path], problems: list[Problem]) -> set[Path]:
    """Report paths that another path equals after case folding and NFC; return them."""
    by_rel = {rel(root, path): path for path in paths}
    return {by_rel[r] for r in colliding(list(by_rel), problems)}


def colliding(rel_paths: list[str], problems: list[Problem]) -> set[str]:
    """Report repo-relative paths that another one equals after case folding and NFC; return them."""
    seen: dict[str, str] = {}
    clashing = set()
    for src_path in sorted(rel_paths, key=lambda p: (fold_name(p.rsplit("/", 1)[-1]) != p.rsplit("/", 1)[-1], p)):  # the well-formed name keeps its place
        key = fold_name(src_path)
        if key in seen:
            problems.append(Problem(src_path, 1, 1, f"file name collides with {seen[key]} when case or Unicode "
                                                    "normalisation is ignored (as on macOS and Windows); rename one"))
            clashing.add(src_path)
        else:
            seen[key] = src_path
    return clashing


def list_app_names(root: Path, problems: list[Problem]) -> list[str]:
    """Return the file names of content/apps/*.yaml in name order, reporting files that cannot be apps."""
    content, apps_dir = root / "content", root / "content" / "apps"
    if not is_real_dir(root, content, []) or apps_dir.is_symlink():
        is_real_dir(root, apps_dir, problems)
        return []
    entries = {e.name: e for e in sorted(os.scandir(apps_dir), key=lambda e: e.name) if not is_scratch(e.name)} if apps_dir.is_dir() else {}
    prefix = rel(root, apps_dir) + "/"
    if not entries:   # an empty catalogue and feed would tell Webconfig that every app is gone
        problems.append(Problem(prefix[:-1], 1, 1, NO_APPS_MESSAGE))
    clashing = colliding([prefix + name for name in entries], problems)
    found = []
    for name, entry in entries.items():   # in name order
        src_path = prefix + name
        stem = name.removesuffix(".yaml")
        if src_path in clashing:
            continue
        if entry.is_symlink():
            problems.append(link_problem(src_path))
        elif not name.endswith(".yaml") or not entry.is_file(follow_symlinks=False):
            problems.append(Problem(src_path, 1, 1, "only <basename>.yaml files belong in content/apps/"))
        elif not BASENAME_RE.match(stem):
            problems.append(Problem(src_path, 1, 1, f"file name '{stem}' is not a ClearOS basename (lower-case letters, digits and single underscores)"))
        elif stem in DEVICE_NAMES:
            problems.append(Problem(src_path, 1, 1, f"file name '{stem}' is reserved on Windows; ask for another basename"))
        else:
            found.append(name)
    return found


def read_docs(root: Path, problems: list[Problem]) -> list[DocFile]:
    """Read every content/docs/**/*.md into front matter and body."""
    docs_dir = root / "content" / "docs"
    if not (is_real_dir(root, root / "content", []) and is_real_dir(root, docs_dir, problems)):
        return []
    paths = sorted(p for p in docs_dir.rglob("*") if not any(is_scratch(part) for part in p.relative_to(docs_dir).parts))  # rglob does not descend into symbolic links to folders
    clashing = find_collisions(root, paths, problems)
    out = []
    owners: dict[str, str] = {}
    for path in paths:
        src_path = rel(root, path)
        if path in clashing:
            continue
        if path.is_symlink():
            problems.append(link_problem(src_path))
            continue
        if path.is_dir():
            continue
        doc_id = path.relative_to(docs_dir).with_suffix("").as_posix().removesuffix("/index")
        parts = doc_id.split("/")
        if (path.suffix != ".md" or not all(DOC_ID_RE.match(p) for p in parts) or parts[0] in RESERVED_DOC_IDS
                or any(p in DEVICE_NAMES for p in parts)):
            problems.append(Problem(src_path, 1, 1, "documentation files are <id>.md with lower-case letters, digits and hyphens, and not a name the site uses itself"))
            continue
        if doc_id in owners:  # 'level2.md' and 'level2/index.md' would both be /level2/
            problems.append(Problem(src_path, 1, 1, f"this page would have the same address, /{doc_id}/, as {owners[doc_id]}; remove one"))
            continue
        owners[doc_id] = src_path
        data = read_capped(path, src_path, problems)
        if data is None:
            continue
        try:
            out.append(split_front_matter(data, src_path, doc_id, problems))
        except Exception as exc:  # noqa: BLE001 - a bug of ours must still name the file it met
            problems.append(internal_problem(src_path, exc))
    return out


def split_front_matter(data: bytes, src_path: str, doc_id: str, problems: list[Problem]) -> DocFile:
    """Split '---' front matter from a Markdown body and parse it."""
    text, found = decode_text(data, src_path)
    if text is None or found:
        problems.extend(found)
        return DocFile(src_path, doc_id, None, "", 1)
    lines = text.replace("\r\n", "\n").split("\n")   # Windows line endings read as Unix ones (decode_text refused a lone CR)
    if lines[0].rstrip() != "---":
        problems.append(Problem(src_path, 1, 1, "expected front matter starting with '---' on the first line"))
        return DocFile(src_path, doc_id, None, text, 1)
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].rstrip() == "---")
    except StopIteration:
        problems.append(Problem(src_path, 1, 1, "front matter is not closed; did you forget the closing '---'?"))
        return DocFile(src_path, doc_id, None, "", 1)
    front_text = "\n".join(lines[1:end]).encode("utf-8")
    front = parse_text(front_text, src_path, problems, first_line=2)
    return DocFile(src_path, doc_id, front, "\n".join(lines[end + 1:]), end + 2)


def read_catalogs(root: Path, problems: list[Problem]) -> dict[str, tuple[str, str]]:
    """Read the translation catalogs, locale/<lang>/LC_MESSAGES/messages.po, as text: lang -> (src_path, text).

    Only these files are read, one folder at a time without following a link: a compiled .mo beside one is never
    loaded (it would be the checkout's code-like bytes, unchecked), and a linked .po is refused with its path.
    """
    root = own_or_shipped(root, "locale")
    wanted = {f"locale/{lang}/LC_MESSAGES/messages.po": lang for lang in SUPPORTED if lang != DEFAULT}
    out = {}
    for src_path in list_files(root, "locale", problems):
        if src_path not in wanted:
            continue
        data = read_capped(root / src_path, src_path, problems, MAX_CATALOG_BYTES)
        if data is not None and len(data) > MAX_CATALOG_BYTES:
            problems.append(Problem(src_path, 1, 1, f"file is larger than the limit of {MAX_CATALOG_BYTES} bytes; "
                                                    "a catalog of the site's interface is far smaller"))
            continue
        text, found = decode_text(data, src_path) if data is not None else (None, [])
        problems.extend(found)
        if text is not None and not found:
            out[wanted[src_path]] = (src_path, text)
    return out
