"""The gate beside the build, on the shipped site: cold build, full check, check with nothing
changed, and check after one edit, side by side in one run.

    python bench/check_speed.py              # 3 runs, medians and ranges
    python bench/check_speed.py --runs 5 --json check.json

Each run works on a copy of this checkout's content/ and templates/ in a temporary folder
(never the checkout), and each command runs in its own interpreter, timed from spawn to
exit, as a writer would type it:

- cold build: `build`, with no cache folder and no output folder;
- full check: `check --offline --full` on the site just built (its build finds nothing to
  do; every page is judged by axe-core, light and dark);
- check, nothing changed: `check --offline` again;
- check after one edit: a sentence added to a brief's prose, then `check --offline`, which
  rebuilds the brief and judges the pages that changed.

CPU is the median of the user and system time each command used, with every process it
started (Chromium's among them: the launcher of `speed.launch` adopts and waits for those
their parents do not): on a shared machine it moves less than the wall time.
The ratios are the wall medians' over the cold build's, beside the targets: a full check at most
1.5 times the cold build, and a check after one edit under 3 s.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

from speed import BUILD_ENV as ENV
from speed import ROOT
from speed.launch import measure

SCENARIOS = {
    "cold": "cold build",
    "full": "full check (check --offline --full)",
    "nothing": "check, nothing changed",
    "edit": "check after one edit (rebuild included)",
}
FULL_TARGET = 1.5  # full check / cold build, at most
EDIT_TARGET = 3.0  # seconds, less than


def timed(project: Path, *command: str) -> tuple[float, float]:
    """(wall, CPU) seconds that `python -m site_builder COMMAND` took in ``project``, CPU
    being the user and system time of it and of every process it started (Chromium's among
    them, adopted by the launcher when their parents end first); it must succeed."""
    sample = measure([sys.executable, "-m", "site_builder", "--root", str(project), "-q",
                      *command], env=ENV)
    if sample.returncode != 0:
        sys.exit(f"`{' '.join(command)}` failed ({sample.returncode}):\n"
                 f"{sample.stderr[-3000:]}")
    return sample.wall, sample.cpu


def copy_project(target: Path, briefs: int | None, generated: bool = True) -> Path:
    """This checkout's content and templates in ``target``; only the first ``briefs``
    written briefs when given, and no generated pages without ``generated`` (for a quick
    run)."""
    shutil.copytree(ROOT / "content", target / "content")
    shutil.copytree(ROOT / "templates", target / "templates")
    if briefs is not None:
        for extra in sorted((target / "content" / "briefs").glob("*.md"))[briefs:]:
            extra.unlink()
    if not generated:
        shutil.rmtree(target / "content" / "generated", ignore_errors=True)
    return target


def one_run(project: Path, run: int, browser: bool) -> dict[str, tuple[float, float]]:
    shutil.rmtree(project / ".cache", ignore_errors=True)
    shutil.rmtree(project / "output", ignore_errors=True)
    flags = ("--offline",) if browser else ("--offline", "--no-browser")
    times = {"cold": timed(project, "build"),
             "full": timed(project, "check", *flags, "--full"),
             "nothing": timed(project, "check", *flags)}
    brief = sorted((project / "content" / "briefs").glob("*.md"))[0]
    with brief.open("a", encoding="utf-8") as stream:
        stream.write(f"\nThis sentence was added by the benchmark, run {run + 1}.\n")
    times["edit"] = timed(project, "check", *flags)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="runs of every scenario (3)")
    parser.add_argument("--briefs", type=int, metavar="N",
                        help="keep only the first N written briefs (a quick run)")
    parser.add_argument("--no-generated", action="store_true",
                        help="leave out the pages content/generated/ makes (a quick run)")
    parser.add_argument("--no-browser", action="store_true",
                        help="check without axe-core (where Chromium is missing)")
    parser.add_argument("--json", type=Path, metavar="FILE", help="also write every number")
    args = parser.parse_args()
    samples: dict[str, list[float]] = {name: [] for name in SCENARIOS}
    cpu: dict[str, list[float]] = {name: [] for name in SCENARIOS}
    with tempfile.TemporaryDirectory(prefix="check-speed-") as tmp:
        project = copy_project(Path(tmp) / "project", args.briefs, not args.no_generated)
        pages = 0
        for run in range(args.runs):
            for name, (seconds, used) in one_run(project, run, not args.no_browser).items():
                samples[name].append(seconds)
                cpu[name].append(used)
            pages = sum(1 for p in (project / "output").rglob("*.html")
                        if "pagefind" not in p.parts)
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"bench/check_speed.py --runs {args.runs}: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} "
          f"UTC, {os.cpu_count()} cores, load average {load}, {pages} HTML pages"
          + (", no browser" if args.no_browser else ""))
    cold = statistics.median(samples["cold"])
    print(f"{'scenario':<42} {'median':>8} {'range':>15} {'/ cold':>7} {'CPU':>8}  target")
    for name, label in SCENARIOS.items():
        median = statistics.median(samples[name])
        spread = f"{min(samples[name]):.2f}-{max(samples[name]):.2f} s"
        target = {"full": f"<= {FULL_TARGET}x cold: "
                          + ("met" if median <= FULL_TARGET * cold else "NOT met"),
                  "edit": f"< {EDIT_TARGET:.0f} s: "
                          + ("met" if median < EDIT_TARGET else "NOT met")}.get(name, "")
        print(f"{label:<42} {median:>6.2f} s {spread:>15} {median / cold:>6.2f}x "
              f"{statistics.median(cpu[name]):>6.2f} s  {target}".rstrip())
    if args.json:
        args.json.write_text(json.dumps({"pages": pages, "cores": os.cpu_count(),
                                         "samples_s": samples, "cpu_s": cpu}, indent=1), "utf-8")


if __name__ == "__main__":
    main()
