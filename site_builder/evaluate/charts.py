"""Chart blocks -> data rows, a Vega-Lite spec, a description from the data, and static SVG."""

from __future__ import annotations

import copy
import hashlib
import importlib.util
import json
import keyword
import math
import re
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from site_builder import formatting
from site_builder.content.fences import ChartBlock
from site_builder.content.source import SLUG
from site_builder.errors import SiteError, quoted
from site_builder.evaluate import annotations as notes  # not `annotations`: a __future__ name
from site_builder.evaluate import chart_checks, overlaps, theme
from site_builder.evaluate.data_scope import DataScope
from site_builder.evaluate.figures import Source, within
from site_builder.project import EVENTS_FILE, GROUPS_FILE

if TYPE_CHECKING:  # imported where used: a site whose pages read no data never loads pandas
    import pandas as pd

#: Keys of a chart block handled here; the Vega-Lite keys below pass through to the spec.
OWN_KEYS = {"id", "title", "data", "official", "where", "annual", "since", "until", "scale",
            "labels", "python", "note", "annotations", "events"}
VEGA_KEYS = {"mark", "encoding", "layer", "transform", "width", "height", "resolve", "params"}
SCALES = {"trillions": 1e12, "billions": 1e9, "millions": 1e6, "percent": 0.0}
#: How each scale reads in a chart's table header.
LABELS = {"percent": "Percent"}
ID = SLUG  # a chart's id is written as a slug is
#: ``python:`` names ``module.function`` of content/charts/module.py: identifiers only.
PYTHON_TARGET = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\.[A-Za-z_][A-Za-z0-9_]*", re.ASCII)
VL_CONVERT_VERSION = metadata.version("vl-convert-python")


@dataclass(frozen=True)
class Chart:
    """A chart ready to render: its spec holds exactly ``rows`` as inline data."""

    id: str
    title: str
    description: str
    spec: dict[str, Any]
    rows: pd.DataFrame
    value_label: str
    sources: tuple[Source, ...]
    note: str
    datasets: tuple[str, ...]

    @property
    def key(self) -> str:
        """Content hash of the spec and data: the SVG cache key."""
        text = json.dumps(self.spec, sort_keys=True, separators=(",", ":"), default=str)
        return hashlib.sha256(text.encode()).hexdigest()

    def csv(self) -> str:
        """The rows as CSV; text cells that a spreadsheet would run as formulas are defused."""
        from pandas.api.types import is_numeric_dtype

        rows = self.rows.copy()
        for column in rows.columns:
            if not is_numeric_dtype(rows[column]):  # numbers are numbers, whatever their sign
                rows[column] = rows[column].map(csv_cell)
        return rows.to_csv(index=False, lineterminator="\n")


