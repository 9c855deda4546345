"""Which datasets a fetch keeps current ("live"): the one rule, and a quick reader of it.

Kept apart from :mod:`site_builder.data.declarations` so that a build with nothing to do
can tell the live datasets without loading the full validation of every declaration.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from pathlib import Path


def is_live(fetch: Mapping[str, object] | None) -> bool:
    """A dataset with these fetch settings is live unless it is pinned to a ``vintage`` or
    closed at an ``end``; one with none is never fetched."""
    return fetch is not None and fetch.get("vintage") is None and fetch.get("end") is None


def live_datasets(declarations: Path) -> frozenset[str]:
    """The live datasets of ``datasets.toml``, read from the TOML itself. A file that does
    not read gives none: its error comes where it is validated in full."""
    try:
        raw = tomllib.loads(declarations.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        return frozenset()
    return frozenset(name for name, table in raw.items() if isinstance(table, dict)
                     and isinstance(table.get("fetch"), dict) and is_live(table["fetch"]))
