"""The legend widget's compact and dark forms, in real headless Chromium on the "Embed and feed" page: one row of
swatches that opens the full legend by keyboard and closes it with Escape, dark greys and outlines that stay visible
on a dark host page, and no axe-core violation in either scheme, open or closed."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

from browser import (  # noqa: F401  fixtures are used by name
    browser, built_site, emulated_media, feed, open_page, run_axe, screenshot, site_url,
)
from policysite.model import contrast_ratio, relative_luminance

EXAMPLE = "embed/example.html"
DARK_SURFACE = "#16181b"


def settle(driver, *ids: str) -> None:
    """Wait until each widget has drawn its legend."""
    for widget in ids:
        WebDriverWait(driver, 20).until(
            lambda d: d.execute_script("return document.getElementById(arguments[0]).dataset.state", widget) == "ready")


def part(driver, widget: str, selector: str):
    return driver.find_element(By.ID, widget).shadow_root.find_element(By.CSS_SELECTOR, selector)


def panel_open(driver, widget: str) -> bool:
    return driver.execute_script(
        "const p = document.getElementById(arguments[0]).shadowRoot.querySelector('.panel');"
        "return !p.hidden && p.getBoundingClientRect().height > 0", widget)


def focused_in(driver, widget: str) -> str:
    """Describe the element focused inside the widget's shadow root."""
    return driver.execute_script(
        "const a = document.getElementById(arguments[0]).shadowRoot.activeElement;"
        "return a ? a.tagName.toLowerCase() + '.' + a.className : ''", widget)


@pytest.fixture
def example(browser, site_url):
    open_page(browser, site_url + EXAMPLE)
    settle(browser, "demo-app", "demo-compact", "demo-dark")
    return site_url


def test_the_compact_widget_is_one_short_row_in_a_260_px_sidebar(browser, example):
    box = browser.execute_script("const r = document.getElementById('demo-compact').getBoundingClientRect();"
                                 "return [r.width, r.height]")
    assert box[0] <= 260 and box[1] <= 48, box
    swatches = browser.execute_script("return [...document.getElementById('demo-compact').shadowRoot"
                                      ".querySelectorAll('.toggle .swatch')].map((s) => s.getBoundingClientRect().top)")
    assert len(swatches) == 5 and len(set(swatches)) == 1, "the swatches should stand in one row"
    full = browser.execute_script("return document.getElementById('demo-app').getBoundingClientRect().height")
    assert box[1] * 4 < full


def test_the_compact_widget_opens_and_closes_its_legend_by_keyboard(browser, example):
    toggle = part(browser, "demo-compact", "button.toggle")
    words = lambda: part(browser, "demo-compact", "button.toggle .visually-hidden").get_attribute("textContent")  # noqa: E731
    name = browser.execute_script("return document.getElementById('demo-app').shadowRoot.querySelector('ul').getAttribute('aria-label')")
    assert toggle.get_attribute("aria-expanded") == "false" and not panel_open(browser, "demo-compact")
    assert words().startswith(name + ": ") and words().endswith("Show the legend")
    toggle.send_keys(Keys.ENTER)
    assert toggle.get_attribute("aria-expanded") == "true" and panel_open(browser, "demo-compact")
    assert words().endswith("Hide the legend")
    assert toggle.get_attribute("aria-controls") == part(browser, "demo-compact", ".panel ul.legend").get_attribute("id")
    # Into the legend's link, then Escape: closed, and the focus is back on the button.
    part(browser, "demo-compact", ".panel a").send_keys(Keys.ESCAPE)
    assert toggle.get_attribute("aria-expanded") == "false" and not panel_open(browser, "demo-compact")
    assert focused_in(browser, "demo-compact") == "button.toggle"
    toggle.send_keys(Keys.SPACE)
    assert panel_open(browser, "demo-compact")
    toggle.send_keys(Keys.ESCAPE)
    assert not panel_open(browser, "demo-compact")


READ_COLOURS = """
const root = document.getElementById(arguments[0]).shadowRoot;
const hex = (c) => '#' + c.match(/\\d+/g).slice(0, 3).map((n) => Number(n).toString(16).padStart(2, '0')).join('');
return {
  outlines: [...root.querySelectorAll('.swatch.filled')].map((s) => hex(getComputedStyle(s).borderTopColor)),
  unavailable: [...root.querySelectorAll('li.is-unavailable')].map((li) => hex(getComputedStyle(li).backgroundColor)),
};
"""


