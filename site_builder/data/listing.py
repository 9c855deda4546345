"""``python -m site_builder datasets``: every official series with its vintages, and every
dataset with its coverage, source and state (fetched, seeded, or only declared)."""

from __future__ import annotations

from site_builder.data.declarations import Declaration
from site_builder.data.snapshot import Snapshot


def _state(name: str, declared: Declaration | None, snapshot: Snapshot) -> str:
    if name not in snapshot.metas:
        return f"declared but not fetched yet: run `fetch --only {name}`"
    if declared is None:
        return "in the snapshot, no longer declared"
    if declared.fetch is None:
        return "seeded from offline copies (no fetch settings)"
    if declared.live:
        return "kept current by fetch"
    if declared.fetch.vintage is not None:
        return f"fetched as it stood on {declared.fetch.vintage.isoformat()}"
    return f"fetched up to {declared.fetch.end}, where it is closed"


def listing(snapshot: Snapshot, declarations: dict[str, Declaration]) -> str:
    """The text the command prints."""
    index = snapshot.index()
    lines = ["Series, each with its vintages oldest first; the newest copy holding a period "
             "gives its current value.", ""]
    for series in index.ids():
        vintages = index.vintages(series)
        lines.append(f"{series}  ({len(vintages)} vintage{'s' * (len(vintages) != 1)})")
        for v in vintages:
            where = "".join(f" [{column}={value}]" for column, value in v.within)
            lines.append(f"  {v.date}  {v.dataset}{where}  {v.first} to {v.last}, "
                         f"{v.rows} values")
    lines += ["", "Datasets"]
    for name in sorted(set(snapshot.metas) | set(declarations)):
        declared = declarations.get(name)
        meta = snapshot.metas.get(name)
        coverage = f"{meta.first} to {meta.last}, {meta.rows} rows; " if meta else ""
        source = (meta.publisher if meta else declared.publisher if declared else "")
        lines.append(f"  {name}: {coverage}{_state(name, declared, snapshot)}")
        lines.append(f"    {source}; {meta.vintage if meta else 'no vintage yet'}")
    return "\n".join(lines) + "\n"
