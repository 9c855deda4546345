"""Whole-site builds: the flagship brief's figures and charts, and what a failed build leaves."""

from __future__ import annotations

import calendar
import gzip
import json
import math
import os
import shutil
import stat
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from bs4 import BeautifulSoup, Tag
from conftest import REPO, TinyProject, table_path

from site_builder.build import search
from site_builder.build.pipeline import build
from site_builder.cli import main
from site_builder.errors import BuildFailed
from site_builder.evaluate.charts import VL_CONVERT_VERSION
from site_builder.project import USER_CACHE_VARIABLE, Project
from site_builder.report import SilentReporter

FolderBytes = Callable[[Path], dict[str, bytes]]

FLAGSHIP = Path("briefs") / "us-trade-deficit-2024"
SNAPSHOT = REPO / "content" / "data" / "snapshot"
LOCK = json.loads((REPO / "content" / "data" / "snapshot.lock.json").read_text("utf-8"))
DOLLARS_PER_UNIT = {"USD": 1.0, "USD millions": 1e6, "USD billions": 1e9}
MINUS = "\u2212"


# -- independent reading of the snapshot ----------------------------------------------------

def table(name: str) -> pd.DataFrame:
    """A snapshot table read with pandas alone, values in dollars."""
    frame = pd.read_csv(table_path(name), dtype=str, keep_default_na=False)
    frame["value"] = pd.to_numeric(frame["value"].replace("", None))
    frame["value"] = frame["value"] * DOLLARS_PER_UNIT[LOCK["datasets"][name]["units"]]
    return frame


def year_total(frame: pd.DataFrame, year: str) -> float:
    months = frame[frame["period"].str.startswith(f"{year}-")]
    assert len(months) == 12, f"{year} is not complete"
    return float(months["value"].sum())


def first_published(measure: str) -> float:
    frame = table("release_2024")
    row = frame[(frame["period"] == "2024") & (frame["measure"] == measure)]
    assert len(row) == 1
    return float(row["value"].iloc[0])


def revised_deficit(name: str) -> float:
    return -year_total(table(name), "2024")


def services_exports_2024() -> float:
    frame = table("bop_monthly")
    return year_total(frame[frame["series_id"] == "BOPSEXP"], "2024")


def china_deficit_2024() -> float:
    frame = table("partner_goods")
    china = frame[frame["partner"] == "China"]
    imports = year_total(china[china["flow"] == "imports"], "2024")
    exports = year_total(china[china["flow"] == "exports"], "2024")
    return imports - exports


def in_words(dollars: float) -> str:
    """How a reader expects an amount written: two decimals in trillions, one in billions."""
    sign = MINUS if dollars < 0 else ""
    size = abs(dollars)
    if size >= 1e12:
        return f"{sign}${size / 1e12:.2f} trillion"
    return f"{sign}${size / 1e9:,.1f} billion"


def period_in_words(key: str) -> str:
    if len(key) == 7:
        return f"{calendar.month_name[int(key[5:])]} {key[:4]}"
    return key


# -- reading the built page -----------------------------------------------------------------

