"""Build the committed snapshot from offline copies of the source files.

This is how the embedded snapshot under ``content/data`` was made from ``shared/data``; the
live ``fetch`` command (later) writes the same files in the same format.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from site_builder.data.declarations import Declaration, load_declarations
from site_builder.data.snapshot import (
    UNIT_SCALES,
    DatasetMeta,
    canonical_csv,
)
from site_builder.data.store import describe, write_snapshot
from site_builder.errors import SiteError


def tidy_table(name: str, decl: Declaration, source_dir: Path) -> pd.DataFrame:
    """Read a dataset's source files, unchanged as text, into the tidy column order."""
    assert decl.seed is not None
    seed = decl.seed
    parts = []
    for item in seed.files:
        path = source_dir / item.file
        try:
            frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        except FileNotFoundError as exc:
            raise SiteError(f"dataset {name!r}: source file not found", path,
                            hint="Pass the folder holding the offline copies.") from exc
        for column, constant in item.set.items():
            frame[column] = constant
        parts.append(frame)
    frame = pd.concat(parts, ignore_index=True).rename(columns=seed.rename)
    frame = frame.rename(columns={seed.period: "period", seed.value: "value"})
    for column in ("period", "value", *decl.dimensions):
        if column not in frame.columns:
            raise SiteError(f"dataset {name!r}: column {column!r} missing from the source",
                            hint=f"Columns found: {', '.join(frame.columns)}.")
    # Monthly periods are stored as YYYY-MM; annual ones stay YYYY.
    frame["period"] = frame["period"].str.replace(r"^(\d{4}-\d{2})-01$", r"\1", regex=True)
    bad = frame[~frame["period"].str.fullmatch(r"\d{4}(-\d{2})?")]
    if not bad.empty:
        raise SiteError(f"dataset {name!r}: unreadable period {bad['period'].iloc[0]!r}")
    key = ["period", *decl.dimensions]
    if frame.duplicated(key).any():
        dup = frame[frame.duplicated(key)].iloc[0]
        raise SiteError(f"dataset {name!r}: two rows for {dict(dup[key])}",
                        hint="Name the columns that tell them apart in `dimensions`.")
    attributes = [c for c in frame.columns if c not in (*key, "value")]
    frame = frame[[*key, "value", *attributes]]
    return frame.sort_values(key, kind="stable").reset_index(drop=True)


def seed_snapshot(declarations_path: Path, source_dir: Path, lock_path: Path) -> list[DatasetMeta]:
    """Rebuild every seeded dataset and the lockfile; all or nothing."""
    declarations = load_declarations(declarations_path)
    tables: dict[str, tuple[DatasetMeta, bytes]] = {}
    for name, decl in declarations.items():
        if decl.seed is None:
            continue
        if decl.units not in UNIT_SCALES:
            raise SiteError(f"dataset [{name}]: unknown units {decl.units!r}",
                            declarations_path, hint=f"Known: {', '.join(UNIT_SCALES)}.")
        frame = tidy_table(name, decl, source_dir)
        raw = canonical_csv(frame)
        meta = describe(name, decl, frame, raw, vintage=decl.vintage,
                        retrieved=decl.retrieved.isoformat(), provenance=decl.provenance)
        tables[name] = (meta, raw)
    return write_snapshot(lock_path, tables, keep_others=False)
