"""Pages generated from data, the latest-release brief, and briefs pinned to a vintage."""

from __future__ import annotations

import gzip
import io
import json
import tomllib
from pathlib import Path

import pandas as pd
import pytest
from bs4 import BeautifulSoup
from conftest import REPO, TinyProject, table_path

from site_builder.data.declarations import load_declarations
from site_builder.data.snapshot import canonical_csv
from site_builder.data.store import describe, write_snapshot
from site_builder.errors import BuildFailed
from site_builder.evaluate.generated import MAX_ROWS
from site_builder.formatting import day

SNAPSHOT = REPO / "content" / "data" / "snapshot"
LOCK = json.loads((REPO / "content" / "data" / "snapshot.lock.json").read_text("utf-8"))
SCALE = {"USD": 1.0, "USD millions": 1e6}
MINUS = "\u2212"


def table(name: str) -> pd.DataFrame:
    raw = gzip.decompress(table_path(name).read_bytes())
    frame = pd.read_csv(io.BytesIO(raw), dtype=str, keep_default_na=False)
    frame["value"] = pd.to_numeric(frame["value"]) * SCALE[LOCK["datasets"][name]["units"]]
    return frame


def annual(frame: pd.DataFrame) -> pd.Series:
    """Complete calendar-year sums, computed here with pandas alone."""
    years = frame.assign(year=frame["period"].str[:4]).groupby("year")["value"]
    return years.sum()[years.count() == 12]


def billions(value: float) -> str:
    sign = MINUS if value < 0 else ""
    return f"{sign}${abs(value) / 1e9:,.1f} billion"


def page(site: Path, slug: str) -> BeautifulSoup:
    """A generated page: a partner profile (under /partners/) or a brief."""
    path = site / "partners" / slug / "index.html"
    if not path.exists():
        path = site / "briefs" / slug / "index.html"
    return BeautifulSoup(path.read_text("utf-8"), "html.parser")


def figures(soup: BeautifulSoup) -> list[tuple[float, str]]:
    return [(float(d["value"]), d.get_text()) for d in soup.select("a.figure data")]


PARTNERS = [("china", "partner_goods", "China", "World (all countries)"),
            ("vietnam", "partner_goods", "Vietnam", "World (all countries)"),
            ("european-union", "partner_goods_2010_2022", "European Union", "World Total"),
            ("india", "partner_goods_2010_2022", "India", "World Total")]


@pytest.mark.parametrize(("slug", "dataset", "partner", "world"), PARTNERS)
def test_partner_figures_equal_the_data(built_site: Path, slug: str, dataset: str,
                                        partner: str, world: str) -> None:
    frame = table(dataset)
    mine = frame[frame["partner"] == partner]
    exports = annual(mine[mine["flow"] == "exports"])
    imports = annual(mine[mine["flow"] == "imports"])
    everyone = frame[frame["partner"] == world]
    total = annual(everyone[everyone["flow"] == "exports"]) + \
        annual(everyone[everyone["flow"] == "imports"])
    year = exports.index[-1]
    shown = figures(page(built_site, slug))
    expected = {
        "exports": exports[year], "imports": imports[year],
        "balance, as a size": abs(exports[year] - imports[year]),
        "share": (exports[year] + imports[year]) / total[year],
    }
    values = [v for v, _ in shown]
    for name, number in expected.items():
        assert any(v == pytest.approx(number, rel=1e-9) for v in values), (name, number)
    texts = [t for _, t in shown]
    assert billions(exports[year]) in texts and billions(imports[year]) in texts
    assert f"{(exports[year] + imports[year]) / total[year] * 100:.1f}%" in texts


def test_partner_pages_state_their_coverage(built_site: Path) -> None:
    census_only = " ".join(page(built_site, "european-union").get_text(" ").split())
    assert "These figures end in February 2022." in census_only
    assert "covers the full years 2010 to 2021 and says nothing about the years since" in \
        census_only
    current = " ".join(page(built_site, "vietnam").get_text(" ").split())
    assert "to December 2025" in current and "says nothing about the years" not in current


def test_partner_pages_are_listed_apart_from_briefs(built_site: Path) -> None:
    """Profiles live under /partners/, in its directory and the sitemap, not in the tag pages
    or the feed."""
    rows = tomllib.loads((REPO / "content" / "data" / "params" / "partners.toml").read_text(
        "utf-8"))["row"]
    directory = BeautifulSoup((built_site / "partners" / "index.html").read_text("utf-8"),
                              "html.parser")
    assert [a["href"] for a in directory.select("table.partners tbody th a")] == [
        f"/partners/{row['slug']}/" for row in sorted(rows, key=lambda r: r["short"].lower())]
    assert not (built_site / "tags" / "trading-partners").exists()
    feed = (built_site / "feed.xml").read_text("utf-8")
    assert "/partners/" not in feed and "/briefs/china/" not in feed
    sitemap = (built_site / "sitemap.xml").read_text("utf-8")
    assert "/partners/china/" in sitemap and "/partners/netherlands/" in sitemap
    assert len(page(built_site, "mexico").select("figure.chart svg[role=img]")) == 3


