"""Pure tests of formatting, figures and claims: no snapshot, no build."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from site_builder import formatting
from site_builder.errors import SiteError
from site_builder.evaluate import claims
from site_builder.evaluate.figures import Figure, Series, Source, change, pct_change, share

BILLION = 1e9
MINUS = "\u2212"

DEMO = Source(dataset="demo", title="Demo balance", publisher="Demo Bureau", series="DEMO1",
              vintage="vintage of May 2026", retrieved="2026-05-10",
              url="https://example.org/demo")
OTHER = Source(dataset="other", title="Other balance", publisher="Other Bureau", series="OTH",
               vintage="vintage of June 2026", retrieved="2026-06-10",
               url="https://example.org/other")


def months(year: int, values: list[float]) -> dict[str, float]:
    return {f"{year}-{m:02d}": v for m, v in enumerate(values, start=1)}


def series(values: dict[str, float], kind: str = "usd", source: Source = DEMO,
           what: str = "demo") -> Series:
    return Series(pd.Series(values, dtype=float), kind, (source,), what)


def usd(value: float, period: str | None = "2024", source: Source = DEMO,
        what: str = "x") -> Figure:
    return Figure(value, "usd", period, (source,), what)


def ratio(value: float, period: str | None = "2024") -> Figure:
    return Figure(value, "ratio", period, (DEMO,), "r")


# -- formatting ---------------------------------------------------------------------------

@pytest.mark.parametrize(("value", "text"), [
    (1.21e12, "$1.21 trillion"),
    (918.4e9, "$918.4 billion"),
    (-903_533_000_000, f"{MINUS}$903.5 billion"),
    (295_515_248_710, "$295.5 billion"),
    (1_152_745_000_000, "$1.15 trillion"),
    (12.34e6, "$12.3 million"),
    (4_250, "$4,250"),
    (0, "$0"),
])
def test_money_picks_the_largest_scale_that_keeps_one_or_more(value: float, text: str) -> None:
    assert formatting.money(value) == text


def test_money_digits_and_forced_unit() -> None:
    assert formatting.money(4.11e12, digits=1) == "$4.1 trillion"
    assert formatting.money(918.4e9, digits=0) == "$918 billion"
    assert formatting.money(1.21e12, unit="billion") == "$1,210.0 billion"
    assert formatting.money(-5e11, unit="trillion") == f"{MINUS}$0.50 trillion"


def test_money_rejects_an_unknown_unit() -> None:
    with pytest.raises(ValueError, match="thousand"):
        formatting.money(1e9, unit="thousand")


@pytest.mark.parametrize(("ratio_", "digits", "text"), [
    (0.0657, 1, "6.6%"),
    (0.1700853611925086, 1, "17.0%"),
    (-0.05, 1, f"{MINUS}5.0%"),
    (-0.0004, 1, "0.0%"),  # rounds to zero: no minus sign on a zero
    (0.12345, 2, "12.35%"),
])
def test_percent(ratio_: float, digits: int, text: str) -> None:
    assert formatting.percent(ratio_, digits) == text


def test_signed_puts_plus_or_minus_from_the_value() -> None:
    assert formatting.signed("$133.5 billion", 133.5e9) == "+$133.5 billion"
    assert formatting.signed(f"{MINUS}$7.1 billion", -7.1e9) == f"{MINUS}$7.1 billion"
    assert formatting.signed("$7.1 billion", -7.1e9) == f"{MINUS}$7.1 billion"
    assert formatting.signed("$0", 0) == "$0"


@pytest.mark.parametrize(("key", "text"), [
    ("2024", "2024"), ("2024-12", "December 2024"), ("2020-01", "January 2020"),
])
def test_period_names_months(key: str, text: str) -> None:
    assert formatting.period(key) == text


def test_number_groups_thousands_with_a_true_minus() -> None:
    assert formatting.number(-1234.5, 1) == f"{MINUS}1,234.5"
    assert formatting.number(1234.5) == "1,235"  # half up, as the agencies round


# -- series -------------------------------------------------------------------------------

def test_annual_sums_complete_years_only() -> None:
    values = months(2023, [1.0] * 12) | months(2024, [2.0] * 6)
    annual = series(values).annual()
    assert list(annual.values.index) == ["2023"]
    assert annual.values["2023"] == 12.0
    assert annual.kind == "usd"
    assert annual.sources == (DEMO,)


def test_annual_leaves_out_a_year_with_a_missing_month() -> None:
    values = months(2023, [1.0] * 12) | months(2024, [1.0] * 12)
    values["2024-07"] = math.nan
    assert list(series(values).annual().values.index) == ["2023"]


def test_annual_of_annual_data_is_itself() -> None:
    s = series({"2022": 5.0, "2023": 6.0})
    assert s.annual().values.to_dict() == {"2022": 5.0, "2023": 6.0}


def test_year_total_of_monthly_data() -> None:
    s = series(months(2024, [float(m) for m in range(1, 13)]))
    fig = s.year(2024)
    assert fig.value == 78.0
    assert fig.period == "2024"
    assert fig.kind == "usd"
    assert fig.sources == (DEMO,)


def test_year_total_needs_twelve_months() -> None:
    s = series(months(2024, [1.0] * 12) | months(2025, [1.0] * 6))
    with pytest.raises(SiteError) as info:
        s.year(2025)
    assert "2025 has 6 months" in info.value.message
    assert "needs 12" in info.value.message
    assert ".at(" in info.value.hint


def test_year_of_annual_data_is_the_value() -> None:
    assert series({"2023": 784.9, "2024": 918.4}).year(2024).value == 918.4


def test_at_reads_one_period() -> None:
    s = series(months(2024, [float(m) for m in range(1, 13)]))
    fig = s.at("2024-03")
    assert (fig.value, fig.period) == (3.0, "2024-03")
    # A full date names its month.
    assert s.at("2024-12-01").value == 12.0


def test_at_a_period_outside_the_data_says_what_is_covered() -> None:
    s = series(months(2024, [1.0] * 12))
    with pytest.raises(SiteError) as info:
        s.at("2025-01")
    assert "no value for 2025-01" in info.value.message
    assert "2024-01 to 2024-12" in info.value.hint


def test_at_a_period_the_source_left_empty() -> None:
    s = series({"2023": 1.0, "2024": math.nan})
    with pytest.raises(SiteError, match="the source gives none"):
        s.at(2024)


def test_between_months_includes_both_ends() -> None:
    s = series(months(2023, [1.0] * 12) | months(2024, [2.0] * 12))
    part = s.between("2023-11", "2024-02")
    assert list(part.values.index) == ["2023-11", "2023-12", "2024-01", "2024-02"]
    assert list(s.between(start="2024-11").values.index) == ["2024-11", "2024-12"]
    assert list(s.between(end="2023-02").values.index) == ["2023-01", "2023-02"]


def test_between_years_of_a_monthly_series_includes_the_end_year() -> None:
    """``between(2023, 2023)``: every month of 2023, as "both included" promises."""
    s = series(months(2022, [1.0] * 12) | months(2023, [2.0] * 12) | months(2024, [3.0] * 12))
    assert list(s.between(2023, 2023).values.index) == list(months(2023, [0.0] * 12))
    assert len(s.between(end=2023).values) == 24


def test_average_of_the_last_three_periods() -> None:
    s = series(months(2024, [float(m) for m in range(1, 13)]))
    fig = s.average("2024-12")
    assert fig.value == pytest.approx(11.0)
    assert fig.period == "2024-12"
    assert s.average("2024-06", months=6).value == pytest.approx(3.5)


def test_average_needs_enough_periods_ending_at_the_period() -> None:
    s = series(months(2024, [1.0] * 12))
    with pytest.raises(SiteError, match="not 3 periods of data up to 2024-02"):
        s.average("2024-02")
    with pytest.raises(SiteError, match="up to 2025-01"):
        s.average("2025-01")


def test_series_difference_aligns_periods_and_keeps_both_sources() -> None:
    imports = series({"2023": 10.0, "2024": 12.0, "2025": 13.0}, what="imports")
    exports = series({"2022": 1.0, "2023": 4.0, "2024": 5.0}, source=OTHER, what="exports")
    balance = imports - exports
    assert balance.values.to_dict() == {"2023": 6.0, "2024": 7.0}
    assert balance.sources == (DEMO, OTHER)
    assert (-balance).values.to_dict() == {"2023": -6.0, "2024": -7.0}


def test_series_of_different_units_cannot_be_combined() -> None:
    with pytest.raises(SiteError, match="different units"):
        _ = series({"2024": 1.0}) + series({"2024": 0.1}, kind="ratio")


# -- figures ------------------------------------------------------------------------------

def test_figure_arithmetic_keeps_kind_period_and_sources() -> None:
    total = usd(918.4e9) - usd(885.471e9, source=OTHER)
    assert total.value == pytest.approx(32.929e9)
    assert total.kind == "usd"
    assert total.period == "2024"
    assert total.sources == (DEMO, OTHER)
    assert (usd(1e9, "2023") + usd(2e9, "2024")).period is None
    assert (usd(4e9) * 0.5).value == 2e9
    assert (usd(4e9) / 2).value == 2e9
    assert (-usd(4e9)).value == -4e9
    assert abs(usd(-4e9)).value == 4e9


def test_figure_divided_by_figure_is_a_ratio() -> None:
    fig = usd(253.3e9) / usd(4110e9)
    assert fig.kind == "ratio"
    assert fig.value == pytest.approx(253.3 / 4110)


@pytest.mark.parametrize("op", ["+", "-", "/"])
def test_figures_of_different_units_cannot_be_combined(op: str) -> None:
    money, share_ = usd(1e9, what="exports"), ratio(0.1)
    with pytest.raises(SiteError) as info:
        _ = {"+": money.__add__, "-": money.__sub__, "/": money.__truediv__}[op](share_)
    assert "exports (usd)" in info.value.message
    assert "(ratio)" in info.value.message
    assert "same units" in info.value.hint


def test_figures_of_different_units_cannot_be_compared() -> None:
    with pytest.raises(SiteError, match="cannot compare"):
        _ = usd(1e9) < ratio(0.1)
    assert usd(1e9) < usd(2e9)
    assert usd(3e9) > usd(2e9)


def test_division_by_a_zero_figure_is_a_site_error() -> None:
    with pytest.raises(SiteError, match="division by zero"):
        _ = usd(1e9) / usd(0.0, what="nothing")


def test_change_and_pct_change() -> None:
    new, old = usd(918.4e9), usd(784.9e9, "2023")
    assert change(new, old).value == pytest.approx(133.5e9)
    growth = pct_change(new, old)
    assert growth.kind == "ratio"
    assert growth.value == pytest.approx(918.4 / 784.9 - 1)
    assert formatting.percent(growth.value) == "17.0%"
    # Two deficits as negative balances: the percent change is of their size.
    assert pct_change(usd(-900.0), usd(-800.0)).value == pytest.approx(0.125)


@pytest.mark.parametrize(("new", "old"), [(5e9, -5e9), (-5e9, 5e9), (5e9, 0.0)])
def test_pct_change_across_zero_is_refused(new: float, old: float) -> None:
    with pytest.raises(SiteError) as info:
        pct_change(usd(new, what="this year"), usd(old, what="last year"))
    assert "not meaningful" in info.value.message
    assert "opposite sign" in info.value.message
    assert "this year" in info.value.message and "last year" in info.value.message


def test_share_is_a_ratio() -> None:
    fig = share(usd(295.4e9), usd(1210e9))
    assert fig.kind == "ratio"
    assert fig.value == pytest.approx(295.4 / 1210)


# -- claims -------------------------------------------------------------------------------

def assert_refuted(info: pytest.ExceptionInfo[SiteError], claim: str, *shown: str) -> None:
    """The error names the claim, the figures that contradict it and the data's vintage."""
    message = info.value.message
    assert f"do not support {claim!r}" in message
    for text in shown:
        assert text in message
    assert "vintage of May 2026" in message
    assert info.value.hint


