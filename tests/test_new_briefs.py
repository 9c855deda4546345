"""The services-surplus and import-shift briefs: figures against the snapshot, read independently.

Every expected value is computed here with pandas straight from the snapshot's .csv.gz files,
not through site_builder, and compared with the exact `<data value>` and the text a reader sees.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from bs4 import BeautifulSoup, Tag
from conftest import REPO, table_path

SNAPSHOT = REPO / "content" / "data" / "snapshot"
LOCK = json.loads((REPO / "content" / "data" / "snapshot.lock.json").read_text("utf-8"))
DOLLARS_PER_UNIT = {"USD": 1.0, "USD millions": 1e6, "USD billions": 1e9}
MINUS = "\u2212"
SERVICES = Path("briefs") / "us-services-surplus"
SHIFT = Path("briefs") / "us-import-shift-since-2017"
WORLD_OLD, WORLD_NEW = "World Total", "World (all countries)"


# -- the snapshot, read with pandas alone ------------------------------------------------------

def table(name: str) -> pd.DataFrame:
    frame = pd.read_csv(table_path(name), dtype=str, keep_default_na=False)
    frame["value"] = pd.to_numeric(frame["value"].replace("", None))
    frame["value"] = frame["value"] * DOLLARS_PER_UNIT[LOCK["datasets"][name]["units"]]
    return frame


def year_total(frame: pd.DataFrame, year: int) -> float:
    months = frame[frame["period"].str.startswith(f"{year}-")]
    assert len(months) == 12, f"{year} is not complete"
    return float(months["value"].sum())


def bop(series_id: str, year: int) -> float:
    """A year of a balance-of-payments series as it stands now, as the services brief reads
    it: each month from the newest copy in the snapshot. BOPGSTB's newest copy is FRED's of
    August 2026 (trade_balance); the others' the FT-900 of January 2026 (exhibit 1, from 2024)
    over FRED's copy of February 2026 (bop_monthly)."""
    return year_total(bop_months(series_id), year)


def bop_months(series_id: str) -> pd.DataFrame:
    """Every month of a balance-of-payments series as it stands now (see :func:`bop`)."""
    if series_id == "BOPGSTB":
        return table("trade_balance")
    frame = table("bop_monthly")
    months = frame[frame["series_id"] == series_id].set_index("period")["value"]
    newer = table("ft900_exhibit1")
    newer = newer[(newer["release"] == "FT-900 January 2026") & (newer["frequency"] == "M")
                  & (newer["fred_equivalent"] == series_id)].set_index("period")["value"]
    return newer.combine_first(months).rename("value").rename_axis("period").reset_index()


def exhibit1(release: str, flow: str, year: int) -> float:
    frame = table("ft900_exhibit1")
    row = frame[(frame["release"] == release) & (frame["frequency"] == "A")
                & (frame["flow"] == flow) & (frame["component"] == "services")
                & (frame["period"] == str(year))]
    assert len(row) == 1
    return float(row["value"].iloc[0])


def partner_imports(dataset: str, partner: str) -> pd.DataFrame:
    frame = table(dataset)
    return frame[(frame["partner"] == partner) & (frame["flow"] == "imports")]


def imports(partner: str, year: int) -> float:
    """A year's imports from the source the brief uses for it: the 2022 report before 2020."""
    if year < 2020:
        return year_total(partner_imports("partner_goods_2010_2022", partner), year)
    return year_total(partner_imports("partner_goods", partner), year)


def import_share(partner: str, year: int) -> float:
    world = WORLD_OLD if year < 2020 else WORLD_NEW
    return imports(partner, year) / imports(world, year)


def money(dollars: float) -> str:
    sign = MINUS if dollars < 0 else ""
    size = abs(dollars)
    if size >= 1e12:
        return f"{sign}${size / 1e12:.2f} trillion"
    return f"{sign}${size / 1e9:,.1f} billion"


def percent(ratio: float) -> str:
    return f"{abs(ratio) * 100:.1f}%"


# -- the built pages -----------------------------------------------------------------------------

