"""Build app by app: everything one app file gives the site is one unit of work (stages.py), remembered by
a hash of all it was made from, so an edit redoes one app and the pages that list every app are put
together from the units' fragments.

The files only a unit makes are not kept in the cache: a unit remembered from before finds them in the published
site by their hashes (the publisher hard-links them), and is worked out again if they are not there.

The key of a unit is the SHA-256 of: the code version, the build date, every shared input (the
legend, the factors, the site settings, the templates, the documents), the app file's bytes and its
git history. Anything else an app's pages could depend on would have to be in that list, so
app.html must not read the whole site (the global 'site'); if it does, pipeline.build renders the
site whole instead.
"""

from __future__ import annotations

import datetime
import hashlib
import os
import stat
import time
from dataclasses import replace
from pathlib import Path

from policysite import progress
from policysite.cache import Store, code_version, digest_of
from policysite.check import rules
from policysite.check.inputs import check_docs, check_settings
from policysite.check.schema import load_schema
from policysite.codec import encode, named
from policysite.content import history
from policysite.content.site import make_site
from policysite.engine.stores import opened
from policysite.model import Site
from policysite.problems import ContentError, Problem, internal_problem, is_error
from policysite.render import feed
from policysite.render.pages import make_env, reads_only_its_context, render_pages
from policysite.sources import read
from policysite.stages import METHODS_PATH, SETTINGS_PATH, Facts, Shared, Unit, make_unit

RACY_SECONDS = 2   # a file changed this recently could change again within its clock tick: hash it every time
VERSION_CLASSES = named(history.Version)
QUICK_MIN = 64     # apps to work out before compiled schema checks pay for their compiling


UNIT_CLASSES = named(Unit, Facts, Problem)   # what the store of units may hold besides plain data


def build(root: Path, out_dir: Path, today: datetime.date, strict: bool, stores: dict, kept: bool = False,
          history_mode: str | None = history.PUBLISH) -> Site | None:
    """Build the site unit by unit into out_dir, or return None if it has to be built whole instead.

    Raises ContentError or GitError (and leaves out_dir as it was) on problems. kept: stores lives on
    after this build (the preview server).
    """
    from policysite.publish.write import Publisher

    shared, problems = prepare(root, today, stores, kept, history_mode)
    if shared is None:
        return None
    names = read.list_app_names(root, problems)
    units, files = opened(stores, root, "units", UNIT_CLASSES), opened(stores, root, "files")
    planned = plan(root, names, shared, files, units, problems)
    try:
        with Publisher(out_dir) as publisher:
            done = work_out(root, shared, planned, units, publisher, problems)
            facts = [u.facts for u in done if u.facts is not None]
            problems += feed.envelope_problems(shared.site, shared.schema, METHODS_PATH, SETTINGS_PATH)
            problems = list(dict.fromkeys(problems))   # a broken legend breaks every app's file the same way
            if not any(map(is_error, problems)):
                problems += rules.check_cross_facts([(f.src_path, f.cross) for f in facts], shared.docs)
            if strict:
                problems = [replace(p, severity="error") for p in problems]
            if any(map(is_error, problems)):
                raise ContentError(problems)
            site = replace(shared.site, apps=tuple(sorted(facts, key=lambda f: f.basename)))
            for dest, data in assemble(shared, site, done, opened(stores, root, "gzip")):
                publisher.put(dest, data)
            publisher.finish()
    finally:
        for name in ("units", "files", "gzip"):
            if name in stores:
                stores[name].save()
    return replace(site, warnings=tuple(sorted(problems)))


def prepare(root: Path, today: datetime.date, stores: dict, kept: bool = False,
            history_mode: str | None = history.PUBLISH) -> tuple[Shared | None, list[Problem]]:
    """Read and check everything but the app files; return what units share, or None if the site must be built whole.

    With a problem in a shared file the whole build reports everything it can; app pages that
    read the whole site cannot be built one by one. A preview server keeps the answer (in stores)
    for as long as no shared file, the date, the code or the git commit changes.
    """
    signature = (shared_signature(root, today), history_mode) if kept else None
    known = stores.get("shared")
    if signature is not None and known is not None and known[0] == signature:
        return known[1], list(known[2])
    shared, problems = read_shared(root, today, stores, history_mode)
    if signature is not None:
        stores["shared"] = (signature, shared, tuple(problems))
    return shared, problems


