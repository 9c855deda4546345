"""``a11y``: axe-core's WCAG 2.1 A and AA rules on one page of each type, light and dark,
where Chromium is installed (see :mod:`site_builder.check.browser`)."""

from __future__ import annotations

from site_builder.check.browser import BrowserFailed, axe_violations, browser_missing
from site_builder.check.built_site import BuiltSite
from site_builder.check.problem import Problem
from site_builder.loopback import serve
from site_builder.report import Reporter

MAX_A11Y_BRIEFS = 20


def a11y_pages(site: BuiltSite) -> list[str]:
    """One page of each type (a chart's permalink and embed pages, the partners directory
    and a partner profile among them), and up to MAX_A11Y_BRIEFS briefs."""
    def first(pattern: str) -> list[str]:
        return sorted(p.relative_to(site.output).as_posix()
                      for p in site.output.glob(pattern))[:1]

    briefs = sorted(p.relative_to(site.output).as_posix()
                    for p in site.output.glob("briefs/*/index.html"))[:MAX_A11Y_BRIEFS]
    wanted = ["index.html", *briefs, "about/index.html", "tags/index.html",
              *first("tags/*/index.html"), "archive/index.html", *first("archive/*/index.html"),
              "search/index.html", "404.html", "partners/index.html",
              *first("partners/*/index.html"), *first("briefs/*/charts/*/index.html"),
              *first("embed/briefs/*/*/index.html")]
    return [p for p in wanted if (site.output / p).is_file()]


def check_accessibility(site: BuiltSite, reporter: Reporter, browser: bool | None) -> list[Problem]:
    """axe-core's WCAG 2.1 A and AA rules on one page of each type, light and dark.

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
    try:
        with serve(site.output) as base:
            violations = axe_violations(base, a11y_pages(site))
    except BrowserFailed as exc:
        return [Problem("a11y", "", None, f"the browser failed: {exc}",
                        "Run again with --no-browser to check everything else.")]
    return [Problem("a11y", v.page, None,
                    f"{v.rule} at {v.target}: {v.help} ({' and '.join(v.schemes)} scheme)",
                    f"See {v.help_url}")
            for v in violations]
