"""Our build, each run in a fresh interpreter through the launcher, so that start-up and
imports count: the four scenarios, the comparison with a clean build, the gate, the preview
and the profile."""

from __future__ import annotations

import filecmp
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from speed import BUILD_ENV
from speed.corpus import Corpus
from speed.launch import Sample, measure

SCENARIOS = {
    "cold": "cold build (empty cache, no output)",
    "warm": "repeat build, nothing changed",
    "edit": "one brief edited",
    "data": "data change (exports revised)",
}
STAGES = ("load", "pages", "site", "write", "search")  # as the build times them

# The child: a fresh interpreter that imports site_builder and builds, then prints one JSON
# line. Its stages are timed through the reporter interface.
CHILD = r"""
import time
_t0 = time.perf_counter()
import json, resource, sys
from contextlib import contextmanager
from pathlib import Path
from site_builder.build.pipeline import build
from site_builder.project import Project
from site_builder.errors import BuildFailed
from site_builder.report import SilentReporter
_imported = time.perf_counter()

class TimedReporter(SilentReporter):
    def __init__(self):
        super().__init__()
        self.stages = {}

    @contextmanager
    def stage(self, name):
        start = time.perf_counter()
        yield
        self.stages[name] = self.stages.get(name, 0.0) + time.perf_counter() - start

reporter = TimedReporter()
try:
    # fork=True: this interpreter runs no other thread, as the command line's does not
    result = build(Project(Path(sys.argv[1]), cache_dir=Path(sys.argv[2])), reporter,
                   Path(sys.argv[3]), fork=True)
except BuildFailed as exc:
    print(str(exc), file=sys.stderr)
    sys.exit(1)
_end = time.perf_counter()
def _peak_mb():
    # VmHWM: this process's own peak since exec (ru_maxrss would include its parent's size)
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({
    "pages": result.pages, "rebuilt": result.rebuilt, "charts": result.charts,
    "charts_rendered": result.charts_rendered, "written": result.written,
    "imports_s": _imported - _t0, "inside_s": _end - _t0, "stages": reporter.stages,
    "self_mb": _peak_mb(),
}))
"""

# The gate: `check --offline --full` on the site a run built (its build finds nothing to do),
# through the same library call as the command, with the run's cache and output folders; with
# axe-core in Chromium ("browser") or without it (what --no-browser runs: every other check).
GATE_CHILD = r"""
import collections, json, sys
from pathlib import Path
from site_builder.check.gate import check
from site_builder.project import Project
from site_builder.report import SilentReporter
problems = check(Project(Path(sys.argv[1]), cache_dir=Path(sys.argv[2])), SilentReporter(),
                 Path(sys.argv[3]), browser=sys.argv[4] == "browser", stale=False, full=True)
print(json.dumps({"problems": dict(collections.Counter(p.kind for p in problems))}))
"""

