"""Shared fixtures: the real project built once, and throwaway projects built from pieces."""

from __future__ import annotations

import fcntl
import json
import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from extra_briefs import grown_copy
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from site_builder.build.pipeline import BuildResult, build
from site_builder.check.browser import CHROMIUM, CHROMIUM_ARGS
from site_builder.project import USER_CACHE_VARIABLE, Project
from site_builder.report import SilentReporter

REPO = Path(__file__).resolve().parents[1]


def table_path(name: str, data: Path = REPO / "content" / "data") -> Path:
    """The file holding dataset ``name`` in the snapshot below ``data``, as its lockfile
    names it."""
    lock = json.loads((data / "snapshot.lock.json").read_text("utf-8"))
    return data / "snapshot" / lock["datasets"][name]["file"]


SHIPPED_SITE = "shipped_site"  # the marker of tests that read the built_site fixture


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--extra-briefs", type=int, default=0, metavar="N",
        help="build the shipped site (the built_site fixture) from a copy of content/ grown by "
             "N generated briefs (tests/extra_briefs.py), and run only the tests that read "
             f"it (marked {SHIPPED_SITE}); every other test is deselected in that mode")


SLOW = "slow"  # the marker of tests that take many seconds; their modules run first


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", f"{SHIPPED_SITE}: reads the shipped site; set on every test that uses the "
                   "built_site fixture, and run on a grown site by --extra-briefs N")
    config.addinivalue_line(
        "markers", f"{SLOW}(seconds): the test took about this many seconds in a run of the "
                   "suite on 2 cores (-n 2, a shared machine, so loaded); modules with slow "
                   "tests run first, the slowest first")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if "built_site" in getattr(item, "fixturenames", ()):
            item.add_marker(SHIPPED_SITE)
    if config.getoption("extra_briefs"):
        kept = [item for item in items if item.get_closest_marker(SHIPPED_SITE)]
        config.hook.pytest_deselected(items=[item for item in items if item not in kept])
        items[:] = kept
    items[:] = slowest_modules_first(items)


def slowest_modules_first(items: list[pytest.Item]) -> list[pytest.Item]:
    """The tests, modules with slow tests first (the slowest first), each module's tests
    together and in their order (so module fixtures are made once per worker).

    xdist's worksteal gives each worker an equal run of the list and lets an idle worker
    take the end of a busy one's: long tests at the start keep the ends short, and the
    workers finish together instead of one waiting for the other's last slow test."""
    modules: dict[str, list[pytest.Item]] = {}
    for item in items:
        modules.setdefault(item.nodeid.partition("::")[0], []).append(item)

    def seconds(tests: list[pytest.Item]) -> float:
        return sum(marker.args[0] for test in tests for marker in test.iter_markers(SLOW))

    ordered = sorted(modules.values(), key=seconds, reverse=True)  # stable: ties keep order
    return [item for tests in ordered for item in tests]


