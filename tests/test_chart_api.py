"""Every chart reusable: its permalink page, its embed pages, its metadata file, as a reader
and a developer get them from a small site built here."""

from __future__ import annotations

import datetime as dt
import html
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import TinyProject

from site_builder.build.pipeline import build
from site_builder.check.built_site import BuiltSite
from site_builder.check.metadata import _validator, check_metadata
from site_builder.data.snapshot import Snapshot
from site_builder.project import Project
from site_builder.releases import load_calendar, next_after
from site_builder.report import SilentReporter

TODAY = dt.date(2026, 5, 20)  # the calendar's next release is then June 9, 2026
BASE = "https://trade-desk-briefs.netlify.app"

TWO_CHARTS = """---
title: Balances for the chart API
date: 2026-05-10
summary: Two charts, to be shared and embedded.
---
The goods balance and the services balance.

```chart
id: balance-line
title: US trade balance, 2020 to 2024
data: trade_balance
since: 2020-01
until: 2024-12
mark: line
encoding:
  x: {field: period, type: temporal, title: null}
  y: {field: value, type: quantitative, title: Billions of dollars}
```

```chart
id: goods-and-services
title: Goods and services balances
official: [BOPGTB, BOPSTB]
since: 2023-01
until: 2024-12
mark: line
encoding:
  x: {field: period, type: temporal, title: null}
  y: {field: value, type: quantitative, title: Billions of dollars}
  color: {field: series_id, type: nominal, title: null}
```
"""

#: The first chart again, drawn as bars (the same title and numbers), and as a line over a
#: shorter span (other numbers).
RESTYLED = TWO_CHARTS.split("```chart")[0].replace("Balances for the chart API", "Restyled") + """
```chart
id: as-bars
title: US trade balance, 2020 to 2024
data: trade_balance
since: 2020-01
until: 2024-12
mark: bar
encoding:
  x: {field: period, type: temporal, title: null}
  y: {field: value, type: quantitative, title: Billions of dollars}
```

```chart
id: shorter
title: US trade balance, 2020 to 2024
data: trade_balance
since: 2021-01
until: 2024-12
mark: line
encoding:
  x: {field: period, type: temporal, title: null}
  y: {field: value, type: quantitative, title: Billions of dollars}
```
"""


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, chart_cache: Path) -> TinyProject:
    tiny = TinyProject(tmp_path_factory.mktemp("chart-api") / "project", chart_cache)
    tiny.brief("balances", TWO_CHARTS)
    tiny.brief("restyled", RESTYLED)
    build(tiny.project, SilentReporter(), tiny.output, today=TODAY)
    return tiny


def text(site: TinyProject, path: str) -> str:
    return (site.output / path).read_text("utf-8")


def metadata_of(site: TinyProject, brief: str, chart: str) -> dict[str, object]:
    data = json.loads(text(site, f"briefs/{brief}/{chart}.metadata.json"))
    assert isinstance(data, dict)
    return data


def snippets(page: str) -> dict[str, str]:
    found = re.findall(r'<textarea id="snippet-([a-z_]+)"[^>]*>(.*?)</textarea>', page, re.S)
    return {kind: html.unescape(body) for kind, body in found}