def test_a_dark_theme_keeps_greys_dark_and_every_swatch_outline_visible(browser, example):
    part(browser, "demo-dark", "button.toggle").send_keys(Keys.ENTER)
    colours = browser.execute_script(READ_COLOURS, "demo-dark")
    assert colours["outlines"] and colours["unavailable"]
    assert all(relative_luminance(c) < 0.05 for c in colours["unavailable"]), colours
    weak = [c for c in colours["outlines"] if contrast_ratio(c, DARK_SURFACE) < 3]
    assert weak == [], f"outlines that vanish on {DARK_SURFACE}: {weak}"
    screenshot(browser, "embed-compact-dark-theme-open")


@pytest.mark.parametrize("scheme, theme, dark", [("dark", None, True), ("light", None, False), ("dark", "light", False),
                                                  ("light", "dark", True)])
def test_the_widget_follows_the_readers_scheme_unless_the_host_sets_a_theme(browser, site_url, scheme, theme, dark):
    with emulated_media(browser, prefers_color_scheme=scheme):
        open_page(browser, site_url + EXAMPLE)
        settle(browser, "demo-app")
        if theme:
            browser.execute_script("document.getElementById('demo-app').setAttribute('theme', arguments[0])", theme)
        greys = browser.execute_script(READ_COLOURS, "demo-app")["unavailable"]
    assert greys and all((relative_luminance(c) < 0.05) == dark for c in greys), greys


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("opened", [False, True])
def test_axe_finds_no_violation_on_the_embed_page_with_the_compact_widget(browser, site_url, scheme, opened):
    with emulated_media(browser, prefers_color_scheme=scheme):
        open_page(browser, site_url + EXAMPLE)
        settle(browser, "demo-app", "demo-compact", "demo-dark")
        if opened:
            for widget in ("demo-compact", "demo-dark"):
                part(browser, widget, "button.toggle").send_keys(Keys.ENTER)
        violations = run_axe(browser)
        screenshot(browser, f"embed-{scheme}-{'open' if opened else 'closed'}")
    assert violations == [], "\n".join(f"{v['id']}: {v['help']} {v['nodes'][:3]}" for v in violations)


# --- Languages ---------------------------------------------------------------------------------

ADD_IN = """
const [id, attributes, wrapperLang] = arguments;
document.getElementById(id)?.closest('.lang-test')?.remove();
const wrapper = document.createElement('div');
wrapper.className = 'lang-test';
if (wrapperLang) wrapper.setAttribute('lang', wrapperLang);
const el = document.createElement('support-policy');
el.id = id;
for (const [k, v] of Object.entries(attributes)) el.setAttribute(k, v);
wrapper.append(el);
document.querySelector('main').append(wrapper);
"""

READ_WORDS = """
const root = document.getElementById(arguments[0]).shadowRoot, box = root.querySelector('[part=policy]');
const lang = (node) => node.getAttribute('lang');
return {
  lang: box.getAttribute('lang'), label: root.querySelector('ul.legend').getAttribute('aria-label'),
  link: root.querySelector('.more a').textContent,
  rows: [...root.querySelectorAll('li.method')].map((li) => {
    const t = li.querySelector('.method-title'), d = li.querySelector('.method-description');
    return [li.dataset.method, t.textContent, lang(t), d.textContent, lang(d), li.querySelector('.method-state').textContent];
  }),
};
"""

# Drop one translation from legend.json as the browser receives it, as a feed that lacks it would.
WITHOUT_A_TRANSLATION = """
const [method, lang, field] = arguments, real = window.fetch;
window.fetch = async (url, options) => {
  const reply = await real(url, options);
  if (!String(url).endsWith('/api/v1/legend.json')) return reply;
  const doc = await reply.json();
  delete doc.legend.find((m) => m.id === method).translations[lang][field];
  return new Response(JSON.stringify(doc), {status: 200, headers: {'Content-Type': 'application/json'}});
};
"""


def add_in(driver, widget: str, attributes: dict, wrapper_lang: str | None = None) -> dict:
    """Add a widget inside a wrapper (with wrapper_lang as its lang), wait until it has drawn, return its words."""
    driver.execute_script(ADD_IN, widget, attributes, wrapper_lang)
    settle(driver, widget)
    return driver.execute_script(READ_WORDS, widget)


def example_app(driver) -> tuple[str, str]:
    """Return the basename and the name of the app the example page shows."""
    return tuple(driver.execute_script("const el = document.getElementById('demo-app');"
                                       "return [el.getAttribute('app'), el.shadowRoot.querySelector('ul').getAttribute('aria-label')]"))


