"""The site-wide chart look, shared by YAML chart blocks and Altair chart functions."""

from __future__ import annotations

import math
from typing import Any

# Vega measures text at build time in Liberation Sans, which vl-convert carries with it (no
# system font needed) and which has Arial's metrics, so labels fit where browsers draw Arial.
FONT = "'Liberation Sans', Arial, Helvetica, sans-serif"
# Mid-tone colours that keep 3:1 contrast on both the light and the dark page background.
PALETTE = ["#3b7dd8", "#d9653b", "#2f9e78", "#b65fa8", "#8c7a2b", "#5f6b7a"]
WIDTH, HEIGHT = 560, 300


def config() -> dict[str, Any]:
    """Vega-Lite ``config``: transparent background so the page's colours show through."""
    axis = {"labelFontSize": 13, "titleFontSize": 13, "titleFontWeight": "normal",
            "labelColor": "#4a4f57", "titleColor": "#4a4f57", "domainColor": "#8a9099",
            "tickColor": "#8a9099", "gridColor": "#d9dce1", "labelFont": FONT,
            "titleFont": FONT, "labelOverlap": "greedy", "labelFlush": True}
    return {
        "background": "transparent",
        "padding": 8,
        "font": FONT,
        "view": {"stroke": None},
        "axis": axis,
        "axisX": {"grid": False},
        "axisQuantitative": {"tickCount": 6},
        "legend": {"labelFontSize": 13, "titleFontSize": 13, "orient": "top",
                   "labelColor": "#4a4f57", "titleColor": "#4a4f57", "labelFont": FONT},
        "range": {"category": PALETTE},
        "line": {"strokeWidth": 2.5},
        "bar": {"color": PALETTE[0]},
        "rule": {"color": "#8a9099"},
        "mark": {"tooltip": True},
    }


#: Label steps a time axis may take, in years; it takes the smallest that keeps to MAX_LABELS.
YEAR_STEPS = (1, 2, 5, 10, 20, 50)
MAX_LABELS = 8
#: Up to this many months, a monthly axis is labelled by quarter ("Jan 2024", "Apr 2024" ...).
QUARTERLY_UP_TO = 21


def time_axes(spec: dict[str, Any], periods: list[str]) -> dict[str, Any]:
    """``spec`` with each temporal x axis of ``period`` ticked at a regular interval (every N
    years, or every quarter for a short monthly span) and each yearly bar centred on its
    year's tick.

    ``periods`` are the plotted ``YYYY`` or ``YYYY-MM`` periods. An axis whose ``tickCount``,
    ``values`` or ``format`` the writer set is left as written."""
    spec = {**spec}
    views = [spec] + [layer for layer in spec.get("layer", []) if isinstance(layer, dict)]
    default_mark = _mark_type(spec.get("mark"))
    for view in views:
        x = (view.get("encoding") or {}).get("x")
        if not isinstance(x, dict) or x.get("type") != "temporal" or not periods \
                or x.get("field") != "period":
            continue
        x = view["encoding"]["x"] = {**x}
        unit = x.get("timeUnit")
        unit = str(unit.get("unit", "") if isinstance(unit, dict) else unit or "")
        yearly = unit.endswith("year") or all(len(p) == 4 for p in periods)
        mark = _mark_type(view.get("mark")) or default_mark
        if yearly and mark in ("bar", "rect") and "bandPosition" not in x:
            x["bandPosition"] = 0  # the bar spans its year, centred on the year's tick
        axis = x.get("axis", {})
        if isinstance(axis, dict) and not {"tickCount", "values", "format"} & set(axis):
            x["axis"] = {**axis, **_ticks(periods, yearly)}
    return spec


def _ticks(periods: list[str], yearly: bool) -> dict[str, Any]:
    """Axis settings for ticks at one regular interval over ``periods``."""
    first, last = min(periods), max(periods)
    if not yearly:
        months = (int(last[:4]) - int(first[:4])) * 12 + int(last[5:7]) - int(first[5:7]) + 1
        if months <= QUARTERLY_UP_TO:
            return {"tickCount": {"interval": "month", "step": 3}, "format": "%b %Y"}
    years = int(last[:4]) - int(first[:4]) + 1
    step = next((s for s in YEAR_STEPS if math.ceil(years / s) <= MAX_LABELS), YEAR_STEPS[-1])
    return {"tickCount": {"interval": "year", "step": step}, "format": "%Y"}


def _mark_type(mark: Any) -> str | None:
    return str(mark.get("type")) if isinstance(mark, dict) else mark


def register_altair_theme() -> None:
    """Make the site theme Altair's default, for charts written as Python functions."""
    import altair as alt

    @alt.theme.register("site_builder", enable=True)
    def _theme() -> alt.theme.ThemeConfig:
        return {"config": config(), "width": WIDTH, "height": HEIGHT}  # type: ignore[typeddict-item]
