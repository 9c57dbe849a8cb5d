// What Webconfig's app-details page did before the feed named its methods. It fetched one app's details
// document and handed that document itself to its legend function, which reads `supported` at the top
// level: one small swatch per bit, in a fixed colour, grey when `json.supported & bit` is 0. The row is
// drawn only when the document carries `supported` and the administrator has not switched "Display
// Support Policy" off, which Webconfig's server marks by adding `hide_support_policy: true` to the reply.
// A test fixture modelled on that code: on purpose it knows nothing of the feed's legend or its `app`.
window.OLD_WEBCONFIG = {
  bits: [1, 2, 4, 8, 16],
  colours: { 1: "#ffff66", 2: "#98bb60", 4: "#008080", 8: "#e1852e", 16: "#000000" },
  grey: "#dddddd",
  get_support_policy: function (json, sidebar) {
    if (typeof json.supported === "undefined" || json.hide_support_policy === true) {
      return;
    }
    var row = document.createElement("div");
    row.className = "support-policy";
    for (var i = 0; i < this.bits.length; i++) {
      var bit = this.bits[i];
      var swatch = document.createElement("span");
      swatch.setAttribute("data-bit", String(bit));
      swatch.style.display = "inline-block";
      swatch.style.width = "8px";
      swatch.style.height = "8px";
      swatch.style.marginRight = "2px";
      swatch.style.backgroundColor = (json.supported & bit) ? this.colours[bit] : this.grey;
      row.appendChild(swatch);
    }
    sidebar.appendChild(row);
  }
};
