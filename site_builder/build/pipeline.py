"""The build as a list of stages: plan, build the stale pages, check, the site-wide files,
publish (write and index for search), save the cache. Each stage is a function of the
frozen results of those before it. Nothing reaches ``output/`` unless every check passed."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

import orjson

from site_builder.atomic import remove_stale_stages
from site_builder.build.cache import BuildCache, PageRecord, SiteFiles, digest, output_state
from site_builder.build.consistency import clashing_urls, contradictions
from site_builder.build.plan import Plan, plan_build
from site_builder.build.search import (
    PAGEFIND,
    SEARCH,
    Indexer,
    index_site,
    is_whole,
    merge_paths,
    remove_stale_scratch,
)
from site_builder.build.write import (
    Stage,
    changes,
    complete,
    discard,
    open_stage,
    publish_in_place,
    publish_new,
)
from site_builder.content.entries import Entry, make_site
from site_builder.errors import BuildFailed
from site_builder.project import Project
from site_builder.report import Reporter

if TYPE_CHECKING:
    from site_builder.build.pages import Built


@dataclass(frozen=True)
class BuildResult:
    output: Path
    pages: int  # pages on the site
    rebuilt: int  # pages evaluated and rendered this time (the rest came from the cache)
    charts: int  # charts on the pages rebuilt
    charts_rendered: int  # of those, drawn this time (the rest came from the chart cache)
    charts_cached: int
    written: int  # files written (or removed) in output/
    seconds: float
    searchable: Mapping[str, str]  # page file -> hash, for the search index


def build(project: Project, reporter: Reporter, output: Path | None = None,
          drafts: bool = False, strict: bool = False, today: dt.date | None = None,
          search: bool = True, workers: int | None = None, swap: bool = True,
          indexer: Indexer = PAGEFIND, fork: bool = False) -> BuildResult:
    """Build the site into ``output`` (default ``output/``); nothing is written there unless
    all checks pass. Pages whose inputs did not change come from the build cache.

    ``strict`` turns stale data (a failed last fetch, or data older than the site's
    ``max_data_age_days``) from a warning into an error. ``search=False`` leaves the search
    index as it is (the preview updates it after the page reloads); the next build with
    ``search=True`` brings it up to date; ``indexer`` says how the index is made.
    ``workers`` is how many processes build the pages (1: this one only); by default as many
    as the work pays for, up to one per core. They are spawned, unless ``fork`` says this
    process runs no thread that Python's ``threading`` does not list (the command line
    does): then they may be forked, which starts them quicker.

    The new site takes the place of ``output`` in one step (``swap``): a kill at any instant
    leaves the old site or the new. ``swap=False`` moves the changed files in one by one
    instead, which is quicker on a large site; the preview does so in its own folder.

    First it removes what killed builds left: staging folders beside ``output`` and search
    scratch folders whose process no longer runs.
    """
    start = time.perf_counter()
    output = output or project.root / "output"
    remove_stale_stages(output)
    remove_stale_scratch(output.parent)
    with reporter.stage("load"):
        plan = plan_build(project, output, reporter, drafts, strict, today or dt.date.today())
    pages = build_stale(plan, output, drafts, workers, fork, reporter)
    check_pages(plan, pages)
    site = site_files(plan, pages, output, indexer, reporter)
    published = publish(plan.cache, site, output, search, swap, indexer, reporter)
    remember(plan, pages, site, published, output)
    return _result(output, pages, site, published, time.perf_counter() - start, reporter)


@dataclass(frozen=True)
class Pages:
    """Every page's record (the cache's, and the rebuilt pages'), what became of each page
    built this time, and the staging folder they were written to (None: none built)."""

    records: Mapping[str, PageRecord]  # by source
    built: tuple[Built, ...]
    stage: Stage | None

    @property
    def entries(self) -> dict[str, Entry]:
        """The listing entry of each page on the site (drafts left out), by source."""
        return {relative: r.entry for relative, r in self.records.items() if r.entry}


def build_stale(plan: Plan, output: Path, drafts: bool, workers: int | None, fork: bool,
                reporter: Reporter) -> Pages:
    """Build the pages the cache cannot vouch for into a staging folder."""
    if not plan.stale:
        return Pages(plan.kept, (), None)
    # imported here: the page machinery, which a build with nothing to do never loads
    from site_builder.build.pages import Job, build_pages
    from site_builder.config import load_config

    stage = open_stage(output, plan.cache.present())
    job = Job(plan.project, load_config(plan.project), plan.status, drafts, plan.modules,
              stage.folder, stage.present, workers, fork)
    with reporter.stage("pages"):
        built = tuple(build_pages(plan.stale, job, reporter.progress))
    rebuilt = {b.relative: b.record for b in built if b.record is not None}
    return Pages({**plan.kept, **rebuilt}, built, stage)


def check_pages(plan: Plan, pages: Pages) -> None:
    """Stop the build with every problem found: in the inputs, in the pages built, two
    pages at one address, or two pages contradicting each other."""
    entries = pages.entries
    errors = [*plan.errors, *(b.error for b in pages.built if b.error),
              *clashing_urls(entries),
              *contradictions({relative: r.shown for relative, r in pages.records.items()
                               if r.entry})]
    if errors:
        if pages.stage is not None:
            discard(pages.stage)
        raise BuildFailed(errors)


@dataclass(frozen=True)
class SiteBuilt:
    """The whole new site: its site-wide files, every file's hash, the pages to index for
    search (page file -> hash), and the staging folder of what changed (None: nothing)."""

    site_files: SiteFiles
    wanted: Mapping[str, str]
    searchable: Mapping[str, str]
    stage: Stage | None


def site_files(plan: Plan, pages: Pages, output: Path, indexer: Indexer,
               reporter: Reporter) -> SiteBuilt:
    """The listings, feeds, assets and the site's own social card, made again only when
    what they depend on changed: every entry, whether any page has a chart, how the search
    index is split, and what the cache key covers."""
    entries = pages.entries
    charted = any(path.endswith(".vl.json") for r in pages.records.values() for path in r.files)
    made_from = digest(orjson.dumps([charted, indexer.part_pages,
                                     *sorted((e.to_json() for e in entries.values()),
                                             key=lambda e: str(e["url"]))]))
    made, stage = plan.cache.site_files, pages.stage
    if made.made_from != made_from:
        stage = stage or open_stage(output, plan.cache.present())
        with reporter.stage("site"):
            made = SiteFiles(made_from, stage.put(_site_files(plan.project, entries.values(),
                                                              charted, indexer)))
    wanted = dict(made.files)
    for record in pages.records.values():
        wanted |= record.files
    if stage is None and not plan.cache.output.keys() <= wanted.keys():
        stage = open_stage(output, plan.cache.present())  # nothing new, but files to remove
    searchable = {e.file: wanted[e.file] for e in entries.values()}
    return SiteBuilt(made, wanted, searchable, stage)


def _site_files(project: Project, entries: Iterable[Entry], charted: bool,
                indexer: Indexer) -> dict[str, bytes]:
    # imported here: Jinja and the settings (pydantic), which a build with nothing to do
    # never loads
    from site_builder.charts.social import CardRenderer, site_card
    from site_builder.config import load_config
    from site_builder.render.chart_pages import loader_file
    from site_builder.render.feeds import render_feeds
    from site_builder.render.front import render_front
    from site_builder.render.listings import render_listings
    from site_builder.render.templates import Assets, template_environment

    listing = list(entries)
    site = make_site(load_config(project), listing)
    assets = Assets(project.templates, project.cache)
    env = template_environment(project.templates, site, assets, project.cache)
    parts = merge_paths((e.file for e in (*site.briefs, *site.partners, *site.pages)),
                        indexer)
    return (assets.files(charted) | render_front(site, env) | render_listings(site, env, parts)
            | render_feeds(site, env)
            | site_card(site, CardRenderer(project.cache))
            | (loader_file(project.templates) if charted else {}))


@dataclass(frozen=True)
class Published:
    changed: tuple[str, ...]  # files written or removed in output/ (all of them, from scratch)
    search_stale: bool  # pages changed that the search index does not have yet


def publish(cache: BuildCache, site: SiteBuilt, output: Path, search: bool, swap: bool,
            indexer: Indexer, reporter: Reporter) -> Published:
    """Put the new site in place of ``output``, its search index brought up to date first
    (or marked stale, without ``search``): in one step (``swap``) or file by file."""
    stale = (not cache.output or cache.search_stale
             or not is_whole(output, site.searchable, indexer))
    stage = site.stage
    if stage is None and not (stale and search):
        return Published((), stale)
    if stage is None:
        stage = open_stage(output, site.wanted)  # the pages stand; only the index is behind
    changed = changes(stage, site.wanted)
    stale = stale or any(path.endswith(".html") for path in changed)
    if not swap and cache.output:
        with reporter.stage("write"):
            publish_in_place(stage, changed, site.wanted, output)
        stage = None
    try:
        if stage is not None and cache.output:
            with reporter.stage("write"):
                complete(stage, site.wanted, output, SEARCH)
        if stale and search:
            with reporter.stage("search"):
                index_site(output if stage is None else stage.folder, site.searchable,
                           indexer=indexer)
    except BaseException:
        if stage is not None:
            discard(stage)
        raise
    if stage is not None:
        with reporter.stage("write"):
            publish_new(stage, output)
    return Published(tuple(changed), stale and not search)


def remember(plan: Plan, pages: Pages, site: SiteBuilt, published: Published,
             output: Path) -> BuildCache:
    """The cache after this build, saved when it differs from the one loaded."""
    cache, from_scratch = plan.cache, not plan.cache.output
    if not (published.changed or plan.stale or from_scratch
            or published.search_stale != cache.search_stale):
        return cache
    state = output_state(output, site.wanted, SEARCH, cache.output,
                         None if from_scratch else published.changed)
    new = replace(cache, pages=pages.records, output=state, site_files=site.site_files,
                  search_stale=published.search_stale)
    new.save()
    return new


def _result(output: Path, pages: Pages, site: SiteBuilt, published: Published,
            seconds: float, reporter: Reporter) -> BuildResult:
    built = pages.built
    charts, drawn = sum(b.charts for b in built), sum(b.charts_rendered for b in built)
    result = BuildResult(output, len(pages.entries),
                         sum(1 for b in built if b.record and b.record.entry), charts, drawn,
                         charts - drawn, len(published.changed), seconds, site.searchable)
    reporter.info(f"Built {result.pages} pages ({result.rebuilt} rebuilt, {result.charts} "
                  f"charts: {result.charts_rendered} rendered, {result.charts_cached} cached; "
                  f"{result.written} files written) into {output} in {result.seconds:.2f} s")
    return result
