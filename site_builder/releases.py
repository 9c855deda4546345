"""What a brief says about the release calendar and the site's data: the next release, and
whether the brief's data are older than the latest release or than the rest of the site's."""

from __future__ import annotations

import datetime as dt
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from site_builder import calendar
from site_builder.formatting import day, period

if TYPE_CHECKING:
    from site_builder.data.snapshot import DatasetMeta
    from site_builder.pages import Page


@dataclass(frozen=True)
class ReleaseStatus:
    """The calendar as of the build's day (the latest release out, and the next one), and how
    far the snapshot's live data run."""

    latest: calendar.Release | None
    upcoming: calendar.Release | None
    live: frozenset[str] = frozenset()  # datasets a fetch keeps current (not pinned, not closed)
    #: (dataset, last month) of every monthly dataset in the snapshot, live or not.
    lasts: tuple[tuple[str, str], ...] = ()

    @classmethod
    def load(cls, releases: Path, today: dt.date, declarations: Path | None = None,
             metas: Mapping[str, DatasetMeta] | None = None) -> ReleaseStatus:
        """The calendar's state today, with which datasets are live (``declarations``) and
        where each of the snapshot's monthly datasets ends (``metas``, its lock entries)."""
        found = calendar.load_calendar(releases) if releases.exists() else ()
        lasts = tuple(sorted((name, meta.last) for name, meta in (metas or {}).items()
                             if calendar.MONTH.fullmatch(meta.last)))
        return cls(calendar.latest(found, today), calendar.next_after(found, today),
                   live_datasets(declarations) if declarations else frozenset(), lasts)

    @property
    def newest(self) -> str:
        """The newest month of any live dataset: how far the site's data run ("" if none)."""
        return max((last for name, last in self.lasts if name in self.live), default="")

    @property
    def key(self) -> bytes:
        """Part of the build key: pages change when a release day passes, and when the site's
        data come to run further (a page's note compares its data with them)."""
        return f"{self.latest}|{self.upcoming}|{self.newest}".encode()

    def note(self, page: Page) -> tuple[str, str]:
        """(the next release, a warning if the brief's data end before the latest release or
        before the site's newest data).

        Only what the page cites counts: its figures' and charts' sources and the datasets
        its charts read, not the copies it only compared figures with. Sources of one series
        count together: a series put together from several vintages ends where the newest
        of them ends, and only series with a live dataset among them can be behind.
        """
        upcoming = ""
        if self.upcoming:
            upcoming = ("Next scheduled release of US trade data: "
                        f"{day(self.upcoming.date.isoformat())}.")
        lasts = dict(self.lasts)
        groups: dict[str, set[str]] = {}
        for source in page.sources:
            groups.setdefault(source.series or source.dataset, set()).add(source.dataset)
        cited = {source.dataset for source in page.sources}
        for chart in page.charts:
            for name in chart.datasets:
                if name not in cited:
                    groups.setdefault(name, set()).add(name)
        ends = [max(lasts[n] for n in names if n in lasts) for names in groups.values()
                if names & self.live and any(n in lasts for n in names)]
        if not ends:
            return upcoming, ""
        oldest, newest = min(ends), self.newest
        if self.latest and self.latest.covers >= newest:
            if oldest >= self.latest.covers:
                return upcoming, ""
            return upcoming, (f"Some of this brief's data end in {period(oldest)}, before the "
                              f"latest release ({day(self.latest.date.isoformat())}, covering "
                              f"{period(self.latest.covers)}).")
        # The site's data run past the calendar's latest release (or there is none): that
        # release is not the latest any more, and is not named.
        if not newest or oldest >= newest:
            return upcoming, ""
        return upcoming, (f"Some of this brief's data end in {period(oldest)}; the site's data "
                          f"run to {period(newest)}.")


def live_datasets(declarations: Path) -> frozenset[str]:
    """The datasets a fetch keeps current: those with fetch settings, neither pinned to a
    vintage nor closed at an ``end``. Read from the TOML itself, which is quick enough for
    a build with nothing to do; a broken file gives none (its error comes when it is read
    in full)."""
    try:
        raw = tomllib.loads(declarations.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        return frozenset()
    return frozenset(name for name, table in raw.items() if isinstance(table, dict)
                     and isinstance(table.get("fetch"), dict)
                     and not {"vintage", "end"} & set(table["fetch"]))
