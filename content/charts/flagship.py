"""Charts for the 2024 trade-deficit brief that combine datasets, written with Altair.

Each function takes the page's data scope (the same ``series``, ``value`` and ``ranking`` a
brief's expressions use) and returns an Altair chart built on a pandas DataFrame whose
rows are exactly what is plotted, with values in billions of dollars.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

BILLION = 1e9


def deficit_by_vintage(scope):
    """The 2024 goods-and-services deficit as first published and after each annual revision."""
    first = scope.value("release_2024", 2024, measure="goods_and_services_deficit")
    after_2025 = -scope.series("trade_balance_2026_05").year(2024)
    latest = -scope.series("trade_balance").year(2024)
    rows = pd.DataFrame({
        "vintage": ["First published (Feb 2025)", "After June 2025 revision",
                    "After June 2026 revision"],
        "value": [round(f.value / BILLION, 6) for f in (first, after_2025, latest)],
    })
    return alt.Chart(rows).mark_bar().encode(
        x=alt.X("vintage:N", sort=None, title=None, axis=alt.Axis(labelAngle=0, labelLimit=180)),
        y=alt.Y("value:Q", title="Deficit, billions of dollars"),
    )


def bilateral_2024(scope):
    """The largest US bilateral goods deficits of 2024, as first reported."""
    ranked = scope.ranking("release_2024", 2024, by="measure", prefix="goods_deficit_")
    rows = pd.DataFrame({"partner": [name for name, _ in ranked],
                         "value": [round(fig.value / BILLION, 6) for _, fig in ranked],
                         # what each figure's source resolves: some came in whole billions
                         "precision": [fig.precision for _, fig in ranked]})
    return alt.Chart(rows).mark_bar().encode(
        y=alt.Y("partner:N", sort=None, title=None),
        x=alt.X("value:Q", title="Goods deficit, billions of dollars"),
    )
