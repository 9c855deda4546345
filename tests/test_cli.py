"""The command line as a user runs it: a fresh interpreter on a small site of its own."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from golden import REPO, fixture_project

from site_builder.report import ConsoleReporter


def run(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run([sys.executable, "-m", "site_builder", *args], cwd=root, env=env,
                          capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return fixture_project(tmp_path_factory.mktemp("cli") / "site")


@pytest.mark.slow(3)
@pytest.mark.parametrize("args", [("-v", "build"), ("build", "-v"), ("--verbose", "build")])
def test_verbose_works_before_or_after_the_command_and_prints_stage_timings(
        site: Path, args: tuple[str, ...]) -> None:
    done = run(site, *args)
    assert done.returncode == 0, done.stderr
    assert re.search(r"^load: \d+ ms$", done.stderr, re.M), done.stderr  # a stage's time
    assert (site / "output" / "index.html").exists()


def test_quiet_build_prints_nothing_when_all_is_well(site: Path) -> None:
    done = run(site, "-q", "build", "--output", "quiet-output")
    assert done.returncode == 0, done.stderr
    assert (done.stdout, done.stderr) == ("", "")
    assert (site / "quiet-output" / "index.html").exists()


def test_root_before_the_command_names_the_project(site: Path, tmp_path: Path) -> None:
    done = run(tmp_path, "--root", str(site), "build", "-q", "--output", str(tmp_path / "out"))
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "out" / "index.html").exists()


def test_help_opens_with_what_the_tool_does_for_its_users(tmp_path: Path) -> None:
    done = run(tmp_path, "--help")
    assert done.returncode == 0
    first = done.stdout.splitlines()[0]
    assert first.startswith("site_builder builds a website of briefs on US trade")
    assert "`build`" in done.stdout and "`serve`" in done.stdout and "`check`" in done.stdout


def test_an_unknown_flag_is_named_with_the_usage(tmp_path: Path) -> None:
    done = run(tmp_path, "build", "--colour")
    assert done.returncode == 2
    assert "unrecognized arguments: --colour" in done.stderr
    assert done.stderr.startswith("usage: site_builder")


def test_verbose_and_quiet_together_are_refused(tmp_path: Path) -> None:
    done = run(tmp_path, "-v", "build", "-q")
    assert done.returncode == 2
    assert "-v/--verbose and -q/--quiet" in done.stderr


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def slow(reporter: ConsoleReporter) -> None:
    for _ in reporter.progress(range(2), 2, "Drawing charts"):
        time.sleep(0.6)  # bars wait a second before they show


@pytest.mark.parametrize("environ,verbosity,shown", [
    ({}, 1, True), ({"CI": "true"}, 1, False), ({}, 0, False), ({"CI": "false"}, 2, True)])
def test_progress_shows_on_a_terminal_but_not_in_ci_or_when_quiet(
        environ: dict[str, str], verbosity: int, shown: bool) -> None:
    terminal = Terminal()
    slow(ConsoleReporter(verbosity, terminal, environ))
    assert ("Drawing charts" in terminal.getvalue()) is shown
