"""The latest-release page and the stale-data banner: "latest" means the newest month the
snapshot holds, the next release is never in the past, and no banner calls an older release
"the latest". Each test builds a small site of its own, on a day it pins."""

from __future__ import annotations

import datetime as dt
import gzip
import io
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from bs4 import BeautifulSoup
from conftest import REPO, TinyProject, table_path

from site_builder.build.pipeline import build
from site_builder.data.declarations import load_declarations
from site_builder.data.snapshot import Snapshot, canonical_csv
from site_builder.data.store import describe, write_snapshot
from site_builder.formatting import day, period
from site_builder.releases import load_calendar, next_after
from site_builder.report import SilentReporter

TEMPLATE = REPO / "content" / "generated" / "latest-release.md"
#: What the page calls each official series it may lack for its month.
NAMES = {"BOPGTB": "the balance on goods", "BOPSTB": "the balance on services",
         "BOPTEXP": "exports of goods and services", "BOPTIMP": "imports of goods and services"}
PARTNERS = "imports by partner (Census basis)"
TODAY = dt.date(2026, 12, 4)


def site(tiny: TinyProject, today: dt.date) -> Path:
    """Build the tiny project with the latest-release template, as on ``today``."""
    folder = tiny.root / "content" / "generated"
    folder.mkdir(exist_ok=True)
    shutil.copy(TEMPLATE, folder / "latest-release.md")
    build(tiny.project, SilentReporter(), tiny.output, today=today)
    return tiny.output


def snapshot(tiny: TinyProject) -> Snapshot:
    return Snapshot(tiny.root / "content" / "data" / "snapshot.lock.json")


def newest_balance_month(tiny: TinyProject) -> str:
    """The newest month of BOPGSTB across every vintage the snapshot holds."""
    return str(snapshot(tiny).index().current("BOPGSTB", monthly=True).values.index[-1])


def site_newest(tiny: TinyProject) -> str:
    """How far the site's data run: the newest month of any live (fetched, not pinned, not
    closed) monthly dataset in the snapshot."""
    declared = load_declarations(tiny.root / "content" / "data" / "datasets.toml")
    metas = snapshot(tiny).metas
    return max(metas[n].last for n, d in declared.items()
               if n in metas and d.fetch and d.fetch.vintage is None and d.fetch.end is None
               and re.fullmatch(r"\d{4}-\d{2}", metas[n].last))


def page(output: Path, slug: str = "latest-release") -> BeautifulSoup:
    return BeautifulSoup((output / "briefs" / slug / "index.html").read_text("utf-8"),
                         "html.parser")


def text(soup: BeautifulSoup) -> str:
    return " ".join(soup.get_text(" ").split())


def section(soup: BeautifulSoup, heading: str) -> str:
    """The words under the ``h2`` that starts with ``heading``, to the next ``h2``."""
    start = next(h for h in soup.select("h2") if h.get_text().startswith(heading))
    words = []
    for sibling in start.find_next_siblings():
        if sibling.name == "h2":
            break
        words.append(sibling.get_text(" "))
    return " ".join(" ".join(words).split())


def add_release(tiny: TinyProject, date: str, covers: str) -> None:
    """Append a release to the tiny project's calendar (after the shipped ones)."""
    path = tiny.root / "content" / "data" / "releases.toml"
    path.write_text(path.read_text("utf-8") + f'\n[[release]]  # test: {date}\ndate = {date}\n'
                    f'covers = "{covers}"\n', "utf-8")


def banners(output: Path) -> dict[str, str]:
    """Every page's stale-data banner, by page."""
    found = {}
    for html in sorted(output.rglob("index.html")):
        note = BeautifulSoup(html.read_text("utf-8"), "html.parser").select_one(
            ".release-note.behind")
        if note is not None:
            found[str(html.relative_to(output))] = " ".join(note.get_text().split())
    return found


