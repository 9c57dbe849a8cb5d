/* <support-policy app="basename">: one app's support-policy legend for other pages, such as Webconfig.
 *
 * It fetches api/v1/apps/<basename>.json from the support-policy site and draws the same legend as the
 * site's app page: per method a swatch in the method's colour with its marker letter, the method's title
 * and "Available" or "Not available"; an unavailable method's swatch is hollow and dashed, its letter whole. Method
 * titles, colours and markers all come from the legend in the fetched JSON. No dependencies.
 *
 * Attributes:
 *   app   the app's ClearOS basename, such as web_proxy
 *   hide  present when "Display Support Policy" is switched off: nothing is fetched or shown
 *   feed  the site's root address, when the JSON is not served from the site this script came from
 *   compact  present for a narrow place such as Webconfig's sidebar: one row of small swatches, a button that
 *         opens the full legend below it (and closes it again, also with Escape)
 *   theme "light" or "dark" to match a host page that sets its own scheme; without it the widget follows the
 *         reader's prefers-color-scheme, as a page with color-scheme "light dark" does
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
    .is-available .method-state { font-weight: 600; }
    .is-unavailable { background: var(--panel); }
    .is-unavailable .swatch { background: transparent; border-color: var(--dash); border-style: dashed; color: var(--muted); }
    .is-unavailable .method-title { color: var(--muted); }
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
      .method-state { grid-column: 2; }
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
      return { id: method.id, title: method.title, marker: method.marker, colour: method.colour,
               outline: method.outline, ink: method.ink, available: available.get(method.id) === true };
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

  function drawLegend(policy) {
    const list = element("ul", { class: "legend", part: "legend", "aria-label": `Support policy for ${policy.name}` });
    for (const row of policy.rows) {
      const swatch = drawSwatch(row);
      list.append(element("li", { class: `method ${row.available ? "is-available" : "is-unavailable"}`, part: "method", "data-method": row.id },
        swatch,
        element("span", { class: "method-title" }, row.title),
        element("span", { class: "method-state" }, row.available ? "Available" : "Not available")));
    }
    const more = element("p", { class: "more" }, element("a", { href: policy.url, part: "link" }, `How to get support for ${policy.name}`));
    return [list, more];
  }

  // The compact form: one row of small swatches, like the sidebar of old Webconfig, on a button that opens the
  // full legend below it. The button says in words what the row shows, and whether the legend is open.
  function drawCompact(policy) {
    const offered = policy.rows.filter((row) => row.available).length;
    const [list, more] = drawLegend(policy);
    const id = "legend";
    list.id = id;
    const panel = element("div", { class: "panel", part: "panel" }, list, more);
    panel.hidden = true;
    const toggle = element("button", { type: "button", class: "toggle", part: "toggle", "aria-expanded": "false", "aria-controls": id },
      ...policy.rows.map((row) => element("span", { class: row.available ? "is-available" : "is-unavailable" }, drawSwatch(row))),
      element("span", { class: "toggle-sign", "aria-hidden": "true" }, "▸"),
      element("span", { class: "visually-hidden" },
        `Support policy for ${policy.name}: ${offered} of ${policy.rows.length} kinds of support available. Show the legend`));
    const sign = toggle.querySelector(".toggle-sign"), words = toggle.querySelector(".visually-hidden");
    const setOpen = (open) => {
      panel.hidden = !open;
      toggle.setAttribute("aria-expanded", String(open));
      sign.textContent = open ? "▾" : "▸";
      words.textContent = words.textContent.replace(/(Show|Hide) the legend$/, open ? "Hide the legend" : "Show the legend");
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
    static get observedAttributes() { return ["app", "hide", "feed", "compact", "theme"]; }

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

    _show(generation, state, nodes) {
      if (generation !== this._generation) return;  // a newer update has taken over
      this._box.replaceChildren(...nodes);
      this.setAttribute("data-state", state);
    }

    _update() {
      const generation = ++this._generation;
      if (this.hasAttribute("hide")) return this._show(generation, "hidden", []);
      const root = siteRoot(this.getAttribute("feed"));
      const app = this.getAttribute("app") || "";
      if (!root) return this._show(generation, "failed", []);
      if (!BASENAME.test(app)) return this._show(generation, "unknown", drawLink(root, "Support policies of ClearOS apps"));
      const page = `${root}apps/${app}/`;
      this._show(generation, "loading", drawLink(page, `Support policy for ${app}`));
      requestPolicy(`${root}api/v1/apps/${app}.json`).then(
        (policy) => this._show(generation, "ready", this.hasAttribute("compact") ? drawCompact(policy) : drawLegend(policy)),
        (error) => this._show(generation, error.state || "failed", error.state === "unknown"
          ? drawLink(root, "Support policies of ClearOS apps") : drawLink(page, `Support policy for ${app}`)));
    }
  }

  window.customElements.define(TAG, SupportPolicy);
})();
