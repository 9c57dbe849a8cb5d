"""The site in seven languages: catalogs complete and current, every template string marked, hostile catalogs refused,
content/site.yaml's languages checked, and each language's pages with their lang, hreflang, switcher, sitemap and 404."""

from __future__ import annotations

import io
import re
import shlex
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import jinja2
import pytest
from babel.core import Locale
from babel.messages.mofile import write_mo
from babel.messages.plurals import get_plural
from babel.messages.pofile import read_po
from bs4 import BeautifulSoup

from conftest import REPO, tree_digest
from policysite.languages import NAMES, SUPPORTED
from policysite.render.i18n import Catalog, english, plural_categories

TRANSLATED = [lang for lang in SUPPORTED if lang != "en"]
CONTRIBUTING = (REPO / "CONTRIBUTING.md").read_text(encoding="utf-8")
SITE_YAML = (REPO / "content/site.yaml").read_text(encoding="utf-8")
TEMPLATES = sorted(p for p in (REPO / "templates").rglob("*.html"))
# Names and code, the same in every language: left unmarked on purpose.
PROPER_NAMES = {"ClearCARE Level II"}
FILE_NAME = re.compile(r"[\w./-]*\.(json|xml|atom|md)\Z")   # {{ app.basename }}.json: a file's name, not words
VISIBLE_ATTRIBUTES = re.compile(r'\b(aria-label|title|alt|placeholder)="([^"]*)"')


def catalog(lang: str):
    return read_po((REPO / f"locale/{lang}/LC_MESSAGES/messages.po").open(encoding="utf-8"), locale=lang)


def template_ids() -> set:
    return {m.id for m in read_po((REPO / "locale/messages.pot").open(encoding="utf-8")) if m.id}


# --- catalogs ------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("lang", TRANSLATED)
def test_every_catalog_compiles_and_translates_every_message_with_no_fuzzy_entry(lang):
    found = catalog(lang)
    write_mo(io.BytesIO(), found)   # what `pybabel compile` does, into memory
    messages = {m.id: m for m in found if m.id}
    assert set(messages) == template_ids()
    for message in messages.values():
        assert not message.fuzzy, message.id
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        assert all(strings), f"{lang}: no translation for {message.id!r}"
        assert len(strings) == (len(plural_categories(lang)) if message.pluralizable else 1)


@pytest.mark.parametrize("lang", TRANSLATED)
def test_no_translation_is_left_in_english(lang):
    """A translation equal to its msgid is a string nobody translated, unless it is a word every language shares."""
    shared = {"Bit", "Web", "Page %(number)s", "Apps", "Page", "Articles", "Documentation", "Licence", "Site", "Note",
              "Categories", "Category", "Factor", "Method", "Disponible", "E-mail"}
    same = [m.id for m in catalog(lang) if m.id and not m.pluralizable and m.string == m.id and m.id not in shared]
    assert same == []


def contributing_command(verb: str) -> list[str]:
    """Return the pybabel command CONTRIBUTING.md gives for verb (extract, update), as arguments."""
    line = next(l for l in CONTRIBUTING.splitlines() if l.startswith(f".venv/bin/pybabel {verb} "))
    return shlex.split(line)[1:]


def test_the_pot_is_current_with_the_templates(tmp_path):
    """Run CONTRIBUTING.md's own extract command into a temporary file and compare the messages."""
    args = contributing_command("extract")
    args[args.index("-o") + 1] = str(tmp_path / "messages.pot")
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", *args], cwd=REPO, check=True, capture_output=True)
    assert {m.id for m in read_po((tmp_path / "messages.pot").open(encoding="utf-8")) if m.id} == template_ids()


def test_contributing_shows_only_messages_the_catalog_check_prints():
    shown = set(re.findall(r"`locale/de/LC_MESSAGES/messages\.po:212:1: (.+?)` \|", CONTRIBUTING))
    printed = {message for _, message in HOSTILE} | {"fuzzy translation; check it and remove the fuzzy flag"}
    assert len(shown) == 5 and shown <= printed


@pytest.mark.parametrize("lang", SUPPORTED)
def test_plural_forms_come_from_cldr_in_the_order_babel_writes_them(lang):
    """ngettext picks msgstr[i] by n's CLDR category; Babel writes one form per category, in CLDR's order."""
    categories = plural_categories(lang)
    assert len(categories) == get_plural(lang).num_plurals
    rule = Locale.parse(lang).plural_form
    assert rule(1) == "one" == categories[0] and categories[-1] == "other"


