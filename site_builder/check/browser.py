"""axe-core in Chromium, driven by Playwright: the accessibility rules a browser can judge.

One browser checks every page: a few tabs at once (:data:`TABS`), each page loaded once and
judged in the light scheme, then in the dark (with fewer pages than tabs, a tab per scheme).
It starts in a thread of its own as soon as it is made (:class:`Browser`), so that its
start-up overlaps the build, and it judges while the other checks run.
axe-core is given to the browser once, as a script every page of the one context runs
before its own, and asked for violations only.

Nothing leaves the machine: the pages come from a server on loopback, and every request to
any other address goes to a proxy that does not exist. (Not Playwright's request routing,
which would switch off the browser's cache: each page would fetch the site's CSS and
scripts again.)
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import queue
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from site_builder.check.record import version_of

if TYPE_CHECKING:
    from playwright.async_api import Browser as ChromiumBrowser
    from playwright.async_api import BrowserContext, Page, Playwright

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
#: The rules whose verdict can change with the colours alone: all that the dark scheme
#: changes on this site (see :mod:`site_builder.check.schemes`). Of axe-core's WCAG 2.1 A and
#: AA rules, only these two read colours: the contrast of text with what is behind it, and
#: whether a link in a paragraph stands out from the text around it.
COLOUR_RULES = ["color-contrast", "link-in-text-block"]
AXE_RUN = """only => axe.run(document, {runOnly: only, resultTypes: ['violations']}).then(
  r => r.violations.map(v => ({id: v.id, help: v.help, helpUrl: v.helpUrl,
  targets: v.nodes.map(n => n.target.join(' '))})))"""


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
    """axe-core as shipped inside the axe-playwright-python package (found, not imported:
    importing it imports Playwright, which only the browser's thread needs)."""
    spec = importlib.util.find_spec("axe_playwright_python")
    if spec is None or spec.origin is None:
        raise BrowserFailed("the Python package axe-playwright-python is not installed")
    return (Path(spec.origin).parent / "axe.min.js").read_bytes()


def checker_version() -> str:
    """What the verdicts depend on besides the pages: the rules asked for, axe-core, this
    checker's code and the browser (its size and time). A change to any re-checks every page."""
    info = CHROMIUM.stat()
    return version_of(" ".join(AXE_TAGS).encode(), axe_source(),
                      *(Path(__file__).with_name(module).read_bytes() for module in
                        ("browser.py", "accessibility.py", "schemes.py")),
                      f"{info.st_size} {info.st_mtime_ns}".encode())


class Browser:
    """One Chromium with axe-core loaded, started at once in a thread of its own (with its own
    event loop), so that it starts while the site builds and judges pages while the other
    checks run. :meth:`violations` judges pages; :meth:`close` ends it (always call it)."""

    def __init__(self, tabs: int = TABS) -> None:
        self.tabs = tabs
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="browser",
                                        daemon=True)
        self._thread.start()
        self._playwright: Playwright | None = None
        self._chromium: ChromiumBrowser | None = None
        self._judging: set[asyncio.Task[None]] = set()
        self._idle: list[Page] = []  # open tabs, free to judge pages
        self._context: Future[BrowserContext] = asyncio.run_coroutine_threadsafe(
            self._start(), self._loop)

    async def _start(self) -> BrowserContext:
        from playwright.async_api import async_playwright

        self._playwright = await async_playwright().start()
        self._chromium = await self._playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, proxy=NOWHERE)  # type: ignore[arg-type]
        context = await self._chromium.new_context()
        context.set_default_timeout(30_000)
        await context.add_init_script(script=axe_source().decode("utf-8"))
        # the tabs one edited page needs (light and dark), opened while the site builds
        self._idle = [await context.new_page() for _ in range(min(2, self.tabs))]
        return context

    def judge(self, base: str, pages: list[str], dark_all: set[str]
              ) -> Iterator[tuple[str, list[Violation]]]:
        """axe's ``AXE_TAGS`` rules on each of ``pages`` under ``base`` (a URL on loopback, no
        trailing slash) in the light scheme, and in the dark scheme its :data:`COLOUR_RULES`,
        or every rule for the pages in ``dark_all``: yields each page with its violations as
        soon as it is judged, in no set order. The pages are judged in the browser's thread
        whether or not this is iterated yet. Raises :class:`BrowserFailed`."""
        from playwright.async_api import Error

        done: queue.Queue[tuple[str, list[Violation]] | BaseException] = queue.Queue()
        running = asyncio.run_coroutine_threadsafe(
            self._judge(base, pages, dark_all, done.put), self._loop)

        def results() -> Iterator[tuple[str, list[Violation]]]:
            for _ in pages:
                item = done.get()
                if isinstance(item, Error):
                    raise BrowserFailed(item.message) from item
                if isinstance(item, BaseException):
                    raise item
                yield item
            running.result()

        return results()

    async def _judge(self, base: str, pages: list[str], dark_all: set[str],
                     put: Callable[[tuple[str, list[Violation]] | BaseException], None]) -> None:
        """Judge ``pages`` in up to :attr:`tabs` tabs, putting each verdict with ``put``; a
        failure is put too, and ends the run."""
        task = asyncio.current_task()
        assert task is not None
        self._judging.add(task)
        try:
            context = await asyncio.wrap_future(self._context)
            await _judge_pages(context, self._idle, base, pages, dark_all, self.tabs, put)
        except Exception as exc:  # handed to the caller, who raises it
            put(exc)
        finally:
            self._judging.discard(task)

    def close(self) -> None:
        """Stop judging, close the browser and end its thread; never raises."""
        async def stop() -> None:
            for task in list(self._judging):
                task.cancel()
            await asyncio.gather(*self._judging, return_exceptions=True)
            with contextlib.suppress(Exception):
                await asyncio.wrap_future(self._context)
            for end in ((self._chromium.close if self._chromium else None),
                        (self._playwright.stop if self._playwright else None)):
                if end is not None:
                    with contextlib.suppress(Exception):
                        await end()

        with contextlib.suppress(Exception):
            asyncio.run_coroutine_threadsafe(stop(), self._loop).result(timeout=30)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=30)
        if not self._thread.is_alive():
            self._loop.close()


async def _judge_pages(context: BrowserContext, idle: list[Page], base: str, pages: list[str],
                       dark_all: set[str], tabs: int,
                       put: Callable[[tuple[str, list[Violation]]], None]) -> None:
    """Check ``pages`` in ``tabs`` tabs of ``context``, putting each verdict with ``put``:
    the ``idle`` ones first, which get back there with those opened for this."""
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
                only = ({"type": "tag", "values": AXE_TAGS}
                        if scheme == "light" or path in dark_all
                        else {"type": "rule", "values": COLOUR_RULES})
                rules: list[dict[str, Any]] = await tab.evaluate(AXE_RUN, only)
                for rule in rules:
                    for target in rule["targets"]:
                        entry = found[path].setdefault((rule["id"], target),
                                                       (rule["help"], rule["helpUrl"], []))
                        entry[2].append(scheme)
                left[path] -= 1
            if not left[path]:
                put((path, [Violation(path, rule, target, text, url,
                                      tuple(s for s in SCHEMES if s in schemes))
                            for (rule, target), (text, url, schemes)
                            in found.pop(path).items()]))

    wanted = min(tabs, len(todo))
    used = [idle.pop() for _ in range(min(wanted, len(idle)))]
    try:
        used += [await context.new_page() for _ in range(wanted - len(used))]
        await asyncio.gather(*(tab_loop(tab) for tab in used))
    finally:
        idle += used