def test_latest_release_brief_reports_the_newest_month(built_site: Path) -> None:
    """The newest month of the balance on goods and services across every vintage."""
    from site_builder.data.snapshot import Snapshot

    current = Snapshot(REPO / "content" / "data" / "snapshot.lock.json").index().current(
        "BOPGSTB", monthly=True).values
    newest = str(current.index[-1])
    balance = table("trade_balance").set_index("period")["value"]
    assert newest == balance.index.max()  # the FRED copy, fetched last, holds it
    soup = page(built_site, "latest-release")
    month = f"{pd.Period(newest, 'M'):%B %Y}"
    assert soup.h1.get_text() == f"US trade in goods and services, {month}"
    assert figures(soup)[0][0] == pytest.approx(-current[newest])
    assert figures(soup)[0][0] == pytest.approx(-balance[newest])


def add_month(tiny: TinyProject) -> tuple[str, float]:
    """Give trade_balance (BOPGSTB) its next month, as a fetch would; (the month, its value
    in dollars)."""
    lock = tiny.root / "content" / "data" / "snapshot.lock.json"
    raw = gzip.decompress(table_path("trade_balance", tiny.root / "content" / "data")
                          .read_bytes())
    frame = pd.read_csv(io.BytesIO(raw), dtype=str, keep_default_na=False)
    new = str(pd.Period(frame["period"].max(), "M") + 1)
    frame = pd.concat([frame, pd.DataFrame({"period": [new], "value": ["-71234.0"]})],
                      ignore_index=True)
    data = canonical_csv(frame)
    decl = load_declarations(tiny.root / "content" / "data" / "datasets.toml")["trade_balance"]
    meta = describe("trade_balance", decl, frame, data, vintage="test: one more month",
                    retrieved="2026-09-10", provenance="test: one more month")
    write_snapshot(lock, {"trade_balance": (meta, data)}, keep_others=True)
    return new, -71234.0e6


def test_latest_release_follows_a_new_month(tiny: TinyProject) -> None:
    (tiny.root / "content" / "generated").mkdir()
    (tiny.root / "content" / "generated" / "latest-release.md").write_bytes(
        (REPO / "content" / "generated" / "latest-release.md").read_bytes())
    tiny.build()
    first = page(tiny.output, "latest-release").h1.get_text()
    new, value = add_month(tiny)
    month = f"{pd.Period(new, 'M'):%B %Y}"
    assert month not in first
    tiny.build()
    soup = page(tiny.output, "latest-release")
    assert soup.h1.get_text() == f"US trade in goods and services, {month}"
    assert figures(soup)[0][0] == pytest.approx(-value)
    text = " ".join(soup.get_text(" ").split())
    assert f"Trade by partner for {month} is not in our data yet" in text


PINNED = """---
title: Pinned to May 2026
date: 2026-05-12
summary: The 2024 deficit as the data stood in May 2026.
as_of: 2026-05-10
---
{% set d = -series("trade_balance").annual() %}
In 2024 the deficit was {{ usd(d.year(2024)) }}, {{ largest_since(d, 2024, expect=2022) }}.
It {{ widened(d.year(2024), d.year(2023)) }} by {{ pct(pct_change(d.year(2024), d.year(2023))) }}.
"""


def test_a_pinned_brief_shows_the_vintage_and_the_revision(tiny: TinyProject) -> None:
    tiny.brief("pinned", PINNED)
    tiny.build()
    soup = page(tiny.output, "pinned")
    may = table("trade_balance_2026_05")
    now = table("trade_balance")
    then_2024 = -may[may["period"].str.startswith("2024")]["value"].sum()
    now_2024 = -now[now["period"].str.startswith("2024")]["value"].sum()
    first = soup.select_one(".brief-body a.figure data")
    assert float(first["value"]) == pytest.approx(then_2024)
    note = first.find_parent("p").select_one(".revised data")
    assert float(note["value"]) == pytest.approx(now_2024)
    text = " ".join(soup.get_text().split())
    stood = day(LOCK["datasets"]["trade_balance"]["retrieved"][:10])  # the current copy's day
    assert f"{billions(then_2024)} (since revised to {billions(now_2024)}, data of {stood})" \
        in text
    assert "Figures are shown as the data stood on May 10, 2026" in text


def test_a_pin_before_any_vintage_is_an_error(tiny: TinyProject) -> None:
    tiny.brief("pinned", PINNED.replace("as_of: 2026-05-10", "as_of: 2025-01-01"))
    with pytest.raises(BuildFailed) as failed:
        tiny.build()
    error = failed.value.errors[0]
    assert "no vintage of 'trade_balance' as of 2025-01-01" in error.message
    assert error.line == 7


TEMPLATE = """---
generate: {params: things}
title: "About {{ row.name }}"
date: 2026-01-01
summary: "A page about {{ row.name }}."
---
{% set s = series("trade_balance") %}
{{ row.name }}: the balance {{ rose(s.year(row.later), s.year(row.earlier)) }}.
"""


