"""The build as a list of stages: load and check everything, evaluate, render, then write."""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass
from pathlib import Path

from site_builder.charts import Renderer, vega_bundle
from site_builder.config import Project, load_config
from site_builder.content import Document, FrontMatter, parse_document
from site_builder.data import status
from site_builder.data.declarations import load_declarations
from site_builder.data.snapshot import Snapshot
from site_builder.errors import BuildFailed, SiteError
from site_builder.feeds import render_feeds
from site_builder.listings import render_listings
from site_builder.pages import Page, evaluate
from site_builder.prose import expression_environment
from site_builder.render import RenderedChart, Site, assets, render_pages, template_environment
from site_builder.report import Reporter
from site_builder.search import index_site
from site_builder.social import CardRenderer, render_cards
from site_builder.write import write_site


@dataclass(frozen=True)
class BuildResult:
    output: Path
    pages: int
    charts: int
    charts_rendered: int
    charts_cached: int
    files: int
    seconds: float


def load_documents(project: Project, drafts: bool) -> tuple[list[Document], list[SiteError]]:
    """Parse every brief and page; collect all front-matter errors rather than stop at one."""
    docs, errors = [], []
    sources = [(p, "brief") for p in sorted(project.briefs.glob("*.md"))]
    sources += [(p, "page") for p in sorted(project.pages.glob("*.md"))]
    for path, kind in sources:
        try:
            doc = parse_document(path, kind)
        except SiteError as exc:
            errors.append(exc)
            continue
        if isinstance(doc.meta, FrontMatter) and doc.meta.draft and not drafts:
            continue
        docs.append(doc)
    seen: dict[str, Path] = {}
    for doc in docs:
        key = f"{doc.kind}:{doc.slug}"
        if key in seen:
            errors.append(SiteError(f"two {doc.kind}s have the slug {doc.slug!r}", doc.path,
                                    hint=f"The other is {seen[key]}; give one a `slug:`."))
        seen[key] = doc.path
    return docs, errors


def _newest_first(page: Page) -> tuple[int, str]:
    date = page.doc.meta.date if isinstance(page.doc.meta, FrontMatter) else None
    return (-date.toordinal() if date else 0, page.url)


def check_freshness(project: Project, snapshot: Snapshot, reporter: Reporter, strict: bool,
                    max_age_days: int, today: dt.date) -> list[SiteError]:
    """After a failed fetch, say how old the data are; ``strict`` makes stale data an error.

    Stale: the last fetch failed, or a live dataset is older than ``max_age_days``.
    """
    outcome = status.last(project.cache)
    failed = outcome is not None and not outcome.ok
    if not strict and not failed:
        return []  # a committed snapshot ages between fetches; only --strict minds that
    ages = status.live_ages(load_declarations(project.declarations), snapshot, today)
    oldest = next(iter(ages.items()), None)
    age = (f"its oldest live dataset, {oldest[0]!r}, is {oldest[1]} days old" if oldest
           else "it holds no live datasets")
    problems = []
    if failed:
        assert outcome is not None
        problems.append(f"the last fetch ({outcome.attempted}) failed: {outcome.problem}")
    if strict:
        problems += [f"dataset {name!r} is {days} days old (limit {max_age_days})"
                     for name, days in ages.items() if days > max_age_days]
    if strict:
        return [SiteError(f"stale data: {p}", project.lockfile,
                          hint="Run `python -m site_builder fetch`, or build without --strict.")
                for p in problems]
    reporter.warn(f"{problems[0]}; building from the last good snapshot: {age}.")
    return []


def build(project: Project, reporter: Reporter, output: Path | None = None,
          drafts: bool = False, strict: bool = False, today: dt.date | None = None
          ) -> BuildResult:
    """Build the site into ``output`` (default ``output/``); all or nothing.

    ``strict`` turns stale data (a failed last fetch, or data older than the site's
    ``max_data_age_days``) from a warning into an error.
    """
    start = time.perf_counter()
    output = output or project.root / "output"
    with reporter.stage("load"):
        config = load_config(project)
        snapshot = Snapshot(project.lockfile)
        docs, errors = load_documents(project, drafts)
        errors += check_freshness(project, snapshot, reporter, strict,
                                  config.max_data_age_days, today or dt.date.today())
    with reporter.stage("evaluate"):
        expressions = expression_environment()
        pages: list[Page] = []
        for doc in reporter.progress(docs, len(docs), "Evaluating"):
            try:
                pages.append(evaluate(doc, snapshot, expressions, project.charts))
            except SiteError as exc:
                errors.append(exc if exc.path else exc.located(doc.path))
    if errors:
        raise BuildFailed(errors)
    briefs = sorted((p for p in pages if p.is_brief), key=_newest_first)
    site = Site(config, tuple(briefs), tuple(p for p in pages if not p.is_brief))
    renderer = Renderer(project.cache)
    with reporter.stage("charts"):
        charts = {chart.key: chart for page in pages for chart in page.charts}
        rendered = {}
        for key, chart in reporter.progress(charts.items(), len(charts), "Charts"):
            svg = renderer.svg(chart)
            rendered[key] = RenderedChart(svg, renderer.png(chart, svg))
    with reporter.stage("render"):
        env = template_environment(project.templates, site)
        files = render_pages(site, env, rendered)
        files |= render_listings(site, env)
        files |= render_feeds(site, env)
        files |= render_cards(site, {k: r.svg for k, r in rendered.items()},
                              CardRenderer(project.cache))
        files |= assets(project.templates)
        if charts:
            files["assets/vega-embed.js"] = vega_bundle(project.cache)
    with reporter.stage("write"):
        write_site(files, output, before_swap=index_site)
    result = BuildResult(output, len(pages), sum(len(p.charts) for p in pages),
                         renderer.rendered, renderer.cached, len(files),
                         time.perf_counter() - start)
    reporter.info(f"Built {result.pages} pages with {result.charts} charts "
                  f"({result.charts_rendered} rendered, {result.charts_cached} from cache) "
                  f"into {output} in {result.seconds:.2f} s")
    return result
