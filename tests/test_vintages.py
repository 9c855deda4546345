"""One truth per site: series and their vintages, claims that survive revision, the
consistency gate and the `datasets` listing. Every test builds a small site of its own."""

from __future__ import annotations

import io
import re
from contextlib import redirect_stdout
from pathlib import Path

import pytest
from conftest import REPO, TinyProject

from site_builder import cli, formatting
from site_builder.build.consistency import contradictions
from site_builder.data.snapshot import Snapshot
from site_builder.errors import BuildFailed

FRONT = """---
title: {title}
date: 2026-11-25
summary: A test brief.
---
"""


def brief(tiny: TinyProject, name: str, body: str, title: str = "Test") -> Path:
    return tiny.brief(name, FRONT.format(title=title) + body)


def page_text(tiny: TinyProject, slug: str, section: str = "briefs") -> str:
    html = (tiny.output / section / slug / "index.html").read_text(encoding="utf-8")
    main = html[html.index("<main"):html.index("</main>")]
    return " ".join(re.sub(r"<[^>]+>", " ", main).split())


def failure(tiny: TinyProject) -> str:
    with pytest.raises(BuildFailed) as caught:
        tiny.build()
    return "\n".join(f"{e.path}:{e.line}: {e.message} {e.hint}" for e in caught.value.errors)


def current(series_id: str, monthly: bool = True):
    return Snapshot(REPO / "content/data/snapshot.lock.json").index().current(series_id,
                                                                               monthly)


def year_total(series_id: str, year: str) -> float:
    values = current(series_id).values
    return float(values[values.index.str[:4] == year].sum())


def test_two_copies_of_one_series_are_reconciled_on_the_page(tiny: TinyProject) -> None:
    # bop_monthly holds BOPGSTB as of February 2026, trade_balance as of August 2026.
    brief(tiny, "older",
          '2025: {{ usd(-series("bop_monthly", series_id="BOPGSTB").year(2025)) }}.')
    brief(tiny, "newer", '2025: {{ usd(-series("trade_balance").year(2025)) }}.')
    tiny.build()
    now = formatting.money(-year_total("BOPGSTB", "2025"))
    stood = formatting.day(current("BOPGSTB").stood)
    assert f"2025: {now} ." in page_text(tiny, "newer")
    older = page_text(tiny, "older")
    assert f"(since revised to {now} , data of {stood})" in older
    assert not older.startswith(f"2025: {now}")


def test_a_claim_true_only_in_an_older_vintage_fails_with_both_vintages(
        tiny: TinyProject) -> None:
    path = brief(tiny, "may", "\n\nIn 2025 the deficit was "
                 '{{ largest_since(-series("trade_balance_2026_05").annual(), 2025) }}.\n')
    message = failure(tiny)
    assert f"{path}:8:" in message  # the body starts on line 6
    assert "largest since" in message
    assert "in the data read" in message and "in the current data" in message
    assert "May 10, 2026" in message and "vintage=True" in message
    may = Snapshot(REPO / "content/data/snapshot.lock.json").load("trade_balance_2026_05").frame
    for total in (may[may["period"].str.startswith("2025-")]["value"].sum() * 1e6,
                  year_total("BOPGSTB", "2025")):  # 2025 in each vintage
        assert formatting.money(-total) in message


def test_a_claim_stated_with_its_vintage_passes_and_says_which(tiny: TinyProject) -> None:
    brief(tiny, "may", "In 2025 the deficit was "
          '{{ largest_since(-series("trade_balance_2026_05").annual(), 2025, vintage=True) }}.')
    tiny.build()
    assert "in the data of May 10, 2026" in page_text(tiny, "may")


def test_exports_rising_faster_is_refuted_by_the_newer_release(tiny: TinyProject) -> None:
    # The services brief's old sentence: true in the December 2025 FT-900, reversed in January's.
    body = ('{% set e = series("bop_monthly", series_id="BOPSEXP") %}'
            '{% set i = series("bop_monthly", series_id="BOPSIMP") %}'
            "Exports grew {{ above(pct_change(e.year(2025), e.year(2024)), "
            "pct_change(i.year(2025), i.year(2024))) }} imports.")
    brief(tiny, "services", body)
    message = failure(tiny)
    assert "'above' holds in the data read" in message
    assert "is not above" in message


def test_official_reads_the_newest_copy_of_each_period(tiny: TinyProject) -> None:
    newest = current("BOPGSTB").values.index[-1]
    brief(tiny, "latest", "Newest: {{ period(official(\"BOPGSTB\").latest()) }}.")
    tiny.build()
    assert f"Newest: {formatting.period(newest)}." in page_text(tiny, "latest")


def test_a_revision_note_names_the_vintage_it_comes_from(tiny: TinyProject) -> None:
    # exports is FRED's copy of October 2025; newer releases in the snapshot revised 2024.
    # bop_monthly is FRED's copy of February 2026; the January 2026 FT-900 revised 2025.
    brief(tiny, "surplus",
          'Surplus: {{ usd(series("bop_monthly", series_id="BOPSTB").year(2025)) }}.')
    tiny.build()
    now = formatting.money(year_total("BOPSTB", "2025"))
    stood = formatting.day(current("BOPSTB").stood)
    assert f"(since revised to {now} , data of {stood})" in page_text(tiny, "surplus")


