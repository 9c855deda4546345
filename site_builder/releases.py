"""What a brief says about the release calendar: the next release, and whether its data are
older than the latest one."""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from site_builder import calendar
from site_builder.formatting import day, period

if TYPE_CHECKING:
    from site_builder.data.declarations import Declaration
    from site_builder.pages import Page


@dataclass(frozen=True)
class ReleaseStatus:
    """The calendar as of the build's day: the latest release out, and the next one."""

    latest: calendar.Release | None
    upcoming: calendar.Release | None
    live: frozenset[str]  # datasets a fetch keeps current (not pinned, not closed)

    @classmethod
    def load(cls, releases: Path, today: dt.date) -> ReleaseStatus:
        """The calendar's state today; which datasets are live is added by :meth:`with_live`,
        only when pages are built."""
        found = calendar.load_calendar(releases) if releases.exists() else ()
        return cls(calendar.latest(found, today), calendar.next_after(found, today),
                   frozenset())

    def with_live(self, declarations: dict[str, Declaration]) -> ReleaseStatus:
        live = frozenset(n for n, d in declarations.items()
                         if d.fetch and d.fetch.vintage is None and d.fetch.end is None)
        return dataclasses.replace(self, live=live)

    @property
    def key(self) -> bytes:
        """Part of the build key: pages change when a release day passes."""
        return f"{self.latest}|{self.upcoming}".encode()

    def note(self, page: Page) -> tuple[str, str]:
        """(the next release, a warning if the brief's data predate the latest release)."""
        upcoming = ""
        if self.upcoming:
            upcoming = ("Next scheduled release of US trade data: "
                        f"{day(self.upcoming.date.isoformat())}.")
        months = [m.last for m in page.datasets if m.name in self.live and len(m.last) == 7]
        if not self.latest or not months or min(months) >= self.latest.covers:
            return upcoming, ""
        behind = (f"Some of this brief's data end in {period(min(months))}, before the latest "
                  f"release ({day(self.latest.date.isoformat())}, covering "
                  f"{period(self.latest.covers)}).")
        return upcoming, behind
