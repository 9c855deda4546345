"""Which pages a fetch changes, and how: each page read on the old data and on the new.

:class:`PageImpact` is what ``data.fetch.fetch`` is handed as its ``impact``: the data layer
cannot evaluate pages, so the build, which can, does it for the fetch.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from pathlib import Path

from jinja2.sandbox import SandboxedEnvironment

from site_builder.build.plan import find_sources
from site_builder.content.document import Document
from site_builder.data.diff import PageChange, changed_sentences, sentences
from site_builder.data.snapshot import Snapshot
from site_builder.errors import SiteError
from site_builder.evaluate.expressions import expression_environment
from site_builder.evaluate.page import Page, evaluate
from site_builder.project import Project


@dataclass(frozen=True)
class PageImpact:
    """What a reader of ``project``'s pages would see change between two snapshots."""

    project: Project

    def __call__(self, old: Snapshot, new: Snapshot, changed: set[str]
                 ) -> tuple[PageChange, ...]:
        """Every page as it reads on ``old`` and on ``new``, matched by address: the
        sentences and charts that change, and the pages that are new, removed or broken.
        ``changed`` names the datasets that differ; a page reading none of them is skipped."""
        env = expression_environment()
        before, after = _pages(self.project, old), _pages(self.project, new)
        out = []
        for address in dict.fromkeys([*before.docs, *after.docs]):
            was, now = before.docs.get(address), after.docs.get(address)
            if now is None:
                assert was is not None
                source = _relative(was.path, self.project.root)
                problem = after.broken.get(source)
                out.append(PageChange(address, source, error=problem) if problem else
                           PageChange(address, source, status="removed"))
            elif was is None:
                out.append(self._new_page(address, now, new, env))
            elif (change := self._page_change(address, was, now, old, new, changed, env)
                  ) is not None:
                out.append(change)
        return tuple(out)

    def _new_page(self, address: str, doc: Document, new: Snapshot,
                  env: SandboxedEnvironment) -> PageChange:
        """A page only the new data make (a template's row with a new address)."""
        source = _relative(doc.path, self.project.root)
        try:
            evaluate(doc, new, env, self.project.charts)
        except SiteError as exc:
            return PageChange(address, source, error=str(exc.message), status="new")
        return PageChange(address, source, status="new")

    def _page_change(self, address: str, was: Document, now: Document, old: Snapshot,
                     new: Snapshot, changed: set[str], env: SandboxedEnvironment
                     ) -> PageChange | None:
        """How a page found at one address on both data reads after the fetch, if
        differently."""
        source = _relative(now.path, self.project.root)
        try:
            before = evaluate(was, old, env, self.project.charts)
        except SiteError:
            return None  # already broken; the build reports it
        same_text = (was.meta, was.body, was.row) == (now.meta, now.body, now.row)
        if same_text and not changed & before.read:
            return None
        try:
            after = evaluate(now, new, env, self.project.charts)
        except SiteError as exc:
            return PageChange(address, source, error=str(exc.message))
        changes = changed_sentences(_sentences(before), _sentences(after))
        charts = tuple(a.id for a, b in zip(before.charts, after.charts, strict=False)
                       if a.key != b.key)
        return PageChange(address, source, changes, charts) if changes or charts else None


@dataclass(frozen=True)
class _Pages:
    """Every page the project makes from one snapshot, by address; a generated template
    expands against that snapshot (a row may follow its newest month). ``broken``: sources
    that did not expand or parse, with the message."""

    docs: dict[str, Document]
    broken: dict[str, str]


def _pages(project: Project, snapshot: Snapshot) -> _Pages:
    sources, errors = find_sources(project, snapshot)
    broken = {_relative(e.path, project.root): str(e.message) for e in errors if e.path}
    docs: dict[str, Document] = {}
    for source in sources:
        try:
            doc = source.parse()
        except SiteError as exc:
            broken.setdefault(_relative(source.path, project.root), str(exc.message))
            continue
        docs.setdefault(doc.url, doc)  # two pages at one address: the build says so
    return _Pages(docs, broken)


def _sentences(page: Page) -> list[str]:
    """The page's words as a reader meets them: title, summary, headline and highlights
    (each "label: value"), then the body, sentence by sentence."""
    meta = page.doc.meta
    top = [f"<p>{escape(meta.title)}</p>", f"<p>{escape(meta.summary)}</p>"]
    shown = ([page.headline] if page.headline else []) + list(page.highlights)
    top += [f"<p>{label}: {value}</p>" for label, value in shown]
    return sentences("".join(top) + page.body_html)


def _relative(path: Path, root: Path) -> str:
    return path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)
