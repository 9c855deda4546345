"""What a build has to do: every source file, and which of them the build cache can't vouch
for. Nothing here parses Markdown or renders a template, so a build with nothing to do
stops after this stage having imported little more than the standard library."""

from __future__ import annotations

import datetime as dt
import importlib.util
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from site_builder.build.cache import BuildCache, PageRecord, digest, file_stamp, tree_digest
from site_builder.build.search import SEARCH
from site_builder.data.live import live_datasets
from site_builder.data.snapshot import Snapshot
from site_builder.data.status import check_freshness
from site_builder.errors import SiteError
from site_builder.project import Project
from site_builder.releases import ReleaseStatus
from site_builder.report import Reporter

if TYPE_CHECKING:
    from site_builder.content.document import Document

CODE = Path(__file__).parents[1]  # the site_builder package: its code is part of the key


@dataclass(frozen=True)
class SourceFile:
    """One page's source: a Markdown file, or a generated template with one of its rows."""

    path: Path
    kind: str  # "brief" or "page"
    relative: str  # for a generated page: "TEMPLATE#SLUG"
    text: bytes
    digest: str  # of the text, and of the row for a generated page
    row: dict[str, Any] | None = None

    @property
    def charted(self) -> bool:
        """Whether the source may draw charts, which cost a hundred times a page of text."""
        from site_builder.content.source import holds_chart  # it loads yaml: pages only

        return holds_chart(self.text.decode("utf-8", "replace"))

    def parse(self) -> Document:
        # imported here: Markdown and pydantic, which a build with nothing to do never loads
        from site_builder.content.document import parse_document

        # a generated page's template text as it is; a file's bytes as the plan read them
        text = self.text.decode("utf-8") if self.row else self.text
        return parse_document(self.path, self.kind, text, self.row)


def _markdown_files(folder: Path) -> list[str]:
    """Names of the ``*.md`` files in ``folder``, sorted (one listing, no Path per entry)."""
    try:
        with os.scandir(folder) as entries:
            return sorted(e.name for e in entries if e.name.endswith(".md") and e.is_file())
    except FileNotFoundError:
        return []


def find_sources(project: Project, snapshot: Snapshot, today: dt.date | None = None
                 ) -> tuple[list[SourceFile], list[SiteError]]:
    """Every brief and page, with one per row of each generated template (``today``, the
    build's day, decides a latest-release row's next release)."""
    sources = []
    for folder, kind in ((project.briefs, "brief"), (project.pages, "page")):
        prefix = os.fspath(folder.relative_to(project.root)) + os.sep
        for name in _markdown_files(folder):
            path = folder / name
            text = path.read_bytes()
            sources.append(SourceFile(path, kind, prefix + name, text, digest(text)))
    errors = []
    templates = [project.generated / n for n in _markdown_files(project.generated)]
    if templates:  # only then: generated pages load yaml and pydantic
        from site_builder.evaluate.generated import expand, row_key
    for template in templates:
        relative = str(template.relative_to(project.root))
        try:
            rows = expand(template, template.read_text(encoding="utf-8"), project.content,
                          snapshot, today, project.cache)
        except SiteError as exc:
            errors.append(exc if exc.path else exc.located(template))
            continue
        sources += [SourceFile(template, "brief", f"{relative}#{row['slug']}", text.encode(),
                               digest(text.encode() + row_key(row)), row)
                    for text, row in rows]
    return sources, errors


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
    size, time = file_stamp(Path(spec.origin))
    return f"{spec.origin}|{size}|{time}".encode()


@dataclass(frozen=True)
class Plan:
    """The inputs, checked, and the build cache's verdict on every source."""

    project: Project
    snapshot: Snapshot
    status: ReleaseStatus  # knows the live datasets and how far the snapshot's data run
    cache: BuildCache
    modules: Mapping[str, str]  # chart module -> hash of its code
    kept: Mapping[str, PageRecord]  # sources whose last output stands, by relative name
    stale: tuple[SourceFile, ...]  # sources to build again
    errors: tuple[SiteError, ...] = ()


def plan_build(project: Project, output: Path, reporter: Reporter, drafts: bool, strict: bool,
               today: dt.date) -> Plan:
    """Read and check the settings, the data and the cache; sort the sources into kept and
    stale. Problems are collected in ``Plan.errors``, not raised, so all are shown at once."""
    snapshot = Snapshot(project.lockfile)
    status = ReleaseStatus.load(project.content / "data" / "releases.toml", today,
                                live_datasets(project.declarations), snapshot.metas)
    cache = BuildCache.open(project.cache, output, build_key(project, drafts, status), SEARCH)
    # chart code, and the data files charts read beside their datasets (events, groups)
    modules = {str(p): digest(p.read_bytes())
               for p in [*sorted(project.charts.glob("*.py")), *project.chart_data]
               if p.is_file()}
    sources, errors = find_sources(project, snapshot, today)
    errors += check_freshness(project, snapshot, reporter, strict,
                              lambda: _max_data_age(project), today)
    kept: dict[str, PageRecord] = {}
    stale: list[SourceFile] = []
    for source in sources:
        record = cache.reusable(source.relative, source.digest, snapshot.metas, modules)
        if record is not None:
            kept[source.relative] = record
        else:
            stale.append(source)
    for name in sorted({n for r in kept.values() for n in r.datasets}):
        try:  # a kept page's data must still be intact, though it is not read again
            snapshot.verify(name)
        except SiteError as exc:
            errors.append(exc)
    return Plan(project, snapshot, status, cache, modules, kept, tuple(stale), tuple(errors))


def _max_data_age(project: Project) -> int:
    """The settings' limit on the data's age, asked only when it matters (``--strict``)."""
    # imported here: the settings load pydantic, which a build with nothing to do never needs
    from site_builder.config import load_config

    return load_config(project).max_data_age_days
