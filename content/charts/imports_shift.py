"""Charts for the brief on US imports from China, Mexico, Canada and Vietnam since 2017.

No single vintage in the snapshot covers 2017 to 2025 for all four partners. Years 2017 to
2019 come from the Census Bureau's USA Trade Online report of April 2022
(``partner_goods_2010_2022``) and years 2020 on from FRED in the FT-900 December 2025 vintage
(``partner_goods``). The functions below keep the two apart with a ``source`` column rather
than splicing them into one line. Values are calendar-year sums of complete years, in
billions of dollars.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

BILLION = 1e9
PARTNERS = ["Mexico", "Canada", "China", "Vietnam"]
OLD = "Census report, Apr 2022"
NEW = "FRED, Dec 2025 release"
OLD_YEARS = (2017, 2019)
NEW_YEARS = (2020, 2025)


def _annual(scope, dataset: str, partner: str, years: tuple[int, int]) -> pd.Series:
    """Complete-year import totals for one partner from one dataset, in billions."""
    totals = scope.series(dataset, partner=partner, flow="imports").annual()
    values = totals.between(*years).values
    return (values / BILLION).round(6)


def annual_rows(scope, partners: list[str]) -> pd.DataFrame:
    """One row per year and partner, with the dataset each figure comes from."""
    parts = []
    for dataset, source, years in (("partner_goods_2010_2022", OLD, OLD_YEARS),
                                   ("partner_goods", NEW, NEW_YEARS)):
        for partner in partners:
            values = _annual(scope, dataset, partner, years)
            parts.append(pd.DataFrame({"period": values.index.astype(str), "partner": partner,
                                       "source": source, "value": values.to_numpy()}))
    return pd.concat(parts, ignore_index=True).sort_values(["period", "partner"],
                                                           kind="stable")


def imports_by_partner(scope):
    """Annual imports from the four partners; the line breaks where the source changes."""
    rows = annual_rows(scope, PARTNERS)
    return alt.Chart(rows).mark_line(point=True).encode(
        x=alt.X("period:T", timeUnit="utcyear", title=None),
        y=alt.Y("value:Q", title="Imports, billions of dollars"),
        color=alt.Color("partner:N", title=None, sort=PARTNERS),
        strokeDash=alt.StrokeDash("source:N", title="Source",
                                  sort=[OLD, NEW]),
        detail="source:N",
    )


def vietnam_imports(scope):
    """Annual imports from Vietnam, coloured by the dataset each year comes from."""
    rows = annual_rows(scope, ["Vietnam"]).drop(columns="partner")
    return alt.Chart(rows).mark_bar().encode(
        x=alt.X("period:O", title=None, axis=alt.Axis(labelAngle=0)),
        y=alt.Y("value:Q", title="Imports from Vietnam, billions of dollars"),
        color=alt.Color("source:N", title="Source", sort=[OLD, NEW]),
    )
