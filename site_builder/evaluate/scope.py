"""What a brief's expressions can call: data access, formatting with citations, claims.

One :class:`PageScope` serves one page. It composes the page's data scope (which records
what the page reads with its :class:`Recorder`), its :class:`Citations` and the official
figures it shows; its own methods format figures, each linked to its source.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import InitVar, dataclass, field, replace
from typing import Any

from markupsafe import Markup, escape

from site_builder import formatting
from site_builder.data.snapshot import Snapshot
from site_builder.errors import SiteError, quoted
from site_builder.evaluate import claims
from site_builder.evaluate.citations import Citations
from site_builder.evaluate.data_scope import DataScope
from site_builder.evaluate.figures import Figure, change, normalise_period, pct_change, share
from site_builder.evaluate.rank import Rank, rank
from site_builder.evaluate.recorder import Recorder
from site_builder.evaluate.shown import ShownFigures
from site_builder.evaluate.typed_literals import literal


@dataclass
class PageScope:
    """One page's data scope, citations and shown figures, and the helpers that use them."""

    snapshot: InitVar[Snapshot]
    as_of: InitVar[dt.date | None] = None  # a brief pinned to the data as they stood then
    row: InitVar[dict[str, Any] | None] = None  # a generated page's parameters
    recorder: Recorder = field(default_factory=Recorder)
    citations: Citations = field(default_factory=Citations)
    shown: ShownFigures = field(default_factory=ShownFigures)
    data: DataScope = field(init=False)

    def __post_init__(self, snapshot: Snapshot, as_of: dt.date | None,
                      row: dict[str, Any] | None) -> None:
        self.data = DataScope(snapshot, as_of, row, self.recorder)

    def _shown(self, fig: Figure, current: Figure | None, show: Callable[[float], str]
               ) -> Markup:
        """The figure as text, and "since revised to ..." where the current value reads
        differently: from a pinned vintage, or given as ``current``."""
        if current is not None:
            _expect_kind(current, fig.kind, "current=")
            fig = replace(fig, current=current.now,
                          current_stood=current.current_stood or current.stood,
                          sources=fig.sources + tuple(s for s in current.sources
                                                      if s not in fig.sources))
        text = show(fig.value)
        now = show(fig.current) if fig.current is not None else None
        self.shown.add(fig, text)
        return self.citations.link(fig, text, now if now != text else None)

    def usd(self, fig: Figure, digits: int | None = None, unit: str | None = None,
            current: Figure | None = None) -> Markup:
        """``$918.4 billion``; money figures only. ``current``: the value now, for a note."""
        _expect_kind(fig, "usd", "usd")
        return self._shown(fig, current,
                           lambda v: formatting.money(v, digits, unit, fig.precision))

    def pct(self, fig: Figure, digits: int = 1, current: Figure | None = None) -> Markup:
        """``6.6%``; ratios only (from pct_change or share)."""
        _expect_kind(fig, "ratio", "pct")
        return self._shown(fig, current, lambda v: formatting.percent(v, digits))

    def signed(self, fig: Figure, digits: int | None = None, unit: str | None = None,
               current: Figure | None = None) -> Markup:
        """``+$133.5 billion`` or ``+17.0%``: a change with its sign."""
        _expect_kind(fig, fig.kind, "signed")

        def show(value: float) -> str:
            if fig.kind == "ratio":
                text = formatting.percent(value, 1 if digits is None else digits)
            else:
                text = formatting.money(value, digits, unit, fig.precision)
            return formatting.signed(text, value)

        return self._shown(fig, current, show)

    def period(self, value: object) -> Markup:
        """``December 2024`` for ``2024-12``; accepts a figure or a period."""
        key = value.period if isinstance(value, Figure) else normalise_period(value)
        if key is None:
            raise SiteError("this figure spans several periods; name the period instead")
        return Markup(escape(formatting.period(key)))

    def day(self, iso: object) -> Markup:
        """``March 12, 2026`` for ``2026-03-12``."""
        try:
            return Markup(escape(formatting.day(str(iso))))
        except (ValueError, IndexError):
            raise SiteError(f"day() needs a date written YYYY-MM-DD, got {quoted(iso)}") from None

    def rank(self, year: object, by: str = "trade") -> Rank:
        """A generated partner page's partner ranked among the partners the site holds
        (evaluate.rank)."""
        return rank(self.data, year, by)

    def helpers(self) -> dict[str, Any]:
        """Every name a brief's expressions can use."""
        return {
            "row": self.data.row or {},
            "series": self.data.series, "value": self.data.value,
            "ranking": self.data.ranking, "official": self.data.official,
            "movers": self.data.movers, "abs": abs,
            "change": change, "pct_change": pct_change, "share": share,
            "usd": self.usd, "pct": self.pct, "signed": self.signed, "period": self.period,
            "day": self.day, "rank": self.rank,
            "record": claims.record_claim, "largest_since": claims.largest_since,
            "rose": claims.rose, "fell": claims.fell, "direction": claims.direction,
            "widened": claims.widened, "narrowed": claims.narrowed, "trend": claims.trend,
            "above": claims.above, "below": claims.below, "leads": claims.leads,
            "literal": literal,
        }


def _expect_kind(fig: object, kind: str, helper: str) -> None:
    if not isinstance(fig, Figure):
        raise SiteError(f"{helper}() needs a figure, got {type(fig).__name__}",
                        hint="Pick one value, e.g. series(...).year(2024) or .at('2024-12').")
    if fig.kind != kind:
        raise SiteError(f"{helper}() cannot format {fig.what}: it is a {fig.kind}, not {kind}",
                        hint="usd() formats money, pct() ratios from pct_change() or share().")

