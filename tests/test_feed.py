"""The JSON feed: checked as data, against the schemas the site publishes, and for safe bytes."""

from __future__ import annotations

import copy
import gzip
import hashlib
import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from conftest import REPO, VALID_APP
from policysite.engine.recipe import build
from policysite.render.feed import LEGACY_TOP_LEVEL, dump_json
from policysite.render.jsondump import MAX_SAFE_INTEGER

METHODS = yaml.safe_load((REPO / "content/methods.yaml").read_text())["methods"]
BASE_URL = yaml.safe_load((REPO / "content/site.yaml").read_text())["base_url"]
SOURCE_SCHEMA = json.loads((REPO / "schema/feed.schema.json").read_text())
Validator = jsonschema.Draft202012Validator


@pytest.fixture(scope="module")
def site_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("feed") / "site"
    build(REPO, out, verify=True)   # CI's example build checks every JSON file against its schema (build --verify)
    return out


def load(path: Path):
    return json.loads(path.read_bytes())


def published_schema(site_dir: Path, url: str, base_url: str = BASE_URL) -> dict:
    """Return the schema the built site publishes at url, failing if it does not publish one."""
    assert url.startswith(f"{base_url}schema/v1/"), f"{url} is not a schema this site publishes"
    path = site_dir / url.removeprefix(base_url)
    assert path.is_file(), f"the site does not publish {url}"
    return load(path)