def soup_of(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


@pytest.fixture(scope="module")
def flagship(built_site: Path) -> BeautifulSoup:
    return soup_of(built_site / FLAGSHIP / "index.html")


def shown_figures(root: Tag) -> list[tuple[float, str]]:
    """Every formatted figure below ``root``: (the exact value, the text a reader sees)."""
    out = []
    for link in root.select("a.figure"):
        data = link.find("data")
        assert isinstance(data, Tag)
        out.append((float(str(data["value"])), data.get_text()))
    return out


def highlights(page: BeautifulSoup) -> dict[str, tuple[float, str]]:
    out = {}
    for item in page.select("aside.highlights dl > div"):
        figures = shown_figures(item)
        assert len(figures) == 1
        out[item.dt.get_text(strip=True)] = figures[0]
    return out


def same_amount(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9)


# -- (a) the flagship's figures ---------------------------------------------------------------

FLAGSHIP_FIGURES = [
    # (what, computed from the snapshot, text the brief states, highlight label or None)
    ("goods deficit 2024, first published", lambda: first_published("goods_deficit"),
     "$1.21 trillion", "Goods deficit, 2024, first published"),
    ("goods and services deficit 2024, first published",
     lambda: first_published("goods_and_services_deficit"),
     "$918.4 billion", "Goods and services deficit, 2024, first published"),
    ("2024 deficit after the June 2025 revision", lambda: revised_deficit("trade_balance_2026_05"),
     "$903.5 billion", None),
    ("2024 deficit after the June 2026 revision", lambda: revised_deficit("trade_balance"),
     "$885.5 billion", "The same deficit after the June 2026 revision"),
    ("services exports 2024", services_exports_2024, None, None),
    ("goods deficit with China 2024", china_deficit_2024, None, None),
]


@pytest.mark.parametrize(("what", "compute", "stated", "label"), FLAGSHIP_FIGURES,
                         ids=[f[0] for f in FLAGSHIP_FIGURES])
def test_flagship_figure_matches_the_snapshot(
        flagship: BeautifulSoup, what: str, compute: Callable[[], float], stated: str | None,
        label: str | None) -> None:
    expected = compute()
    text = in_words(expected)
    if stated is not None:
        assert text == stated, f"the snapshot gives {text} for the {what}"
    shown = shown_figures(flagship)
    assert any(same_amount(value, expected) and shown_text == text
               for value, shown_text in shown), f"{what}: {text} ({expected!r}) not on the page"
    # The machine-readable value is the exact amount in dollars, not the rounded text.
    assert not any(same_amount(value, expected) and shown_text != text
                   for value, shown_text in shown)
    if label is not None:
        value, shown_text = highlights(flagship)[label]
        assert same_amount(value, expected)
        assert shown_text == text


def test_flagship_exact_data_values(flagship: BeautifulSoup) -> None:
    values = {str(link.find("data")["value"])
              for link in flagship.select("a.figure")}
    assert "1210000000000.0" in values
    assert "918400000000.0" in values
    assert repr(revised_deficit("trade_balance_2026_05")) in values
    assert repr(revised_deficit("trade_balance")) in values


def test_card_headline_links_into_the_brief(built_site: Path) -> None:
    """The flagship's card on the archive of its year, which lists every brief of the year
    whatever else ships (the index keeps only the newest)."""
    index = soup_of(built_site / "archive" / "2026" / "index.html")
    card = next(c for c in index.select("article.lead, li.card")
                if c.select_one(f':is(h2, h3) a[href="/{FLAGSHIP.as_posix()}/"]'))
    headline = card.select_one("p.headline-figure")
    assert headline is not None
    [(value, text)] = shown_figures(headline)
    assert same_amount(value, first_published("goods_deficit"))
    assert text == "$1.21 trillion"
    link = headline.select_one("a.figure")
    assert link is not None
    href = str(link["href"])
    assert href.startswith("/briefs/us-trade-deficit-2024/#source-")
    brief = soup_of(built_site / FLAGSHIP / "index.html")
    assert brief.find(id=href.split("#", 1)[1]) is not None


# -- (b) charts are accessible ----------------------------------------------------------------

def charts(page: BeautifulSoup) -> list[Tag]:
    return page.select("figure.chart")


def chart_id(figure: Tag) -> str:
    spec = str(figure["data-spec"])
    assert spec.endswith(".vl.json")
    return spec.removesuffix(".vl.json")


def test_flagship_has_its_charts(flagship: BeautifulSoup) -> None:
    ids = [chart_id(f) for f in charts(flagship)]
    assert len(ids) >= 4
    assert len(set(ids)) == len(ids)
    assert all(f["id"] == f"chart-{chart_id(f)}" for f in charts(flagship))


def test_every_chart_is_an_image_with_title_and_description(flagship: BeautifulSoup) -> None:
    for figure in charts(flagship):
        svg = figure.find("svg")
        assert isinstance(svg, Tag), figure["id"]
        assert svg["role"] == "img"
        title_id, desc_id = str(svg["aria-labelledby"]).split()
        title = svg.find(id=title_id)
        desc = svg.find(id=desc_id)
        assert isinstance(title, Tag) and title.name == "title"
        assert isinstance(desc, Tag) and desc.name == "desc"
        assert title.get_text(strip=True)
        assert title.get_text(strip=True) == figure.figcaption.get_text(strip=True)
        assert desc.get_text(strip=True)
        # Each id is used once on the page, so the labels cannot point elsewhere.
        assert len(flagship.find_all(id=title_id)) == 1
        assert len(flagship.find_all(id=desc_id)) == 1


def test_chart_descriptions_state_range_or_extremes(
        flagship: BeautifulSoup, built_site: Path) -> None:
    for figure in charts(flagship):
        ident = chart_id(figure)
        desc = figure.find("desc").get_text()
        rows = pd.read_csv(built_site / FLAGSHIP / f"{ident}.csv", dtype=str)
        rows["value"] = rows["value"].astype(float)
        if "period" in rows.columns:
            first, last = rows["period"].min(), rows["period"].max()
            assert f"From {period_in_words(first)} to {period_in_words(last)}." in desc, ident
        else:
            label = rows.columns[0]
            top = rows.loc[rows["value"].idxmax(), label]
            low = rows.loc[rows["value"].idxmin(), label]
            # A figure published in whole billions is described in whole billions.
            for word, value, name in (("highest", rows["value"].max(), top),
                                      ("lowest", rows["value"].min(), low)):
                text = in_words(value * 1e9)
                assert any(f"{word} {t} ({name})" in desc
                           for t in (text, text.replace(".0 billion", " billion"))), ident


# -- (c) a chart's CSV is what it plots ---------------------------------------------------------

def cell_number(text: str) -> float:
    return float(text.replace(MINUS, "-").replace(",", ""))


def test_chart_csv_equals_spec_data_and_table(flagship: BeautifulSoup, built_site: Path) -> None:
    folder = built_site / FLAGSHIP
    for figure in charts(flagship):
        ident = chart_id(figure)
        csv = pd.read_csv(folder / f"{ident}.csv", dtype=str, keep_default_na=False)
        spec = json.loads((folder / f"{ident}.vl.json").read_text("utf-8"))
        plotted = spec["data"]["values"]
        download = figure.select_one("p.chart-download a")
        assert download is not None and download["href"] == f"{ident}.csv"

        assert "value" in csv.columns
        assert len(plotted) == len(csv) > 0, ident
        for record, (_, row) in zip(plotted, csv.iterrows(), strict=True):
            assert list(record) == list(csv.columns), ident
            for column in csv.columns:
                if column == "value":
                    assert record[column] == pytest.approx(float(row[column]), abs=1e-9)
                else:
                    assert str(record[column]) == row[column], ident

        headers = figure.select("details.chart-data thead th")
        assert len(headers) == len(csv.columns)
        body = figure.select("details.chart-data tbody tr")
        assert len(body) == len(csv), ident
        value_at = list(csv.columns).index("value")
        for tr, (_, row) in zip(body, csv.iterrows(), strict=True):
            cells = [td.get_text() for td in tr.find_all("td")]
            assert len(cells) == len(csv.columns)
            for n, column in enumerate(csv.columns):
                if n == value_at:
                    assert cell_number(cells[n]) == pytest.approx(float(row[column]), abs=1e-6)
                else:
                    assert cells[n] == row[column], ident


def test_flagship_chart_files_sit_beside_the_page(flagship: BeautifulSoup,
                                                  built_site: Path) -> None:
    files = {p.name for p in (built_site / FLAGSHIP).iterdir()}
    expected = {"index.html", "card.png", "charts"}  # charts/ID/: each chart's own page
    for figure in charts(flagship):
        name = chart_id(figure)
        expected |= {f"{name}.csv", f"{name}.vl.json", f"{name}.svg", f"{name}.metadata.json"}
        share = figure.select_one(".chart-download a:not([download])")
        assert share is not None and share["href"] == f"/{FLAGSHIP.as_posix()}/charts/{name}/"
        assert (built_site / FLAGSHIP / "charts" / name / "index.html").is_file()
        downloads = {a["href"] for a in figure.select(".chart-download a[download]")}
        assert downloads == {f"{name}.csv", f"{name}.svg"}
        # the PNG is drawn by the reader's browser: a button the script reveals, no file
        png = figure.select_one(".chart-download .chart-png[hidden] button")
        assert png is not None and png["data-file"] == f"{name}.png"
    assert files == expected


# -- (d) sources ------------------------------------------------------------------------------

def test_every_figure_links_to_a_listed_source(flagship: BeautifulSoup) -> None:
    links = flagship.select("a.figure")
    assert len(links) > 20
    listed = {li["id"] for li in flagship.select("section.sources ol > li")}
    for link in links:
        href = str(link["href"])
        assert href.startswith("#source-")
        assert flagship.find(id=href[1:]) is not None, href
        assert href[1:] in listed
        assert link.get("title")


def test_sources_list_vintages_and_data_as_of(flagship: BeautifulSoup) -> None:
    items = flagship.select("section.sources ol > li")
    assert items
    assert [li["id"] for li in items] == [f"source-{n}" for n in range(1, len(items) + 1)]
    for li in items:
        text = " ".join(li.get_text().split())
        assert "Vintage: " in text
        assert li.find("a", href=True) is not None
    texts = " ".join(li.get_text() for li in items)
    assert "after the June 2026 annual revision" in texts
    as_of = flagship.select_one("section.sources p.data-as-of")
    assert as_of is not None
    text = " ".join(as_of.get_text().split())
    assert text.startswith("Data as of:")
    for name in ("trade_balance", "trade_balance_2026_05", "bop_monthly", "partner_goods"):
        periods = table(name)["period"]
        assert f"{periods.min()} to {periods.max()}" in text, name
        assert f"retrieved {LOCK['datasets'][name]['retrieved']}" in text, name


# -- tiny projects ----------------------------------------------------------------------------

def balance(year: str) -> float:
    return year_total(table("trade_balance"), year)


# The word the data support for the 2024 balance against 2023, and the one they contradict.
TRUE_WORD, FALSE_WORD = ("rose", "fell") if balance("2024") > balance("2023") else ("fell", "rose")

GOOD = f"""\
---
title: The 2024 deficit
date: 2025-02-05
summary: How the deficit changed in 2024.
---
{{% set balance = series("trade_balance") %}}
The balance {{{{ {TRUE_WORD}(balance.year(2024), balance.year(2023)) }}}}
to {{{{ usd(balance.year(2024)) }}}} in 2024.
"""

CHART = """
```chart
id: recent-balance
title: US trade balance since 2023
data: trade_balance
since: 2023-01
mark: bar
encoding:
  x: {field: period, type: ordinal, title: null}
  y: {field: value, type: quantitative, title: Billions of dollars}
```
"""


def line_of(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), start=1) if needle in line)


