// What Webconfig drew before the feed named its methods: one small swatch per bit of `supported`, in a
// fixed colour, grey when `supported & bit` is 0. A test fixture that proves the feed's legacy integer
// still draws the same thing; on purpose it knows nothing of the feed's legend.
window.OLD_WEBCONFIG = {
  bits: [1, 2, 4, 8, 16],
  colours: { 1: "#ffff66", 2: "#98bb60", 4: "#008080", 8: "#e1852e", 16: "#000000" },
  grey: "#dddddd",
  draw: function (supported, container) {
    for (var i = 0; i < this.bits.length; i++) {
      var bit = this.bits[i];
      var swatch = document.createElement("span");
      swatch.setAttribute("data-bit", String(bit));
      swatch.style.display = "inline-block";
      swatch.style.width = "8px";
      swatch.style.height = "8px";
      swatch.style.marginRight = "2px";
      swatch.style.backgroundColor = (supported & bit) ? this.colours[bit] : this.grey;
      container.appendChild(swatch);
    }
  }
};
