"""``a11y``: axe-core's WCAG 2.1 A and AA rules on every page, light and dark, where
Chromium is installed (see :mod:`site_builder.check.browser`).

Incremental, like the build: the pages that passed are recorded in ``.cache/check/``, each
by a hash of what the browser is given (the page's bytes, and the site's CSS and scripts it
loads, with where they are) and of the checker itself (:func:`checker_version`). A page is
judged again when any of these changed; one that failed is never recorded, so it is judged
until it passes. Pages with the same bytes and assets are judged once.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from site_builder.check.browser import (
    BrowserFailed,
    Violation,
    axe_violations,
    browser_missing,
    checker_version,
)
from site_builder.check.built_site import BuiltSite, HtmlPage
from site_builder.check.problem import Problem
from site_builder.check.record import PassRecord
from site_builder.loopback import serve
from site_builder.report import Reporter

RECORD = Path("check") / "a11y.json"  # under the project's cache folder


def page_key(site: BuiltSite, page: HtmlPage, assets: dict[str, str]) -> str:
    """A hash of what the browser loads for ``page``: its bytes and its own stylesheets and
    scripts (path and bytes; ``assets`` caches their hashes across pages)."""
    h = hashlib.sha256(page.text.encode("utf-8"))
    for element in page.elements:
        url = (element.attrs.get("href", "") if element.tag == "link"
               and "stylesheet" in element.attrs.get("rel", "").split()
               else element.attrs.get("src", "") if element.tag == "script" else "")
        target = site.file_for(site.site_path(page.path, url)[0]) if url and site.internal(
            url) else None
        if target is not None:
            if target not in assets:
                assets[target] = hashlib.sha256((site.output / target).read_bytes()).hexdigest()
            h.update(f"\0{target}\0{assets[target]}".encode())
    return h.hexdigest()


def check_accessibility(site: BuiltSite, reporter: Reporter, browser: bool | None,
                        full: bool = False) -> list[Problem]:
    """axe-core's WCAG 2.1 A and AA rules on every page that changed since it last passed
    (every page with ``full``), light and dark.

    ``browser``: False skips them, True requires them (a missing browser is a problem), None
    runs them where a browser is installed.
    """
    if browser is False:
        reporter.detail("Accessibility checks skipped: the browser is turned off.")
        return []
    missing = browser_missing()
    if missing and browser:
        return [Problem("a11y", "", None, f"accessibility checks cannot run: {missing}",
                        "Install Chromium and the test extras, or pass --no-browser.")]
    if missing:
        reporter.info(f"Accessibility checks skipped: {missing}.")
        return []
    record = PassRecord(site.project.cache / RECORD, checker_version(), full)
    assets: dict[str, str] = {}
    keys = {page.path: page_key(site, page, assets) for page in site.pages}
    judge: dict[str, str] = {}  # key -> the one page judged for it
    for path, key in keys.items():
        if key not in record.passed:
            judge.setdefault(key, path)
    reporter.detail(f"Accessibility: {len(judge)} of {len(keys)} pages to judge; the others "
                    "passed unchanged, or have the bytes of one judged.")
    verdicts: dict[str, list[Violation]] = {}
    if not judge:
        return []
    try:
        with serve(site.output) as base:
            runs = axe_violations(base, sorted(judge.values()))
            for path, violations in reporter.progress(runs, len(judge), "Accessibility"):
                verdicts[path] = violations
    except BrowserFailed as exc:
        return [Problem("a11y", "", None, f"the browser failed: {exc}",
                        "Run again with --no-browser to check everything else.")]
    finally:  # what passed stays passed, even when the browser failed on a later page
        record.save({key for key, path in judge.items() if verdicts.get(path) == []},
                    set(keys.values()))
    return [Problem("a11y", path, None,
                    f"{v.rule} at {v.target}: {v.help} ({' and '.join(v.schemes)} scheme)",
                    f"See {v.help_url}")
            for key, judged in sorted(judge.items(), key=lambda item: item[1])
            for v in verdicts.get(judged, [])
            for path in sorted(p for p, k in keys.items() if k == key)]

