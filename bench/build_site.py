"""Measure the real site: cold build, warm build (chart cache), and the flagship's page weight.

    python bench/build_site.py            # 5 runs each, medians
    python bench/build_site.py --runs 3

Cold: empty caches. Warm: a new output folder, with rendered charts cached. Repeat: the same
output folder again, nothing changed (the incremental build cache). Each build runs in its
own interpreter, so start-up and imports count, as they do for a writer.
"""

from __future__ import annotations

import argparse
import gzip
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from speed import BUILD_ENV as ENV
from speed import ROOT

FLAGSHIP = "briefs/us-trade-deficit-2024/index.html"


def timed_build(output: Path, cache: Path) -> float:
    code = ("import sys; from pathlib import Path; from site_builder.build.pipeline import build; "
            "from site_builder.project import Project; from site_builder.report import "
            "SilentReporter; build(Project(Path(sys.argv[1]), cache_dir=Path(sys.argv[2])), "
            "SilentReporter(), Path(sys.argv[3]))")
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code, str(ROOT), str(cache), str(output)], env=ENV,
                   check=True)
    return time.perf_counter() - start


def page_weight(output: Path) -> dict[str, int]:
    """Gzip sizes of the flagship's HTML (charts are inline SVG) and its stylesheet."""
    html = (output / FLAGSHIP).read_bytes()
    css = next((output / "assets").glob("site.*.css")).read_bytes()
    return {"html_gzip": len(gzip.compress(html, 9)), "css_gzip": len(gzip.compress(css, 9)),
            "html_raw": len(html)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    cold, warm, repeat = [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        for run in range(args.runs):
            cache = base / f"cache-{run}"
            cold.append(timed_build(base / f"cold-{run}", cache))
            warm.append(timed_build(base / f"warm-{run}", cache))
            repeat.append(timed_build(base / f"warm-{run}", cache))
        weight = page_weight(base / "warm-0")
    total = weight["html_gzip"] + weight["css_gzip"]
    print(f"{'measure':<44}{'median':>10}")
    print(f"{'cold build (empty chart cache), s':<44}{statistics.median(cold):>10.2f}")
    print(f"{'new output, chart cache warm, s':<44}{statistics.median(warm):>10.2f}")
    print(f"{'repeat build, nothing changed, s':<44}{statistics.median(repeat):>10.2f}")
    print(f"{'flagship HTML incl. inline SVG, gzip, KB':<44}{weight['html_gzip'] / 1000:>10.1f}")
    print(f"{'stylesheet, gzip, KB':<44}{weight['css_gzip'] / 1000:>10.1f}")
    print(f"{'flagship HTML+CSS+SVG, gzip, KB':<44}{total / 1000:>10.1f}")


if __name__ == "__main__":
    main()
