"""Evaluate the pages that need it: here, or on every core when there are enough of them."""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from site_builder.content import FrontMatter
from site_builder.errors import SiteError
from site_builder.pages import Page, evaluate
from site_builder.prose import expression_environment
from site_builder.report import Progress

if TYPE_CHECKING:
    from site_builder.build import Source

PER_WORKER = 200  # below this many pages per core, starting a worker costs more than it saves


@dataclass(frozen=True)
class Outcome:
    """One source's evaluation: its page, or None for a hidden draft; or the error."""

    page: Page | None = None
    error: SiteError | None = None


class _Evaluator:
    """What evaluating needs besides the source: the snapshot, the sandbox, chart code."""

    def __init__(self, lockfile: Path, charts_dir: Path, drafts: bool) -> None:
        from site_builder.data.snapshot import Snapshot

        self.snapshot = Snapshot(lockfile)
        self.env = expression_environment()
        self.charts_dir = charts_dir
        self.drafts = drafts

    def __call__(self, source: Source) -> Outcome:
        try:
            doc = source.parse()
            if isinstance(doc.meta, FrontMatter) and doc.meta.draft and not self.drafts:
                return Outcome()
            return Outcome(evaluate(doc, self.snapshot, self.env, self.charts_dir))
        except SiteError as exc:
            exc = exc if exc.path else exc.located(source.path)
            if source.row:  # say which generated page: the file is their template
                exc = SiteError(f"(page {source.row['slug']!r}) {exc.message}", exc.path,
                                exc.line, exc.hint)
            return Outcome(error=exc)


_worker: _Evaluator | None = None


def _start_worker(lockfile: Path, charts_dir: Path, drafts: bool) -> None:
    global _worker
    _worker = _Evaluator(lockfile, charts_dir, drafts)


def _in_worker(source: Source) -> Outcome:
    assert _worker is not None, "worker not started"
    return _worker(source)


def evaluate_all(sources: list[Source], lockfile: Path, charts_dir: Path, drafts: bool,
                 progress: Progress) -> Iterator[tuple[Source, Outcome]]:
    """Each source with its outcome, in order."""
    workers = min(os.cpu_count() or 1, len(sources) // PER_WORKER)
    if workers < 2:
        evaluator = _Evaluator(lockfile, charts_dir, drafts)
        for source in progress(sources, len(sources), "Evaluating"):
            yield source, evaluator(source)
        return
    # spawn, not fork: a forked child of a threaded process (the preview server) may hang
    context = multiprocessing.get_context("spawn")
    chunk = max(1, len(sources) // (workers * 8))
    with ProcessPoolExecutor(max_workers=workers, mp_context=context,
                             initializer=_start_worker,
                             initargs=(lockfile, charts_dir, drafts)) as pool:
        outcomes = pool.map(_in_worker, sources, chunksize=chunk)
        yield from zip(sources, progress(outcomes, len(sources), "Evaluating"), strict=True)
