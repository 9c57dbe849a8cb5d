/* Catalogue filters: text, category, developer and kinds of support, kept in the page address.
   Everything it knows about apps and methods comes from the page's own markup (data-* attributes),
   so the legend stays defined in one place. Without this script the page shows the full list. */
(function () {
  "use strict";
  var form = document.getElementById("filters");
  var status = document.getElementById("match-count");
  if (!form || !status || !window.URLSearchParams || !window.history || !history.replaceState) return;

  var search = form.elements.q;
  var category = form.elements.category;
  var vendor = form.elements.vendor;
  var methodBoxes = Array.prototype.slice.call(form.querySelectorAll("input[name=method]"));
  var rows = Array.prototype.slice.call(document.querySelectorAll(".app-row"));
  var sections = Array.prototype.slice.call(document.querySelectorAll("section.category"));
  var navItems = Array.prototype.slice.call(document.querySelectorAll(".category-nav li[data-category]"));
  var noMatch = document.getElementById("no-match");
  var initialText = status.textContent;
  var total = rows.length;

  /* Fold case and accents so "zarafa" finds "Zarafa" and "cafe" finds "café". */
  function fold(text) {
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }

  function words(text) {
    return fold(text).split(/\s+/).filter(Boolean);
  }

  /* What the text search looks at for each row: the app's name, summary and id. */
  var haystacks = rows.map(function (row) {
    var name = row.querySelector(".app-name"), summary = row.querySelector(".app-summary");
    return fold([name ? name.textContent : "", summary ? summary.textContent : "",
                 (row.getAttribute("data-app") || "").replace(/_/g, " ")].join(" "));
  });

  function rowMethods(row) {
    return (row.getAttribute("data-methods") || "").split(" ").filter(Boolean);
  }

  function currentState() {
    return {
      q: search.value.trim(),
      category: category.value,
      vendor: vendor.value,
      methods: methodBoxes.filter(function (box) { return box.checked; }).map(function (box) { return box.value; })
    };
  }

  function isEmpty(state) {
    return !state.q && !state.category && !state.vendor && state.methods.length === 0;
  }

  function matches(row, index, state, terms) {
    if (state.category && row.getAttribute("data-category") !== state.category) return false;
    if (state.vendor && row.getAttribute("data-vendor") !== state.vendor) return false;
    var offered = rowMethods(row);
    if (!state.methods.every(function (m) { return offered.indexOf(m) !== -1; })) return false;
    return terms.every(function (term) { return haystacks[index].indexOf(term) !== -1; });
  }

  function describe(shown, state) {
    if (isEmpty(state)) return initialText;
    if (shown === 0) return "No apps match the filters.";
    return shown + " of " + total + (shown === 1 ? " apps matches the filters." : " apps match the filters.");
  }

  /* Show the matching rows, hide empty categories, update the counts and the address. */
  function apply() {
    var state = currentState(), terms = words(state.q), shown = 0, perCategory = {};
    rows.forEach(function (row, index) {
      var ok = matches(row, index, state, terms);
      row.hidden = !ok;
      if (ok) {
        shown += 1;
        var cat = row.getAttribute("data-category");
        perCategory[cat] = (perCategory[cat] || 0) + 1;
      }
    });
    sections.forEach(function (section) {
      section.hidden = !perCategory[section.getAttribute("data-category")];
    });
    navItems.forEach(function (item) {
      var count = perCategory[item.getAttribute("data-category")] || 0;
      item.hidden = count === 0;
      var label = item.querySelector(".category-count");
      if (label) label.textContent = String(count);
    });
    if (noMatch) noMatch.hidden = shown !== 0;
    var text = describe(shown, state);
    if (status.textContent !== text) status.textContent = text;
    writeAddress(state);
  }

  function writeAddress(state) {
    var params = new URLSearchParams();
    if (state.q) params.set("q", state.q);
    if (state.category) params.set("category", state.category);
    if (state.vendor) params.set("vendor", state.vendor);
    state.methods.forEach(function (m) { params.append("method", m); });
    var query = params.toString();
    var url = location.pathname + (query ? "?" + query : "") + location.hash;
    if (url !== location.pathname + location.search + location.hash) history.replaceState(null, "", url);
  }

  /* Take the filters from the address; values the page does not offer are ignored. */
  function readAddress() {
    var params = new URLSearchParams(location.search);
    search.value = (params.get("q") || "").slice(0, 200);
    setSelect(category, params.get("category"));
    setSelect(vendor, params.get("vendor"));
    var wanted = params.getAll("method");
    methodBoxes.forEach(function (box) { box.checked = wanted.indexOf(box.value) !== -1; });
  }

  function setSelect(select, value) {
    var known = Array.prototype.some.call(select.options, function (o) { return o.value === value; });
    select.value = known ? value : "";
  }

  function clear() {
    search.value = "";
    category.value = "";
    vendor.value = "";
    methodBoxes.forEach(function (box) { box.checked = false; });
    apply();
    search.focus();
  }

  form.addEventListener("input", apply);
  form.addEventListener("change", apply);
  form.addEventListener("submit", function (event) { event.preventDefault(); apply(); });
  form.querySelector("[data-filter-clear]").addEventListener("click", clear);
  window.addEventListener("popstate", function () { readAddress(); apply(); });

  readAddress();
  form.hidden = false;
  apply();
}());
