"""The benchmarks keep working: bench/build_speed.py on a tiny corpus (one run of every
scenario, one save under the preview, no peers), the others on sites as small."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import require_chromium

BENCH = Path(__file__).resolve().parents[1] / "bench" / "build_speed.py"
SCENARIOS = {
    "cold": "cold build (empty cache, no output)",
    "warm": "repeat build, nothing changed",
    "edit": "one brief edited",
    "data": "data change (exports revised)",
}


@pytest.mark.slow(25)
def test_build_speed_benchmark_runs_every_scenario_at_a_small_size(tmp_path: Path) -> None:
    out = tmp_path / "speed.json"
    result = subprocess.run(
        [sys.executable, str(BENCH), "--pages", "12", "--charts", "3", "--chart-briefs", "3",
         "--runs", "1", "--preview-edits", "1", "--json", str(out),
         "--workdir", str(tmp_path / "work")],
        capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    table = result.stdout
    for label in SCENARIOS.values():
        assert f"ours: {label}" in table, table
    summary = json.loads(out.read_text("utf-8"))
    ours = summary["ours"]
    assert set(ours) == set(SCENARIOS)
    for row in ours.values():
        assert row["median_s"] > 0 and all(s > 0 for s in row["samples_s"])
        assert row["peak_mb"] > 0
        assert row["pages"] == 12
    assert ours["cold"]["rebuilt"] == [12]
    # the tree's total, sampled every 50 ms, holds at least the largest process's lasting peak
    assert ours["cold"]["tree_mb"] >= ours["cold"]["peak_mb"] * 0.8
    assert ours["cold"]["charts"] == ours["cold"]["charts_rendered"] == [9]
    assert ours["warm"]["rebuilt"] == [0]
    assert ours["edit"]["rebuilt"] == [1]
    assert ours["edit"]["check"] == "OK"
    # One charted brief of three reads `exports`: only it, and only its exports chart, redo.
    assert summary["config"]["readers_of_exports"] == 1
    assert ours["data"]["rebuilt"] == [1]
    assert ours["data"]["charts_rendered"] == [1]
    assert ours["data"]["check"] == "OK"


@pytest.mark.slow(8)
def test_with_gate_the_benchmark_sets_the_full_check_beside_the_cold_build(
        tmp_path: Path) -> None:
    require_chromium()
    out = tmp_path / "speed.json"
    result = subprocess.run(
        [sys.executable, str(BENCH), "--pages", "2", "--runs", "1", "--preview-edits", "0",
         "--no-check", "--gate", "--json", str(out), "--workdir", str(tmp_path / "work")],
        capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    row = re.search(r"full check \(check --offline --full\) / our cold build +(\d+\.\d+)  "
                    r"\(range [\d.]+-[\d.]+\)   goal <= 1\.5: (met|NOT met)", result.stdout)
    assert row, result.stdout
    summary = json.loads(out.read_text("utf-8"))
    [gate], [cold] = summary["gate"]["samples_s"], summary["ours"]["cold"]["samples_s"]
    assert gate > 0 and float(row[1]) == round(gate / cold, 2)
    assert (row[2] == "met") == (gate / cold <= 1.5)
    # the same check without the browser: every other check, beside the cold build too
    own = re.search(r"the same, without the browser / our cold build +(\d+\.\d+)  "
                    r"\(range [\d.]+-[\d.]+\)   goal <= 1\.5: (met|NOT met)", result.stdout)
    assert own, result.stdout
    [no_browser] = summary["gate_no_browser"]["samples_s"]
    assert 0 < no_browser < gate and float(own[1]) == round(no_browser / cold, 2)
    # what each check found on the generated site is printed by kind (its menu links to an
    # About page the corpus does not have); only the browser's check judges accessibility
    assert summary["gate"]["problems"]["link"] > 0
    assert summary["gate_no_browser"]["problems"]["link"] == summary["gate"]["problems"]["link"]
    assert "a11y" not in summary["gate_no_browser"]["problems"]
    assert re.search(r"full check: .*problems found: .*\d+ link", result.stdout)
    assert re.search(r"without the browser: .*problems found: .*\d+ link", result.stdout)


@pytest.mark.slow(7)
def test_the_profile_finds_the_time_of_each_activity_of_a_cold_build(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, str(BENCH), "--pages", "3", "--charts", "3", "--runs", "0",
         "--profile", "--workdir", str(tmp_path / "work")],
        capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    lines = result.stdout.splitlines()
    start = lines.index(next(line for line in lines if line.startswith("activity")))
    seconds = {}
    for line in lines[start + 1:lines.index("", start)]:
        label, figure, _share = line.rsplit(None, 2)
        seconds[label.strip()] = float(figure)
    # Each activity is found by its function's file and name: none may be lost to a move.
    for label in ("imports (all modules)", "plan: everything below", "pages: each built whole",
                  "expressions: Jinja sandbox", "Markdown -> HTML", "chart prepare (pandas)",
                  "chart SVG (vl-convert)", "templates + social card",
                  "stage files (hash + write)", "listings (index/tags/archive)",
                  "Pagefind index + copy"):
        assert seconds[label] > 0, (label, result.stdout)


@pytest.mark.slow(9)
def test_the_charts_per_brief_benchmark_builds_each_size(tmp_path: Path) -> None:
    bench = BENCH.with_name("charts_per_brief.py")
    result = subprocess.run([sys.executable, str(bench), "--charts", "4", "2"],
                            capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    rows = [line.split() for line in result.stdout.splitlines()[2:]]
    assert [row[0] for row in rows] == ["2", "4"]
    assert all(float(row[1]) > 0 for row in rows)
    assert len(rows[0]) == 2  # the first size has no previous one to compare with
    assert re.fullmatch(r"-?\d+\.\d", rows[1][2])  # the added cost per chart, in ms


@pytest.mark.slow(6)
def test_the_check_speed_benchmark_prints_each_scenario_beside_the_build(
        tmp_path: Path) -> None:
    """One run without the browser (the accessibility record has its own tests): every row,
    with its ratio to the cold build and the targets' verdicts."""
    out = tmp_path / "check.json"
    result = subprocess.run(
        [sys.executable, str(BENCH.with_name("check_speed.py")), "--runs", "1", "--briefs", "1",
         "--no-generated", "--no-browser", "--json", str(out)],
        capture_output=True, text=True, timeout=600, check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    lines = result.stdout.splitlines()
    assert re.search(r"\d+ cores, load average .*, \d+ HTML pages, no browser$", lines[0])
    rows = {line[:42].strip(): line[42:] for line in lines[2:]}
    assert set(rows) == {"cold build", "full check (check --offline --full)",
                         "check, nothing changed", "check after one edit (rebuild included)"}
    assert rows["cold build"].split()[4] == "1.00x"
    full, edit = rows["full check (check --offline --full)"], rows[
        "check after one edit (rebuild included)"]
    assert re.search(r"x +\d+\.\d+ s  <= 1.5x cold: (met|NOT met)$", full)  # ratio, CPU, verdict
    assert re.search(r"x +\d+\.\d+ s  < 3 s: (met|NOT met)$", edit)
    samples = json.loads(out.read_text("utf-8"))["samples_s"]
    assert all(len(times) == 1 and times[0] > 0 for times in samples.values())


def test_the_html_parse_benchmark_times_both_parsers_on_the_pages_given(tmp_path: Path) -> None:
    page = '<!doctype html><html lang="en"><head><title>t</title></head><body>{}</body></html>'
    (tmp_path / "site" / "a").mkdir(parents=True)
    (tmp_path / "site" / "index.html").write_text(page.format("<p>fine</p>"), "utf-8")
    (tmp_path / "site" / "a" / "index.html").write_text(
        page.format("<p><span>unclosed</div></p>"), "utf-8")
    result = subprocess.run(
        [sys.executable, str(BENCH.with_name("html_parse.py")), "--site", str(tmp_path / "site"),
         "--rounds", "1"], capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    assert re.search(r"\d+ cores, 2 pages of [\d.]+ kB on average", result.stdout)
    rows = dict(re.findall(r"^  (html5lib, every page \(before\)|ours: html5ever, html5lib on "
                           r"errors) +[\d.]+ ms a page +[\d.]+ s in all +(\d+) errors$",
                           result.stdout, re.MULTILINE))
    # the same two errors either way: the page with one goes on to html5lib
    assert rows == {"html5lib, every page (before)": "2",
                    "ours: html5ever, html5lib on errors": "2"}
    assert re.search(r"ours / html5lib: \d\.\d{3}$", result.stdout, re.MULTILINE)
