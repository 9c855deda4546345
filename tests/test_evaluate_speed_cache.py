"""What evaluation computes once per snapshot (series, a peer's flows for rank(), compiled
expressions) gives every page the same answer, and records the same reads, as computing it
afresh; changed data are never answered from what the old data gave."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from site_builder.data.snapshot import Dataset, Snapshot
from site_builder.errors import SiteError
from site_builder.evaluate.data_scope import DataScope
from site_builder.evaluate.expressions import expression_environment, run_expressions
from site_builder.evaluate.figures import Series
from site_builder.evaluate.rank import rank
from site_builder.evaluate.recorder import Recorder

REPO = Path(__file__).resolve().parents[1]
LOCK = REPO / "content" / "data" / "snapshot.lock.json"
PEERS = tuple({"slug": p.lower(), "name": p, "data": "partner_goods", "partner": p}
              for p in ("Canada", "China", "Mexico"))


def recorded(recorder: Recorder) -> tuple[object, ...]:
    """Everything a page's recorder holds: what the build and a chart's source line use."""
    return (recorder.depends, recorder.modules, recorder.chart_datasets,
            recorder.chart_sources)


def partner_row(slug: str) -> dict[str, object]:
    return {**next(p for p in PEERS if p["slug"] == slug), "peers": PEERS}


def test_a_series_read_again_on_another_page_is_the_same_and_recorded_the_same() -> None:
    snapshot = Snapshot(LOCK)
    first, again, fresh = (DataScope(s) for s in (snapshot, snapshot, Snapshot(LOCK)))
    read = [scope.series("partner_goods", partner="China", flow="imports")
            for scope in (first, again, fresh)]
    for series in read[1:]:
        assert series.values.equals(read[0].values)
        assert (series.what, series.sources, series.key, series.stood) == (
            read[0].what, read[0].sources, read[0].key, read[0].stood)
    assert recorded(again.recorder) == recorded(first.recorder) == recorded(fresh.recorder)
    assert "partner_goods" in first.recorder.depends
    assert first.recorder.chart_sources  # the chart's source line cites what it read


def test_a_page_changing_its_series_leaves_the_next_page_s_alone() -> None:
    snapshot = Snapshot(LOCK)
    mine = DataScope(snapshot).series("partner_goods", partner="Mexico", flow="exports")
    before = float(mine.values.iloc[0])
    mine.values.iloc[0] = -1.0  # a chart function writing into what it was given
    theirs = DataScope(snapshot).series("partner_goods", partner="Mexico", flow="exports")
    assert float(theirs.values.iloc[0]) == before


def test_a_failed_read_fails_alike_every_time_and_records_what_it_read() -> None:
    snapshot = Snapshot(LOCK)
    messages, records = [], []
    for _ in range(2):
        scope = DataScope(snapshot)
        with pytest.raises(SiteError) as caught:
            scope.series("partner_goods", partner="Atlantis", flow="imports")
        messages.append((caught.value.message, caught.value.hint))
        records.append(recorded(scope.recorder))
    assert messages[0] == messages[1]
    assert "no rows where partner is" in messages[0][0]
    assert records[0] == records[1] and "partner_goods" in records[0][0]


def test_changed_data_are_read_anew() -> None:
    snapshot = Snapshot(LOCK)
    old = DataScope(snapshot).series("partner_goods", partner="Canada", flow="imports")
    dataset = snapshot.load("partner_goods")
    frame = dataset.frame.copy()
    frame["value"] = frame["value"] * 2
    changed = snapshot.with_tables({"partner_goods": Dataset(dataset.meta, frame)})
    new = DataScope(changed).series("partner_goods", partner="Canada", flow="imports")
    assert new.values.to_numpy() == pytest.approx(old.values.to_numpy() * 2)
    again = DataScope(snapshot).series("partner_goods", partner="Canada", flow="imports")
    assert again.values.equals(old.values)  # the old snapshot's answer is kept for it


def test_rank_on_many_pages_matches_rank_computed_afresh() -> None:
    snapshot = Snapshot(LOCK)
    for slug in ("canada", "china", "mexico", "canada"):
        for by in ("trade", "deficit"):
            shared = DataScope(snapshot, row=partner_row(slug))
            alone = DataScope(Snapshot(LOCK), row=partner_row(slug))
            assert rank(shared, 2024, by) == rank(alone, 2024, by)
            assert recorded(shared.recorder) == recorded(alone.recorder)
            assert "partner_goods" in shared.recorder.depends


def test_rank_of_a_year_the_data_do_not_hold_says_so_every_time() -> None:
    snapshot = Snapshot(LOCK)
    for _ in range(2):
        with pytest.raises(SiteError, match="do not hold 1900 in full"):
            rank(DataScope(snapshot, row=partner_row("china")), 1900)


def test_an_expression_compiled_once_runs_with_each_page_s_own_values() -> None:
    env = expression_environment()
    text = "{% for x in xs %}{{ x }},{% endfor %}\n{{ name | upper }}"
    assert run_expressions(text, {"xs": [1, 2], "name": "a"}, env, Path("a.md"), 1) == "1,2,\nA"
    assert run_expressions(text, {"xs": [3], "name": "b"}, env, Path("b.md"), 1) == "3,\nB"


def test_an_expression_compiled_once_still_fails_at_its_own_page_s_line() -> None:
    env = expression_environment()
    text = "fine\n\n{{ missing_helper(1) }}"
    lines = []
    for path, first in ((Path("a.md"), 10), (Path("b.md"), 40)):
        with pytest.raises(SiteError) as caught:
            run_expressions(text, {}, env, path, first)
        assert caught.value.path == path
        assert "unknown name" in caught.value.message
        lines.append(caught.value.line)
    assert lines == [12, 42]


def test_a_year_total_is_the_exact_sum_of_its_months_as_pandas_adds_them() -> None:
    scope = DataScope(Snapshot(LOCK))
    for partner in ("Canada", "China", "Mexico", "World (all countries)"):
        for flow in ("exports", "imports"):
            series = scope.series("partner_goods", partner=partner, flow=flow)
            for year in sorted({p[:4] for p in series.periods()}):
                months = series.values[series.values.index.str[:4] == year].dropna()
                if len(months) == 12:
                    assert series.year(year).value == float(months.sum())  # to the last bit


def test_a_year_with_a_missing_month_is_not_a_total() -> None:
    values = {f"2024-{m:02d}": 1.0 for m in range(1, 13)}
    values["2024-03"] = float("nan")
    series = Series(pd.Series(values, dtype=float), "usd", (), "demo")
    with pytest.raises(SiteError, match="2024 has 11 months of data, a year total needs 12"):
        series.year(2024)


def test_annual_totals_asked_again_are_the_same_and_each_a_copy_of_its_own() -> None:
    values = {f"{y}-{m:02d}": 0.1 * m + y for y in (2023, 2024) for m in range(1, 13)}
    values["2025-01"] = 5.0  # an incomplete year: no total
    series = Series(pd.Series(values, dtype=float), "usd", (), "demo")
    first = series.annual()
    expected = pd.Series(values, dtype=float).groupby(lambda p: p[:4]).sum().iloc[:2]
    assert first.values.to_dict() == expected.to_dict()  # to the last bit
    first.values.iloc[0] = -1.0  # one page's chart function changing its copy...
    again = series.annual()
    assert again.values.to_dict() == expected.to_dict()  # ...changes no other page's
    changed = Series(pd.Series({**values, "2024-12": 0.0}, dtype=float), "usd", (), "demo")
    assert changed.annual().values["2024"] != again.values["2024"]  # new data, new sums