def test_a_declared_dataset_not_yet_fetched_says_how_to_fetch_it(tiny: TinyProject) -> None:
    path = brief(tiny, "services",
                 'X {{ usd(series("services_trade", flow="exports").year(2024)) }}')
    message = failure(tiny)
    assert f"{path}:6: dataset 'services_trade' is declared but not fetched yet" in message
    assert "fetch --only services_trade" in message


def test_whole_billions_are_shown_whole_and_halves_round_up(tiny: TinyProject) -> None:
    brief(tiny, "precision",
          'India {{ usd(value("release_2024", 2024, measure="goods_deficit_india")) }}; '
          'food {{ usd(value("release_2024", 2024, measure="exports_foods_feeds_beverages")) }}.')
    tiny.build()
    text = page_text(tiny, "precision")
    assert "India $46 billion ;" in text  # the source gives whole billions
    assert "food $165.3 billion ." in text  # 165.25, rounded half up as published


def test_a_label_carries_the_period_of_its_latest_figure(tiny: TinyProject) -> None:
    tiny.brief("labelled", """---
title: Labelled
date: 2026-11-25
summary: A test brief.
headline:
  label: "deficit, latest full year ({{ series('trade_balance').annual().latest().period }})"
  value: usd(-series("trade_balance").annual().latest())
---
Text.
""")
    tiny.build()
    year = current("BOPGSTB").values.index[-12][:4]
    home = (tiny.output / "index.html").read_text(encoding="utf-8")
    assert f"deficit, latest full year ({year})" in home


def test_the_gate_names_both_places_of_two_unmarked_values() -> None:
    shown = {
        "content/briefs/a.md": [{"measure": "BOPGSTB|year|2025", "value": -9.0e11,
                                 "text": "$900.0 billion", "marked": False, "line": 12}],
        "content/generated/x.md#latest": [{"measure": "BOPGSTB|year|2025", "value": 9.3e11,
                                           "text": "$930.0 billion", "marked": False,
                                           "line": 40}],
    }
    errors = contradictions(shown)
    assert len(errors) == 1
    error = errors[0]
    assert str(error.path) == "content/generated/x.md" and error.line == 40
    assert "BOPGSTB for 2025" in error.message and "(page 'latest')" in error.message
    assert "$900.0 billion at content/briefs/a.md:12" in error.message
    shown["content/briefs/a.md"][0]["marked"] = True
    assert contradictions(shown) == []


def test_a_build_records_each_official_figure_for_the_gate(tiny: TinyProject) -> None:
    brief(tiny, "one", 'A {{ usd(-series("trade_balance").year(2025)) }}.\n\n'
          'B {{ usd(-official("BOPGSTB").year(2025)) }}.')
    brief(tiny, "two", 'C {{ usd(series("trade_balance").year(2025)) }}.')
    tiny.build()  # the same value three times, one negated: no contradiction


def test_datasets_lists_series_vintages_and_unfetched_datasets(tiny: TinyProject) -> None:
    out = io.StringIO()
    with redirect_stdout(out):
        assert cli.main(["datasets", "--root", str(tiny.root)]) == 0
    text = out.getvalue()
    block = text[text.index("BOPGSTB"):text.index("\nBOPGTB")]
    assert "trade_balance_2026_05" in block and "bop_monthly" in block
    assert re.search(r"\d{4}-\d{2}-\d{2}  trade_balance  1992-01 to ", block)
    assert "services_trade: declared but not fetched yet: run `fetch --only services_trade`" \
        in text



def test_datasets_calls_a_dataset_closed_at_an_end_not_current(tiny: TinyProject) -> None:
    declarations = tiny.root / "content" / "data" / "datasets.toml"
    text = declarations.read_text("utf-8")
    live = '[canada_goods.fetch]\napi = "fred"\n'
    assert live in text
    closed = live + 'end = "2020-12"\n'
    for settings, state in ((live, "kept current by fetch"),
                            (closed, "fetched up to 2020-12, where it is closed")):
        declarations.write_text(text.replace(live, settings), "utf-8")
        out = io.StringIO()
        with redirect_stdout(out):
            assert cli.main(["datasets", "--root", str(tiny.root)]) == 0
        assert re.search(rf"^  canada_goods: .*; {state}$", out.getvalue(), re.M)


def chart_sources(tiny: TinyProject, slug: str) -> dict[str, str]:
    html = (tiny.output / "briefs" / slug / "index.html").read_text(encoding="utf-8")
    out = {}
    for figure in re.findall(r"<figure.*?</figure>", html, re.S):
        chart_id = re.search(r'id="([^"]+)"', figure).group(1)
        source = re.search(r'class="chart-source"[^>]*>(.*?)</p>', figure, re.S).group(1)
        out[chart_id] = " ".join(re.sub(r"<[^>]+>", " ", source).split())
    return out


