"""The legend, the factors and the levels in other languages: translations are checked like the rest of
content/methods.yaml and content/factors.yaml, a missing one is a located warning (an error with --strict),
and the model gives each text in a language or falls back to English."""

from __future__ import annotations

import json
from pathlib import Path

from policysite import languages
from policysite.model import Factor, Level, Method, make_translations

REPO = Path(__file__).resolve().parent.parent
TRANSLATED = {"methods": ("title", "short_title", "description"), "factors": ("title", "description"), "levels": ("title",)}


def where(text: str, needle: str, nth: int = 1) -> str:
    """Return 'line:col' of the nth occurrence of needle in text (1-based)."""
    at = -1
    for _ in range(nth):
        at = text.index(needle, at + 1)
    line = text.count("\n", 0, at) + 1
    return f"{line}:{at - (text.rfind(chr(10), 0, at) + 1) + 1}"


def test_the_schema_names_exactly_the_languages_policysite_knows_besides_english():
    schema = json.loads((REPO / "schema" / "config.schema.json").read_text(encoding="utf-8"))
    for kind in ("method", "factor", "level"):
        assert tuple(schema["$defs"][f"{kind}_translations"]["properties"]) == languages.SUPPORTED[1:]


def in_every_language(project) -> None:
    """Publish the project in every language, as the example site is (the test project is English only)."""
    site = (REPO / "content" / "site.yaml").read_text(encoding="utf-8")
    assert "languages: [en, de, fr, it, nl, pt, es]" in site
    project.write("content/site.yaml", site)


def test_the_shipped_legend_factors_and_levels_are_translated_into_every_language(project, capsys):
    in_every_language(project)
    status, out, _ = project.run("check", "--strict", capsys=capsys)
    assert status == 0 and "warning" not in out


def test_every_mistake_in_translations_is_located_and_reported_in_one_run(project, capsys):
    methods = (REPO / "content" / "methods.yaml").read_text(encoding="utf-8")
    bad = methods.replace(
        "      de:\n        title: Support im öffentlichen Forum – gelegentlich\n",
        "      dx:\n        title: X\n      en:\n        title: Y\n      GERMAN:\n        title: Z\n"
        "      de:\n        titel: Z\n        title: [a]\n", 1).replace(
        "        title: Assistance sur forum public – occasionnelle\n", "        title: ''\n", 1)
    assert bad.count("\n") == methods.count("\n") + 7
    project.write("content/methods.yaml", bad)
    factors = (REPO / "content" / "factors.yaml").read_text(encoding="utf-8")
    bad_factors = factors.replace("        title: Hoch\n", "        title: Hoch\n        description: Hoch\n", 1)
    project.write("content/factors.yaml", bad_factors)

    status, _, err = project.run("check", capsys=capsys)

    m, f = "content/methods.yaml", "content/factors.yaml"
    assert status == 1
    assert err.splitlines() == [
        f"{f}:{where(bad_factors, 'description: Hoch')}: levels[0].translations.de.description: unknown field",
        f"{m}:{where(bad, 'dx:')}: methods[0].translations.dx: unknown language; expected one of 'de', 'fr', 'it', 'nl', 'pt', 'es'",
        f"{m}:{where(bad, 'en:')}: methods[0].translations.en: English is the entry's own wording above; "
        "translations hold only the other languages",
        f"{m}:{where(bad, 'GERMAN:')}: methods[0].translations.GERMAN: unknown language; did you mean 'de'?",
        f"{m}:{where(bad, 'titel:')}: methods[0].translations.de.titel: unknown field; did you mean 'title'?",
        f"{m}:{where(bad, '[a]')}: methods[0].translations.de.title: expected text, got a list",
        f"{m}:{where(bad, chr(39) * 2)}: methods[0].translations.fr.title: expected text, got an empty value",
        "error: 7 problems in 2 files; site/ was not changed",
    ]


def test_language_hints_read_capitals_regions_and_names():
    known = languages.SUPPORTED[1:]
    assert [languages.hint(code, known) for code in ("DE", "pt_BR", "es-MX", "German", "français", "Nederlands")] == [
        "; did you mean 'de'?", "; did you mean 'pt'?", "; did you mean 'es'?", "; did you mean 'de'?",
        "; did you mean 'fr'?", "; did you mean 'nl'?"]
    assert languages.hint("ja", known) == "; expected one of 'de', 'fr', 'it', 'nl', 'pt', 'es'"


def without_german_short_title_of_vendor(project) -> str:
    """Write the real legend with the vendor method's German short title left out; return the line:col of its English one."""
    methods = (REPO / "content" / "methods.yaml").read_text(encoding="utf-8")
    text = methods.replace("        short_title: Entwickler/ISV\n", "", 1)
    assert text != methods
    project.write("content/methods.yaml", text)
    in_every_language(project)
    start = text.index("  - id: vendor")
    return where(text, "short_title: Developer/ISV") if text.index("short_title: Developer/ISV") > start else ""