def test_french_takes_the_singular_for_zero_and_its_own_form_for_a_million():
    fr = Catalog("fr", {}, {("one", "other"): ("un", "un million de", "plusieurs")})
    assert [fr.ngettext("one", "other", n) for n in (0, 1, 2, 1_000_000)] == ["un", "un", "plusieurs", "un million de"]
    assert english().ngettext("one", "other", 0) == "other"


# --- every template string marked ----------------------------------------------------------------------------------

def unmarked(source: str) -> list[str]:
    """Return the reader-visible text of a template that is not marked for translation: text between tags with a
    letter in it, and the values of aria-label, title, alt and placeholder, outside {% trans %} and _().

    The template's text is put back together from its TemplateData, in order, with \0 wherever it computes
    something ({% trans %} and _() are computed, so their words are not there)."""
    tree = jinja2.Environment(extensions=["jinja2.ext.i18n"]).parse(source)
    text = "\0".join(template_data(tree))
    text = re.sub(r"<(pre|code|script)\b.*?</\1>", "\0", text, flags=re.S)
    found = [value for tag in re.findall(r"<[^<>]*>", text) for _, value in VISIBLE_ATTRIBUTES.findall(tag)
             if re.search(r"[^\W\d_]", value)]
    text = re.sub(r"<[^<>]*>|&[#\w]+;", "\0", text)
    parts = (" ".join(p.split()) for p in text.split("\0"))
    return found + [p for p in parts if re.search(r"[^\W\d_]", p) and p not in PROPER_NAMES and not FILE_NAME.match(p)]


def template_data(node: jinja2.nodes.Node):
    """Yield the literal text of a template in source order, leaving out blocks no reader sees (og_type, a meta value)."""
    if isinstance(node, jinja2.nodes.TemplateData):
        yield node.data
    elif not (isinstance(node, jinja2.nodes.Block) and node.name == "og_type"):
        for child in node.iter_child_nodes():
            yield from template_data(child)


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: p.relative_to(REPO / "templates").as_posix())
def test_every_reader_visible_string_of_a_template_is_marked(path):
    assert unmarked(path.read_text(encoding="utf-8")) == []


def test_an_unmarked_word_or_attribute_is_found():
    assert unmarked('<p>{% trans %}Marked{% endtrans %} <strong>Unmarked</strong></p>') == ["Unmarked"]
    assert unmarked('<nav aria-label="Site">{{ x }}</nav>') == ["Site"]
    assert unmarked('<nav aria-label="{{ _(\'Site\') }}"><code>feed.json</code> ClearCARE Level II &amp; ·</nav>') == []


# --- the built site, per language ----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def site_dir(tmp_path_factory) -> Path:
    from policysite.engine.recipe import build
    out = tmp_path_factory.mktemp("languages") / "site"
    build(REPO, out)
    return out


