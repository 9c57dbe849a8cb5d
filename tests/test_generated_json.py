"""Every JSON file the build makes from content `check` accepts follows the schema it publishes.

That is why a build no longer checks each app's JSON against the schemas (build --verify still does,
and CI builds with it): here generated app files, legends, settings and histories go through the real
stages, and every JSON file they give (each app's own file, feed.json, the index, changes.json) is
checked as a client would check it, against the schemas as published, with jsonschema and its
format checks. The example apps, the generated corpus and the allowed hostile cases go the same way.
"""

from __future__ import annotations

import datetime
import json
import shutil
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import jsonschema
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from conftest import REPO, TODAY
from policysite.check.schema import load_schema
from policysite.content.history import PUBLISH, Version, parse_app
from policysite.engine.shared import read_shared
from policysite.problems import is_error
from policysite.render import feed
from policysite.stages import app_result, site_files

METHOD_IDS = ("forum_casual", "forum_dedicated", "vendor", "clearcenter_pro", "clearcenter_consulting")
ARTICLES = ("software-raid-5", "voip-priority-two-subnets", "home-directories-separate-disk")
ZONES = ("Europe/London", "America/St_Johns", "Asia/Kolkata", "Asia/Kathmandu", "Australia/Lord_Howe", "Pacific/Chatham",
         "America/Denver", "Africa/Casablanca", "Pacific/Kiritimati", "America/Sao_Paulo")
HOURS = ("Monday to Friday, 09:00 to 17:00", "Every day, 00:00 to 24:00", "Saturday to Sunday, 22:00 to 06:00",
         "Monday, 08:30 to 12:00; Wednesday to Friday, 13:00 to 18:45", "Sunday to Thursday, 23:00 to 08:00")
TIMES = ("best effort", "1 hour", "1 business day", "4 business hours", "2 days", "72 hours")
# Text a maintainer may write: the characters JSON escapes or a script element must not see raw, quotes,
# accents, other scripts and astral characters; the checks refuse control and invisible characters.
PROSE = st.text(st.sampled_from(list("abcXYZ019 .,;:!?-_/\\'\"<>&%#@()[]{}*`~=+|") + ["é", "ß", "ñ", "Ω", "ж", "中", "ع",
                                                                                   "😀", "€", "’", "—", "\u00a0"]),
                min_size=1, max_size=40).map(str.strip).filter(lambda t: t and not t.upper().startswith("TODO"))
LATIN = st.text(st.sampled_from(list("abcdefXYZ 0189-.&'") + ["é", "ö"]), min_size=1, max_size=30).map(str.strip).filter(bool)
DAYS = st.dates(datetime.date(1971, 1, 1), TODAY)
HOSTS = ("forum.example", "support.example.org", "tickets.vendor.example", "xn--bcher-kva.example", "a.b.c.example")
URLS = st.builds(lambda scheme, host, path: f"{scheme}://{host}/{path}", st.sampled_from(("http", "https")), st.sampled_from(HOSTS),
                 st.text(st.sampled_from(list("abcAZ09-._~/?=&%+!$,;:@")), max_size=30))
EMAILS = st.builds(lambda local, host: f"{local}@{host}", st.from_regex(r"[a-z0-9]([a-z0-9_+-]|\.[a-z0-9]){0,20}", fullmatch=True),
                   st.sampled_from(HOSTS))
