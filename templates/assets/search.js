// Start Pagefind's search box once its script has loaded (no inline script, for the CSP).
// A large site's index comes in parts, listed on the box: the box searches them all, each
// with the same excerpt length (Pagefind applies its options to the main part alone).
window.addEventListener("DOMContentLoaded", function () {
  "use strict";
  var EXCERPT_WORDS = 12;
  var box = document.getElementById("search");
  if (window.PagefindUI && box) {
    var parts = (box.getAttribute("data-parts") || "").split(" ").filter(Boolean);
    new window.PagefindUI({
      element: box, showSubResults: true, showImages: false, excerptLength: EXCERPT_WORDS,
      mergeIndex: parts.map(function (path) {
        return { bundlePath: path, excerptLength: EXCERPT_WORDS };
      })
    });
  }
});
