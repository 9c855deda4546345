"""What a fetch changes: new periods, revised values (old -> new), and the briefs affected."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import pandas as pd

from site_builder import formatting


@dataclass(frozen=True)
class Change:
    key: str  # period and dimension values, e.g. "2024-12 BOPGTB"
    old: float | None
    new: float | None


@dataclass(frozen=True)
class DatasetChange:
    name: str
    units: str
    added: tuple[Change, ...]
    revised: tuple[Change, ...]
    removed: tuple[Change, ...]
    is_new: bool = False

    @property
    def empty(self) -> bool:
        return not (self.added or self.revised or self.removed or self.is_new)


@dataclass(frozen=True)
class PageChange:
    """How one brief reads after the fetch: changed figures, changed charts, or an error."""

    path: str
    figures: tuple[tuple[str, str], ...]
    charts: tuple[str, ...]
    error: str = ""


@dataclass(frozen=True)
class SnapshotDiff:
    datasets: tuple[DatasetChange, ...]
    pages: tuple[PageChange, ...]

    @property
    def empty(self) -> bool:
        return all(d.empty for d in self.datasets) and not self.pages

    def text(self) -> str:
        return _render(self, markdown=False)

    def markdown(self) -> str:
        return _render(self, markdown=True)


def _numbers(frame: pd.DataFrame, dims: tuple[str, ...]) -> dict[str, float]:
    keys = frame["period"].astype(str)
    for dim in dims:
        keys = keys + " " + frame[dim].astype(str)
    values = pd.to_numeric(frame["value"].replace({"": None, ".": None}), errors="coerce")
    return dict(zip(keys, values.astype(float), strict=True))


def compare_tables(name: str, units: str, dims: tuple[str, ...], old: pd.DataFrame | None,
                   new: pd.DataFrame) -> DatasetChange:
    after = _numbers(new, dims)
    if old is None:
        added = tuple(Change(k, None, v) for k, v in after.items())
        return DatasetChange(name, units, added, (), (), is_new=True)
    before = _numbers(old, dims)
    added = tuple(Change(k, None, after[k]) for k in after if k not in before)
    removed = tuple(Change(k, before[k], None) for k in before if k not in after)
    revised = tuple(Change(k, before[k], after[k]) for k in after
                    if k in before and not _same(before[k], after[k]))
    return DatasetChange(name, units, added, revised, removed)


def _same(a: float, b: float) -> bool:
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return math.isclose(a, b, rel_tol=0, abs_tol=1e-9)


FIGURE = re.compile(r'<data value="[^"]*">([^<]*)</data>')


def figure_texts(html: str) -> list[str]:
    """The figures of a rendered page, in reading order, as the reader sees them."""
    return FIGURE.findall(html)


def _number(value: float | None) -> str:
    return "none" if value is None or math.isnan(value) else formatting.number(value, 3) \
        .rstrip("0").rstrip(".")


def _render(diff: SnapshotDiff, markdown: bool) -> str:
    lines: list[str] = []
    head = "## " if markdown else ""
    item = "- " if markdown else "  "
    changed = [d for d in diff.datasets if not d.empty]
    if not changed and not diff.pages:
        return "No data changed.\n"
    lines.append(f"{head}Data")
    for d in changed:
        what = "new dataset" if d.is_new else ", ".join(
            f"{len(c)} {label}" for c, label in ((d.added, "new"), (d.revised, "revised"),
                                                 (d.removed, "removed")) if c)
        lines.append(f"{item}{'**' if markdown else ''}{d.name}{'**' if markdown else ''} "
                     f"({d.units}): {what}")
        if not d.is_new:
            for c in d.added:
                lines.append(f"{'  ' + item}new {c.key}: {_number(c.new)}")
        for c in d.revised:
            lines.append(f"{'  ' + item}revised {c.key}: {_number(c.old)} → {_number(c.new)}")
        for c in d.removed:
            lines.append(f"{'  ' + item}removed {c.key} (was {_number(c.old)})")
    if diff.pages:
        lines.append("")
        lines.append(f"{head}Briefs affected")
        for page in diff.pages:
            lines.append(f"{item}{page.path}")
            if page.error:
                lines.append(f"{'  ' + item}no longer builds: {page.error}")
            for old, new in page.figures:
                lines.append(f"{'  ' + item}figure {old} → {new}")
            for chart in page.charts:
                lines.append(f"{'  ' + item}chart {chart}: data changed")
    return "\n".join(lines) + "\n"
