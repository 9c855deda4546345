"""The page's data scope: what a brief's expressions and Python chart functions read.

Every dataset read is recorded with the page's :class:`Recorder`, so that a build knows
what the page depends on, and a chart what it drew on.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, TypeVar, cast

from site_builder.data.snapshot import Dataset, Snapshot
from site_builder.data.vintages import Composite, vintage_dates
from site_builder.errors import SiteError, quoted
from site_builder.evaluate.figures import Figure, Series, Source, change, normalise_period
from site_builder.evaluate.recorder import Recorder, Tape

if TYPE_CHECKING:  # imported where used: a site whose pages read no data never loads pandas
    import pandas as pd

T = TypeVar("T")


@dataclass
class DataScope:
    """One page's access to the snapshot; ``row``: a generated page's parameters."""

    snapshot: Snapshot
    as_of: dt.date | None = None  # a brief pinned to the data as they stood on this date
    row: dict[str, Any] | None = None
    recorder: Recorder = field(default_factory=Recorder)

    def dataset(self, name: str) -> Dataset:
        """Load dataset ``name``, recording that the page read it."""
        dataset = self.snapshot.load(name)
        self.recorder.read(name)
        return dataset

    def memo(self, key: tuple[object, ...], compute: Callable[[], T]) -> T:
        """``compute()``, run once per snapshot for ``key``: it must depend on nothing but the
        snapshot and ``key``. Every call records on this page what the first run read, so a
        page's dependencies are the same whether the result was cached or not; a run that
        raises records its reads and is not kept; an unhashable key (a filter value such
        as a mapping) is run every time."""
        memo = self.snapshot.index().memo
        try:
            hash(key)
        except TypeError:
            return compute()
        if key in memo:
            kept, taped = cast(tuple[T, Tape], memo[key])
            taped.replay(self.recorder)
            return kept
        tape, outer = Tape(), self.recorder
        self.recorder = tape
        try:
            result = compute()
        finally:
            self.recorder = outer
            tape.replay(outer)
        memo[key] = (result, tape)
        return result

    def _depend(self, name: str) -> None:
        """Record that the page depends on dataset ``name`` (a newer copy of what it shows,
        say), loading it as a read would."""
        self.snapshot.load(name)
        self.recorder.depend(name)

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
        pinned = self._cached_series(chosen, column, filters)
        if chosen == name or pinned.current is not None:
            return pinned
        live = self._cached_series(name, column, filters)  # a past vintage without ids
        return replace(pinned, current=live, sources=pinned.sources + live.sources)

    def _cached_series(self, name: str, column: str, filters: dict[str, Any]) -> Series:
        """:meth:`_series`, computed once per snapshot for the same arguments; each page gets
        its own copy, so that a chart function changing one cannot change another's."""
        key = ("series", name, column, *((k, type(v), tuple(v) if isinstance(v, list | tuple)
                                          else v) for k, v in filters.items()))
        return _detached(self.memo(key, lambda: self._series(name, column, filters)))

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
        dataset, frame = self.rows(name, filters)
        cited = self.source(dataset, frame, column)
        self.recorder.cited(cited)  # what a chart function read, for its source line
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
        numbers = Dataset.numbers(frame[column])
        if column.endswith("_pct"):
            kind, scale = "ratio", 0.01
        else:
            kind, scale = dataset.meta.unit_kind, dataset.meta.scale
        import pandas as pd

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
        import numpy as np  # here: a site whose pages read no data never loads it

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


def _detached(series: Series) -> Series:
    """A copy of ``series`` that shares its data until either is changed (pandas copies on
    write)."""
    return replace(series, values=series.values.copy(deep=False),
                   origins=None if series.origins is None else dict(series.origins),
                   current=None if series.current is None else _detached(series.current))
