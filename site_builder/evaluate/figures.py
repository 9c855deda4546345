"""Figures and series: numbers computed from the snapshot that remember where they came from."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from site_builder.errors import SiteError

if TYPE_CHECKING:  # imported where used: a site whose pages read no data loads neither
    import numpy as np
    import pandas as pd


@dataclass(frozen=True)
class Source:
    """What a figure cites: a dataset of the snapshot, or one address within it."""

    dataset: str
    title: str
    publisher: str
    series: str
    vintage: str
    retrieved: str
    url: str


@dataclass(frozen=True)
class Figure:
    """One number with its kind (``usd``, ``ratio``, ``number``), period and sources.

    Money is held in dollars whatever the dataset's units, so formatting never guesses.
    """

    value: float
    kind: str
    period: str | None
    sources: tuple[Source, ...]
    what: str
    #: Read from a vintage that is not the newest: the same figure in current data.
    current: float | None = None
    #: One official series' value: "SERIES|year|2025" or "SERIES|month|2025-12", for the
    #: site-wide consistency gate; None for anything computed from several.
    measure: str | None = None
    stood: str = ""  # the day the values read stood (their vintage), YYYY-MM-DD
    current_stood: str = ""  # the same for :attr:`current`
    #: The smallest step the source resolves, in the figure's units (1e9: whole billions).
    precision: float | None = None

    @property
    def now(self) -> float:
        """The current value: :attr:`current` where pinned, else the value itself."""
        return self.value if self.current is None else self.current

    def _check(self, other: Figure, op: str) -> None:
        if self.kind != other.kind:
            raise SiteError(f"cannot {op} {self.what} ({self.kind}) and {other.what} "
                            f"({other.kind})", hint="Both sides must be in the same units.")

    def _combine(self, other: Figure | float, op: str, fn: Callable[[float, float], float],
                 kind: str | None = None) -> Figure:
        if isinstance(other, Figure):
            if kind is None:
                self._check(other, op)
            period = self.period if self.period == other.period else None
            sources = self.sources + tuple(s for s in other.sources if s not in self.sources)
            pinned = self.current is not None or other.current is not None
            precision = None if kind == "ratio" else _coarsest(self.precision, other.precision)
            return Figure(fn(self.value, other.value), kind or self.kind, period, sources,
                          f"({self.what} {op} {other.what})",
                          fn(self.now, other.now) if pinned else None, None,
                          max(self.stood, other.stood), max(self.current_stood,
                                                            other.current_stood), precision)
        current = None if self.current is None else fn(self.current, float(other))
        precision = None if self.precision is None else abs(fn(self.precision, float(other)))
        return replace(self, value=fn(self.value, float(other)), current=current,
                       what=f"({self.what} {op} {other})", measure=None, precision=precision)

    def __add__(self, other: Figure | float) -> Figure:
        return self._combine(other, "+", lambda a, b: a + b)

    def __sub__(self, other: Figure | float) -> Figure:
        return self._combine(other, "-", lambda a, b: a - b)

    def __mul__(self, other: float) -> Figure:
        return self._combine(other, "*", lambda a, b: a * b)

    def __truediv__(self, other: Figure | float) -> Figure:
        if isinstance(other, Figure):
            if other.value == 0:
                raise SiteError(f"division by zero: {other.what} is 0")
            self._check(other, "divide")
            return self._combine(other, "/", lambda a, b: a / b, kind="ratio")
        return self._combine(other, "/", lambda a, b: a / b)

    def __neg__(self) -> Figure:
        current = None if self.current is None else -self.current
        return replace(self, value=-self.value, current=current, what=f"-{self.what}")

    def __abs__(self) -> Figure:
        current = None if self.current is None else abs(self.current)
        return replace(self, value=abs(self.value), current=current, what=f"abs({self.what})")

    def __lt__(self, other: Figure) -> bool:
        self._check(other, "compare")
        return self.value < other.value

    def __gt__(self, other: Figure) -> bool:
        self._check(other, "compare")
        return self.value > other.value


def _coarsest(a: float | None, b: float | None) -> float | None:
    return a if b is None else b if a is None else max(a, b)


def normalise_period(period: object) -> str:
    """2024 -> '2024'; '2024-12' stays; a date's month is kept."""
    text = str(period)
    if len(text) == 10 and text[4] == "-" and text[7] == "-":
        text = text[:7]
    return text


