"""The front page and the partners section, on a fixture site of this module's own: two
editorial briefs (the older one featured), the shipped latest-release template and the
shipped partner template over four partners (two with data to 2025, one to 2021, and the
European Union, an aggregate). The home page leads with the featured brief and its chart,
the latest-release box shows that brief's own month, deficit and change, /partners/ lists
every profile with its year, old addresses redirect (in the preview too), and profiles are
written as joined-up, checked prose with a rank. Then Chromium: screenshots, axe, the sort
script, and no sideways scroll on a phone."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from bs4 import BeautifulSoup
from conftest import REPO, TinyProject, screenshot_fits
from playwright.sync_api import Browser, BrowserContext, Page
from test_browser import axe_script, axe_violations, describe
from test_generated import annual, billions, table

from site_builder.content.document import parse_document
from site_builder.errors import SiteError
from site_builder.loopback import serve
from site_builder.preview.netlify import load_rules, redirects_file
from site_builder.preview.server import PreviewServer
from site_builder.report import SilentReporter

__all__ = ["axe_script"]  # a fixture, used by name

WIDTHS = {"phone": {"width": 360, "height": 780}, "desktop": {"width": 1280, "height": 800}}

CHART = """
```chart
id: balance
title: US trade balance by month, 2022 to 2024
data: trade_balance
since: 2022-01
until: 2024-12
mark: line
encoding:
  x: {field: period, type: temporal, title: null}
  y: {field: value, type: quantitative, title: Billions of dollars}
```
"""
FLAGSHIP = """---
title: The flagship brief on the deficit
date: 2026-01-10
summary: The brief the desk leads with.
tags: [trade deficit]
featured: true
---
The balance, month by month.
""" + CHART
NEWER = """---
title: A newer brief that is not featured
date: 2026-11-20
summary: Newer, but not the lead.
tags: [trade deficit]
---
Some words on trade.
"""
PARTNERS = {  # slug -> (name, short, data, partner, world, aggregate)
    "china": ("China", "China", "partner_goods", "China", "World (all countries)", False),
    "mexico": ("Mexico", "Mexico", "partner_goods", "Mexico", "World (all countries)", False),
    "india": ("India", "India", "partner_goods_2010_2022", "India", "World Total", False),
    "european-union": ("the European Union", "European Union", "partner_goods_2010_2022",
                       "European Union", "World Total", True),
}


def params() -> str:
    return "".join(
        f'[[row]]\nslug = "{slug}"\nname = "{name}"\nshort = "{short}"\ndata = "{data}"\n'
        f'partner = "{partner}"\nworld = "{world}"\n' + ("aggregate = true\n" if agg else "")
        + "\n" for slug, (name, short, data, partner, world, agg) in PARTNERS.items())


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, chart_cache: Path) -> TinyProject:
    tiny = TinyProject(tmp_path_factory.mktemp("front") / "project", chart_cache)
    tiny.brief("flagship", FLAGSHIP)
    tiny.brief("newer", NEWER)
    (tiny.root / "content" / "pages" / "about.md").write_text(
        "---\ntitle: About\nsummary: Who we are.\n---\nWe write about trade.\n", "utf-8")
    generated = tiny.root / "content" / "generated"
    generated.mkdir()
    for name in ("latest-release.md", "partner.md"):
        (generated / name).write_bytes((REPO / "content" / "generated" / name).read_bytes())
    (tiny.root / "content" / "data" / "params" / "partners.toml").write_text(params(), "utf-8")
    tiny.build()
    return tiny


def soup(site: TinyProject, path: str) -> BeautifulSoup:
    return BeautifulSoup((site.output / path.strip("/") / "index.html").read_text("utf-8")
                         if path != "/" else (site.output / "index.html").read_text("utf-8"),
                         "html.parser")


def words(node: Any) -> str:
    return " ".join(node.get_text().split())


def latest_years(data: str, partner: str) -> tuple[Any, Any, str]:
    frame = table(data)
    mine = frame[frame["partner"] == partner]
    exports = annual(mine[mine["flow"] == "exports"])
    imports = annual(mine[mine["flow"] == "imports"])
    return exports, imports, str(exports.index[-1])


# -- front matter ------------------------------------------------------------------------------

@pytest.mark.parametrize(("line", "message"), [
    ("featured: \"yes\"", "x.md:5: featured: 'yes' is not true or false"),
    ("section: profiles", "x.md:5: section: 'profiles' is not briefs or partners"),
    ("short_title: 3", "x.md:5: short_title: input should be a valid string (got 3)"),
])
def test_bad_front_matter_is_named_with_file_and_line(line: str, message: str) -> None:
    text = f"---\ntitle: T\ndate: 2026-01-01\nsummary: S.\n{line}\n---\nText.\n"
    with pytest.raises(SiteError) as raised:
        parse_document(Path("x.md"), "brief", text)
    assert str(raised.value).splitlines()[0] == message


# -- the home page -----------------------------------------------------------------------------

@pytest.mark.slow(5)
def test_the_home_page_leads_with_the_featured_editorial_brief_and_its_chart(
        site: TinyProject) -> None:
    home = soup(site, "/")
    lead = home.select_one("main article.lead")
    assert lead is not None and lead.h2.a["href"] == "/briefs/flagship/"
    chart = lead.select_one("img")
    assert chart["src"] == "/briefs/flagship/balance.svg"
    assert chart["alt"] == "Chart: US trade balance by month, 2022 to 2024"
    assert (site.output / "briefs" / "flagship" / "balance.svg").is_file()
    stream = [a["href"] for a in home.select("ol.cards li.card h3 a")]
    assert stream[0] == "/briefs/newer/" and "/briefs/flagship/" not in stream
    assert "/briefs/latest-release/" in stream
    assert not any(href.startswith("/partners/") for href in stream)
    assert home.select_one('nav a[href="/partners/"]').get_text() == "Partners"


def test_the_latest_release_box_shows_the_release_briefs_own_figures(
        site: TinyProject) -> None:
    from site_builder.data.snapshot import Snapshot

    box = soup(site, "/").select_one("aside.release-box")
    release = soup(site, "/briefs/latest-release/")
    shown = [(words(d.dt), words(d.dd)) for d in box.select("dl > div")]
    assert shown == [(words(d.dt), words(d.dd))
                     for d in release.select("aside.highlights dl > div")][:2]
    # the month and deficit, computed here from the snapshot
    current = Snapshot(site.project.lockfile).index().current("BOPGSTB", monthly=True).values
    month, value = str(current.index[-1]), -float(current.iloc[-1])
    from site_builder.formatting import money, period
    assert shown[0] == (f"Deficit, {period(month)}", money(value))
    assert shown[1][0] == "Change from the month before"
    assert box.select_one("p a")["href"] == "/briefs/latest-release/"


def test_profiles_stay_out_of_the_feed_tags_and_archive(site: TinyProject) -> None:
    feed = (site.output / "feed.xml").read_text("utf-8")
    assert "/briefs/flagship/" in feed and "/partners/" not in feed
    assert not (site.output / "tags" / "trading-partners").exists()
    archive = (site.output / "archive" / "2026" / "index.html").read_text("utf-8")
    assert "/briefs/newer/" in archive and "/partners/" not in archive.split("<main")[1]
    sitemap = (site.output / "sitemap.xml").read_text("utf-8")
    assert all(f"/partners/{slug}/" in sitemap for slug in PARTNERS)
    assert "/partners/</loc>" in sitemap


# -- /partners/ ---------------------------------------------------------------------------------

def test_the_directory_lists_every_profile_with_its_year(site: TinyProject) -> None:
    rows = soup(site, "/partners/").select("table.partners tbody tr")
    assert [r.th.a["href"] for r in rows] == [
        f"/partners/{slug}/" for slug in sorted(PARTNERS, key=lambda s: PARTNERS[s][1])]
    for row in rows:
        slug = row.th.a["href"].split("/")[2]
        _, _, data, partner, _, aggregate = PARTNERS[slug]
        exports, imports, year = latest_years(data, partner)
        cells = {td["data-label"]: words(td) for td in row.select("td")}
        assert cells["Year"] == year
        # as the profile shows them: a figure since revised says so after it
        assert cells["Balance"].startswith(billions(exports[year] - imports[year]))
        assert cells["Exports"].startswith(billions(exports[year]))
        assert cells["Imports"].startswith(billions(imports[year]))
        profile = soup(site, f"/partners/{slug}/")
        assert profile.select_one(".highlights").get_text().count(year) >= 3
        if aggregate:
            assert cells["Rank"] == "not ranked: a group of countries"
        else:
            assert re.fullmatch(r"\d+(st|nd|rd|th) of \d+", cells["Rank"])


# -- redirects ------------------------------------------------------------------------------------

OLD_TO_NEW = [("/briefs/china/", "/partners/china/"),
              ("/briefs/china/charts/trade-by-year/", "/partners/china/charts/trade-by-year/"),
              ("/briefs/china/trade-by-year.csv", "/partners/china/trade-by-year.csv"),
              ("/embed/briefs/china/trade-by-year/", "/embed/partners/china/trade-by-year/")]


def test_old_profile_addresses_are_redirected(site: TinyProject) -> None:
    written = (site.output / "_redirects").read_text("utf-8").splitlines()
    for slug in PARTNERS:
        assert f"/briefs/{slug}/* /partners/{slug}/:splat 301" in written
        assert f"/embed/briefs/{slug}/* /embed/partners/{slug}/:splat 301" in written
    rules = redirects_file("\n".join(written)) + load_rules(REPO / "netlify.toml").redirects
    for old, new in OLD_TO_NEW:
        assert (site.output / new.strip("/")).exists(), new
        match = next(r.target(old) for r in rules if r.target(old) is not None)
        assert (match, next(r.status for r in rules if r.target(old))) == (new, 301)


def test_the_preview_follows_the_redirects(site: TinyProject, tmp_path: Path) -> None:
    preview = PreviewServer(site.project, SilentReporter(), port=0, output=tmp_path / "preview")
    preview.start()
    try:
        for old, new in OLD_TO_NEW:
            moved = requests.get(preview.url + old.lstrip("/"), allow_redirects=False,
                                 timeout=10)
            assert (moved.status_code, moved.headers["Location"]) == (301, new)
        assert requests.get(preview.url + "partners/china/", timeout=10).status_code == 200
    finally:
        preview.stop()


# -- profiles as analysis --------------------------------------------------------------------------

def test_a_profile_joins_its_facts_and_says_what_it_covers(site: TinyProject) -> None:
    exports, imports, year = latest_years("partner_goods", "China")
    before = str(int(year) - 1)
    text = words(soup(site, "/partners/china/").select_one(".brief-body"))

    def change(flow: Any) -> str:
        ratio = flow[year] / flow[before] - 1
        return f"{abs(ratio) * 100:.1f}% {'less' if ratio < 0 else 'more'}"

    assert (f"In {year} the United States bought {billions(imports[year])} of goods from "
            f"China, {change(imports)} than in {before}, and sold it "
            f"{billions(exports[year])}, {change(exports)}.") in text
    assert f"so this profile covers the full years {exports.index[0]} to {year}" in text


def test_a_profile_ranks_its_partner_among_the_sites_partners(site: TinyProject) -> None:
    trade = {}
    for _, short, data, partner, _, aggregate in PARTNERS.values():
        exports, imports, _ = latest_years(data, partner)
        if not aggregate and "2025" in exports.index:
            trade[short] = exports["2025"] + imports["2025"]
    order = sorted(trade, key=lambda name: -trade[name])
    position = order.index("China") + 1
    text = words(soup(site, "/partners/china/").select_one(".brief-body"))
    said = ("it was the largest by goods trade" if position == 1 else
            f"it ranked {position}{['st', 'nd', 'rd'][position - 1] if position <= 3 else 'th'}"
            f" by goods trade, after {order[position - 2]}")
    assert f"Among the {len(order)} partners we profile whose data cover 2025" in text
    assert said in text
    union = words(soup(site, "/partners/european-union/").select_one(".brief-body"))
    assert "is a group of countries" in union and "left out when we rank" in union
    assert "ranked" not in union.split("left out")[1]


# -- in Chromium ----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def server(site: TinyProject) -> Iterator[str]:
    with serve(site.output) as url:
        yield url


def open_page(browser: Browser, contexts: list[BrowserContext], **options: Any) -> Page:
    options.setdefault("viewport", WIDTHS["desktop"])
    context = browser.new_context(**options)
    context.set_default_timeout(15_000)
    contexts.append(context)
    return context.new_page()


PAGES = {"home": "/", "partners": "/partners/", "profile": "/partners/china/"}


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("width", list(WIDTHS))
def test_screenshots_without_sideways_scroll(browser: Browser, contexts: list[BrowserContext],
                                             server: str, width: str, scheme: str) -> None:
    for name, address in PAGES.items():
        page = open_page(browser, contexts, viewport=WIDTHS[width], color_scheme=scheme)
        page.goto(server + address, wait_until="load")
        screenshot_fits(page, f"{name}-{width}-{scheme}")


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("name", list(PAGES))
def test_axe_finds_nothing(browser: Browser, contexts: list[BrowserContext], server: str,
                           axe_script: str, name: str, scheme: str) -> None:
    for width in WIDTHS.values():
        page = open_page(browser, contexts, viewport=width, color_scheme=scheme)
        page.goto(server + PAGES[name], wait_until="load")
        violations = axe_violations(page, axe_script)
        assert violations == [], describe(violations)


def test_the_directory_sorts_by_column_and_says_how(browser: Browser,
                                                    contexts: list[BrowserContext],
                                                    server: str) -> None:
    page = open_page(browser, contexts)
    page.goto(server + "/partners/", wait_until="load")

    def column(label: str) -> list[str]:
        return page.eval_on_selector_all(
            f'table.partners tbody [data-label="{label}"]', "cells => cells.map(c => "
            "c.dataset.value)")

    imports = page.get_by_role("button", name="Imports")
    imports.click()
    values = [float(v) for v in column("Imports")]
    assert values == sorted(values)
    assert page.get_attribute('th:has(button:text("Imports"))', "aria-sort") == "ascending"
    imports.click()
    assert [float(v) for v in column("Imports")] == sorted(values, reverse=True)
    assert page.get_attribute('th:has(button:text("Imports"))', "aria-sort") == "descending"
    page.get_by_role("button", name="Rank").click()
    ranks = column("Rank")
    assert ranks[-1] == ""  # the aggregate, not ranked, goes last
    assert [float(v) for v in ranks[:-1]] == sorted(float(v) for v in ranks[:-1])
    assert page.get_attribute('th:has(button:text("Imports"))', "aria-sort") is None
    assert page.locator("th[aria-sort]").count() == 1


def test_the_directory_reads_without_javascript(browser: Browser,
                                                contexts: list[BrowserContext],
                                                server: str) -> None:
    page = open_page(browser, contexts, java_script_enabled=False, viewport=WIDTHS["phone"])
    page.goto(server + "/partners/", wait_until="load")
    assert page.locator("table.partners tbody tr").count() == len(PARTNERS)
    assert page.locator("table.partners button").count() == 0
    assert page.evaluate("document.documentElement.scrollWidth - innerWidth") <= 0


# -- rank() ---------------------------------------------------------------------------------------

def _rank_scope(row: dict[str, Any] | None) -> Any:
    from site_builder.data.snapshot import Snapshot
    from site_builder.evaluate.scope import PageScope

    return PageScope(Snapshot(REPO / "content" / "data" / "snapshot.lock.json"), row=row)


def _row(slug: str) -> dict[str, Any]:
    peers = [{"slug": s, "name": n, "short": sh, "data": d, "partner": p, "world": w,
              **({"aggregate": True} if a else {})}
             for s, (n, sh, d, p, w, a) in PARTNERS.items()]
    return {**next(p for p in peers if p["slug"] == slug), "peers": peers}


def test_rank_says_what_it_cannot_rank() -> None:
    with pytest.raises(SiteError, match=r"rank\(\) is for pages generated from a parameters"):
        _rank_scope(None).rank(2025)
    with pytest.raises(SiteError, match="the European Union is an aggregate of other partners"):
        _rank_scope(_row("european-union")).rank(2021)
    with pytest.raises(SiteError, match="the data of India do not hold 2025 in full"):
        _rank_scope(_row("india")).rank(2025)
    with pytest.raises(SiteError, match=r"rank\(by='size'\) is not one of trade, exports"):
        _rank_scope(_row("china")).rank(2025, by="size")
    by_imports = _rank_scope(_row("china")).rank(2025, by="imports")
    assert (by_imports.count, by_imports.year, set(by_imports.names)) == (
        2, "2025", {"China", "Mexico"})
    assert str(by_imports) == f"{by_imports.ordinal} of 2"