@pytest.mark.parametrize("chart", ["balance-line", "goods-and-services"])
def test_each_chart_has_a_permalink_page_with_its_chart_table_source_and_snippets(
        site: TinyProject, chart: str) -> None:
    brief = text(site, "briefs/balances/index.html")
    permalink = f"/briefs/balances/charts/{chart}/"
    assert f'<a href="{permalink}">Share or embed' in brief
    page = text(site, f"briefs/balances/charts/{chart}/index.html")
    meta = metadata_of(site, "balances", chart)
    assert f"<h1>{html.escape(str(meta['title']))}</h1>" in page
    assert '<svg' in page and 'role="img"' in page
    assert html.escape(str(meta["description"])) in page
    csv_rows = text(site, f"briefs/balances/{chart}.csv").strip().splitlines()
    assert page.count("<tr>") == len(csv_rows)  # a header row and one row per CSV row
    for source in meta["sources"]:  # type: ignore[attr-defined]
        assert html.escape(source["vintage"]) in page
    for file in (f"{chart}.csv", f"{chart}.svg", f"{chart}.metadata.json"):
        assert f'href="/briefs/balances/{file}"' in page
    assert html.escape(str(meta["citation"]["text"])) in page  # type: ignore[index]
    assert f'<link rel="canonical" href="{BASE}{permalink}">' in page
    live, pinned = snippets(page)["live"], snippets(page)["as_published"]
    embed = meta["embed"]
    assert f'data-embed="{embed["live"]}"' in live  # type: ignore[index]
    assert f'data-embed="{embed["as_published"]}"' in pinned  # type: ignore[index]
    for snippet in (live, pinned):
        assert f'<script src="{BASE}/embed.js" async></script>' in snippet
        assert f'<a href="{BASE}{permalink}">{html.escape(str(meta["title"]))}</a>' in snippet
        assert "Trade Desk Briefs" in snippet and "<img src=" in snippet
    assert f'<img src="{BASE}/briefs/balances/{chart}.svg"' in live
    assert f'<img src="{embed["as_published"]}chart.svg"' in pinned  # type: ignore[index]


def test_embed_pages_show_the_chart_and_its_source_and_nothing_of_the_site(
        site: TinyProject) -> None:
    meta = metadata_of(site, "balances", "balance-line")
    embed = meta["embed"]
    live = embed["live"].removeprefix(BASE + "/")  # type: ignore[index]
    pinned = embed["as_published"].removeprefix(BASE + "/")  # type: ignore[index]
    assert live == "embed/briefs/balances/balance-line/"
    for folder in (live, pinned, live + "revised/"):
        page = text(site, folder + "index.html")
        assert "<svg" in page and html.escape(str(meta["title"])) in page
        assert "Source: " in page and html.escape(meta["vintages"][0]) in page  # type: ignore
        assert 'href="/briefs/balances/charts/balance-line/"' in page
        assert "<nav" not in page and "site-header" not in page
        assert re.search(r'<script src="/assets/embed-frame\.[0-9a-f]{8}\.js" defer>', page)
        assert "<script>" not in page  # the site's own script only: CSP allows no other
        assert ("Revised:" in page) == folder.endswith("revised/")
    assert (site.output / pinned / "chart.svg").read_bytes() == \
        (site.output / "briefs/balances/balance-line.svg").read_bytes()
    assert (site.output / "embed.js").is_file()  # the loader, at an address that stays


def test_metadata_validates_and_names_the_series_vintages_and_next_release(
        site: TinyProject) -> None:
    snapshot = Snapshot(site.project.lockfile)
    upcoming = next_after(load_calendar(site.project.content / "data" / "releases.toml"), TODAY)
    assert upcoming is not None
    for chart, series in (("balance-line", ["BOPGSTB"]),
                          ("goods-and-services", ["BOPGTB", "BOPSTB"])):
        meta = metadata_of(site, "balances", chart)
        assert not list(_validator().iter_errors(meta))
        assert meta["series"] == series
        sources = meta["sources"]
        assert isinstance(sources, list)
        vintages = {snapshot.meta(s["dataset"]).vintage for s in sources}
        assert set(meta["vintages"]) <= vintages | {s["vintage"] for s in sources}  # type: ignore
        assert meta["next_release"] == {"date": upcoming.date.isoformat(),
                                        "covers": upcoming.covers, "title": upcoming.title}
        assert meta["last_updated"] == max(s["retrieved"][:10] for s in sources)
        assert meta["seasonal_adjustment"] == ["seasonally adjusted"]
        assert meta["units"] == "USD billions"
        assert "@misc{balances_" in meta["citation"]["bibtex"]  # type: ignore[index]
    one = metadata_of(site, "balances", "balance-line")
    assert one["vintages"] == [snapshot.meta("trade_balance").vintage]


