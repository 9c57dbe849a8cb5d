"""Names and vendors cannot impersonate: across files, an app name that looks like another's and a vendor
written another way are refused at the name or vendor, worded exactly."""

from __future__ import annotations

from conftest import VALID_APP
from policysite.render.catalogue import first_view


def named(name: str, vendor: str = "Example Vendor") -> str:
    """Return the valid app with another name and vendor."""
    return VALID_APP.replace("name: Sample App", f"name: {name}").replace("vendor: Example Vendor", f"vendor: {vendor}")


def test_a_name_in_another_script_that_looks_like_an_app_s_name_is_refused_at_the_name(project, capsys):
    project.app("scope", named("Scope"))
    project.app("a_scope", named("Ѕсоре"))   # Cyrillic DZE, ES, O, ER, IE: one script, the skeleton of 'Scope'
    status, _, err = project.run("check", capsys=capsys)
    assert status == 1
    assert err.splitlines() == [
        "content/apps/a_scope.yaml:1:1: name: 'Ѕсоре' looks the same as 'Scope', the name of content/apps/scope.yaml; "
        "choose a name that cannot be mistaken for it",
        "error: 1 problem in 1 file; site/ was not changed"]


def test_a_latin_word_with_a_cyrillic_letter_is_refused_before_any_comparison(project, capsys):
    project.app("web_proxy", named("Web Proxy"))
    project.app("web_proxy2", named("Wеb Proxy"))
    status, _, err = project.run("check", capsys=capsys)
    assert status == 1
    assert err.splitlines() == [
        "content/apps/web_proxy2.yaml:1:7: name: the word 'Wеb' mixes scripts ('е' is U+0435 CYRILLIC SMALL LETTER IE); "
        "write each word in one script",
        "error: 1 problem in 1 file; site/ was not changed"]


def test_a_name_that_differs_only_in_case_is_already_taken(project, capsys):
    project.app("second_app", named("SAMPLE app"))
    status, _, err = project.run("check", capsys=capsys)
    assert status == 1
    assert err.splitlines()[0] == "content/apps/second_app.yaml:1:1: name: 'SAMPLE app' is already the name of content/apps/sample_app.yaml"


def test_a_vendor_that_differs_only_in_case_is_refused_with_the_spelling_to_use(project, capsys):
    project.app("second_app", named("Second App", "example vendor"))
    status, _, err = project.run("check", capsys=capsys)
    assert status == 1
    assert err.splitlines() == [
        "content/apps/second_app.yaml:2:1: vendor: 'example vendor' differs only in case from 'Example Vendor' in "
        "content/apps/sample_app.yaml; write it the same way",
        "error: 1 problem in 1 file; site/ was not changed"]


def test_the_spelling_most_files_use_is_the_one_kept(project, capsys):
    project.app("b_app", named("B App", "example vendor"))
    project.app("c_app", named("C App", "example vendor"))
    status, _, err = project.run("check", capsys=capsys)
    assert status == 1
    assert err.splitlines() == [
        "content/apps/sample_app.yaml:2:1: vendor: 'Example Vendor' differs only in case from 'example vendor' in "
        "content/apps/b_app.yaml; write it the same way",
        "error: 1 problem in 1 file; site/ was not changed"]


def test_a_vendor_that_looks_like_another_spelling_is_refused_and_plain_ascii_keeps_its_place(project, capsys):
    project.app("a_app", named("A App", "Ѕсоре Labs"))
    project.app("b_app", named("B App", "Scope  Labs"))   # two spaces: spacing is written differently too
    project.app("c_app", named("C App", "Scope Labs"))
    status, _, err = project.run("check", capsys=capsys)
    assert status == 1
    assert err.splitlines() == [
        "content/apps/a_app.yaml:2:1: vendor: 'Ѕсоре Labs' looks the same as 'Scope Labs' in content/apps/c_app.yaml; "
        "write it the same way",
        "content/apps/b_app.yaml:2:1: vendor: 'Scope  Labs' looks the same as 'Scope Labs' in content/apps/c_app.yaml; "
        "write it the same way",
        "error: 2 problems in 2 files; site/ was not changed"]


def test_different_vendors_and_names_in_other_scripts_build(project, capsys):
    project.app("second_app", named("Прокси-сервер", "Студия Лаб"))
    project.app("third_app", named("日本語 Proxy", "ClearCenter"))
    assert project.run("check", capsys=capsys)[0] == 0


def test_catalogue_vendors_have_one_order_whatever_order_they_come_in():
    class Facts:
        def __init__(self, basename, vendor):
            self.basename, self.name, self.category, self.vendor = basename, basename, "Server", vendor
    apps = [Facts("a", "example vendor"), Facts("b", "Example Vendor"), Facts("c", "EXAMPLE VENDOR"), Facts("d", "Acme")]
    rows = {a.basename: (a.basename,) for a in apps}
    assert first_view(apps, rows, "")["vendors"] == first_view(apps[::-1], rows, "")["vendors"] \
        == ["Acme", "EXAMPLE VENDOR", "Example Vendor", "example vendor"]
