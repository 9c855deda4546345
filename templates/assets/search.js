// Start Pagefind's search box once its script has loaded (no inline script, for the CSP).
// A large site's index comes in parts, listed on the box: the box searches them all.
window.addEventListener("DOMContentLoaded", function () {
  "use strict";
  var box = document.getElementById("search");
  if (window.PagefindUI && box) {
    var parts = (box.getAttribute("data-parts") || "").split(" ").filter(Boolean);
    new window.PagefindUI({
      element: box, showSubResults: true, showImages: false,
      mergeIndex: parts.map(function (path) { return { bundlePath: path }; })
    });
  }
});