#: A text cell starting with one of these runs as a formula in a spreadsheet (OWASP, "CSV
#: injection"): it is written with a ' before it, which spreadsheets show as text.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: object) -> object:
    """``value`` for a CSV cell: text that would start a formula gets a leading ``'``;
    numbers, including negative ones, stay as they are."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def prepare(block: ChartBlock, scope: DataScope, charts_dir: Path, path: Path) -> Chart:
    """Turn a chart block into a :class:`Chart`; errors point at the block's line (or at the
    line of the annotation at fault)."""
    content = charts_dir.parent
    marks = notes.read(block, path, content / EVENTS_FILE)
    if "events" in block.spec:
        scope.recorder.ran(content / EVENTS_FILE)
    groups_file = content / GROUPS_FILE
    if groups_file.is_file():
        scope.recorder.ran(groups_file)
    try:
        return _prepare(block.spec, scope, charts_dir, block.number, marks,
                        overlaps.load_groups(groups_file))
    except SiteError as exc:
        if exc.path is not None:  # already placed, in a chart module
            raise
        raise SiteError(f"chart: {exc.message}", path, exc.line or block.line,
                        exc.hint) from exc


def _prepare(block: dict[str, Any], scope: DataScope, charts_dir: Path, number: int,
             marks: tuple[notes.Mark, ...], groups: tuple[overlaps.Group, ...]) -> Chart:
    unknown = set(block) - OWN_KEYS - VEGA_KEYS
    if unknown:
        raise SiteError(f"unknown key {sorted(unknown)[0]!r} in chart block",
                        hint="Allowed: " + ", ".join(sorted(OWN_KEYS | VEGA_KEYS)) + ".")
    chart_id = str(block.get("id", f"chart-{number + 1}"))
    if not ID.match(chart_id):
        raise SiteError(f"chart id {chart_id!r} is not lower-case words joined by hyphens")
    if not block.get("title"):
        raise SiteError("a chart needs a title", hint="Add `title: ...` to the block.")
    scale_name = str(block.get("scale", "billions"))
    if scale_name not in SCALES:
        raise SiteError(f"scale {scale_name!r} unknown",
                        hint="Use billions, millions, trillions or percent.")
    if scale_name == "percent" and "python" not in block:
        raise SiteError("scale: percent is for Python charts, which compute their own values")
    scope.recorder.begin_chart()
    if "python" in block:
        rows, vega = _from_python(_python_target(block["python"]), scope, charts_dir)
    else:
        rows = _rows(block, scope, SCALES[scale_name])
        vega = {k: copy.deepcopy(v) for k, v in block.items() if k in VEGA_KEYS}
        if "mark" not in vega and "layer" not in vega:
            raise SiteError("a chart block needs a `mark` (bar, line, ...) or a `layer`")
    used = scope.recorder.chart_datasets
    # A `precision` column (dollars) says what each value's source resolves; it is not drawn.
    precision = rows.pop("precision").tolist() if "precision" in rows.columns else None
    spec = {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "width": theme.WIDTH, "height": theme.HEIGHT,
        **vega,
        "data": {"values": json.loads(rows.to_json(orient="records"))},
        "config": theme.config(),
    }
    chart_checks.check_chart(spec, rows)
    value_label = LABELS.get(scale_name, f"USD {scale_name}")
    sources = scope.recorder.chart_sources or tuple(scope.source(scope.dataset(n))
                                                    for n in used)
    description = describe_chart(rows, spec, SCALES[scale_name], precision)
    periods = rows["period"].astype(str).tolist() if "period" in rows.columns else []
    spec, shown = notes.draw(theme.time_axes(spec, periods), marks, periods)
    # What a reader sees beside the picture, said in words too: overlaps and marked events.
    said = [overlaps.note(rows, spec, groups), notes.sentence(shown)]
    note = " ".join(part for part in [str(block.get("note", "")), *said] if part)
    description = " ".join(part for part in [description, *said] if part)
    return Chart(chart_id, str(block["title"]), description, spec, rows, value_label, sources,
                 note, used)


def _rows(block: dict[str, Any], scope: DataScope, scale: float) -> pd.DataFrame:
    import pandas as pd

    if "official" in block:
        frame, dims = _official(block, scope)
    else:
        frame, dims = _dataset_rows(block, scope)
    frame = frame[["period", *dims, "value"]].copy()
    if block.get("annual"):
        frame = _annual(frame, dims)
    if "since" in block or "until" in block:
        frame = frame[within(pd.Index(frame["period"]), block.get("since"), block.get("until"))]
    if frame.empty:
        used = ", ".join(f"`{k}`" for k in ("where", "annual", "since", "until") if k in block)
        raise SiteError(f"the chart has no rows left after {used or 'its selection'}",
                        hint="Check `since` and `until` against the data's periods; "
                             "`annual: true` keeps complete years only.")
    frame["value"] = (frame["value"] / scale).round(6)
    labels = block.get("labels") or {}
    if not isinstance(labels, dict):
        raise SiteError("`labels` takes `column: {old: new}` pairs")
    for column, mapping in labels.items():
        if column not in frame.columns:
            raise chart_checks.unknown_field(column, "`labels`", list(frame.columns))
        if not isinstance(mapping, dict):
            raise SiteError(f"`labels` for {column!r} takes `old: new` pairs")
        frame[column] = frame[column].map(lambda v, m=mapping: m.get(v, v))
    return frame.reset_index(drop=True)


def _dataset_rows(block: dict[str, Any], scope: DataScope) -> tuple[pd.DataFrame, list[str]]:
    """The rows of ``data:`` datasets (each one copy of its series), in dollars."""
    if "data" not in block:
        raise SiteError("a chart block needs `data: DATASET`, `official: SERIES` or "
                        "`python: module.function`")
    where = block.get("where") or {}
    if not isinstance(where, dict):
        raise SiteError("`where` takes `column: value` pairs, e.g. where: {series_id: BOPGTB}")
    import pandas as pd

    names = block["data"] if isinstance(block["data"], list) else [block["data"]]
    parts = []
    for name in names:
        dataset, frame = scope.rows(str(name), where)
        scope.recorder.cited(scope.source(dataset, frame))
        if dataset.meta.unit_kind != "usd":
            raise SiteError(f"dataset {dataset.meta.name!r} is in {dataset.meta.units}, "
                            "which chart blocks cannot scale to dollars")
        frame = frame.assign(value=frame["value"] * dataset.meta.scale, dataset=str(name))
        parts.append(frame)
    frame = pd.concat(parts, ignore_index=True)
    dims = [d for d in frame.columns
            if d not in ("period", "value") and d in _dimensions(scope, names)
            and frame[d].nunique() > 1]
    return frame, dims


def _official(block: dict[str, Any], scope: DataScope) -> tuple[pd.DataFrame, list[str]]:
    """The rows of ``official:`` series as they stand now (each period from its newest
    vintage), told apart by a ``series_id`` column."""
    if "data" in block or "where" in block:
        raise SiteError("`official` names the series itself: drop `data` and `where`")
    import pandas as pd

    wanted = block["official"] if isinstance(block["official"], list) else [block["official"]]
    parts = []
    for series_id in wanted:
        series = scope.official(str(series_id))
        for source in series.sources:
            scope.recorder.cited(source)
        parts.append(pd.DataFrame({"period": series.values.index.astype(str),
                                   "series_id": str(series_id),
                                   "value": series.values.to_numpy()}))
    return pd.concat(parts, ignore_index=True), ["series_id"] if len(wanted) > 1 else []


def _dimensions(scope: DataScope, names: list[Any]) -> set[str]:
    """Columns that tell rows apart: the datasets' dimensions, and which dataset."""
    dims = {"dataset"}
    for name in names:
        dims.update(scope.snapshot.meta(str(name)).dimensions)
    return dims


