"""Chart craft (issue 17): yearly bars centred on their year and ticks at one regular
interval; annotations and site events drawn over a chart and said in words; a bad annotation
stopped at its line; an overlap note where an aggregate sits beside its members; and a
highlights box whose figures line up, checked in Chromium."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from conftest import TinyProject
from playwright.sync_api import Browser

from site_builder.errors import BuildFailed
from site_builder.evaluate import theme
from site_builder.loopback import serve

FRONT = """\
---
title: Charts under test
date: 2025-02-05
summary: Charts with annotations, events and overlaps.
---
Some text before the chart.

"""

MONTHLY = """\
id: balances
title: US balance on goods since 2020
data: bop_monthly
where: {series_id: BOPGTB}
since: 2020-01
mark: line
encoding:
  x: {field: period, type: temporal, timeUnit: utcyearmonth, title: null}
  y: {field: value, type: quantitative, title: Billions of dollars}
"""

EVENTS = """\
# the fixture site's own events
[outbreak]
label = "Outbreak declared"
date = 2020-03-11
source = "https://example.org/outbreak"

[levies]
label = "Levy rounds"
from = 2021-02-01
to = 2021-04-30
source = "https://example.org/levies"

[long-ago]
label = "Before the data"
date = 1990-01-01
source = "https://example.org/old"
"""


def build_brief(tiny: TinyProject, chart: str, events: str = EVENTS) -> tuple[Path, str]:
    (tiny.root / "content" / "data" / "events.toml").write_text(events, encoding="utf-8")
    text = f"{FRONT}```chart\n{chart}```\n"
    return tiny.brief("under-test", text), text


def built(tiny: TinyProject, chart: str) -> tuple[BeautifulSoup, dict]:
    build_brief(tiny, chart)
    tiny.build()
    folder = tiny.output / "briefs" / "under-test"
    soup = BeautifulSoup((folder / "index.html").read_text("utf-8"), "html.parser")
    return soup, json.loads((folder / "balances.vl.json").read_text("utf-8"))


def line_of(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), start=1) if needle in line)


# -- the time axis ---------------------------------------------------------------------------

def bar_spec(unit: str) -> dict:
    return {"mark": "bar", "encoding": {
        "x": {"field": "period", "type": "temporal", "timeUnit": unit},
        "y": {"field": "value", "type": "quantitative"}}}


def test_yearly_bars_are_centred_on_their_year_with_ticks_every_five_years() -> None:
    years = [str(y) for y in range(1992, 2026)]
    x = theme.time_axes(bar_spec("utcyear"), years)["encoding"]["x"]
    assert x["bandPosition"] == 0
    assert x["axis"] == {"tickCount": {"interval": "year", "step": 5}, "format": "%Y"}


def test_a_few_years_get_a_tick_each() -> None:
    x = theme.time_axes(bar_spec("utcyear"), ["2020", "2021", "2022"])["encoding"]["x"]
    assert x["axis"]["tickCount"] == {"interval": "year", "step": 1}


def test_a_short_monthly_axis_is_ticked_by_quarter_and_a_long_one_by_year() -> None:
    short = [f"2024-{m:02d}" for m in range(1, 13)] + [f"2025-{m:02d}" for m in range(1, 7)]
    x = theme.time_axes(bar_spec("utcyearmonth"), short)["encoding"]["x"]
    assert x["axis"] == {"tickCount": {"interval": "month", "step": 3}, "format": "%b %Y"}
    assert "bandPosition" not in x  # a month's bar stays on its month
    long = [f"{y}-{m:02d}" for y in range(2020, 2026) for m in range(1, 13)]
    x = theme.time_axes(bar_spec("utcyearmonth"), long)["encoding"]["x"]
    assert x["axis"] == {"tickCount": {"interval": "year", "step": 1}, "format": "%Y"}


def test_a_writers_own_ticks_are_kept() -> None:
    spec = bar_spec("utcyear")
    spec["encoding"]["x"]["axis"] = {"tickCount": 3}
    x = theme.time_axes(spec, ["2020", "2021", "2022"])["encoding"]["x"]
    assert x["axis"] == {"tickCount": 3}
    assert spec["encoding"]["x"]["axis"] == {"tickCount": 3}  # the writer's spec untouched


# -- annotations and events ------------------------------------------------------------------

ANNOTATED = MONTHLY + """\
annotations:
  - {date: 2022-06-15, label: Port strike}
  - {from: 2023-01, to: 2023-03, label: Winter slump, source: "https://example.org/slump"}