#: Year totals already summed, by the monthly values they sum (see :func:`_year_totals`).
_TOTALS: dict[tuple[object, ...], pd.Series] = {}
_TOTALS_KEPT = 1_024


def _year_totals(values: pd.Series, periods: list[str]) -> pd.Series:
    """The totals of the complete years (twelve months with values) of monthly ``values``,
    whose periods as text are ``periods``; summed by pandas, whose summation decides their
    last bits. Pages ask for the same series' totals many times (484 times for 112 series
    on the shipped site), so they are kept by what they sum; each caller gets a copy."""
    key = (str(values.index.dtype), str(values.dtype), values.name, tuple(periods),
           values.to_numpy().tobytes())
    if key not in _TOTALS:
        if len(_TOTALS) >= _TOTALS_KEPT:
            _TOTALS.clear()
        years = values.groupby(values.index.str[:4])
        _TOTALS[key] = years.sum(min_count=12)[years.count() == 12]
    return _TOTALS[key].copy()


def within(periods: pd.Index, start: object = None, end: object = None) -> np.ndarray:
    """A boolean mask of ``periods`` from ``start`` to ``end`` inclusive, compared at the
    bounds' own precision, so a year includes its months."""
    import numpy as np

    text = periods.astype(str)
    mask = np.ones(len(text), dtype=bool)
    if start is not None:
        bound = normalise_period(start)
        mask &= np.asarray(text.str[:len(bound)] >= bound)
    if end is not None:
        bound = normalise_period(end)
        mask &= np.asarray(text.str[:len(bound)] <= bound)
    return mask


