"""How fresh the snapshot is: the last fetch's outcome, kept beside the build cache."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from site_builder.atomic import write_file
from site_builder.data.snapshot import Snapshot
from site_builder.errors import SiteError
from site_builder.project import Project
from site_builder.report import Reporter

if TYPE_CHECKING:
    from site_builder.data.declarations import Declaration


@dataclass(frozen=True)
class FetchStatus:
    attempted: str  # ISO time of the last fetch
    ok: bool
    problem: str = ""


def record(cache: Path, status: FetchStatus) -> None:
    write_file(cache / "fetch-status.json", json.dumps(status.__dict__, indent=1).encode())


def last(cache: Path) -> FetchStatus | None:
    try:
        return FetchStatus(**json.loads((cache / "fetch-status.json").read_text("utf-8")))
    except (OSError, ValueError, TypeError):
        return None


def age_days(retrieved: str, today: dt.date) -> int:
    """Days since a lock entry's retrieval date (a date or an ISO time)."""
    return (today - dt.date.fromisoformat(retrieved[:10])).days


def live_ages(declarations: dict[str, Declaration], snapshot: Snapshot, today: dt.date
              ) -> dict[str, int]:
    """Age in days of every dataset that a fetch keeps current.

    Datasets pinned to a vintage or closed at an ``end`` never go stale: they are meant to
    stay as they are.
    """
    ages = {}
    for name, decl in declarations.items():
        if decl.live and name in snapshot.metas:
            ages[name] = age_days(snapshot.metas[name].retrieved, today)
    return dict(sorted(ages.items(), key=lambda item: -item[1]))


def check_freshness(project: Project, snapshot: Snapshot, reporter: Reporter, strict: bool,
                    max_age_days: Callable[[], int], today: dt.date) -> list[SiteError]:
    """After a failed fetch, say how old the data are; ``strict`` makes stale data an error.

    Stale: the last fetch failed, or a live dataset is older than ``max_age_days()`` (asked
    only then: it comes from the site's settings).
    """
    outcome = last(project.cache)
    failed = outcome is not None and not outcome.ok
    if not strict and not failed:
        return []  # a committed snapshot ages between fetches; only --strict minds that
    from site_builder.data.declarations import load_declarations

    ages = live_ages(load_declarations(project.declarations), snapshot, today)
    oldest = next(iter(ages.items()), None)
    age = (f"its oldest live dataset, {oldest[0]!r}, is {oldest[1]} days old" if oldest
           else "it holds no live datasets")
    problems = []
    if failed:
        assert outcome is not None
        problems.append(f"the last fetch ({outcome.attempted}) failed: {outcome.problem}")
    if strict:
        limit = max_age_days()
        problems += [f"dataset {name!r} is {days} days old (limit {limit})"
                     for name, days in ages.items() if days > limit]
    if strict:
        return [SiteError(f"stale data: {p}", project.lockfile,
                          hint="Run `python -m site_builder fetch`, or build without --strict.")
                for p in problems]
    reporter.warn(f"{problems[0]}; building from the last good snapshot: {age}.")
    return []