DEFICITS = series({"2020": 650e9, "2021": 840e9, "2022": 950e9, "2023": 780e9,
                   "2024": 900e9, "2025": 990e9})


def test_record_supported() -> None:
    assert claims.record_claim(DEFICITS, 2025) == "a record"
    assert claims.record_claim(DEFICITS, 2020) == "a record"  # nothing earlier to beat


def test_record_contradicted_names_the_rival() -> None:
    with pytest.raises(SiteError) as info:
        claims.record_claim(DEFICITS, 2024)
    assert_refuted(info, "record", "2022", "$950.0 billion", "$900.0 billion")
    assert "larger" in info.value.message


def test_record_low() -> None:
    assert claims.record_claim(DEFICITS, 2020, largest=False) == "a record"
    lows = series({"2020": 650e9, "2021": 600e9, "2022": 620e9})
    assert claims.record_claim(lows, 2021, largest=False) == "a record"
    with pytest.raises(SiteError) as info:
        claims.record_claim(lows, 2022, largest=False)
    assert_refuted(info, "record", "2021", "$600.0 billion", "smaller")


def test_record_tie_is_not_a_record() -> None:
    tie = series({"2023": 5e9, "2024": 5e9})
    with pytest.raises(SiteError, match="record"):
        claims.record_claim(tie, 2024)