@dataclass(frozen=True)
class Series:
    """A run of values by period (``YYYY-MM`` or ``YYYY``), in dollars for money."""

    values: pd.Series
    kind: str
    sources: tuple[Source, ...]
    what: str
    #: Read from a vintage that is not the newest: the same series in current data.
    current: Series | None = None
    key: str | None = None  # the official series it is one copy of, if known
    stood: str = ""  # the day its values stood (the newest, for a series of several vintages)
    precision: float | None = None  # the coarsest step of its source, in its units
    #: Where a series joins several copies: period -> the indexes in :attr:`sources` of the
    #: copies its value comes from, so that a figure cites only those.
    origins: dict[str, tuple[int, ...]] | None = None
    dates: tuple[str, ...] | None = None  # with origins: each source's vintage day

    @property
    def monthly(self) -> bool:
        return bool(len(self.values)) and len(str(self.values.index[0])) == 7

    def _figure(self, value: float, period: str | None, what: str, measure: str = "",
                periods: Iterable[object] = ()) -> Figure:
        """A figure of this series, from ``periods`` of it; ``measure`` names it ("year" or
        "month" of ``period``) when it is one value of one official series."""
        named = f"{self.key}|{measure}|{period}" if self.key and measure and period else None
        sources, stood = self.sources, self.stood
        origins = self.origins or {}
        used = sorted({i for p in _listed(periods) for i in origins.get(str(p), ())})
        if used:
            sources = tuple(self.sources[i] for i in used)
            if self.dates is not None:
                stood = max(self.dates[i] for i in used)
        return Figure(float(value), self.kind, period, sources, what, measure=named,
                      stood=stood, precision=self.precision)

    def _point(self, period: str) -> str:
        return "month" if len(period) == 7 else "year"

    def _then(self, fig: Figure, same: Callable[[Series], Figure]) -> Figure:
        """``fig`` with its current value, where the series was read from an older vintage."""
        if self.current is None:
            return fig
        try:
            now = same(self.current)
        except SiteError:  # the period is gone from current data: nothing to compare
            return fig
        # The revision note cites the copies the current value comes from, too.
        cited = fig.sources + tuple(s for s in now.sources if s not in fig.sources)
        return replace(fig, current=now.value, current_stood=now.stood, sources=cited)

    def _also(self, result: Series, same: Callable[[Series], Series]) -> Series:
        return result if self.current is None else replace(result, current=same(self.current))

    def has(self, period: object) -> bool:
        """Whether the series holds a value for ``period`` (to write around a missing one)."""
        key = normalise_period(period)
        return key in self.values.index and not math.isnan(self.values[key])

    def periods(self) -> tuple[str, ...]:
        """The periods the series covers, oldest first, to loop over."""
        return tuple(str(p) for p in self.values.index.tolist())

    def at(self, period: object) -> Figure:
        """The value at one period, e.g. ``s.at("2024-12")`` or ``s.at(2024)`` for annual data."""
        key = normalise_period(period)
        if key not in self.values.index:
            raise SiteError(
                f"{self.what} has no value for {key}",
                hint=f"It covers {self.values.index[0]} to {self.values.index[-1]}.")
        import pandas as pd
        value = self.values[key]
        if pd.isna(value):
            raise SiteError(f"{self.what} has no value for {key}: the source gives none")
        return self._then(self._figure(value, key, f"{self.what} at {key}", self._point(key),
                                       (key,)), lambda s: s.at(key))

    def annual(self) -> Series:
        """Calendar-year totals of a monthly series, complete years only."""
        if not self.monthly:
            return self
        periods = [str(p) for p in self.values.index.tolist()]
        sums = _year_totals(self.values, periods)
        origins: dict[str, tuple[int, ...]] | None = None
        if self.origins is not None:
            found: dict[str, set[int]] = {}
            for month in periods:
                found.setdefault(month[:4], set()).update(self.origins.get(month, ()))
            origins = {year: tuple(sorted(used)) for year, used in found.items()}
        return self._also(replace(self, values=sums, what=f"{self.what}, annual totals",
                                  current=None, origins=origins), Series.annual)

    def year(self, year: object) -> Figure:
        """A calendar-year total (the value itself for annual data); the year must be complete."""
        key = normalise_period(year)
        if not self.monthly:
            return self.at(key)
        # Plain lists, not pandas masks: the same months and the same numpy sum, ten times
        # faster (a page asks for many years).
        periods = [str(p) for p in self.values.index.tolist()]
        numbers = self.values.to_numpy(dtype=float)
        months = [i for i, p in enumerate(periods) if p[:4] == key and not math.isnan(numbers[i])]
        if len(months) != 12:
            raise SiteError(
                f"{self.what}: {key} has {len(months)} months of data, a year total needs 12",
                hint="Use a complete year, or .at(period) for one month.")
        return self._then(self._figure(numbers[months].sum(), key, f"{self.what}, {key} total",
                                       "year", [periods[i] for i in months]),
                          lambda s: s.year(key))

    def latest(self) -> Figure:
        valid = self.values.dropna()
        if valid.empty:
            raise SiteError(f"{self.what} holds no values")
        period = str(valid.index[-1])
        return self._then(self._figure(valid.iloc[-1], period, f"{self.what}, latest",
                                       self._point(period), (period,)), lambda s: s.at(period))

    def first(self) -> Figure:
        valid = self.values.dropna()
        if valid.empty:
            raise SiteError(f"{self.what} holds no values")
        period = str(valid.index[0])
        return self._then(self._figure(valid.iloc[0], period, f"{self.what}, first",
                                       self._point(period), (period,)), lambda s: s.at(period))

    def total(self, start: object, end: object) -> Figure:
        """The sum from ``start`` to ``end``, e.g. a year to date; every period must be there."""
        import pandas as pd
        part = self.between(start, end).values
        expected = pd.period_range(str(part.index[0]), str(part.index[-1]),
                                   freq="M" if self.monthly else "Y") if len(part) else []
        if not len(part) or len(part.dropna()) != len(expected) or \
                normalise_period(start) not in (str(part.index[0]), str(part.index[0])[:4]):
            raise SiteError(f"{self.what}: periods missing between {start} and {end}")
        what = f"{self.what}, total {start} to {end}"
        return self._then(self._figure(part.sum(), None, what, periods=part.index),
                          lambda s: s.total(start, end))

    def between(self, start: object = None, end: object = None) -> Series:
        """The part of the series from ``start`` to ``end``, both included.

        A year bound covers its months: ``between(2023, 2023)`` keeps all of 2023.
        """
        import pandas as pd
        mask = within(pd.Index(self.values.index), start, end)
        return self._also(replace(self, values=self.values[mask], current=None),
                          lambda s: s.between(start, end))

    def average(self, end: object, months: int = 3) -> Figure:
        """The mean of ``months`` periods ending at ``end``, like the release's 3-month average."""
        key = normalise_period(end)
        upto = self.values[self.values.index <= key].dropna()
        if len(upto) < months or upto.index[-1] != key:
            raise SiteError(f"{self.what}: not {months} periods of data up to {key}")
        what = f"{self.what}, {months}-period average to {key}"
        return self._then(self._figure(upto.iloc[-months:].mean(), key, what,
                                       periods=upto.index[-months:]),
                          lambda s: s.average(key, months))

    def __neg__(self) -> Series:
        return self._also(replace(self, values=-self.values, what=f"-{self.what}", current=None),
                          lambda s: -s)

    def _join(self, other: Series, op: str, fn: Callable[[pd.Series, pd.Series], pd.Series]
              ) -> Series:
        if self.kind != other.kind:
            raise SiteError(f"cannot {op} {self.what} and {other.what}: different units")
        left, right = self.values.align(other.values, join="inner")
        sources = self.sources + tuple(s for s in other.sources if s not in self.sources)
        joined = Series(fn(left, right), self.kind, sources, f"({self.what} {op} {other.what})",
                        origins=_joined_origins(self, other, sources),
                        dates=_joined_dates(self, other, sources),
                        stood=max(self.stood, other.stood),
                        precision=_coarsest(self.precision, other.precision))
        if self.current is None and other.current is None:
            return joined
        now = (self.current or self)._join(other.current or other, op, fn)
        return replace(joined, current=now)

    def __sub__(self, other: Series) -> Series:
        return self._join(other, "-", lambda a, b: a - b)

    def __add__(self, other: Series) -> Series:
        return self._join(other, "+", lambda a, b: a + b)


