"""The release calendar of the monthly US trade release (FT-900) and what it implies today
(:class:`ReleaseStatus`). What a brief says about it is
:mod:`site_builder.evaluate.release_note`.

``content/data/releases.toml`` lists the publication dates of "U.S. International Trade in
Goods and Services" (Census Bureau and BEA), each with the month it covers::

    [[release]]
    date = 2026-03-12     # published at 8:30 a.m. Eastern on this day
    covers = "2026-01"    # the reference month
    name = "..."          # optional

The file is read and checked whole (unknown keys, bad dates, months, duplicates, order) before
anything uses it. The questions asked of it: which release is the latest by a day
(:func:`latest`), which comes next (:func:`next_after`), and whether a moment falls on a
release morning (:func:`release_morning`), which the scheduled refresh workflow asks through
``python -m site_builder.releases today``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import sys
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TextIO
from zoneinfo import ZoneInfo

from site_builder import formatting
from site_builder.errors import SiteError

if TYPE_CHECKING:
    from site_builder.data.snapshot import DatasetMeta

EASTERN = ZoneInfo("America/New_York")
RELEASE_TIME = dt.time(8, 30)  # Eastern: the FT-900 is published at 8:30 a.m.
KEYS = frozenset({"date", "covers", "name"})
DEFAULT_CALENDAR = Path("content") / "data" / "releases.toml"
MONTH = re.compile(r"\d{4}-(0[1-9]|1[0-2])")
HEADER = re.compile(r"^\s*\[\[\s*release\s*\]\]")
HINT = ('Each [[release]] has date = 2026-11-05 (unquoted) and covers = "2026-09", may have '
        "name, and the releases are listed once each, oldest first.")
RELEASE, NO_RELEASE = "release", "no-release"


@dataclass(frozen=True)
class Release:
    """One publication: its day, the month it covers (``YYYY-MM``) and an optional name."""

    date: dt.date
    covers: str
    name: str | None = None

    @property
    def published(self) -> dt.datetime:
        """The moment it is out: 8:30 a.m. in New York on its day."""
        return dt.datetime.combine(self.date, RELEASE_TIME, tzinfo=EASTERN)

    @property
    def title(self) -> str:
        return self.name or ("U.S. International Trade in Goods and Services, "
                             + formatting.period(self.covers))


Calendar = tuple[Release, ...]


def load_calendar(path: Path) -> Calendar:
    """Read and check the calendar; every mistake raises :class:`SiteError` with its line."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise SiteError("no release calendar here", path, hint=HINT) from exc
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        found = re.search(r"\(at line (\d+), column \d+\)", str(exc))
        raise SiteError(f"not valid TOML: {exc}", path, int(found.group(1)) if found else None,
                        HINT) from exc
    lines = text.splitlines()
    extra = sorted(set(raw) - {"release"})
    items = raw.get("release", [])
    if extra or not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        key = extra[0] if extra else "release"
        line = next((n for n, row in enumerate(lines, start=1)
                     if re.match(rf"\s*\[*\s*{re.escape(key)}\b", row)), None)
        raise SiteError("the calendar holds only [[release]] tables"
                        + (f" (found {', '.join(extra)})" if extra else ""), path, line, HINT)
    headers = [n for n, row in enumerate(lines, start=1) if HEADER.match(row)]
    releases: list[Release] = []
    seen: dict[object, int] = {}
    for number, table in enumerate(items, start=1):
        line = headers[number - 1] if number <= len(headers) else None
        release = _release(table, number, path, line)
        previous = releases[-1] if releases else None
        for value in (release.date, release.covers):
            if value in seen:
                raise SiteError(f"release {number}: {value} is listed twice (also release "
                                f"{seen[value]})", path, line, HINT)
            seen[value] = number
        if previous is not None and release.date <= previous.date:
            raise SiteError(f"release {number}: {release.date} comes after "
                            f"{previous.date} (release {number - 1}); list the releases "
                            "oldest first", path, line, HINT)
        releases.append(release)
    return tuple(releases)


def _release(table: dict[str, object], number: int, path: Path, line: int | None) -> Release:
    unknown = sorted(set(table) - KEYS)
    date, covers, name = table.get("date"), table.get("covers"), table.get("name")
    if unknown:
        problem = f"unknown key(s) {', '.join(unknown)}"
    elif type(date) is not dt.date:  # a datetime is a date too, but not a day
        problem = f"date must be a day, unquoted (got {date!r})"
    elif not (isinstance(covers, str) and MONTH.fullmatch(covers)):
        problem = f"covers must be a month, \"YYYY-MM\" (got {covers!r})"
    elif covers >= f"{date:%Y-%m}":
        problem = f"covers {covers}, but a release covers a month before its own ({date})"
    elif name is not None and not (isinstance(name, str) and name.strip()):
        problem = f"name must be text (got {name!r})"
    else:
        return Release(date, covers, name)
    raise SiteError(f"release {number}: {problem}", path, line, HINT)


