"""The incremental gate: a check judges again only the pages that changed since they last
passed, and is never stale. A tiny site of its own, checked in full once, then copied for
each test with the record of that first check."""

from __future__ import annotations

import contextlib
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import TinyProject

from site_builder.check.accessibility import check_accessibility
from site_builder.check.browser import browser_missing
from site_builder.check.built_site import BuiltSite
from site_builder.check.early import edited_since_last_judged, start_browser
from site_builder.check.gate import check, check_site
from site_builder.check.html_rules import check_html
from site_builder.check.problem import Problem
from site_builder.project import Project
from site_builder.report import SilentReporter

needs_browser = pytest.mark.skipif(bool(browser_missing()), reason=browser_missing())
BRIEF_PAGE = "briefs/tariffs/index.html"
BRIEF = """\
---
title: Tariffs in plain words
date: 2025-03-01
summary: What a tariff is, and who pays it.
tags: [tariffs]
---
A tariff is a tax on imports, paid by the importer.

It raises the price of what is imported, and often of what competes with it.
"""
ABOUT = "---\ntitle: About\nsummary: Who writes these briefs.\n---\nWe write about trade.\n"
FAINT = '<p style="color: #ddd">Faint text</p>'
DIM = '<p style="color: #555">Dim text</p>'  # fine on a light page, too dark on a dark one


class Checked:
    """This test's copy of the checked project."""

    def __init__(self, root: Path) -> None:
        self.output = root / "output"
        self.project = Project(root, cache_dir=root / ".cache")

    def edit(self, page: str, old: str, new: str) -> None:
        text = (self.output / page).read_text("utf-8")
        assert old in text, f"{old!r} not in {page}"
        (self.output / page).write_text(text.replace(old, new, 1), "utf-8")

    def a11y(self, full: bool = False) -> tuple[int, int, list[Problem]]:
        """(pages judged, pages in the site, problems) of one accessibility check."""
        reporter = SilentReporter()
        problems = check_accessibility(BuiltSite(self.project, self.output), reporter,
                                       browser=True, full=full)
        [line] = [i for i in reporter.infos if i.startswith("Accessibility: ")]
        judged, total = re.match(r"Accessibility: (\d+) of (\d+) pages", line).groups()  # type: ignore[union-attr]
        return int(judged), int(total), problems

    def html(self) -> list[Problem]:
        return check_html(BuiltSite(self.project, self.output))


@pytest.fixture(scope="module")
def first(tmp_path_factory: pytest.TempPathFactory, chart_cache: Path) -> Path:
    """A tiny site, built, and checked in full once (which records every page as passed)."""
    tiny = TinyProject(tmp_path_factory.mktemp("record") / "project", chart_cache)
    tiny.brief("tariffs", BRIEF)
    (tiny.root / "content" / "pages" / "about.md").write_text(ABOUT, "utf-8")
    tiny.build()
    checked = Checked(tiny.root)
    assert checked.html() == []
    if not browser_missing():
        judged, total, problems = checked.a11y()
        assert problems == [] and judged == distinct_pages(checked.output) <= total
    return tiny.root


def distinct_pages(output: Path) -> int:
    """Pages with different bytes: the first full check judges each once."""
    return len({p.read_bytes() for p in output.rglob("*.html") if "pagefind" not in p.parts})


@pytest.fixture
def site(first: Path, tmp_path: Path) -> Checked:
    shutil.copytree(first, tmp_path / "project", symlinks=True)
    return Checked(tmp_path / "project")


@needs_browser
def test_a_second_check_with_nothing_changed_runs_axe_on_no_page(site: Checked) -> None:
    judged, total, problems = site.a11y()
    assert (judged, problems) == (0, [])
    assert total > 5


@needs_browser
def test_an_edited_page_is_judged_again_and_the_others_are_not(site: Checked) -> None:
    site.edit(BRIEF_PAGE, "paid by the importer.", "paid by the importer, not the exporter.")
    assert site.a11y()[0] == 1
    assert site.a11y()[0] == 0  # it passed, and is recorded


