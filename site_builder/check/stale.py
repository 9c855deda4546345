"""``stale``: a published brief whose live monthly data end before the month the newest
release covers."""

from __future__ import annotations

import datetime as dt
import re

from site_builder.check.built_site import source_briefs
from site_builder.check.problem import Problem, build_problem, shown_path
from site_builder.content.document import Document, FrontMatter
from site_builder.data.declarations import load_declarations
from site_builder.data.snapshot import Snapshot
from site_builder.errors import SiteError
from site_builder.evaluate.expressions import expression_environment
from site_builder.evaluate.page import evaluate
from site_builder.project import Project
from site_builder.releases import latest, load_calendar
from site_builder.report import Reporter


def check_stale(project: Project, today: dt.date, reporter: Reporter) -> list[Problem]:
    """A brief whose live monthly data end before the month the newest release covers."""
    calendar = project.content / "data" / "releases.toml"
    if not calendar.exists():
        reporter.info(f"No release calendar at {shown_path(calendar, project.root)}: "
                      "skipped the check for briefs behind the newest release.")
        return []
    newest = latest(load_calendar(calendar), today)
    if newest is None:
        return []
    declarations = load_declarations(project.declarations)
    live = {name for name, d in declarations.items() if d.live}
    snapshot, env = Snapshot(project.lockfile), expression_environment()
    problems = []
    for doc in source_briefs(project):
        if not isinstance(doc.meta, FrontMatter) or doc.meta.draft:
            continue
        try:
            page = evaluate(doc, snapshot, env, project.charts)
        except SiteError as exc:
            problems.append(build_problem(project, exc if exc.path else exc.located(doc.path)))
            continue
        for name in sorted(page.cited & live):
            meta = snapshot.meta(name)
            if "monthly" in meta.frequency and re.fullmatch(r"\d{4}-\d{2}", meta.last) \
                    and meta.last < newest.covers:
                problems.append(Problem(
                    "stale", shown_path(doc.path, project.root), _line_naming(doc, name),
                    f"uses {name!r} up to {meta.last}, but the release of "
                    f"{newest.date.isoformat()} covers {newest.covers}",
                    f"Run `python -m site_builder fetch --only {name}`, then check the "
                    "brief's words against the new data."))
    return problems


def _line_naming(doc: Document, dataset: str) -> int | None:
    """The first line of the brief that names ``dataset``: quoted, or in a chart's ``data:``."""
    name = re.escape(dataset)
    pattern = re.compile(rf"[\"']{name}[\"']|^\s*data\s*:.*(?<![\w-]){name}(?![\w-])")
    lines = doc.path.read_text("utf-8").splitlines()
    return next((n for n, text in enumerate(lines, start=1) if pattern.search(text)), None)