def test_largest_since_computes_the_year() -> None:
    assert claims.largest_since(DEFICITS, 2024) == "the largest since 2022"
    assert claims.largest_since(DEFICITS, 2024, expect=2022) == "the largest since 2022"
    assert claims.largest_since(DEFICITS, 2025) == "the largest in data going back to 2020"


def test_largest_since_in_monthly_data_names_the_month() -> None:
    s = series(months(2024, [5, 9, 4, 3, 8, 2, 1, 1, 1, 1, 1, 1]))
    assert claims.largest_since(s, "2024-05") == "the largest since February 2024"


def test_largest_since_contradicted_says_what_is_true() -> None:
    with pytest.raises(SiteError) as info:
        claims.largest_since(DEFICITS, 2024, expect=2021)
    assert_refuted(info, "largest since 2021", "the largest since 2022")


def test_rose_and_fell_supported() -> None:
    assert claims.rose(usd(900e9), usd(780e9, "2023")) == "rose"
    assert claims.fell(usd(780e9, "2023"), usd(950e9, "2022")) == "fell"


def test_rose_contradicted() -> None:
    with pytest.raises(SiteError) as info:
        claims.rose(usd(780e9, "2023"), usd(950e9, "2022"))
    assert_refuted(info, "rose", "$950.0 billion became $780.0 billion")