@needs_browser
def test_a_page_made_inaccessible_after_passing_is_caught_every_time(site: Checked) -> None:
    site.edit(BRIEF_PAGE, '<main id="main">', '<main id="main">' + FAINT)
    for _ in range(2):  # a failed page is never recorded as passing
        judged, _total, problems = site.a11y()
        assert judged == 1
        assert [(p.kind, p.path) for p in problems] == [("a11y", BRIEF_PAGE)]
        assert problems[0].message.startswith("color-contrast at ")
    site.edit(BRIEF_PAGE, FAINT, "")
    assert site.a11y()[0] == 1
    assert site.a11y()[0] == 0


@needs_browser
def test_full_judges_every_page_again(site: Checked) -> None:
    judged, _total, problems = site.a11y(full=True)
    assert judged == distinct_pages(site.output) and problems == []


@needs_browser
def test_a_changed_stylesheet_rejudges_the_pages_that_use_it(site: Checked) -> None:
    [css] = (site.output / "assets").glob("site.*.css")
    users = [p for p in site.output.rglob("*.html")
             if f"/assets/{css.name}" in p.read_text("utf-8")]
    assert users
    with css.open("a", encoding="utf-8") as stream:  # the same name: only its bytes changed
        stream.write("\nmain p { color: #ddd !important }\n")
    judged, _total, problems = site.a11y()
    assert judged == len({p.read_bytes() for p in users})
    assert BRIEF_PAGE in {p.path for p in problems}
    assert {p.kind for p in problems} == {"a11y"}


def test_the_html_check_rejudges_an_edited_page_and_never_forgets_a_failure(
        site: Checked) -> None:
    site.edit(BRIEF_PAGE, '<main id="main">', '<main id="main"><img src="/x.png">')
    for _ in range(2):
        assert [(p.path, p.message) for p in site.html()] == [
            (BRIEF_PAGE, "image without alt text: /x.png")]
    site.edit(BRIEF_PAGE, '<img src="/x.png">', "")
    assert site.html() == []


@needs_browser
def test_a_contrast_failure_of_the_dark_scheme_alone_is_caught(site: Checked) -> None:
    site.edit(BRIEF_PAGE, '<main id="main">', '<main id="main">' + DIM)
    judged, _total, problems = site.a11y()
    assert judged == 1
    assert [(p.path, p.message.split(" at ")[0], p.message.endswith("(dark scheme)"))
            for p in problems] == [(BRIEF_PAGE, "color-contrast", True)]


@needs_browser
def test_a_dark_scheme_that_changes_more_than_colours_gets_every_rule(site: Checked) -> None:
    """An image without alt text shown in the dark scheme only: not a colour, yet found."""
    [css] = (site.output / "assets").glob("site.*.css")
    with css.open("a", encoding="utf-8") as stream:
        stream.write("\n.night { display: none }\n"
                     "@media (prefers-color-scheme: dark) { .night { display: block } }\n")
    site.edit(BRIEF_PAGE, '<main id="main">',
              '<main id="main"><div class="night"><img src="/x.png"></div>')
    problems = [p for p in site.a11y()[2] if p.path == BRIEF_PAGE]
    assert [(p.message.split(" at ")[0], p.message.endswith("(dark scheme)"))
            for p in problems] == [("image-alt", True)]


@needs_browser
def test_check_judges_what_an_edit_changed_in_the_browser_started_before_the_build(
        site: Checked) -> None:
    def judged() -> int:
        reporter = SilentReporter()
        assert check(site.project, reporter, site.output, browser=True, stale=False) == []
        [line] = [i for i in reporter.infos if i.startswith("Accessibility: ")]
        return int(line.split()[1])

    assert judged() == 0
    brief = site.project.briefs / "tariffs.md"
    brief.write_text(brief.read_text("utf-8").replace("a tax on imports", "a tax on goods "
                                                      "brought in"), "utf-8")
    assert judged() >= 1
    assert judged() == 0


@needs_browser
def test_a_browser_started_early_judges_the_edit(site: Checked) -> None:
    """What the command line does: the browser starts before the gate is imported, the check
    judges in it, and the command closes it."""
    brief = site.project.briefs / "tariffs.md"
    brief.write_text(brief.read_text("utf-8") + "\nOne more sentence.\n", "utf-8")
    chromium = start_browser(site.project, None)
    assert chromium is not None
    reporter = SilentReporter()
    with contextlib.closing(chromium):
        assert check(site.project, reporter, site.output, stale=False, chromium=chromium) == []
    assert any(re.match(r"Accessibility: [1-9]\d* of ", i) for i in reporter.infos)
    # nothing edited since: no browser is started
    assert start_browser(site.project, None) is None
    assert start_browser(site.project, False) is None


