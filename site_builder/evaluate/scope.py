"""What a brief's expressions can call: data access, formatting with citations, claims.

One :class:`PageScope` serves one page. It records every dataset the page reads (its data
dependencies) and every source it cites, in order, for the page's sources section.
"""

from __future__ import annotations

import datetime as dt
import inspect
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from markupsafe import Markup, escape

from site_builder import formatting
from site_builder.data.snapshot import Dataset, Snapshot
from site_builder.data.vintages import Composite, vintage_dates
from site_builder.errors import SiteError, quoted
from site_builder.evaluate import claims
from site_builder.evaluate.figures import (
    Figure,
    Series,
    Source,
    change,
    normalise_period,
    pct_change,
    share,
)
from site_builder.evaluate.typed_literals import literal

if TYPE_CHECKING:
    import pandas as pd

#: The file name a brief's compiled body runs under: figures and errors find their line by it.
TEMPLATE_FILE = "<brief>"
FIGURE_SLOT = "\ue000{}\ue001"
FIGURE_SLOT_PATTERN = re.compile("\ue000(\\d+)\ue001")


@dataclass
class PageScope:
    snapshot: Snapshot
    as_of: dt.date | None = None  # a brief pinned to the data as they stood on this date
    row: dict[str, Any] | None = None  # a generated page's parameters
    depends: list[str] = field(default_factory=list)  # every dataset read, compared copies too
    sources: list[Source] = field(default_factory=list)
    #: Rendered figures, kept out of Markdown's way: the text holds a slot token instead.
    figures: list[str] = field(default_factory=list)
    touched: list[str] = field(default_factory=list)
    chart_sources: list[Source] = field(default_factory=list)
    modules: list[Path] = field(default_factory=list)  # chart code the page ran
    #: Every figure shown that is one value of one official series, for the consistency
    #: gate: measure, value, shown text, whether its vintage is marked, line.
    shown: list[dict[str, Any]] = field(default_factory=list)
    line: int = 1  # the file line where the text being evaluated starts

    # -- data ---------------------------------------------------------------------------
    def dataset(self, name: str) -> Dataset:
        dataset = self._depend(name)
        if name not in self.touched:
            self.touched.append(name)
        return dataset

    def _depend(self, name: str) -> Dataset:
        """Load a dataset and record that the page depends on it (a newer copy of what it
        shows included)."""
        dataset = self.snapshot.load(name)
        if name not in self.depends:
            self.depends.append(name)
        return dataset

    def rows(self, name: str, filters: dict[str, Any]) -> tuple[Dataset, pd.DataFrame]:
        """Rows matching ``column=value`` filters; a list matches any of its items."""
        dataset = self.dataset(name)
        frame = dataset.frame
        for column, wanted in filters.items():
            if column not in frame.columns:
                raise SiteError(f"dataset {name!r} has no column {column!r}",
                                hint=f"Its columns: {', '.join(frame.columns)}.")
            many = isinstance(wanted, list | tuple)
            options = [str(w) for w in wanted] if many else [str(wanted)]
            matched = frame[frame[column].isin(options)]
            if matched.empty:
                present = ", ".join(sorted(frame[column].unique())[:20])
                raise SiteError(f"dataset {name!r} has no rows where {column} is {quoted(wanted)}",
                                hint=f"Values of {column}: {present}.")
            frame = matched
        return dataset, frame

    def source(self, dataset: Dataset, rows: pd.DataFrame | None = None,
               column: str = "value") -> Source:
        """The citation for the ``rows`` of a dataset a figure or chart used.

        Rows may carry their own citation: ``source_url`` (``change_source_url`` for the
        change columns), ``source_kind`` and ``as_published`` (the vintage) override the
        dataset's; a ``series_id`` column narrows the series cited to those used.
        """
        meta = dataset.meta
        rows = dataset.frame if rows is None else rows

        def same(name: str) -> str:
            values = set(rows[name]) if name in rows.columns else set()
            return values.pop() if len(values) == 1 else ""

        url = (same("change_source_url") if column.startswith("change") else "") \
            or same("source_url") or meta.url
        kind = same("source_kind")
        index = self.snapshot.index()
        ids = sorted(set(index.ids_of(meta.name, rows)) - {""}) if index.carries_ids(meta) \
            else []
        series = ids or list(meta.series)
        if meta.source == "fred" and len(series) == 1 and url == meta.url:
            url = f"https://fred.stlouisfed.org/series/{series[0]}"
        return Source(dataset=meta.name, title=f"{meta.title} ({kind})" if kind else meta.title,
                      publisher=meta.publisher, series=", ".join(series),
                      vintage=same("as_published") or same("release") or same("vintage")
                      or meta.vintage, retrieved=meta.retrieved, url=url)

    def series(self, name: str, column: str = "value", **filters: Any) -> Series:
        """``series("bop_monthly", series_id="BOPGTB")``: one value per period.

        ``column`` reads another numeric column: one ending in ``_pct`` holds percentages
        (read as ratios), any other is in the dataset's units. In a brief pinned with
        ``as_of``, a dataset with vintages is read as it stood then, with its current values
        alongside for "since revised" notes.
        """
        chosen = self.vintage(name)
        pinned = self._series(chosen, column, filters)
        if chosen == name or pinned.current is not None:
            return pinned
        live = self._series(name, column, filters)  # a past vintage of a dataset without ids
        return replace(pinned, current=live, sources=pinned.sources + live.sources)

    def official(self, series_id: str) -> Series:
        """``official("BOPGSTB")``: an official series as it stands now, each period from the
        newest vintage in the snapshot that holds it (monthly where there are months)."""
        index = self.snapshot.index()
        if series_id not in index.ids():
            raise SiteError(f"the snapshot holds no series {series_id!r}",
                            hint="Series: " + ", ".join(index.ids()) + ".")
        try:
            composite = index.current(series_id, monthly=True)
        except SiteError:
            composite = index.current(series_id, monthly=False)
        return self._composite(series_id, composite)

    def _composite(self, series_id: str, composite: Composite) -> Series:
        """A composite as a series, citing each copy it takes values from."""
        index = self.snapshot.index()
        for name in index.datasets_of(series_id):
            self._depend(name)
        memo = ("sources", series_id, composite.parts)
        if memo not in index.memo:
            sources: list[Source] = []
            for dataset_name, column, within in composite.parts:
                dataset = self.snapshot.load(dataset_name)
                frame = dataset.frame
                ids = index.ids_of(dataset_name, frame)
                rows = frame[(ids == series_id) & ((frame[column] == within) if column
                                                    else True)]
                sources.append(self.source(dataset, rows))  # one per part: they differ
            index.memo[memo] = tuple(sources)
        cited_all = index.memo[memo]
        assert isinstance(cited_all, tuple)
        return Series(composite.values, "usd", cited_all, series_id, key=series_id,
                      stood=composite.stood, dates=composite.dates,
                      origins={p: (i,) for p, i in composite.origin.items()})

    def vintage(self, name: str) -> str:
        """The dataset holding ``name`` as it stood on the brief's ``as_of`` date."""
        if self.as_of is None:
            return name
        metas = self.snapshot.metas
        if name not in metas:
            self.snapshot.meta(name)  # raises the "no dataset named" error
        stood = {n: m.as_of or m.retrieved[:10] for n, m in metas.items()
                 if n == name or m.vintage_of == name}
        if len(stood) == 1:
            return name  # no past vintages: the data are what they are
        valid = {n: day for n, day in stood.items() if day <= self.as_of.isoformat()}
        if not valid:
            raise SiteError(
                f"the snapshot holds no vintage of {name!r} as of {self.as_of.isoformat()}",
                hint="Vintages: " + ", ".join(f"{n} ({d})" for n, d in sorted(stood.items(),
                                                                          key=lambda i: i[1])))
        return max(valid, key=lambda n: valid[n])

    def _series(self, name: str, column: str, filters: dict[str, Any]) -> Series:
        import pandas as pd
        dataset, frame = self.rows(name, filters)
        cited = self.source(dataset, frame, column)
        if cited not in self.chart_sources:  # what a chart function read, for its source line
            self.chart_sources.append(cited)
        if frame["period"].duplicated().any():
            varying = [c for c in dataset.meta.dimensions if frame[c].nunique() > 1]
            raise SiteError(
                f"series({name!r}) matches several rows per period",
                hint="Pick one with a filter on " + ", ".join(
                    f"{c} (one of {', '.join(sorted(frame[c].unique())[:12])})" for c in varying))
        if column not in frame.columns:
            raise SiteError(f"dataset {name!r} has no column {column!r}",
                            hint=f"Its columns: {', '.join(frame.columns)}.")
        frame = frame.sort_values("period")
        numbers = pd.to_numeric(frame[column].replace({"": None, ".": None}))
        if column.endswith("_pct"):
            kind, scale = "ratio", 0.01
        else:
            kind, scale = dataset.meta.unit_kind, dataset.meta.scale
        values = pd.Series(numbers.to_numpy() * scale, index=frame["period"].to_numpy(),
                           dtype=float)
        label = name + "".join(f", {k}={v}" for k, v in filters.items())
        if column != "value":
            label += f" ({column})"
        meta, index = dataset.meta, self.snapshot.index()
        stood = str(vintage_dates(meta, frame, index.releases)[0].max())
        precision = (float(frame["precision"].max())
                     if column == "value" and "precision" in frame.columns else None)
        ids = set(index.ids_of(name, frame)) - {""} if index.carries_ids(meta) else set()
        key = ids.pop() if column == "value" and len(ids) == 1 and meta.unit_kind == "usd" \
            and index.carries_ids(meta) else None
        series = Series(values, kind, (cited,), label, key=key, stood=stood,
                        precision=precision)
        return series if key is None else self._against_current(series)

    def _against_current(self, series: Series) -> Series:
        """The series with the same series in current data beside it, where the two differ
        (it was read from an older vintage); unchanged where it is current."""
        import numpy as np

        assert series.key is not None
        ours = series.values.dropna()
        if ours.empty:
            return series
        composite = self.snapshot.index().current(series.key, monthly=series.monthly)
        theirs = composite.values[composite.values.index <= ours.index[-1]]
        if theirs.index.equals(ours.index) and np.allclose(
                theirs.to_numpy(), ours.to_numpy(), rtol=1e-12, atol=0.5):
            for name in self.snapshot.index().datasets_of(series.key):
                self._depend(name)  # a newer copy would make it old
            return series
        return replace(series, current=self._composite(series.key, composite))

    def value(self, name: str, period: object, column: str = "value", **filters: Any
              ) -> Figure:
        """``value("release_2024", 2024, measure="goods_deficit")``: one figure."""
        return self.series(name, column, period=normalise_period(period), **filters).at(period)

    def ranking(self, name: str, period: object, by: str, prefix: str = "",
                **filters: Any) -> list[tuple[str, Figure]]:
        """Rows of one period ranked by value, largest first, labelled by column ``by``.

        With ``prefix``, only labels starting with it count, and it is cut off the label
        (``goods_deficit_south_korea`` -> ``South Korea``).
        """
        key = normalise_period(period)
        dataset, frame = self.rows(name, {**filters, "period": key})
        frame = frame[frame[by].str.startswith(prefix)].dropna(subset=["value"])
        if frame.empty:
            raise SiteError(f"ranking({name!r}): no rows for {key} with {by} starting {prefix!r}")
        out = []
        for _, row in frame.sort_values("value", ascending=False).iterrows():
            label = row[by]
            if prefix:
                label = label[len(prefix):].replace("_", " ").title()
            source = self.source(dataset, frame[frame[by] == row[by]])
            fig = Figure(float(row["value"]) * dataset.meta.scale, dataset.meta.unit_kind, key,
                         (source,), f"{name} {row[by]} {key}",
                         precision=float(row["precision"]) if "precision" in row else None)
            out.append((label, fig))
        return out

    def movers(self, name: str, period: object, previous: object, by: str,
               **filters: Any) -> list[tuple[str, Figure]]:
        """Changes from ``previous`` to ``period`` for each value of column ``by``, largest
        first in size (``movers("partner_goods", "2025-12", "2025-11", by="partner",
        flow="imports")``)."""
        _, frame = self.rows(name, filters)
        out = []
        for label in sorted(frame[by].unique()):
            one = self.series(name, **{**filters, by: label})
            try:
                out.append((label, change(one.at(period), one.at(previous))))
            except SiteError:
                continue  # a series without both periods cannot move
        return sorted(out, key=lambda item: -abs(item[1].value))

    # -- citations ----------------------------------------------------------------------
    def cite(self, fig: Figure) -> int:
        """Register the figure's first source; return its number in the sources list."""
        first = fig.sources[0]
        if first not in self.sources:
            self.sources.append(first)
        for extra in fig.sources[1:]:
            if extra not in self.sources:
                self.sources.append(extra)
        return self.sources.index(first) + 1

    def _linked(self, fig: Figure, text: str, now: str | None = None) -> Markup:
        """The figure, linked to its source; ``now``: its current value, where revised."""
        if fig.measure is not None:
            self.shown.append({"measure": fig.measure, "value": fig.value, "text": text,
                               "marked": fig.current is not None, "line": self._line(),
                               "stood": fig.stood})
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
        self.figures.append(str(html))
        return Markup(FIGURE_SLOT.format(len(self.figures) - 1))

    def _line(self) -> int:
        """The file line of the expression being evaluated (from Jinja's compiled frame)."""
        frame = inspect.currentframe()
        while frame is not None and frame.f_code.co_filename != TEMPLATE_FILE:
            frame = frame.f_back
        if frame is None:
            return self.line
        # Jinja's compiled module maps its code lines to template lines in `debug_info`.
        pairs = [pair.split("=") for pair in str(frame.f_globals.get("debug_info", ""))
                 .split("&") if "=" in pair]
        line = next((int(template) for template, code in reversed(pairs)
                     if int(code) <= frame.f_lineno), 1)
        return self.line + line - 1

    def fill_figures(self, html: str) -> str:
        """Put the rendered figures back where their slot tokens stand."""
        return FIGURE_SLOT_PATTERN.sub(lambda m: self.figures[int(m.group(1))], html)

    # -- formatting ---------------------------------------------------------------------
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
        return self._linked(fig, text, now if now != text else None)

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

    def helpers(self) -> dict[str, Any]:
        """Every name a brief's expressions can use."""
        return {
            "row": self.row or {},
            "series": self.series, "value": self.value, "ranking": self.ranking,
            "official": self.official,
            "movers": self.movers, "abs": abs,
            "change": change, "pct_change": pct_change, "share": share,
            "usd": self.usd, "pct": self.pct, "signed": self.signed, "period": self.period,
            "day": self.day,
            "record": claims.record, "largest_since": claims.largest_since,
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

