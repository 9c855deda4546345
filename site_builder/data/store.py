"""Write tables and the lockfile together: stage the new snapshot folder, then swap it in."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd

from site_builder.atomic import staging_dir, swap_dir, write_file
from site_builder.data.declarations import Declaration
from site_builder.data.snapshot import (
    DatasetMeta,
    checksum,
    gzip_bytes,
    lock_document,
    read_lock,
)


def describe(name: str, decl: Declaration, frame: pd.DataFrame, raw: bytes, *, vintage: str,
             retrieved: str, provenance: str, request: str = "") -> DatasetMeta:
    """The lock entry for a table: the declaration's metadata plus facts of the table."""
    periods = frame["period"]
    return DatasetMeta(
        name=name, title=decl.title, publisher=decl.publisher, source=decl.source,
        series=decl.series, units=decl.units, seasonal_adjustment=decl.seasonal_adjustment,
        frequency=decl.frequency, url=decl.url, vintage=vintage, retrieved=retrieved,
        provenance=provenance, file=f"{name}.csv.gz", rows=len(frame),
        first=str(periods.min()), last=str(periods.max()), dimensions=decl.dimensions,
        sha256=checksum(raw), request=request, vintage_of=decl.vintage_of,
        as_of=decl.as_of.isoformat() if decl.as_of else "",
    )


def write_snapshot(lock_path: Path, tables: dict[str, tuple[DatasetMeta, bytes]],
                   keep_others: bool) -> list[DatasetMeta]:
    """Replace the tables named in ``tables`` (meta, raw CSV bytes); all or nothing.

    With ``keep_others`` the snapshot's other tables stay as they are; without, the new
    snapshot holds exactly ``tables``. The lockfile is rewritten to match.
    """
    folder = lock_path.parent / "snapshot"
    metas: dict[str, DatasetMeta] = {}
    if keep_others and lock_path.exists():
        metas = read_lock(lock_path)
    staged = staging_dir(folder)
    try:
        for name, meta in metas.items():
            if name not in tables:
                shutil.copy2(folder / meta.file, staged / meta.file)
        for name, (meta, raw) in tables.items():
            (staged / meta.file).write_bytes(gzip_bytes(raw))
            (staged / meta.file).chmod(0o644)
            metas[name] = meta
    except BaseException:
        shutil.rmtree(staged, ignore_errors=True)
        raise
    swap_dir(staged, folder)
    write_file(lock_path, lock_document(list(metas.values())).encode("utf-8"))
    return sorted(metas.values(), key=lambda m: m.name)