generated = settings(max_examples=120, deadline=timedelta(seconds=20),
                     suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


def q(value) -> str:
    """Write a value as a YAML scalar: double-quoted text (JSON's escapes are YAML's) or a plain true, false or date."""
    return json.dumps(value, ensure_ascii=False) if isinstance(value, str) else str(value).lower()


def yaml_text(data: dict, indent: str = "") -> str:
    """Write nested mappings and lists of text as block YAML."""
    lines = []
    for key, value in data.items():
        if isinstance(value, dict):
            lines.append(f"{indent}{key}:\n{yaml_text(value, indent + '  ')}")
        elif isinstance(value, list):
            lines.append(f"{indent}{key}: [{', '.join(map(q, value))}]")
        else:
            lines.append(f"{indent}{key}: {q(value)}")
    return "\n".join(lines) + ("\n" if not indent else "")


@st.composite
def contact(draw, method_id: str) -> dict:
    """Return the contact fields of an available method."""
    out = {}
    if method_id == "clearcenter_pro" or draw(st.booleans()):
        out["url"] = draw(URLS)
    if draw(st.booleans()):
        out["reply_email" if method_id == "clearcenter_pro" else "email"] = draw(EMAILS)
    if draw(st.booleans()):
        hours = draw(st.sampled_from(HOURS + ("Every day, around the clock",)))
        out["hours"] = hours
        if hours != "Every day, around the clock":
            out["timezone"] = draw(st.sampled_from(ZONES))
    for key, values in (("response_time", st.sampled_from(TIMES)), ("scope", PROSE)):
        if draw(st.booleans()):
            out[key] = draw(values)
    return out


@st.composite
def method_policy(draw, method_id: str) -> dict:
    """Return one method's entry: available with contact fields, or not with a reason; sometimes a scheduled change."""
    available = draw(st.booleans())
    entry = {"available": True, **draw(contact(method_id))} if available else {"available": False, "reason": draw(PROSE)}
    if not available and draw(st.booleans()):
        entry["alternative"] = draw(PROSE)
    if draw(st.integers(0, 3)) == 0:
        day = draw(st.dates(TODAY + timedelta(days=1), TODAY + timedelta(days=800)))
        change = {"available": True, **draw(contact(method_id))} if not available else {"available": False, "reason": draw(PROSE)}
        entry["change"] = {"from": day.isoformat(), **change}
    return entry


@st.composite
def app_texts(draw) -> str:
    """Return the text of an app file meant to pass check (the test keeps only those that do)."""
    data = {"name": draw(LATIN), "vendor": draw(LATIN), "category": draw(st.sampled_from(("Cloud", "Gateway", "System"))),
            "license": draw(LATIN), "summary": draw(PROSE), "description": draw(PROSE)}
    if draw(st.booleans()):
        data["subcategory"] = draw(LATIN)
    links = {k: draw(URLS) for k in ("homepage", "documentation") if draw(st.booleans())}
    if links:
        data["links"] = links
    data["support"] = {m: draw(method_policy(m)) for m in METHOD_IDS}
    data["factors"] = {f: {"level": draw(st.sampled_from(("high", "medium", "low"))), "note": draw(PROSE)}
                       for f in ("knowledge", "stability", "vendor_relationship")}
    data["level2"] = {"covered": draw(st.booleans()), "articles": draw(st.lists(st.sampled_from(ARTICLES), unique=True, max_size=3))}
    data["reviewed"] = draw(DAYS).isoformat()
    return yaml_text(data)


@st.composite
def histories(draw, text: str) -> list[Version]:
    """Return the committed versions of a file whose last version is text: earlier texts, deletions, any dates git holds."""
    earlier = draw(st.lists(st.one_of(app_texts(), st.none()), max_size=3))
    epoch = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)
    last = datetime.datetime.combine(TODAY + timedelta(days=1), datetime.time(23, 59, 59), datetime.timezone.utc)
    versions = []
    for body in [*earlier, text]:
        when = draw(st.datetimes(epoch.replace(tzinfo=None), last.replace(tzinfo=None))).replace(tzinfo=datetime.timezone.utc)
        commit = draw(st.sampled_from((40, 64)).flatmap(lambda n: st.text("0123456789abcdef", min_size=n, max_size=n)))
        versions.append(Version(when, commit, None if body is None else parse_app(body.encode(), "content/apps/gen.yaml")))
    return versions


def project_with(tmp: Path, methods: str | None = None, site: str | None = None) -> Path:
    """Copy the example project without its apps, with a legend or settings of our own."""
    root = tmp / "proj"
    shutil.copytree(REPO / "content", root / "content", ignore=shutil.ignore_patterns("apps"))
    (root / "content/apps").mkdir()
    for folder in ("templates", "static"):
        shutil.copytree(REPO / folder, root / folder)
    for name, text in (("methods.yaml", methods), ("site.yaml", site)):
        if text is not None:
            (root / "content" / name).write_text(text, encoding="utf-8")
    return root


def shared_of(root: Path):
    """Read the shared inputs of a project as a build does (no --verify); fail on any problem in them."""
    shared, problems = read_shared(root, TODAY, PUBLISH, rendering=True)
    assert shared.site is not None and not problems, problems
    assert shared.validators is None   # the default build checks no JSON it makes
    return shared


def published_validators(shared) -> dict:
    """Return a validator (formats checked) for each schema the site publishes, read from the bytes it publishes."""
    base = shared.site.settings.base_url
    files = {**feed.render_schemas(shared.schema, base),
             **feed.publish_changes_schema(load_schema("changes.schema.json"), shared.schema, base)}
    cls = jsonschema.Draft202012Validator
    return {path.rsplit("/", 1)[1]: cls(json.loads(data), format_checker=cls.FORMAT_CHECKER) for path, data in files.items()}


def json_errors(shared, apps: list[tuple[str, bytes, list | None]]) -> list[str]:
    """Run app files through the stages and the site's files; return every schema error in the JSON made.

    Each app must pass check: an app the stage refuses fails here (callers keep only accepted content).
    """
    results = []
    for src_path, data, versions in apps:
        result, outputs = app_result(shared, src_path, data, versions)
        assert not any(map(is_error, result.problems)), result.problems
        results.append((result, outputs))
    site = replace(shared.site, apps=tuple(sorted((r.app for r, _ in results), key=lambda s: s.basename)))
    files = {dest: data for _, outputs in results for dest, data in outputs.items()}
    files.update(site_files(shared, site, [r for r, _ in results]))
    validators, errors = published_validators(shared), []
    for dest, data in sorted(files.items()):
        name = "app.schema.json" if dest.startswith(feed.APP_JSON_DIR + "/") else {
            "feed.json": "feed.schema.json", f"{feed.API_DIR}/index.json": "index.schema.json", feed.LEGEND_PATH: "legend.schema.json",
            "changes.json": "changes.schema.json"}.get(dest)
        if name:
            errors += [f"{dest}: {e.json_path}: {e.message}" for e in validators[name].iter_errors(json.loads(data))]
    assert any(d.startswith(feed.APP_JSON_DIR) for d in files) and "changes.json" in files
    return errors


