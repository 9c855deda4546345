"""The preview's search index, brought up to date in the background after each good build.

The page reloads first; the index follows once the site folder has been quiet for a moment.
A build and the indexer take turns on the folder (:attr:`SearchIndexer.site_lock`), and a
change seen on disk stops the indexer, so the rebuild after it never waits for a whole index.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from pathlib import Path

from site_builder.report import Reporter

SEARCH_DELAY_SECONDS = 0.3  # quiet after a build before the search index is brought up to date


class SearchIndexer:
    """Indexes ``output`` after each :meth:`want`, from :meth:`run` (a thread's target).

    ``generation`` tells which good build is in the folder; ``cancelled`` whether to stop
    indexing at once (a change is pending, or the preview is stopping).
    """

    def __init__(self, output: Path, reporter: Reporter, stopping: threading.Event,
                 cancelled: Callable[[], bool], generation: Callable[[], int]) -> None:
        self.output = output
        self.reporter = reporter
        self.stopping = stopping
        self.cancelled = cancelled
        self.generation = generation
        self.site_lock = threading.Lock()  # held by the build, and by the indexer at work
        #: Of the last good build: page file -> hash, what to index.
        self.searchable: Mapping[str, str] = {}
        self._wanted = threading.Event()
        self._searched = threading.Condition()
        self._searched_generation = 0

    def want(self) -> None:
        """Index the folder again: a good build just finished."""
        self._wanted.set()

    def run(self) -> None:
        """Until ``stopping``: index after each :meth:`want`, once the folder has been quiet
        for SEARCH_DELAY_SECONDS; when cancelled, wait for the next :meth:`want`."""
        from site_builder.build.search import Cancelled, index_site

        while not self.stopping.is_set():
            if (not self._wanted.wait(0.1) or self.stopping.wait(SEARCH_DELAY_SECONDS)
                    or self.cancelled()):
                continue
            with self.site_lock:
                if self.cancelled():
                    continue
                self._wanted.clear()
                generation = self.generation()
                try:
                    index_site(self.output, self.searchable, self.cancelled)
                except Cancelled:
                    continue
                except Exception as exc:  # the pages still preview; say why search lags
                    self.reporter.warn(f"search index not updated: {exc}")
                    continue
            with self._searched:
                self._searched_generation = generation
                self._searched.notify_all()

    def wait(self, timeout: float) -> bool:
        """Wait until the index covers the last good build; False after ``timeout``."""
        with self._searched:
            return self._searched.wait_for(
                lambda: self.stopping.is_set() or (
                    not self._wanted.is_set()
                    and self._searched_generation >= self.generation()), timeout)

    def wake(self) -> None:
        """Let :meth:`wait` see that the preview is stopping."""
        with self._searched:
            self._searched.notify_all()
