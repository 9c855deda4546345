// site_builder preview: reload after a good build, show build errors over the page.
(() => {
  "use strict";
  const script = document.currentScript;
  const since = (script && script.dataset.generation) || "";
  const events = new EventSource("/__preview/events?since=" + encodeURIComponent(since));
  let overlay = null;

  events.addEventListener("reload", () => {
    events.close();
    location.reload();
  });
  events.addEventListener("error", (event) => {
    // Only the server's "error" events carry data; the browser's own (connection lost) does
    // not, and EventSource reconnects by itself.
    if (typeof event.data === "string") show(JSON.parse(event.data).errors || []);
  });

  function element(name, style, text) {
    const node = document.createElement(name);
    Object.assign(node.style, style);
    if (text !== undefined) node.textContent = text;  // never markup: errors quote the input
    return node;
  }

  function show(errors) {
    if (overlay) overlay.remove();
    const dark = matchMedia("(prefers-color-scheme: dark)").matches;
    const colors = dark ? {bg: "#2a0b0e", fg: "#ffecec", edge: "#ff8a98", code: "#3d1418"}
                        : {bg: "#fff5f5", fg: "#3b0008", edge: "#b3001b", code: "#ffe3e6"};
    overlay = element("div", {position: "fixed", top: "0", left: "0", right: "0",
                              zIndex: "2147483647"});
    overlay.setAttribute("role", "alert");
    overlay.id = "site-builder-preview-errors";
    const root = overlay.attachShadow ? overlay.attachShadow({mode: "open"}) : overlay;
    const panel = element("section", {
      background: colors.bg, color: colors.fg, borderBottom: "4px solid " + colors.edge,
      font: "16px/1.5 system-ui, sans-serif", padding: "1rem 1.25rem", maxHeight: "70vh",
      overflow: "auto", boxShadow: "0 4px 16px rgba(0,0,0,.35)"});
    const title = element("h2", {font: "bold 1.1rem/1.3 system-ui, sans-serif",
                                 margin: "0 0 .5rem"},
                          `Build failed (${errors.length} error${errors.length === 1 ? "" : "s"})` +
                          " — this is the last good version");
    const hide = element("button", {float: "right", font: "inherit", color: colors.fg,
                                    background: "transparent", padding: ".25rem .75rem",
                                    border: "2px solid " + colors.edge, borderRadius: "4px",
                                    cursor: "pointer", minHeight: "24px"}, "Hide");
    hide.type = "button";
    hide.addEventListener("click", () => overlay.remove());
    const list = element("ol", {margin: "0", paddingLeft: "1.25rem"});
    for (const error of errors) {
      const item = element("li", {margin: ".5rem 0"});
      const where = error.file + (error.line ? ":" + error.line : "");
      if (where) item.append(element("code", {background: colors.code, padding: "0 .25rem",
                                              font: "0.95em ui-monospace, monospace"}, where));
      item.append(element("div", {fontWeight: "600"}, error.message));
      if (error.hint) item.append(element("div", {}, error.hint));
      list.append(item);
    }
    panel.append(hide, title, list);
    root.append(panel);
    document.body.append(overlay);
  }
})();
