"""``typed``: figures and claim words typed by hand in the sources (see
:mod:`site_builder.evaluate.typed_literals`)."""

from __future__ import annotations

from site_builder.check.problem import Problem, shown_path
from site_builder.evaluate.typed_literals import scan_project
from site_builder.project import Project


def check_typed(project: Project) -> list[Problem]:
    """Figures and claim words typed by hand in briefs, generated-page templates and pages:
    text that no expression computed and no claim helper checked."""
    return [Problem("typed", shown_path(found.path, project.root), found.line, found.message,
                    found.hint) for found in scan_project(project)]
