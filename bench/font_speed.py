"""Chart rendering speed with and without a system Liberation Sans, and a cold build of the
shipped site against its charts' own render time.

    python bench/font_speed.py                        # uses /usr/share/fonts as it is
    python bench/font_speed.py --liberation DIR       # DIR holds LiberationSans-*.ttf

Debian's Chromium needs `fonts-liberation`, so the bench cannot uninstall it to compare.
It shows each interpreter a machine through vl-convert's own seam instead, a fontconfig file
(`FONTCONFIG_FILE`): "without" lists every folder under /usr/share/fonts and
/usr/local/share/fonts except those named like liberation; "with" adds the Liberation
folder (the installed one, or `--liberation DIR`, e.g. from `apt-get download
fonts-liberation && dpkg-deb -x fonts-liberation_*.deb x`, which installs nothing). Each
machine is measured twice: as the build draws (`settle_fonts`, which shows vl-convert none
of these fonts) and as vl-convert draws on its own. Every run renders the shipped site's
chart specs ROUNDS times in a fresh interpreter after one warm-up chart; the figure is the
median round's milliseconds per chart, and the SVGs' digest shows whether the bytes moved.

The build lines: a cold `build` of the shipped site (empty project cache, fresh interpreter)
beside the same specs' render time, as the build draws, divided by the cores; first as the
first build on a machine, which bundles Vega for the interactive charts, then as any later
one, which finds that bundle in the user's cache. The issue's target is a ratio of at most
1.3.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from speed import BUILD_ENV as ENV
from speed import ROOT

SYSTEM = (Path("/usr/share/fonts"), Path("/usr/local/share/fonts"))
RENDER = """
import hashlib, json, sys, time, vl_convert
from site_builder.charts.fonts import settle_fonts
specs, rounds, settled = json.load(open(sys.argv[1])), int(sys.argv[2]), sys.argv[3] == "1"
if settled:
    settle_fonts()
vl_convert.vegalite_to_svg(specs[0])  # the engine starts
times, digest = [], hashlib.sha256()
for _ in range(rounds):
    start = time.perf_counter()
    svgs = [vl_convert.vegalite_to_svg(spec) for spec in specs]
    times.append(time.perf_counter() - start)
for svg in svgs:
    digest.update(svg.encode())
print(json.dumps({"times": times, "digest": digest.hexdigest()[:12]}))
"""
BUILD = ("import sys; from pathlib import Path; from site_builder.build.pipeline import build; "
         "from site_builder.project import Project; from site_builder.report import "
         "SilentReporter; build(Project(Path(sys.argv[1]), cache_dir=Path(sys.argv[2])), "
         "SilentReporter(), Path(sys.argv[3]), fork=True)")  # as the command line builds


def shipped_specs() -> list[dict[str, object]]:
    """The Vega-Lite spec of every chart the shipped site draws, evaluated as a build does."""
    sys.path.insert(0, str(ROOT))
    from site_builder.build.plan import find_sources
    from site_builder.data.snapshot import Snapshot
    from site_builder.evaluate.expressions import expression_environment
    from site_builder.evaluate.page import evaluate
    from site_builder.project import Project

    project = Project(ROOT)
    snapshot = Snapshot(project.lockfile)
    sandbox = expression_environment()
    sources, _ = find_sources(project, snapshot)
    return [chart.spec for source in sources if source.charted
            for chart in evaluate(source.parse(), snapshot, sandbox, project.charts).charts]


def machine(folder: Path, dirs: list[Path]) -> Path:
    """A fontconfig file listing ``dirs`` (and an empty folder, so the list is never empty:
    vl-convert would then scan the system folders)."""
    (folder / "empty").mkdir(parents=True, exist_ok=True)
    listed = "".join(f"<dir>{d}</dir>" for d in [*dirs, folder / "empty"])
    config = folder / "fonts.conf"
    config.write_text(f'<?xml version="1.0"?>\n<fontconfig>{listed}</fontconfig>\n', "utf-8")
    return config


def system_dirs() -> tuple[list[Path], Path | None]:
    """The machine's font folders without Liberation, and its Liberation folder if any."""
    found = [d for top in SYSTEM if top.is_dir() for d in top.rglob("*") if d.is_dir()]
    liberation = [d for d in found if "liberation" in d.name.lower()]
    rest = [d for d in found if not any(d.is_relative_to(x) for x in liberation)]
    return rest, (liberation[0] if liberation else None)


def render(specs: Path, rounds: int, settled: bool, config: Path) -> dict[str, object]:
    env = {**ENV, "FONTCONFIG_FILE": str(config)}
    out = subprocess.run([sys.executable, "-c", RENDER, str(specs), str(rounds),
                          "1" if settled else "0"], env=env, capture_output=True, text=True,
                         check=True).stdout
    result: dict[str, object] = json.loads(out)
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--liberation", type=Path,
                        help="folder holding LiberationSans-*.ttf (default: the installed one)")
    args = parser.parse_args()
    rest, installed = system_dirs()
    liberation = args.liberation or installed
    if liberation is None:
        parser.error("no Liberation folder under /usr/share/fonts: give --liberation DIR")
    cores = os.cpu_count() or 1
    print(f"{time.strftime('%Y-%m-%d %H:%M')}, {cores} cores; uptime:"
          f"{subprocess.run(['uptime'], capture_output=True, text=True).stdout.rstrip()}")
    with tempfile.TemporaryDirectory(prefix="font-speed-") as tmp:
        work = Path(tmp)
        specs = shipped_specs()
        (work / "specs.json").write_text(json.dumps(specs), "utf-8")
        machines = {"without fonts-liberation": machine(work / "without", rest),
                    "with fonts-liberation": machine(work / "with", [*rest, liberation])}
        print(f"{len(specs)} charts of the shipped site, median of {args.rounds} rounds")
        settled_seconds = 0.0
        for settled in (True, False):
            for name, config in machines.items():
                result = render(work / "specs.json", args.rounds, settled, config)
                times = [float(t) for t in result["times"]]  # type: ignore[attr-defined]
                median = statistics.median(times)
                settled_seconds = median if settled else settled_seconds
                how = "as the build draws" if settled else "vl-convert on its own"
                print(f"  {how:22} {name:25} {median / len(specs) * 1000:6.1f} ms/chart "
                      f"(rounds {min(times):.2f}-{max(times):.2f} s; svg {result['digest']})")
        first = cold_build(work / "first", ENV)
        # the same, on a machine that has built a site before: the Vega bundle that build
        # made (in its project's cache here) waits in the user's cache
        user = work / "user-cache"
        user.mkdir()
        for bundle in (work / "first" / "cache").glob("vega-embed-*.js"):
            bundle.rename(user / bundle.name)
        again = cold_build(work / "again", {**ENV, "SITE_BUILDER_USER_CACHE": str(user)})
    floor = settled_seconds / cores
    print(f"its charts' render time {settled_seconds:.2f} s / {cores} cores = {floor:.2f} s")
    for wall, how in ((first, "the first on this machine"),
                      (again, "Vega already bundled on this machine")):
        print(f"cold build of the shipped site, {how}: {wall:.2f} s; ratio "
              f"{wall / floor:.2f} (target at most 1.3)")
    return 0


def cold_build(work: Path, env: dict[str, str]) -> float:
    """Seconds a build of the shipped site takes in a fresh interpreter, with an empty
    cache and no output (both in ``work``)."""
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", BUILD, str(ROOT), str(work / "cache"),
                    str(work / "output")], env=env, check=True)
    return time.perf_counter() - start


if __name__ == "__main__":
    sys.exit(main())
