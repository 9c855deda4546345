"""axe-core in Chromium, driven by Playwright: the accessibility rules a browser can judge.

One browser checks every page: a few tabs at once (:data:`TABS`), each page loaded once and
judged in the light scheme, then in the dark (with fewer pages than tabs, a tab per scheme).
axe-core is given to the browser once, as a script every page of the one context runs
before its own, and asked for violations only.

Nothing leaves the machine: the pages come from a server on loopback, and every request to
any other address goes to a proxy that does not exist. (Not Playwright's request routing,
which would switch off the browser's cache: each page would fetch the site's CSS and
scripts again.)
"""

from __future__ import annotations

import asyncio
import importlib.util
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from site_builder.check.record import version_of

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
#: Where requests to any host but loopback go: a port nothing listens on, so they fail.
NOWHERE = {"server": "http://127.0.0.1:9", "bypass": "127.0.0.1"}
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
SCHEMES: tuple[Literal["light", "dark"], ...] = ("light", "dark")
#: Pages checked at once. Measured on 2 cores (30 pages): 3 tabs took 0.78 the time of 1, by
#: keeping the browser busy while a page loads, and 2 tabs 0.89.
TABS = 3
AXE_RUN = """tags => axe.run(document, {runOnly: {type: 'tag', values: tags},
  resultTypes: ['violations']}).then(r => r.violations.map(v => ({id: v.id, help: v.help,
  helpUrl: v.helpUrl, targets: v.nodes.map(n => n.target.join(' '))})))"""


class BrowserFailed(Exception):
    """Chromium would not start, or failed on a page; the message says how."""


@dataclass(frozen=True)
class Violation:
    """One axe rule broken by one element of one page, in the colour schemes it fails in."""

    page: str  # relative to the site, e.g. briefs/x/index.html
    rule: str
    target: str  # the element, as a CSS selector
    help: str
    help_url: str
    schemes: tuple[str, ...]


def browser_missing() -> str:
    """Why the browser cannot run here, or ''."""
    if not CHROMIUM.exists():
        return f"no browser at {CHROMIUM} (apt-get install chromium)"
    for module in ("playwright", "axe_playwright_python"):
        if importlib.util.find_spec(module) is None:
            return f"the Python package {module} is not installed"
    return ""


def axe_source() -> bytes:
    """axe-core as shipped inside the axe-playwright-python package."""
    import axe_playwright_python

    return (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_bytes()


def checker_version() -> str:
    """What the verdicts depend on besides the pages: the rules asked for, axe-core, this
    checker's code and the browser (its size and time). A change to any re-checks every page."""
    info = CHROMIUM.stat()
    return version_of(" ".join(AXE_TAGS).encode(), axe_source(),
                      *(module.read_bytes() for module in
                        (Path(__file__), Path(__file__).with_name("accessibility.py"))),
                      f"{info.st_size} {info.st_mtime_ns}".encode())


def axe_violations(base: str, pages: list[str], tabs: int = TABS
                   ) -> Iterator[tuple[str, list[Violation]]]:
    """axe's ``AXE_TAGS`` rules on each of ``pages`` under ``base`` (a URL on loopback, no
    trailing slash), in the light and the dark scheme: yields each page with its violations
    as soon as it is judged, in no set order. Raises :class:`BrowserFailed`."""
    from playwright.async_api import Error

    loop = asyncio.new_event_loop()
    done: asyncio.Queue[tuple[str, list[Violation]] | BaseException] = asyncio.Queue()
    runner = loop.create_task(_run(base, pages, tabs, done))
    try:
        for _ in pages:
            item = loop.run_until_complete(done.get())
            if isinstance(item, Error):
                raise BrowserFailed(item.message) from item
            if isinstance(item, BaseException):
                raise item
            yield item
        loop.run_until_complete(runner)
    finally:
        if not runner.done():
            runner.cancel()
            loop.run_until_complete(asyncio.gather(runner, return_exceptions=True))
        loop.close()


async def _run(base: str, pages: list[str], tabs: int,
               done: asyncio.Queue[tuple[str, list[Violation]] | BaseException]) -> None:
    """Check ``pages`` in ``tabs`` tabs of one browser, putting each verdict on ``done``; a
    failure goes on it too, and ends the run."""
    from playwright.async_api import Page, async_playwright

    # Each page is loaded once and judged in both schemes; with fewer pages than tabs (one
    # page edited), each scheme gets a tab of its own, so both cores work.
    split = len(pages) < tabs
    todo = [(path, (scheme,) if split else SCHEMES) for path in reversed(pages)
            for scheme in (SCHEMES if split else SCHEMES[:1])]
    left = {path: len(SCHEMES) for path in pages}  # schemes still to judge
    found: dict[str, dict[tuple[str, str], tuple[str, str, list[str]]]] = {
        path: {} for path in pages}

    async def tab_loop(tab: Page) -> None:
        while todo:
            path, schemes = todo.pop()
            for scheme in schemes:
                await tab.emulate_media(color_scheme=scheme)
                if scheme == schemes[0]:
                    await tab.goto(f"{base}/{path.removesuffix('index.html')}",
                                   wait_until="load")
                rules: list[dict[str, Any]] = await tab.evaluate(AXE_RUN, AXE_TAGS)
                for rule in rules:
                    for target in rule["targets"]:
                        entry = found[path].setdefault((rule["id"], target),
                                                       (rule["help"], rule["helpUrl"], []))
                        entry[2].append(scheme)
                left[path] -= 1
            if not left[path]:
                await done.put((path, [
                    Violation(path, rule, target, text, url,
                              tuple(s for s in SCHEMES if s in schemes))
                    for (rule, target), (text, url, schemes) in found.pop(path).items()]))

    try:
        async with async_playwright() as playwright:
            chromium = await playwright.chromium.launch(
                executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, proxy=NOWHERE)  # type: ignore[arg-type]
            try:
                context = await chromium.new_context()
                context.set_default_timeout(30_000)
                await context.add_init_script(script=axe_source().decode("utf-8"))
                workers = [tab_loop(await context.new_page())
                           for _ in range(min(tabs, len(todo)))]
                await asyncio.gather(*workers)
            finally:
                await chromium.close()
    except Exception as exc:  # handed to the caller, who raises it
        await done.put(exc)
