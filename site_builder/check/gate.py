"""The quality gate: is a built site fit to publish? Every problem, each with its file and line.

Checks, by the ``kind`` of problem they report, each in its own module: ``link`` (internal
links and anchors), ``external`` (other hosts' links, on request), ``html`` (parse errors,
ids, title, lang, alt), ``feed`` and ``sitemap`` (schemas and targets), ``stale`` (briefs
behind the newest release), ``draft`` (drafts that leaked), ``weight`` (page weight,
render-blocking scripts), ``typed`` (figures and claim words typed by hand in the sources),
``unsafe`` (a script that is not the site's own, an ``on...=`` handler, a ``javascript:`` URL),
``metadata`` (each chart's metadata file against its JSON Schema) and ``a11y`` (axe-core
in Chromium, where one is installed). :func:`check` builds first and reports a failed build
as ``claim`` (a figure or claim the data no longer support) or ``build`` problems.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

from site_builder.build.pipeline import build
from site_builder.check.accessibility import AccessibilityCheck
from site_builder.check.browser import Browser
from site_builder.check.built_site import BuiltSite
from site_builder.check.drafts import check_drafts
from site_builder.check.early import start_browser
from site_builder.check.external import HttpGet, check_external
from site_builder.check.feed_sitemap import check_feed, check_sitemap
from site_builder.check.html_rules import check_html
from site_builder.check.links import check_links
from site_builder.check.metadata import check_metadata
from site_builder.check.problem import Problem, build_problem
from site_builder.check.typed import check_typed
from site_builder.check.unsafe import check_unsafe
from site_builder.check.weight import WEIGHT_BUDGET, check_weight
from site_builder.errors import BuildFailed, SiteError
from site_builder.project import Project
from site_builder.report import Reporter


def check(project: Project, reporter: Reporter, output: Path | None = None, *,
          external: bool = False, browser: bool | None = None, today: dt.date | None = None,
          http_get: HttpGet | None = None, weight_budget: int = WEIGHT_BUDGET,
          stale: bool = True, full: bool = False,
          chromium: Browser | None = None) -> list[Problem]:
    """Build the site into ``output``, then check it; a failed build is checked no further.

    When the content or the templates changed since the accessibility check last judged
    pages, its browser starts first, in a thread of its own, so that it is ready when the
    build ends; otherwise it starts only if some page turns out to need judging. A caller
    that can start it sooner (:func:`~site_builder.check.early.start_browser`, before this
    module is imported) passes it as ``chromium``, and closes it."""
    output = output or project.root / "output"
    own = None if chromium is not None else start_browser(project, browser)
    try:
        try:
            build(project, reporter, output, today=today)
        except BuildFailed as exc:
            return [build_problem(project, error) for error in exc.errors]
        except SiteError as exc:
            return [build_problem(project, exc)]
        return check_site(project, output, reporter, external=external, browser=browser,
                          today=today, http_get=http_get, weight_budget=weight_budget,
                          stale=stale, full=full, chromium=chromium or own)
    finally:
        if own is not None:
            own.close()


def check_site(project: Project, output: Path, reporter: Reporter, *, external: bool = False,
               browser: bool | None = None, today: dt.date | None = None,
               http_get: HttpGet | None = None, weight_budget: int = WEIGHT_BUDGET,
               stale: bool = True, full: bool = False,
               chromium: Browser | None = None) -> list[Problem]:
    """Run every check on the site built in ``output``; return all the problems found.

    ``external`` asks other hosts whether the links to them answer, with ``http_get`` (by
    default, a paced :class:`~site_builder.data.http_client.HttpClient`). ``browser``: see
    :func:`~site_builder.check.accessibility.check_accessibility`. ``stale=False`` skips
    comparing the data with the release calendar: for a machine that cannot fetch (offline
    CI), where the answer could not be acted on. The accessibility check judges only the
    pages that changed since they last passed; ``full`` judges every page. It starts first,
    in ``chromium`` (a browser of its own when None), and judges while the other checks run.
    """
    today = today or dt.date.today()
    if not (output / "index.html").is_file():
        return [Problem("build", str(output), None, "no built site here (no index.html)",
                        "Build the site first: `python -m site_builder build`.")]
    problems: list[Problem] = []
    site = BuiltSite(project, output)
    with reporter.stage("check a11y (start)"):
        a11y = AccessibilityCheck(site, reporter, browser, full, chromium)
    checks: list[tuple[str, Callable[[], list[Problem]]]] = [
        ("link", lambda: check_links(site)),
        ("html", lambda: check_html(site, full)),
        ("feed", lambda: check_feed(site)),
        ("sitemap", lambda: check_sitemap(site)),
        ("draft", lambda: check_drafts(site)),
        ("weight", lambda: check_weight(site, weight_budget)),
        ("typed", lambda: check_typed(project)),
        ("unsafe", lambda: check_unsafe(site)),
        ("metadata", lambda: check_metadata(site, full)),
    ]
    if stale:
        # imported here: it evaluates the briefs (pandas, the expressions), which an offline
        # check never needs unless it builds pages
        from site_builder.check.stale import check_stale

        checks.append(("stale", lambda: check_stale(project, today, reporter)))
    else:
        reporter.info("Skipped: data freshness against the release calendar (offline).")
    if external:
        checks.append(("external", lambda: check_external(
            site, project.cache / "links.json", http_get)))
    checks.append(("a11y", a11y.problems))
    try:
        for kind, run in reporter.progress(checks, len(checks), "Checking"):
            with reporter.stage(f"check {kind}"):
                try:
                    problems += run()
                except SiteError as exc:  # a check that cannot run is itself a problem
                    problems.append(build_problem(project, exc, kind))
    finally:
        a11y.close()
    site.save()
    reporter.info(f"Checked {len(site.pages)} pages: {len(problems)} problem(s)")
    return problems