def expected_rows(feed: dict, app: str, lang: str, states: tuple[str, str], english: set = frozenset()) -> list:
    """Return the rows a widget in lang should draw: translated titles and descriptions (English, marked, for the
    (method, field) pairs in english), and its words for each state."""
    entry = next(a for a in feed["apps"] if a["basename"] == app)
    available = {m["id"]: m["available"] for m in entry["methods"]}
    rows = []
    for method in feed["legend"]:
        text = {f: (method[f], "en") if (method["id"], f) in english else (method["translations"][lang][f], None)
                for f in ("title", "description")}
        rows.append([method["id"], *text["title"], *text["description"], states[0] if available[method["id"]] else states[1]])
    return rows


def test_the_widget_draws_in_the_language_of_its_lang_attribute(browser, example, feed):
    app, _ = example_app(browser)
    name = next(a["name"] for a in feed["apps"] if a["basename"] == app)
    words = add_in(browser, "w-de", {"app": app, "lang": "de"})
    assert words["lang"] == "de"
    assert words["label"] == f"Support-Richtlinie für {name}" and words["link"] == f"So erhalten Sie Support für {name}"
    assert words["rows"] == expected_rows(feed, app, "de", ("Verfügbar", "Nicht verfügbar"))
    assert words["rows"][2][1] == "Support durch Entwickler/ISV"
    screenshot(browser, "embed-widget-german")


@pytest.mark.parametrize("wrapper, expected", [("fr", "fr"), ("pt-BR", "pt"), ("ja", "en")])
def test_the_widget_takes_its_nearest_ancestors_language_and_english_for_one_it_does_not_know(browser, example, feed,
                                                                                                 wrapper, expected):
    app, _ = example_app(browser)
    words = add_in(browser, "w-ancestor", {"app": app}, wrapper)
    assert words["lang"] == expected
    if expected == "en":
        assert words["rows"] == [[m["id"], m["title"], None, m["description"], None, row[-1]]
                                 for m, row in zip(feed["legend"], words["rows"])]
        assert {row[-1] for row in words["rows"]} == {"Available", "Not available"}
    else:
        assert [row[1] for row in words["rows"]] == [m["translations"][expected]["title"] for m in feed["legend"]]


def test_the_widget_takes_the_documents_language_and_a_compact_one_says_its_words_in_it(browser, example):
    app, _ = example_app(browser)
    browser.execute_script("document.documentElement.lang = 'es'")
    browser.execute_script(ADD_IN, "w-doc", {"app": app, "compact": ""}, None)
    settle(browser, "w-doc")
    toggle = part(browser, "w-doc", "button.toggle")
    said = part(browser, "w-doc", "button.toggle .visually-hidden").get_attribute("textContent")
    assert said.startswith("Política de soporte de ") and ": Tipos de soporte disponibles: " in said
    assert said.endswith(". Mostrar la leyenda")
    toggle.send_keys(Keys.ENTER)
    assert part(browser, "w-doc", "button.toggle .visually-hidden").get_attribute("textContent").endswith(". Ocultar la leyenda")


def test_a_missing_translation_is_shown_in_english_and_marked_so(browser, site_url, feed):
    open_page(browser, site_url + EXAMPLE)
    settle(browser, "demo-app")
    browser.execute_script(WITHOUT_A_TRANSLATION, "vendor", "de", "description")
    app, _ = example_app(browser)
    words = add_in(browser, "w-fallback", {"app": app, "lang": "de"})
    assert words["rows"] == expected_rows(feed, app, "de", ("Verfügbar", "Nicht verfügbar"), english={("vendor", "description")})
    vendor = next(row for row in words["rows"] if row[0] == "vendor")
    assert vendor[1:5] == ["Support durch Entwickler/ISV", None, feed["legend"][2]["description"], "en"]


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_no_violation_with_widgets_in_german_french_and_a_fallback(browser, site_url, scheme):
    with emulated_media(browser, prefers_color_scheme=scheme):
        open_page(browser, site_url + EXAMPLE)
        settle(browser, "demo-app", "demo-compact")
        browser.execute_script(WITHOUT_A_TRANSLATION, "vendor", "de", "title")
        app, _ = example_app(browser)
        add_in(browser, "w-de", {"app": app, "lang": "de"})
        add_in(browser, "w-fr", {"app": app, "compact": ""}, "fr")
        part(browser, "w-fr", "button.toggle").send_keys(Keys.ENTER)
        assert browser.execute_script("return document.getElementById('w-de').shadowRoot"
                                      ".querySelector('[data-method=vendor] .method-title').getAttribute('lang')") == "en"
        violations = run_axe(browser)
    assert violations == [], "\n".join(f"{v['id']}: {v['help']} {v['nodes'][:3]}" for v in violations)