def soup(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def page_files(site_dir: Path, lang: str) -> list[Path]:
    prefix = "" if lang == "en" else f"{lang}/"
    return [site_dir / f"{prefix}{page}" for page in ("index.html", "apps/web_proxy/index.html", "level2/index.html",
                                                      "categories/server/index.html", "changes/index.html",
                                                      "embed/example.html", "404.html")]


@pytest.mark.parametrize("lang", SUPPORTED)
def test_each_language_has_every_page_with_its_lang_and_alternates(site_dir, lang):
    for path in page_files(site_dir, lang):
        doc = soup(path)
        assert doc.html["lang"] == lang, path
        switcher = doc.select_one("nav.language-switcher")
        assert [a["hreflang"] for a in switcher.find_all("a")] == list(SUPPORTED)
        assert [a.get_text() for a in switcher.find_all("a")] == [NAMES[c] for c in SUPPORTED]
        assert all(a["lang"] == a["hreflang"] for a in switcher.find_all("a"))
        assert [a["hreflang"] for a in switcher.select("a[aria-current]")] == [lang]
        if path.name != "404.html":
            hreflang = {link["hreflang"]: link["href"] for link in doc.select("link[hreflang]")}
            assert list(hreflang) == [*SUPPORTED, "x-default"]
            assert doc.select_one('link[rel="canonical"]')["href"] == hreflang[lang]


@pytest.mark.parametrize("lang", TRANSLATED)
def test_a_translated_page_marks_the_english_app_text_and_says_so(site_dir, lang):
    doc = soup(site_dir / f"{lang}/apps/web_proxy/index.html")
    for selector in ("h1", "p.lead", "#about-heading + div.prose", "table.factors td:last-child"):
        assert doc.select_one(selector)["lang"] == "en", selector
    assert "English" not in doc.select_one("#policy-heading + p").get_text()   # said in the page's own language
    assert doc.select_one("#how-heading").get_text() == catalog(lang).get("How to get support").string
    contract = soup(site_dir / f"{lang}/embed/example.html").select_one("#contract-heading ~ div")
    assert contract["lang"] == "en"
    assert soup(site_dir / f"{lang}/level2/index.html").select_one("div.prose")["lang"] == "en"


def test_the_english_pages_carry_no_lang_of_their_own(site_dir):
    doc = soup(site_dir / "apps/web_proxy/index.html")
    assert [el.name for el in doc.select("body [lang]") if el.name != "a"] == []


def test_switcher_links_lead_to_the_same_page_in_each_language(site_dir):
    doc = soup(site_dir / "fr/apps/web_proxy/index.html")
    hrefs = [a["href"] for a in doc.select("nav.language-switcher a")]
    assert hrefs[0] == "../../../apps/web_proxy/" and hrefs[2] == "../../../fr/apps/web_proxy/"
    for href in hrefs:
        assert (site_dir / "fr/apps/web_proxy" / href / "index.html").resolve().is_file()


def test_each_language_has_its_sitemap_and_the_index_names_them(site_dir):
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    index = ET.parse(site_dir / "sitemap.xml").getroot()
    assert index.tag == "{http://www.sitemaps.org/schemas/sitemap/0.9}sitemapindex"
    names = [loc.text.rsplit("/", 1)[1] for loc in index.findall("s:sitemap/s:loc", ns)]
    assert names == [f"sitemap-{lang}.xml" for lang in SUPPORTED]
    de = [loc.text for loc in ET.parse(site_dir / "sitemap-de.xml").getroot().findall("s:url/s:loc", ns)]
    assert de and all(url.startswith("https://policies.clearos.example/de/") for url in de)
    app = next(u for u in ET.parse(site_dir / "sitemap-fr.xml").getroot().findall("s:url", ns)
               if u.findtext("s:loc", namespaces=ns).endswith("/fr/apps/web_proxy/"))
    links = app.findall("{http://www.w3.org/1999/xhtml}link")
    assert [(link.get("hreflang"), link.get("href")) for link in links] == [
        (code, f"https://policies.clearos.example/{'' if code == 'en' else code + '/'}apps/web_proxy/") for code in SUPPORTED]


@pytest.mark.parametrize("lang", SUPPORTED)
def test_each_language_has_a_404_page_with_absolute_links(site_dir, lang):
    path = site_dir / ("404.html" if lang == "en" else f"{lang}/404.html")
    doc = soup(path)
    assert doc.select_one('meta[name="robots"]')["content"] == "noindex"
    hrefs = [a["href"] for a in doc.find_all("a") if not a["href"].startswith("#")]
    assert hrefs and all(h.startswith("/") for h in hrefs)
    assert doc.select_one("form.search-form")["action"] == ("/" if lang == "en" else f"/{lang}/")


def test_the_feed_is_published_once_not_per_language(site_dir):
    assert (site_dir / "feed.json").is_file()
    assert not any((site_dir / lang / "feed.json").exists() or (site_dir / lang / "api").exists() for lang in TRANSLATED)


# --- hostile catalogs ----------------------------------------------------------------------------------------------

def with_german(project, po: str | bytes | None = None) -> Path:
    """Publish the project in English and German, with the real German catalog or the text given."""
    project.write("content/site.yaml", SITE_YAML.replace("languages: [en, de, fr, it, nl, pt, es]", "languages: [en, de]"))
    real = (REPO / "locale/de/LC_MESSAGES/messages.po").read_text(encoding="utf-8")
    return project.write("locale/de/LC_MESSAGES/messages.po", real if po is None else po)


def edited(msgid: str, msgstr: str) -> str:
    """Return the real German catalog with one msgid's translation replaced."""
    text = (REPO / "locale/de/LC_MESSAGES/messages.po").read_text(encoding="utf-8")
    head, rest = text.split(f'msgid "{msgid}"\nmsgstr "', 1)
    return head + f'msgid "{msgid}"\nmsgstr "{msgstr}' + rest[rest.index('"\n'):]


def line_of(text: str, msgid: str) -> int:
    return text[: text.index(f'msgid "{msgid}"')].count("\n") + 1


def test_the_real_catalog_builds_german_pages(project):
    with_german(project)
    assert project.run("build") == (0, "", "")
    assert soup(project.out / "de/index.html").select_one("h1").get_text() == "Support für Apps aus dem ClearOS Marketplace"


HOSTILE = [
    ("Über %(app)10s", "placeholder '%(app)10s': write placeholders as %(name)s, with no width, precision or other conversion"),
    ("Über %(name)s", "uses placeholders ['name']; the message has ['app']"),
    ("Über %(app)s<script>alert(1)</script>",
     "markup differs from the message's: a translation carries exactly the message's tags"),
    ("Über %(app)s \\\" onmouseover=\\\"alert(1)",
     "'\"' outside the message's tags: it would reach the page as markup; the message has none"),
    ("Über %(app)s &amp; mehr", "'&' outside the message's tags: it would reach the page as markup; the message has none"),
]


@pytest.mark.parametrize("msgstr, message", HOSTILE)
def test_a_hostile_translation_is_refused_at_its_line(project, capsys, msgstr, message):
    text = edited("About %(app)s", msgstr)
    with_german(project, text)
    status, _, err = project.run("build", capsys=capsys)
    assert status == 1
    assert f"locale/de/LC_MESSAGES/messages.po:{line_of(text, 'About %(app)s')}:1: {message}" in err
    assert "Traceback" not in err and not project.out.exists()


def test_broken_catalogs_are_all_reported_in_one_run(project, capsys):
    with_german(project, 'msgid "Apps"\nmsgstr "Apps"\n\nmsgid "broken\n')
    fr = (REPO / "locale/fr/LC_MESSAGES/messages.po").read_text(encoding="utf-8")
    project.write("content/site.yaml", SITE_YAML.replace("languages: [en, de, fr, it, nl, pt, es]", "languages: [en, de, fr]"))
    project.write("locale/fr/LC_MESSAGES/messages.po", fr.replace('msgid "Apps"\nmsgstr "Applications"',
                                                                  'msgid "Apps"\nmsgstr "<b>Applications</b>"'))
    status, _, err = project.run("build", capsys=capsys)
    assert status == 1 and "Traceback" not in err
    assert re.search(r"^locale/de/LC_MESSAGES/messages\.po:4:1: not a gettext catalog Babel can read", err, re.M)
    assert re.search(r"^locale/fr/LC_MESSAGES/messages\.po:\d+:1: markup differs", err, re.M)


def test_a_fuzzy_translation_is_refused(project, capsys):
    text = edited("About %(app)s", "Über %(app)s").replace('msgid "About %(app)s"', '#, fuzzy\nmsgid "About %(app)s"')
    with_german(project, text)
    status, _, err = project.run("build", capsys=capsys)
    assert status == 1 and "fuzzy translation; check it and remove the fuzzy flag" in err


def test_a_huge_catalog_is_refused_before_it_is_parsed(project, capsys):
    with_german(project, 'msgid "Apps"\nmsgstr "' + "x" * 200_000 + '"\n')
    status, _, err = project.run("build", capsys=capsys)
    assert status == 1
    assert "locale/de/LC_MESSAGES/messages.po:1:1: file is larger than the limit of 122880 bytes" in err


def test_a_linked_catalog_is_refused_and_never_followed(project, capsys, tmp_path):
    outside = tmp_path / "outside.po"
    outside.write_text((REPO / "locale/de/LC_MESSAGES/messages.po").read_text(encoding="utf-8"), encoding="utf-8")
    po = with_german(project)
    po.unlink()
    po.symlink_to(outside)
    status, _, err = project.run("build", capsys=capsys)
    assert status == 1
    assert "locale/de/LC_MESSAGES/messages.po:1:1: " in err and "link" in err


def test_a_compiled_catalog_beside_the_po_is_never_read(project):
    with_german(project)
    project.write("locale/de/LC_MESSAGES/messages.mo", b"\xde\x12\x04\x95 not a catalog at all")
    assert project.run("build") == (0, "", "")
    assert soup(project.out / "de/index.html").select_one("h1").get_text() == "Support für Apps aus dem ClearOS Marketplace"


def test_the_plural_forms_header_is_not_obeyed(project):
    text = with_german(project).read_text(encoding="utf-8")
    with_german(project, text.replace("plural=(n != 1)", "plural=(__import__('os').system('false'))"))
    assert project.run("build") == (0, "", "")


def test_a_language_without_a_catalog_is_reported(project, capsys):
    with_german(project)
    (project.root / "locale/de/LC_MESSAGES/messages.po").unlink()
    (project.root / "locale/fr/LC_MESSAGES").mkdir(parents=True)
    (project.root / "locale/fr/LC_MESSAGES/messages.po").write_text("", encoding="utf-8")
    status, _, err = project.run("build", capsys=capsys)
    assert status == 1
    assert ("locale/de/LC_MESSAGES/messages.po:1:1: no catalog for 'de', which content/site.yaml lists in languages; "
            "add it (CONTRIBUTING.md, \"Translations\")") in err


def test_editing_a_catalog_rebuilds_the_pages(project):
    po = with_german(project)
    assert project.run("build") == (0, "", "")
    po.write_text(edited("About %(app)s", "Alles über %(app)s"), encoding="utf-8")
    assert project.run("build") == (0, "", "")
    assert soup(project.out / "de/apps/sample_app/index.html").select_one("#about-heading").get_text() == "Alles über Sample App"


# --- content/site.yaml's languages ---------------------------------------------------------------------------------

@pytest.mark.parametrize("value, message", [
    ("[en, German]", "content/site.yaml:6:17: languages[1]: unknown language 'German'; did you mean 'de'?"),
    ("[en, dee]", "content/site.yaml:6:17: languages[1]: unknown language 'dee'; expected one of 'en', 'de', 'fr', 'it', 'nl', 'pt', 'es'"),
    ("[en, de, en]", "content/site.yaml:6:21: languages[2]: 'en' is listed twice"),
    ("[]", "content/site.yaml:6:1: languages: expected at least one language, such as [en]"),
])
def test_a_mistake_in_the_languages_is_located(project, capsys, value, message):
    project.write("content/site.yaml", SITE_YAML.replace("[en, de, fr, it, nl, pt, es]", value))
    status, _, err = project.run("check", capsys=capsys)
    assert status == 1
    assert message in err


def test_without_languages_the_site_is_english_alone(project):
    project.write("content/site.yaml", re.sub(r"^languages:.*\n", "", SITE_YAML, flags=re.M))
    assert project.run("build") == (0, "", "")
    assert not (project.out / "de").exists()
    assert soup(project.out / "index.html").select("nav.language-switcher") == []


def test_the_first_language_is_published_at_the_root(project):
    project.write("content/site.yaml", SITE_YAML.replace("[en, de, fr, it, nl, pt, es]", "[de, en]"))
    assert project.run("build") == (0, "", "")
    assert soup(project.out / "index.html").html["lang"] == "de"
    assert soup(project.out / "en/index.html").html["lang"] == "en"
    assert (project.out / "en/404.html").is_file()


# --- determinism ---------------------------------------------------------------------------------------------------

def test_two_builds_under_different_hash_seeds_are_byte_identical(tmp_path):
    digests = []
    for seed in ("1", "2"):
        out = tmp_path / f"site-{seed}"
        subprocess.run([sys.executable, "build.py", "--no-history", "--out", str(out)], cwd=REPO, check=True,
                       capture_output=True, env={"PYTHONHASHSEED": seed, "PATH": "/usr/bin:/bin", "SOURCE_DATE_EPOCH": "1795651200",
                                                 "POLICYSITE_CACHE_HOME": str(tmp_path / f"cache-{seed}")})
        digests.append(tree_digest(out))
    assert digests[0] == digests[1]


@pytest.mark.parametrize("change", ["catalog", "languages", "app"])
def test_a_warm_build_in_two_languages_is_the_cold_build(project, tmp_path, change):
    """The memo's keys hold the catalogs and the languages: whatever changes, a cache never changes the site."""
    from test_cache import cold_digest

    po = with_german(project)
    assert project.run("build") == (0, "", "")
    if change == "catalog":
        po.write_text(edited("Review due", "Prüfung überfällig"), encoding="utf-8")
    elif change == "languages":
        project.write("content/site.yaml", SITE_YAML.replace("[en, de, fr, it, nl, pt, es]", "[en]"))
    else:
        project.app("sample_app", (project.root / "content/apps/sample_app.yaml").read_text().replace("Sample App", "Renamed"))
    assert project.run("build") == (0, "", "")
    assert tree_digest(project.out) == cold_digest(project, tmp_path)
    assert (project.out / "de").exists() == (change != "languages")


def test_check_reports_a_broken_catalog_too(project, capsys):
    """The pre-commit hook runs only check: a catalog it could not build with is reported there as well."""
    with_german(project, edited("About %(app)s", "Über %(app)10s"))
    status, _, err = project.run("check", capsys=capsys)
    assert status == 1 and "placeholder '%(app)10s'" in err
