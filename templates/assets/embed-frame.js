// An embedded chart tells the page that frames it how tall it is, each time that changes
// (a narrower frame draws a shorter chart), so the host's loader (/embed.js) can fit the
// frame to it. The height is no secret: any parent may hear it.
(function () {
  "use strict";
  if (window.parent === window) return;
  var last = 0;
  function send() {
    var height = Math.ceil(document.documentElement.getBoundingClientRect().height);
    if (height === last) return;
    last = height;
    window.parent.postMessage({ type: "trade-embed:height", height: height }, "*");
  }
  if ("ResizeObserver" in window) new ResizeObserver(send).observe(document.documentElement);
  window.addEventListener("load", send);
  send();
})();
