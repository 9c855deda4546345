// Progressive enhancement for charts: the static SVG is the chart; this adds tooltips and a
// PNG download. Vega (about 250 KB compressed) is fetched only when a reader nears, touches
// or focuses a chart, so it never delays the first paint and costs nothing to readers who
// never scroll.
(function () {
  "use strict";
  var bundle = document.currentScript && document.currentScript.dataset.vega;
  var charts = Array.prototype.slice.call(document.querySelectorAll("figure.chart[data-spec]"));

  // The PNG is the static SVG drawn on a canvas at twice its size, made when asked for: the
  // build writes no PNG files. Without a canvas (or without this script) the button stays
  // hidden, and the SVG and CSV downloads remain.
  function savePng(figure, button) {
    var svg = figure.querySelector(".chart-plot svg");
    var box = svg.viewBox.baseVal;
    var copy = svg.cloneNode(true);
    copy.setAttribute("xmlns", "http://www.w3.org/2000/svg");
    copy.setAttribute("width", box.width);
    copy.setAttribute("height", box.height);
    copy.classList.remove("replaced");
    var image = new Image();
    image.onload = function () {
      var canvas = document.createElement("canvas");
      canvas.width = box.width * 2;
      canvas.height = box.height * 2;
      canvas.getContext("2d").drawImage(image, 0, 0, canvas.width, canvas.height);
      canvas.toBlob(function (png) {
        var link = document.createElement("a");
        link.href = URL.createObjectURL(png);
        link.download = button.dataset.file;
        document.body.appendChild(link);
        link.click();
        link.remove();
        setTimeout(function () { URL.revokeObjectURL(link.href); }, 10000);
      }, "image/png");
    };
    image.src = "data:image/svg+xml;charset=utf-8," +
      encodeURIComponent(new XMLSerializer().serializeToString(copy));
  }

  if (window.HTMLCanvasElement && HTMLCanvasElement.prototype.toBlob && window.URL) {
    charts.forEach(function (figure) {
      var option = figure.querySelector(".chart-png");
      if (!option) return;
      var button = option.querySelector("button");
      button.addEventListener("click", function () { savePng(figure, button); });
      option.hidden = false;
    });
  }

  if (!charts.length || !window.fetch || !bundle) return;
  var loading = null;

  function loadVega() {
    if (!loading) {
      loading = new Promise(function (resolve, reject) {
        var script = document.createElement("script");
        script.src = bundle;
        script.onload = function () { resolve(window.vegaEmbed); };
        script.onerror = reject;
        document.head.appendChild(script);
      });
    }
    return loading;
  }

  function enhance(figure) {
    if (figure.dataset.enhanced) return;
    figure.dataset.enhanced = "pending";
    var plot = figure.querySelector(".chart-plot");
    var staticSvg = plot.querySelector("svg");
    Promise.all([loadVega(), fetch(figure.dataset.spec).then(function (r) { return r.json(); })])
      .then(function (parts) {
        var spec = parts[1];
        spec.width = Math.max(240, plot.clientWidth - 40);
        spec.autosize = { type: "fit", contains: "padding" };
        var live = document.createElement("div");
        live.setAttribute("aria-hidden", "true");
        // defaultStyle false: no injected <style>, so a strict Content-Security-Policy holds;
        // ast: evaluate Vega expressions with the bundled interpreter, not eval.
        var options = { actions: false, renderer: "svg", defaultStyle: false, ast: true,
                        tooltip: { disableDefaultStyle: true } };
        return parts[0](live, spec, options).then(function () {
          // Keep the accessible static SVG for assistive technology; show the live one.
          staticSvg.classList.add("replaced");
          plot.appendChild(live);
          figure.dataset.enhanced = "yes";
        });
      })
      .catch(function () { figure.dataset.enhanced = "failed"; });
  }

  charts.forEach(function (figure) {
    ["pointerdown", "focusin", "mouseenter"].forEach(function (type) {
      figure.addEventListener(type, function () { enhance(figure); }, { once: true });
    });
  });
  if ("IntersectionObserver" in window) {
    var observer = new IntersectionObserver(function (entries) {
      entries.forEach(function (entry) {
        if (entry.isIntersecting) {
          observer.unobserve(entry.target);
          enhance(entry.target);
        }
      });
    }, { rootMargin: "200px 0px" });
    charts.forEach(function (figure) { observer.observe(figure); });
  }
})();
