"""A chart embedded in another site, in Debian's Chromium: the live snippet pasted into a
plain host page served from a second origin, with the chart's site sending netlify.toml's
headers. The frame loads, its height follows the width the host gives it, other pages of
the site refuse to be framed, and axe finds nothing on the permalink and embed pages.
Screenshots are left in ``test-artifacts/screenshots/`` for people to look at."""

from __future__ import annotations

import html
import re
import time
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from conftest import REPO, TinyProject, screenshot_fits
from playwright.sync_api import Browser, BrowserContext, Frame, Page

from site_builder.build.pipeline import build
from site_builder.check.browser import AXE_TAGS
from site_builder.loopback import serve
from site_builder.preview.netlify import Rules, load_rules
from site_builder.report import SilentReporter

BASE = "https://trade-desk-briefs.netlify.app"
PERMALINK = "/briefs/embedded/charts/balance/"
EMBED = "/embed/briefs/embedded/balance/"
WIDTHS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 800}}

BRIEF = """---
title: A brief whose chart others embed
date: 2026-05-10
summary: One chart, to be embedded elsewhere.
---
The balance, month by month.

```chart
id: balance
title: US trade balance, 2020 to 2024
data: trade_balance
since: 2020-01
until: 2024-12
mark: line
encoding:
  x: {field: period, type: temporal, title: null}
  y: {field: value, type: quantitative, title: Billions of dollars}
```
"""


class _Netlify(SimpleHTTPRequestHandler):
    """The built site with the headers netlify.toml gives each path."""

    rules: Rules = Rules()

    def end_headers(self) -> None:
        for name, value in self.rules.headers_for(urlsplit(self.path).path).items():
            self.send_header(name, value)
        super().end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, chart_cache: Path) -> TinyProject:
    tiny = TinyProject(tmp_path_factory.mktemp("embed") / "project", chart_cache)
    tiny.brief("embedded", BRIEF)
    build(tiny.project, SilentReporter(), tiny.output)
    return tiny


@pytest.fixture(scope="module")
def chart_site(site: TinyProject) -> Iterator[str]:
    handler = type("Handler", (_Netlify,), {"rules": load_rules(REPO / "netlify.toml")})
    with serve(site.output, handler) as url:
        yield url


@pytest.fixture(scope="module")
def host(site: TinyProject, chart_site: str, tmp_path_factory: pytest.TempPathFactory
         ) -> Iterator[str]:
    """Another origin (another port): a plain page with the live snippet as a writer would
    paste it (the site's address made this test's), and one that frames a permalink page."""
    page = (site.output / PERMALINK.strip("/") / "index.html").read_text("utf-8")
    found = re.search(r'<textarea id="snippet-live"[^>]*>(.*?)</textarea>', page, re.S)
    assert found, "no live snippet on the permalink page"
    snippet = html.unescape(found.group(1)).replace(BASE, chart_site)
    folder = tmp_path_factory.mktemp("host")
    (folder / "index.html").write_text(
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        "<meta name=viewport content='width=device-width, initial-scale=1'>"
        "<title>A newsroom's story</title></head><body style='font-family:serif;margin:1rem'>"
        "<h1>A story on another site</h1><p>Some words before the chart.</p>"
        f"<div id=column style='max-width:720px'>{snippet}</div>"
        "<p>Some words after it.</p></body></html>", "utf-8")
    (folder / "framing.html").write_text(
        "<!doctype html><html lang=en><head><meta charset=utf-8><title>Framing</title></head>"
        f"<body><iframe id=permalink src='{chart_site}{PERMALINK}' title=x></iframe>"
        f"<iframe id=embed src='{chart_site}{EMBED}' title=y></iframe></body></html>", "utf-8")
    with serve(folder, _Quiet) as url:
        yield url


def open_page(browser: Browser, contexts: list[BrowserContext], allowed: tuple[str, ...],
              **options: Any) -> Page:
    options.setdefault("viewport", WIDTHS["desktop"])
    context = browser.new_context(**options)
    context.set_default_timeout(15_000)
    # nothing leaves the machine
    context.route("**/*", lambda route: route.continue_()
                  if route.request.url.startswith(allowed) else route.abort())
    contexts.append(context)
    return context.new_page()


def embed_frame(page: Page) -> Frame:
    page.wait_for_selector("figure.trade-embed iframe")
    frame = page.frame_locator("figure.trade-embed iframe")
    frame.locator("svg[role=img]").wait_for()
    return next(f for f in page.frames if f.url.rstrip("/").endswith(EMBED.rstrip("/")))


def fitted(page: Page, frame: Frame) -> tuple[float, float]:
    """(the frame's height on the host page, the height of the page inside it), once the
    host has applied the height the frame reported: both are read again until they agree
    (for up to 10 s), as the frame may still be laying out at a new width."""
    deadline = time.monotonic() + 10
    while True:
        inner = frame.evaluate(
            "Math.ceil(document.documentElement.getBoundingClientRect().height)")
        outer = page.eval_on_selector("figure.trade-embed iframe",
                                      "f => f.getBoundingClientRect().height")
        if abs(outer - inner) < 1.5 or time.monotonic() > deadline:
            return outer, inner
        page.wait_for_timeout(50)