def test_as_published_keeps_its_address_when_restyled_and_not_when_the_numbers_change(
        site: TinyProject) -> None:
    line = metadata_of(site, "balances", "balance-line")["embed"]
    bars = metadata_of(site, "restyled", "as-bars")["embed"]
    shorter = metadata_of(site, "restyled", "shorter")["embed"]
    key = re.compile(r"/([0-9a-f]{12})/$")

    def pinned(embed: object) -> str:
        found = key.search(embed["as_published"])  # type: ignore[index]
        assert found
        return found.group(1)

    assert pinned(line) == pinned(bars)  # the same title and numbers, drawn as bars
    assert pinned(line) != pinned(shorter)  # other numbers


def test_the_gate_reports_a_broken_metadata_file(site: TinyProject, tmp_path: Path) -> None:
    output = tmp_path / "output"
    shutil.copytree(site.output, output)
    assert check_metadata(BuiltSite(site.project, output)) == []
    meta_path = output / "briefs" / "balances" / "balance-line.metadata.json"
    data = json.loads(meta_path.read_text("utf-8"))
    del data["series"]
    data["next_release"] = {"date": "June 9"}
    meta_path.write_text(json.dumps(data), "utf-8")
    (output / "briefs" / "balances" / "goods-and-services.metadata.json").write_text(
        '{"id": ', "utf-8")
    problems = check_metadata(BuiltSite(site.project, output))
    messages = [str(p) for p in problems]
    assert all(p.kind == "metadata" for p in problems)
    assert any("balance-line.metadata.json" in m and "'series' is a required property" in m
               for m in messages), messages
    assert any("balance-line.metadata.json" in m and "next_release" in m for m in messages)
    assert any("goods-and-services.metadata.json:1: not valid JSON" in m for m in messages)
    assert all(p.hint for p in problems)
    (output / "briefs" / "balances" / "balance-line.csv").unlink()
    meta_path.write_text((site.output / meta_path.relative_to(output)).read_text("utf-8"),
                         "utf-8")
    assert any("balance-line.csv: no such file was built" in str(p)
               for p in check_metadata(BuiltSite(site.project, output)))


def test_metadata_files_that_fitted_are_not_read_against_the_schema_again(
        site: TinyProject, tmp_path: Path) -> None:
    """The schema is loaded again only for a file that changed since it fitted; what the
    files name is looked for every time."""
    project = Project(site.root, cache_dir=tmp_path / "cache")
    assert check_metadata(BuiltSite(project, site.output)) == []
    script = (
        "import sys; from pathlib import Path; "
        "from site_builder.check.built_site import BuiltSite; "
        "from site_builder.check.metadata import check_metadata; "
        "from site_builder.project import Project; "
        f"project = Project(Path({str(site.root)!r}), "
        f"cache_dir=Path({str(tmp_path / 'cache')!r})); "
        "problems = check_metadata(BuiltSite(project, Path(sys.argv[1]))); "
        "print(len(problems), 'jsonschema' in sys.modules)")

    def second_check(output: Path) -> list[str]:
        return subprocess.run([sys.executable, "-c", script, str(output)], capture_output=True,
                              text=True, check=True).stdout.split()

    assert second_check(site.output) == ["0", "False"]
    copy = tmp_path / "output"
    shutil.copytree(site.output, copy)
    (copy / "briefs" / "balances" / "balance-line.svg").unlink()
    assert second_check(copy) == ["1", "False"]  # the SVG it names is gone: still found
    meta = copy / "briefs" / "balances" / "balance-line.metadata.json"
    meta.write_text(meta.read_text("utf-8").replace('"id"', '"ident"', 1), "utf-8")
    assert second_check(copy)[1] == "True"  # changed: read against the schema again
