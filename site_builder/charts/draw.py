"""Charts drawn: static SVG from Vega-Lite via vl-convert, made accessible, and the
Vega bundle the interactive charts run on."""

from __future__ import annotations

import fcntl
import re
from pathlib import Path

import vl_convert as vlc
from markupsafe import escape

from site_builder.atomic import write_file
from site_builder.charts.fonts import settle_fonts
from site_builder.errors import SiteError
from site_builder.evaluate.charts import VL_CONVERT_VERSION, Chart
from site_builder.project import user_cache


class Renderer:
    """Static SVG from Vega-Lite via vl-convert, cached on disk by content hash. Processes
    may share one cache folder."""

    def __init__(self, cache_dir: Path) -> None:
        self.folder = cache_dir / "charts"
        self.rendered = 0
        self.cached = 0

    def svg(self, chart: Chart) -> str:
        """The chart's SVG: from the cache, else drawn (the engine starts on first use, once
        per process, in vl-convert's own font: ``fonts.settle_fonts``)."""
        path = self.folder / f"{chart.key}-{VL_CONVERT_VERSION}.svg"
        if path.exists():
            self.cached += 1
            return path.read_text(encoding="utf-8")
        settle_fonts()
        try:
            svg = vlc.vegalite_to_svg(vl_spec=chart.spec)
        except ValueError as exc:
            raise SiteError(f"chart {chart.id!r}: Vega-Lite rejected the spec: "
                            f"{str(exc).splitlines()[0]}",
                            hint="Check mark and encoding against the Vega-Lite docs.") from exc
        write_file(path, svg.encode("utf-8"))
        self.rendered += 1
        return svg


def accessible_svg(svg: str, chart: Chart, dom_id: str) -> str:
    """Give the SVG an image role, a title and a description, and let CSS size it."""
    title_id, desc_id = f"{dom_id}-title", f"{dom_id}-desc"
    head, sep, rest = svg.partition(">")
    if not head.startswith("<svg") or not sep:
        raise SiteError(f"chart {chart.id!r}: the renderer returned no SVG")
    head = re.sub(r'\s(width|height)="[^"]*"', "", head, count=2)
    return (f'{head} role="img" aria-labelledby="{title_id} {desc_id}" focusable="false">'
            f'<title id="{title_id}">{escape(chart.title)}</title>'
            f'<desc id="{desc_id}">{escape(chart.description)}</desc>{rest}')


def vega_bundle(cache_dir: Path) -> bytes:
    """Vega, Vega-Lite and vega-embed in one script, served from the site (no CDN).

    Built from the copies inside vl-convert, so the interactive charts use the same Vega
    as the static SVG. Bundling takes about a second of CPU, and the bundle depends on the
    vl-convert version alone: it is made once per machine and version, in the user's cache
    (:func:`~site_builder.project.user_cache`), or in the project's ``cache_dir`` where there
    is none. Processes sharing it (a build's workers, builds of other projects) bundle it
    once: the first takes a lock beside it, the others wait for its file.
    """
    folder = user_cache() or cache_dir
    path = folder / f"vega-embed-{VL_CONVERT_VERSION}.js"
    if not path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        with path.with_suffix(".lock").open("wb") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes, or its process ends
            if not path.exists():
                write_file(path, vlc.javascript_bundle("window.vegaEmbed = vegaEmbed;").encode())
    return path.read_bytes()