@contextmanager
def once_for_all_workers(base: Path, name: str) -> Iterator[Path]:
    """A folder ``name`` shared by every xdist worker of this run (below the run's common temp
    folder): the first worker to take its lock makes it, the others wait and find it done. The
    body runs under the lock and writes ``DONE`` last, so a half-made folder is never used."""
    shared = base / name
    shared.mkdir(parents=True, exist_ok=True)
    with (base / f"{name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield shared
            (shared / "DONE").touch()
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def run_temp(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The temp folder common to every worker of this run: xdist gives each worker its own
    basetemp inside it; a run without workers has only its own."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


@pytest.fixture(scope="session", autouse=True)
def user_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The user's cache for this run (the Vega bundle, made once for every worker and every
    build the tests start), in place of the real one: no test reads or leaves anything in
    the home folder."""
    folder = run_temp(tmp_path_factory) / "user-cache"
    before = os.environ.get(USER_CACHE_VARIABLE)
    os.environ[USER_CACHE_VARIABLE] = str(folder)
    yield folder
    if before is None:
        del os.environ[USER_CACHE_VARIABLE]
    else:
        os.environ[USER_CACHE_VARIABLE] = before


@pytest.fixture(scope="session")
def chart_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One chart cache for the whole run (for each worker), outside the repository."""
    return tmp_path_factory.mktemp("chart-cache")


@pytest.fixture(scope="session")
def site_root(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The project the shipped site is built from: the repository, or with ``--extra-briefs
    N`` a copy of it grown by N generated briefs (made once for all workers)."""
    extra = request.config.getoption("extra_briefs")
    if not extra:
        return REPO
    with once_for_all_workers(run_temp(tmp_path_factory), f"grown-{extra}") as root:
        if not (root / "DONE").exists():
            shutil.rmtree(root / "project", ignore_errors=True)  # a worker's failed attempt
            grown_copy(root / "project", extra)
    return root / "project"


@pytest.fixture(scope="session")
def built_site(tmp_path_factory: pytest.TempPathFactory, site_root: Path) -> Path:
    """The shipped site (of ``site_root``), built once for the whole run, whatever the number
    of workers, into a temporary output folder that the tests only read. Its chart cache is
    beside it, in ``../cache``.

    Built in one process: xdist's workers keep the cores busy already, and page workers
    would each start an interpreter and a chart renderer of their own (a third more CPU).
    test_build's second clean build uses them, and must give the same bytes."""
    with once_for_all_workers(run_temp(tmp_path_factory), "shipped-site") as shared:
        output = shared / "output"
        if not (shared / "DONE").exists():
            build(Project(site_root, cache_dir=shared / "cache"), SilentReporter(), output,
                  workers=1)
    return output


class TinyProject:
    """A project with the real templates, settings and data snapshot, and briefs you write."""

    def __init__(self, root: Path, cache: Path) -> None:
        self.root = root
        shutil.copytree(REPO / "templates", root / "templates")
        shutil.copytree(REPO / "content" / "data", root / "content" / "data")
        shutil.copytree(REPO / "content" / "charts", root / "content" / "charts")
        shutil.copy(REPO / "content" / "site.toml", root / "content" / "site.toml")
        (root / "content" / "briefs").mkdir()
        (root / "content" / "pages").mkdir()
        self.project = Project(root, cache_dir=cache)
        self.output = root / "output"

    def brief(self, name: str, text: str) -> Path:
        """Write ``content/briefs/NAME.md``; ``text`` is the whole file."""
        path = self.root / "content" / "briefs" / f"{name}.md"
        path.write_text(text, encoding="utf-8")
        return path

    def build(self) -> BuildResult:
        return build(self.project, SilentReporter(), self.output)


@pytest.fixture
def tiny(tmp_path: Path, chart_cache: Path) -> TinyProject:
    return TinyProject(tmp_path / "project", chart_cache)


def snapshot_of(folder: Path) -> dict[str, bytes]:
    """Every file below ``folder`` with its bytes: to prove a failed build changed nothing."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file()}


@pytest.fixture
def folder_bytes() -> Callable[[Path], dict[str, bytes]]:
    return snapshot_of


def require_chromium() -> None:
    """Missing Chromium skips a browser test on a developer's machine, with the command that
    installs it; under CI (``CI=true``) it is a failure, since CI must install it."""
    if not CHROMIUM.exists():
        reason = "Debian chromium not installed: apt-get install chromium"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason} (CI must install it)", pytrace=False)
        pytest.skip(reason)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, headless, one per test module."""
    require_chromium()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def contexts(browser: Browser) -> Iterator[list[BrowserContext]]:
    """Browser contexts a test opens; closed however the test ends."""
    opened: list[BrowserContext] = []
    yield opened
    for context in opened:
        context.close()


SCREENSHOTS = REPO / "test-artifacts" / "screenshots"


def screenshot_fits(page: Page, name: str) -> Path:
    """A full-page screenshot of ``page`` in test-artifacts/screenshots/``name``.png, after
    asserting that it is a PNG and that the page does not scroll sideways."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    path.unlink(missing_ok=True)
    page.screenshot(path=path, full_page=True)
    assert path.read_bytes().startswith(b"\x89PNG\r\n\x1a\n"), name
    overflow = page.evaluate("document.documentElement.scrollWidth - innerWidth")
    assert overflow <= 0, f"{name} scrolls sideways by {overflow} px"
    return path