def leftovers(tiny: TinyProject) -> list[str]:
    """Staging folders, and search scratch folders, a build left beside the output."""
    return sorted(p.name for p in tiny.root.iterdir()
                  if p.name.startswith((".output", search.NEAR)))


@pytest.fixture
def built_tiny(tiny: TinyProject, folder_bytes: FolderBytes) -> tuple[TinyProject,
                                                                      dict[str, bytes]]:
    """A tiny project built once from a good brief with a chart, and its output's bytes."""
    tiny.brief("deficit", GOOD + CHART)
    tiny.build()
    before = folder_bytes(tiny.output)
    assert "briefs/deficit/index.html" in before
    return tiny, before


def test_good_brief_states_the_supported_word(built_tiny: tuple[TinyProject, dict]) -> None:
    tiny, _ = built_tiny
    page = soup_of(tiny.output / "briefs" / "deficit" / "index.html")
    assert f"The balance {TRUE_WORD}" in " ".join(page.get_text().split())
    assert (tiny.output / "briefs" / "deficit" / "recent-balance.csv").exists()


# -- (e) a failed build leaves the output as it was --------------------------------------------

def test_contradicted_claim_fails_and_leaves_output(
        built_tiny: tuple[TinyProject, dict], folder_bytes: FolderBytes) -> None:
    tiny, before = built_tiny
    text = (GOOD + CHART).replace(f"{TRUE_WORD}(balance", f"{FALSE_WORD}(balance")
    path = tiny.brief("deficit", text)
    with pytest.raises(BuildFailed) as info:
        tiny.build()
    [error] = info.value.errors
    assert error.path == path
    assert error.line == line_of(text, f"{FALSE_WORD}(balance") == 7
    assert f"do not support {FALSE_WORD!r}" in error.message
    assert in_words(balance("2023")) in error.message
    assert in_words(balance("2024")) in error.message
    assert f"{path}:{error.line}:" in str(info.value)
    assert folder_bytes(tiny.output) == before
    assert leftovers(tiny) == []


