"""The build as a list of stages: load and check everything, evaluate, render, then write."""

from __future__ import annotations

import datetime as dt
import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from site_builder.charts import VL_CONVERT_VERSION, Renderer, vega_bundle
from site_builder.config import Project, load_config
from site_builder.content import Document, FrontMatter, parse_document
from site_builder.data.declarations import load_declarations
from site_builder.data.snapshot import Snapshot
from site_builder.data.status import check_freshness
from site_builder.errors import BuildFailed, SiteError
from site_builder.evaluation import evaluate_all
from site_builder.feeds import render_feeds
from site_builder.generate import expand, row_key
from site_builder.incremental import BuildCache, PageRecord, digest, tree_digest
from site_builder.listings import render_listings
from site_builder.pages import Entry, Page, entry_for
from site_builder.releases import ReleaseStatus
from site_builder.render import RenderedChart, assets, render_page, template_environment
from site_builder.report import Reporter
from site_builder.site import Site, newest_first
from site_builder.social import CardRenderer, site_card
from site_builder.write import update_site, write_site

CODE = Path(__file__).parent


@dataclass(frozen=True)
class BuildResult:
    output: Path
    pages: int  # pages on the site
    rebuilt: int  # pages evaluated and rendered this time (the rest came from the cache)
    charts: int
    charts_rendered: int
    charts_cached: int
    written: int  # files written (or removed) in output/
    seconds: float


@dataclass(frozen=True)
class Source:
    path: Path
    kind: str  # "brief" or "page"
    relative: str  # for a generated page: "TEMPLATE#SLUG"
    text: bytes
    row: dict[str, Any] | None = None

    @property
    def digest(self) -> str:
        return digest(self.text + (row_key(self.row) if self.row else b""))

    def parse(self) -> Document:
        text = self.text.decode("utf-8") if self.row else None
        return parse_document(self.path, self.kind, text, self.row)


def find_sources(project: Project, snapshot: Snapshot) -> tuple[list[Source], list[SiteError]]:
    """Every brief and page, with one per row of each generated template."""
    found = [(p, "brief") for p in sorted(project.briefs.glob("*.md"))]
    found += [(p, "page") for p in sorted(project.pages.glob("*.md"))]
    sources = [Source(p, kind, str(p.relative_to(project.root)), p.read_bytes())
               for p, kind in found]
    errors = []
    for template in sorted(project.generated.glob("*.md")):
        relative = str(template.relative_to(project.root))
        try:
            rows = expand(template, template.read_text(encoding="utf-8"), project.content,
                          snapshot)
        except SiteError as exc:
            errors.append(exc if exc.path else exc.located(template))
            continue
        sources += [Source(template, "brief", f"{relative}#{row['slug']}", text.encode(), row)
                    for text, row in rows]
    return sources, errors


def load_documents(project: Project, drafts: bool) -> tuple[list[Document], list[SiteError]]:
    """Parse every brief and page; collect all front-matter errors rather than stop at one."""
    sources, errors = find_sources(project, Snapshot(project.lockfile))
    docs = []
    for source in sources:
        try:
            doc = source.parse()
        except SiteError as exc:
            errors.append(exc)
            continue
        if not (isinstance(doc.meta, FrontMatter) and doc.meta.draft and not drafts):
            docs.append(doc)
    return docs, errors


def build_key(project: Project, drafts: bool, status: ReleaseStatus) -> str:
    """What every page depends on: templates, settings, site_builder's code, the chart
    engine (it names the script bundle pages load), whether drafts are shown, and where the
    release calendar stands."""
    settings = project.site_toml.read_bytes() if project.site_toml.exists() else b""
    engine = f"{VL_CONVERT_VERSION}".encode()
    return tree_digest(project.templates, CODE,
                       extra=settings + engine + status.key + bytes([drafts]))