def generated(tiny: TinyProject, rows: str) -> None:
    (tiny.root / "content" / "generated").mkdir(exist_ok=True)
    (tiny.root / "content" / "generated" / "thing.md").write_text(TEMPLATE, "utf-8")
    (tiny.root / "content" / "data" / "params").mkdir(exist_ok=True)
    (tiny.root / "content" / "data" / "params" / "things.toml").write_text(rows, "utf-8")


def test_a_claim_failing_for_one_row_names_the_row_and_the_line(tiny: TinyProject) -> None:
    generated(tiny, '[[row]]\nslug = "fine"\nname = "Fine"\nlater = 2023\nearlier = 2022\n\n'
                    '[[row]]\nslug = "wrong"\nname = "Wrong"\nlater = 2024\nearlier = 2023\n')
    with pytest.raises(BuildFailed) as failed:
        tiny.build()
    (error,) = failed.value.errors
    assert error.path == tiny.root / "content" / "generated" / "thing.md"
    assert error.line == 8
    assert error.message.startswith("(page 'wrong')") and "'rose'" in error.message


def test_a_missing_row_field_and_a_bad_slug_are_errors(tiny: TinyProject) -> None:
    generated(tiny, '[[row]]\nslug = "a"\nname = "A"\n')
    with pytest.raises(BuildFailed) as failed:
        tiny.build()
    assert any("has no field 'later'" in e.message or "later" in e.message
               for e in failed.value.errors)
    generated(tiny, '[[row]]\nslug = "Not A Slug"\nname = "A"\nlater = 2021\nearlier = 2020\n')
    with pytest.raises(BuildFailed) as failed:
        tiny.build()
    assert "slug 'Not A Slug'" in failed.value.errors[0].message


def test_a_parameters_file_of_too_many_rows_is_refused(tiny: TinyProject) -> None:
    """Each generated page sees every row (to rank itself): the rows are bounded."""
    generated(tiny, "".join(f'[[row]]\nslug = "r{n}"\nname = "R"\nlater = 2021\n'
                            f'earlier = 2020\n\n' for n in range(MAX_ROWS + 1)))
    with pytest.raises(BuildFailed) as failed:
        tiny.build()
    (error,) = failed.value.errors
    assert error.path == tiny.root / "content" / "data" / "params" / "things.toml"
    assert f"{MAX_ROWS + 1:,} rows: a parameters file gives at most {MAX_ROWS:,} pages" in (
        error.message)
    assert "Split it" in error.hint


CHARTED = """---
generate: {params: things}
title: "About {{ row.name }}"
date: 2026-01-01
summary: "A page about {{ row.name }}."
---
Two charts, fenced two ways.

~~~chart
id: balance-tilde
title: "Balance, tildes, {{ row.name }}"
data: trade_balance
mark: line
encoding:
  x: {field: period, type: temporal, title: null}
  y: {field: value, type: quantitative, title: "{{ row.axis }}"}
~~~

````chart
id: balance-backticks
title: "Balance, backticks, {{ row.name }}"
data: trade_balance
mark: line
encoding:
  x: {field: period, type: temporal, title: null}
  y: {field: value, type: quantitative, title: "{{ row.axis }}"}
````
"""


def test_row_fields_are_filled_in_every_kind_of_chart_block(tiny: TinyProject) -> None:
    generated(tiny, '[[row]]\nslug = "one"\nname = "Thing one"\naxis = "Dollars"\n')
    (tiny.root / "content" / "generated" / "thing.md").write_text(CHARTED, "utf-8")
    tiny.build()
    html = (tiny.output / "briefs" / "one" / "index.html").read_text("utf-8")
    assert "Balance, tildes, Thing one" in html
    assert "Balance, backticks, Thing one" in html
    assert "row.name" not in html and "row.axis" not in html


def test_a_missing_row_field_in_a_chart_block_names_its_line(tiny: TinyProject) -> None:
    generated(tiny, '[[row]]\nslug = "one"\nname = "Thing one"\n')
    (tiny.root / "content" / "generated" / "thing.md").write_text(CHARTED, "utf-8")
    with pytest.raises(BuildFailed) as failed:
        tiny.build()
    (error,) = failed.value.errors
    assert error.message == "row 'one' has no field 'axis'"
    assert error.line == CHARTED.split("\n").index(
        '  y: {field: value, type: quantitative, title: "{{ row.axis }}"}') + 1


def test_a_missing_row_field_in_the_front_matter_names_its_line(tiny: TinyProject) -> None:
    generated(tiny, '[[row]]\nslug = "one"\nlater = 2023\nearlier = 2022\n')
    with pytest.raises(BuildFailed) as failed:
        tiny.build()
    (error,) = failed.value.errors
    assert error.message == "row 'one' has no field 'name'"
    assert error.line == TEMPLATE.split("\n").index('title: "About {{ row.name }}"') + 1
