/* Catalogue filters: text, category, developer, kinds of support, Level II coverage and reviews due, and the order
   of the rows, all kept in the page address.
   The page itself shows each category's first apps (the category pages list them all, without script).
   Once a reader filters, or opens an address that holds filters, this fetches the compact index of every
   app the build writes (the form's data-listing) and draws the matching rows itself, a bounded number at
   a time, with the markup templates/_catalogue_row.html gives the server's rows (the browser tests compare
   the two). The index holds text from app files: it only ever goes into the page as text or as an
   attribute value, never as markup. Without this script the form stays hidden. */
(function () {
  "use strict";
  var FIRST = 20;   // rows drawn per category each time the filters change
  var MORE = 100;   // rows each "Show more" button adds
  var KEEP = 2000;  // rows kept drawn for reuse before they are all let go
  var form = document.getElementById("filters");
  var status = document.getElementById("match-count");
  if (!form || !status || !window.fetch || !window.URLSearchParams || !window.history || !history.replaceState) return;

  var search = form.elements.q;
  var category = form.elements.category;
  var vendor = form.elements.vendor;
  var sort = form.elements.sort;
  var level2Box = form.elements.level2;
  var reviewBox = form.elements.review;
  var LEVEL2 = 1, STALE = 2;   // an entry's flags (policysite/render/catalogue.py)
  var methodBoxes = toArray(form.querySelectorAll("input[name=method]"));
  var navItems = toArray(document.querySelectorAll(".category-nav li[data-category]")).map(function (item) {
    var label = item.querySelector(".category-count");
    return {element: item, category: item.getAttribute("data-category"), label: label, count: label ? label.textContent : ""};
  });
  var sections = toArray(document.querySelectorAll("section.category")).map(prepareSection);
  var noMatch = document.getElementById("no-match");
  var toggle = document.getElementById("filters-toggle");
  var toggleText = toggle ? toggle.textContent : "";
  var root = form.getAttribute("data-root") || "";
  var listingUrl = form.getAttribute("data-listing");
  var initialText = status.textContent;
  var total = status.getAttribute("data-total");
  var listing = null, loading = false, failed = false, drawn = null, matched = 0;
  var drawnRows = Object.create(null), drawnCount = 0, last = null;
  var pageLang = document.documentElement.getAttribute("lang") || "en";
  var plural = window.Intl && Intl.PluralRules ? new Intl.PluralRules(pageLang) : null;

  /* The page's words for what this script says (the form's data-say-* attributes, from the translation catalogs),
     with the English ones kept where the page gives none. {name} in a word is filled in from vars, in one pass. */
  function word(key, english, vars) {
    var text = form.getAttribute("data-say-" + key);
    return (text === null ? english : text).replace(/\{(\w+)\}/g, function (all, name) {
      return vars && Object.prototype.hasOwnProperty.call(vars, name) ? String(vars[name]) : all;
    });
  }

  /* The word for a number: the page's form for one, or for any other number, as the language counts. */
  function counted(key, one, other, vars) {
    var form1 = (plural ? plural.select(vars.count) : (vars.count === 1 ? "one" : "other")) === "one";
    return word(key + (form1 ? "-one" : "-other"), form1 ? one : other, vars);
  }

  function toArray(list) {
    return Array.prototype.slice.call(list);
  }

  /* Each category section keeps the server's first rows, and gets a list for the rows drawn here. */
  function prepareSection(section) {
    var first = toArray(section.querySelectorAll(".app-list, .category-more"));
    var results = make("ul", ["class", "app-list app-list--drawn"]);
    var more = make("button", ["type", "button", "class", "show-more"]);
    results.hidden = more.hidden = true;
    section.appendChild(results);
    section.appendChild(more);
    var entry = {element: section, category: section.getAttribute("data-category"), results: results, more: more,
                 first: first, items: [], shown: 0};
    more.addEventListener("click", function () { showMore(entry); });
    return entry;
  }

  function make(tag, attributes, text) {
    var node = document.createElement(tag);
    for (var i = 0; i < attributes.length; i += 2) node.setAttribute(attributes[i], attributes[i + 1]);
    if (text !== undefined) node.textContent = text;
    return node;
  }

  /* Fold case and accents so "zarafa" finds "Zarafa" and "cafe" finds "café". */
  function fold(text) {
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }

  function words(text) {
    return fold(text).split(/\s+/).filter(Boolean);
  }

  function isText(value) {
    return typeof value === "string";
  }

  /* Keep only well-formed entries; what the search looks at is worked out once: name, summary, id, developer and
     category (so "wikisuite" finds the apps by WikiSuite). */
  function readListing(data) {
    if (!data || !Array.isArray(data.methods) || !Array.isArray(data.apps)) throw new Error("not a catalogue index");
    var methods = data.methods.filter(function (m) {
      return Array.isArray(m) && isText(m[0]) && typeof m[1] === "number" && isText(m[2]) && isText(m[3]);
    }).map(function (m) {
      var method = {id: m[0], bit: m[1], title: m[2], marker: m[3]};
      method.items = methodItems(method);
      return method;
    });
    var apps = data.apps.filter(function (a) {
      return Array.isArray(a) && a.length === 8 && a.slice(0, 5).every(isText) && typeof a[5] === "number"
        && isText(a[6]) && typeof a[7] === "number";
    }).map(function (a, index) {
      return {basename: a[0], name: a[1], vendor: a[2], category: a[3], summary: a[4], supported: a[5],
              reviewed: a[6], level2: (a[7] & LEVEL2) !== 0, stale: (a[7] & STALE) !== 0, index: index,
              text: fold([a[1], a[4], a[0].replace(/_/g, " "), a[2], a[3]].join(" "))};
    });
    return {methods: methods, apps: apps};
  }

  function load() {
    loading = true;
    fetch(listingUrl, {credentials: "same-origin"}).then(function (response) {
      if (!response.ok) throw new Error("HTTP " + response.status);
      return response.json();
    }).then(readListing).then(function (read) {
      listing = read;
      loading = false;
      apply();
    }, function () {
      loading = false;
      failed = true;
      apply();
    });
  }

  function currentState() {
    return {
      q: search.value.trim(),
      category: category.value,
      vendor: vendor.value,
      methods: methodBoxes.filter(function (box) { return box.checked; }).map(function (box) { return box.value; }),
      level2: level2Box.checked,
      review: reviewBox.checked,
      sort: sort.value
    };
  }

  function isEmpty(state) {
    return !state.q && !state.category && !state.vendor && state.methods.length === 0 && !state.level2 && !state.review
      && !state.sort;
  }

  /* The filters that are set, each named as a reader would say it and with the state that leaves it out. */
  function setFilters(state) {
    var set = [];
    function without(key, value) {
      var copy = {};
      Object.keys(state).forEach(function (k) { copy[k] = state[k]; });
      copy[key] = value;
      return copy;
    }
    if (state.q) set.push({label: word("search", "the search \u201c{text}\u201d", {text: state.q}), without: without("q", "")});
    if (state.category) set.push({label: word("category", "the category {category}", {category: state.category}), without: without("category", "")});
    if (state.vendor) set.push({label: word("developer", "the developer {vendor}", {vendor: state.vendor}), without: without("vendor", "")});
    state.methods.forEach(function (id) {
      var box = methodBoxes.filter(function (b) { return b.value === id; })[0];
      set.push({label: box ? box.getAttribute("data-title") : id,
                without: without("methods", state.methods.filter(function (m) { return m !== id; }))});
    });
    if (state.level2) set.push({label: word("level2-filter", "Level II coverage"), without: without("level2", false)});
    if (state.review) set.push({label: word("review-filter", "reviews due"), without: without("review", false)});
    return set;
  }

  function sayList(items) {
    if (items.length < 2) return items.join("");
    return word("and", "{list} and {last}", {list: items.slice(0, -1).join(", "), last: items[items.length - 1]});
  }

  /* Say which filters left nothing, and which one alone, taken away, would bring apps back. */
  function explainNoMatch(state) {
    var set = setFilters(state);
    var text = set.length === 1 ? word("no-match", "No app matches {filter}.", {filter: set[0].label})
      : word("no-match-all", "No app matches all of {filters}.", {filters: sayList(set.map(function (f) { return f.label; }))});
    var freeing = set.map(function (f) { return {label: f.label, count: countMatches(f.without)}; })
      .filter(function (f) { return f.count > 0; });
    if (set.length > 1 && freeing.length) {
      text += " " + freeing.map(function (f) {
        return counted("without", "Without {filter}, {count} app matches", "Without {filter}, {count} apps match",
                       {filter: f.label, count: f.count});
      }).join("; ") + ".";
    } else if (set.length > 1) {
      text += " " + word("blame", "No single one of them is to blame: clear two or more.");
    } else {
      text += " " + word("clear-it", "Clear it to see every app.");
    }
    return text;
  }

  /* On a phone the form folds behind one button (site.css hides the panel there unless the form is open). */
  function setOpen(open) {
    if (!toggle) return;
    toggle.setAttribute("aria-expanded", String(open));
    form.classList.toggle("is-open", open);
  }

  /* The folded button says how many filters are set, so a filtered list is never mistaken for all of it. */
  function labelToggle(state) {
    if (!toggle) return;
    var set = setFilters(state).length + (state.sort ? 1 : 0);
    var text = set ? word("toggle", "{label} ({count} set)", {label: toggleText, count: set}) : toggleText;
    if (toggle.textContent !== text) toggle.textContent = text;
  }

  function say(text) {
    if (status.textContent !== text) status.textContent = text;
  }

  function describe(shown, state) {
    if (isEmpty(state)) return initialText;
    if (shown === 0) return word("none", "No apps match the filters.");
    return counted("matches", "{count} of {total} apps matches the filters.", "{count} of {total} apps match the filters.",
                   {count: shown, total: total});
  }

  function methodMask(state) {
    var mask = 0;
    listing.methods.forEach(function (m) { if (state.methods.indexOf(m.id) !== -1) mask |= m.bit; });
    return mask;
  }

  function passes(app, state, mask, terms) {
    if (state.category && app.category !== state.category) return false;
    if (state.vendor && app.vendor !== state.vendor) return false;
    if ((app.supported & mask) !== mask) return false;
    if (state.level2 && !app.level2) return false;
    if (state.review && !app.stale) return false;
    for (var t = 0; t < terms.length; t++) if (app.text.indexOf(terms[t]) === -1) return false;
    return true;
  }

  /* How many apps a state would show (for the no-match hint). */
  function countMatches(state) {
    var mask = methodMask(state), terms = words(state.q), count = 0;
    for (var i = 0; i < listing.apps.length; i++) if (passes(listing.apps[i], state, mask, terms)) count += 1;
    return count;
  }

  /* The orders a reader can choose; the index's own order (the catalogue's: by name) is the default. */
  var ORDERS = {
    vendor: function (a, b) { return compareText(a.vendor, b.vendor) || a.index - b.index; },
    "reviewed-newest": function (a, b) { return compareText(b.reviewed, a.reviewed) || a.index - b.index; },
    "reviewed-oldest": function (a, b) { return compareText(a.reviewed, b.reviewed) || a.index - b.index; }
  };

  function compareText(a, b) {
    a = a.toLowerCase();
    b = b.toLowerCase();
    return a < b ? -1 : a > b ? 1 : 0;
  }

  /* Return the matching apps by category, in the chosen order, and how many there are.
     Typing on only narrows the search, so then only the apps that matched before are looked at again. */
  function matching(state) {
    var text = fold(state.q), terms = words(state.q), mask = methodMask(state), found = Object.create(null), count = 0, kept = [];
    var others = [state.category, state.vendor, mask, state.level2, state.review].join("\n");
    var pool = last && last.others === others && text.indexOf(last.text) === 0 ? last.apps : listing.apps;
    for (var i = 0; i < pool.length; i++) {
      var app = pool[i];
      if (!passes(app, state, mask, terms)) continue;
      (found[app.category] || (found[app.category] = [])).push(app);
      kept.push(app);
      count += 1;
    }
    last = {others: others, text: text, apps: kept};
    var order = ORDERS[state.sort];
    if (order) Object.keys(found).forEach(function (category) { found[category] = found[category].slice().sort(order); });
    return {byCategory: found, count: count};
  }

  /* One row, as templates/_catalogue_row.html writes it: same elements, attributes in the same order, same text. */
  function drawRow(app) {
    var offered = listing.methods.filter(function (m) { return app.supported & m.bit; }).map(function (m) { return m.id; });
    var row = make("li", ["class", "app-row", "data-app", app.basename, "data-category", app.category,
                          "data-vendor", app.vendor, "data-methods", offered.join(" ")]);
    var text = make("div", ["class", "app-row-text"]);
    var english = pageLang === "en" ? [] : ["lang", "en"];   // app files are in English: a translated page says so
    text.appendChild(make("a", ["class", "app-name", "href", root + "apps/" + encodeURIComponent(app.basename) + "/"].concat(english), app.name));
    text.appendChild(document.createTextNode(" "));
    text.appendChild(make("span", ["class", "app-vendor"], word("by", "by {vendor}", {vendor: app.vendor})));
    if (app.level2) {
      text.appendChild(document.createTextNode(" "));
      text.appendChild(make("span", ["class", "app-flag app-flag--level2"], word("level2", "Level II covered")));
    }
    if (app.stale) {
      text.appendChild(document.createTextNode(" "));
      text.appendChild(make("span", ["class", "app-flag app-flag--stale"], word("stale", "Review due")));
    }
    text.appendChild(make("p", ["class", "app-summary"].concat(english), app.summary));
    var swatches = make("ul", ["class", "swatches", "aria-label", word("support-for", "Support for {app}", {app: app.name})]);
    listing.methods.forEach(function (m) { swatches.appendChild(m.items[(app.supported & m.bit) ? 1 : 0].cloneNode(true)); });
    row.appendChild(text);
    row.appendChild(swatches);
    return row;
  }

  /* A method's swatch in a row, not available (0) and available (1): drawn once, copied into every row. */
  function methodItems(m) {
    return [false, true].map(function (on) {
      var box = methodBoxes.filter(function (b) { return b.value === m.id; })[0];   // its title in the page's language
      var state = (box ? box.getAttribute("data-title") : m.title) + ": " + (on ? word("available", "available") : word("not-available", "not available"));
      var item = make("li", ["class", "method method--" + m.id + (on ? " is-available" : " is-unavailable"),
                             "data-method", m.id, "title", state]);
      item.appendChild(make("span", ["class", "swatch swatch--" + m.id, "aria-hidden", "true"], m.marker));
      item.appendChild(make("span", ["class", "visually-hidden"], state));
      return item;
    });
  }

  /* An app's row is drawn once and kept, so a keystroke that shows it again only puts it back. */
  function rowFor(app) {
    var row = drawnRows[app.basename];
    if (!row) {
      if (drawnCount >= KEEP) {
        drawnRows = Object.create(null);
        drawnCount = 0;
      }
      row = drawnRows[app.basename] = drawRow(app);
      drawnCount += 1;
    }
    return row;
  }

  /* Make a list hold these rows, moving nothing that stays: rows that stay keep their place, their style and
     their layout, so a keystroke costs only what changed. Both lists are in the catalogue's order. */
  function patch(list, rows) {
    var wanted = new Set(rows), current = list.firstChild, next;
    rows.forEach(function (row) {
      while (current && current !== row && !wanted.has(current)) {
        next = current.nextSibling;
        list.removeChild(current);
        current = next;
      }
      if (current === row) current = current.nextSibling;
      else list.insertBefore(row, current);
    });
    while (current) {
      next = current.nextSibling;
      list.removeChild(current);
      current = next;
    }
  }

  /* Draw up to `count` more of a section's matching rows, all in one insertion; return where they start. */
  function showRows(section, count) {
    var start = section.shown, end = Math.min(section.items.length, start + count);
    var fragment = document.createDocumentFragment();
    for (var i = start; i < end; i++) fragment.appendChild(rowFor(section.items[i]));
    section.results.appendChild(fragment);
    section.shown = end;
    updateMore(section);
    return start;
  }

  function updateMore(section) {
    var rest = section.items.length - section.shown;
    section.more.hidden = rest === 0;
    if (rest) section.more.textContent = counted("more", "Show {count} more {category} app ({rest} not shown yet)",
                                                 "Show {count} more {category} apps ({rest} not shown yet)",
                                                 {count: Math.min(MORE, rest), category: section.category, rest: rest});
  }

  function showMore(section) {
    var start = showRows(section, MORE);
    var row = section.results.children[start];
    var link = row && row.querySelector("a");
    if (link) link.focus();
  }

  function showFirstView() {
    sections.forEach(function (section) {
      section.element.hidden = false;
      section.first.forEach(function (node) { node.hidden = false; });
      section.results.hidden = section.more.hidden = true;   // its rows stay for the next filter to reuse
    });
    navItems.forEach(function (item) {
      item.element.hidden = false;
      if (item.label) item.label.textContent = item.count;
    });
    if (noMatch) noMatch.hidden = true;
    say(initialText);
  }

  function showMatches(result) {
    sections.forEach(function (section) {
      section.items = result.byCategory[section.category] || [];
      section.element.hidden = section.items.length === 0;
      section.first.forEach(function (node) { node.hidden = true; });
      section.results.hidden = false;
      section.shown = Math.min(FIRST, section.items.length);
      patch(section.results, section.items.slice(0, section.shown).map(rowFor));
      updateMore(section);
    });
    navItems.forEach(function (item) {
      var count = (result.byCategory[item.category] || []).length;
      item.element.hidden = count === 0;
      if (item.label) item.label.textContent = String(count);
    });
    if (noMatch) noMatch.hidden = result.count !== 0;
    if (noMatch && result.count === 0) noMatch.querySelector("p").textContent = explainNoMatch(currentState());
    return result.count;
  }

  /* Show what the filters ask for (the first view when they ask for nothing) and keep them in the address. */
  function apply() {
    var state = currentState(), key = writeAddress(state);
    labelToggle(state);
    if (isEmpty(state)) {
      if (drawn !== "") showFirstView();
      drawn = "";
    } else if (listing) {
      if (drawn !== key) matched = showMatches(matching(state));
      drawn = key;
      say(describe(matched, state));
    } else if (failed) {
      say(word("failed", "The list of all apps could not be loaded, so the filters cannot be applied. Change a filter to try again."));
    } else {
      say(word("loading", "Loading the list of all apps\u2026"));
      if (!loading) load();
    }
  }

  function writeAddress(state) {
    var params = new URLSearchParams();
    if (state.q) params.set("q", state.q);
    if (state.category) params.set("category", state.category);
    if (state.vendor) params.set("vendor", state.vendor);
    state.methods.forEach(function (m) { params.append("method", m); });
    if (state.level2) params.set("level2", "covered");
    if (state.review) params.set("review", "due");
    if (state.sort) params.set("sort", state.sort);
    var query = params.toString();
    var url = location.pathname + (query ? "?" + query : "") + location.hash;
    if (url !== location.pathname + location.search + location.hash) history.replaceState(null, "", url);
    return query;
  }

  /* Take the filters from the address, forgiving case and comma lists (?category=server, ?method=a,b);
     values the page does not offer are ignored. apply() then writes the address back in its one canonical form. */
  function readAddress() {
    var params = new URLSearchParams(location.search);
    search.value = (params.get("q") || "").slice(0, 200);
    setSelect(category, params.get("category"));
    setSelect(vendor, params.get("vendor"));
    setSelect(sort, params.get("sort"));
    var wanted = [];
    params.getAll("method").forEach(function (value) {
      value.split(",").forEach(function (part) { wanted.push(fold(part.trim())); });
    });
    methodBoxes.forEach(function (box) { box.checked = wanted.indexOf(box.value) !== -1; });
    level2Box.checked = fold(params.get("level2") || "") === level2Box.value;
    reviewBox.checked = fold(params.get("review") || "") === reviewBox.value;
  }

  function setSelect(select, value) {
    var wanted = fold((value || "").trim());
    var known = Array.prototype.filter.call(select.options, function (o) { return o.value && fold(o.value) === wanted; })[0];
    select.value = known ? known.value : "";
  }

  function changed() {
    failed = false;
    apply();
  }

  function clear() {
    search.value = "";
    category.value = "";
    vendor.value = "";
    sort.value = "";
    level2Box.checked = reviewBox.checked = false;
    methodBoxes.forEach(function (box) { box.checked = false; });
    changed();
    search.focus();
  }

  form.addEventListener("input", changed);
  form.addEventListener("change", changed);
  form.addEventListener("submit", function (event) { event.preventDefault(); changed(); });
  form.querySelector("[data-filter-clear]").addEventListener("click", clear);
  if (toggle) toggle.addEventListener("click", function () {
    var open = toggle.getAttribute("aria-expanded") !== "true";
    setOpen(open);
    if (open) search.focus();
  });
  window.addEventListener("popstate", function () { readAddress(); changed(); });

  readAddress();
  setOpen(!isEmpty(currentState()));   // an address that holds filters opens with them in view
  form.hidden = false;
  apply();
}());
