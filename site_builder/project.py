"""Where a project's inputs and outputs live."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

#: Data files that charts read beside their datasets, under content/: the site's events and
#: the aggregates (with their members) that overlap notes know.
EVENTS_FILE = Path("data") / "events.toml"
GROUPS_FILE = Path("data") / "groups.toml"

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