events: [outbreak, levies]
"""


def test_annotations_and_events_are_drawn_and_said_in_words(tiny: TinyProject) -> None:
    soup, spec = built(tiny, ANNOTATED)
    marks = [(layer["mark"]["type"], layer["data"]["values"][0]["label"])
             for layer in spec["layer"] if "data" in layer]
    assert ("rule", "Port strike") in marks and ("rule", "Outbreak declared") in marks
    assert ("rect", "Winter slump") in marks and ("rect", "Levy rounds") in marks
    assert [label for kind, label in marks if kind == "text"] == [
        "Port strike", "Winter slump", "Outbreak declared", "Levy rounds"]
    desc = " ".join(soup.select_one("figure.chart svg desc").get_text().split())
    caption = " ".join(soup.select_one(".chart-source").get_text().split())
    for words in ("Port strike (15 June 2022)",
                  "Winter slump (shaded, January 2023 to March 2023; "
                  "source: https://example.org/slump)",
                  "Outbreak declared (11 March 2020; source: https://example.org/outbreak)",
                  "Levy rounds (shaded, 1 February 2021 to 30 April 2021"):
        assert words in desc and words in caption
    # the SVG a reader gets draws the labels
    svg = (tiny.output / "briefs" / "under-test" / "balances.svg").read_text("utf-8")
    assert "Port strike" in svg and "Levy rounds" in svg


def test_events_true_shows_the_events_that_fall_on_the_chart(tiny: TinyProject) -> None:
    soup, _ = built(tiny, MONTHLY + "events: true\n")
    caption = soup.select_one(".chart-source").get_text()
    assert "Outbreak declared" in caption and "Levy rounds" in caption
    assert "Before the data" not in caption


BAD = {
    "no date": ("  - {label: Nothing dated}\n", "annotation 2: no `date`"),
    "to before from": ("  - {from: 2023-05, to: 2023-02, label: Backwards, source: x}\n",
                       "`to` (2023-02) comes before `from` (2023-05)"),
    "range without source": ("  - {from: 2023-01, to: 2023-02, label: Unsourced}\n",
                             "a shaded range needs its `source`"),
    "not a date": ("  - {date: soon, label: Someday}\n", "`date` is 'soon', not a date"),
}


@pytest.mark.parametrize("case", list(BAD))
def test_a_bad_annotation_is_stopped_at_its_line(tiny: TinyProject, case: str) -> None:
    item, message = BAD[case]
    chart = MONTHLY + "annotations:\n  - {date: 2021-01-01, label: Fine}\n" + item
    path, text = build_brief(tiny, chart)
    with pytest.raises(BuildFailed) as info:
        tiny.build()
    [error] = info.value.errors
    assert message in error.message
    assert error.path == path
    assert error.line == line_of(text, item.strip())
    assert error.hint


def test_an_unknown_event_is_stopped_at_the_events_line(tiny: TinyProject) -> None:
    path, text = build_brief(tiny, MONTHLY + "events: [outbreak, pandemics]\n")
    with pytest.raises(BuildFailed) as info:
        tiny.build()
    [error] = info.value.errors
    assert "no event named 'pandemics'" in error.message
    assert (error.path, error.line) == (path, line_of(text, "events:"))
    assert "outbreak, levies, long-ago" in error.hint


def test_an_annotation_off_the_chart_is_an_error(tiny: TinyProject) -> None:
    path, text = build_brief(tiny, MONTHLY + "annotations:\n  - {date: 2001-09, label: Old}\n")
    with pytest.raises(BuildFailed) as info:
        tiny.build()
    [error] = info.value.errors
    assert "falls outside the chart's periods" in error.message
    assert (error.path, error.line) == (path, line_of(text, "label: Old"))


# -- overlap notes ---------------------------------------------------------------------------

GROUPS = """\
[fixture-union]
name = "Fixture Union"
called = "the Fixture Union"
short = "the FU"
members = ["Northland", "Southland", "Westland"]
"""

PARTNER_CHART = '''\
import altair as alt
import pandas as pd


def deficits(scope):
    scope.series("imports_china")  # a chart cites what it read
    rows = pd.DataFrame({"partner": ["Fixture Union", "Northland", "Eastland", "Southland"],
                         "value": [200.0, 80.0, 60.0, 40.0]})
    return alt.Chart(rows).mark_bar().encode(y=alt.Y("partner:N", sort=None),
                                             x=alt.X("value:Q"))
'''


def test_an_aggregate_beside_its_members_gets_an_overlap_note(tiny: TinyProject) -> None:
    (tiny.root / "content" / "data" / "groups.toml").write_text(GROUPS, encoding="utf-8")
    (tiny.root / "content" / "charts" / "fixture.py").write_text(PARTNER_CHART, "utf-8")
    build_brief(tiny, "id: balances\ntitle: Deficits by partner\npython: fixture.deficits\n")
    tiny.build()
    soup = BeautifulSoup((tiny.output / "briefs" / "under-test" / "index.html")
                         .read_text("utf-8"), "html.parser")
    note = ("The Fixture Union includes Northland and Southland: their bars are part of "
            "the FU's.")
    assert note in " ".join(soup.select_one(".chart-source").get_text().split())
    assert note in " ".join(soup.select_one("figure.chart svg desc").get_text().split())


# -- the highlights box, in Chromium ---------------------------------------------------------

HIGHLIGHTS = """\
---
title: Highlights under test
date: 2025-02-05
summary: A highlights box with wrapping labels and a revised figure.
highlights:
  - label: Goods and services deficit, 2024, as first published by the agencies in February
    value: usd(value("release_2024", 2024, measure="goods_and_services_deficit"))
  - label: Goods deficit, 2024
    value: usd(value("release_2024", 2024, measure="goods_deficit"))
  - label: Imports from Mexico, 2025
    value: usd(series("partner_goods", partner="Mexico", flow="imports").year(2025))
