"""Shared fixtures: the real project built once, and throwaway projects built from pieces."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, sync_playwright

from site_builder.build.pipeline import BuildResult, build
from site_builder.check.browser import CHROMIUM, CHROMIUM_ARGS
from site_builder.project import Project
from site_builder.report import SilentReporter

REPO = Path(__file__).resolve().parents[1]


def table_path(name: str, data: Path = REPO / "content" / "data") -> Path:
    """The file holding dataset ``name`` in the snapshot below ``data``, as its lockfile
    names it."""
    lock = json.loads((data / "snapshot.lock.json").read_text("utf-8"))
    return data / "snapshot" / lock["datasets"][name]["file"]


@pytest.fixture(scope="session")
def chart_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One chart cache for the whole run, outside the repository."""
    return tmp_path_factory.mktemp("chart-cache")


@pytest.fixture(scope="session")
def built_site(tmp_path_factory: pytest.TempPathFactory, chart_cache: Path) -> Path:
    """The repository's own site, built once into a temporary output folder."""
    output = tmp_path_factory.mktemp("site") / "output"
    build(Project(REPO, cache_dir=chart_cache), SilentReporter(), output)
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


def launch_chromium() -> Iterator[Browser]:
    """Debian's Chromium, headless, for a module-scoped fixture to ``yield from``."""
    require_chromium()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()
