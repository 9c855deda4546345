"""``a11y``: axe-core's WCAG 2.1 A and AA rules on every page, light and dark, where
Chromium is installed (see :mod:`site_builder.check.browser`).

Incremental, like the build: the pages that passed are recorded in ``.cache/check/``, each
by a hash of what the browser is given (the page's bytes, and the site's CSS and scripts it
loads, with where they are) and of the checker itself (:func:`checker_version`). A page is
judged again when any of these changed; one that failed is never recorded, so it is judged
until it passes. Pages with the same bytes and assets are judged once.

In the dark scheme only the rules that read colours run, on the pages whose dark scheme
changes colours only (:mod:`site_builder.check.schemes`): the others would give the verdicts
they gave in the light. A page whose dark scheme changes more gets every rule in both.
"""

from __future__ import annotations

import hashlib
from contextlib import ExitStack
from pathlib import Path

from site_builder.check.browser import (
    Browser,
    BrowserFailed,
    Violation,
    browser_missing,
    checker_version,
)
from site_builder.check.built_site import BuiltSite, HtmlPage
from site_builder.check.early import RECORD
from site_builder.check.problem import Problem
from site_builder.check.record import PassRecord
from site_builder.check.schemes import colour_only
from site_builder.loopback import serve
from site_builder.report import Reporter


def page_assets(site: BuiltSite, page: HtmlPage) -> list[str]:
    """The site's own stylesheets and scripts that ``page`` loads, as output files."""
    found = []
    for element in page.named("link", "script"):
        url = (element.attrs.get("href", "") if element.tag == "link"
               and "stylesheet" in element.attrs.get("rel", "").split()
               else element.attrs.get("src", "") if element.tag == "script" else "")
        target = site.file_for(site.site_path(page.path, url)[0]) if url and site.internal(
            url) else None
        if target is not None:
            found.append(target)
    return found


class AssetFiles:
    """The hash and text of each asset, read once for all pages."""

    def __init__(self, output: Path) -> None:
        self.output = output
        self.hashes: dict[str, str] = {}
        self.texts: dict[str, str] = {}

    def hash(self, asset: str) -> str:
        if asset not in self.hashes:
            self.hashes[asset] = hashlib.sha256((self.output / asset).read_bytes()).hexdigest()
        return self.hashes[asset]

    def text(self, asset: str) -> str:
        if asset not in self.texts:
            self.texts[asset] = (self.output / asset).read_text("utf-8", errors="replace")
        return self.texts[asset]


def page_key(page: HtmlPage, assets: list[str], known: AssetFiles) -> str:
    """A hash of what the browser loads for ``page``: its bytes and its ``assets`` (path and
    bytes)."""
    h = hashlib.sha256(page.digest.encode())
    for asset in assets:
        h.update(f"\0{asset}\0{known.hash(asset)}".encode())
    return h.hexdigest()


class AccessibilityCheck:
    """axe-core's WCAG 2.1 A and AA rules on every page that changed since it last passed
    (every page with ``full``), light and dark: started when made, in ``chromium`` (a browser
    of its own when None), so that other work can run meanwhile; :meth:`problems` waits for
    the verdicts.

    ``browser``: False skips them, True requires them (a missing browser is a problem), None
    runs them where a browser is installed.
    """

    def __init__(self, site: BuiltSite, reporter: Reporter, browser: bool | None,
                 full: bool = False, chromium: Browser | None = None) -> None:
        self.site, self.reporter = site, reporter
        self.early: list[Problem] = []  # problems known before any page is judged
        self.judge: dict[str, str] = {}  # key -> the one page judged for it
        self._stack = ExitStack()
        if browser is False:
            reporter.detail("Accessibility checks skipped: the browser is turned off.")
            return
        missing = browser_missing()
        if missing and browser:
            self.early = [Problem("a11y", "", None, f"accessibility checks cannot run: {missing}",
                                  "Install Chromium and the test extras, or pass --no-browser.")]
            return
        if missing:
            reporter.info(f"Accessibility checks skipped: {missing}.")
            return
        self.record = PassRecord(site.project.cache / RECORD, checker_version(), full)
        known = AssetFiles(site.output)
        uses = {page.path: page_assets(site, page) for page in site.pages}
        self.keys = {page.path: page_key(page, uses[page.path], known) for page in site.pages}
        for path, key in self.keys.items():
            if key not in self.record.passed:
                self.judge.setdefault(key, path)
        reporter.detail(f"Accessibility: {len(self.judge)} of {len(self.keys)} pages to judge; "
                        "the others passed unchanged, or have the bytes of one judged.")
        if not self.judge:
            return
        pages = sorted(self.judge.values())
        dark_all = {path for path in pages if not colour_only(
            [site.page(path).text, *(known.text(asset) for asset in uses[path])])}
        if chromium is None:
            chromium = Browser()
            self._stack.callback(chromium.close)
        base = self._stack.enter_context(serve(site.output))
        self._runs = chromium.judge(base, pages, dark_all)

    def close(self) -> None:
        """Stop serving the site, and the browser if it is this check's own; never raises."""
        self._stack.close()

    def problems(self) -> list[Problem]:
        """Every page's violations, once all are judged; records the pages that passed."""
        if not self.judge:
            return self.early
        verdicts: dict[str, list[Violation]] = {}
        try:
            with self._stack:
                for path, violations in self.reporter.progress(self._runs, len(self.judge),
                                                               "Accessibility"):
                    verdicts[path] = violations
        except BrowserFailed as exc:
            return [Problem("a11y", "", None, f"the browser failed: {exc}",
                            "Run again with --no-browser to check everything else.")]
        finally:  # what passed stays passed, even when the browser failed on a later page
            self.record.save({key for key, path in self.judge.items()
                              if verdicts.get(path) == []}, set(self.keys.values()))
        return [Problem("a11y", path, None,
                        f"{v.rule} at {v.target}: {v.help} ({' and '.join(v.schemes)} scheme)",
                        f"See {v.help_url}")
                for key, judged in sorted(self.judge.items(), key=lambda item: item[1])
                for v in verdicts.get(judged, [])
                for path in sorted(p for p, k in self.keys.items() if k == key)]


def check_accessibility(site: BuiltSite, reporter: Reporter, browser: bool | None,
                        full: bool = False) -> list[Problem]:
    """:class:`AccessibilityCheck`, waited for."""
    return AccessibilityCheck(site, reporter, browser, full).problems()
