"""Charts that cannot be wrong: a chart naming a field its rows lack, a spec Vega-Lite would
not accept, or a chart with nothing to draw stops the build at the chart block's line; a
balance in deficit is described as one."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from bs4 import BeautifulSoup
from conftest import TinyProject

from site_builder.errors import BuildFailed, SiteError

FRONT = """\
---
title: A chart under test
date: 2025-02-05
summary: One chart, checked before it is drawn.
---
Some text before the chart.

"""

MONTHLY = """\
id: balances
title: US balances on goods and on services
data: bop_monthly
where: {series_id: [BOPGTB, BOPSTB]}
since: 2024-01
mark: line
encoding:
  x: {field: period, type: temporal, timeUnit: utcyearmonth, title: null}
  y: {field: value, type: quantitative, title: Billions of dollars}
  color: {field: series_id, type: nominal, title: null}
"""


def brief_text(chart: str) -> str:
    return f"{FRONT}```chart\n{chart}```\n\nSome text after it.\n"


def line_of(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), start=1) if needle in line)


def failure(tiny: TinyProject, chart: str) -> tuple[SiteError, Path, int]:
    """Build one brief holding ``chart``: its one error, the brief, the chart block's line."""
    text = brief_text(chart)
    path = tiny.brief("under-test", text)
    with pytest.raises(BuildFailed) as info:
        tiny.build()
    [error] = info.value.errors
    return error, path, line_of(text, "```chart")


def page(tiny: TinyProject, chart: str) -> BeautifulSoup:
    """Build one brief holding ``chart`` and return its page."""
    tiny.brief("under-test", brief_text(chart))
    tiny.build()
    html = (tiny.output / "briefs" / "under-test" / "index.html").read_text("utf-8")
    return BeautifulSoup(html, "html.parser")


def description(soup: BeautifulSoup) -> str:
    [desc] = soup.select("figure.chart svg desc")
    return " ".join(desc.get_text().split())


# -- fields the rows do not have ----------------------------------------------------------

UNKNOWN_FIELDS = {
    "encoding": (MONTHLY.replace("field: value", "field: valeu"), "encoding.y", "valeu"),
    "nested encoding": (MONTHLY + "  tooltip: [{field: period}, {field: seriesid}]\n",
                        "encoding.tooltip[1]", "seriesid"),
    "encoding sort": (MONTHLY.replace("color: {field: series_id,",
                                      "color: {sort: {field: vlaue, op: sum}, field: series_id,"),
                      "encoding.color.sort", "vlaue"),
    "labels": (MONTHLY.replace("since:", "labels: {seriesid: {BOPGTB: Goods}}\nsince:"),
               "`labels`", "seriesid"),
    "transform field": (MONTHLY + "transform:\n  - {filter: {field: serie_id, equal: BOPGTB}}\n",
                        "transform[0] (filter)", "serie_id"),
    "transform expression": (MONTHLY + "transform:\n"
                             "  - {calculate: datum.valu * 1000, as: millions}\n",
                             "transform[0] (calculate)", "valu"),
    "transform groupby": (MONTHLY + "transform:\n  - aggregate: [{op: sum, field: value, "
                          "as: value}]\n    groupby: [period, series]\n",
                          "transform[0] (aggregate)", "series"),
    "layer": (MONTHLY.replace("mark: line\n", "layer:\n  - mark: line\n  - mark: point\n"
                              "    encoding: {size: {field: sise, type: quantitative}}\n"),
              "layer[1].encoding.size", "sise"),
}


@pytest.mark.parametrize("case", list(UNKNOWN_FIELDS))
def test_a_misspelt_field_fails_at_the_chart_block(tiny: TinyProject, case: str) -> None:
    chart, where, field = UNKNOWN_FIELDS[case]
    error, path, line = failure(tiny, chart)
    assert (error.path, error.line) == (path, line)
    assert error.message.startswith(f"chart: {where} names field {field!r}"), error.message
    assert "period, series_id, value" in error.hint


def test_a_field_left_out_by_where_is_explained(tiny: TinyProject) -> None:
    """One series: its series_id column has one value, so the plotted rows leave it out."""
    chart = MONTHLY.replace("[BOPGTB, BOPSTB]", "BOPGTB")
    error, path, line = failure(tiny, chart)
    assert (error.path, error.line) == (path, line)
    assert "encoding.color names field 'series_id'" in error.message
    assert error.hint.startswith("Fields here: period, value ")
    assert "one value after `where`" in error.hint


