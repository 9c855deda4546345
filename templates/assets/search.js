// Start Pagefind's search box once its script has loaded (no inline script, for the CSP).
window.addEventListener("DOMContentLoaded", function () {
  "use strict";
  if (window.PagefindUI) {
    new window.PagefindUI({ element: "#search", showSubResults: true, showImages: false });
  }
});
