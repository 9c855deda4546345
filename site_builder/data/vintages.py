"""Official series and their vintages: every copy of one series in the snapshot, dated.

A dataset row belongs to an official series when the dataset says which: a ``series_id``
column (FRED ids), a ``fred_equivalent`` column (the FT-900 exhibits), a single declared
series, or a ``series_ids`` table in ``datasets.toml`` that maps dimension values to ids.
Every dataset holding rows of a series is a vintage of it, dated by its ``as_of`` or
retrieval day, a ``vintage`` column of dates, or a ``release`` column of FT-900 releases
dated by the release calendar. A series' *current* value for a period is the one in its
newest vintage holding that period.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple

from site_builder.data.snapshot import DatasetMeta, Snapshot
from site_builder.errors import SiteError

if TYPE_CHECKING:
    import pandas as pd

    from site_builder.releases import Calendar

#: Columns that hold each row's official series id, in order of preference.
ID_COLUMNS = ("series_id", "fred_equivalent")
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
RELEASE = re.compile(r"FT-900 ([A-Z][a-z]+) (\d{4})")
MONTHS = {name: number for number, name in enumerate(
    ("January", "February", "March", "April", "May", "June", "July", "August", "September",
     "October", "November", "December"), start=1)}


@dataclass(frozen=True)
class Vintage:
    """One copy of a series: the dataset (and, within it, the rows) that hold it, and the day
    its values stood."""

    dataset: str
    date: str  # YYYY-MM-DD
    name: str  # how the dataset names this copy
    within: tuple[tuple[str, str], ...]  # filters inside the dataset, e.g. (("release", ...),)
    first: str
    last: str
    rows: int


def series_ids(meta: DatasetMeta, frame: pd.DataFrame,
               mapping: dict[str, str] | None = None) -> pd.Series:
    """The official series id of each row ("" where the dataset does not say)."""
    import pandas as pd

    for column in ID_COLUMNS:
        if column in frame.columns:
            return frame[column].fillna("").astype(str)
    if len(meta.series) == 1:
        return pd.Series(meta.series[0], index=frame.index, dtype=str)
    dims = [d for d in meta.dimensions if d in frame.columns]
    if mapping and dims:
        joined = frame[dims[0]].astype(str)
        for dim in dims[1:]:
            joined = joined + "|" + frame[dim].astype(str)
        return joined.map(mapping).fillna("").astype(str)
    return pd.Series("", index=frame.index, dtype=str)


def vintage_dates(meta: DatasetMeta, frame: pd.DataFrame, releases: Calendar
                  ) -> tuple[pd.Series, pd.Series, str]:
    """Each row's vintage day and name, and the column that tells copies apart ("" if none)."""
    import pandas as pd

    default = meta.as_of or meta.retrieved[:10]
    if "vintage" in meta.dimensions and frame["vintage"].str.match(DATE.pattern).all():
        return frame["vintage"], "copy of " + frame["vintage"], "vintage"
    if "release" in meta.dimensions:
        published = {}
        for name in frame["release"].unique():
            published[name] = release_date(str(name), releases) or default
        return frame["release"].map(published), frame["release"], "release"
    return (pd.Series(default, index=frame.index, dtype=str),
            pd.Series(meta.vintage, index=frame.index, dtype=str), "")


def release_date(name: str, releases: Calendar) -> str | None:
    """The day an FT-900 release ("FT-900 January 2026") came out, from the calendar."""
    found = RELEASE.search(name)
    if not found or found.group(1) not in MONTHS:
        return None
    covers = f"{found.group(2)}-{MONTHS[found.group(1)]:02d}"
    day = next((r.date for r in releases if r.covers == covers), None)
    return day.isoformat() if day else None


@dataclass(frozen=True)
class Composite:
    """A series as it stands: values by period (in dollars), each from its newest vintage."""

    values: pd.Series
    stood: str  # the newest vintage day among them
    parts: tuple[tuple[str, str, str], ...]  # (dataset, column, value) of each copy used
    origin: dict[str, int]  # period -> the part its value comes from
    dates: tuple[str, ...]  # each part's vintage day


class _Copy(NamedTuple):
    """One value of a series in one copy of it (a row of :attr:`SeriesIndex.rows`)."""

    period: str
    value: float
    date: str
    plain: bool  # the copy is a whole dataset, not one of several in a table
    dataset: str
    within: str
    column: str


