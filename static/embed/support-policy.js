/* <support-policy app="basename">: one app's support-policy legend for other pages, such as Webconfig.
 *
 * It fetches api/v1/apps/<basename>.json from the support-policy site and draws the same legend as the
 * site's app page: per method a swatch in the method's colour with its marker letter, the method's title
 * and "Available" or "Not available", and the method's description; an unavailable method's swatch is hollow and
 * dashed, its letter whole. Method titles, descriptions, colours and markers all come from the legend in the fetched
 * JSON. No dependencies.
 *
 * Attributes:
 *   app   the app's ClearOS basename, such as web_proxy
 *   hide  present when "Display Support Policy" is switched off: nothing is fetched or shown
 *   feed  the site's root address, when the JSON is not served from the site this script came from
 *   compact  present for a narrow place such as Webconfig's sidebar: one row of small swatches, a button that
 *         opens the full legend below it (and closes it again, also with Escape)
 *   theme "light" or "dark" to match a host page that sets its own scheme; without it the widget follows the
 *         reader's prefers-color-scheme, as a page with color-scheme "light dark" does
 *   lang  the language to draw in (de, fr, it, nl, pt, es or en; "de-CH" reads as de); without it the nearest
 *         ancestor's lang, then the document's, then English. Method titles and descriptions come from the
 *         translations in api/v1/legend.json (fetched once, only for a language other than English); the
 *         widget's own words from WORDS below. A text the feed does not have in that language is shown in
 *         English and marked lang="en".
 * data-state (set by the element) says what it shows: loading, ready, hidden, unknown or failed.
 * Until the JSON arrives, and whenever it cannot be used, the element shows a plain link instead.
 * Anything written inside the element is shown only where this script does not run.
 */
