"""How fresh the snapshot is: the last fetch's outcome, kept beside the build cache."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path

from site_builder.atomic import write_file
from site_builder.data.declarations import Declaration
from site_builder.data.snapshot import Snapshot


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
        spec = decl.fetch
        if spec is None or spec.vintage is not None or spec.end is not None:
            continue
        if name in snapshot.metas:
            ages[name] = age_days(snapshot.metas[name].retrieved, today)
    return dict(sorted(ages.items(), key=lambda item: -item[1]))