# One cold build under cProfile, imports included, every page in the profiled process.
PROFILE_CHILD = r"""
import cProfile, pstats, sys
from pathlib import Path
profiler = cProfile.Profile()
profiler.enable()
from site_builder.build.pipeline import build
from site_builder.project import Project
from site_builder.report import SilentReporter
# workers=1: every page in this process, where the profiler is
build(Project(Path(sys.argv[1]), cache_dir=Path(sys.argv[2])), SilentReporter(), Path(sys.argv[3]),
      workers=1)
profiler.disable()
stats = pstats.Stats(profiler, stream=sys.stdout)
total = max(row[3] for row in stats.stats.values())
# Activities, each measured at one function (the end of its file's path, its name) so that
# nothing is counted twice within a line. A function that moves must move here too.
ACTIVITIES = [
    ("imports (all modules)", "<frozen importlib._bootstrap>", "_find_and_load"),
    ("plan: everything below", "build/plan.py", "plan_build"),
    ("  build key: hash templates + code", "build/cache.py", "tree_digest"),
    ("  open build cache, check output/", "build/cache.py", "open"),
    ("  read + hash sources", "build/plan.py", "find_sources"),
    ("pages: each built whole", "build/pages.py", "_build"),
    ("  front matter: YAML", "content/document.py", "_construct"),
    ("  front matter: pydantic", "pydantic/main.py", "model_validate"),
    ("  expressions: Jinja sandbox", "evaluate/expressions.py", "run_expressions"),
    ("  Markdown -> HTML", "content/markdown.py", "to_html"),
    ("  chart prepare (pandas)", "evaluate/charts.py", "prepare"),
    ("  chart SVG (vl-convert)", "charts/draw.py", "svg"),
    ("  templates + social card", "render/templates.py", "render_page"),
    ("    of which social card PNGs", "charts/social.py", "png"),
    ("  stage files (hash + write)", "build/write.py", "put"),
    ("vega-embed bundle", "charts/draw.py", "vega_bundle"),
    ("listings (index/tags/archive)", "render/listings.py", "render_listings"),
    ("feeds + sitemap", "render/feeds.py", "render_feeds"),
    ("swap the new site in", "build/write.py", "publish_new"),
    ("move changed files in", "build/write.py", "publish_in_place"),
    ("Pagefind index + copy", "build/search.py", "index_site"),
    ("save build cache (stat+JSON)", "build/cache.py", "save"),
    ("all SHA-256 digests", "build/cache.py", "digest"),
]
print(f"profile: {total:.2f} s in total under cProfile (profiling slows Python code)")
print(f"{'activity':<36}{'cumulative s':>13}{'share':>8}")
for label, filename, name in ACTIVITIES:
    seconds = sum(row[3] for (file, _, func), row in stats.stats.items()
                  if file.endswith(filename) and func == name)
    print(f"{label:<36}{seconds:>13.3f}{seconds / total:>8.0%}")
print()
stats.strip_dirs()
stats.sort_stats("cumulative").print_stats(25)
stats.sort_stats("tottime").print_stats(25)
"""

# The preview: a PreviewServer in a fresh interpreter builds the corpus and indexes it, then
# one brief is edited several times, as a writer saves. For each save: the seconds from the
# write to the reload event (what the writer waits for: the watcher's poll and debounce, then
# the rebuild) and the rebuild alone; the search index follows after the reload.
PREVIEW_CHILD = r"""
import json, sys, time
from pathlib import Path
from site_builder.build.pipeline import build
from site_builder.project import Project
from site_builder.report import SilentReporter
from site_builder.preview.server import PreviewServer

root, cache, out, brief, edits = (Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]),
                                  Path(sys.argv[4]), int(sys.argv[5]))
rebuilds = []

def timed(*args, **kwargs):
    start = time.perf_counter()
    result = build(*args, **kwargs)
    rebuilds.append((time.perf_counter() - start, result.rebuilt))
    return result

preview = PreviewServer(Project(root, cache_dir=cache), SilentReporter(), port=0, output=out,
                        build=timed)
preview.start()
try:
    assert preview.wait_for_search(1200), "the first search index never came"
    reload_s, rebuild_s, rebuilt, search_s = [], [], [], []
    for n in range(edits):
        seq = preview.hub.state.seq
        text = brief.read_text("utf-8")
        head, sep, body = text.partition("\n---\n")
        stop = body.index(".")
        start = time.perf_counter()
        brief.write_text(head + sep + body[:stop] + f", as saved in the preview ({n + 1})"
                         + body[stop:], "utf-8")
        state = preview.hub.wait(seq, 120)
        reload_s.append(time.perf_counter() - start)
        assert state is not None and not state.problems, state
        rebuild_s.append(rebuilds[-1][0])
        rebuilt.append(rebuilds[-1][1])
        assert preview.wait_for_search(1200)
        search_s.append(time.perf_counter() - start)
finally:
    preview.stop()
print(json.dumps({"reload_s": reload_s, "rebuild_s": rebuild_s, "rebuilt": rebuilt,
                  "searchable_s": search_s, "poll_s": preview.poll_interval}))
"""


