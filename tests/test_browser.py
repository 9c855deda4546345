"""The built site in a real browser (Debian's Chromium driven by Playwright).

What a reader would notice: the brief reads fine with JavaScript off, Vega is fetched only
when a chart comes near, nothing is fetched from another host, dark mode, print and phone
layouts hold up, and every chart is reachable by keyboard. Full-page screenshots are left in
``test-artifacts/screenshots/`` for people to look at.

Then what every reader gets: axe-core finds no WCAG 2.1 A/AA violation on any kind of page, in
light and dark schemes (the brief with its charts enhanced and without JavaScript); search
finds the flagship; listings show their cards, figures and thumbnails without JavaScript; and
the social card a shared link shows is 1200x630.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from conftest import SCREENSHOTS
from playwright.sync_api import Browser, BrowserContext, Page

from site_builder.loopback import serve

REPO = Path(__file__).resolve().parents[1]

FLAGSHIP = "/briefs/us-trade-deficit-2024/"
FLAGSHIP_TAG = "/tags/trade-deficit/"
FLAGSHIP_YEAR = "/archive/2026/"
CHART_COUNT = 5
BASE_URL = tomllib.loads((REPO / "content" / "site.toml").read_text("utf-8"))["base_url"]
CARD_SIZE = (1200, 630)
ROOT_MARGIN = 200  # px: the IntersectionObserver rootMargin in assets/charts.js
VEGA_BUNDLE = re.compile(r"/assets/vega-embed\.[0-9a-f]{8}\.js")  # fingerprinted name
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
ENHANCE_TIMEOUT = 20_000  # ms


# --------------------------------------------------------------------------- fixtures

@pytest.fixture(scope="module")
def server(built_site: Path) -> Iterator[str]:
    """The built site over HTTP on loopback; yields the base URL (no trailing slash)."""
    with serve(built_site) as url:
        yield url


def open_page(browser: Browser, contexts: list[BrowserContext], **options: Any) -> Page:
    options.setdefault("viewport", DESKTOP)
    context = browser.new_context(**options)
    context.set_default_timeout(15_000)
    contexts.append(context)
    return context.new_page()


# --------------------------------------------------------------------------- helpers

def luminance(css_colour: str) -> float:
    """WCAG relative luminance of a computed ``rgb()``/``rgba()`` colour."""
    match = re.match(r"rgba?\(([\d.]+),\s*([\d.]+),\s*([\d.]+)", css_colour)
    assert match, f"not an rgb() colour: {css_colour!r}"

    def channel(value: str) -> float:
        c = float(value) / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(v) for v in match.groups())
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def is_invisible_fill(css_colour: str) -> bool:
    """``none``, ``transparent`` or a fully transparent rgba()."""
    value = css_colour.replace(" ", "")
    return value in ("none", "transparent") or (
        value.startswith("rgba(") and float(value[:-1].rsplit(",", 1)[1]) == 0)


def page_top(page: Page, selector: str) -> float:
    """Distance from the top of the document to the element, in CSS pixels."""
    return page.eval_on_selector(
        selector, "el => el.getBoundingClientRect().top + window.scrollY")


def scroll_through(page: Page) -> None:
    """Scroll to the bottom half a screen at a time, as a reader would, and wait for the
    interactive charts every scroll brought near."""
    height = page.viewport_size["height"] if page.viewport_size else 800
    position = 0
    while position < page.evaluate("document.documentElement.scrollHeight"):
        position += height // 2
        page.evaluate("y => window.scrollTo(0, y)", position)
        # two frames: the page is drawn at this position, so the charts' intersection
        # observer sees it (a fixed pause let a loaded machine skip a position, and a chart)
        page.evaluate("() => new Promise(done => requestAnimationFrame("
                      "() => requestAnimationFrame(done)))")
    page.wait_for_function(
        "n => document.querySelectorAll('figure.chart[data-enhanced=\"yes\"]').length === n",
        arg=CHART_COUNT, timeout=ENHANCE_TIMEOUT)
    page.wait_for_load_state("networkidle")
    page.evaluate("window.scrollTo(0, 0)")


# --------------------------------------------------------------------------- 1. no JavaScript

def test_flagship_reads_fine_without_javascript(browser, server, contexts):
    page = open_page(browser, contexts, java_script_enabled=False)
    page.goto(server + FLAGSHIP)

    h1 = page.locator("h1")
    assert h1.is_visible()
    assert "2024 goods deficit" in h1.inner_text()

    highlights = page.locator(".highlights")
    assert highlights.is_visible()
    assert highlights.locator("dd a.figure").count() >= 3
    assert page.locator("#sources-title").is_visible()

    figures = page.locator("a.figure").all()
    shown = [f for f in figures if f.is_visible() and f.inner_text().strip()]
    assert len(shown) >= 20, f"only {len(shown)} visible figures of {len(figures)}"
    for figure in figures:
        assert figure.locator("data[value]").count() == 1

    svgs = page.locator('figure.chart[data-spec] .chart-plot svg[role="img"]')
    assert svgs.count() == CHART_COUNT
    for svg in svgs.all():
        assert svg.is_visible()
        box = svg.bounding_box()
        assert box and box["width"] > 200 and box["height"] > 100, box
        assert (svg.locator("title").text_content() or "").strip()
    # the CSV and SVG downloads are links; the PNG, drawn by the script, is not offered
    downloads = page.locator(".chart-download")
    assert downloads.count() == CHART_COUNT
    for download in downloads.all():
        assert download.locator("a[download]").count() == 2
        assert not download.locator(".chart-png").is_visible()
        # then the link to the chart's own page, to share or embed it
        assert "image (SVG). Share or embed" in download.inner_text()


def test_listing_shows_the_brief_with_its_headline_figure(browser, server, contexts):
    """On the archive of its year, which lists it whatever else ships."""
    page = open_page(browser, contexts, java_script_enabled=False)
    page.goto(server + FLAGSHIP_YEAR)

    # the lead brief, or a card below it
    card = page.locator(".lead, .card", has=page.locator(f':is(h2, h3) a[href="{FLAGSHIP}"]'))
    assert card.count() == 1
    assert card.locator(":is(h2, h3) a").is_visible()
    assert "2024 goods deficit" in card.locator(":is(h2, h3) a").inner_text()

    headline = card.locator(".headline-figure a.figure")
    assert headline.is_visible()
    assert re.fullmatch(r"\$[\d.,]+ (trillion|billion)", headline.inner_text().strip())
    assert headline.get_attribute("href").startswith(FLAGSHIP + "#source-")
    assert card.locator(".headline-figure .label").inner_text().strip()


# --------------------------------------------------------------------------- 2. lazy Vega

def test_vega_is_fetched_only_when_a_chart_nears_the_viewport(browser, server, contexts):
    # The layout depends on the width only: find where the first chart sits, and use a
    # viewport short enough that the chart is out of reach of the observer's root margin.
    probe = open_page(browser, contexts, java_script_enabled=False)
    probe.goto(server + FLAGSHIP)
    first_top = page_top(probe, "figure.chart")
    height = DESKTOP["height"]
    if first_top <= height + ROOT_MARGIN:
        height = int(first_top) - ROOT_MARGIN - 100
    assert height >= 300, f"the first chart is only {first_top}px down the page"

    page = open_page(browser, contexts, viewport={"width": DESKTOP["width"], "height": height})
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(server + FLAGSHIP)
    page.wait_for_load_state("networkidle")

    first = page.locator("figure.chart").first
    first_id = first.get_attribute("id")
    assert page_top(page, "figure.chart") > height + ROOT_MARGIN
    vega = [u for u in requests if VEGA_BUNDLE.fullmatch(urlsplit(u).path)]
    assert vega == [], "vega-embed.js was fetched before any chart came near the viewport"
    assert not [u for u in requests if u.endswith(".vl.json")]
    assert first.get_attribute("data-enhanced") is None

    first.scroll_into_view_if_needed()
    page.locator(f'#{first_id}[data-enhanced="yes"]').wait_for(state="attached",
                                                               timeout=ENHANCE_TIMEOUT)
    vega = [u for u in requests if VEGA_BUNDLE.fullmatch(urlsplit(u).path)]
    assert len(vega) == 1, vega
    assert any(urlsplit(u).path == f"{FLAGSHIP}{first_id.removeprefix('chart-')}.vl.json"
               for u in requests)

    # The reader sees one chart: the live one, with the static SVG kept only for screen
    # readers.
    live = first.locator(".chart-plot > div svg").first
    assert live.is_visible()
    box = live.bounding_box()
    assert box and box["width"] > 200 and box["height"] > 100, box
    static = first.locator('.chart-plot > svg[role="img"]')
    assert "replaced" in (static.get_attribute("class") or "").split()
    static_box = static.bounding_box()
    assert static_box and static_box["height"] <= 1, static_box


# --------------------------------------------------------------------------- 3. loopback only

def test_no_request_leaves_the_machine(browser, server, contexts):
    page = open_page(browser, contexts)
    requests: list[str] = []
    failures: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.on("response", lambda r: failures.append(f"{r.status} {r.url}") if r.status >= 400
            else None)
    page.on("requestfailed", lambda r: failures.append(f"{r.failure} {r.url}"))

    page.goto(server + FLAGSHIP)
    page.wait_for_load_state("networkidle")
    scroll_through(page)  # every chart turns interactive: Vega, its specs, any fonts
    for path in ("/", "/about/"):
        page.goto(server + path)
        page.wait_for_load_state("networkidle")

    assert any(VEGA_BUNDLE.fullmatch(urlsplit(u).path) for u in requests)
    # data: and blob: URLs are made inside the page and never touch the network.
    network = [u for u in requests if urlsplit(u).scheme not in ("data", "blob")]
    elsewhere = [u for u in network if urlsplit(u).hostname != "127.0.0.1"]
    assert elsewhere == []
    assert failures == []


# --------------------------------------------------------------------------- 4. dark mode

def test_dark_mode_page_and_charts(browser, server, contexts):
    page = open_page(browser, contexts, color_scheme="dark")
    page.goto(server + FLAGSHIP)

    body = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert luminance(body) < 0.05, body
    text = page.evaluate("getComputedStyle(document.body).color")
    assert luminance(text) > 0.6, text

    def chart_colours() -> dict[str, list[str]]:
        return page.evaluate("""() => ({
            labels: [...document.querySelectorAll('.chart svg .role-axis-label text')]
                .map(t => getComputedStyle(t).fill),
            backgrounds: [...document.querySelectorAll(
                    '.chart svg .background, .chart svg > rect')]
                .map(b => getComputedStyle(b).fill),
            perChart: [...document.querySelectorAll('figure.chart')]
                .map(f => f.querySelectorAll('.role-axis-label text').length),
        })""")

    def check(colours: dict[str, list[Any]]) -> None:
        assert all(n > 0 for n in colours["perChart"]), colours["perChart"]
        dim = [c for c in colours["labels"] if luminance(c) < 0.4]
        assert dim == [], f"axis labels too dark on a dark page: {sorted(set(dim))}"
        opaque = [c for c in colours["backgrounds"] if not is_invisible_fill(c)]
        assert opaque == [], f"chart backgrounds painted: {sorted(set(opaque))}"

    check(chart_colours())  # the static SVGs
    scroll_through(page)
    check(chart_colours())  # and the interactive charts Vega drew in the browser


# --------------------------------------------------------------------------- 5. print

def test_print_hides_controls_and_keeps_charts_whole(browser, server, contexts):
    page = open_page(browser, contexts)
    page.goto(server + FLAGSHIP)
    page.emulate_media(media="print")

    downloads = page.locator(".chart-download")
    assert downloads.count() == CHART_COUNT
    for download in downloads.all():
        assert download.is_hidden()
    for table in page.locator("details.chart-data").all():
        assert table.is_hidden()
    for svg in page.locator('figure.chart .chart-plot svg[role="img"]').all():
        assert svg.is_visible()
    breaks = page.eval_on_selector_all(
        "figure.chart", "els => els.map(e => getComputedStyle(e).breakInside)")
    assert breaks == ["avoid"] * CHART_COUNT


# --------------------------------------------------------------------------- 6. phone

@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_phone_has_no_horizontal_scroll(browser, server, contexts, scheme):
    page = open_page(browser, contexts, viewport=PHONE, color_scheme=scheme,
                     device_scale_factor=2, is_mobile=True, has_touch=True)
    page.goto(server + FLAGSHIP)

    def overflow() -> dict[str, Any]:
        return page.evaluate("""() => ({
            scrollWidth: document.documentElement.scrollWidth,
            wide: [...document.querySelectorAll('body *')]
                .filter(e => e.getBoundingClientRect().right > 390.5)
                .slice(0, 5).map(e => e.tagName + '.' + e.className),
        })""")

    static = overflow()
    assert static["scrollWidth"] <= PHONE["width"], static
    scroll_through(page)
    live = overflow()
    assert live["scrollWidth"] <= PHONE["width"], live


# --------------------------------------------------------------------------- 7. keyboard

def test_every_chart_is_reachable_by_keyboard(browser, server, contexts):
    page = open_page(browser, contexts)
    page.goto(server + FLAGSHIP)
    chart_ids = page.eval_on_selector_all("figure.chart", "els => els.map(e => e.id)")
    assert len(chart_ids) == CHART_COUNT
    tabbable = page.evaluate("document.querySelectorAll('a[href], summary, [tabindex]').length")

    seen: list[str] = []
    outlines: dict[str, str] = {}
    for _ in range(tabbable + 10):
        page.keyboard.press("Tab")
        focus = page.evaluate("""() => {
            const el = document.activeElement;
            if (!el || el === document.body) return null;
            const figure = el.closest('figure.chart');
            let kind = 'other';
            if (el.matches('figure.chart figcaption a')) kind = 'title';
            else if (el.matches('details.chart-data summary')) kind = 'summary';
            const style = getComputedStyle(el);
            const where = kind === 'other'
                ? [...document.querySelectorAll('*')].indexOf(el) : figure.id;
            return {key: kind + ':' + where,
                    outline: style.outlineStyle + ' ' + style.outlineWidth};
        }""")
        if focus is None:
            break  # focus left the document: every stop has been visited
        if focus["key"] in seen:
            break  # focus wrapped round to the start
        seen.append(focus["key"])
        outlines[focus["key"]] = focus["outline"]

    titles = [k.split(":", 1)[1] for k in seen if k.startswith("title:")]
    summaries = [k.split(":", 1)[1] for k in seen if k.startswith("summary:")]
    assert titles == chart_ids, seen
    assert summaries == chart_ids, seen
    for chart_id in chart_ids:
        # The title comes before its data table, and both show where the focus is.
        assert seen.index(f"title:{chart_id}") < seen.index(f"summary:{chart_id}")
        for kind in ("title", "summary"):
            style, width = outlines[f"{kind}:{chart_id}"].split()
            assert style != "none" and width != "0px", (kind, chart_id, style, width)


# --------------------------------------------------------------------------- 8. screenshots

SHOTS = {
    "flagship-desktop-light.png": {"viewport": DESKTOP, "color_scheme": "light"},
    "flagship-desktop-dark.png": {"viewport": DESKTOP, "color_scheme": "dark"},
    "flagship-phone-light.png": {"viewport": PHONE, "color_scheme": "light"},
    "flagship-phone-dark.png": {"viewport": PHONE, "color_scheme": "dark"},
    "flagship-print.png": {"viewport": DESKTOP, "color_scheme": "light", "print": True},
}


@pytest.mark.parametrize("name", list(SHOTS))
def test_screenshot(browser, server, contexts, name):
    shot = dict(SHOTS[name])
    printing = shot.pop("print", False)
    page = open_page(browser, contexts, **shot)
    page.goto(server + FLAGSHIP)
    scroll_through(page)  # show the charts as a reader who scrolled would see them
    if printing:
        page.emulate_media(media="print")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / name
    path.unlink(missing_ok=True)
    page.screenshot(path=path, full_page=True)

    assert path.is_file()
    data = path.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    assert len(data) > 20_000, f"{name} is only {len(data)} bytes"
    width = int.from_bytes(data[16:20], "big")
    assert width == shot["viewport"]["width"], width


# --------------------------------------------------------------------------- 9. axe-core

AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
AXE_RUN = """tags => axe.run(document, {runOnly: {type: "tag", values: tags}}).then(r => ({
    passes: r.passes.map(p => p.id),
    violations: r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
        helpUrl: v.helpUrl, nodes: v.nodes.map(n => ({target: n.target.join(" "),
                                                      html: n.html,
                                                      summary: n.failureSummary}))})),
}))"""


@pytest.fixture(scope="module")
def axe_script() -> str:
    """axe-core as shipped inside the axe-playwright-python package."""
    import axe_playwright_python

    return (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text("utf-8")


def axe_violations(page: Page, axe_script: str) -> list[dict[str, Any]]:
    page.add_script_tag(content=axe_script)
    result = page.evaluate(AXE_RUN, AXE_TAGS)
    # Not a blind audit: the rules that matter most on these pages did look at something.
    for rule in ("color-contrast", "document-title", "html-has-lang", "link-name"):
        assert rule in result["passes"] or any(v["id"] == rule for v in result["violations"]), (
            f"axe never applied {rule}")
    return result["violations"]


def describe(violations: list[dict[str, Any]]) -> str:
    lines = []
    for v in violations:
        lines.append(f"{v['id']} ({v['impact']}): {v['help']} <{v['helpUrl']}>")
        for node in v["nodes"]:
            summary = " ".join(node["summary"].split())
            lines.append(f"    {node['target']}: {summary}\n      {node['html'][:200]}")
    return "\n".join(lines)


def open_all_details(page: Page) -> None:
    """Readers open the data tables and citations: audit them open."""
    count = page.evaluate(
        "() => { const d = [...document.querySelectorAll('details')];"
        " d.forEach(e => { e.open = true; }); return d.length; }")
    assert count == 2 * CHART_COUNT


def enhanced_brief(page: Page, server: str) -> None:
    page.goto(server + FLAGSHIP)
    scroll_through(page)
    open_all_details(page)


def brief_without_javascript(page: Page, server: str) -> None:
    """The brief as a reader without JavaScript gets it.

    With JavaScript switched off Chromium runs no timers, so axe (which needs them) cannot
    run. Instead the page's scripts are refused at the network: this page has no inline
    script but its JSON-LD and no <noscript>, so what is left is exactly the no-JavaScript
    page, and axe is then added by hand.
    """
    page.route("**/*", lambda route: route.abort() if route.request.resource_type == "script"
               else route.continue_())
    page.goto(server + FLAGSHIP)
    page.unroute("**/*")
    assert page.evaluate("""() => ({
        inline: [...document.scripts].filter(
            s => !s.src && s.type !== 'application/ld+json').length,
        noscript: document.querySelectorAll('noscript').length,
        enhanced: document.querySelectorAll('figure.chart[data-enhanced]').length,
    })""") == {"inline": 0, "noscript": 0, "enhanced": 0}
    open_all_details(page)


def search_ready(page: Page, server: str) -> None:
    page.goto(server + "/search/")
    page.locator(".pagefind-ui__search-input").wait_for(state="visible")


def search_results(page: Page, server: str) -> None:
    search_ready(page, server)
    page.locator(".pagefind-ui__search-input").press_sequentially("pharmaceutical")
    # the results of the whole word, not those of a prefix typed on the way (on a loaded
    # machine, "pharm"'s may still be showing when the first result turns visible)
    page.locator(".pagefind-ui__message", has_text="pharmaceutical").wait_for()
    page.locator(".pagefind-ui__result").first.wait_for(state="visible")


def plain(path: str) -> Any:
    def load(page: Page, server: str) -> None:
        page.goto(server + path)
    return load


AXE_PAGES = {
    "index": plain("/"),
    "brief-enhanced": enhanced_brief,
    "brief-no-js": brief_without_javascript,
    "about": plain("/about/"),
    "partners": plain("/partners/"),
    "topics": plain("/tags/"),
    "topic": plain(FLAGSHIP_TAG),
    "archive": plain("/archive/"),
    "year": plain(FLAGSHIP_YEAR),
    "search": search_ready,
    "search-results": search_results,
    "404": plain("/404.html"),
}


@pytest.mark.slow(2)
@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("name", list(AXE_PAGES))
def test_axe_finds_no_wcag_violations(browser, server, contexts, axe_script, name, scheme):
    page = open_page(browser, contexts, color_scheme=scheme)
    AXE_PAGES[name](page, server)
    assert page.evaluate("matchMedia('(prefers-color-scheme: dark)').matches") == (
        scheme == "dark")
    violations = axe_violations(page, axe_script)
    assert violations == [], f"{name} ({scheme}):\n{describe(violations)}"


# --------------------------------------------------------------------------- 10. search

def test_search_finds_the_flagship_first(browser, server, contexts):
    page = open_page(browser, contexts)
    search_results(page, server)

    first = page.locator(".pagefind-ui__result").first
    link = first.locator("a.pagefind-ui__result-link").first
    href = link.get_attribute("href") or ""
    assert urlsplit(href).path == FLAGSHIP, href
    title = link.inner_text().strip()
    excerpt = first.locator(".pagefind-ui__result-excerpt").first.inner_text()
    assert "pharmaceutical" in excerpt.lower(), excerpt

    link.click()
    page.wait_for_url(server + FLAGSHIP)
    assert page.locator("h1").inner_text().strip() == title
    assert "pharmaceutical" in page.locator("article.brief").inner_text()


# --------------------------------------------------------------------------- 11. listings

def wait_until_loaded(page: Page, image: Any) -> None:
    """Wait for an image without the page's help (no timers run with JavaScript off)."""
    for _ in range(100):
        if image.evaluate("img => img.complete"):
            return
        page.wait_for_timeout(50)
    raise AssertionError(f"{image.get_attribute('src')} never finished loading")


