"""Progress and messages behind one small interface, so tests can use a silent one."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from typing import Any, Protocol, TextIO, TypeVar

T = TypeVar("T")
# what a long loop takes to show its progress: ``Reporter.progress``
Progress = Callable[[Iterable[Any], int, str], Iterator[Any]]


class Reporter(Protocol):
    def info(self, message: str) -> None:
        """A line worth printing at normal verbosity (what was built, where)."""

    def detail(self, message: str) -> None:
        """A line for ``--verbose`` only (stage timings, cache hits)."""

    def warn(self, message: str) -> None:
        """A problem that does not stop the work; always shown."""

    def error(self, message: str) -> None:
        """A problem that stopped some work (a failed preview build); always shown."""

    def progress(self, items: Iterable[T], total: int, label: str) -> Iterator[T]:
        """Iterate ``items``, showing a bar if the work turns out to be long."""

    def stage(self, name: str) -> AbstractContextManager[None]:
        """Time a named stage (reported under ``--verbose``)."""


class ConsoleReporter:
    """Writes to a terminal stream. ``verbosity``: 0 quiet, 1 normal, 2 verbose. Progress
    bars show only on a terminal, at normal verbosity or more, and never in CI (``CI`` set
    in ``environ``, as CI services do), where they would fill the log."""

    def __init__(self, verbosity: int = 1, stream: TextIO | None = None,
                 environ: Mapping[str, str] = os.environ) -> None:
        self.verbosity = verbosity
        self.stream = stream or sys.stderr
        self.bars = (verbosity >= 1 and self.stream.isatty()
                     and environ.get("CI", "").lower() in ("", "0", "false"))

    def info(self, message: str) -> None:
        if self.verbosity >= 1:
            print(message, file=self.stream)

    def detail(self, message: str) -> None:
        if self.verbosity >= 2:
            print(message, file=self.stream)

    def warn(self, message: str) -> None:
        print(f"warning: {message}", file=self.stream)

    def error(self, message: str) -> None:
        print(f"error: {message}", file=self.stream)

    def progress(self, items: Iterable[T], total: int, label: str) -> Iterator[T]:
        from tqdm import tqdm  # only here: a build with nothing to do shows no bar

        # ``delay``: a bar appears only once the work has taken a second, so short work stays quiet.
        yield from tqdm(items, total=total, desc=label, file=self.stream, disable=not self.bars,
                        delay=1.0, leave=False, unit="item")

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        start = time.perf_counter()
        yield
        self.detail(f"{name}: {(time.perf_counter() - start) * 1000:.0f} ms")


class SilentReporter:
    """Keeps messages in lists instead of printing them; for tests and library callers."""

    def __init__(self) -> None:
        self.infos: list[str] = []
        self.warnings: list[str] = []
        self.errors: list[str] = []

    def info(self, message: str) -> None:
        self.infos.append(message)

    def detail(self, message: str) -> None:
        self.infos.append(message)

    def warn(self, message: str) -> None:
        self.warnings.append(message)

    def error(self, message: str) -> None:
        self.errors.append(message)

    def progress(self, items: Iterable[T], total: int, label: str) -> Iterator[T]:
        yield from items

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        yield
