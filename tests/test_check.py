"""The quality gate: a tiny site built once, then one problem seeded per test and found again.

Each test gets its own copy of the built project, breaks one thing in the output (or the
content) the way a bad template, a stale snapshot or a careless deploy would, and asserts that
``check_site`` names the kind of problem, the file and the line.
"""

from __future__ import annotations

import datetime as dt
import gzip
import io
import json
import shutil
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from conftest import TinyProject, table_path

from site_builder.check.browser import CHROMIUM
from site_builder.check.external import HttpGet
from site_builder.check.gate import check, check_site
from site_builder.check.problem import Problem
from site_builder.data.http_client import HttpClient
from site_builder.loopback import LoopbackServer
from site_builder.project import Project
from site_builder.report import SilentReporter

TODAY = dt.date(2026, 11, 25)
BRIEF_PAGE = "briefs/deficit/index.html"
BASE_URL = "https://trade-desk-briefs.netlify.app/"


def _annual_balance(year: int) -> float:
    """The 2023 or 2024 trade balance, read from the snapshot with pandas alone."""
    raw = table_path("trade_balance").read_bytes()
    frame = pd.read_csv(io.BytesIO(gzip.decompress(raw)), dtype={"period": str})
    return float(frame[frame["period"].str.startswith(f"{year}-")]["value"].sum())


TRUE_WORD, FALSE_WORD = (("rose", "fell") if _annual_balance(2024) > _annual_balance(2023)
                         else ("fell", "rose"))

BRIEF = f"""\
---
title: The 2024 deficit
date: 2025-02-05
summary: How the deficit changed in 2024.
tags: [trade deficit]
---
{{% set balance = series("trade_balance") %}}
The balance {{{{ {TRUE_WORD}(balance.year(2024), balance.year(2023)) }}}}
to {{{{ usd(balance.year(2024)) }}}} in 2024.

```chart
id: recent-balance
title: US trade balance since 2023
data: trade_balance
since: 2023-01
mark: bar
encoding:
  x: {{field: period, type: ordinal, title: null}}
  y: {{field: value, type: quantitative, title: Billions of dollars}}
```
"""
DRAFT = BRIEF.replace("title: The 2024 deficit", "title: Work in progress").replace(
    "summary:", "draft: true\nsummary:")

ABOUT = "---\ntitle: About\nsummary: Who writes these briefs.\n---\nWe write about trade.\n"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, chart_cache: Path) -> Path:
    """A tiny project with a brief, a draft and an about page, built once for the module."""
    tiny = TinyProject(tmp_path_factory.mktemp("check") / "project", chart_cache)
    tiny.brief("deficit", BRIEF)
    tiny.brief("unfinished", DRAFT)
    # Every page's navigation links to /about/, so a site needs one.
    (tiny.root / "content" / "pages" / "about.md").write_text(ABOUT, "utf-8")
    tiny.build()
    return tiny.root