def test_a_misspelt_where_column_fails_listing_the_columns(tiny: TinyProject) -> None:
    error, path, line = failure(tiny, MONTHLY.replace("where: {series_id:", "where: {seriesid:"))
    assert (error.path, error.line) == (path, line)
    assert "'seriesid'" in error.message
    assert "period, series_id, value" in error.hint


@pytest.mark.parametrize("transform, y", [
    ("  - {fold: [value], as: [measure, amount]}\n", "amount"),
    ("  - {calculate: datum.value * 1000, as: millions}\n", "millions"),
    ("  - {joinaggregate: [{op: mean, field: value, as: average}], groupby: [series_id]}\n",
     "average"),
])
def test_a_field_made_by_a_transform_may_be_plotted(tiny: TinyProject, transform: str,
                                                    y: str) -> None:
    chart = MONTHLY.replace("field: value,", f"field: {y},") + "transform:\n" + transform
    soup = page(tiny, chart)
    assert soup.select_one("figure.chart svg") is not None


def test_a_field_an_aggregate_drops_cannot_be_plotted(tiny: TinyProject) -> None:
    chart = MONTHLY + ("transform:\n  - aggregate: [{op: sum, field: value, as: total}]\n"
                       "    groupby: [period]\n")
    error, _, _ = failure(tiny, chart)
    assert error.message.startswith("chart: encoding.y names field 'value'")
    assert error.hint.startswith("Fields here: period, total ")


# -- specs Vega-Lite would not accept ------------------------------------------------------

INVALID = {
    "mark property": (MONTHLY.replace("mark: line", "mark: {type: line, colour: red}"),
                      "$.mark: unknown property 'colour'; did you mean 'color'?"),
    "channel": (MONTHLY.replace("  color:", "  colr:"),
                "$.encoding: unknown property 'colr'; did you mean 'color'?"),
    "mark type": (MONTHLY.replace("mark: line", "mark: lines"),
                  "$.mark: \"lines\" is not allowed here; did you mean 'line'?"),
    "field type": (MONTHLY.replace("type: quantitative", "type: quantitive"),
                   "$.encoding.y.type: \"quantitive\" is not allowed here"),
    "value type": (MONTHLY + "width: wide\n", "$.width: \"wide\" should be number"),
    "layer mark": (MONTHLY.replace("mark: line\n", "layer:\n  - mark: {type: line, strok: red}\n"),
                   "$.layer[0].mark: unknown property 'strok'; did you mean 'stroke'?"),
    "missing property": (MONTHLY + "transform:\n  - {calculate: datum.value * 2}\n",
                         "$.transform[0]: 'as' is a required property"),
}


@pytest.mark.parametrize("case", list(INVALID))
def test_invalid_vega_lite_fails_at_the_chart_block(tiny: TinyProject, case: str) -> None:
    chart, problem = INVALID[case]
    error, path, line = failure(tiny, chart)
    assert (error.path, error.line) == (path, line)
    assert error.message.startswith(f"chart: not valid Vega-Lite at {problem}"), error.message
    assert "vega-lite/docs" in error.hint


def test_a_comma_in_a_flow_mapping_gets_a_hint(tiny: TinyProject) -> None:
    """``{title: Billions of dollars, seasonally adjusted}`` is a title and a second key."""
    chart = MONTHLY.replace("title: Billions of dollars}",
                            "title: Billions of dollars, seasonally adjusted}")
    error, path, line = failure(tiny, chart)
    assert (error.path, error.line) == (path, line)
    assert "$.encoding.y: unknown property 'seasonally adjusted'" in error.message
    assert "put a value that holds a comma in quotes" in error.hint


def test_a_python_chart_is_checked_too(tiny: TinyProject) -> None:
    (tiny.root / "content" / "charts" / "checked.py").write_text(
        "import altair as alt\nimport pandas as pd\n\n\n"
        "def chart(scope):\n"
        "    rows = pd.DataFrame({'period': ['2024', '2025'], 'value': [1.0, 2.0]})\n"
        "    return alt.Chart(rows).mark_bar().encode(x='period:O', y='amount:Q')\n",
        encoding="utf-8")
    error, path, line = failure(tiny, "title: A Python chart\npython: checked.chart\n")
    assert (error.path, error.line) == (path, line)
    assert error.message.startswith("chart: encoding.y names field 'amount'")
    assert "period, value" in error.hint