class SeriesIndex:
    """Every official series the snapshot holds, with its vintages; built on first use."""

    def __init__(self, snapshot: Snapshot, mappings: dict[str, dict[str, str]],
                 releases: Calendar) -> None:
        self.snapshot = snapshot
        self.mappings = mappings
        self.releases = releases
        self._rows: pd.DataFrame | None = None
        self._ids: dict[str, pd.Series] = {}
        self._holders: dict[str, list[str]] = {}
        self._current: dict[tuple[str, bool, dt.date | None], Composite] = {}
        self._copies: dict[str, list[_Copy]] | None = None
        self._ids_sorted: tuple[str, ...] | None = None
        #: What a page layer computed once per composite (its citations), kept with it.
        self.memo: dict[object, object] = {}

    @classmethod
    def for_snapshot(cls, snapshot: Snapshot) -> SeriesIndex:
        """The index of a project's snapshot, with the mappings of ``datasets.toml`` and the
        release dates of ``releases.toml`` beside its lockfile."""
        from site_builder.data.declarations import load_declarations
        from site_builder.releases import load_calendar

        folder = snapshot.lock_path.parent
        declared = folder / "datasets.toml"
        mappings = ({n: dict(d.series_ids) for n, d in load_declarations(declared).items()
                     if d.series_ids} if declared.exists() else {})
        calendar = folder / "releases.toml"
        return cls(snapshot, mappings, load_calendar(calendar) if calendar.exists() else ())

    def ids_of(self, name: str, frame: pd.DataFrame) -> pd.Series:
        """The series id of each row of ``frame``, rows of dataset ``name`` (computed once
        per dataset)."""
        if name not in self._ids:
            dataset = self.snapshot.load(name)
            self._ids[name] = series_ids(dataset.meta, dataset.frame, self.mappings.get(name))
        return self._ids[name].loc[frame.index]

    def carries_ids(self, meta: DatasetMeta) -> bool:
        return (bool(set(ID_COLUMNS) & set(meta.dimensions)) or len(meta.series) == 1
                or meta.name in self.mappings)

    @property
    def rows(self) -> pd.DataFrame:
        """One row per value of every series: id, period, value in dollars, vintage."""
        if self._rows is None:
            import pandas as pd

            parts = []
            for meta in self.snapshot.metas.values():
                if not self.carries_ids(meta) or meta.unit_kind != "usd":
                    continue
                frame = self.snapshot.load(meta.name).frame
                ids = self.ids_of(meta.name, frame)
                dates, names, column = vintage_dates(meta, frame, self.releases)
                part = pd.DataFrame({
                    "id": ids, "period": frame["period"].astype(str),
                    "value": frame["value"] * meta.scale, "date": dates, "name": names,
                    "dataset": meta.name,
                    "within": frame[column] if column else "",
                    "column": column,
                })
                parts.append(part[(part["id"] != "") & part["value"].notna()])
            self._rows = (pd.concat(parts, ignore_index=True) if parts else
                          pd.DataFrame(columns=["id", "period", "value", "date", "name",
                                                "dataset", "within", "column"]))
        return self._rows

    def ids(self) -> list[str]:
        if self._ids_sorted is None:  # asked on every official() a page makes
            self._ids_sorted = tuple(sorted(self.rows["id"].unique()))
        return list(self._ids_sorted)

    def vintages(self, series: str) -> list[Vintage]:
        """The copies of ``series``, oldest first."""
        rows = self.rows[self.rows["id"] == series]
        out = []
        for (dataset, within, column, date, name), group in rows.groupby(
                ["dataset", "within", "column", "date", "name"], sort=False):
            periods = group["period"]
            out.append(Vintage(str(dataset), str(date), str(name),
                               ((str(column), str(within)),) if column else (),
                               str(periods.min()), str(periods.max()), len(group)))
        return sorted(out, key=lambda v: (v.date, v.dataset, v.within))

    def current(self, series: str, monthly: bool, as_of: dt.date | None = None) -> Composite:
        """The series as it stands now (or stood on ``as_of``): for each period the value of
        the newest vintage holding it."""
        key = (series, monthly, as_of)
        if key not in self._current:
            self._current[key] = self._composite(series, monthly, as_of)
        return self._current[key]

    def _composite(self, series: str, monthly: bool, as_of: dt.date | None) -> Composite:
        import numpy as np
        import pandas as pd

        if self._copies is None:  # each series' values, as plain rows, once for all series
            rows = self.rows
            self._copies = {}
            for copy in zip(rows["period"].tolist(), rows["value"].tolist(),
                            rows["date"].astype(str).tolist(), (rows["column"] == "").tolist(),
                            rows["dataset"].astype(str).tolist(),
                            rows["within"].astype(str).tolist(),
                            rows["column"].astype(str).tolist(), rows["id"].tolist(),
                            strict=True):
                self._copies.setdefault(copy[-1], []).append(_Copy(*copy[:-1]))
        length, day = 7 if monthly else 4, as_of.isoformat() if as_of else None
        copies = [c for c in self._copies.get(series, ())
                  if len(c.period) == length and (day is None or c.date <= day)]
        if not copies:
            raise SiteError(f"the snapshot holds no {'monthly' if monthly else 'annual'} "
                            f"values of series {series!r}"
                            + (f" as of {as_of.isoformat()}" if as_of else ""),
                            hint="`python -m site_builder datasets` lists every series.")
        # Each period's newest copy; on a tie, a dataset that is one copy (not one of several
        # in a table) wins (sorted stably, the last of equals wins, as pandas chose).
        newest: dict[str, _Copy] = {}
        for copy in sorted(copies, key=lambda c: (c.date, c.plain, c.dataset, c.within)):
            newest[copy.period] = copy
        chosen = [newest[period] for period in sorted(newest)]
        used = [(c.dataset, c.column, c.within) for c in chosen]
        parts = tuple(sorted(set(used)))
        day_of = {part: c.date for part, c in zip(used, chosen, strict=True)}
        index = np.array([c.period for c in chosen], dtype=object)
        return Composite(pd.Series(np.array([c.value for c in chosen], dtype=float),
                                   index=index, dtype=float),
                         max(c.date for c in chosen), parts,
                         dict(zip(index.tolist(), map(parts.index, used), strict=True)),
                         tuple(day_of[part] for part in parts))

    def datasets_of(self, series: str) -> list[str]:
        """Every dataset holding a copy of ``series``."""
        if series not in self._holders:
            self._holders = {str(k): sorted(set(g)) for k, g in
                             self.rows.groupby("id")["dataset"]}
        return self._holders.get(series, [])