def shared_signature(root: Path, today: datetime.date) -> str:
    """Return a hash of the path, size, times and inode of every input but the app files (and the bytes of those
    changed too recently for their times to tell), with the date, the code version and the git commit."""
    from policysite.engine.unchanged import content_hash, git_head, walk

    digest = hashlib.sha256(f"{code_version()}\0{today.isoformat()}\0{git_head(root)}\0".encode())
    recent = (time.time() - RACY_SECONDS) * 1e9
    apps = str(root / "content" / "apps")
    for folder in ("content", "templates", "static"):
        for path, st in walk(root / folder, prune=apps):
            if path == apps:
                continue
            digest.update(f"{path}\0{st.st_mode}\0{st.st_size}\0{st.st_mtime_ns}\0{st.st_ctime_ns}\0{st.st_ino}\n"
                          .encode("utf-8", "surrogateescape"))
            if stat.S_ISREG(st.st_mode) and max(st.st_mtime_ns, st.st_ctime_ns) >= recent:
                digest.update(f"{content_hash(path)}\n".encode())   # its times could miss an edit in the same tick
    return digest.hexdigest()


def read_shared(root: Path, today: datetime.date, stores: dict, history_mode: str | None) -> tuple[Shared | None, list[Problem]]:
    """Read and check everything but the app files (see prepare)."""
    sources = read.read_sources(root, apps=False)
    problems = list(sources.problems)
    methods, factors, settings = check_settings(sources, problems)
    docs = check_docs(sources, problems)
    if any(map(is_error, problems)) or not (methods and factors and settings):
        return None, problems
    try:
        site = make_site(sources, methods.data, factors.data, settings.data, [], docs, today)
    except ContentError:
        return None, problems
    env = make_env(site)
    if not reads_only_its_context(env, "app.html"):
        return None, problems
    versions = history.read_versions(root, opened(stores, root, "history")) if history_mode else {}
    bodies = {d.src_path: d.body for d in sources.docs}
    digest = hashlib.sha256(f"{code_version()}\0{today.isoformat()}\0{history_mode}\0".encode())
    digest.update(encode((methods.data, factors.data, settings.data, sorted(site.templates.items()),
                          [(src_path, doc_id, bodies[src_path], loc.data) for src_path, doc_id, loc in docs]), {}))
    parts = {"methods": site.methods, "factors": site.factors, "levels": {lv.id: lv for lv in site.levels}}
    return Shared(site, parts, today, versions, history_mode, docs, digest.hexdigest(), env, load_schema("feed.schema.json")), problems


def plan(root: Path, names: list[str], shared: Shared, files: Store, units: Store,
         problems: list[Problem]) -> list[tuple[str, str, Unit | None, bytes | None]]:
    """Return (src_path, unit key, remembered unit or None, the file's bytes if read) for each app file name.

    A file whose size, times and inode are what they were when its hash was taken is not read again.
    """
    out = []
    recent = (time.time() - RACY_SECONDS) * 1e9
    folder = read.rel(root, root / "content" / "apps")
    for name in names:
        src_path = f"{folder}/{name}"
        path = f"{root}/{src_path}"
        try:
            st = os.lstat(path)
        except OSError:
            st = None
        sig = (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino) if st and stat.S_ISREG(st.st_mode) else None
        known = files.get(src_path) if sig else None
        data = None
        if known and known[0] == sig:
            digest = known[1]
        else:
            data = read.read_capped(path, src_path, problems)
            if data is None:
                continue
            digest = digest_of(data)
            if sig and max(sig[1], sig[2]) < recent:
                files.put(src_path, (sig, digest))
        key = digest_of(f"{shared.digest}\0{src_path}\0{digest}\0".encode()
                        + encode(shared.versions.get(src_path), VERSION_CLASSES))   # None (never committed) is not [] (none readable)
        out.append((src_path, key, units.get(key), data))
    return out


