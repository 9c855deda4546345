"""Write tables and the lockfile together: new tables beside the old, then the lockfile."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from site_builder.atomic import write_file
from site_builder.data.declarations import Declaration
from site_builder.data.snapshot import (
    DatasetMeta,
    checksum,
    gzip_bytes,
    lock_document,
    read_lock,
)


def table_file(name: str, raw: bytes) -> str:
    """The table's file name: the dataset's name and the start of its checksum."""
    return f"{name}-{checksum(raw)[:12]}.csv.gz"


def describe(name: str, decl: Declaration, frame: pd.DataFrame, raw: bytes, *, vintage: str,
             retrieved: str, provenance: str, request: str = "") -> DatasetMeta:
    """The lock entry for a table: the declaration's metadata plus facts of the table."""
    periods = frame["period"]
    return DatasetMeta(
        name=name, title=decl.title, publisher=decl.publisher, source=decl.source,
        series=decl.series, units=decl.units, seasonal_adjustment=decl.seasonal_adjustment,
        frequency=decl.frequency, url=decl.url, vintage=vintage, retrieved=retrieved,
        provenance=provenance, file=table_file(name, raw), rows=len(frame),
        first=str(periods.min()), last=str(periods.max()), dimensions=decl.dimensions,
        sha256=checksum(raw), request=request, vintage_of=decl.vintage_of,
        as_of=decl.as_of.isoformat() if decl.as_of else "",
    )


def write_snapshot(lock_path: Path, tables: dict[str, tuple[DatasetMeta, bytes]],
                   keep_others: bool) -> list[DatasetMeta]:
    """Replace the tables named in ``tables`` (meta, raw CSV bytes); all or nothing.

    With ``keep_others`` the snapshot's other tables stay as they are; without, the new
    snapshot holds exactly ``tables``. Each table's file is named after its checksum, so
    new files never replace ones the lockfile names: they are written first, then the
    lockfile is replaced in one rename (the moment the new snapshot takes effect), then
    the files it no longer names are removed. Killed at any instant, the snapshot is the
    old one or the new one, and the next write clears what the killed one left.
    """
    folder = lock_path.parent / "snapshot"
    metas: dict[str, DatasetMeta] = {}
    if keep_others and lock_path.exists():
        metas = read_lock(lock_path)
    for name, (meta, raw) in tables.items():
        write_file(folder / meta.file, gzip_bytes(raw))
        metas[name] = meta
    write_file(lock_path, lock_document(list(metas.values())).encode("utf-8"))
    remove_unlisted(folder, {meta.file for meta in metas.values()})
    return sorted(metas.values(), key=lambda m: m.name)


def clear_leftovers(lock_path: Path) -> list[str]:
    """Remove what a killed write left in the snapshot folder (tables the lockfile does
    not name), so that a fetch with nothing new still tidies up. Returns their names."""
    if not lock_path.exists():
        return []
    listed = {meta.file for meta in read_lock(lock_path).values()}
    return remove_unlisted(lock_path.parent / "snapshot", listed)


def remove_unlisted(folder: Path, listed: set[str]) -> list[str]:
    """Remove the files of the snapshot folder that the lockfile does not name: tables it
    replaced, and what a killed write left. Returns their names."""
    if not folder.is_dir():
        return []
    removed = sorted(p.name for p in folder.iterdir() if p.name not in listed and p.is_file())
    for name in removed:
        (folder / name).unlink(missing_ok=True)
    return removed
