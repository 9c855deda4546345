"""The accessibility check's browser, started before the rest of the gate is even imported,
when a check will likely have pages to judge: its start-up (about a second on two cores)
then overlaps the imports and the build.

Imports only the browser runner, which imports Playwright in its own thread.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

from site_builder.check.browser import Browser, browser_missing
from site_builder.project import Project

RECORD = Path("check") / "a11y.json"  # the accessibility check's record, under the cache


def edited_since_last_judged(project: Project) -> bool:
    """Whether a file of the content or the templates changed after the accessibility check
    last judged pages: then a check will likely have pages to judge, and starts its browser
    before the build. Only when the browser starts hangs on this, never what is judged."""
    try:
        judged = (project.cache / RECORD).stat().st_mtime_ns
    except OSError:
        return True
    return any(entry.stat().st_mtime_ns > judged
               for folder in (project.content, project.templates) for entry in _files(folder))


def _files(folder: Path) -> Iterator[os.DirEntry[str]]:
    with contextlib.suppress(OSError), os.scandir(folder) as entries:
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                yield from _files(Path(entry.path))
            else:
                yield entry


def start_browser(project: Project, browser: bool | None) -> Browser | None:
    """A browser started now, where one is wanted (``browser`` is not False), installed, and
    likely to have pages to judge; else None (the check starts one later if it needs it)."""
    wanted = browser is not False and not browser_missing()
    return Browser() if wanted and edited_since_last_judged(project) else None
