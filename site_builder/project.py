"""Where a project's inputs and outputs live."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

#: Data files that charts read beside their datasets, under content/: the site's events and
#: the aggregates (with their members) that overlap notes know.
EVENTS_FILE = Path("data") / "events.toml"
GROUPS_FILE = Path("data") / "groups.toml"

#: Where this user's builds keep what depends only on the installed packages, whatever the
#: project: set it to a folder, or to nothing to keep everything in each project's cache.
USER_CACHE_VARIABLE = "SITE_BUILDER_USER_CACHE"


def user_cache() -> Path | None:
    """The folder every project of this user shares (``$SITE_BUILDER_USER_CACHE``, else
    ``$XDG_CACHE_HOME/site_builder``, else ``~/.cache/site_builder``), made if need be; None
    where the variable is set empty, or the folder cannot be made or written."""
    chosen = os.environ.get(USER_CACHE_VARIABLE)
    if chosen is not None:
        folder = Path(chosen) if chosen else None
    elif xdg := os.environ.get("XDG_CACHE_HOME"):
        folder = Path(xdg) / "site_builder"
    else:
        try:
            folder = Path.home() / ".cache" / "site_builder"
        except RuntimeError:  # no home known
            return None
    if folder is None:
        return None
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return folder if os.access(folder, os.W_OK | os.X_OK) else None


@dataclass(frozen=True)
class Project:
    """Where a project's inputs and outputs live, relative to its root folder."""

    root: Path
    cache_dir: Path | None = None  # default: .cache/ in the project

    @property
    def content(self) -> Path:
        return self.root / "content"

    @property
    def briefs(self) -> Path:
        return self.content / "briefs"

    @property
    def pages(self) -> Path:
        return self.content / "pages"

    @property
    def generated(self) -> Path:
        return self.content / "generated"

    @property
    def charts(self) -> Path:
        return self.content / "charts"

    @property
    def lockfile(self) -> Path:
        return self.content / "data" / "snapshot.lock.json"

    @property
    def chart_data(self) -> tuple[Path, ...]:
        """The data files charts read besides datasets: a change rebuilds the pages."""
        return self.content / EVENTS_FILE, self.content / GROUPS_FILE

    @property
    def declarations(self) -> Path:
        return self.content / "data" / "datasets.toml"

    @property
    def templates(self) -> Path:
        return self.root / "templates"

    @property
    def cache(self) -> Path:
        return self.cache_dir or self.root / ".cache"

    @property
    def site_toml(self) -> Path:
        return self.content / "site.toml"
