"""Cost per chart: one brief holding N chart blocks, built cold, for several N.

    python bench/charts_per_brief.py                    # N = 250, 500, 1000
    python bench/charts_per_brief.py --charts 100 200   # other sizes

Each build runs in a fresh interpreter on a copy of the project (templates, data snapshot,
chart code, settings) whose only brief has N distinct charts, with empty caches. The cost
per chart should not grow with N: "added ms/chart" is what each chart beyond the previous
size cost, (t(N) - t(previous N)) / (N - previous N), and should stay level.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from speed import BUILD_ENV as ENV
from speed import ROOT

BUILD = ("import sys; from pathlib import Path; from site_builder.build.pipeline import build; "
         "from site_builder.project import Project; from site_builder.report import "
         "SilentReporter; root = Path(sys.argv[1]); "
         "build(Project(root, cache_dir=root / '.cache'), SilentReporter(), root / 'output')")
CHART = """
```chart
id: balance-{i}
title: US trade balance since {year}, chart {i}
data: trade_balance
since: {year}-01
mark: line
encoding:
  x: {{field: period, type: temporal, title: null}}
  y: {{field: value, type: quantitative, title: Billions of dollars}}
```
"""


def project_with(charts: int, folder: Path) -> Path:
    """A copy of the project whose one brief holds ``charts`` chart blocks."""
    for part in ("templates", "content/data", "content/charts"):
        shutil.copytree(ROOT / part, folder / part)
    shutil.copy(ROOT / "content" / "site.toml", folder / "content" / "site.toml")
    briefs = folder / "content" / "briefs"
    briefs.mkdir(parents=True)
    (folder / "content" / "pages").mkdir()
    body = "".join(CHART.format(i=i, year=1993 + i % 30) for i in range(charts))
    (briefs / "many-charts.md").write_text(
        "---\ntitle: Many charts\ndate: 2025-02-05\nsummary: One brief, many charts.\n---\n"
        "The trade balance, drawn many times.\n" + body, encoding="utf-8")
    return folder


def timed_build(root: Path) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", BUILD, str(root)], env=ENV, check=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--charts", type=int, nargs="+", default=[250, 500, 1000])
    args = parser.parse_args()
    print(f"charts_per_brief: {os.cpu_count()} CPUs, Python {platform.python_version()}, "
          f"{time.strftime('%Y-%m-%d')}")
    print(f"{'charts':>8} {'build s':>9} {'added ms/chart':>15}")
    before: tuple[int, float] | None = None
    for n in sorted(args.charts):
        with tempfile.TemporaryDirectory(prefix="charts-per-brief-") as tmp:
            seconds = timed_build(project_with(n, Path(tmp)))
        added = "" if before is None else \
            f"{(seconds - before[1]) / (n - before[0]) * 1000:.1f}"
        print(f"{n:>8} {seconds:>9.2f} {added:>15}", flush=True)
        before = (n, seconds)

if __name__ == "__main__":
    main()