def _annual(frame: pd.DataFrame, dims: list[str]) -> pd.DataFrame:
    """Calendar-year totals, complete years only (a year total needs all 12 months)."""
    if frame["period"].str.len().max() == 4:
        return frame
    frame = frame.assign(period=frame["period"].str[:4])
    grouped = frame.groupby(["period", *dims], sort=True)["value"]
    out = grouped.sum(min_count=12)[grouped.count() == 12].reset_index()
    return out[["period", *dims, "value"]]


def _python_target(target: object) -> str:
    """``module.function``, checked before anything is imported: a module of content/charts
    by name, never a path."""
    if not isinstance(target, str) or not PYTHON_TARGET.fullmatch(target) or \
            any(keyword.iskeyword(part) for part in target.split(".")):
        raise SiteError(f"python: {quoted(target)} is not `module.function`",
                        hint="Name a function of content/charts/MODULE.py as MODULE.FUNCTION: "
                             "letters, digits and underscores, no path.")
    return target


def _from_python(target: str, scope: DataScope, charts_dir: Path
                 ) -> tuple[pd.DataFrame, dict[str, Any]]:
    module_name, _, func_name = _python_target(target).rpartition(".")
    path = charts_dir / f"{module_name}.py"
    if not path.resolve().is_relative_to(charts_dir.resolve()) or not path.is_file():
        raise SiteError(f"python chart {target!r}: no file {path}",
                        hint="Write `python: MODULE.FUNCTION` for content/charts/MODULE.py.")
    theme.register_altair_theme()
    scope.recorder.ran(path)
    spec_obj = importlib.util.spec_from_file_location(f"site_charts_{module_name}", path)
    assert spec_obj is not None and spec_obj.loader is not None
    module = importlib.util.module_from_spec(spec_obj)
    try:
        spec_obj.loader.exec_module(module)
    except SyntaxError as exc:
        raise SiteError(f"python chart module: {exc.msg}", path, exc.lineno,
                        hint="Fix the syntax error in the chart module.") from exc
    except Exception as exc:
        raise _located_bug(exc, path, target) from exc
    func = getattr(module, func_name, None)
    if func is None:
        raise SiteError(f"python chart {target!r}: {path.name} has no function {func_name!r}")
    try:
        chart = func(scope)
    except SiteError:
        raise
    except Exception as exc:
        raise _located_bug(exc, path, target) from exc
    import pandas as pd

    rows = getattr(chart, "data", None)
    if not isinstance(rows, pd.DataFrame):
        raise SiteError(f"python chart {target!r} must return an Altair chart built on a "
                        "pandas DataFrame")
    vega = chart.to_dict(validate=False)
    for key in ("data", "datasets", "config", "$schema"):
        vega.pop(key, None)
    return rows.reset_index(drop=True), vega