class Site:
    """This test's own copy of the built project, and ways to break it."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.output = root / "output"
        self.project = Project(root, cache_dir=root / ".cache")

    def text(self, page: str) -> str:
        return (self.output / page).read_text("utf-8")

    def insert(self, page: str, after: str, markup: str) -> int:
        """Put ``markup`` on a new line after the first line holding ``after``; its line."""
        lines = self.text(page).split("\n")
        number = next(n for n, line in enumerate(lines, start=1) if after in line) + 1
        lines.insert(number - 1, markup)
        (self.output / page).write_text("\n".join(lines), "utf-8")
        return number

    def replace(self, page: str, old: str, new: str) -> int:
        """Replace the first ``old`` with ``new``; the line it stood on."""
        text = self.text(page)
        assert old in text, f"{old!r} not in {page}"
        (self.output / page).write_text(text.replace(old, new, 1), "utf-8")
        return text[: text.index(old)].count("\n") + 1

    def check(self, **options: Any) -> list[Problem]:
        options.setdefault("browser", False)
        options.setdefault("today", TODAY)
        return check_site(self.project, self.output, SilentReporter(), **options)


@pytest.fixture
def site(built: Path, tmp_path: Path) -> Site:
    shutil.copytree(built, tmp_path / "project", symlinks=True)
    return Site(tmp_path / "project")


def where(problems: list[Problem], kind: str) -> set[tuple[str, int | None]]:
    return {(p.path, p.line) for p in problems if p.kind == kind}


def kinds(problems: list[Problem]) -> set[str]:
    return {p.kind for p in problems}


# -- a clean site ---------------------------------------------------------------------------------

@pytest.mark.slow(14)
def test_a_clean_site_has_no_problems(site: Site) -> None:
    browser = CHROMIUM.exists()
    reporter = SilentReporter()
    problems = check_site(site.project, site.output, reporter, browser=browser, today=TODAY)
    mode = ("with accessibility checks in Chromium" if browser
            else f"without a browser ({CHROMIUM} is missing)")
    assert problems == [], f"checked {mode}:\n" + "\n".join(f"{p.kind} {p}" for p in problems)
    assert any(line.startswith("Checked ") for line in reporter.infos)


@pytest.mark.slow(14)
def test_accessibility_violation_in_one_colour_scheme(site: Site) -> None:
    site.insert("404.html", '<main id="main">', '<p style="color: #ddd">Faint text</p>')
    problems = site.check(browser=True)
    if not CHROMIUM.exists():  # asked for, the browser is required: its absence is a problem
        assert [(p.kind, p.message) for p in problems] == [
            ("a11y", f"accessibility checks cannot run: no browser at {CHROMIUM} "
                     "(apt-get install chromium)")]
        return
    assert kinds(problems) == {"a11y"}
    [problem] = problems
    assert problem.path == "404.html"
    assert problem.message.startswith("color-contrast at #main > p:")
    assert problem.message.endswith("(light scheme)")  # light grey is fine on a dark page
    assert problem.hint.startswith("See https://dequeuniversity.com/rules/axe/")


# -- 1. internal links and anchors ----------------------------------------------------------------

def test_broken_link_and_anchor_are_found_with_their_lines(site: Site) -> None:
    link = site.insert(BRIEF_PAGE, '<main id="main">', '<p><a href="/briefs/nope/">x</a></p>')
    anchor = site.insert(BRIEF_PAGE, '<main id="main">',
                         '<p><a href="/briefs/deficit/#nowhere">y</a></p>')
    relative = site.insert(BRIEF_PAGE, '<main id="main">', '<p><a href="missing.csv">z</a> '
                           '<a href="recent-balance.csv">fine</a> <a href="#main">fine</a></p>')
    problems = site.check()
    assert kinds(problems) == {"link"}
    # Each insertion pushed the earlier ones down by one line.
    assert where(problems, "link") == {(BRIEF_PAGE, link + 2), (BRIEF_PAGE, anchor + 1),
                                       (BRIEF_PAGE, relative)}
    messages = {p.line: p.message for p in problems}
    assert messages[link + 2] == "broken link /briefs/nope/ (no such page)"
    assert "no id 'nowhere' on briefs/deficit/index.html" in messages[anchor + 1]
    assert str(next(p for p in problems if p.line == link + 2)) == (
        f"{BRIEF_PAGE}:{link + 2}: broken link /briefs/nope/ (no such page)")


def test_a_canonical_address_to_a_missing_page_is_a_broken_link(site: Site) -> None:
    line = site.replace("404.html", 'rel="canonical" href="https://trade-desk-briefs.netlify.app/',
                        'rel="canonical" href="https://trade-desk-briefs.netlify.app/gone/')
    assert where(site.check(), "link") == {("404.html", line)}


# -- 3. HTML --------------------------------------------------------------------------------------

def test_invalid_html_is_reported_with_line_and_column(site: Site) -> None:
    line = site.insert(BRIEF_PAGE, '<main id="main">', "<p><span>unclosed</div></p>")
    problems = site.check()
    assert kinds(problems) == {"html"}
    assert (BRIEF_PAGE, line) in where(problems, "html")
    first = next(p for p in problems if p.line == line)
    assert "column" in first.message and "div" in first.message


def test_a_control_character_is_reported_where_it_stands(site: Site) -> None:
    line = site.insert(BRIEF_PAGE, '<main id="main">', "<p>pasted\x0btext</p>")
    problems = site.check()
    assert kinds(problems) == {"html"}
    assert [(p.line, p.message) for p in problems] == [(line, (
        "invalid HTML (column 10): the character U+000B is not allowed in HTML "
        "(a control character or a noncharacter)"))]


def test_every_one_of_many_control_characters_is_placed_right(site: Site) -> None:
    """Counted in one pass: a page pasted full of them is reported whole, each on its line."""
    first = site.insert(BRIEF_PAGE, '<main id="main">', "\n".join(["<p>x\x0cy\x0bz</p>"] * 2000))
    problems = site.check()
    assert [(p.line, p.message[:30]) for p in problems] == [
        (line, "invalid HTML (column 7): the c") for line in range(first, first + 2000)]


def test_of_the_characters_beyond_u_ffff_only_noncharacters_are_problems(site: Site) -> None:
    site.insert(BRIEF_PAGE, '<main id="main">', "<p>Trade \U0001f4c8 with \U00020000 marks</p>")
    assert site.check() == []
    line = site.insert(BRIEF_PAGE, '<main id="main">', "<p>a\U0002fffeb</p>")
    assert [(p.line, p.message) for p in site.check()] == [(line, (
        "invalid HTML (column 5): the character U+2FFFE is not allowed in HTML "
        "(a control character or a noncharacter)"))]


def test_markup_the_current_standard_allows_is_no_problem(site: Site) -> None:
    """html5lib, last released in 2020, calls both of these errors; browsers do not."""
    site.insert(BRIEF_PAGE, '<main id="main">',
                "<!-- an editor's note -- kept --><template><tr><td>row</td></tr></template>")
    assert site.check() == []


def test_an_error_only_html5ever_knows_is_reported_without_a_line(site: Site) -> None:
    site.insert(BRIEF_PAGE, '<main id="main">', "<table>loose text</table>")
    problems = site.check()
    assert [(p.path, p.line, p.message) for p in problems] == [
        (BRIEF_PAGE, None, "invalid HTML: Non-space table text")]


def test_ids_title_lang_and_alt(site: Site) -> None:
    main = next(n for n, line in enumerate(site.text("404.html").splitlines(), start=1)
                if '<main id="main">' in line)
    duplicate = site.insert("404.html", '<main id="main">', '<p id="main">again</p>')
    image = site.insert("404.html", '<main id="main">', '<img src="/card.png">')
    site.replace("404.html", '<html lang="en">', "<html>")
    site.replace("404.html", "<title>Page not found — Trade Desk Briefs</title>", "")
    problems = site.check()
    assert kinds(problems) == {"html"}
    messages = {(p.line, p.message) for p in problems}
    assert (duplicate + 1, f"duplicate id 'main' (first on line {main})") in messages
    assert (image, "image without alt text: /card.png") in messages
    assert (2, "the page does not state its language") in messages
    assert (None, "the page has no <title>") in messages
    assert {p.path for p in problems} == {"404.html"}


def test_attributes_written_without_a_value_read_as_a_browser_reads_them(site: Site) -> None:
    """A bare ``alt`` is an empty one (decoration), a bare ``href`` links to the page itself,
    and a bare ``defer`` defers; none of them is a problem, and what is one is still found."""
    site.insert("404.html", '<main id="main">',
                '<p><img src="/card.png" alt> <a href>this page</a> <a href=#main>top</a></p>')
    script = "/" + str(next(site.output.glob("assets/search.*.js")).relative_to(site.output))
    site.insert("404.html", "<title>", f'<script src="{script}" defer></script>')
    assert site.check() == []
    image = site.insert("404.html", '<main id="main">', '<p><img src="/card.png" hidden></p>')
    anchor = site.insert("404.html", '<main id="main">', "<p><a href=#nowhere>gone</a></p>")
    assert where(site.check(), "html") | where(site.check(), "link") == {
        ("404.html", image + 1), ("404.html", anchor)}


# -- 4. feed and sitemap --------------------------------------------------------------------------

def test_feed_without_id_is_invalid(site: Site) -> None:
    site.replace("feed.xml", f"<id>{BASE_URL}</id>", "")
    problems = site.check()
    assert kinds(problems) == {"feed"}
    assert ("feed.xml", 2) in where(problems, "feed")  # <feed> opens on line 2
    assert any("id" in p.message for p in problems)


def test_sitemap_with_a_bad_element_is_invalid(site: Site) -> None:
    line = site.replace("sitemap.xml", f"<loc>{BASE_URL}tags/</loc>",
                        f"<location>{BASE_URL}tags/</location>")
    problems = site.check()
    assert kinds(problems) == {"sitemap"}
    assert where(problems, "sitemap") == {("sitemap.xml", line)}
    assert "location" in problems[0].message


def test_sitemap_entry_without_a_page(site: Site) -> None:
    line = site.replace("sitemap.xml", f"<loc>{BASE_URL}tags/</loc>",
                        f"<loc>{BASE_URL}tags/nothing-here/</loc>")
    assert where(site.check(), "sitemap") == {("sitemap.xml", line)}


# -- 5. a brief behind the newest release ---------------------------------------------------------

def calendar(site: Site, *releases: tuple[dt.date, str]) -> None:
    text = "".join(f'[[release]]\ndate = {day.isoformat()}\ncovers = "{month}"\n\n'
                   for day, month in releases)
    (site.root / "content" / "data" / "releases.toml").write_text(text, "utf-8")


def next_month(month: str, step: int = 1) -> str:
    year, number = divmod(int(month[:4]) * 12 + int(month[5:]) - 1 + step, 12)
    return f"{year:04d}-{number + 1:02d}"


def test_brief_older_than_the_newest_release_is_stale(site: Site) -> None:
    lock = json.loads(site.project.lockfile.read_text("utf-8"))
    last = lock["datasets"]["trade_balance"]["last"]
    calendar(site, (TODAY - dt.timedelta(days=40), last),
             (TODAY - dt.timedelta(days=10), next_month(last)),
             (TODAY + dt.timedelta(days=20), next_month(last, 2)))  # not out yet
    problems = site.check()
    assert kinds(problems) == {"stale"}
    source = "content/briefs/deficit.md"
    set_line = BRIEF.splitlines().index('{% set balance = series("trade_balance") %}') + 1
    assert where(problems, "stale") == {(source, set_line)}
    assert f"'trade_balance' up to {last}" in problems[0].message
    assert f"covers {next_month(last)}" in problems[0].message
    assert "fetch" in problems[0].hint


def test_brief_as_new_as_the_newest_release_is_fresh(site: Site) -> None:
    last = json.loads(site.project.lockfile.read_text("utf-8"))["datasets"]["trade_balance"][
        "last"]
    calendar(site, (TODAY - dt.timedelta(days=10), last),
             (TODAY + dt.timedelta(days=20), next_month(last)))
    assert site.check() == []


def test_a_malformed_calendar_is_a_problem_with_its_line(site: Site) -> None:
    calendar(site, (TODAY - dt.timedelta(days=40), "2026-09"), (TODAY, "2026-9"))
    problems = site.check()
    assert where(problems, "stale") == {("content/data/releases.toml", 5)}
    assert problems[0].message == "release 2: covers must be a month, \"YYYY-MM\" (got '2026-9')"


# -- 6. drafts ------------------------------------------------------------------------------------

def test_leaked_draft_is_found_in_page_index_and_sitemap(site: Site) -> None:
    shutil.copytree(site.output / "briefs" / "deficit", site.output / "briefs" / "unfinished")
    index_line = site.insert("index.html", '<main id="main">',
                             '<p><a href="/briefs/unfinished/">Work in progress</a></p>')
    sitemap_line = site.insert("sitemap.xml", "<urlset",
                               f"  <url><loc>{BASE_URL}briefs/unfinished/</loc></url>")
    problems = site.check()
    assert kinds(problems) == {"draft"}
    assert where(problems, "draft") == {("briefs/unfinished/index.html", None),
                                        ("index.html", index_line),
                                        ("sitemap.xml", sitemap_line)}
    assert all("'Work in progress'" in p.message for p in problems)


# -- 7. page weight -------------------------------------------------------------------------------

def test_page_over_the_weight_budget(site: Site) -> None:
    problems = site.check(weight_budget=2048)
    # the brief, and its chart's permalink page, which shows the same chart and its table
    assert where(problems, "weight") == {(BRIEF_PAGE, None),
                                         ("briefs/deficit/charts/recent-balance/index.html", None)}
    assert all("over the budget of 2 KB" in p.message for p in problems)
    assert site.check(weight_budget=150 * 1024) == []


def test_render_blocking_script(site: Site) -> None:
    script = "/" + str(next(site.output.glob("assets/search.*.js")).relative_to(site.output))
    line = site.insert("index.html", "<title>", f'<script src="{script}"></script>')
    site.insert("index.html", "<title>", f'<script src="{script}" async></script>')
    problems = site.check()
    assert where(problems, "weight") == {("index.html", line + 1)}
    assert problems[0].message == f"render-blocking script {script}"


# -- 2. external links ----------------------------------------------------------------------------

class _Upstream(BaseHTTPRequestHandler):
    """Another site on loopback: /gone is 404, /no-head refuses HEAD, anything else is 200."""

    seen: list[tuple[str, str]]

    def _answer(self, method: str) -> None:
        self.seen.append((method, self.path))
        status = 404 if self.path == "/gone" else 200
        if self.path == "/no-head" and method == "HEAD":
            status = 405
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_HEAD(self) -> None:
        self._answer("HEAD")

    def do_GET(self) -> None:
        self._answer("GET")

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def upstream() -> Iterator[tuple[str, list[tuple[str, str]]]]:
    seen: list[tuple[str, str]] = []
    server = LoopbackServer(type("Handler", (_Upstream,), {"seen": seen}))
    server.start()
    try:
        yield server.url, seen
    finally:
        server.stop()


def only_loopback(base: str) -> HttpGet:
    """The real HTTP client for the server on loopback; the site's own links to other
    hosts (the licence, the data sources) are taken as answering, so nothing leaves."""
    client = HttpClient(None)

    def get(method: str, url: str, timeout: float) -> int:
        return client.status(method, url, timeout) if url.startswith(base) else 200
    return get


def test_external_links_are_checked_cached_and_rechecked_after_a_week(
        site: Site, upstream: tuple[str, list[tuple[str, str]]]) -> None:
    base, seen = upstream
    http = only_loopback(base)
    gone = site.insert(BRIEF_PAGE, '<main id="main">', f'<p><a href="{base}/gone">gone</a></p>')
    site.insert(BRIEF_PAGE, '<main id="main">',
                f'<p><a href="{base}/fine#part">fine</a> <a href="{base}/no-head">ok</a></p>')
    assert where(site.check(), "external") == set()  # off unless asked for

    problems = site.check(external=True, http_get=http)
    assert kinds(problems) == {"external"}
    assert where(problems, "external") == {(BRIEF_PAGE, gone + 1)}
    assert problems[0].message == f"broken external link {base}/gone (HTTP 404)"
    assert sorted(seen) == sorted([("HEAD", "/gone"), ("GET", "/gone"), ("HEAD", "/fine"),
                                   ("HEAD", "/no-head"), ("GET", "/no-head")])
    cache_file = site.project.cache / "links.json"
    links = json.loads(cache_file.read_text("utf-8"))["links"]
    assert {url: entry["status"] for url, entry in links.items() if url.startswith(base)} == {
        f"{base}/gone": 404, f"{base}/fine": 200, f"{base}/no-head": 200}

    # Within the week: answered from the cache, not a request made.
    seen.clear()
    assert site.check(external=True, http_get=http) == problems
    assert seen == []

    # After a week the answer is asked for again.
    links[f"{base}/gone"]["checked"] = (dt.datetime.now(dt.UTC)
                                        - dt.timedelta(days=8)).isoformat()
    cache_file.write_text(json.dumps({"format": 1, "links": links}), "utf-8")
    assert site.check(external=True, http_get=http) == problems
    assert seen == [("HEAD", "/gone"), ("GET", "/gone")]


def test_the_http_function_is_injectable_and_failures_are_problems(site: Site) -> None:
    line = site.insert(BRIEF_PAGE, '<main id="main">',
                       '<p><a href="https://example.invalid/page">x</a></p>')
    asked: list[tuple[str, str]] = []

    def refuse(method: str, url: str, timeout: float) -> int:
        asked.append((method, url))
        raise ConnectionRefusedError("refused")

    problems = [p for p in site.check(external=True, http_get=refuse)
                if "example.invalid" in p.message]
    assert [a for a in asked if "example.invalid" in a[1]] == [
        ("HEAD", "https://example.invalid/page"), ("GET", "https://example.invalid/page")]
    assert where(problems, "external") == {(BRIEF_PAGE, line)}
    assert problems[0].message == ("broken external link https://example.invalid/page "
                                   "(ConnectionRefusedError: refused)")


# -- a figure or claim the data no longer support -------------------------------------------------

def test_check_builds_first_and_reports_a_contradicted_claim(site: Site) -> None:
    brief = site.root / "content" / "briefs" / "deficit.md"
    text = BRIEF.replace(f"{TRUE_WORD}(balance", f"{FALSE_WORD}(balance")
    brief.write_text(text, "utf-8")
    bad_date = site.root / "content" / "briefs" / "other.md"
    bad_date.write_text(BRIEF.replace("date: 2025-02-05", "date: 2025-02-30"), "utf-8")
    problems = check(site.project, SilentReporter(), site.output, browser=False, today=TODAY)
    claim_line = next(n for n, line in enumerate(text.splitlines(), start=1)
                      if f"{FALSE_WORD}(balance" in line)
    assert {(p.kind, p.path, p.line) for p in problems} == {
        ("claim", "content/briefs/deficit.md", claim_line),
        ("build", "content/briefs/other.md", 3),
    }
    claim = next(p for p in problems if p.kind == "claim")
    assert f"do not support {FALSE_WORD!r}" in claim.message
    assert claim.hint
