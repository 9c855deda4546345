"""Every chart reusable elsewhere: its permalink page, its embed pages (live and as
published), its metadata file and the snippets a host page pastes to embed it.

Addresses, for a chart ``ID`` of the page at ``/briefs/SLUG/``:

* ``/briefs/SLUG/charts/ID/``: the permalink page (the chart alone, its table, source,
  citation, downloads and embed snippets);
* ``/briefs/SLUG/ID.metadata.json``: the metadata, beside ``ID.csv``;
* ``/embed/briefs/SLUG/ID/``: the live embed page, which follows every data update;
* ``/embed/briefs/SLUG/ID/KEY/``: the embed page as published, ``KEY`` a hash of what the
  chart says (:func:`pinned_key`); ``/embed/briefs/SLUG/ID/revised/``, where netlify.toml
  sends a ``KEY`` the build no longer makes.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path

from markupsafe import Markup

from site_builder.charts.draw import accessible_svg
from site_builder.content.document import FrontMatter
from site_builder.content.entries import Site
from site_builder.data.snapshot import DatasetMeta
from site_builder.evaluate.charts import Chart
from site_builder.evaluate.page import Page
from site_builder.releases import Release

#: Every embed page lives under this top-level folder, so that netlify.toml can let other
#: sites frame these pages and no others.
EMBED = "/embed"
#: The loader a host page runs: a stable address, so pasted snippets keep working.
LOADER = "/embed.js"
REVISED = "revised"
#: The version of the metadata file's shape; its JSON Schema is check/schemas/.
METADATA_VERSION = 1


def permalink_url(page: Page, chart: Chart) -> str:
    return f"{page.url}charts/{chart.id}/"


def embed_url(page: Page, chart: Chart) -> str:
    return f"{EMBED}{page.url}{chart.id}/"


def pinned_key(chart: Chart) -> str:
    """What the chart says, hashed: its title, its plotted rows and its sources' vintages.
    A new drawing of the same numbers keeps the key; a revision of one number changes it."""
    said = json.dumps([chart.title, chart.value_label, chart.csv(),
                       sorted({(s.dataset, s.series, s.vintage) for s in chart.sources})])
    return hashlib.sha256(said.encode()).hexdigest()[:12]


def pinned_url(page: Page, chart: Chart) -> str:
    return f"{embed_url(page, chart)}{pinned_key(chart)}/"


def source_line(chart: Chart) -> str:
    """``Publisher, series (vintage); ...``: the chart's sources on one line."""
    return "; ".join(f"{s.publisher}{', ' + s.series if s.series else ''} ({s.vintage})"
                     for s in chart.sources)


def _dates(page: Page) -> tuple[str, str]:
    meta = page.doc.meta
    if isinstance(meta, FrontMatter):
        return meta.date.isoformat(), (meta.updated or meta.date).isoformat()
    return "", ""


def citation(site: Site, page: Page, chart: Chart) -> str:
    """The citation a reader copies: publisher, chart, page, date, data, address."""
    published, _ = _dates(page)
    data = "; ".join(f"{s.publisher}{', ' + s.series if s.series else ''}, {s.vintage}, "
                     f"retrieved {s.retrieved[:10]}" for s in chart.sources)
    return (f"{site.config.publisher}, “{chart.title}”, in “{page.doc.meta.title}”"
            f"{', ' + published if published else ''}. Data: {data}. "
            f"{site.absolute(permalink_url(page, chart))}")


def bibtex(site: Site, page: Page, chart: Chart) -> str:
    """A BibTeX ``@misc`` entry for the chart."""
    published, updated = _dates(page)
    year = (published or updated)[:4]

    def braced(text: str) -> str:  # BibTeX reads braces and a few signs as markup
        return "".join("\\" + c if c in "{}%&$#_" else c for c in text)

    fields = [("title", braced(chart.title)),
              ("author", "{" + braced(site.config.publisher) + "}"),  # a name, not a person
              ("howpublished", braced(page.doc.meta.title)), ("year", year),
              ("url", site.absolute(permalink_url(page, chart))),  # as it is, for \url
              ("note", "Data: " + braced(source_line(chart)))]
    key = f"{page.doc.slug}-{chart.id}".replace("-", "_")
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields if value)
    return f"@misc{{{key},\n{body}\n}}"


