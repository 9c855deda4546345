"""Evaluate a parsed document against the snapshot: figures, claims and charts -> :class:`Page`."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from jinja2.sandbox import SandboxedEnvironment

from site_builder.content import sanitise
from site_builder.content.document import Document, FrontMatter, Highlight
from site_builder.content.entries import Entry, page_file
from site_builder.content.fences import extract_charts
from site_builder.content.markdown import to_html
from site_builder.data.snapshot import DatasetMeta, Snapshot
from site_builder.evaluate.charts import Chart, prepare
from site_builder.evaluate.expressions import run_expressions
from site_builder.evaluate.figures import Source
from site_builder.evaluate.scope import PageScope


@dataclass(frozen=True)
class Page:
    """Everything a template needs to show one brief or page; no further data access."""

    doc: Document
    url: str
    body_html: str
    charts: tuple[Chart, ...]
    headline: tuple[str, str] | None
    highlights: tuple[tuple[str, str], ...]
    sources: tuple[Source, ...]
    datasets: tuple[DatasetMeta, ...]
    modules: tuple[Path, ...] = ()  # chart code it ran: a dependency like its data
    #: Each figure shown that is one value of one official series (see ShownFigures).
    shown: tuple[dict[str, object], ...] = ()
    depends: tuple[str, ...] = ()  # every dataset it read, copies compared with included

    @property
    def output_path(self) -> str:
        return page_file(self.url)

    @property
    def is_brief(self) -> bool:
        return self.doc.kind == "brief"

    @property
    def cited(self) -> set[str]:
        """The datasets the page shows: those its figures cite and its charts draw."""
        return {m.name for m in self.datasets} | {n for c in self.charts for n in c.datasets}

    @property
    def read(self) -> set[str]:
        """Every dataset the page read, the copies it only compared figures with included."""
        return self.cited | set(self.depends)


def entry_for(page: Page) -> Entry:
    meta = page.doc.meta
    if isinstance(meta, FrontMatter):
        return Entry("brief", page.url, meta.title, meta.summary, meta.date.isoformat(),
                     meta.updated.isoformat() if meta.updated else "", meta.tags,
                     meta.authors, page.headline, page.charts[0].id if page.charts else "",
                     meta.draft, meta.aliases, meta.section, meta.featured,
                     meta.short_title or "", page.highlights,
                     str(page.doc.row.get("latest", "")) if page.doc.row else "",
                     page.charts[0].title if page.charts else "",
                     tuple(chart.id for chart in page.charts))
    return Entry("page", page.url, meta.title, meta.summary,
                 charts=tuple(chart.id for chart in page.charts))


def evaluate(doc: Document, snapshot: Snapshot, env: SandboxedEnvironment, charts_dir: Path
             ) -> Page:
    """Compute every figure, claim and chart of ``doc``; raises SiteError with file and line."""
    scope = PageScope(snapshot, doc.meta.as_of if isinstance(doc.meta, FrontMatter) else None,
                      doc.row)
    helpers = scope.helpers()
    text, blocks = extract_charts(doc.body, doc.path, doc.body_line)

    def expression(item: Highlight, key: str) -> tuple[str, str]:
        line = doc.lines.get(key, doc.lines.get(key.split(".")[0], 1))
        scope.shown.start_at(line)
        html = run_expressions("{{ " + item.value + " }}", helpers, env, doc.path, line)
        # A label may compute its words too, e.g. the year a "latest full year" figure is of.
        label = run_expressions(item.label, helpers, env, doc.path, line)
        # shown as HTML: held to the allowlist of a brief's raw HTML, like the body
        html = sanitise.checked(html, item.value, doc.path, line, doc.kind)
        return label, scope.citations.fill_figures(html)

    meta = doc.meta
    headline = highlights = None
    if isinstance(meta, FrontMatter):
        headline = expression(meta.headline, "headline") if meta.headline else None
        highlights = tuple(expression(h, f"highlights.{number}")
                           for number, h in enumerate(meta.highlights))
    scope.shown.start_at(doc.body_line)
    markdown_text = run_expressions(text, helpers, env, doc.path, doc.body_line)
    charts = tuple(prepare(block, scope.data, charts_dir, doc.path) for block in blocks)
    for chart in charts:
        for source in chart.sources:
            scope.citations.add(source)
    return Page(
        doc=doc, url=doc.url, charts=charts,
        # raw HTML held to the allowlist before the build's own figures and charts go in
        body_html=scope.citations.fill_figures(sanitise.checked(
            to_html(markdown_text), markdown_text, doc.path, doc.body_line, doc.kind)),
        headline=headline, highlights=highlights or (), sources=scope.citations.sources,
        # the datasets whose data the page shows: those its figures and charts cite
        datasets=tuple(snapshot.meta(name) for name in
                       dict.fromkeys(s.dataset for s in scope.citations.sources
                                     if s.dataset in snapshot.metas)),
        modules=scope.recorder.modules, shown=scope.shown.entries,
        depends=scope.recorder.depends,
    )