def test_a_missing_translation_is_a_located_warning_in_check_and_build(project, capsys):
    at = without_german_short_title_of_vendor(project)
    warning = f"content/methods.yaml:{at}: warning: method 'vendor' has no Deutsch (de) short_title; English is shown"
    assert at.endswith(":5")
    status, out, err = project.run("check", capsys=capsys)
    assert (status, err, out) == (0, warning + "\n", "ok: 1 apps and 3 documents checked (1 warning)\n")
    status, out, err = project.run("build", capsys=capsys)
    assert (status, err) == (0, warning + "\n")
    assert out.startswith("built 1 app pages") and "site (1 warning)" in out


def test_strict_fails_on_a_missing_translation(project, capsys):
    at = without_german_short_title_of_vendor(project)
    for command in ("check", "build"):
        status, out, err = project.run(command, "--strict", capsys=capsys)
        assert (status, out) == (1, "")
        assert err.splitlines() == [f"content/methods.yaml:{at}: method 'vendor' has no Deutsch (de) short_title; English is shown",
                                    "error: 1 problem in 1 file; site/ was not changed"]
    assert not project.out.exists()


def test_only_the_languages_the_site_is_published_in_are_expected(project, capsys):
    without_german_short_title_of_vendor(project)
    site = (REPO / "content" / "site.yaml").read_text(encoding="utf-8")
    for languages_line, warned in (("languages: [en]", False), ("languages: [en, fr]", False), ("languages: [de, en]", True)):
        project.write("content/site.yaml", site.replace("languages: [en, de, fr, it, nl, pt, es]", languages_line))
        status, out, err = project.run("check", "--strict", capsys=capsys)
        assert (status, "Deutsch (de) short_title" in err) == ((1, True) if warned else (0, False)), languages_line


def test_a_missing_level_title_is_warned_of_at_the_english_title(project, capsys):
    in_every_language(project)
    factors = (REPO / "content" / "factors.yaml").read_text(encoding="utf-8")
    text = factors.replace("      nl:\n        title: Laag\n", "", 1)
    project.write("content/factors.yaml", text)
    status, _, err = project.run("check", capsys=capsys)
    assert status == 0
    assert err.splitlines()[0] == (f"content/factors.yaml:{where(text, 'title: Low')}: warning: level 'low' has no "
                                   "Nederlands (nl) title; English is shown")


def test_text_gives_the_translation_or_the_english_and_is_translated_says_which():
    method = Method("vendor", 4, "Developer/ISV Support", "Developer/ISV", "Runs its own tickets.", "#008080", "#005a5a", "V",
                    translations=make_translations({"de": {"title": "Support durch Entwickler/ISV"}, "fr": {}}))
    assert method.text("de", "title") == "Support durch Entwickler/ISV"
    assert method.text("de", "short_title") == "Developer/ISV"
    assert method.text("fr", "title") == method.text("en", "title") == "Developer/ISV Support"
    assert [method.is_translated("de", f) for f in ("title", "short_title")] == [True, False]
    assert method.is_translated("en", "description") and not method.is_translated("fr", "title")
    assert hash(method) == hash(Method(*[getattr(method, k) for k in ("id", "bit", "title", "short_title", "description",
                                                                          "colour", "outline", "marker")],
                                      translations=(("de", (("title", "Support durch Entwickler/ISV"),)),)))
    factor = Factor("knowledge", "Knowledge", "How well.", make_translations({"it": {"description": "Quanto."}}))
    assert (factor.text("it", "description"), factor.text("it", "title")) == ("Quanto.", "Knowledge")
    level = Level("high", "High", make_translations({"es": {"title": "Alto"}}))
    assert (level.text("es", "title"), level.is_translated("pt", "title")) == ("Alto", False)


def test_text_refuses_a_field_that_is_not_text():
    level = Level("high", "High")
    try:
        level.text("de", "id")
    except ValueError as exc:
        assert str(exc) == "Level has no text field 'id'; its text fields are title"
    else:
        raise AssertionError("expected ValueError")


def test_the_site_model_carries_the_translations(project):
    from policysite.engine.recipe import check
    site = check(project.root)
    vendor = next(m for m in site.methods if m.id == "vendor")
    assert vendor.text("de", "short_title") == "Entwickler/ISV"
    assert all(m.is_translated(lang, field) for m in site.methods for lang in languages.SUPPORTED for field in TRANSLATED["methods"])
    assert site.levels[0].text("fr", "title") == "Élevé"