(function () {
  "use strict";

  const TAG = "support-policy";
  if (!window.customElements || window.customElements.get(TAG)) return;

  const FEED_VERSION = /^1\.(0|[1-9][0-9]*)$/;  // this script reads major version 1
  const BASENAME = /^[a-z0-9]+(_[a-z0-9]+)*$/;
  const COLOUR = /^#[0-9a-f]{6}$/;
  const MARKER = /^[A-Z]$/;
  const WEB_ADDRESS = /^https?:\/\//;
  const TIMEOUT_MS = 15000;
  const ENGLISH = "en";

  // The widget's own words in each language it draws in; method titles and descriptions come from the feed.
  const WORDS = {
    en: { available: "Available", unavailable: "Not available", policyFor: (n) => `Support policy for ${n}`,
          howTo: (n) => `How to get support for ${n}`, allApps: "Support policies of ClearOS apps",
          summary: (k, t) => `${k} of ${t} kinds of support available`, show: "Show the legend", hide: "Hide the legend" },
    de: { available: "Verfügbar", unavailable: "Nicht verfügbar", policyFor: (n) => `Support-Richtlinie für ${n}`,
          howTo: (n) => `So erhalten Sie Support für ${n}`, allApps: "Support-Richtlinien der ClearOS-Apps",
          summary: (k, t) => `Verfügbare Supportarten: ${k} von ${t}`, show: "Legende anzeigen", hide: "Legende ausblenden" },
    fr: { available: "Disponible", unavailable: "Non disponible", policyFor: (n) => `Politique d’assistance de ${n}`,
          howTo: (n) => `Comment obtenir de l’assistance pour ${n}`, allApps: "Politiques d’assistance des applications ClearOS",
          summary: (k, t) => `Types d’assistance disponibles\u00a0: ${k} sur ${t}`, show: "Afficher la légende", hide: "Masquer la légende" },
    it: { available: "Disponibile", unavailable: "Non disponibile", policyFor: (n) => `Politica di assistenza per ${n}`,
          howTo: (n) => `Come ottenere assistenza per ${n}`, allApps: "Politiche di assistenza delle app ClearOS",
          summary: (k, t) => `Tipi di assistenza disponibili: ${k} su ${t}`, show: "Mostra la legenda", hide: "Nascondi la legenda" },
    nl: { available: "Beschikbaar", unavailable: "Niet beschikbaar", policyFor: (n) => `Ondersteuningsbeleid voor ${n}`,
          howTo: (n) => `Zo krijgt u ondersteuning voor ${n}`, allApps: "Ondersteuningsbeleid van ClearOS-apps",
          summary: (k, t) => `Beschikbare soorten ondersteuning: ${k} van ${t}`, show: "Legenda tonen", hide: "Legenda verbergen" },
    pt: { available: "Disponível", unavailable: "Não disponível", policyFor: (n) => `Política de suporte de ${n}`,
          howTo: (n) => `Como obter suporte para ${n}`, allApps: "Políticas de suporte dos apps ClearOS",
          summary: (k, t) => `Tipos de suporte disponíveis: ${k} de ${t}`, show: "Mostrar a legenda", hide: "Ocultar a legenda" },
    es: { available: "Disponible", unavailable: "No disponible", policyFor: (n) => `Política de soporte de ${n}`,
          howTo: (n) => `Cómo obtener soporte para ${n}`, allApps: "Políticas de soporte de las aplicaciones ClearOS",
          summary: (k, t) => `Tipos de soporte disponibles: ${k} de ${t}`, show: "Mostrar la leyenda", hide: "Ocultar la leyenda" },
  };

  // The site root is the folder above embed/, where this script was loaded from.
  const script = document.currentScript || document.querySelector('script[src$="/embed/support-policy.js"]');
  const SCRIPT_ROOT = script && script.src ? new URL("../", script.src).href : null;

  // The same look as the site's legend (static/site.css); method colours are set per swatch from the JSON.
  // Greys and outlines are variables, with a dark set (the site's own) for a dark host page: the reader's
  // prefers-color-scheme unless the host says theme="light" or theme="dark".
  const LIGHT = "--line: #c9ccd1; --panel: #f4f5f7; --muted: #5c5c5c; --dash: #767676; --focus: #1a73e8;";
  const DARK = "--line: #4a4f57; --panel: #202328; --muted: #c3c7cc; --dash: #9aa0a6; --focus: #8ab4f8;";
  const STYLE = `
    :host { display: block; container-type: inline-size; ${LIGHT} }
    :host([theme="dark"]) { ${DARK} }
    @media (prefers-color-scheme: dark) { :host(:not([theme="light"])) { ${DARK} } }
    :host([hide]) { display: none; }
    :host([theme="dark"]) a { color: #8ab4f8; }
    @media (prefers-color-scheme: dark) { :host(:not([theme="light"])) a { color: #8ab4f8; } }
    .legend { list-style: none; padding: 0; margin: 0 0 .5rem; display: grid; gap: .5rem; }
    .method { display: grid; grid-template-columns: auto 1fr auto; align-items: center; gap: .25rem .75rem;
              padding: .5rem .75rem; border: 1px solid var(--line); border-radius: 6px; }
    .swatch { display: inline-flex; align-items: center; justify-content: center; flex: none; width: 1.6rem; height: 1.6rem;
              border: 2px solid; border-radius: 4px; font-weight: 700; font-size: .9rem; line-height: 1; }
    .swatch.filled { border-color: var(--outline); }
    :host([theme="dark"]) .swatch.filled { border-color: var(--outline-dark); }
    @media (prefers-color-scheme: dark) { :host(:not([theme="light"])) .swatch.filled { border-color: var(--outline-dark); } }
    .method-title { font-weight: 600; }
    .method-description { grid-column: 2 / -1; font-size: .875rem; }
    .is-available .method-state { font-weight: 600; }
    .is-unavailable { background: var(--panel); }
    .is-unavailable .swatch { background: transparent; border-color: var(--dash); border-style: dashed; color: var(--muted); }
    .is-unavailable .method-title, .is-unavailable .method-description { color: var(--muted); }
    .is-unavailable .method-state { color: var(--muted); font-style: italic; }
    .more, .fallback { margin: 0; }
    .toggle { display: inline-flex; align-items: center; gap: .25rem; padding: .2rem; margin: 0 0 .4rem; font: inherit;
              color: inherit; background: transparent; border: 1px solid var(--line); border-radius: 4px; cursor: pointer; }
    .toggle:focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; }
    .toggle .swatch { width: 1.15rem; height: 1.15rem; font-size: .7rem; border-width: 1.5px; border-radius: 3px; }
    .toggle-sign { padding: 0 .2rem; }
    .visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%); white-space: nowrap; }
    @container (max-width: 30rem) {
      .method { grid-template-columns: auto 1fr; }
      .method-state, .method-description { grid-column: 2; }
    }`;

  class Failure extends Error {
    constructor(state) { super(state); this.state = state; }
  }

  // One request per address, shared by every element on the page; a failed one may be tried again.
  const requests = new Map();

  function requestPolicy(url) {
    let request = requests.get(url);
    if (!request) {
      request = fetchPolicy(url);
      requests.set(url, request);
      request.catch(() => requests.delete(url));
    }
    return request;
  }

  async function fetchPolicy(url) {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), TIMEOUT_MS);
    try {
      const response = await fetch(url, { credentials: "omit", signal: controller.signal });
      if (response.status === 404 || response.status === 410) throw new Failure("unknown");
      if (!response.ok) throw new Failure("failed");
      return readPolicy(await response.json());
    } catch (error) {
      throw error instanceof Failure ? error : new Failure("failed");
    } finally {
      clearTimeout(timer);
    }
  }

  function isText(value) { return typeof value === "string" && value.length > 0; }

  // The language to draw in: the element's lang, else its nearest ancestor's, else the document's; English when
  // none of them is a language of WORDS. Only the primary subtag counts: de-CH and de_AT read as de.
  function languageOf(host) {
    const marked = host.closest("[lang]");
    const tag = (marked ? marked.getAttribute("lang") : document.documentElement.lang) || "";
    const primary = tag.trim().toLowerCase().split(/[-_]/)[0];
    return Object.prototype.hasOwnProperty.call(WORDS, primary) ? primary : ENGLISH;
  }

  // legend.json (since feed 1.3): per method id, its wording by language. Anything unexpected gives no translations,
  // never a failure: the app's own file has the English legend to draw.
  async function fetchTranslations(url) {
    try {
      const response = await fetch(url, { credentials: "omit" });
      const doc = response.ok ? await response.json() : null;
      if (!doc || typeof doc.feed_version !== "string" || !FEED_VERSION.test(doc.feed_version) || !Array.isArray(doc.legend)) {
        return new Map();
      }
      return new Map(doc.legend.filter((m) => m && isText(m.id) && m.translations && typeof m.translations === "object")
        .map((m) => [m.id, m.translations]));
    } catch (error) {
      return new Map();
    }
  }

  function requestTranslations(url) {
    if (!requests.has(url)) requests.set(url, fetchTranslations(url));
    return requests.get(url);
  }

  // One method's field in lang: [text, its language], the English one when the translation lacks it.
  function textIn(translations, method, field, lang) {
    const own = lang !== ENGLISH && translations.get(method.id);
    const value = own && own[lang] && typeof own[lang] === "object" ? own[lang][field] : undefined;
    return isText(value) ? [value, lang] : [method[field], ENGLISH];
  }

  // The policy as drawn in lang: each row's title and description in that language where the feed has them.
  function translated(policy, translations, lang) {
    return { ...policy, lang: lang, rows: policy.rows.map((row) => ({
      ...row, title: textIn(translations, row, "title", lang), description: textIn(translations, row, "description", lang) })) };
  }

  // Check what was fetched before drawing anything from it; anything unexpected is a failure.
  function readPolicy(doc) {
    const app = doc && doc.app;
    if (!doc || typeof doc.feed_version !== "string" || !FEED_VERSION.test(doc.feed_version)
        || !Array.isArray(doc.legend) || doc.legend.length === 0 || !app || !Array.isArray(app.methods)
        || !isText(app.name) || !isText(app.url) || !WEB_ADDRESS.test(app.url)) {
      throw new Failure("failed");
    }
    const available = new Map(app.methods.filter((p) => p && isText(p.id)).map((p) => [p.id, p.available === true]));
    const rows = doc.legend.map((method) => {
      if (!method || !isText(method.id) || !isText(method.title) || !MARKER.test(method.marker)
          || ![method.colour, method.outline, method.ink].every((c) => typeof c === "string" && COLOUR.test(c))) {
        throw new Failure("failed");
      }
      return { id: method.id, title: method.title, description: isText(method.description) ? method.description : "",
               marker: method.marker, colour: method.colour, outline: method.outline, ink: method.ink,
               available: available.get(method.id) === true };
    });
    return { name: app.name, url: app.url, rows: rows };
  }

  function element(tag, attributes, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
    node.append(...children);  // strings become text nodes, never markup
    return node;
  }

  // Contrast, as WCAG defines it, to lighten an outline that would vanish on a dark page (the site's render.dark_outline).
  function luminance(hex) {
    const [r, g, b] = [1, 3, 5].map((i) => {
      const c = parseInt(hex.slice(i, i + 2), 16) / 255;
      return c <= 0.04045 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  }

  function darkOutline(colour) {
    for (let step = 0; step <= 100; step++) {
      const mixed = "#" + [1, 3, 5].map((i) => {
        const c = parseInt(colour.slice(i, i + 2), 16);
        return Math.round(c + (255 - c) * step / 100).toString(16).padStart(2, "0");
      }).join("");
      if ((luminance(mixed) + 0.05) / 0.05 >= 4.5) return mixed;   // 4.5:1 on black keeps 3:1 on any dark surface
    }
    return "#ffffff";
  }

  // A filled swatch carries both outlines; the style sheet picks the one for the scheme in force.
  function drawSwatch(row) {
    const swatch = element("span", { class: row.available ? "swatch filled" : "swatch", part: "swatch", "aria-hidden": "true" }, row.marker);
    if (row.available) {
      swatch.style.backgroundColor = row.colour;
      swatch.style.setProperty("--outline", row.outline);
      swatch.style.setProperty("--outline-dark", darkOutline(row.colour));
      swatch.style.color = row.ink;
    }
    return swatch;
  }

  // A text from the feed in its language: marked lang="en" where English stands in for a missing translation.
  function textNode(tag, className, [text, lang], policyLang) {
    return element(tag, lang === policyLang ? { class: className } : { class: className, lang: lang }, text);
  }

  function drawLegend(policy) {
    const words = WORDS[policy.lang];
    const list = element("ul", { class: "legend", part: "legend", "aria-label": words.policyFor(policy.name) });
    for (const row of policy.rows) {
      const swatch = drawSwatch(row);
      const item = element("li", { class: `method ${row.available ? "is-available" : "is-unavailable"}`, part: "method", "data-method": row.id },
        swatch,
        textNode("span", "method-title", row.title, policy.lang),
        element("span", { class: "method-state" }, row.available ? words.available : words.unavailable));
      if (row.description[0]) item.append(textNode("span", "method-description", row.description, policy.lang));
      list.append(item);
    }
    const more = element("p", { class: "more" }, element("a", { href: policy.url, part: "link" }, words.howTo(policy.name)));
    return [list, more];
  }

  // The compact form: one row of small swatches, like the sidebar of old Webconfig, on a button that opens the
  // full legend below it. The button says in words what the row shows, and whether the legend is open.
  function drawCompact(policy) {
    const words = WORDS[policy.lang];
    const offered = policy.rows.filter((row) => row.available).length;
    const label = `${words.policyFor(policy.name)}: ${words.summary(offered, policy.rows.length)}. `;
    const [list, more] = drawLegend(policy);
    const id = "legend";
    list.id = id;
    const panel = element("div", { class: "panel", part: "panel" }, list, more);
    panel.hidden = true;
    const toggle = element("button", { type: "button", class: "toggle", part: "toggle", "aria-expanded": "false", "aria-controls": id },
      ...policy.rows.map((row) => element("span", { class: row.available ? "is-available" : "is-unavailable" }, drawSwatch(row))),
      element("span", { class: "toggle-sign", "aria-hidden": "true" }, "▸"),
      element("span", { class: "visually-hidden" }, label + words.show));
    const sign = toggle.querySelector(".toggle-sign"), said = toggle.querySelector(".visually-hidden");
    const setOpen = (open) => {
      panel.hidden = !open;
      toggle.setAttribute("aria-expanded", String(open));
      sign.textContent = open ? "▾" : "▸";
      said.textContent = label + (open ? words.hide : words.show);
    };
    toggle.addEventListener("click", () => setOpen(panel.hidden));
    panel.addEventListener("keydown", (event) => {
      if (event.key === "Escape") {
        setOpen(false);
        toggle.focus();
      }
    });
    toggle.addEventListener("keydown", (event) => {
      if (event.key === "Escape" && !panel.hidden) setOpen(false);
    });
    return [toggle, panel];
  }

  function drawLink(href, text) {
    return [element("p", { class: "fallback" }, element("a", { href: href, part: "link" }, text))];
  }

  function siteRoot(feed) {
    try {
      const root = new URL(feed || SCRIPT_ROOT, document.baseURI);
      if (root.protocol !== "https:" && root.protocol !== "http:") return null;
      return root.href.endsWith("/") ? root.href : root.href + "/";
    } catch (error) {
      return null;
    }
  }

  let sheet = null;

  function addStyle(shadow) {
    if ("adoptedStyleSheets" in shadow && "replaceSync" in CSSStyleSheet.prototype) {
      if (!sheet) {
        sheet = new CSSStyleSheet();
        sheet.replaceSync(STYLE);
      }
      shadow.adoptedStyleSheets = [sheet];  // also allowed where a Content-Security-Policy bans <style>
    } else {
      shadow.append(element("style", {}, STYLE));
    }
  }

  class SupportPolicy extends HTMLElement {
    static get observedAttributes() { return ["app", "hide", "feed", "compact", "theme", "lang"]; }

    constructor() {
      super();
      const shadow = this.attachShadow({ mode: "open" });
      addStyle(shadow);
      this._box = element("div", { part: "policy" });
      shadow.append(this._box);
      this._generation = 0;
      this._queued = false;
    }

    connectedCallback() { this._schedule(); }

    attributeChangedCallback() { this._schedule(); }

    // Several attributes may change at once (and all arrive on upgrade): draw once after them.
    _schedule() {
      if (this._queued) return;
      this._queued = true;
      queueMicrotask(() => {
        this._queued = false;
        if (this.isConnected) this._update();
      });
    }

    _show(generation, state, nodes, lang) {
      if (generation !== this._generation) return;  // a newer update has taken over
      this._box.setAttribute("lang", lang);   // the language drawn in, which may differ from the host's (English)
      this._box.replaceChildren(...nodes);
      this.setAttribute("data-state", state);
    }

    _update() {
      const generation = ++this._generation;
      const lang = languageOf(this), words = WORDS[lang];
      if (this.hasAttribute("hide")) return this._show(generation, "hidden", [], lang);
      const root = siteRoot(this.getAttribute("feed"));
      const app = this.getAttribute("app") || "";
      if (!root) return this._show(generation, "failed", [], lang);
      if (!BASENAME.test(app)) return this._show(generation, "unknown", drawLink(root, words.allApps), lang);
      const page = `${root}apps/${app}/`;
      this._show(generation, "loading", drawLink(page, words.policyFor(app)), lang);
      const translations = lang === ENGLISH ? Promise.resolve(new Map()) : requestTranslations(`${root}api/v1/legend.json`);
      Promise.all([requestPolicy(`${root}api/v1/apps/${app}.json`), translations]).then(
        ([policy, found]) => {
          const drawn = translated(policy, found, lang);
          this._show(generation, "ready", this.hasAttribute("compact") ? drawCompact(drawn) : drawLegend(drawn), lang);
        },
        (error) => this._show(generation, error.state || "failed", error.state === "unknown"
          ? drawLink(root, words.allApps) : drawLink(page, words.policyFor(app)), lang));
    }
  }

  window.customElements.define(TAG, SupportPolicy);
})();