def accepted(shared, text: str, versions=None) -> bool:
    """Return True if the stage accepts an app file."""
    result, _ = app_result(shared, "content/apps/gen_app.yaml", text.encode(), versions)
    return not any(map(is_error, result.problems))


@pytest.fixture(scope="module")
def example_shared(tmp_path_factory):
    """The shared inputs of the example project."""
    return shared_of(project_with(tmp_path_factory.mktemp("generated-json")))


def one_version(data: bytes) -> list[Version]:
    """Return a history of one commit publishing data."""
    when = datetime.datetime(2026, 3, 1, 10, tzinfo=datetime.timezone.utc)
    return [Version(when, "ab" * 20, parse_app(data, "content/apps/x.yaml"))]


@pytest.mark.parametrize("folder", ["content/apps", "tests/golden/input/corpus", "tests/cases/allowed"])
def test_the_json_of_every_example_corpus_and_allowed_hostile_app_follows_the_published_schemas(example_shared, folder):
    paths = sorted((REPO / folder).glob("*.yaml"))
    assert paths
    apps = [(f"content/apps/{p.name}", p.read_bytes(), one_version(p.read_bytes())) for p in paths]
    assert json_errors(example_shared, apps) == []


@generated
@given(st.data())
def test_the_json_of_any_app_file_check_accepts_follows_the_published_schemas(example_shared, data):
    texts = data.draw(st.lists(app_texts(), min_size=1, max_size=3))
    apps = []
    for i, text in enumerate(texts):
        versions = data.draw(histories(text))
        assume(accepted(example_shared, text, versions))
        apps.append((f"content/apps/gen_{i}.yaml", text.encode(), versions))
    assert json_errors(example_shared, apps) == []


def legend_text(draw) -> str:
    """Return a methods.yaml with the real ids and bits and generated titles, colours and markers."""
    hex_colour = st.text("0123456789abcdef", min_size=6, max_size=6).map("#".__add__)
    dark = st.text("01234567", min_size=3, max_size=3).map(lambda c: "#" + "".join(d + "0" for d in c))  # >= 4.5:1 on white
    methods = [{"id": m, "bit": 1 << i, "title": draw(PROSE), "short_title": draw(PROSE), "description": draw(PROSE),
                "colour": draw(hex_colour), "outline": draw(dark), "marker": draw(st.sampled_from("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))}
               for i, m in enumerate(METHOD_IDS)]
    return "methods:\n" + "".join("  - " + yaml_text(m, "    ").lstrip() + "\n" for m in methods)


def settings_text(draw) -> str:
    """Return a site.yaml with a generated title, notice and base address."""
    label = st.text("abcXYZ09-", min_size=1, max_size=8)
    host = ".".join(draw(st.lists(label, min_size=1, max_size=3)))
    port = draw(st.sampled_from(("", ":8080", ":1")))
    path = "".join(f"/{s}" for s in draw(st.lists(st.text("abcXYZ09._~-", min_size=1, max_size=6), max_size=2)))
    base = f"{draw(st.sampled_from(('http', 'https')))}://{host}{port}{path}/"
    return yaml_text({"title": draw(PROSE), "base_url": base, "example_notice": draw(PROSE)})


@settings(max_examples=25, deadline=timedelta(seconds=30), suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(st.data())
def test_the_json_made_with_any_legend_and_settings_check_accepts_follows_the_published_schemas(tmp_path_factory, data):
    root = project_with(tmp_path_factory.mktemp("legend"), legend_text(data.draw), settings_text(data.draw))
    shared, problems = read_shared(root, TODAY, PUBLISH, rendering=True)
    assume(shared.site is not None and not any(map(is_error, problems)))
    text = data.draw(app_texts())
    versions = data.draw(histories(text))
    assume(accepted(shared, text, versions))
    assert json_errors(shared, [("content/apps/gen_app.yaml", text.encode(), versions)]) == []


def test_the_checks_above_see_a_document_that_breaks_its_schema(example_shared, monkeypatch):
    """The comparison is not blind: a feed entry missing a required field is named."""
    real = feed.app_entry
    monkeypatch.setattr(feed, "app_entry", lambda app, base: {k: v for k, v in real(app, base).items() if k != "vendor"})
    data = (REPO / "content/apps/accounts.yaml").read_bytes()
    errors = json_errors(example_shared, [("content/apps/accounts.yaml", data, one_version(data))])
    assert errors == ["api/v1/apps/accounts.json: $.app: 'vendor' is a required property",
                      "feed.json: $.apps[0]: 'vendor' is a required property"]