def metadata(site: Site, page: Page, chart: Chart, upcoming: Release | None
             ) -> dict[str, object]:
    """``ID.metadata.json``: what the chart is, where its data come from, how to cite it.
    Every key is described by check/schemas/chart-metadata.schema.json."""
    metas: dict[str, DatasetMeta] = {m.name: m for m in page.datasets}
    published, updated = _dates(page)
    folder = site.absolute(page.url)
    series = sorted({part.strip() for s in chart.sources for part in s.series.split(",")
                     if part.strip()})
    used = [metas[s.dataset] for s in chart.sources if s.dataset in metas]
    return {
        "version": METADATA_VERSION,
        "id": chart.id,
        "title": chart.title,
        "description": chart.description,
        "note": chart.note,
        "page": {"title": page.doc.meta.title, "url": site.absolute(page.url),
                 "published": published, "updated": updated},
        "permalink": site.absolute(permalink_url(page, chart)),
        "embed": {"live": site.absolute(embed_url(page, chart)),
                  "as_published": site.absolute(pinned_url(page, chart)),
                  "loader": site.absolute(LOADER)},
        "files": {"csv": f"{folder}{chart.id}.csv", "svg": f"{folder}{chart.id}.svg",
                  "vega_lite": f"{folder}{chart.id}.vl.json",
                  "metadata": f"{folder}{chart.id}.metadata.json"},
        "series": series,
        "units": chart.value_label,
        "columns": [str(c) for c in chart.rows.columns],
        "seasonal_adjustment": sorted({m.seasonal_adjustment for m in used}),
        "vintages": sorted({s.vintage for s in chart.sources}),
        "sources": [{"publisher": s.publisher, "title": s.title, "dataset": s.dataset,
                     "series": s.series, "vintage": s.vintage, "retrieved": s.retrieved,
                     "url": s.url,
                     "units": metas[s.dataset].units if s.dataset in metas else "",
                     "seasonal_adjustment": metas[s.dataset].seasonal_adjustment
                     if s.dataset in metas else ""}
                    for s in chart.sources],
        "license": {"name": site.config.license, "url": site.license_url},
        "citation": {"text": citation(site, page, chart), "bibtex": bibtex(site, page, chart)},
        "last_updated": max((s.retrieved[:10] for s in chart.sources), default=""),
        "next_release": None if upcoming is None else {
            "date": upcoming.date.isoformat(), "covers": upcoming.covers,
            "title": upcoming.title},
    }


def snippet(site: Site, page: Page, chart: Chart, pinned: bool) -> str:
    """The HTML a host page pastes: a linked image of the chart, which the loader turns
    into a frame that sizes itself, and a citation. Without the script (stripped by a
    CMS, or not run) the image stays: the static fallback."""
    frame = pinned_url(page, chart) if pinned else embed_url(page, chart)
    image = f"{frame}chart.svg" if pinned else f"{page.url}{chart.id}.svg"
    permalink = site.absolute(permalink_url(page, chart))
    return str(Markup(
        '<figure class="trade-embed" data-embed="{frame}" style="margin:1em 0">\n'
        '<a href="{permalink}"><img src="{image}" alt="{title}. {description}" '
        'style="width:100%;height:auto" loading="lazy"></a>\n'
        '<figcaption style="font-size:.85em"><a href="{permalink}">{title}</a>. '
        '{publisher}, {license}. Source: {sources}.</figcaption>\n'
        '</figure>\n<script src="{loader}" async></script>').format(
        frame=site.absolute(frame), permalink=permalink, image=site.absolute(image),
        title=chart.title, description=chart.description, publisher=site.config.publisher,
        license=site.config.license, sources=source_line(chart),
        loader=site.absolute(LOADER)))


def chart_files(site: Site, render: Callable[..., bytes], page: Page, chart: Chart, svg: str,
                upcoming: Release | None) -> dict[str, bytes]:
    """The permalink page, the three embed pages, the pinned image and the metadata file of
    one chart, by output path; ``render(template, **context)`` fills a template."""
    folder = page.url.strip("/")
    live, pinned = embed_url(page, chart), pinned_url(page, chart)
    info = metadata(site, page, chart, upcoming)
    context = dict(chart=chart, page=page, meta=info, sources=source_line(chart),
                   permalink=permalink_url(page, chart), live=live, pinned=pinned)
    files = {f"{folder}/{chart.id}.metadata.json":
             (json.dumps(info, ensure_ascii=False, indent=2) + "\n").encode()}
    files[f"{permalink_url(page, chart).strip('/')}/index.html"] = render(
        "chart-page.html", svg=Markup(accessible_svg(svg, chart, f"chart-{chart.id}")),
        citation=citation(site, page, chart), bibtex=bibtex(site, page, chart),
        snippets={"live": snippet(site, page, chart, False),
                  "as_published": snippet(site, page, chart, True)}, **context)
    framed = Markup(accessible_svg(svg, chart, f"embed-{chart.id}"))
    for address, kind in ((live, "live"), (pinned, "as_published"),
                          (f"{live}{REVISED}/", REVISED)):
        files[f"{address.strip('/')}/index.html"] = render(
            "embed.html", svg=framed, kind=kind, **context)
    files[f"{pinned.strip('/')}/chart.svg"] = svg.encode()
    return files



def loader_file(templates: Path) -> dict[str, bytes]:
    """``embed.js``, the loader host pages include, at its stable address."""
    return {LOADER.lstrip("/"): (templates / "embed.js").read_bytes()}
