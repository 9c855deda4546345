"""Build the pages that need it, each from source to staged files: parse, evaluate, draw its
charts, render, stage. Here, or on every core when there is enough work to share.

This module loads the page machinery (Markdown, Jinja, pydantic): a build imports it only
when it has pages to build. pandas comes with the first page that reads data.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import sys
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from site_builder.build.cache import PageRecord
from site_builder.build.plan import SourceFile
from site_builder.build.write import Stage
from site_builder.charts.draw import Renderer
from site_builder.charts.social import CardRenderer
from site_builder.config import SiteConfig
from site_builder.content.document import FrontMatter
from site_builder.content.entries import Site
from site_builder.data.snapshot import Snapshot
from site_builder.errors import SiteError
from site_builder.evaluate.expressions import expression_environment
from site_builder.evaluate.page import entry_for, evaluate
from site_builder.evaluate.release_note import release_note
from site_builder.project import Project
from site_builder.releases import ReleaseStatus
from site_builder.render.templates import Assets, render_page, template_environment
from site_builder.report import Progress

#: Work, in pages of plain text, below which a second process costs more than it saves
#: (a spawned worker takes about 0.3 s to start, a forked one far less, but the preview's
#: workers are spawned). A page with charts counts as CHARTED pages.
PER_WORKER = 200
CHARTED = 40


@dataclass(frozen=True)
class Job:
    """What building any page needs besides its source; sent once to each worker."""

    project: Project
    config: SiteConfig
    status: ReleaseStatus
    drafts: bool
    modules: Mapping[str, str]  # chart module -> hash of its code
    staging: Path
    present: Mapping[str, str]  # output path -> hash of the file now in output/
    workers: int | None = None  # processes that build pages; None: as the work pays for
    fork: bool = False  # workers may be forked copies of this process: see start_method


@dataclass(frozen=True)
class Built:
    """One source's outcome: its record (entry and files), or the error that stopped it."""

    relative: str  # the source's name, as in SourceFile.relative
    record: PageRecord | None = None
    error: SiteError | None = None
    charts: int = 0
    charts_rendered: int = 0


class PageBuilder:
    """Everything one process needs to build pages, made once: the data, the expression
    sandbox, the templates, the chart and card renderers, the staging folder."""

    def __init__(self, job: Job) -> None:
        project = job.project
        self.job = job
        self.snapshot = Snapshot(project.lockfile)
        self.sandbox = expression_environment()
        self.site = Site(job.config, (), ())  # a page never lists the others
        self.env = template_environment(project.templates, self.site,
                                        Assets(project.templates, project.cache), project.cache)
        self.charts = Renderer(project.cache)
        self.cards = CardRenderer(project.cache)
        self.stage = Stage(job.staging, job.present)

    def __call__(self, source: SourceFile) -> Built:
        try:
            return self._build(source)
        except SiteError as exc:
            exc = exc if exc.path else exc.located(source.path)
            if source.row:  # say which generated page: the file is their template
                exc = SiteError(f"(page {source.row['slug']!r}) {exc.message}", exc.path,
                                exc.line, exc.hint)
            return Built(source.relative, error=exc)

    def _build(self, source: SourceFile) -> Built:
        doc = source.parse()
        if isinstance(doc.meta, FrontMatter) and doc.meta.draft and not self.job.drafts:
            return Built(source.relative, PageRecord(source.digest, {}, {}, None, {}))
        page = evaluate(doc, self.snapshot, self.sandbox, self.job.project.charts)
        before = self.charts.rendered
        drawn = {chart.key: self.charts.svg(chart) for chart in page.charts}
        files = render_page(self.site, self.env, page, drawn, self.cards,
                            release_note(self.job.status, page), self.job.status.upcoming)
        record = PageRecord(
            source=source.digest,
            datasets={name: self.snapshot.meta(name).sha256 for name in sorted(page.read)},
            modules={str(p): self.job.modules.get(str(p), "") for p in page.modules},
            entry=entry_for(page),
            files=self.stage.put(files),
            shown=tuple(dict(item) for item in page.shown))
        return Built(source.relative, record, charts=len(page.charts),
                     charts_rendered=self.charts.rendered - before)


_builder: PageBuilder | None = None
ORPHAN_POLL_SECONDS = 0.5  # how often a worker looks whether the build that started it runs


def _start(job: Job, parent: int) -> None:
    global _builder
    watch_parent(parent)
    _builder = PageBuilder(job)


def watch_parent(parent: int) -> threading.Thread:
    """Exit this process as soon as ``parent`` is no longer its parent: a build killed
    outright (SIGKILL) cannot stop its workers, which would otherwise wait for work for ever.
    Polls from a daemon thread, which also catches a parent gone before this started."""
    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(ORPHAN_POLL_SECONDS)
        os._exit(1)

    thread = threading.Thread(target=watch, name="site-builder-orphan-watch", daemon=True)
    thread.start()
    return thread


def _build_one(source: SourceFile) -> Built:
    assert _builder is not None, "worker not started"
    return _builder(source)


def start_method(fork: bool) -> str:
    """How workers start: forked, as a copy of this process with the page machinery already
    imported (a spawned worker imports it again, about 0.6 s of CPU each), only where the
    caller vouches for its process (``fork``: the command line, which starts no thread of
    its own) and no other Python thread runs; spawned otherwise. A forked child of a process
    running other threads may hang on a lock one of them held, and a library caller cannot
    know its host's threads: pytest-xdist's workers run threads Python's ``threading`` does
    not list, and the page workers forked there hung."""
    forkable = "fork" in multiprocessing.get_all_start_methods() and sys.platform != "darwin"
    return "fork" if fork and forkable and threading.active_count() == 1 else "spawn"


def build_pages(sources: Sequence[SourceFile], job: Job, progress: Progress
                ) -> Iterator[Built]:
    """Each source built, in order: in this process, or on every core when the work is
    large enough to pay for starting workers."""
    charted = sum(source.charted for source in sources)
    work = len(sources) + (CHARTED - 1) * charted
    workers = (min(os.cpu_count() or 1, work // PER_WORKER) if job.workers is None
               else min(job.workers, len(sources)))
    if workers < 2:
        builder = PageBuilder(job)
        yield from (builder(source) for source in progress(sources, len(sources), "Building"))
        return
    context = multiprocessing.get_context(start_method(job.fork))
    chunk = max(1, min(16, len(sources) // (workers * 8)))
    if context.get_start_method() == "fork":
        # what this process made so far is out of the collector's sight in the workers: a
        # full collection there would walk it all (and copy every page of memory it touches)
        if charted:  # their workers all read data: pandas imported once, not once each
            import pandas  # noqa: F401
        gc.freeze()
    try:
        with ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_start,
                                 initargs=(job, os.getpid())) as pool:
            built = pool.map(_build_one, sources, chunksize=chunk)
            yield from progress(built, len(sources), "Building")
    finally:
        gc.unfreeze()
