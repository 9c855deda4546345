"""Site templates: briefs and pages, with their chart files, as bytes by output path."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from pathlib import Path

from jinja2 import (
    Environment,
    FileSystemBytecodeCache,
    FileSystemLoader,
    StrictUndefined,
    TemplateError,
)
from markupsafe import Markup

from site_builder.charts.draw import accessible_svg, vega_bundle
from site_builder.charts.social import CardRenderer, card_svg
from site_builder.content.document import FrontMatter
from site_builder.content.entries import Entry, Site, card_alt, slugify
from site_builder.content.fences import PLACEHOLDER
from site_builder.errors import SiteError
from site_builder.evaluate.charts import Chart
from site_builder.evaluate.page import Page, entry_for
from site_builder.formatting import day
from site_builder.releases import Release
from site_builder.render.chart_pages import chart_files, permalink_url

VEGA = "vega-embed.js"  # Vega, Vega-Lite and vega-embed, for pages with charts


def template_environment(templates: Path, site: Site, asset: Callable[[str], str],
                         cache_dir: Path | None = None) -> Environment:
    """Jinja for the site's templates; ``asset`` maps a plain asset name to its public path.

    With ``cache_dir``, compiled templates are kept there, so a process that renders a few
    pages does not compile every template first.
    """
    env = Environment(loader=FileSystemLoader(templates), autoescape=True,
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                      keep_trailing_newline=True, auto_reload=False,  # fixed mid-build
                      bytecode_cache=FileSystemBytecodeCache(str(_folder(cache_dir / "jinja")))
                      if cache_dir else None)
    env.filters["cell"] = _cell
    env.filters["slugify"] = slugify
    env.filters["absolute"] = site.absolute
    env.filters["tojson_ld"] = _json_ld
    env.filters["longdate"] = day
    env.globals["site"] = site.config
    env.globals["asset"] = asset
    env.globals["license_url"] = site.license_url
    return env


def _cell(value: object) -> str:
    """A table cell: numbers in full (as plotted), grouped by thousands."""
    if isinstance(value, float):
        return format(value, ",.6f").rstrip("0").rstrip(".").replace("-", "\u2212")
    return str(value)


def _json_ld(data: object) -> Markup:
    """JSON for a ``<script type="application/ld+json">``, safe against ``</script>``."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return Markup(text.replace("<", "\\u003c").replace(">", "\\u003e"))


def render_template(env: Environment, name: str, **context: object) -> bytes:
    """Render one template; a template bug is reported with the template's file and line."""
    try:
        return env.get_template(name).render(**context).encode()
    except TemplateError as exc:
        filename = getattr(exc, "filename", None) or name
        raise SiteError(f"template error: {exc}", Path(filename), getattr(exc, "lineno", None),
                        hint="Fix the template; it is shared by every page.") from exc


def fingerprint(name: str, data: bytes) -> str:
    """``site.css`` -> ``assets/site.3f2a9c1b.css``: a new name whenever the content changes,
    so browsers and CDNs may keep every asset forever."""
    stem, dot, ext = name.rpartition(".")
    return f"assets/{stem}.{hashlib.sha256(data).hexdigest()[:8]}{dot}{ext}"