def work_out(root: Path, shared: Shared, planned: list, units: Store, publisher, problems: list[Problem]) -> list[Unit]:
    """Return every app's unit, working out those not remembered (in parallel when there are many) and
    publishing their files; a remembered unit's files are taken from the live site by their hashes."""
    missing = [(src_path, data) for src_path, _, unit, data in planned if unit is None or not keeps(publisher, unit)]
    fresh = dict(zip((s for s, _ in missing), make_units(root, shared, missing, publisher)))
    done = []
    for src_path, key, unit, _ in planned:
        if src_path in fresh:
            unit = fresh[src_path]
            if not any(map(is_error, unit.problems)):
                units.put(key, unit)
        else:
            units.get(key)   # still in use
        problems.extend(unit.problems)
        done.append(unit)
    return done


def keeps(publisher, unit: Unit) -> bool:
    """Take a remembered unit's files from the live site; return False if any is not there as it was."""
    return publisher.keep(unit.files) if not any(map(is_error, unit.problems)) else True


def make_units(root: Path, shared: Shared, work: list[tuple[str, bytes | None]], publisher):
    """Yield the unit of each (src_path, bytes) in order, publishing its files as it comes."""
    global _shared
    _shared = shared
    total = len(work)
    shared.validators = feed.document_validators(shared.schema, quick=total >= QUICK_MIN)
    pool = read.worker_pool(total)
    jobs = [(root, s, d) for s, d in work]
    results = pool.imap(_unit_worker, jobs, chunksize=read.chunk_size(total)) if pool else map(_unit_worker, jobs)
    try:
        for done, (unit, outputs) in enumerate(results, 1):
            progress.step("building apps", done, total)
            for dest, data in outputs.items():
                if dest not in publisher.manifest:   # kept from the live site before the rest of its unit was found missing
                    publisher.put(dest, data)
            yield unit
    finally:
        if pool is not None:
            pool.terminate()
            pool.join()


_shared: Shared | None = None


def _unit_worker(item: tuple[Path, str, bytes | None]) -> tuple[Unit, dict[str, bytes]]:
    """Work out one unit (in a worker process, or in the build's own)."""
    root, src_path, data = item
    problems: list[Problem] = []
    if data is None:
        data = read.read_capped(root / src_path, src_path, problems)
        if data is None:
            return Unit(tuple(problems)), {}
    try:
        return make_unit(_shared, src_path, data)
    except ContentError as exc:   # a fault in a template, located on the template
        return Unit(tuple(exc.problems)), {}
    except Exception as exc:  # noqa: BLE001 - one file's failure is that file's problem, never a traceback
        return Unit((internal_problem(src_path, exc),)), {}


def assemble(shared: Shared, site: Site, units: list[Unit], chunks: Store):
    """Yield (dest_path, bytes) for the files about every app, from the units' fragments, and the rest of
    the site; one group at a time, so the catalogue and the feed are never in memory together."""
    ordered = sorted((u for u in units if u.facts is not None), key=lambda u: u.facts.basename)
    shared.env.globals.update(site=site)
    latest = feed.latest_changes([item for u in ordered for item in u.changes])
    yield from render_pages(site, latest, rows={u.facts.basename: u.row for u in ordered}, env=shared.env, app_pages=False).items()
    yield from feed.render_lists(site, shared.schema, [u.entry for u in ordered], [u.index_entry for u in ordered], chunks).items()
    out = feed.render_change_files(site, latest)
    out.update(feed.render_schemas(shared.schema, site.settings.base_url))
    changes_schema = load_schema("changes.schema.json")
    out.update(feed.publish_changes_schema(changes_schema, shared.schema, site.settings.base_url))
    problems = feed.check_changes(out, changes_schema, SETTINGS_PATH)
    if problems:
        raise ContentError(problems)
    yield from out.items()