def build(project: Project, reporter: Reporter, output: Path | None = None,
          drafts: bool = False, strict: bool = False, today: dt.date | None = None
          ) -> BuildResult:
    """Build the site into ``output`` (default ``output/``); nothing is written unless all
    checks pass. Pages whose inputs did not change come from the build cache.

    ``strict`` turns stale data (a failed last fetch, or data older than the site's
    ``max_data_age_days``) from a warning into an error.
    """
    start = time.perf_counter()
    output = output or project.root / "output"
    with reporter.stage("load"):
        config = load_config(project)
        snapshot = Snapshot(project.lockfile)
        errors = check_freshness(project, snapshot, reporter, strict,
                                 config.max_data_age_days, today or dt.date.today())
        status = ReleaseStatus.load(project.content / "data" / "releases.toml",
                                    load_declarations(project.declarations),
                                    today or dt.date.today())
        cache = BuildCache.open(project.cache, output, build_key(project, drafts, status))
        modules = {str(p): digest(p.read_bytes()) for p in sorted(project.charts.glob("*.py"))}
        records: dict[str, PageRecord] = {}
        stale: list[Source] = []
        sources, problems = find_sources(project, snapshot)
        errors += problems
        for source in sources:
            record = cache.reusable(source.relative, source.digest, snapshot.metas, modules)
            if record is not None:
                records[source.relative] = record
            else:
                stale.append(source)
        for name in sorted({n for r in records.values() for n in r.datasets}):
            try:  # a cached page's data must still be intact, though it is not re-read
                snapshot.verify(name)
            except SiteError as exc:
                errors.append(exc)
    with reporter.stage("evaluate"):
        pages: dict[str, Page] = {}
        hashes_of = {source.relative: source.digest for source in stale}
        for source, outcome in evaluate_all(stale, project.lockfile, project.charts, drafts,
                                            reporter.progress):
            if outcome.error is not None:
                errors.append(outcome.error)
            elif outcome.page is None:  # a draft, hidden
                records[source.relative] = PageRecord(hashes_of[source.relative], {}, {},
                                                      None, {})
            else:
                pages[source.relative] = outcome.page
    entries = {rel: Entry.from_json(r.entry) for rel, r in records.items() if r.entry}
    entries |= {rel: entry_for(page) for rel, page in pages.items()}
    errors += _clashing_urls(entries)
    if errors:
        raise BuildFailed(errors)
    site = Site(config, newest_first([e for e in entries.values() if e.is_brief]),
                tuple(e for e in entries.values() if not e.is_brief))
    renderer = Renderer(project.cache)
    with reporter.stage("charts"):
        charts = {chart.key: chart for page in pages.values() for chart in page.charts}
        rendered = {key: RenderedChart(svg, png)
                    for key, (svg, png) in renderer.render_all(list(charts.values()),
                                                               reporter.progress).items()}
    with reporter.stage("render"):
        charted = any(name.endswith(".vl.json") for r in records.values() for name in r.files)
        charted = charted or any(page.charts for page in pages.values())
        bundle = {"vega-embed.js": vega_bundle(project.cache)} if charted else {}
        asset_files, paths = assets(project.templates, bundle)
        env = template_environment(project.templates, site, paths)
        cards = CardRenderer(project.cache)
        files: dict[str, bytes] = {}
        for relative, page in pages.items():
            page_files = render_page(site, env, page, rendered, cards, status.note(page))
            files |= page_files
            records[relative] = _record(hashes_of[relative], page, page_files, snapshot,
                                        modules)
        # Listings, feeds and assets depend on every entry and on what the cache key
        # covers, nothing else: with the same entries they are the same files.
        listed = digest(json.dumps([sorted(paths.items()), *sorted(
            (e.to_json() for e in entries.values()), key=lambda e: str(e["url"]))]).encode())
        if cache.site_files.get("from") != listed:
            site_files = asset_files | render_listings(site, env) | render_feeds(site, env) \
                | site_card(site, cards)
            files |= site_files
            cache.site_files = {"from": listed,
                                "files": {p: digest(d) for p, d in site_files.items()}}
    with reporter.stage("write"):
        hashes = {path: digest(data) for path, data in files.items()}
        hashes |= cache.site_files["files"]
        for record in records.values():
            hashes |= record.files
        if cache.output:
            written = update_site(files, hashes, cache.output, output)
        else:
            write_site(files, output)
            written = len(files)
        if written or pages or not cache.output:
            cache.pages = records
            cache.save(output, hashes)
    result = BuildResult(output, len(entries), len(pages),
                         sum(len(p.charts) for p in pages.values()), renderer.rendered,
                         renderer.cached, written, time.perf_counter() - start)
    reporter.info(f"Built {result.pages} pages ({result.rebuilt} rebuilt, {result.charts} "
                  f"charts: {result.charts_rendered} rendered, {result.charts_cached} cached; "
                  f"{result.written} files written) into {output} in {result.seconds:.2f} s")
    return result


def _record(source_hash: str, page: Page, files: dict[str, bytes], snapshot: Snapshot,
            modules: dict[str, str]) -> PageRecord:
    """What a page read and wrote, for the next build to decide whether to redo it."""
    datasets = {m.name for m in page.datasets}
    for chart in page.charts:
        datasets.update(chart.datasets)
    return PageRecord(
        source=source_hash,
        datasets={name: snapshot.meta(name).sha256 for name in sorted(datasets)},
        modules={str(p): modules.get(str(p), "") for p in page.modules},
        entry=entry_for(page).to_json(),
        files={path: digest(data) for path, data in files.items()})


def _clashing_urls(entries: dict[str, Entry]) -> list[SiteError]:
    """Two pages at one address, or an old address (alias) that a live page now uses."""
    seen: dict[str, str] = {}
    errors = []
    for relative, entry in sorted(entries.items()):
        if entry.url in seen:
            errors.append(SiteError(f"two files would be published at {entry.url}",
                                    Path(relative),
                                    hint=f"The other is {seen[entry.url]}; give one a `slug:`."))
        seen[entry.url] = relative
    for relative, entry in sorted(entries.items()):
        for alias in entry.aliases:
            if alias in seen:
                errors.append(SiteError(
                    f"alias {alias} is the address of {seen[alias]}", Path(relative),
                    hint="A redirect cannot stand where a page is; remove the alias."))
            seen.setdefault(alias, relative)
    return errors