def soup_of(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


@pytest.fixture(scope="module")
def services(built_site: Path) -> BeautifulSoup:
    return soup_of(built_site / SERVICES / "index.html")


@pytest.fixture(scope="module")
def shift(built_site: Path) -> BeautifulSoup:
    return soup_of(built_site / SHIFT / "index.html")


def shown(root: Tag) -> list[tuple[float, str]]:
    """(exact value, text shown) of every formatted figure below ``root``."""
    out = []
    for link in root.select("a.figure"):
        data = link.find("data")
        assert isinstance(data, Tag)
        out.append((float(str(data["value"])), data.get_text()))
    return out


def assert_shown(root: Tag, expected: float, text: str) -> None:
    figures = shown(root)
    assert any(math.isclose(v, expected, rel_tol=1e-9) and t == text for v, t in figures), \
        f"{text} ({expected!r}) is not on the page"


def highlight(page: BeautifulSoup, label: str) -> tuple[float, str]:
    for item in page.select("aside.highlights dl > div"):
        term = item.find("dt")
        if isinstance(term, Tag) and term.get_text(strip=True) == label:
            [figure] = shown(item)
            return figure
    raise AssertionError(f"no highlight {label!r}")


def text_of(tag: Tag) -> str:
    """The prose as read, without the "(since revised to …)" notes after older figures."""
    tag = BeautifulSoup(str(tag), "html.parser")
    for note in tag.select("span.revised"):
        note.decompose()
    return " ".join(tag.get_text(" ").split()).replace(" ,", ",").replace(" .", ".")


def paragraph_with(page: BeautifulSoup, words: str) -> Tag:
    for p in page.select("article p, main p"):
        if words in " ".join(p.get_text().split()):
            return p
    raise AssertionError(f"no paragraph says {words!r}")


def text_table(page: BeautifulSoup) -> dict[str, list[str]]:
    """The brief's own table (not a chart's data table), by the text of its first cell."""
    [table_tag] = [t for t in page.select("table") if t.find_parent("figure") is None]
    for note in table_tag.select("span.revised"):  # the figure as read, not its revision
        note.decompose()
    rows = [[td.get_text(strip=True) for td in tr.find_all("td")]
            for tr in table_tag.select("tbody tr")]
    return {cells[0]: cells for cells in rows}


def charts(page: BeautifulSoup) -> list[Tag]:
    return page.select("figure.chart")


def chart_ids(page: BeautifulSoup) -> list[str]:
    return [str(f["data-spec"]).removesuffix(".vl.json") for f in charts(page)]


def check_charts(page: BeautifulSoup) -> None:
    figures = charts(page)
    assert len(figures) >= 3
    for figure in figures:
        svg = figure.find("svg")
        assert isinstance(svg, Tag), figure["id"]
        assert svg["role"] == "img"
        title_id, desc_id = str(svg["aria-labelledby"]).split()
        title, desc = svg.find(id=title_id), svg.find(id=desc_id)
        assert isinstance(title, Tag) and title.name == "title"
        assert isinstance(desc, Tag) and desc.name == "desc"
        caption = figure.find("figcaption")
        assert isinstance(caption, Tag)
        assert title.get_text(strip=True) == caption.get_text(strip=True)
        assert desc.get_text(strip=True).startswith("From ")


def chart_csv(built_site: Path, brief: Path, ident: str) -> pd.DataFrame:
    return pd.read_csv(built_site / brief / f"{ident}.csv", dtype={"period": str})


# -- the services surplus --------------------------------------------------------------------------

SERVICES_FIGURES = [
    ("services surplus 2025", lambda: bop("BOPSTB", 2025)),
    ("services surplus 2024", lambda: bop("BOPSTB", 2024)),
    ("services surplus 2021", lambda: bop("BOPSTB", 2021)),
    ("services exports 2025", lambda: bop("BOPSEXP", 2025)),
    ("services imports 2025", lambda: bop("BOPSIMP", 2025)),
    ("services exports 2020", lambda: bop("BOPSEXP", 2020)),
    ("goods deficit 2025", lambda: -bop("BOPGTB", 2025)),
    ("goods and services deficit 2025", lambda: -bop("BOPGSTB", 2025)),
    ("2025 surplus revised in the January 2026 release",
     lambda: exhibit1("FT-900 January 2026", "balance", 2025)),
    ("2025 surplus in the December 2025 release",
     lambda: exhibit1("FT-900 December 2025", "balance", 2025)),
]


@pytest.mark.parametrize(("what", "compute"), SERVICES_FIGURES,
                         ids=[f[0] for f in SERVICES_FIGURES])
def test_services_figures_match_the_snapshot(services: BeautifulSoup, what: str,
                                             compute: Callable[[], float]) -> None:
    expected = compute()
    assert_shown(services, expected, money(expected))


def test_services_ratios_match_the_snapshot(services: BeautifulSoup) -> None:
    offset = bop("BOPSTB", 2025) / -bop("BOPGTB", 2025)
    assert_shown(services, offset, percent(offset))
    growth = bop("BOPSEXP", 2025) / bop("BOPSEXP", 2024) - 1
    assert_shown(services, growth, percent(growth))
    since_2020 = bop("BOPSIMP", 2025) / bop("BOPSIMP", 2020) - 1
    assert_shown(services, since_2020, percent(since_2020))


def test_services_highlights(services: BeautifulSoup) -> None:
    value, text = highlight(services, "Services surplus, 2025")
    assert math.isclose(value, bop("BOPSTB", 2025)) and text == money(value)
    value, text = highlight(services, "Share of the 2025 goods deficit offset by services")
    offset = bop("BOPSTB", 2025) / -bop("BOPGTB", 2025)
    assert math.isclose(value, offset) and text == percent(offset)


def test_services_offset_table(services: BeautifulSoup) -> None:
    rows = text_table(services)
    for year in range(2020, 2026):
        surplus, goods = bop("BOPSTB", year), -bop("BOPGTB", year)
        assert rows[str(year)] == [str(year), money(surplus), money(goods),
                                   percent(surplus / goods)]


def test_services_claims_hold_in_the_snapshot(services: BeautifulSoup) -> None:
    surplus = {y: bop("BOPSTB", y) for y in range(2020, 2026)}
    assert surplus[2021] < surplus[2020]
    assert all(surplus[y] > surplus[y - 1] for y in range(2022, 2026))
    assert max(surplus, key=surplus.__getitem__) == 2025
    opening = text_of(paragraph_with(services, "leaving a surplus of"))
    assert "the largest in data going back to 2020" in opening
    growth = percent(surplus[2025] / surplus[2024] - 1)
    assert f"widened by {growth} from {money(surplus[2024])} in 2024" in opening


def test_bea_2024_services_figures_equal_the_monthly_sums(services: BeautifulSoup) -> None:
    release = table("release_2024")
    for measure, series_id in (("exports_services", "BOPSEXP"), ("imports_services", "BOPSIMP")):
        row = release[(release["measure"] == measure) & (release["period"] == "2024")]
        published = float(row["value"].iloc[0])
        text = f"${published / 1e9:,.1f} billion"
        assert text == f"${bop(series_id, 2024) / 1e9:,.1f} billion"
        assert sum(1 for v, t in shown(services) if t == text) == 2, text


def test_services_brief_says_types_are_not_in_the_data(services: BeautifulSoup) -> None:
    p = paragraph_with(services, "do not yet break services down by type")
    assert text_of(p).startswith(
        "Our data do not yet break services down by type: travel, business services and "
        "financial services are not in the snapshot behind this brief, so we give no figure "
        "for any of them.")
    assert not p.select("a.figure")
    for para in services.select("article p, main p"):
        words = para.get_text().lower()
        if "travel" in words or "financial services" in words:
            assert not para.select("a.figure"), "a figure stands next to a service type"


def test_services_charts(services: BeautifulSoup, built_site: Path) -> None:
    check_charts(services)
    assert {"services-exports-imports", "services-balance-monthly",
            "services-vs-goods"} <= set(chart_ids(services))
    rows = chart_csv(built_site, SERVICES, "services-balance-monthly")
    monthly = bop_months("BOPSTB").sort_values("period")
    assert list(rows["period"]) == list(monthly["period"])
    assert rows["value"].to_numpy() == pytest.approx(monthly["value"].to_numpy() / 1e9)
    annual = chart_csv(built_site, SERVICES, "services-exports-imports")
    exports = annual[annual["series_id"] == "Exports of services"].set_index("period")["value"]
    assert exports["2025"] == pytest.approx(bop("BOPSEXP", 2025) / 1e9)


# -- the import shift ------------------------------------------------------------------------------

def test_shift_shares_match_the_snapshot(shift: BeautifulSoup) -> None:
    china_25 = import_share("China", 2025)
    assert percent(china_25) == "9.0%"
    assert_shown(shift, china_25, "9.0%")
    assert percent(import_share("China", 2017)) == "21.6%"
    for partner in ("China", "Mexico", "Vietnam", "Canada"):
        for year in (2017, 2020, 2025):
            share = import_share(partner, year)
            assert_shown(shift, share, percent(share))
    value, text = highlight(shift, "China's share of US goods imports, 2025")
    assert math.isclose(value, china_25) and text == "9.0%"
    value, text = highlight(shift, "Mexico's share of US goods imports, 2025")
    assert math.isclose(value, import_share("Mexico", 2025)) and text == "15.7%"


def test_shift_table_names_each_years_source_and_shares(shift: BeautifulSoup) -> None:
    rows = text_table(shift)
    assert sorted(rows) == [str(y) for y in range(2017, 2026)]
    for year in range(2017, 2026):
        source = "USA Trade Online, April 2022" if year < 2020 else "FRED, December 2025"
        larger = "Mexico" if imports("Mexico", year) > imports("China", year) else "China"
        expected = [str(year), source] + [percent(import_share(p, year))
                                          for p in ("China", "Mexico", "Canada", "Vietnam")]
        assert rows[str(year)] == [*expected, larger]


def test_shift_claims_hold_in_the_snapshot(shift: BeautifulSoup) -> None:
    assert import_share("China", 2025) < import_share("China", 2017)
    assert import_share("Mexico", 2025) > import_share("Mexico", 2017)
    assert import_share("Vietnam", 2025) > import_share("Vietnam", 2017)
    ranked = sorted(("China", "Mexico", "Canada", "Vietnam"),
                    key=lambda p: imports(p, 2025), reverse=True)
    assert ranked == ["Mexico", "Canada", "China", "Vietnam"]
    lead = text_of(paragraph_with(shift, "was the largest source of US goods imports"))
    assert lead.startswith(f"Mexico was the largest source of US goods imports among the four "
                           f"in 2025, at {money(imports('Mexico', 2025))}.")
    assert f"Canada came next with {money(imports('Canada', 2025))}" in lead
    # Month by month: Mexico ahead of China in every month from October 2023.
    mexico = partner_imports("partner_goods", "Mexico").set_index("period")["value"]
    china = partner_imports("partner_goods", "China").set_index("period")["value"]
    ahead = mexico > china
    assert ahead[ahead.index >= "2023-10"].all()
    assert not ahead["2023-09"]
    assert not ahead[(ahead.index >= "2020-04") & (ahead.index <= "2023-01")].any()
    monthly = text_of(paragraph_with(shift, "Monthly figures show when the paths crossed"))
    assert ("in the data as they stood after the December 2025 release, stayed ahead in every "
            "month from October 2023") in monthly
    # Census's 2026 revision of Mexico (imports_mexico) puts January 2025 behind China.
    revised = table("imports_mexico").set_index("period")["value"]
    china_now = table("imports_china").set_index("period")["value"]
    assert revised["2025-01"] < china_now["2025-01"]
    assert (f"imports from Mexico in January 2025 at {money(revised['2025-01'])}, below the "
            f"{money(china_now['2025-01'])} from China") in monthly


def test_shift_dollar_figures(shift: BeautifulSoup) -> None:
    assert_shown(shift, imports("Mexico", 2025), "$534.9 billion")
    assert_shown(shift, imports("Vietnam", 2017), money(imports("Vietnam", 2017)))
    long_run = table("imports_china")
    for year, text in ((2018, "$538.5 billion"), (2009, "$296.4 billion"),
                       (2025, "$308.4 billion")):
        assert_shown(shift, year_total(long_run, year), text)
    revised_mexico = year_total(table("imports_mexico"), 2025)
    assert_shown(shift, revised_mexico, money(revised_mexico))
    assert money(revised_mexico) != money(imports("Mexico", 2025))


def test_china_long_series_agrees_with_partner_data_from_2020() -> None:
    """The methodology says so; check it rather than take it on trust."""
    long_run = table("imports_china").set_index("period")["value"]
    partner = partner_imports("partner_goods", "China").set_index("period")["value"]
    assert (long_run[partner.index] == partner).all()


def test_shift_charts_mark_the_change_of_source(shift: BeautifulSoup, built_site: Path) -> None:
    check_charts(shift)
    assert {"imports-by-partner", "china-mexico-monthly", "vietnam-imports"} \
        <= set(chart_ids(shift))
    rows = chart_csv(built_site, SHIFT, "imports-by-partner")
    assert set(rows["period"]) == {str(y) for y in range(2017, 2026)}
    by_source = rows.groupby("source")["period"].agg(lambda p: (min(p), max(p)))
    assert sorted(by_source.tolist()) == [("2017", "2019"), ("2020", "2025")]
    assert not rows.duplicated(["period", "partner"]).any()  # no year in two sources
    for _, row in rows.iterrows():
        assert row["value"] == pytest.approx(imports(row["partner"], int(row["period"])) / 1e9,
                                             abs=1e-6)
    figure = shift.select_one("figure#chart-imports-by-partner")
    assert figure is not None
    source_line = " ".join(figure.get_text().split())
    assert "2017 to 2019 from the Census Bureau's USA Trade Online report of April 2022" \
        in source_line
    assert "2020 to 2025 from FRED, FT-900 December 2025 vintage" in source_line


def test_shift_methodology_states_the_switch(shift: BeautifulSoup) -> None:
    text = text_of(paragraph_with(shift, "No one vintage in our data covers"))
    assert "so we switch at 2020 to the newer data" in text
    assert "generated in April 2022" in text


def test_cards_show_both_headlines(built_site: Path) -> None:
    """On the archive of their year, which lists them whatever else ships."""
    index = soup_of(built_site / "archive" / "2026" / "index.html")
    expected = {SERVICES: (bop("BOPSTB", 2025), money(bop("BOPSTB", 2025))),
                SHIFT: (imports("China", 2025), money(imports("China", 2025)))}
    for brief, (value, text) in expected.items():
        links = [a for a in index.select("p.headline-figure a.figure")
                 if str(a["href"]).startswith(f"/{brief.as_posix()}/#source-")]
        assert len(links) == 1, brief
        data = links[0].find("data")
        assert isinstance(data, Tag)
        assert math.isclose(float(str(data["value"])), value) and data.get_text() == text