@pytest.mark.parametrize("path", ["/", FLAGSHIP_TAG, FLAGSHIP_YEAR])
def test_listing_cards_without_javascript(browser, server, contexts, path):
    page = open_page(browser, contexts, java_script_enabled=False)
    failed: list[str] = []
    page.on("response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400
            else None)
    page.goto(server + path)

    cards = page.locator("ol.cards > li.card, article.lead")
    assert cards.count() >= 1
    if path != "/":  # the index keeps only the newest briefs: the flagship may be gone
        flagship = cards.filter(has=page.locator(f':is(h2, h3) a[href="{FLAGSHIP}"]'))
        assert flagship.count() == 1
        assert flagship.locator(".headline-figure .value a.figure").count() == 1
        assert flagship.locator("img.card-thumb").count() == 1
    for card in cards.all():  # a headline figure and a thumbnail where the brief has them
        title = card.locator(":is(h2, h3) a")
        assert title.is_visible() and title.inner_text().strip()
        figure = card.locator(".headline-figure .value a.figure")
        if figure.count():
            assert figure.is_visible()
            assert re.fullmatch(r"[−-]?\$[\d.,]+( trillion| billion| million)?",
                                figure.inner_text().strip()), figure.inner_text()
            assert card.locator(".headline-figure .label").inner_text().strip()

        thumb = card.locator("img.card-thumb, .lead-chart img")
        assert thumb.count() <= 1
        if not thumb.count():
            continue
        thumb.scroll_into_view_if_needed()
        wait_until_loaded(page, thumb)
        assert thumb.evaluate("img => img.naturalWidth") > 0, thumb.get_attribute("src")
        assert thumb.is_visible()
        box = thumb.bounding_box()
        assert box and box["width"] > 100 and box["height"] > 50, box
    assert failed == []