def test_the_page_is_the_newest_month_of_the_balance_across_vintages(tiny: TinyProject
                                                                      ) -> None:
    newest = newest_balance_month(tiny)
    index = snapshot(tiny).index()
    monthly = [v.last for v in index.vintages("BOPGSTB") if len(v.last) == 7]
    assert newest == max(monthly)  # no vintage of the balance holds a later month
    soup = page(site(tiny, TODAY))
    assert soup.h1.get_text() == f"US trade in goods and services, {period(newest)}"
    balance = index.current("BOPGSTB", monthly=True).values
    headline = soup.select_one(".brief-body a.figure data")
    assert float(headline["value"]) == pytest.approx(-balance[newest])
    words = text(soup)
    assert f"This brief follows {period(newest)}, the newest month" in words
    assert "the newest month in our data" not in words
    # Its day: no release in the calendar covers the month, so the day its data came.
    releases = load_calendar(tiny.root / "content" / "data" / "releases.toml")
    assert all(r.covers != newest for r in releases)
    holders = {v.dataset for v in index.vintages("BOPGSTB") if v.last == newest}
    days = {day(snapshot(tiny).meta(n).retrieved[:10]) for n in holders}
    assert soup.select_one(".byline time").get_text().strip() in days


def test_the_page_date_is_the_release_covering_its_month(tiny: TinyProject) -> None:
    newest = newest_balance_month(tiny)
    year, month = int(newest[:4]), int(newest[5:])
    published = dt.date(year + (month == 12), 1 if month == 12 else month + 1, 20)
    add_release(tiny, published.isoformat(), newest)
    soup = page(site(tiny, TODAY))
    assert soup.select_one(".byline time").get_text().strip() == day(published.isoformat())


def test_the_page_lists_the_figures_not_in_yet_with_their_newest_month(tiny: TinyProject
                                                                       ) -> None:
    newest = newest_balance_month(tiny)
    index = snapshot(tiny).index()
    lacking = {}
    for series_id, name in NAMES.items():
        values = index.current(series_id, monthly=True).values
        if newest not in values.index:
            lacking[name] = str(values.index[-1])
    partners = snapshot(tiny).load("partner_goods").frame
    world = partners[(partners["partner"] == "World (all countries)")
                     & (partners["flow"] == "imports")]
    if newest not in set(world["period"]):
        lacking[PARTNERS] = str(world["period"].max())
    assert lacking, "the shipped snapshot lacks some figures for the newest month"
    soup = page(site(tiny, TODAY))
    held = section(soup, "What our data hold")
    items = [" ".join(li.get_text().split()) for li in
             soup.find("h2", string=re.compile("What our data hold")).find_all_next("li")]
    for name, last in lacking.items():
        assert f"{name}: {period(last)}" in items
    assert f"Not in our data for {period(newest)} yet" in held
    assert "the balance on goods and services" in items
    for name in set(NAMES.values()) - set(lacking):
        assert name in items  # held for the month, listed as held
    # Averages and the year to date say how far exports and imports reach.
    if {NAMES["BOPTEXP"], NAMES["BOPTIMP"]} & set(lacking):
        flows = min(str(index.current(s, monthly=True).values.index[-1])
                    for s in ("BOPTEXP", "BOPTIMP"))
        assert f"Exports and imports are both in our data only to {period(flows)}" in \
            section(soup, "Three-month averages")


@pytest.mark.parametrize("today", [dt.date(2026, 3, 1), dt.date(2026, 3, 12),
                                   dt.date(2026, 5, 20), TODAY])
def test_the_next_release_is_never_before_the_build_day(tiny: TinyProject, today: dt.date
                                                        ) -> None:
    releases = load_calendar(tiny.root / "content" / "data" / "releases.toml")
    upcoming = next_after(releases, today)
    words = section(page(site(tiny, today)), "Next release")
    shown = re.findall(r"[A-Z][a-z]+ \d{1,2}, \d{4}", words)
    if upcoming is None:
        assert words == "The date of the next release is not yet in our release calendar."
        assert not shown
        return
    assert shown == [day(upcoming.date.isoformat())]
    assert upcoming.date > today
    assert f"covering {period(upcoming.covers)}" in words