def compile_ours() -> None:
    """Untimed: compile site_builder's bytecode (the environment may forbid writing it, which
    would make every build compile it again). Cold, in this benchmark, means no build cache
    and no output, not code read for the first time."""
    env = {k: v for k, v in BUILD_ENV.items() if k != "PYTHONDONTWRITEBYTECODE"}
    warm = "import site_builder.build.pipeline, site_builder.build.write"
    subprocess.run([sys.executable, "-c", warm], env=env, check=True)


def run_ours(corpus: Corpus, cache: Path, output: Path) -> tuple[Sample, dict[str, Any]]:
    """One build of our copy with this cache and output folder; see CHILD."""
    sample = measure([sys.executable, "-c", CHILD, str(corpus.ours), str(cache), str(output)],
                     env=BUILD_ENV)
    if sample.returncode != 0:
        raise SystemExit(f"our build failed ({sample.returncode}):\n{sample.stderr[-3000:]}")
    return sample, json.loads(sample.stdout.strip().splitlines()[-1])


def run_gate(corpus: Corpus, cache: Path, output: Path, browser: bool = True
             ) -> tuple[Sample, dict[str, int]]:
    """A full check of the site in ``output``, built with ``cache``, with or without the
    ``browser``; see GATE_CHILD. Returns the sample and the number of problems of each kind
    it found."""
    sample = measure([sys.executable, "-c", GATE_CHILD, str(corpus.ours), str(cache),
                      str(output), "browser" if browser else "none"], env=BUILD_ENV)
    if sample.returncode != 0:
        raise SystemExit(f"the check failed ({sample.returncode}):\n{sample.stderr[-3000:]}")
    return sample, json.loads(sample.stdout.strip().splitlines()[-1])["problems"]


def differing_files(a: Path, b: Path) -> list[str]:
    """Paths that differ between two folders (missing on one side or different bytes)."""
    def files(root: Path) -> set[str]:
        return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}

    left, right = files(a), files(b)
    differing = sorted(left ^ right)
    differing += [p for p in sorted(left & right)
                  if not filecmp.cmp(a / p, b / p, shallow=False)]
    return differing


def check_against_clean(corpus: Corpus, incremental: Path, scratch: Path) -> str:
    """Build the same inputs from nothing and compare with the incremental output."""
    clean, cache = scratch / "clean-output", scratch / "clean-cache"
    run_ours(corpus, cache, clean)
    differing = differing_files(incremental, clean)
    return "OK" if not differing else f"DIFF ({len(differing)}: {', '.join(differing[:3])})"


def run_preview(corpus: Corpus, work: Path, edits: int) -> dict[str, Any]:
    """Edit one brief ``edits`` times under a running preview; see PREVIEW_CHILD."""
    brief = corpus.brief_path(corpus.pages // 2 + 1)
    original = brief.read_text("utf-8")
    try:
        sample = measure([sys.executable, "-c", PREVIEW_CHILD, str(corpus.ours),
                          str(work / "cache-preview"), str(work / "preview"), str(brief),
                          str(edits)], env=BUILD_ENV)
    finally:
        brief.write_text(original, "utf-8")
    if sample.returncode != 0:
        raise SystemExit(f"the preview failed ({sample.returncode}):\n{sample.stderr[-3000:]}")
    return json.loads(sample.stdout.strip().splitlines()[-1])


def profile(corpus: Corpus, work: Path) -> Sample:
    """One cold build under cProfile; the sample's stdout is the profile's report."""
    sample = measure([sys.executable, "-c", PROFILE_CHILD, str(corpus.ours),
                      str(work / "cache-profile"), str(work / "output-profile")], env=BUILD_ENV)
    if sample.returncode != 0:
        raise SystemExit(f"profiled build failed:\n{sample.stderr[-3000:]}")
    return sample
