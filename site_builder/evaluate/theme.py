"""The site-wide chart look, shared by YAML chart blocks and Altair chart functions."""

from __future__ import annotations

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


def register_altair_theme() -> None:
    """Make the site theme Altair's default, for charts written as Python functions."""
    import altair as alt

    @alt.theme.register("site_builder", enable=True)
    def _theme() -> alt.theme.ThemeConfig:
        return {"config": config(), "width": WIDTH, "height": HEIGHT}  # type: ignore[typeddict-item]