def _is_out(release: Release, when: dt.date) -> bool:
    """Out by ``when``: a day counts its own release; a moment counts it from 8:30 ET."""
    if isinstance(when, dt.datetime):
        return _aware(when) >= release.published
    return release.date <= when


def latest(calendar: Sequence[Release], today: dt.date) -> Release | None:
    """The newest release out by ``today`` (a day, or an aware moment), if any."""
    return next((r for r in reversed(calendar) if _is_out(r, today)), None)


def next_after(calendar: Sequence[Release], today: dt.date) -> Release | None:
    """The first release not yet out by ``today`` (a day, or an aware moment), if any."""
    return next((r for r in calendar if not _is_out(r, today)), None)


def release_morning(calendar: Sequence[Release], now: dt.datetime) -> Release | None:
    """The release published today in New York, once it is 8:30 there; else None.

    True from 8:30 a.m. Eastern (EST or EDT, whichever is in force that day) to midnight.
    """
    local = _aware(now).astimezone(EASTERN)
    return next((r for r in calendar
                 if r.date == local.date() and local.time() >= RELEASE_TIME), None)


def today_decision(calendar: Sequence[Release], now: dt.datetime) -> str:
    """``release`` on a release morning, else ``no-release``: what the refresh job asks."""
    return RELEASE if release_morning(calendar, now) is not None else NO_RELEASE


def _aware(moment: dt.datetime) -> dt.datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{moment.isoformat()} has no time zone; pass an aware datetime")
    return moment


@dataclass(frozen=True)
class ReleaseStatus:
    """The calendar as of the build's day (the latest release out, and the next one), and how
    far the snapshot's live data run."""

    latest: Release | None
    upcoming: Release | None
    live: frozenset[str] = frozenset()  # datasets a fetch keeps current (not pinned, not closed)
    #: (dataset, last month) of every monthly dataset in the snapshot, live or not.
    lasts: tuple[tuple[str, str], ...] = ()

    @classmethod
    def load(cls, releases: Path, today: dt.date, live: frozenset[str] = frozenset(),
             metas: Mapping[str, DatasetMeta] | None = None) -> ReleaseStatus:
        """The calendar's state today, with which datasets are live (``declarations``) and
        where each of the snapshot's monthly datasets ends (``metas``, its lock entries)."""
        found = load_calendar(releases) if releases.exists() else ()
        lasts = tuple(sorted((name, meta.last) for name, meta in (metas or {}).items()
                             if MONTH.fullmatch(meta.last)))
        return cls(latest(found, today), next_after(found, today),
                   live, lasts)

    @property
    def newest(self) -> str:
        """The newest month of any live dataset: how far the site's data run ("" if none)."""
        return max((last for name, last in self.lasts if name in self.live), default="")

    @property
    def key(self) -> bytes:
        """Part of the build key: pages change when a release day passes, and when the site's
        data come to run further (a page's note compares its data with them)."""
        return f"{self.latest}|{self.upcoming}|{self.newest}".encode()


# -- command line ------------------------------------------------------------------------------

def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="python -m site_builder.releases",
                                  description="Ask the FT-900 release calendar.")
    top.add_argument("--calendar", type=Path, default=DEFAULT_CALENDAR,
                     help=f"the calendar file (default: {DEFAULT_CALENDAR})")
    top.add_argument("--now", type=dt.datetime.fromisoformat, default=None,
                     help="pretend it is this moment, e.g. 2026-03-12T08:40-04:00")
    commands = top.add_subparsers(dest="command", required=True)
    commands.add_parser("today", help="print 'release' on a release morning after 8:30 ET, "
                                      "else 'no-release'")
    commands.add_parser("next", help="print the next release (date and month covered)")
    return top


def main(argv: list[str] | None = None, out: TextIO | None = None,
         err: TextIO | None = None) -> int:
    """Print the answer on ``out`` and notes on ``err``; 0, or 1 when the calendar is wrong."""
    out, err = out or sys.stdout, err or sys.stderr
    args = parser().parse_args(argv)
    now = args.now or dt.datetime.now(dt.UTC)
    try:
        calendar = load_calendar(args.calendar)
        now = _aware(now)
    except (SiteError, ValueError) as exc:
        print(f"error: {exc}", file=err)
        return 1
    coming = next_after(calendar, now)
    if args.command == "today":
        morning = release_morning(calendar, now)
        print(today_decision(calendar, now), file=out)
        if morning is not None:
            print(f"{morning.title} was published {morning.published:%Y-%m-%d %H:%M %Z}.",
                  file=err)
    else:
        print(f"{coming.date} {coming.covers}" if coming else "none", file=out)
    if coming is None:
        last = calendar[-1].date if calendar else None
        print(f"warning: the calendar lists no release after {last or 'today'}; add the next "
              "dates (see README.md, \"The release calendar\"), or the scheduled refresh never "
              "runs.", file=err)
    return 0


if __name__ == "__main__":
    sys.exit(main())
