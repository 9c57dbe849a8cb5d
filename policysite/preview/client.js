/* The preview server's page script: policysite/preview/web.py adds it to every page it sends; it is never
   published. It listens on the preview's reload socket: "reload" after a good build; "failed" with the
   lines the terminal printed for a failed build, shown over the page as text until a good build reloads it. */
(() => {
  "use strict";

  const build = document.currentScript.dataset.build;   // the build this page came from
  const TAG = "policysite-problems";                    // the overlay's host element; its shadow root keeps page styles out
  const STYLE = `
    dialog { box-sizing: border-box; width: min(64rem, calc(100vw - 2rem)); max-height: calc(100vh - 2rem);
      overflow: auto; margin: 1rem auto; padding: 1rem 1.25rem 1.25rem; border: 0.25rem solid #a4262c;
      border-radius: 0.5rem; background: #ffffff; color: #1b1b1b; font: 1rem/1.5 system-ui, sans-serif; }
    dialog::backdrop { background: rgb(0 0 0 / 0.6); }
    .bar { display: flex; gap: 1rem; align-items: baseline; justify-content: space-between; }
    h2 { margin: 0; font-size: 1.25rem; color: #a4262c; }
    p { margin: 0.5rem 0; }
    ul { margin: 0.75rem 0; padding: 0; list-style: none; }
    li, .summary { font: 0.875rem/1.45 ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace;
      white-space: pre-wrap; overflow-wrap: anywhere; }
    li { margin: 0 0 0.25rem; padding: 0.375rem 0.5rem; border-left: 0.25rem solid #a4262c; background: #fbeeee; }
    .summary { font-weight: bold; }
    button { font: inherit; padding: 0.25rem 0.875rem; border: 1px solid currentColor; border-radius: 0.25rem;
      background: transparent; color: inherit; cursor: pointer; }
    button:focus-visible { outline: 3px solid #1a5fb4; outline-offset: 2px; }
    @media (prefers-color-scheme: dark) {
      dialog { background: #1c1c1c; color: #ececec; border-color: #ff8f87; }
      h2 { color: #ff8f87; }
      li { background: #2e2020; border-left-color: #ff8f87; }
      button:focus-visible { outline-color: #8ab4f8; }
    }`;

  /* Make an element with attributes and text (always as text: a problem line is never read as HTML). */
  function element(name, attributes = {}, text = "") {
    const made = document.createElement(name);
    for (const [key, value] of Object.entries(attributes)) made.setAttribute(key, value);
    made.textContent = text;
    return made;
  }

  /* Remove the problems shown, if any. */
  function hide() {
    for (const old of document.querySelectorAll(TAG)) old.remove();
  }

  /* Show a failed build's problems over the page, in a modal dialog (Escape or Close puts it away). */
  function show(problems, summary) {
    hide();
    const host = document.createElement(TAG);
    const root = host.attachShadow({ mode: "open" });
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(STYLE);
    root.adoptedStyleSheets = [sheet];   // no <style>: a page's Content-Security-Policy may ban those
    const dialog = element("dialog", { "aria-labelledby": "title", "aria-describedby": "about" });
    const bar = element("div", { class: "bar" });   // not <header>: that would be a second banner landmark
    const close = element("button", { type: "button" }, "Close");
    close.addEventListener("click", () => dialog.close());
    bar.append(element("h2", { id: "title" }, "The site did not build"), close);
    const list = element("ul", { "aria-label": "Problems" });
    list.append(...problems.map((line) => element("li", {}, line)));
    dialog.append(bar, element("p", { id: "about" },
      "This page is the last good build. Fix what is listed and save: the page reloads by itself."));
    if (problems.length) dialog.append(list);
    dialog.append(element("p", { class: "summary" }, summary));
    dialog.addEventListener("close", () => host.remove());
    root.append(dialog);
    document.body.append(host);
    dialog.showModal();
  }

  let wait = 250;   // ms before joining again once the server has gone away; doubles up to 5 s

  /* Open the reload socket, saying which build this page came from; join again whenever it closes. */
  function connect() {
    const address = new URL("/_preview/socket", location.href);
    address.protocol = location.protocol === "https:" ? "wss:" : "ws:";
    address.search = new URLSearchParams({ build, page: location.pathname });
    const socket = new WebSocket(address);
    socket.addEventListener("open", () => { wait = 250; });
    socket.addEventListener("message", (event) => {
      const message = JSON.parse(event.data);
      if (message.type === "reload") location.reload();
      else if (message.type === "failed") show(message.problems, message.summary);
    });
    socket.addEventListener("close", () => {
      setTimeout(connect, wait);
      wait = Math.min(wait * 2, 5000);
    });
  }

  connect();
})();
