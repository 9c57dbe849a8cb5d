"""Consistency across a file and across files: an alternative only sends readers to a method the app
offers, and links between apps and Level II articles are kept in the app files alone."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup

from conftest import VALID_APP, tree_digest

HINT = "name a method the app offers, or say where else to get help"
VENDOR_OFF = VALID_APP.replace("""  vendor:
    available: true
    email: help@vendor.example
    hours: Monday to Friday, 09:00 to 17:00
    timezone: Europe/London
    response_time: 2 business days
""", """  vendor:
    available: false
    reason: The developer runs no ticket service.
    alternative: {alternative}
""").replace("alternative: Use the vendor's ticket service.", "alternative: Ask in the public forum.")
VENDOR_ALTERNATIVE_AT = "content/apps/sample_app.yaml:19:18"


def with_vendor_alternative(text: str) -> str:
    """Return the sample app with Developer/ISV Support switched off and this alternative for it."""
    assert VENDOR_OFF != VALID_APP
    return VENDOR_OFF.replace("{alternative}", text)


def problems(project, capsys, *args: str) -> list[str]:
    """Run the command line and return what it printed on stderr, line by line."""
    return project.run(*args, capsys=capsys)[2].splitlines()


@pytest.mark.parametrize("alternative", [
    "Use ClearCenter Professional Support.",
    "Ask clearcenter professional, which covers the server.",
    "Open a CLEARCENTER_PRO ticket.",
    "'Use ClearCenter\n    Professional   Support instead.'",
])
def test_alternative_naming_a_method_the_app_does_not_offer_is_refused_at_its_text(project, capsys, alternative):
    project.app("sample_app", with_vendor_alternative(alternative))
    assert problems(project, capsys) == [
        f"{VENDOR_ALTERNATIVE_AT}: support.vendor.alternative: points to ClearCenter Professional Support, which this app does not offer; {HINT}",
        "error: 1 problem in 1 file; site/ was not changed"]


@pytest.mark.parametrize("alternative", [
    "Ask ClearCenter Professionals in the Public Forum.",     # a longer word is not the method's name
    "Ask other vendors in the public forum.",
    "Use ClearCenter Consulting Services or the public forum.",  # both offered
])
def test_alternative_naming_only_offered_methods_or_longer_words_is_accepted(project, capsys, alternative):
    project.app("sample_app", with_vendor_alternative(alternative))
    assert project.run("check", capsys=capsys)[0] == 0


def test_method_names_come_from_the_legend_and_a_renamed_method_is_checked_again(project, capsys):
    project.app("sample_app", with_vendor_alternative("Ask the pro desk."))
    assert project.run("check", capsys=capsys)[0] == 0   # remembered as sound in the cache
    legend = project.root / "content/methods.yaml"
    legend.write_text(legend.read_text(encoding="utf-8").replace("short_title: ClearCenter Professional", "short_title: Pro desk"),
                      encoding="utf-8")
    assert problems(project, capsys, "check")[0] == (
        f"{VENDOR_ALTERNATIVE_AT}: support.vendor.alternative: points to ClearCenter Professional Support, which this app does not offer; {HINT}")


def test_an_alternative_is_checked_on_the_date_a_change_takes_a_method_away(project, capsys):
    text = VALID_APP.replace("    response_time: 2 business days\n", "    response_time: 2 business days\n    change:\n"
                             "      from: 2027-03-01\n      available: false\n      reason: The developer stops its service.\n"
                             "      alternative: Ask in the public forum.\n")
    project.app("sample_app", text)
    assert problems(project, capsys) == [
        "content/apps/sample_app.yaml:30:18: support.clearcenter_pro.alternative: points to Developer/ISV Support, "
        f"which this app does not offer from 2027-03-01; {HINT}",
        "error: 1 problem in 1 file; site/ was not changed"]


def test_an_alternative_wrong_today_and_after_a_change_is_reported_once(project, capsys):
    text = with_vendor_alternative("Use ClearCenter Professional Support.").replace(
        "    url: https://forum.example/sample\n",
        "    url: https://forum.example/sample\n    change:\n      from: 2027-03-01\n      url: https://forum.example/new\n")
    project.app("sample_app", text)
    assert problems(project, capsys) == [
        f"content/apps/sample_app.yaml:22:18: support.vendor.alternative: points to ClearCenter Professional Support, "
        f"which this app does not offer; {HINT}",
        "error: 1 problem in 1 file; site/ was not changed"]


def test_article_front_matter_listing_apps_is_refused_and_says_where_links_live(project, capsys):
    project.write("content/docs/level2/software-raid-5.md", "---\ntitle: RAID\nsummary: RAID.\napps: [sample_app]\norder: -1\n---\nText\n")
    assert problems(project, capsys) == [
        "content/docs/level2/software-raid-5.md:4:1: apps: the apps an article helps with are listed in their own files; "
        "remove this and add 'software-raid-5' to level2.articles in each app's file (content/apps/<basename>.yaml)",
        "content/docs/level2/software-raid-5.md:5:8: order: expected a number at least 0, got '-1'",
        "error: 2 problems in 1 file; site/ was not changed"]


def test_apps_in_a_page_outside_level2_is_refused_too(project, capsys):
    project.write("content/docs/policy.md", "---\ntitle: Policy\nsummary: The policy.\nlegend: true\napps: []\n---\nText\n")
    assert problems(project, capsys)[0] == (
        "content/docs/policy.md:5:1: apps: the apps an article helps with are listed in their own files; "
        "remove this (only Level II articles are linked to apps, from each app's level2.articles)")


def test_app_naming_an_unknown_article_is_located_at_its_item_of_the_list(project, capsys):
    project.app("sample_app", VALID_APP.replace("articles: [software-raid-5]", "articles:\n    - software-raid-5\n    - sofware-raid-5x"))
    assert problems(project, capsys) == [
        "content/apps/sample_app.yaml:42:7: level2.articles[1]: no Level II article 'sofware-raid-5x'; did you mean 'software-raid-5'?",
        "error: 1 problem in 1 file; site/ was not changed"]


def named(name: str, articles: str = "[software-raid-5]") -> str:
    """Return the sample app with another name, naming these articles."""
    return VALID_APP.replace("name: Sample App", f"name: {name}").replace("articles: [software-raid-5]", f"articles: {articles}")


def test_article_page_lists_the_apps_whose_files_name_it_by_name_and_app_pages_only_theirs(project):
    project.write("content/docs/level2/other.md", "---\ntitle: Other\nsummary: Named by nobody.\norder: 2\n---\nText.\n")
    project.app("sample_app", named("zeta tool"))
    project.app("a_app", named("Émile"))
    project.app("b_app", named("Alpha"))
    project.app("c_app", named("Beta", "[other]"))
    assert project.run("build")[0] == 0
    page = BeautifulSoup((project.out / "level2/software-raid-5/index.html").read_text(encoding="utf-8"), "html.parser")
    section = page.find("section", attrs={"aria-labelledby": "apps-heading"})
    assert section.h2.get_text() == "Apps this article helps with"
    assert [a.get_text() for a in section.select("a")] == ["Alpha", "zeta tool", "Émile"]   # by casefolded name, as the catalogue
    assert [a["href"] for a in section.select("a")] == ["../../apps/b_app/", "../../apps/sample_app/", "../../apps/a_app/"]
    other = BeautifulSoup((project.out / "apps/c_app/index.html").read_text(encoding="utf-8"), "html.parser")
    assert [a["href"] for a in other.select(".article-list a")] == ["../../level2/other/"]


def test_derived_lists_are_the_same_whatever_order_the_files_were_written_in(project, tmp_path):
    for basename, name in (("b_app", "Same"), ("a_app", "same"), ("c_app", "SAME")):
        project.app(basename, named(name + " " + basename[0]))
    assert project.run("build")[0] == 0
    first = tree_digest(project.out)
    for path in sorted((project.root / "content/apps").glob("*.yaml"), reverse=True):
        path.write_bytes(path.read_bytes())   # written again, newest first
    (project.root / "site").rename(tmp_path / "old-site")
    assert project.run("build")[0] == 0
    assert tree_digest(project.out) == first