def _located_bug(exc: Exception, path: Path, target: str) -> SiteError:
    """A chart function's own error, placed at the deepest line of its file."""
    line = None
    tb = exc.__traceback__
    while tb is not None:
        if Path(tb.tb_frame.f_code.co_filename) == path:
            line = tb.tb_lineno
        tb = tb.tb_next
    return SiteError(f"python chart {target!r} failed: {type(exc).__name__}: {exc}", path, line,
                     hint="Fix the chart function; run with --debug for the traceback.")


def _fields(spec: dict[str, Any]) -> tuple[str | None, str | None, str | None]:
    """The label, value and series fields of a chart, read from its encoding."""
    encoding: dict[str, Any] = spec.get("encoding") or next(
        (layer.get("encoding") for layer in spec.get("layer", []) if layer.get("encoding")), {})
    label = value = series = None
    for channel in ("x", "y"):
        enc = encoding.get(channel) or {}
        if enc.get("type") == "quantitative" or enc.get("aggregate"):
            value = enc.get("field")
        else:
            label = enc.get("field")
    series = (encoding.get("color") or {}).get("field")
    return label, value, series


def describe_chart(rows: pd.DataFrame, spec: dict[str, Any], scale: float,
                   precision: list[float] | None = None) -> str:
    """A sentence or two a screen reader can use in place of the picture; ``precision``, the
    step each row's source resolves in dollars, keeps whole billions whole."""
    label, value, series = _fields(spec)
    if label is None or value is None or value not in rows or label not in rows:
        return f"{len(rows)} data points."
    steps = dict(zip(rows[label].tolist(), precision, strict=True)) if precision and \
        not (series and series in rows) else {}

    def money(v: float, at: object = None) -> str:
        if scale == 0:
            return f"{formatting.number(v, 1)}%"
        step = steps.get(at)
        return formatting.money(v * scale, precision=None if _missing(step) else step)

    def name(v: object) -> str:
        return formatting.period(str(v)) if label == "period" else str(v)

    parts = []
    if label == "period":
        periods = rows["period"].astype(str)
        parts.append(f"From {name(periods.min())} to {name(periods.max())}.")
    # Plain lists, not pandas groups: the same answer for these few dozen rows, five times
    # faster. Rows of one series keep their order; max() and min() take the first of equals,
    # as idxmax() does; rows without a value, or without a series, are left out.
    grouped = series is not None and series in rows
    keys = rows[series].tolist() if grouped else [None] * len(rows)
    groups: dict[Any, list[tuple[Any, float]]] = {}
    for key, at, amount in zip(keys, rows[label].tolist(), rows[value].tolist(), strict=True):
        if not (grouped and _missing(key)) and not _missing(amount):
            groups.setdefault(key, []).append((at, amount))
    for key, points in groups.items():
        top = max(points, key=lambda p: p[1])
        low = min(points, key=lambda p: p[1])
        prefix = f"{key}: " if key is not None else ""
        if top[1] < 0 and scale != 0:  # all in deficit: say so, with positive amounts
            text = (f"{prefix}largest deficit {money(-low[1], low[0])} ({name(low[0])}), "
                    f"smallest deficit {money(-top[1], top[0])} ({name(top[0])})")
            latest = f"latest deficit {money(-points[-1][1], points[-1][0])}"
        else:
            text = (f"{prefix}highest {money(top[1], top[0])} ({name(top[0])}), "
                    f"lowest {money(low[1], low[0])} ({name(low[0])})")
            latest = f"latest {money(points[-1][1], points[-1][0])}"
        if label == "period":
            text += f", {latest} ({name(points[-1][0])})"
        parts.append(text + ".")
    return " ".join(parts)


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))