def test_archive_leads_to_every_year(browser, server, contexts):
    page = open_page(browser, contexts, java_script_enabled=False)
    page.goto(server + "/archive/")
    years = page.locator("main ul.topic-list a")
    assert years.count() >= 1
    hrefs = [a.get_attribute("href") for a in years.all()]
    assert FLAGSHIP_YEAR in hrefs
    page.locator(f'main a[href="{FLAGSHIP_YEAR}"]').click()
    page.wait_for_url(server + FLAGSHIP_YEAR)
    assert page.locator(f'ol.cards h2 a[href="{FLAGSHIP}"]').is_visible()


# --------------------------------------------------------------------------- 12. social card

def test_social_card_is_1200_by_630(browser, server, contexts):
    page = open_page(browser, contexts)
    page.goto(server + FLAGSHIP)
    og_image = page.locator('meta[property="og:image"]').get_attribute("content") or ""
    parts, base = urlsplit(og_image), urlsplit(BASE_URL)
    assert (parts.scheme, parts.netloc) == (base.scheme, base.netloc), og_image
    assert parts.path == FLAGSHIP + "card.png"
    declared = [page.locator(f'meta[property="og:image:{d}"]').get_attribute("content")
                for d in ("width", "height")]
    assert declared == [str(n) for n in CARD_SIZE]

    response = page.goto(server + parts.path)
    assert response is not None and response.status == 200
    assert response.headers["content-type"] == "image/png"
    data = response.body()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    header = (int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big"))
    assert header == CARD_SIZE
    shown = page.evaluate("() => [document.images[0].naturalWidth,"
                          " document.images[0].naturalHeight]")
    assert tuple(shown) == CARD_SIZE
