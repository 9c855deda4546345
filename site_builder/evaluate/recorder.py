"""What a page read while it was evaluated: its dependencies, and what each chart drew on.

A build that finds none of a page's dependencies changed does not build the page again, so
every read goes through one :class:`Recorder`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from site_builder.evaluate.figures import Source


@dataclass
class Recorder:
    """The datasets and chart modules one page read, in the order it first read them; and,
    since the last :meth:`begin_chart`, the datasets and rows read for the chart."""

    _depends: list[str] = field(default_factory=list)
    _modules: list[Path] = field(default_factory=list)
    _chart_datasets: list[str] = field(default_factory=list)
    _chart_sources: list[Source] = field(default_factory=list)

    def depend(self, name: str) -> None:
        """The page depends on dataset ``name``: only compared with, or read."""
        if name not in self._depends:
            self._depends.append(name)

    def read(self, name: str) -> None:
        """The page read dataset ``name`` itself (not a copy to compare with)."""
        self.depend(name)
        if name not in self._chart_datasets:
            self._chart_datasets.append(name)

    def cited(self, source: Source) -> None:
        """Rows were read that ``source`` cites: the chart's source line names it."""
        if source not in self._chart_sources:
            self._chart_sources.append(source)

    def ran(self, module: Path) -> None:
        """The page ran chart code from ``module``: a dependency like its data."""
        if module not in self._modules:
            self._modules.append(module)

    def begin_chart(self) -> None:
        """Start recording what the next chart reads."""
        self._chart_datasets.clear()
        self._chart_sources.clear()

    @property
    def depends(self) -> tuple[str, ...]:
        return tuple(self._depends)

    @property
    def modules(self) -> tuple[Path, ...]:
        return tuple(self._modules)

    @property
    def chart_datasets(self) -> tuple[str, ...]:
        """The datasets read since the chart began."""
        return tuple(self._chart_datasets)

    @property
    def chart_sources(self) -> tuple[Source, ...]:
        """The citations of the rows read since the chart began."""
        return tuple(self._chart_sources)


@dataclass
class Tape(Recorder):
    """A recorder that also keeps each call in order, so that a result computed once can
    record the same reads again, on every page that uses it (:meth:`replay`)."""

    calls: list[tuple[str, object]] = field(default_factory=list)

    def depend(self, name: str) -> None:
        self.calls.append(("depend", name))

    def read(self, name: str) -> None:
        self.calls.append(("read", name))

    def cited(self, source: Source) -> None:
        self.calls.append(("cited", source))

    def ran(self, module: Path) -> None:
        self.calls.append(("ran", module))

    def replay(self, recorder: Recorder) -> None:
        """Make on ``recorder`` every call made on this tape, in the same order."""
        for method, argument in self.calls:
            getattr(recorder, method)(argument)