def closed(schema):
    """Return a copy of a schema in which every object that lists its fields allows no others."""
    if isinstance(schema, list):
        return [closed(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out = {k: closed(v) if k not in ("enum", "const", "required") else v for k, v in schema.items()}
    if "properties" in schema and "additionalProperties" not in schema:
        out["additionalProperties"] = False
    return out


def json_files(site_dir: Path) -> list[Path]:
    return sorted(site_dir.rglob("*.json"))


def check_published_schemas(site_dir: Path, base_url: str) -> None:
    for path in sorted((site_dir / "schema").rglob("*.json")):
        schema = load(path)
        Validator.check_schema(schema)
        assert schema["$id"] == base_url + path.relative_to(site_dir).as_posix()
        assert schema["x-version"] == SOURCE_SCHEMA["x-version"]


def check_documents(site_dir: Path, base_url: str, close: bool = False) -> set[str]:
    """Validate every JSON document against the schema it names; return the paths checked."""
    checked = set()
    for path in json_files(site_dir):
        if path.relative_to(site_dir).parts[0] in ("schema", "assets"):   # assets/: the pages' own files, not the feed
            continue
        doc = load(path)
        if path.relative_to(site_dir).as_posix() == "changes.json":
            # A JSON Feed 1.1 document: no room for our own fields; its schema is published beside the others.
            schema = published_schema(site_dir, f"{base_url}schema/v1/changes.schema.json", base_url)
            Validator(schema, format_checker=Validator.FORMAT_CHECKER).validate(doc)
            checked.add("changes.json")
            continue
        assert isinstance(doc, dict) and "schema" in doc, f"{path.relative_to(site_dir)} does not name its schema"
        schema = published_schema(site_dir, doc["schema"], base_url)
        Validator(closed(schema) if close else schema, format_checker=Validator.FORMAT_CHECKER).validate(doc)
        assert doc["feed_version"] == schema["x-version"], path
        checked.add(path.relative_to(site_dir).as_posix())
    return checked


def test_site_publishes_a_valid_schema_for_each_document_with_its_address_and_version(site_dir):
    names = sorted(p.name for p in (site_dir / "schema/v1").iterdir())
    assert names == ["app.schema.json", "changes.schema.json", "feed.schema.json", "index.schema.json", "legend.schema.json"]
    check_published_schemas(site_dir, BASE_URL)


def test_every_json_file_the_build_writes_validates_against_the_schema_the_site_publishes(site_dir):
    checked = check_documents(site_dir, BASE_URL)
    index = load(site_dir / "api/v1/index.json")
    expected = {"feed.json", "changes.json", "api/v1/index.json", "api/v1/legend.json"} | {f"api/v1/apps/{p.stem}.json" for p in (REPO / "content/apps").glob("*.yaml")}
    assert expected | {f"api/v1/by-hash/{a['sha256']}.json" for a in index["apps"]} <= checked


def test_every_field_the_build_writes_is_described_in_the_schema(site_dir):
    """Published objects stay open for later additions; what we write today must all be documented."""
    check_documents(site_dir, BASE_URL, close=True)


def test_a_site_with_another_address_publishes_schemas_at_that_address(project):
    base = "https://mirror.example.org/policies/"
    settings = project.root / "content/site.yaml"
    settings.write_text(settings.read_text().replace("https://policies.clearos.example/", base))
    build(project.root, project.out, history_mode=None)
    check_published_schemas(project.out, base)
    assert check_documents(project.out, base) >= {"feed.json", "api/v1/index.json", "api/v1/apps/sample_app.json"}
    assert load(project.out / "feed.json")["schema"] == base + "schema/v1/feed.schema.json"


def test_feed_legend_is_methods_yaml_in_order(site_dir):
    feed = load(site_dir / "feed.json")
    assert [(m["id"], m["bit"], m["title"], m["colour"], m["outline"], m["marker"]) for m in feed["legend"]] == \
           [(m["id"], m["bit"], m["title"], m["colour"], m["outline"], m["marker"]) for m in METHODS]
    assert all(m["ink"] in ("#000000", "#ffffff") for m in feed["legend"])


def test_supported_is_the_or_of_available_bits_from_the_yaml(site_dir):
    feed = load(site_dir / "feed.json")
    for entry in feed["apps"]:
        support = yaml.safe_load((REPO / f"content/apps/{entry['basename']}.yaml").read_text())["support"]
        expected = sum(m["bit"] for m in METHODS if support[m["id"]]["available"])
        assert entry["supported"] == expected, entry["basename"]
        assert [(p["id"], p["available"]) for p in entry["methods"]] == [(m["id"], support[m["id"]]["available"]) for m in METHODS]


def test_feed_apps_are_sorted_and_match_their_own_files(site_dir):
    feed = load(site_dir / "feed.json")
    names = [a["basename"] for a in feed["apps"]]
    assert names == sorted(names)
    for entry in feed["apps"]:
        document = load(site_dir / f"api/v1/apps/{entry['basename']}.json")
        assert document["legend"] == [{k: v for k, v in e.items() if k != "translations"} for e in feed["legend"]]   # since 1.3
        assert {k: document["app"][k] for k in entry} == entry
        assert entry["json_url"] == f"{BASE_URL}api/v1/apps/{entry['basename']}.json"


def test_each_app_file_repeats_basename_name_and_supported_at_its_top_level_as_old_webconfig_reads_them(site_dir):
    files = sorted((site_dir / "api/v1/apps").glob("*.json"))
    assert [p.stem for p in files] == sorted(p.stem for p in (REPO / "content/apps").glob("*.yaml"))
    for path in files:
        document = load(path)
        assert {k: document[k] for k in LEGACY_TOP_LEVEL} == {k: document["app"][k] for k in LEGACY_TOP_LEVEL}, path.name
        assert document["basename"] == path.stem
    assert LEGACY_TOP_LEVEL == ("basename", "name", "supported")


def test_index_lists_every_app_with_the_hash_of_its_file(site_dir):
    index = load(site_dir / "api/v1/index.json")
    feed = load(site_dir / "feed.json")
    assert [a["basename"] for a in index["apps"]] == [a["basename"] for a in feed["apps"]]
    assert index["legend"] == feed["legend"]
    assert index["apps_url"] == BASE_URL + "api/v1/apps/" and index["by_hash_url"] == BASE_URL + "api/v1/by-hash/"
    for entry in index["apps"]:
        data = (site_dir / f"api/v1/apps/{entry['basename']}.json").read_bytes()
        assert entry["sha256"] == hashlib.sha256(data).hexdigest()
        assert (site_dir / f"api/v1/by-hash/{entry['sha256']}.json").read_bytes() == data
        assert entry["supported"] == json.loads(data)["app"]["supported"]
    hashed = sorted(p.stem for p in (site_dir / "api/v1/by-hash").iterdir())
    assert hashed == sorted(e["sha256"] for e in index["apps"])


def test_the_files_that_grow_with_the_apps_are_also_written_gzipped_with_no_name_and_no_time(site_dir):
    for name in ("feed.json", "api/v1/index.json"):
        packed = (site_dir / f"{name}.gz").read_bytes()
        assert gzip.decompress(packed) == (site_dir / name).read_bytes()
        # RFC 1952 header: magic, deflate, no flags (so no file name), mtime 0, "slowest" (level 9), OS unknown.
        assert packed[:10] == b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"
    assert sorted(p.relative_to(site_dir).as_posix() for p in site_dir.rglob("*.gz")) == ["api/v1/index.json.gz", "feed.json.gz"]


def test_a_file_gzipped_in_chunks_on_several_threads_is_the_bytes_one_thread_gives(monkeypatch):
    """precompress deflates its chunks on every core; the order of their bytes is fixed all the same."""
    from policysite.render import compress

    entries = b",".join(b'{"basename":"app_%05d","text":"%s"}' % (i, b"policy %d " % (i * 7919 % 1000) * 20) for i in range(3000))
    data = b'{"apps":[' + entries + b"]}"
    many = compress.precompress(data)
    monkeypatch.setattr(compress.os, "cpu_count", lambda: 1)
    one = compress.precompress(data)
    assert gzip.decompress(many) == data and many == one
    assert len(compress._ENTRY_START.findall(data)) > 10 * compress.CHUNK_APPS   # dozens of chunks


def test_changing_one_app_changes_only_its_hash(project):
    project.app("second_app", VALID_APP.replace("Sample App", "Second App"))
    build(project.root, project.out, history_mode=None)
    before = {e["basename"]: e["sha256"] for e in load(project.out / "api/v1/index.json")["apps"]}
    project.app("second_app", VALID_APP.replace("Sample App", "Second App").replace("2 business days", "3 business days"))
    build(project.root, project.out, history_mode=None)
    after = {e["basename"]: e["sha256"] for e in load(project.out / "api/v1/index.json")["apps"]}
    assert after["sample_app"] == before["sample_app"] and after["second_app"] != before["second_app"]
    assert not (project.out / f"api/v1/by-hash/{before['second_app']}.json").exists()


def test_feed_has_no_wall_clock_time(project, monkeypatch):
    """Two builds at different times of one day give the same feed: only the date can matter
    (to freshness and scheduled changes), never the time."""
    out_a, out_b = project.root / "a", project.root / "b"
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1795651201")   # 2026-11-26 00:00:01 UTC
    build(project.root, out_a, history_mode=None)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1795737599")   # 2026-11-26 23:59:59 UTC
    build(project.root, out_b, history_mode=None)
    for path in json_files(out_a):
        assert path.read_bytes() == (out_b / path.relative_to(out_a)).read_bytes(), path


# --- Safe bytes -------------------------------------------------------------------------------

def refuse_constant(name):
    raise ValueError(f"{name} is not JSON")


def unsafe_values(value, path="$") -> list[str]:
    """List integers a JavaScript client cannot hold exactly, and strings with lone surrogates."""
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in unsafe_values(k, path) + unsafe_values(v, f"{path}.{k}")]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in unsafe_values(v, f"{path}[{i}]")]
    if isinstance(value, bool):
        return []
    if isinstance(value, int) and abs(value) > MAX_SAFE_INTEGER:
        return [f"{path}: unsafe integer"]
    if isinstance(value, float):
        return [f"{path}: float"]  # the feed has no fractional numbers at all
    if isinstance(value, str) and any("\ud800" <= c <= "\udfff" for c in value):
        return [f"{path}: lone surrogate"]
    return []


