"""The build as a list of stages: plan, build the stale pages, the site-wide files, write,
index for search. Nothing reaches ``output/`` unless every check passed."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from site_builder.atomic import remove_stale_stages
from site_builder.build.cache import BuildCache, PageRecord, digest
from site_builder.build.consistency import contradictions
from site_builder.build.plan import Plan, plan_build
from site_builder.build.search import (
    SEARCH,
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
from site_builder.content.entries import Entry, Site, newest_first, page_file
from site_builder.errors import BuildFailed, SiteError
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
          search: bool = True, workers: int | None = None, swap: bool = True) -> BuildResult:
    """Build the site into ``output`` (default ``output/``); nothing is written there unless
    all checks pass. Pages whose inputs did not change come from the build cache.

    ``strict`` turns stale data (a failed last fetch, or data older than the site's
    ``max_data_age_days``) from a warning into an error. ``search=False`` leaves the search
    index as it is (the preview updates it after the page reloads); the next build with
    ``search=True`` brings it up to date. ``workers`` is how many processes build the pages
    (1: this one only); by default as many as the work pays for, up to one per core.

    The new site takes the place of ``output`` in one step (``swap``): a kill at any instant
    leaves the old site or the new. ``swap=False`` moves the changed files in one by one
    instead, which is quicker on a large site; the preview does so in its own folder.

    First it removes what killed builds left: staging folders beside ``output`` and search
    scratch folders whose process no longer runs.
    """
    start = time.perf_counter()
    output = output or project.root / "output"
    remove_stale_stages(output)
    remove_stale_scratch()
    with reporter.stage("load"):
        plan = plan_build(project, output, reporter, drafts, strict, today or dt.date.today())
    cache, records = plan.cache, dict(plan.kept)
    present = {path: str(state[0]) for path, state in cache.output.items()}
    stage = open_stage(output, present) if plan.stale else None
    built: list[Built] = []
    if stage is not None:
        with reporter.stage("pages"):
            built = _build_pages(plan, drafts, stage, records, reporter, workers)
    entries = {rel: r.entry for rel, r in records.items() if r.entry}  # as the cache holds them
    errors = (plan.errors + [b.error for b in built if b.error] + _clashing_urls(entries)
              + contradictions({rel: r.shown for rel, r in records.items() if r.entry}))
    if errors:
        if stage is not None:
            discard(stage)
        raise BuildFailed(errors)
    charted = any(path.endswith(".vl.json") for r in records.values() for path in r.files)
    # Listings, feeds and assets depend on every entry and on what the cache key covers,
    # nothing else: with the same entries they are the same files.
    listed = digest(orjson.dumps([charted, *sorted(entries.values(),
                                                   key=lambda e: str(e["url"]))]))
    if cache.site_files.get("from") != listed:
        with reporter.stage("site"):
            listing = [Entry.from_json(e) for e in entries.values()]
            site = Site(plan.config, newest_first([e for e in listing if e.is_brief]),
                        tuple(e for e in listing if not e.is_brief))
            stage = stage or open_stage(output, present)
            cache.site_files = {"from": listed,
                                "files": stage.put(_site_files(project, site, charted))}
    wanted = dict(cache.site_files["files"])
    for record in records.values():
        wanted |= record.files
    if stage is None and not present.keys() <= wanted.keys():
        stage = open_stage(output, present)  # nothing new, but files to remove
    searchable = {page_file(e["url"]): wanted[page_file(e["url"])] for e in entries.values()}
    was_stale, from_scratch = cache.search_stale, not cache.output
    changed = _publish(cache, stage, wanted, searchable, output, search, swap, reporter)
    if changed or plan.stale or from_scratch or cache.search_stale != was_stale:
        cache.pages = records
        cache.save(output, wanted, None if from_scratch else changed)
    charts, drawn = sum(b.charts for b in built), sum(b.charts_rendered for b in built)
    result = BuildResult(output, len(entries), sum(1 for b in built if b.record and
                                                   b.record.entry), charts, drawn,
                         charts - drawn, len(changed), time.perf_counter() - start,
                         searchable)
    reporter.info(f"Built {result.pages} pages ({result.rebuilt} rebuilt, {result.charts} "
                  f"charts: {result.charts_rendered} rendered, {result.charts_cached} cached; "
                  f"{result.written} files written) into {output} in {result.seconds:.2f} s")
    return result


def _build_pages(plan: Plan, drafts: bool, stage: Stage, records: dict[str, PageRecord],
                 reporter: Reporter, workers: int | None) -> list[Built]:
    """Build the stale pages into ``stage``; record each good one in ``records``."""
    from site_builder.build.pages import Job, build_pages

    job = Job(plan.project, plan.config, plan.live_status, drafts, plan.modules, stage.folder,
              stage.present, workers)
    outcomes = []
    for built in build_pages(plan.stale, job, reporter.progress):
        if built.record is not None:
            records[built.relative] = built.record
        outcomes.append(built)
    return outcomes


def _publish(cache: BuildCache, stage: Stage | None, wanted: dict[str, str],
             searchable: Mapping[str, str], output: Path, search: bool, swap: bool,
             reporter: Reporter) -> list[str]:
    """Put the new site in place of ``output``, its search index brought up to date first
    (or marked stale, without ``search``): in one step (``swap``) or file by file. Returns
    the files written or removed (all of them, from scratch)."""
    stale = (not cache.output or cache.search_stale
             or not is_whole(output, searchable))
    if stage is None and not (stale and search):
        cache.search_stale = stale
        return []
    if stage is None:
        stage = open_stage(output, wanted)  # the pages stand; only the index is behind
    changed = changes(stage, wanted)
    stale = stale or any(path.endswith(".html") for path in changed)
    if not swap and cache.output:
        with reporter.stage("write"):
            publish_in_place(stage, changed, wanted, output)
        stage = None
    try:
        if stage is not None and cache.output:
            with reporter.stage("write"):
                complete(stage, wanted, output, SEARCH)
        if stale and search:
            with reporter.stage("search"):
                index_site(output if stage is None else stage.folder, searchable)
    except BaseException:
        if stage is not None:
            discard(stage)
        raise
    if stage is not None:
        with reporter.stage("write"):
            publish_new(stage, output)
    cache.search_stale = stale and not search
    return changed


def _site_files(project: Project, site: Site, charted: bool) -> dict[str, bytes]:
    """The listings, feeds, assets and the site's own social card."""
    from site_builder.charts.social import CardRenderer, site_card
    from site_builder.render.feeds import render_feeds
    from site_builder.render.listings import render_listings
    from site_builder.render.templates import Assets, template_environment

    assets = Assets(project.templates, project.cache)
    env = template_environment(project.templates, site, assets, project.cache)
    parts = merge_paths(e.file for e in (*site.briefs, *site.pages))
    return (assets.files(charted) | render_listings(site, env, parts) | render_feeds(site, env)
            | site_card(site, CardRenderer(project.cache)))


def _clashing_urls(entries: dict[str, dict[str, Any]]) -> list[SiteError]:
    """Two pages at one address, or an old address (alias) that a live page now uses."""
    seen: dict[str, str] = {}
    errors = []
    for relative, entry in sorted(entries.items()):
        url = entry["url"]
        if url in seen:
            errors.append(SiteError(f"two files would be published at {url}", Path(relative),
                                    hint=f"The other is {seen[url]}; give one a `slug:`."))
        seen[url] = relative
    for relative, entry in sorted(entries.items()):
        for alias in entry["aliases"]:
            if alias in seen:
                errors.append(SiteError(
                    f"alias {alias} is the address of {seen[alias]}", Path(relative),
                    hint="A redirect cannot stand where a page is; remove the alias."))
            seen.setdefault(alias, relative)
    return errors