---
Body text.
"""


@pytest.mark.parametrize("width", [390, 1280])
def test_highlight_figures_line_up_and_revisions_are_small(
        tiny: TinyProject, browser: Browser, width: int) -> None:
    tiny.brief("highlights", HIGHLIGHTS)
    tiny.build()
    with serve(tiny.output) as url:
        context = browser.new_context(viewport={"width": width, "height": 900})
        try:
            page = context.new_page()
            page.goto(f"{url}/briefs/highlights/")
            boxes = page.eval_on_selector_all(".highlights dd", """dds => dds.map(dd => {
                const figure = dd.querySelector('a.figure') || dd;
                const note = dd.querySelector('.revised');
                return {top: Math.round(figure.getBoundingClientRect().top),
                        row: Math.round(dd.parentElement.getBoundingClientRect().top),
                        size: parseFloat(getComputedStyle(figure).fontSize),
                        note: note ? parseFloat(getComputedStyle(note).fontSize) : null};
            })""")
        finally:
            context.close()
    assert len(boxes) == 3
    assert any(box["note"] for box in boxes), "the fixture has a revised figure"
    rows: dict[int, set[int]] = {}
    for box in boxes:  # items side by side share a grid row; on a phone each has its own
        rows.setdefault(box["row"], set()).add(box["top"])
    assert all(len(tops) == 1 for tops in rows.values()), boxes
    if width == 1280:
        assert len(rows) == 1, boxes
    for box in boxes:
        if box["note"]:
            assert box["note"] < box["size"] * 0.75, box


def test_an_edited_event_reaches_the_chart_on_the_next_build(tiny: TinyProject) -> None:
    soup, _ = built(tiny, MONTHLY + "events: [outbreak]\n")
    assert "Outbreak declared" in soup.select_one(".chart-source").get_text()
    events = tiny.root / "content" / "data" / "events.toml"
    events.write_text(EVENTS.replace("Outbreak declared", "Outbreak named"), "utf-8")
    tiny.build()
    html = (tiny.output / "briefs" / "under-test" / "index.html").read_text("utf-8")
    assert "Outbreak named (11 March 2020" in html and "Outbreak declared" not in html
