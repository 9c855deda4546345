"""The figures a page shows that are each one value of one official series.

The consistency gate compares them across every page: one series, one period, one value
(or a marked vintage).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from site_builder.evaluate.expressions import running_line
from site_builder.evaluate.figures import Figure


@dataclass
class ShownFigures:
    """Each figure shown of an official series: measure, value, shown text, whether its
    vintage is marked, its file line, and the day its data stood."""

    _entries: list[dict[str, Any]] = field(default_factory=list)
    _first_line: int = 1  # the file line where the text being evaluated starts

    def start_at(self, line: int) -> None:
        """The text evaluated next starts at file line ``line``."""
        self._first_line = line

    def add(self, fig: Figure, text: str) -> None:
        """Register ``fig``, shown as ``text``, if it is a value of an official series."""
        if fig.measure is None:
            return
        line = running_line()
        self._entries.append({"measure": fig.measure, "value": fig.value, "text": text,
                              "marked": fig.current is not None,
                              "line": self._first_line + (0 if line is None else line - 1),
                              "stood": fig.stood})

    @property
    def entries(self) -> tuple[dict[str, Any], ...]:
        return tuple(self._entries)
