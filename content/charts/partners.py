"""Charts for the generated partner pages: each reads the page's row (scope.row)."""

from __future__ import annotations

import altair as alt
import pandas as pd

BILLION = 1e9


def _flows(scope):
    row = scope.row
    exports = scope.series(row["data"], partner=row["partner"], flow="exports")
    imports = scope.series(row["data"], partner=row["partner"], flow="imports")
    return exports, imports


def annual(scope):
    """Exports, imports and the balance by complete calendar year."""
    exports, imports = _flows(scope)
    balance = exports - imports
    frames = []
    for label, series in (("Exports", exports), ("Imports", imports), ("Balance", balance)):
        totals = series.annual().values
        frames.append(pd.DataFrame({"period": totals.index, "flow": label,
                                    "value": (totals.to_numpy() / BILLION).round(6)}))
    rows = pd.concat(frames, ignore_index=True)
    return alt.Chart(rows).mark_line(point=True).encode(
        x=alt.X("period:O", title=None, axis=alt.Axis(labelAngle=0, labelOverlap="greedy")),
        y=alt.Y("value:Q", title="Billions of dollars"),
        color=alt.Color("flow:N", title=None, sort=["Exports", "Imports", "Balance"]),
    )


def monthly_balance(scope):
    """The monthly balance, not seasonally adjusted."""
    exports, imports = _flows(scope)
    balance = (exports - imports).values
    rows = pd.DataFrame({"period": balance.index,
                         "value": (balance.to_numpy() / BILLION).round(6)})
    return alt.Chart(rows).mark_bar().encode(
        x=alt.X("period:T", timeUnit="utcyearmonth", title=None),
        y=alt.Y("value:Q", title="Balance, billions of dollars"),
    )


def share(scope):
    """The partner's share of all US goods trade (exports plus imports), by year."""
    row = scope.row
    exports, imports = _flows(scope)
    world_x = scope.series(row["data"], partner=row["world"], flow="exports")
    world_m = scope.series(row["data"], partner=row["world"], flow="imports")
    part = (exports + imports).annual().values
    whole = (world_x + world_m).annual().values
    ratio = (part / whole).dropna()
    rows = pd.DataFrame({"period": ratio.index, "value": (ratio.to_numpy() * 100).round(6)})
    return alt.Chart(rows).mark_bar().encode(
        x=alt.X("period:O", title=None, axis=alt.Axis(labelAngle=0)),
        y=alt.Y("value:Q", title="Share of US goods trade, percent"),
    )
