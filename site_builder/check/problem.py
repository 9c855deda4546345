"""What every check reports: a :class:`Problem`, and a failed build's errors turned into some."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from site_builder.content import sanitise
from site_builder.content.document import parse_document
from site_builder.errors import SiteError
from site_builder.project import Project


@dataclass(frozen=True)
class Problem:
    """One reason the site is not fit to publish.

    ``path`` is a page relative to the output folder, or a source file relative to the
    project root; ``hint`` says what to do about it.
    """

    kind: str
    path: str
    line: int | None
    message: str
    hint: str = ""

    def __str__(self) -> str:
        if not self.path:
            return self.message
        return f"{self.path}{f':{self.line}' if self.line else ''}: {self.message}"


def build_problem(project: Project, error: SiteError, kind: str | None = None) -> Problem:
    """A build error as a problem: ``claim`` when a brief's figures or claims failed,
    ``unsafe`` when it holds raw HTML outside the allowlist, else ``kind`` or ``build``."""
    path = error.path
    if kind is None and error.hint == sanitise.HINT:  # raw HTML a brief may not hold
        kind = "unsafe"
    if kind is None:
        kind = "claim" if path is not None and _evaluation_error(project, path) else "build"
    return Problem(kind, shown_path(path, project.root) if path else "", error.line,
                   error.message, error.hint)


def _evaluation_error(project: Project, path: Path) -> bool:
    """The error is in a brief or page whose front matter is fine: its figures failed."""
    if path.suffix != ".md" or path.parent not in (project.briefs, project.pages):
        return False
    try:
        parse_document(path, "brief" if path.parent == project.briefs else "page")
    except SiteError:
        return False
    return True


def shown_path(path: Path, root: Path) -> str:
    """``path`` as shown in a problem: relative to ``root`` when it is below it."""
    return str(path.relative_to(root)) if path.is_relative_to(root) else str(path)