@pytest.mark.slow(11)
def test_the_next_release_follows_the_day_in_one_build_cache(tiny: TinyProject) -> None:
    """The same project built on later days: the cached page must not keep an old date."""
    releases = load_calendar(tiny.root / "content" / "data" / "releases.toml")
    for today in (dt.date(2026, 2, 20), dt.date(2026, 3, 13), dt.date(2026, 6, 1), TODAY):
        upcoming = next_after(releases, today)
        words = section(page(site(tiny, today)), "Next release")
        expected = (f"is scheduled for {day(upcoming.date.isoformat())}" if upcoming
                    else "is not yet in our release calendar")
        assert expected in words, (today, words)


def test_a_calendar_without_future_dates_says_so(tiny: TinyProject) -> None:
    (tiny.root / "content" / "data" / "releases.toml").write_text(
        '[[release]]  # test\ndate = 2026-05-05\ncovers = "2026-03"\n', "utf-8")
    soup = page(site(tiny, dt.date(2026, 5, 6)))
    assert section(soup, "Next release") == \
        "The date of the next release is not yet in our release calendar."
    assert "Next scheduled release" not in text(soup)


BALANCE_ONLY = """---
title: The balance alone
date: 2026-08-10
summary: The balance on goods and services in its newest month.
---
{% set b = official("BOPGSTB") %}
The balance was {{ usd(b.latest()) }} in {{ period(b.latest()) }}.
"""

PARTNER_ONLY = """---
title: Imports from China
date: 2026-08-10
summary: Imports from China in the newest month of the partner data.
---
{% set c = series("partner_goods", partner="China", flow="imports") %}
Imports from China were {{ usd(c.latest()) }} in {{ period(c.latest()) }}.
"""


def test_no_banner_names_a_release_older_than_the_sites_data(tiny: TinyProject) -> None:
    tiny.brief("balance", BALANCE_ONLY)
    tiny.brief("partner", PARTNER_ONLY)
    newest = site_newest(tiny)
    releases = load_calendar(tiny.root / "content" / "data" / "releases.toml")
    assert max(r.covers for r in releases if r.date <= TODAY) < newest
    found = banners(site(tiny, TODAY))
    assert found, "pages with data older than the site's carry a banner"
    for where, words in found.items():
        assert "latest release" not in words, (where, words)
        ends = re.fullmatch(r"Some of this brief's data end in ([A-Z][a-z]+ \d{4}); the "
                            r"site's data run to ([A-Z][a-z]+ \d{4})\.", words)
        assert ends is not None, (where, words)
        assert ends.group(2) == period(newest)
    # The partner brief's data end where partner_goods ends.
    partner = snapshot(tiny).meta("partner_goods").last
    assert found["briefs/partner/index.html"] == (
        f"Some of this brief's data end in {period(partner)}; the site's data run to "
        f"{period(newest)}.")


def test_a_banner_counts_what_a_page_cites_not_what_it_compared(tiny: TinyProject) -> None:
    """official("BOPGSTB") reads every vintage of the balance (bop_monthly among them, which
    ends earlier); only the copy its figures come from counts."""
    tiny.brief("balance", BALANCE_ONLY)
    balance = newest_balance_month(tiny)
    newest = site_newest(tiny)
    found = banners(site(tiny, TODAY))
    note = found.get("briefs/balance/index.html")
    if balance >= newest:
        assert note is None
    else:
        assert note == (f"Some of this brief's data end in {period(balance)}; the site's data "
                        f"run to {period(newest)}.")