def check_safe_bytes(path: Path) -> None:
    raw = path.read_bytes()
    text = raw.decode("utf-8")  # strict: fails on bad UTF-8 or encoded surrogates
    for ch in ("<", ">", "&", "\u2028", "\u2029"):
        assert ch not in text, f"{path.name}: raw {ch!r} would break out of an inline <script>"
    assert raw.endswith(b"\n") and not raw.startswith(b"\xef\xbb\xbf")
    value = json.loads(text, parse_constant=refuse_constant)
    assert unsafe_values(value) == [], path


def test_every_json_file_is_utf8_script_safe_and_holds_only_safe_values(site_dir):
    for path in json_files(site_dir):
        check_safe_bytes(path)


def test_hostile_text_in_an_app_stays_inert_in_its_json(project):
    hostile = "</script><script>alert(1)</script><!-- & ünïcode"  # the loader refuses U+2028/9 in content
    written = hostile
    project.app("sample_app", VALID_APP.replace(
        "    response_time: 2 business days\n", f"    response_time: 2 business days\n    scope: \"{written}\"\n"))
    build(project.root, project.out, history_mode=None)
    path = project.out / "api/v1/apps/sample_app.json"
    check_safe_bytes(path)
    assert load(path)["app"]["methods"][2]["scope"] == hostile


