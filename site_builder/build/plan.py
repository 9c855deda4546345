"""What a build has to do: every source file, and which of them the build cache can't vouch
for. Nothing here parses Markdown or renders a template, so a build with nothing to do
stops after this stage having imported little more than the standard library."""

from __future__ import annotations

import datetime as dt
import importlib.util
import os
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from site_builder.build.cache import BuildCache, PageRecord, digest, tree_digest
from site_builder.data.live import live_datasets
from site_builder.data.snapshot import Snapshot
from site_builder.data.status import check_freshness
from site_builder.errors import SiteError
from site_builder.project import Project
from site_builder.releases import ReleaseStatus
from site_builder.report import Reporter

if TYPE_CHECKING:
    from site_builder.config import SiteConfig
    from site_builder.content.document import Document

CODE = Path(__file__).parents[1]  # the site_builder package: its code is part of the key
CHART_FENCE = re.compile(rb"^(?:`{3,}|~{3,})[ \t]*chart[ \t]*$", re.MULTILINE)


@dataclass(frozen=True)
class Source:
    """One page's source: a Markdown file, or a generated template with one of its rows."""

    path: Path
    kind: str  # "brief" or "page"
    relative: str  # for a generated page: "TEMPLATE#SLUG"
    text: bytes
    row: dict[str, Any] | None = None

    @property
    def digest(self) -> str:
        if self.row is None:
            return digest(self.text)
        from site_builder.evaluate.generated import row_key

        return digest(self.text + row_key(self.row))

    @property
    def charted(self) -> bool:
        """Whether the source may draw charts, which cost a hundred times a page of text."""
        return CHART_FENCE.search(self.text) is not None

    def parse(self) -> Document:
        from site_builder.content.document import parse_document

        text = self.text.decode("utf-8") if self.row else None
        return parse_document(self.path, self.kind, text, self.row)


def _markdown_files(folder: Path) -> list[str]:
    """Names of the ``*.md`` files in ``folder``, sorted (one listing, no Path per entry)."""
    try:
        with os.scandir(folder) as entries:
            return sorted(e.name for e in entries if e.name.endswith(".md") and e.is_file())
    except FileNotFoundError:
        return []


def find_sources(project: Project, snapshot: Snapshot, today: dt.date | None = None
                 ) -> tuple[list[Source], list[SiteError]]:
    """Every brief and page, with one per row of each generated template (``today``, the
    build's day, decides a latest-release row's next release)."""
    sources = []
    for folder, kind in ((project.briefs, "brief"), (project.pages, "page")):
        prefix = os.fspath(folder.relative_to(project.root)) + os.sep
        for name in _markdown_files(folder):
            path = folder / name
            sources.append(Source(path, kind, prefix + name, path.read_bytes()))
    errors = []
    templates = [project.generated / n for n in _markdown_files(project.generated)]
    if templates:
        from site_builder.evaluate.generated import expand
    for template in templates:
        relative = str(template.relative_to(project.root))
        try:
            rows = expand(template, template.read_text(encoding="utf-8"), project.content,
                          snapshot, today, project.cache)
        except SiteError as exc:
            errors.append(exc if exc.path else exc.located(template))
            continue
        sources += [Source(template, "brief", f"{relative}#{row['slug']}", text.encode(), row)
                    for text, row in rows]
    return sources, errors


def load_documents(project: Project, drafts: bool) -> tuple[list[Document], list[SiteError]]:
    """Parse every brief and page; collect all front-matter errors rather than stop at one."""
    from site_builder.content.document import FrontMatter

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
    """What every page depends on: templates, settings, the dataset declarations (which
    datasets are live), site_builder's code, the chart engine (it draws the charts and names
    the script bundle pages load), whether drafts are shown, where the release calendar
    stands and how far the live data run."""
    settings = b"".join(p.read_bytes() if p.exists() else b"\0"
                        for p in (project.site_toml, project.declarations))
    return tree_digest(project.templates, CODE,
                       extra=settings + _engine() + status.key + bytes([drafts]))


def _engine() -> bytes:
    """Which vl-convert is installed: its module file's path, size and time, read without
    importing it (a second) or reading package metadata."""
    spec = importlib.util.find_spec("vl_convert")
    if spec is None or not spec.origin:
        return b"no vl-convert"
    info = Path(spec.origin).stat()
    return f"{spec.origin}|{info.st_size}|{info.st_mtime_ns}".encode()


@dataclass
class Plan:
    """The inputs, checked, and the build cache's verdict on every source."""

    project: Project
    snapshot: Snapshot
    status: ReleaseStatus
    cache: BuildCache
    modules: dict[str, str]  # chart module -> hash of its code
    kept: dict[str, PageRecord]  # sources whose last output stands, by relative name
    stale: list[Source]  # sources to build again
    errors: list[SiteError] = field(default_factory=list)

    @cached_property
    def config(self) -> SiteConfig:
        """The site's settings, validated on first use. A build with nothing to do never
        needs them: settings that changed make every page stale, so they are read then."""
        from site_builder.config import load_config

        return load_config(self.project)

    @property
    def live_status(self) -> ReleaseStatus:
        """The release status for page notes: it knows the live datasets and how far the
        snapshot's data run already (they are part of the build key)."""
        return self.status


def plan_build(project: Project, output: Path, reporter: Reporter, drafts: bool, strict: bool,
               today: dt.date) -> Plan:
    """Read and check the settings, the data and the cache; sort the sources into kept and
    stale. Problems are collected in ``Plan.errors``, not raised, so all are shown at once."""
    snapshot = Snapshot(project.lockfile)
    status = ReleaseStatus.load(project.content / "data" / "releases.toml", today,
                                live_datasets(project.declarations), snapshot.metas)
    cache = BuildCache.open(project.cache, output, build_key(project, drafts, status))
    modules = {str(p): digest(p.read_bytes()) for p in sorted(project.charts.glob("*.py"))}
    sources, problems = find_sources(project, snapshot, today)
    plan = Plan(project, snapshot, status, cache, modules, {}, [], problems)
    plan.errors += check_freshness(project, snapshot, reporter, strict,
                                   lambda: plan.config.max_data_age_days, today)
    for source in sources:
        record = cache.reusable(source.relative, source.digest, snapshot.metas, modules)
        if record is not None:
            plan.kept[source.relative] = record
        else:
            plan.stale.append(source)
    for name in sorted({n for r in plan.kept.values() for n in r.datasets}):
        try:  # a kept page's data must still be intact, though it is not read again
            snapshot.verify(name)
        except SiteError as exc:
            plan.errors.append(exc)
    return plan
