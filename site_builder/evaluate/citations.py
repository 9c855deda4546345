"""A page's citations: its numbered sources, and each figure linked to the one it cites.

A formatted figure goes into the text as a slot token, out of Markdown's way; once the text
is HTML, :meth:`Citations.fill_figures` puts the figures back.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from markupsafe import Markup

from site_builder import formatting
from site_builder.evaluate.figures import Figure, Source

FIGURE_SLOT = "\ue000{}\ue001"
FIGURE_SLOT_PATTERN = re.compile("\ue000(\\d+)\ue001")


@dataclass
class Citations:
    """The sources one page cites, in the order it first cites them, and its figures."""

    _sources: list[Source] = field(default_factory=list)
    _figures: list[str] = field(default_factory=list)  # rendered, by slot number

    def add(self, source: Source) -> None:
        """List ``source`` among the page's sources (a chart's, say), if it is not yet."""
        if source not in self._sources:
            self._sources.append(source)

    def cite(self, fig: Figure) -> int:
        """Register the figure's sources; return the number of its first in the list."""
        for source in fig.sources:
            self.add(source)
        return self._sources.index(fig.sources[0]) + 1

    def link(self, fig: Figure, text: str, now: str | None = None) -> Markup:
        """The slot of ``text``, the figure shown linked to its source; ``now``: its current
        value, where revised."""
        number = self.cite(fig)
        titles = "; ".join(f"{s.publisher}{', ' + s.series if s.series else ''} ({s.vintage})"
                           for s in fig.sources)
        html = Markup('<a class="figure" href="#source-{n}" title="{t}">'
                      '<data value="{v}">{x}</data></a>').format(
            n=number, t=titles, v=repr(fig.value), x=text)
        if now is not None:
            stood = (", data of " + formatting.day(fig.current_stood)) if fig.current_stood \
                else ""
            html += Markup(' <span class="revised">(since revised to <data value="{v}">{x}'
                           '</data>{s})</span>').format(v=repr(fig.now), x=now, s=stood)
        self._figures.append(str(html))
        return Markup(FIGURE_SLOT.format(len(self._figures) - 1))

    def fill_figures(self, html: str) -> str:
        """Put the rendered figures back where their slot tokens stand."""
        return FIGURE_SLOT_PATTERN.sub(lambda m: self._figures[int(m.group(1))], html)

    @property
    def sources(self) -> tuple[Source, ...]:
        return tuple(self._sources)