def test_json_is_safe_to_inline_in_a_script_element():
    data = {"summary": "</script><script>alert(1)</script> & \u2028\u2029 café"}
    raw = dump_json(data)
    assert b"<" not in raw and b">" not in raw and b"&" not in raw
    assert "\u2028".encode() not in raw and "\u2029".encode() not in raw
    assert json.loads(raw) == data
    assert "café".encode() in raw  # UTF-8, not \\u escapes, for size


@pytest.mark.parametrize("value, message", [
    ({"x": float("nan")}, "$.x: nan is not a JSON number"),
    ({"x": [float("inf")]}, "$.x[0]: inf is not a JSON number"),
    ({"x": 2**53}, "$.x: integer 9007199254740992 is beyond ±(2^53 - 1), which JavaScript cannot hold exactly"),
    ({"x": -(2**53)}, "$.x: integer -9007199254740992 is beyond ±(2^53 - 1), which JavaScript cannot hold exactly"),
    ({"x": "a\ud800b"}, "$.x: lone surrogate U+D800 cannot be written as UTF-8"),
    ({"a\udfffb": 1}, "$ (key): lone surrogate U+DFFF cannot be written as UTF-8"),
    ({1: "x"}, "$: object key 1 is not text"),
    ({"x": {1, 2}}, "$.x: set is not a JSON value"),
])
def test_json_refuses_values_a_client_could_not_read_back(value, message):
    with pytest.raises(ValueError) as exc:
        dump_json(value)
    assert str(exc.value) == message


def test_json_keeps_the_largest_safe_integers_and_astral_characters():
    data = {"big": MAX_SAFE_INTEGER, "small": -MAX_SAFE_INTEGER, "emoji": "\U0001f600"}
    assert json.loads(dump_json(data)) == data


def test_closed_schema_check_would_catch_an_undocumented_field(site_dir):
    """The closed variant used above really rejects a field the schema does not list."""
    doc = copy.deepcopy(load(site_dir / "api/v1/apps/web_proxy.json"))
    doc["app"]["undocumented"] = 1
    schema = published_schema(site_dir, doc["schema"])
    Validator(schema).validate(doc)  # open: a client on 1.0 accepts a 1.x document with new fields
    with pytest.raises(jsonschema.ValidationError):
        Validator(closed(schema)).validate(doc)


# --- The build refuses to publish a feed that breaks its own schema ---------------------------

