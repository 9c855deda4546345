"""Change detection for the preview: poll the inputs' file stamps, wait for a change to hold
still (editors save in steps), then hand it on."""

from __future__ import annotations

import os
import threading
import time
import traceback
from collections.abc import Callable, Iterable
from pathlib import Path

from site_builder.report import Reporter

DEBOUNCE_SECONDS = 0.1  # a change must hold this long before a rebuild: editors save in steps
SETTLE_LIMIT_SECONDS = 2.0  # ...but a file that never stops changing does not block rebuilds
IGNORED_SUFFIXES = ("~", ".swp", ".swx", ".tmp", ".pyc")  # editor and interpreter droppings
#: A file's path -> (size, mtime_ns, inode).
Stamps = dict[str, tuple[int, int, int]]


def file_stamps(roots: Iterable[Path]) -> Stamps:
    """(size, mtime_ns, inode) of every file below ``roots``: cheap change detection only."""
    found = {}
    for root in roots:
        paths = [root] if root.is_file() else _files(root)
        for path in paths:
            try:
                st = path.stat()
            except FileNotFoundError:
                continue  # deleted between listing and looking
            found[str(path)] = (st.st_size, st.st_mtime_ns, st.st_ino)
    return found


def _files(root: Path) -> Iterable[Path]:
    for folder, dirs, names in os.walk(root):
        dirs[:] = [d for d in dirs if not d.startswith(".") and d != "__pycache__"]
        yield from (Path(folder, n) for n in names
                    if not n.startswith(".") and not n.endswith(IGNORED_SUFFIXES))


class Watcher:
    """Polls ``roots`` every ``interval`` seconds until ``stopping`` is set.

    :attr:`pending` is set from the moment a change is seen until it has been handled, so
    other work on the site (the search indexer) can make way for the rebuild.
    """

    def __init__(self, roots: tuple[Path, ...], interval: float, stopping: threading.Event,
                 reporter: Reporter) -> None:
        self.roots = roots
        self.interval = interval
        self.stopping = stopping
        self.reporter = reporter
        self.pending = threading.Event()

    def stamps(self) -> Stamps:
        return file_stamps(self.roots)

    def run(self, seen: Stamps, changed: Callable[[list[str]], None]) -> None:
        """Call ``changed`` with the paths of the files that changed since ``seen`` (added,
        removed or edited), once the change has held still; until ``stopping``."""
        while not self.stopping.wait(self.interval):
            try:
                current = self.stamps()
                if current == seen:
                    continue
                self.pending.set()
                current = self._settle(current)
                if self.stopping.is_set():
                    return
                paths = sorted({path for path, _ in set(current.items()) ^ set(seen.items())})
                seen = current
                try:
                    changed(paths)
                finally:
                    self.pending.clear()
            except Exception as exc:  # never let the watcher die silently
                self.reporter.warn("preview watcher: " +
                                   "".join(traceback.format_exception(exc)).rstrip())

    def _settle(self, current: Stamps) -> Stamps:
        """Wait until the files stop changing for DEBOUNCE_SECONDS (at most a limit)."""
        deadline = time.monotonic() + SETTLE_LIMIT_SECONDS
        while not self.stopping.wait(DEBOUNCE_SECONDS):
            again = self.stamps()
            if again == current or time.monotonic() > deadline:
                return again
            current = again
        return current