def test_fell_contradicted_also_when_unchanged() -> None:
    with pytest.raises(SiteError) as info:
        claims.fell(usd(900e9), usd(780e9, "2023"))
    assert_refuted(info, "fell", "$780.0 billion became $900.0 billion")
    with pytest.raises(SiteError, match="'fell'"):
        claims.fell(usd(5e9), usd(5e9))


def test_direction_computes_the_word() -> None:
    assert claims.direction(usd(2e9), usd(1e9)) == "rose"
    assert claims.direction(usd(1e9), usd(2e9)) == "fell"
    assert claims.direction(usd(1e9), usd(1e9)) == "was unchanged"
    assert claims.direction(usd(2e9), usd(1e9), up="grew", down="shrank") == "grew"


def test_claims_refuse_figures_of_different_units() -> None:
    for claim in (claims.direction, claims.rose, claims.fell, claims.above, claims.below,
                  claims.trend, claims.widened, claims.narrowed):
        with pytest.raises(SiteError, match="different units"):
            claim(usd(2e9), ratio(0.1))


def test_trend_of_balances() -> None:
    assert claims.trend(usd(-900e9), usd(-780e9)) == "widened"
    assert claims.trend(usd(-700e9), usd(-780e9)) == "narrowed"
    assert claims.trend(usd(300e9), usd(250e9)) == "widened"  # a surplus grows too
    assert claims.trend(usd(-5e9), usd(-5e9)) == "was unchanged"


def test_trend_refuses_a_balance_that_changed_sign() -> None:
    with pytest.raises(SiteError) as info:
        claims.trend(usd(10e9, what="2024 balance"), usd(-5e9, what="2023 balance"))
    assert "opposite signs" in info.value.message
    assert "2024 balance" in info.value.message
    assert info.value.hint


def test_widened_supported_and_contradicted() -> None:
    assert claims.widened(usd(-918.4e9), usd(-784.9e9)) == "widened"
    with pytest.raises(SiteError) as info:
        claims.widened(usd(-885.5e9), usd(-918.4e9))
    assert_refuted(info, "widened", "narrowed", f"{MINUS}$918.4 billion",
                   f"{MINUS}$885.5 billion")


def test_narrowed_supported_and_contradicted() -> None:
    assert claims.narrowed(usd(885.5e9), usd(918.4e9)) == "narrowed"
    with pytest.raises(SiteError) as info:
        claims.narrowed(usd(918.4e9), usd(784.9e9))
    assert_refuted(info, "narrowed", "widened", "$784.9 billion", "$918.4 billion")


def test_above_and_below_supported() -> None:
    assert claims.above(usd(1210e9), usd(1180e9)) == "above"
    assert claims.below(usd(119.8e9), usd(253.3e9) * 0.5) == "below"


def test_above_contradicted() -> None:
    with pytest.raises(SiteError) as info:
        claims.above(usd(1180e9), usd(1210e9))
    assert_refuted(info, "above", "$1.18 trillion is not above $1.21 trillion")


def test_below_contradicted() -> None:
    with pytest.raises(SiteError) as info:
        claims.below(usd(130e9), usd(126.65e9))
    assert_refuted(info, "below", "$130.0 billion is not below $126.7 billion")


def test_claims_show_ratios_as_percentages() -> None:
    with pytest.raises(SiteError) as info:
        claims.rose(ratio(0.039), ratio(0.066))
    assert "6.6% became 3.9%" in info.value.message


RANKING = [("China", usd(295.4e9)), ("European Union", usd(235.6e9)),
           ("Mexico", usd(171.8e9))]


def test_leads_supported() -> None:
    assert claims.leads(RANKING, "China") == "China"


def test_leads_contradicted_names_the_leader() -> None:
    with pytest.raises(SiteError) as info:
        claims.leads(RANKING, "Mexico")
    assert_refuted(info, "Mexico first", "China leads with $295.4 billion")


def test_leads_of_an_empty_ranking() -> None:
    with pytest.raises(SiteError, match="empty"):
        claims.leads([], "China")