def _folder(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path


class Assets:
    """The stylesheet, scripts and icons under fingerprinted names.

    Called with a plain name (templates' ``asset()``), gives its public path. The Vega
    script bundle, needed only by pages with charts, is read or built on first request.
    """

    def __init__(self, templates: Path, cache_dir: Path) -> None:
        self.folder = templates / "assets"
        self.cache_dir = cache_dir
        self.names = [*sorted(p.name for p in self.folder.iterdir()), VEGA]
        self._paths: dict[str, str] = {}

    def data(self, name: str) -> bytes:
        return vega_bundle(self.cache_dir) if name == VEGA else (self.folder / name).read_bytes()

    def __call__(self, name: str) -> str:
        if name not in self._paths:
            if name not in self.names:
                raise SiteError(f"no asset named {name!r}", self.folder,
                                hint=f"Assets: {', '.join(self.names)}.")
            self._paths[name] = "/" + fingerprint(name, self.data(name))
        return self._paths[name]

    def files(self, charted: bool) -> dict[str, bytes]:
        """Every asset as output path -> bytes; the Vega bundle only if a page has charts."""
        names = self.names if charted else [n for n in self.names if n != VEGA]
        return {self(name).lstrip("/"): self.data(name) for name in names}


#: Where the Markdown stage left room for a chart, by its number on the page (a number
#: typed by a writer, however long, is never read past nine digits).
CHART_SLOT = re.compile(re.escape(PLACEHOLDER).replace(r"\{\}", r"(\d{1,9})"))


def render_page(site: Site, env: Environment, page: Page, charts: dict[str, str],
                cards: CardRenderer, release: tuple[str, str] = ("", ""),
                upcoming: Release | None = None) -> dict[str, bytes]:
    """One brief or page, and beside it its charts' CSV, SVG, spec and metadata files, each
    chart's permalink and embed pages (render.chart_pages) and, for a brief with a headline
    figure or a chart, its social card. ``charts`` maps each chart's key to its SVG;
    ``upcoming``: the next release, which the metadata names. (A chart's PNG is drawn by the
    reader's browser, from the SVG, on request.)"""
    files: dict[str, bytes] = {}
    folder = page.output_path.rsplit("/", 1)[0]
    shown = [_chart_html(env, chart, charts[chart.key], page, site) for chart in page.charts]
    # one pass over the body, however many charts: each slot is filled where it stands
    body = CHART_SLOT.sub(lambda slot: shown[int(slot[1])] if int(slot[1]) < len(shown)
                          else slot[0], page.body_html)
    for chart in page.charts:
        svg = charts[chart.key]
        files[f"{folder}/{chart.id}.csv"] = chart.csv().encode()
        files[f"{folder}/{chart.id}.svg"] = svg.encode()
        files[f"{folder}/{chart.id}.vl.json"] = json.dumps(
            chart.spec, separators=(",", ":")).encode()
        files |= chart_files(site, lambda name, **context: render_template(env, name, **context),
                             page, chart, svg, upcoming)
    entry = entry_for(page)
    template = "brief.html" if page.is_brief else "page.html"
    files[page.output_path] = render_template(env, template, page=page, body=Markup(body),
                                              json_ld=article_ld(site, page, entry),
                                              entry=entry, card_alt=card_alt(entry),
                                              release=release)
    if entry.has_card:
        first = charts[page.charts[0].key] if page.charts else None
        files[f"{folder}/card.png"] = cards.png(card_svg(site, entry, first))
    return files


def _chart_html(env: Environment, chart: Chart, svg: str, page: Page, site: Site) -> str:
    dom_id = f"chart-{chart.id}"
    return render_template(env, "chart.html", chart=chart, dom_id=dom_id, page=page,
                           svg=Markup(accessible_svg(svg, chart, dom_id)),
                           permalink=site.absolute(page.url) + "#" + dom_id,
                           share=permalink_url(page, chart)).decode()


def article_ld(site: Site, page: Page, entry: Entry) -> dict[str, object]:
    """schema.org data: the brief as an Article, each chart's data as a Dataset."""
    url = site.absolute(page.url)
    meta = page.doc.meta
    graph: list[dict[str, object]] = []
    if isinstance(meta, FrontMatter):
        date, updated = meta.date, meta.updated or meta.date
        graph.append({
            "@type": "Article", "headline": meta.title, "description": meta.summary,
            "datePublished": date.isoformat(), "dateModified": updated.isoformat(),
            "url": url, "mainEntityOfPage": url, "image": site.absolute(entry.card),
            "author": [{"@type": "Person", "name": a} for a in meta.authors]
            or {"@type": "Organization", "name": site.config.publisher},
            "publisher": {"@type": "Organization", "name": site.config.publisher},
            "license": site.license_url,
        })
    for chart in page.charts:
        graph.append({
            "@type": "Dataset", "name": chart.title, "description": chart.description,
            "url": f"{url}#chart-{chart.id}", "license": site.license_url,
            "creator": [{"@type": "Organization", "name": name}
                        for name in dict.fromkeys(s.publisher for s in chart.sources)],
            "isBasedOn": list(dict.fromkeys(s.url for s in chart.sources)),
            "distribution": {"@type": "DataDownload", "encodingFormat": "text/csv",
                             "contentUrl": f"{url}{chart.id}.csv"},
        })
    return {"@context": "https://schema.org", "@graph": graph}
