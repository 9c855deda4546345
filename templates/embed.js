// The loader a host page includes with an embedded chart (its address stays the same from
// build to build). Each <figure class="trade-embed" data-embed="URL"> has its linked image
// replaced by a frame of that embed page, and the frame's height follows the height the
// page reports. Messages count only from this script's own site and from that frame.
(function () {
  "use strict";
  var script = document.currentScript;
  var origin = new URL(script ? script.src : location.href, location.href).origin;
  var frames = [];

  function mount(figure) {
    if (figure.dataset.embedMounted) return;
    var address = new URL(figure.dataset.embed, location.href);
    if (address.origin !== origin) return;
    figure.dataset.embedMounted = "yes";
    var link = figure.querySelector("a");
    var image = figure.querySelector("img");
    var frame = document.createElement("iframe");
    frame.src = address.href;
    frame.title = image ? image.alt.split(". ")[0] : "Chart";
    frame.loading = "lazy";
    frame.setAttribute("scrolling", "no");
    frame.style.cssText = "display:block;width:100%;border:0;height:" +
      Math.max(300, image ? image.getBoundingClientRect().height + 140 : 480) + "px";
    if (link) figure.replaceChild(frame, link); else figure.insertBefore(frame, figure.firstChild);
    frames.push(frame);
  }

  window.addEventListener("message", function (event) {
    var data = event.data;
    if (event.origin !== origin || !data || data.type !== "trade-embed:height") return;
    var height = Number(data.height);
    if (!(height > 0 && height < 20000)) return;
    for (var i = 0; i < frames.length; i++) {
      if (frames[i].contentWindow === event.source) frames[i].style.height = height + "px";
    }
  });

  function mountAll() {
    var figures = document.querySelectorAll("figure.trade-embed[data-embed]");
    for (var i = 0; i < figures.length; i++) mount(figures[i]);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", mountAll);
  else mountAll();
})();