def test_build_verify_refuses_an_app_file_that_breaks_the_published_schema(project, monkeypatch, capsys):
    """Valid content cannot cause this (tests/test_generated_json.py); a bug of ours could, and build --verify catches it."""
    from conftest import tree_digest
    from policysite import cache
    from policysite.render import feed

    assert project.run()[0] == 0
    before = tree_digest(project.out)
    real = feed.app_detail
    monkeypatch.setattr(feed, "app_detail", lambda app, site: {k: v for k, v in real(app, site).items() if k != "summary"})
    monkeypatch.setattr(cache, "_version", "policysite with the bug")  # changed code is a new code version
    status, _, err = project.run("--verify", capsys=capsys)
    assert status == 1 and tree_digest(project.out) == before
    assert err.splitlines()[0] == (
        "content/apps/sample_app.yaml:1:1: the feed would not match the published app.schema.json "
        "at $.app: 'summary' is a required property; this is a bug in policysite, please report it")


def test_build_verify_checks_what_a_build_without_it_made_and_remembered(project, monkeypatch, capsys):
    """Neither the remembered app results nor the nothing-changed shortcut of a build without --verify pass for checked."""
    from policysite.render import feed

    real = feed.app_detail
    monkeypatch.setattr(feed, "app_detail", lambda app, site: {k: v for k, v in real(app, site).items() if k != "summary"})
    assert project.run()[0] == 0
    assert project.run()[0] == 0   # nothing changed
    status, _, err = project.run("--verify", capsys=capsys)
    assert status == 1 and "at $.app: 'summary' is a required property" in err.splitlines()[0]


def test_build_refuses_a_legend_that_breaks_the_published_schema_with_or_without_verify(project, monkeypatch, capsys):
    """The legend goes into feed.json and the index as well as every app's file, checked once a build even without --verify."""
    from policysite.render import feed

    real = feed.legend_entry
    monkeypatch.setattr(feed, "legend_entry", lambda method: {**real(method), "bit": 3} if method.bit == 1 else real(method))
    for options, names in (((), ("feed.schema.json", "index.schema.json", "legend.schema.json")),
                           (("--verify",), ("app.schema.json", "feed.schema.json", "index.schema.json", "legend.schema.json"))):
        status, _, err = project.run(*options, capsys=capsys)
        assert status == 1 and not project.out.exists()
        assert err.splitlines()[:-1] == [
            f"content/methods.yaml:1:1: the feed would not match the published {name} at $.legend[0].bit: "
            "3 is not one of [1, 2, 4, 8, 16]; this is a bug in policysite, please report it" for name in names]


def test_verify_is_only_for_build(project, capsys):
    for command in ("check", "serve", "diff HEAD", "new x"):
        status, _, err = project.run(*command.split(), "--verify", capsys=capsys)
        assert (status, err) == (2, f"error: --verify does not apply to {command.split()[0]}; it is for build\n")


def test_the_lists_joined_from_each_apps_entry_are_what_serialising_them_whole_gives(site_dir):
    """feed.json and the index are put together from the apps' remembered entries; the bytes must not show it."""
    from policysite.render.feed import dump_json

    for name in ("feed.json", "api/v1/index.json"):
        data = (site_dir / name).read_bytes()
        assert dump_json(json.loads(data)) == data


def test_the_legend_carries_its_translations_once_in_feed_index_and_legend_json_never_in_an_app_file(site_dir):
    """Since 1.3; an app's file keeps the legend it had in 1.2 (translations there would triple its size)."""
    methods = yaml.safe_load((REPO / "content/methods.yaml").read_text(encoding="utf-8"))["methods"]
    wanted = [m["translations"] for m in methods]
    assert all(set(t) == {"de", "fr", "it", "nl", "pt", "es"} for t in wanted)
    legends = {rel: load(site_dir / rel)["legend"] for rel in ("feed.json", "api/v1/index.json", "api/v1/legend.json")}
    for rel, legend in legends.items():
        assert [entry["translations"] for entry in legend] == wanted, rel
        assert [(e["title"], e["short_title"], e["description"]) for e in legend] == \
               [(m["title"], m["short_title"], m["description"]) for m in methods], rel
    for path in sorted((site_dir / "api/v1/apps").glob("*.json")):
        legend = load(path)["legend"]
        assert legend == [{k: v for k, v in e.items() if k != "translations"} for e in legends["feed.json"]], path.name
    assert set(load(site_dir / "api/v1/legend.json")) == {"feed_version", "schema", "legend"}