def test_the_browser_can_start_before_the_gate_loads() -> None:
    """Starting the browser early saves only if its module does not import the gate (the
    build and every check: about 0.2 s)."""
    loaded = subprocess.run(
        [sys.executable, "-c", "import sys, site_builder.check.early; print(' '.join(sorted("
         "m for m in sys.modules if m.startswith(('site_builder', 'playwright')))))"],
        capture_output=True, text=True, check=True).stdout.split()
    assert "site_builder.check.browser" in loaded
    assert not {"site_builder.check.gate", "site_builder.build.pipeline",
                "site_builder.check.accessibility", "playwright"} & set(loaded)


def test_an_offline_check_of_a_clean_site_loads_only_what_it_uses(site: Checked) -> None:
    """pandas (the briefs' data), requests (other sites' links) and html5lib (describing
    invalid HTML) are each a tenth of a second or less of start-up that a check needs only
    when it compares with the release calendar, checks external links, or finds an error."""
    script = (
        "import sys; from pathlib import Path; from site_builder.check.gate import check; "
        "from site_builder.project import Project; "
        "from site_builder.report import SilentReporter; "
        f"p = check(Project(Path({str(site.project.root)!r}), "
        f"cache_dir=Path({str(site.project.cache)!r})), SilentReporter(), "
        f"Path({str(site.output)!r}), browser=False, stale=False); "
        "print(len(p), *sorted({m.split('.')[0] for m in sys.modules}))")
    problems, *modules = subprocess.run([sys.executable, "-c", script], capture_output=True,
                                        text=True, check=True).stdout.split()
    assert problems == "0"
    assert "markupever" in modules  # the html check did run
    assert not {"pandas", "requests", "html5lib"} & set(modules)


def test_pages_with_the_same_bytes_are_each_reported(site: Checked) -> None:
    site.edit(BRIEF_PAGE, '<main id="main">', '<main id="main"><img src="/x.png">')
    twin = "briefs/tariffs-copy/index.html"
    (site.output / twin).parent.mkdir()
    shutil.copyfile(site.output / BRIEF_PAGE, site.output / twin)
    assert sorted((p.path, p.message) for p in site.html()) == [
        (twin, "image without alt text: /x.png"), (BRIEF_PAGE, "image without alt text: /x.png")]


@needs_browser
def test_the_browser_starts_before_the_build_only_once_a_source_changed(site: Checked) -> None:
    """A check with nothing edited starts a browser only if some page turns out to need it."""
    assert not edited_since_last_judged(site.project)
    brief = site.project.briefs / "tariffs.md"
    brief.write_text(brief.read_text("utf-8") + "\nOne more sentence.\n", "utf-8")
    assert edited_since_last_judged(site.project)


def test_what_the_checks_read_of_a_page_is_kept_and_follows_every_edit(site: Checked) -> None:
    """The second check reads the first one's record of each page; a page edited by hand
    since is read again (its new problems found, on their lines), and so is any page once
    the record is damaged."""
    def problems() -> set[tuple[str, str, int | None]]:
        return {(p.kind, p.path, p.line) for p in check_site(
            site.project, site.output, SilentReporter(), browser=False, stale=False)}

    assert problems() == set()
    record = site.project.cache / "check" / "pages.json"
    assert record.is_file()
    text = (site.output / BRIEF_PAGE).read_text("utf-8")
    line = text[:text.index('<main id="main">')].count("\n") + 1
    site.edit(BRIEF_PAGE, '<main id="main">',
              '<main id="main"><a href="/nowhere/" onclick="go()">x</a>')
    assert problems() == {("link", BRIEF_PAGE, line), ("unsafe", BRIEF_PAGE, line)}
    site.edit(BRIEF_PAGE, '<a href="/nowhere/" onclick="go()">x</a>', "")
    assert problems() == set()
    site.edit(BRIEF_PAGE, '<main id="main">', '<main id="main"><a href="#gone">x</a>')
    record.write_bytes(b'{"version": "\xff')
    assert problems() == {("link", BRIEF_PAGE, line)}