def test_each_chart_cites_exactly_the_series_it_plotted(tiny: TinyProject) -> None:
    (tiny.root / "content" / "charts" / "two.py").write_text('''
import altair as alt
import pandas as pd


def japan_korea(scope):
    rows = []
    for partner in ("Japan", "South Korea"):
        s = scope.series("partner_goods", partner=partner, flow="imports").annual().values
        rows += [{"period": p, "partner": partner, "value": v / 1e9} for p, v in s.items()]
    return alt.Chart(pd.DataFrame(rows)).mark_line().encode(
        x="period:O", y="value:Q", color="partner:N")
''', encoding="utf-8")
    brief(tiny, "charts", """
```chart
id: two-partners
title: Imports from Japan and South Korea
python: two.japan_korea
```

```chart
id: goods-services
title: Balances on goods and services
data: bop_monthly
where: {series_id: [BOPGTB, BOPSTB]}
mark: line
encoding:
  x: {field: period, type: temporal, timeUnit: utcyearmonth}
  y: {field: value, type: quantitative}
  color: {field: series_id, type: nominal}
```

```chart
id: exports-imports
title: Exports and imports
data: [exports, imports]
annual: true
mark: line
encoding:
  x: {field: period, type: temporal, timeUnit: utcyear}
  y: {field: value, type: quantitative}
  color: {field: dataset, type: nominal}
```
""")
    tiny.build()
    sources = chart_sources(tiny, "charts")
    ids = {chart: set(re.findall(r"\b(?:IMP|EXP|BOP)[A-Z0-9]+\b", text))
           for chart, text in sources.items()}
    assert ids == {"chart-two-partners": {"IMPJP", "IMPKR"},
                   "chart-goods-services": {"BOPGTB", "BOPSTB"},
                   "chart-exports-imports": {"BOPTEXP", "BOPTIMP"}}


def test_a_partner_page_with_early_data_says_so_at_the_top(tiny: TinyProject) -> None:
    generated = tiny.root / "content" / "generated"
    generated.mkdir()
    (generated / "partner.md").write_text(
        (REPO / "content/generated/partner.md").read_text(encoding="utf-8"), encoding="utf-8")
    params = (REPO / "content/data/params/partners.toml").read_text(encoding="utf-8")
    rows = [r for r in params.split("[[row]]")[1:] if 'slug = "south-korea"' in r]
    (tiny.root / "content/data/params/partners.toml").write_text("[[row]]" + rows[0],
                                                                encoding="utf-8")
    tiny.build()
    text = page_text(tiny, "south-korea", "partners")
    snapshot = Snapshot(REPO / "content/data/snapshot.lock.json")
    report_end = snapshot.meta("partner_goods_2010_2022").last
    newest = current("IMPKR").values.index[-1]
    assert text.index(f"These figures end in {formatting.period(report_end)}.") \
        < text.index("the United States bought")
    assert f"to {formatting.period(newest)} in FRED" in text
    year = report_end[:4] if report_end.endswith("-12") else str(int(report_end[:4]) - 1)
    directory = page_text(tiny, "partners", "")
    # its row in the directory: name, balance, the year of the balance
    assert re.search(rf"South Korea −\$[\d.]+ billion .*? {year} \$", directory)
    assert "It is the only partner we profile whose data cover" in text


def test_a_chart_describes_whole_billion_figures_in_whole_billions(tiny: TinyProject) -> None:
    brief(tiny, "bilateral", """
```chart
id: bilateral
title: Bilateral goods deficits in 2024, as first reported
python: flagship.bilateral_2024
```
""")
    tiny.build()
    html = (tiny.output / "briefs" / "bilateral" / "index.html").read_text(encoding="utf-8")
    description = re.search(r'<desc id="chart-bilateral-desc">(.*?)</desc>', html).group(1)
    release = Snapshot(REPO / "content/data/snapshot.lock.json").load("release_2024").frame
    india = release[release["measure"] == "goods_deficit_india"]
    assert india["precision"].iloc[0] == 1e9  # published as a whole number of billions
    assert f"lowest {formatting.money(india['value'].iloc[0] * 1e9, precision=1e9)} (India)" \
        in description
    assert ".0 billion (India)" not in description


def test_a_figure_of_a_current_series_cites_only_the_copies_it_used(tiny: TinyProject) -> None:
    composite = current("BOPTEXP")
    newest = composite.values.index[-1]
    part = composite.parts[composite.origin[newest]]
    assert part[0] == "ft900_exhibit1"  # the newest month comes from the newest release alone
    brief(tiny, "one", f'Exports: {{{{ usd(official("BOPTEXP").at("{newest}")) }}}}.')
    tiny.build()
    html = (tiny.output / "briefs" / "one" / "index.html").read_text(encoding="utf-8")
    sources = html[html.index('class="sources"'):]
    assert part[2] in sources  # e.g. "FT-900 January 2026"
    assert "bop_monthly" not in sources and "(published February 2026)" not in sources
