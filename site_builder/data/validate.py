"""Checks a fetched table must pass before it may replace the snapshot's copy."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from site_builder.data.declarations import Declaration
from site_builder.data.http_client import FetchError
from site_builder.data.snapshot import MISSING, Dataset

Reject = Callable[..., FetchError]
PERIOD = r"\d{4}(-(0[1-9]|1[0-2]))?"


def validate(name: str, decl: Declaration, frame: pd.DataFrame, old: Dataset | None,
             request: str, *, allow_missing: bool = False) -> pd.DataFrame:
    """Return the table sorted by key, or raise :class:`FetchError` naming the problem.

    Values the snapshot has that the answer gives as missing are refused unless
    ``allow_missing`` (``fetch --allow-missing``): the build would fail on them.
    """

    def reject(problem: str, hint: str = "") -> FetchError:
        return FetchError(f"dataset {name!r} from {request}: {problem}",
                          hint=hint or "The snapshot was left as it was.")

    key = ["period", *decl.dimensions]
    expected = [*key, "value"]
    if list(frame.columns) != expected:
        raise reject(f"columns {list(frame.columns)}, expected {expected}")
    if frame.empty:
        raise reject("no rows")
    frame = frame.astype(str)
    bad_period = frame[~frame["period"].str.fullmatch(PERIOD)]
    if not bad_period.empty:
        raise reject(f"unreadable period {bad_period['period'].iloc[0]!r}")
    values = frame["value"].str.strip()
    numbers = Dataset.numbers(values, errors="coerce")
    bad_value = frame[numbers.isna() & ~values.isin(MISSING)]
    if not bad_value.empty:
        row = bad_value.iloc[0]
        raise reject(f"value {row['value']!r} for {row['period']} is not a number")
    if numbers.isna().all():
        raise reject("every value is missing")
    duplicated = frame[frame.duplicated(key)]
    if not duplicated.empty:
        raise reject(f"two rows for {dict(duplicated.iloc[0][key])}",
                     hint="Narrow the query, or declare the column that tells them apart.")
    frame = frame.sort_values(key, kind="stable").reset_index(drop=True)
    _complete(frame, decl, reject)
    if old is not None:
        _keeps_history(frame, old, key, reject)
        if not allow_missing:
            _keeps_values(frame, old, key, decl, reject)
        _same_units(frame, old, key, reject)
    return frame


def _keeps_history(frame: pd.DataFrame, old: Dataset, key: list[str], reject: Reject) -> None:
    """Upstream revises values and adds periods; it does not drop them. A table that lacks
    rows the snapshot has is a partial answer."""
    before = old.frame[key].astype(str).drop_duplicates()
    merged = before.merge(frame[key], on=key, how="left", indicator=True)
    lost = merged[merged["_merge"] == "left_only"]
    if not lost.empty:
        periods = sorted(lost["period"])
        raise reject(f"the answer lacks {len(lost)} rows the snapshot has "
                     f"({periods[0]} to {periods[-1]})",
                     "A partial answer is not accepted; check `start` in the fetch settings.")


def _keeps_values(frame: pd.DataFrame, old: Dataset, key: list[str], decl: Declaration,
                  reject: Reject) -> None:
    """A value the snapshot has may be revised, not withdrawn: one the answer gives as
    missing (FRED's ``.``, BEA's ``(D)``) is refused, naming each series and its periods."""
    had = old.frame[pd.to_numeric(old.frame["value"], errors="coerce").notna()]
    had = had[key].astype(str)
    now_missing = frame[frame["value"].str.strip().isin(MISSING)][key]
    lost = now_missing.merge(had, on=key)
    if lost.empty:
        return
    dims = list(decl.dimensions)
    groups = lost.groupby(dims, sort=True) if dims else [((), lost)]
    parts = []
    for labels, group in groups:
        values = labels if isinstance(labels, tuple) else (labels,)
        series = ", ".join(f"{d}={v}" for d, v in zip(dims, values, strict=True))
        periods = sorted(group["period"])
        shown = ", ".join(periods[:6]) + (f" and {len(periods) - 6} more"
                                          if len(periods) > 6 else "")
        if not series:
            ids = [item.id for item in decl.fetch.series] if decl.fetch else []
            series = "series " + ", ".join(ids) if ids else "the series"
        parts.append(f"{series}: {shown}")
    raise reject(f"{len(lost)} values the snapshot has are now missing ("
                 + "; ".join(parts) + ")",
                 "Upstream withdrew or suppressed them, and the build would fail on them. "
                 "The snapshot was left as it was; run `fetch --allow-missing` to accept.")


def _complete(frame: pd.DataFrame, decl: Declaration, reject: Reject) -> None:
    """Every series runs without a gap from its first period to its last."""
    groups = frame.groupby(list(decl.dimensions)) if decl.dimensions else [((), frame)]
    for labels, group in groups:
        periods = group["period"]
        monthly = periods.str.len() == 7
        if monthly.any() and not monthly.all():
            raise reject(f"mixes monthly and annual periods for {labels}")
        freq = "M" if monthly.all() else "Y"
        span = pd.period_range(periods.min(), periods.max(), freq=freq)
        expected = span.strftime("%Y-%m" if freq == "M" else "%Y")
        gaps = sorted(set(expected) - set(periods))
        if gaps:
            raise reject(f"periods missing from the middle of the series: "
                         f"{', '.join(gaps[:5])}{' …' if len(gaps) > 5 else ''}",
                         "A partial answer is not accepted; try again later.")


def _same_units(frame: pd.DataFrame, old: Dataset, key: list[str], reject: Reject) -> None:
    """Values where old and new overlap must be of the same size: no silent unit change."""
    new = frame.assign(number=Dataset.numbers(frame["value"], errors="coerce"))
    merged = new.merge(old.frame[[*key, "value"]].rename(columns={"value": "old"}), on=key)
    merged = merged[(merged["number"].abs() > 0) & (merged["old"].abs() > 0)].dropna()
    if merged.empty:
        return
    ratio = (merged["number"] / merged["old"]).abs().median()
    if ratio > 20 or ratio < 0.05:
        raise reject(f"values are about {ratio:,.3g} times the snapshot's for the same "
                     f"periods: the units seem to have changed ({old.meta.units} expected)",
                     "Check the API's units (dollars against millions) and the fetch settings.")