def test_bad_front_matter_fails_and_leaves_output(
        built_tiny: tuple[TinyProject, dict], folder_bytes: FolderBytes) -> None:
    tiny, before = built_tiny
    text = (GOOD + CHART).replace("date: 2025-02-05", "date: Feb 5")
    path = tiny.brief("deficit", text)
    with pytest.raises(BuildFailed) as info:
        tiny.build()
    [error] = info.value.errors
    assert (error.path, error.line) == (path, 3)
    assert "not a date" in error.message
    assert folder_bytes(tiny.output) == before
    assert leftovers(tiny) == []


def change_one_value(raw: bytes) -> bytes:
    text = gzip.decompress(raw).decode()
    header, first, rest = text.split("\n", 2)
    period, value = first.split(",")
    return gzip.compress(f"{header}\n{period},{float(value) + 1}\n{rest}".encode(), mtime=0)


@pytest.mark.parametrize(("corrupt", "complaint"), [
    (change_one_value, "does not match its checksum"),
    (lambda raw: raw[: len(raw) // 2], "cannot read its table"),
], ids=["edited", "truncated"])
def test_corrupt_table_fails_naming_the_file_and_leaves_output(
        built_tiny: tuple[TinyProject, dict], folder_bytes: FolderBytes,
        corrupt: Callable[[bytes], bytes], complaint: str) -> None:
    tiny, before = built_tiny
    table_file = table_path("trade_balance", tiny.root / "content" / "data")
    table_file.write_bytes(corrupt(table_file.read_bytes()))
    with pytest.raises(BuildFailed) as info:
        tiny.build()
    assert folder_bytes(tiny.output) == before
    assert leftovers(tiny) == []
    errors = info.value.errors
    assert errors
    for error in errors:
        assert complaint in error.message
        assert "trade_balance" in error.message
        assert error.hint
        # The reader must learn which file on disk to restore.
        assert table_file.name in str(error)


# -- (e2) many pages are built on every core, with the same result ----------------------------

# Two worker processes however few pages there are, as a large site has.
SHARED = 2


def test_pages_built_on_every_core_match_one_process(
        tiny: TinyProject, folder_bytes: FolderBytes) -> None:
    for n in range(4):
        tiny.brief(f"deficit-{n}", GOOD.replace("The 2024 deficit", f"The 2024 deficit, {n}")
                   + (CHART if n == 0 else ""))
    tiny.brief("hidden", GOOD.replace("summary:", "draft: true\nsummary:"))
    alone = build(tiny.project, SilentReporter(), tiny.root / "alone", workers=1)
    shared = build(tiny.project, SilentReporter(), tiny.root / "shared", workers=SHARED)
    assert (alone.rebuilt, shared.rebuilt, shared.pages) == (4, 4, 4)
    assert folder_bytes(tiny.root / "shared") == folder_bytes(tiny.root / "alone")
    assert not (tiny.root / "shared" / "briefs" / "hidden").exists()


# -- (f) every broken brief is reported at once ---------------------------------------------------

@pytest.fixture(params=[1, SHARED], ids=["one process", "every core"])
def workers(request: pytest.FixtureRequest) -> int:
    """Build pages in the build's process, or in worker processes as a large site does."""
    return int(request.param)


def test_all_errors_are_reported_together(tiny: TinyProject, workers: int) -> None:
    tiny.brief("a-good", GOOD)
    bad_date = tiny.brief("b-date", GOOD.replace("date: 2025-02-05", "date: 2025-02-30"))
    typo_text = GOOD + "\nAlso {{ usd(valu('trade_balance', '2024-12')) }}.\n"
    typo = tiny.brief("c-typo", typo_text)
    claim_text = GOOD.replace(f"{TRUE_WORD}(balance", f"{FALSE_WORD}(balance")
    claim = tiny.brief("d-claim", claim_text)
    no_matter = tiny.brief("e-none", "Just text.\n")
    with pytest.raises(BuildFailed) as info:
        build(tiny.project, SilentReporter(), tiny.output, workers=workers)
    found = {(e.path, e.line) for e in info.value.errors}
    assert found == {
        (bad_date, 3),
        (typo, line_of(typo_text, "valu(")),
        (claim, line_of(claim_text, f"{FALSE_WORD}(")),
        (no_matter, 1),
    }
    assert not tiny.output.exists()


# -- (g) drafts ----------------------------------------------------------------------------------

DRAFT = GOOD.replace("title: The 2024 deficit", "title: Work in progress").replace(
    "summary:", "draft: true\nsummary:")


def test_drafts_are_left_out_by_default(tiny: TinyProject) -> None:
    tiny.brief("deficit", GOOD)
    tiny.brief("unfinished", DRAFT)
    result = tiny.build()
    assert result.pages == 1
    assert (tiny.output / "briefs" / "deficit" / "index.html").exists()
    assert not (tiny.output / "briefs" / "unfinished").exists()
    index = (tiny.output / "index.html").read_text("utf-8")
    assert "Work in progress" not in index
    assert "/briefs/unfinished/" not in index


def test_drafts_are_built_when_asked(tiny: TinyProject) -> None:
    tiny.brief("deficit", GOOD)
    tiny.brief("unfinished", DRAFT)
    result = build(tiny.project, SilentReporter(), tiny.output, drafts=True)
    assert result.pages == 2
    assert (tiny.output / "briefs" / "unfinished" / "index.html").exists()
    assert "/briefs/unfinished/" in (tiny.output / "index.html").read_text("utf-8")


def test_cli_drafts_flag(tiny: TinyProject, capsys: pytest.CaptureFixture[str]) -> None:
    tiny.brief("unfinished", DRAFT)
    out = tiny.root / "site"
    assert main(["build", "--root", str(tiny.root), "--output", str(out), "-q"]) == 0
    assert not (out / "briefs" / "unfinished").exists()
    assert main(["build", "--root", str(tiny.root), "--output", str(out), "-q",
                 "--drafts"]) == 0
    assert (out / "briefs" / "unfinished" / "index.html").exists()


# -- (h) the command line -----------------------------------------------------------------------

def cli_build(tiny: TinyProject, *flags: str) -> int:
    return main(["build", "--root", str(tiny.root), "--output", str(tiny.output), *flags])


def test_cli_reports_file_line_and_hint_without_traceback(
        tiny: TinyProject, capsys: pytest.CaptureFixture[str]) -> None:
    text = GOOD.replace("date: 2025-02-05", "date: Feb 5")
    path = tiny.brief("deficit", text)
    assert cli_build(tiny) == 1
    out, err = capsys.readouterr()
    assert f"error: {path}:3: date: 'Feb 5' is not a date" in err
    assert "YYYY-MM-DD" in err
    assert "Build failed with 1 error(s)" in err
    assert "Traceback" not in err + out
    assert not tiny.output.exists()


def test_cli_shows_paths_relative_to_the_working_folder(
        tiny: TinyProject, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    text = GOOD + "\n{{ usd(valu(1)) }}\n"
    tiny.brief("deficit", text)
    monkeypatch.chdir(tiny.root)
    assert cli_build(tiny) == 1
    err = capsys.readouterr().err
    expected = Path("content", "briefs", "deficit.md")
    assert f"error: {expected}:{line_of(text, 'valu(')}: unknown name" in err
    assert "Check the spelling" in err


def test_cli_debug_shows_the_traceback(tiny: TinyProject,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    text = GOOD + "\n{{ usd(valu(1)) }}\n"
    path = tiny.brief("deficit", text)
    assert cli_build(tiny, "--debug") == 1
    err = capsys.readouterr().err
    assert f"error: {path}:{line_of(text, 'valu(')}:" in err
    assert "Traceback (most recent call last)" in err


def test_cli_success(tiny: TinyProject, capsys: pytest.CaptureFixture[str]) -> None:
    tiny.brief("deficit", GOOD)
    assert cli_build(tiny) == 0
    err = capsys.readouterr().err
    assert "Built 1 pages" in err
    assert "error" not in err
    assert (tiny.output / "briefs" / "deficit" / "index.html").exists()


def test_cli_quiet_prints_nothing_on_success(tiny: TinyProject,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    tiny.brief("deficit", GOOD)
    assert cli_build(tiny, "--quiet") == 0
    assert capsys.readouterr() == ("", "")
    assert (tiny.output / "index.html").exists()


def test_cli_quiet_still_reports_errors(tiny: TinyProject,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    path = tiny.brief("deficit", GOOD.replace("title: The 2024 deficit\n", ""))
    assert cli_build(tiny, "--quiet") == 1
    err = capsys.readouterr().err
    assert f"error: {path}:1: missing required key 'title'" in err


# -- (i) the chart cache ------------------------------------------------------------------------

def test_second_build_takes_every_chart_from_the_cache(
        tmp_path: Path, folder_bytes: FolderBytes) -> None:
    tiny = TinyProject(tmp_path / "project", tmp_path / "fresh-cache")
    tiny.brief("deficit", GOOD + CHART)
    first = tiny.build()
    assert (first.charts, first.charts_rendered, first.charts_cached) == (1, 1, 0)
    before = folder_bytes(tiny.output)
    again = tiny.build()  # nothing changed: the page itself comes from the build cache
    assert (again.rebuilt, again.charts_rendered, again.written) == (0, 0, 0)
    elsewhere = build(tiny.project, SilentReporter(), tiny.root / "elsewhere")
    assert elsewhere.rebuilt == 1
    assert (elsewhere.charts_rendered, elsewhere.charts_cached) == (0, 1)
    assert folder_bytes(tiny.root / "elsewhere") == before


def vega_asset(output: Path) -> bytes:
    """The Vega bundle a built site serves (its name carries a hash of its bytes)."""
    [bundle] = (output / "assets").glob("vega-embed.*.js")
    return bundle.read_bytes()


MARKER = b"/* a Vega bundle already made */ window.vegaEmbed = function () {};\n"


@pytest.mark.slow(3)
def test_a_machine_bundles_vega_once_for_every_project(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Bundling Vega takes a second of CPU and depends on vl-convert alone: a project built
    from nothing uses the bundle a build of another project made on this machine."""
    user = tmp_path / "user-cache"
    monkeypatch.setenv(USER_CACHE_VARIABLE, str(user))
    first = TinyProject(tmp_path / "first", tmp_path / "first-cache")
    first.brief("deficit", GOOD + CHART)
    first.build()
    [made] = user.glob("vega-embed-*.js")
    assert vega_asset(first.output) == made.read_bytes()
    assert b"vegaEmbed" in made.read_bytes()
    made.write_bytes(MARKER)  # what the next project serves tells where its bundle came from
    second = TinyProject(tmp_path / "second", tmp_path / "second-cache")
    second.brief("deficit", GOOD + CHART)
    second.build()
    assert vega_asset(second.output) == MARKER
    assert not list((tmp_path / "second-cache").glob("vega-embed-*"))


def test_with_the_user_cache_switched_off_the_bundle_stays_in_the_project(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(USER_CACHE_VARIABLE, "")
    tiny = TinyProject(tmp_path / "project", tmp_path / "cache")
    (tmp_path / "cache").mkdir()
    (tmp_path / "cache" / f"vega-embed-{VL_CONVERT_VERSION}.js").write_bytes(MARKER)
    tiny.brief("deficit", GOOD + CHART)
    tiny.build()
    assert vega_asset(tiny.output) == MARKER


# -- (j) determinism ----------------------------------------------------------------------------

@pytest.mark.slow(54)
def test_clean_builds_are_byte_identical(tmp_path: Path, built_site: Path, site_root: Path,
                                         folder_bytes: FolderBytes) -> None:
    """The shipped site built again from nothing, its pages on every core (the
    built_site fixture is built in one process): the same bytes, file for file."""
    output = tmp_path / "again"
    result = build(Project(site_root, cache_dir=tmp_path / "own-cache"), SilentReporter(),
                   output, workers=os.cpu_count() or 1)
    assert result.charts_rendered == result.charts >= 4  # drawn afresh, not from a cache
    first, second = folder_bytes(built_site), folder_bytes(output)
    assert sorted(first) == sorted(second)
    differ = [name for name in first if first[name] != second[name]]
    assert differ == []


@pytest.mark.slow(11)
def test_a_strict_umask_still_gives_a_site_a_web_server_can_read(tiny: TinyProject) -> None:
    """CI machines may run with umask 077; files must still be 0644 and folders 0755, or a
    static server (and Netlify's upload) would be refused the pages."""
    tiny.brief("deficit", GOOD + CHART)
    result = subprocess.run(
        [sys.executable, "-m", "site_builder", "build", "-q", "--root", str(tiny.root)],
        capture_output=True, text=True, check=False, preexec_fn=lambda: os.umask(0o077))
    assert result.returncode == 0, result.stderr
    modes = {str(p.relative_to(tiny.output)): stat.S_IMODE(p.stat().st_mode)
             for p in tiny.output.rglob("*")}
    assert any(p.startswith("pagefind/fragment/") for p in modes)
    wrong = {p: oct(m) for p, m in modes.items()
             if m != (0o755 if (tiny.output / p).is_dir() else 0o644)}
    assert not wrong
    assert stat.S_IMODE(tiny.output.stat().st_mode) == 0o755


# -- (k) a killed build leaves no workers running, and its leftovers go with the next ------------

KILLABLE_BUILD = """\
import sys
from pathlib import Path
from site_builder.build.pipeline import build
from site_builder.evaluate.charts import VL_CONVERT_VERSION
from site_builder.project import USER_CACHE_VARIABLE, Project
from site_builder.report import SilentReporter
root = Path(sys.argv[1])
build(Project(root, cache_dir=Path(sys.argv[2])), SilentReporter(), root / "output", workers=2)
"""


def children(pid: int) -> dict[int, str]:
    """The processes whose parent is ``pid``, with their command lines (Linux's /proc)."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat_line = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue  # gone meanwhile
        if int(stat_line.rpartition(")")[2].split()[1]) == pid:
            found[int(entry.name)] = command
    return found


def running(pid: int) -> bool:
    """Whether ``pid`` still runs; a zombie (exited, waiting for whoever adopted it to reap
    it) does not."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except OSError:
        return False
    return state != "Z"


def dead_pid() -> int:
    """The id of a process that has exited and been reaped."""
    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux's /proc")
def test_workers_exit_when_the_build_is_killed(tiny: TinyProject, tmp_path: Path) -> None:
    for n in range(60):
        tiny.brief(f"deficit-{n}", GOOD.replace("The 2024 deficit", f"The 2024 deficit, {n}"))
    process = subprocess.Popen([sys.executable, "-c", KILLABLE_BUILD, str(tiny.root),
                                str(tmp_path / "cache")])
    try:
        deadline = time.monotonic() + 15
        workers: list[int] = []
        while len(workers) < 2 and process.poll() is None and time.monotonic() < deadline:
            # forked workers carry the build's own command line; spawned ones run spawn_main
            workers = [pid for pid, command in children(process.pid).items()
                       if "resource_tracker" not in command]
            time.sleep(0.02)
        assert len(workers) == 2, "the build started no workers, or finished first"
    finally:
        process.kill()
        process.wait()
    # A worker watches its parent once it has started (imports done): on a loaded machine,
    # with the suite's other workers beside it, that can take several seconds.
    deadline = time.monotonic() + 30
    while any(running(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert [pid for pid in workers if running(pid)] == []
    tiny.build()  # the next build clears the killed one's staging folder
    assert leftovers(tiny) == []


def test_a_build_clears_what_killed_builds_left(tiny: TinyProject) -> None:
    tiny.brief("deficit", GOOD)
    dead, alive = dead_pid(), os.getpid()
    beside = {name: tiny.root / name for name in (
        f".output.new-{dead}-k1ll3d", f".output.old-{dead}-k1ll3d", f".output.new-{alive}-busy",
        ".output.new-nopid", f"{search.NEAR}{dead}-k1ll3d", f"{search.NEAR}{alive}-busy")}
    scratch = Path(search.scratch_root())
    indexing = {name: scratch / name for name in (f"{search.SCRATCH}{dead}-k1ll3d",
                                                  f"{search.SCRATCH}{alive}-busy")}
    try:
        for folder in (*beside.values(), *indexing.values()):
            (folder / "briefs").mkdir(parents=True)
            (folder / "briefs" / "index.html").write_text("half a page")
        tiny.build()
        assert leftovers(tiny) == sorted([f".output.new-{alive}-busy", ".output.new-nopid",
                                          f"{search.NEAR}{alive}-busy"])
        assert sorted(p.name for p in indexing.values() if p.exists()) == [
            f"{search.SCRATCH}{alive}-busy"]
    finally:
        for folder in indexing.values():
            shutil.rmtree(folder, ignore_errors=True)