# -- charts with nothing to draw -----------------------------------------------------------

def test_a_chart_whose_periods_leave_no_rows_fails(tiny: TinyProject) -> None:
    error, path, line = failure(tiny, MONTHLY.replace("since: 2024-01", "since: 2099-01"))
    assert (error.path, error.line) == (path, line)
    assert error.message == "chart: the chart has no rows left after `where`, `since`"


def test_a_chart_whose_where_matches_nothing_fails(tiny: TinyProject) -> None:
    error, path, line = failure(tiny, MONTHLY.replace("[BOPGTB, BOPSTB]", "[BOPXXX]"))
    assert (error.path, error.line) == (path, line)
    assert "no rows where series_id is ['BOPXXX']" in error.message


@pytest.mark.parametrize("values, message", [
    ("[]", "chart: the chart has no rows to plot"),
    ("[None, float('nan')]", "chart: every value the chart plots (value) is missing"),
])
def test_a_python_chart_with_nothing_to_draw_fails(tiny: TinyProject, values: str,
                                                   message: str) -> None:
    periods = "[]" if values == "[]" else "['2024', '2025']"
    (tiny.root / "content" / "charts" / "empty.py").write_text(
        "import altair as alt\nimport pandas as pd\n\n\n"
        "def chart(scope):\n"
        f"    rows = pd.DataFrame({{'period': {periods}, 'value': {values}}}, dtype=object)\n"
        "    return alt.Chart(rows).mark_bar().encode(x='period:O', y='value:Q')\n",
        encoding="utf-8")
    error, path, line = failure(tiny, "title: Nothing to draw\npython: empty.chart\n")
    assert (error.path, error.line) == (path, line)
    assert error.message.startswith(message), error.message


# -- descriptions of a balance in deficit --------------------------------------------------

def test_a_balance_in_deficit_is_described_as_a_deficit(tiny: TinyProject) -> None:
    soup = page(tiny, """\
id: annual-balance
title: US trade balance in goods and services
data: trade_balance
annual: true
mark: bar
encoding:
  x: {field: period, type: temporal, timeUnit: utcyear, title: null}
  y: {field: value, type: quantitative, title: Billions of dollars}
""")
    rows = _csv(tiny, "annual-balance")
    assert (rows["value"] < 0).all()
    worst, least = rows.loc[rows["value"].idxmin()], rows.loc[rows["value"].idxmax()]
    text = description(soup)
    assert (f"largest deficit {_billions(-worst['value'])} ({worst['period']}), "
            f"smallest deficit {_billions(-least['value'])} ({least['period']})") in text
    assert "latest deficit $" in text
    assert "highest" not in text and "lowest" not in text and "\u2212" not in text


def test_a_surplus_beside_a_deficit_keeps_highest_and_lowest(tiny: TinyProject) -> None:
    chart = MONTHLY.replace("since: 2024-01", "annual: true\nlabels: "
                            "{series_id: {BOPGTB: Goods, BOPSTB: Services}}")
    text = description(page(tiny, chart))
    assert "Goods: largest deficit $" in text and "smallest deficit $" in text
    assert "Services: highest $" in text and "lowest $" in text


def _csv(tiny: TinyProject, chart_id: str) -> pd.DataFrame:
    return pd.read_csv(tiny.output / "briefs" / "under-test" / f"{chart_id}.csv",
                       dtype={"period": str})


def _billions(value: float) -> str:
    return f"${value:,.1f} billion" if value < 1000 else f"${value / 1000:,.2f} trillion"


def test_a_python_chart_altair_rejects_fails_at_the_line_that_made_it(
        tiny: TinyProject) -> None:
    (tiny.root / "content" / "charts" / "wide.py").write_text(
        "import altair as alt\nimport pandas as pd\n\n\n"
        "def chart(scope):\n"
        "    rows = pd.DataFrame({'period': ['2024', '2025'], 'value': [1.0, 2.0]})\n"
        "    return alt.Chart(rows).mark_bar().encode(x='period:O', y='value:Q')"
        ".properties(width='wide')\n", encoding="utf-8")
    error, _, _ = failure(tiny, "title: Too wide\npython: wide.chart\n")
    assert (error.path, error.line) == (tiny.root / "content" / "charts" / "wide.py", 7)
    assert "'wide' is not of type 'number'" in error.message