def test_a_release_at_or_past_the_sites_data_is_named_as_the_latest(tiny: TinyProject
                                                                   ) -> None:
    newest = site_newest(tiny)
    year, month = int(newest[:4]), int(newest[5:])
    published = dt.date(year + (month >= 11), (month + 1) % 12 + 1, 3)
    assert published <= TODAY  # out by the build's day: the latest release
    add_release(tiny, published.isoformat(), newest)
    tiny.brief("partner", PARTNER_ONLY)
    found = banners(site(tiny, TODAY))
    assert found
    for where, words in found.items():
        named = re.search(r"before the latest release \((.+?), covering ([A-Z][a-z]+ \d{4})\)",
                          words)
        assert named is not None, (where, words)
        assert named.groups() == (day(published.isoformat()), period(newest))


def add_balance_month(tiny: TinyProject, millions: float) -> str:
    """Give trade_balance (BOPGSTB, kept current by fetch) one more month, as a fetch would;
    return the month."""
    data = tiny.root / "content" / "data"
    raw = gzip.decompress(table_path("trade_balance", data).read_bytes())
    frame = pd.read_csv(io.BytesIO(raw), dtype=str, keep_default_na=False)
    last = str(frame["period"].max())
    year, month = int(last[:4]), int(last[5:])
    new = f"{year + (month == 12)}-{1 if month == 12 else month + 1:02d}"
    frame = pd.concat([frame, pd.DataFrame({"period": [new], "value": [f"{millions:.1f}"]})],
                      ignore_index=True)
    table = canonical_csv(frame)
    decl = load_declarations(data / "datasets.toml")["trade_balance"]
    meta = describe("trade_balance", decl, frame, table, vintage="test: one more month",
                    retrieved=TODAY.isoformat(), provenance="test")
    write_snapshot(data / "snapshot.lock.json", {"trade_balance": (meta, table)},
                   keep_others=True)
    return new


def test_a_new_month_reaches_the_page_and_every_banner(tiny: TinyProject) -> None:
    """After a fetch adds a month, a repeated build (from the build cache) shows it: on the
    latest-release page, and in the banner of a page that does not read the new data."""
    tiny.brief("partner", PARTNER_ONLY)
    output = site(tiny, TODAY)
    before = site_newest(tiny)
    assert banners(output)["briefs/partner/index.html"].endswith(f"run to {period(before)}.")
    new = add_balance_month(tiny, -70123.0)
    while new <= before:  # run past the rest of the site's data, so that the banner changes
        new = add_balance_month(tiny, -70123.0)
    assert newest_balance_month(tiny) == new
    output = site(tiny, TODAY)
    soup = page(output)
    assert soup.h1.get_text() == f"US trade in goods and services, {period(new)}"
    assert float(soup.select_one(".brief-body a.figure data")["value"]) == \
        pytest.approx(70123.0e6)
    assert soup.select_one(".byline time").get_text().strip() == day(TODAY.isoformat())
    after = site_newest(tiny)
    assert after == new
    assert banners(output)["briefs/partner/index.html"].endswith(f"run to {period(after)}.")


def test_a_build_with_nothing_to_do_reads_no_table_for_the_latest_month(tiny: TinyProject
                                                                        ) -> None:
    """The newest month of a series is kept between builds (it needs every table of the
    snapshot): a repeated build finds nothing to do without loading pandas."""
    site(tiny, TODAY)
    script = (
        "import sys, datetime; from pathlib import Path; from site_builder.build import build; "
        "from site_builder.project import Project; "
        "from site_builder.report import SilentReporter; "
        f"r = build(Project(Path({str(tiny.root)!r}), cache_dir=Path({str(tiny.project.cache)!r})),"
        f" SilentReporter(), Path({str(tiny.output)!r}), today=datetime.date(2026, 12, 4)); "
        "print(r.rebuilt, r.written, 'pandas' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            check=True)
    assert result.stdout.split() == ["0", "0", "False"]