def _joined_origins(left: Series, right: Series, sources: tuple[Source, ...]
                    ) -> dict[str, tuple[int, ...]] | None:
    """Where two series join: each period's copies, as indexes into the joined sources."""
    if left.origins is None and right.origins is None:
        return None
    found: dict[str, set[int]] = {}
    for side in (left, right):
        where = [sources.index(source) for source in side.sources]  # side's -> joined
        every = range(len(side.sources))
        for period in side.values.index.tolist():
            mine = side.origins.get(str(period), ()) if side.origins is not None else every
            found.setdefault(str(period), set()).update(where[i] for i in mine)
    return {period: tuple(sorted(used)) for period, used in found.items()}


def _joined_dates(left: Series, right: Series, sources: tuple[Source, ...]
                  ) -> tuple[str, ...] | None:
    """Each joined source's vintage day, where both sides know theirs."""
    if left.dates is None or right.dates is None:
        return None
    day = dict(zip(left.sources + right.sources, left.dates + right.dates, strict=True))
    return tuple(day[s] for s in sources)


def _listed(periods: Iterable[object]) -> Iterable[object]:
    """``periods`` as a plain list where they are a pandas index: iterating one item by item
    costs a hundred times more."""
    import pandas as pd
    return periods.tolist() if isinstance(periods, pd.Index) else periods


def change(new: Figure, old: Figure) -> Figure:
    """``new - old``, e.g. the change in the deficit from one year to the next."""
    return new - old


def pct_change(new: Figure, old: Figure) -> Figure:
    """The relative change from ``old`` to ``new`` as a ratio (0.066 for 6.6 percent)."""
    if old.value == 0 or math.copysign(1, new.value) != math.copysign(1, old.value):
        raise SiteError(f"a percent change from {old.what} to {new.what} is not meaningful: "
                        "the values are zero or of opposite sign")
    ratio = new / old
    current = None if ratio.current is None else ratio.current - 1
    return replace(ratio, value=ratio.value - 1, current=current,
                   what=f"percent change of {new.what}")


def share(part: Figure, whole: Figure) -> Figure:
    """``part`` as a fraction of ``whole``."""
    return part / whole