def test_the_live_snippet_frames_the_chart_and_follows_the_hosts_width(
        browser: Browser, contexts: list[BrowserContext], chart_site: str, host: str) -> None:
    page = open_page(browser, contexts, (chart_site + "/", host + "/"))
    page.goto(host + "/", wait_until="load")
    frame = embed_frame(page)
    assert frame.url.startswith(chart_site)  # another origin than the host page
    wide_outer, wide_inner = fitted(page, frame)
    assert abs(wide_outer - wide_inner) < 1.5
    page.eval_on_selector("#column", "c => c.style.maxWidth = '320px'")
    page.wait_for_function(
        "h => document.querySelector('figure.trade-embed iframe')"
        ".getBoundingClientRect().height < h - 40", arg=wide_outer)
    narrow_outer, narrow_inner = fitted(page, frame)
    assert abs(narrow_outer - narrow_inner) < 1.5
    assert narrow_outer < wide_outer  # a narrower chart is a shorter one
    page.eval_on_selector("#column", "c => c.style.maxWidth = '720px'")
    page.wait_for_function(
        "h => Math.abs(document.querySelector('figure.trade-embed iframe')"
        ".getBoundingClientRect().height - h) < 1.5", arg=wide_outer)
    # the frame's own page: the chart, its title and a link back to the permalink page
    assert frame.locator("h1 a").get_attribute("href") == PERMALINK
    assert frame.locator(".chart-source").inner_text().startswith("Source: ")
    assert page.locator("figure.trade-embed figcaption a").first.get_attribute(
        "href") == chart_site + PERMALINK


def test_only_embed_pages_may_be_framed_by_another_site(
        browser: Browser, contexts: list[BrowserContext], chart_site: str, host: str) -> None:
    page = open_page(browser, contexts, (chart_site + "/", host + "/"))
    page.goto(host + "/framing.html", wait_until="load")
    embedded = page.frame_locator("#embed")
    embedded.locator("svg[role=img]").wait_for()
    page.wait_for_timeout(300)
    urls = {f.url for f in page.frames}
    assert chart_site + EMBED in urls
    assert chart_site + PERMALINK not in urls, urls  # refused: frame-ancestors 'none'
    refused = page.frame_locator("#permalink")
    assert refused.locator("h1").inner_text() != "US trade balance, 2020 to 2024"


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("width", list(WIDTHS))
def test_screenshots(browser: Browser, contexts: list[BrowserContext], chart_site: str,
                     host: str, width: str, scheme: str) -> None:
    for name, address in (("chart-permalink", chart_site + PERMALINK),
                          ("chart-embedded", host + "/")):
        page = open_page(browser, contexts, (chart_site + "/", host + "/"),
                         viewport=WIDTHS[width], color_scheme=scheme)
        page.goto(address, wait_until="load")
        if name == "chart-embedded":
            fitted(page, embed_frame(page))
        screenshot_fits(page, f"{name}-{width}-{scheme}")


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("address", [PERMALINK, EMBED])
def test_axe_finds_nothing_on_the_permalink_and_embed_pages(
        browser: Browser, contexts: list[BrowserContext], chart_site: str, address: str,
        scheme: str) -> None:
    import axe_playwright_python

    axe = (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text("utf-8")
    # the page's policy would refuse axe's inline script: this tab sets it aside
    page = open_page(browser, contexts, (chart_site + "/",), color_scheme=scheme,
                     bypass_csp=True)
    page.goto(chart_site + address, wait_until="load")
    page.add_script_tag(content=axe)
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}}).then(r => ({"
        "passes: r.passes.map(p => p.id), violations: r.violations.map(v => v.id + ': ' +"
        " v.help + ' at ' + v.nodes.map(n => n.target.join(' ')).join(', '))}))", AXE_TAGS)
    assert "color-contrast" in result["passes"] and "link-name" in result["passes"]
    assert result["violations"] == []


def test_the_copy_button_copies_the_snippet_shown(
        browser: Browser, contexts: list[BrowserContext], chart_site: str) -> None:
    page = open_page(browser, contexts, (chart_site + "/",))
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=chart_site)
    page.goto(chart_site + PERMALINK, wait_until="load")
    button = page.locator("button[data-copy=snippet-live]")
    button.click()  # hidden until the script runs: clickable means the script ran
    page.locator(".copy-status", has_text="Copied.").wait_for()
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied == page.locator("#snippet-live").input_value()
    assert 'data-embed="' in copied and "/embed.js" in copied


def test_without_javascript_the_snippets_are_there_and_no_button_is(
        browser: Browser, contexts: list[BrowserContext], chart_site: str) -> None:
    page = open_page(browser, contexts, (chart_site + "/",), java_script_enabled=False)
    page.goto(chart_site + PERMALINK, wait_until="load")
    assert page.locator("textarea[readonly]").count() == 2
    assert page.locator("button.copy:visible").count() == 0
