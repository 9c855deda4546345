"""Annotations over a chart: the dated rules and shaded ranges its block declares under
``annotations:``, and the site's events (``content/data/events.toml``) it switches on with
``events:``. Each is checked, drawn as a layer over the time axis, and put in words for the
chart's description and its caption."""

from __future__ import annotations

import calendar
import datetime as dt
import re
import tomllib
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import yaml

from site_builder.content.fences import ChartBlock
from site_builder.content.source import compose_yaml
from site_builder.errors import SiteError, quoted

#: A date as a writer may give it: a year, a month or a day.
WHEN = re.compile(r"\d{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?)?")
RULE_KEYS, RANGE_KEYS = {"date", "label", "source"}, {"from", "to", "label", "source"}
SHAPE = ("`{date: 2020-03-11, label: ...}` for a dated rule, or `{from: 2025-02-04, "
         "to: 2025-04-09, label: ..., source: URL}` for a shaded range")
INK, SHADE = "#5f6b7a", "#8a9099"
#: The class of the labels' text, which CSS colours for the page's scheme.
LABEL_NAME = "annotation_label"
SHAPE_NAME = "annotation_shape"


@dataclass(frozen=True)
class Mark:
    """A dated rule (``end`` is None) or a shaded range, both ends included. Dates are
    ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``, as written."""

    label: str
    start: str
    end: str | None
    source: str
    line: int | None = None  # where the brief declares it, if it does
    optional: bool = False  # switched on by ``events: true``: shown only where it falls

    @property
    def first_day(self) -> dt.date:
        return _first_day(self.start)

    @property
    def day_after(self) -> dt.date:
        """The day after the last the mark covers."""
        return _day_after(self.end or self.start)

    def words(self) -> str:
        """The mark in words, for readers who cannot see it."""
        if self.end is None:
            text = f"{self.label} ({_spoken(self.start)}"
        else:
            text = f"{self.label} (shaded, {_spoken(self.start)} to {_spoken(self.end)}"
        return text + (f"; source: {self.source})" if self.source else ")")


def read(block: ChartBlock, path: Path, events_path: Path) -> tuple[Mark, ...]:
    """The marks a chart block declares and switches on, checked; errors name ``path`` and
    the line of the item at fault."""
    spec = block.spec
    if "annotations" not in spec and "events" not in spec:
        return ()
    lines = _item_lines(block)
    marks: list[Mark] = []
    items = spec.get("annotations") or []
    if not isinstance(items, list):
        raise SiteError("chart: `annotations` takes a list", path, lines.get("annotations"),
                        hint=f"Write each as {SHAPE}.")
    for number, item in enumerate(items):
        line = lines.get(f"annotations.{number}", block.line)
        try:
            marks.append(_mark(item, line))
        except SiteError as exc:
            raise SiteError(f"chart: annotation {number + 1}: {exc.message}", path, line,
                            exc.hint) from exc
    wanted = spec.get("events", False)
    if wanted is False:
        return tuple(marks)
    line = lines.get("events", block.line)
    events = load_events(events_path)
    if wanted is True:
        return (*marks, *(replace(m, optional=True) for m in events.values()))
    if not isinstance(wanted, list) or not all(isinstance(n, str) for n in wanted):
        raise SiteError("chart: `events` takes `true` or a list of event names", path, line,
                        hint=f"The events: {', '.join(events)}.")
    for name in wanted:
        if name not in events:
            raise SiteError(f"chart: no event named {name!r} in {events_path.name}", path, line,
                            hint=f"The events: {', '.join(events)} (or add it to "
                                 f"{events_path}).")
        marks.append(events[name])
    return tuple(marks)


def load_events(path: Path) -> dict[str, Mark]:
    """The site's events by name; a bad entry is an error naming the file and its line."""
    if not path.is_file():
        raise SiteError(f"no events file {path}",
                        hint="Charts with `events:` read the site's events from it.")
    text = path.read_text(encoding="utf-8")
    try:
        table = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SiteError(f"events file is not valid TOML: {exc}", path) from exc
    events = {}
    for name, entry in table.items():
        header = re.search(rf"^\[{re.escape(name)}\]", text, re.MULTILINE)
        line = text.count("\n", 0, header.start()) + 1 if header else None
        try:
            mark = _mark(entry, line)
        except SiteError as exc:
            raise SiteError(f"event {name!r}: {exc.message}", path, line, exc.hint) from exc
        if not mark.source:
            raise SiteError(f"event {name!r} has no `source`", path, line,
                            hint="Give the address of an official account of it.")
        events[name] = mark
    return events


def _mark(item: Any, line: int | None) -> Mark:
    if not isinstance(item, dict):
        raise SiteError(f"{quoted(item)} is not a mapping", hint=f"Write {SHAPE}.")
    keys = RULE_KEYS if "date" in item else RANGE_KEYS
    unknown = sorted(set(item) - keys)
    if unknown or not ("date" in item or {"from", "to"} <= set(item)):
        what = f"unknown key {unknown[0]!r}" if unknown else \
            "no `date` (a dated rule) nor `from` and `to` (a shaded range)"
        raise SiteError(what, hint=f"Write {SHAPE}.")
    label = item.get("label")
    if not isinstance(label, str) or not label.strip():
        raise SiteError("no `label`", hint="Say in a few words what happened.")
    source = item.get("source", "")
    if not isinstance(source, str):
        raise SiteError("`source` is not an address", hint="Quote it: source: \"https://...\"")
    if "date" in item:
        return Mark(label.strip(), _when(item["date"], "date"), None, source, line)
    start, end = _when(item["from"], "from"), _when(item["to"], "to")
    if _day_after(end) <= _first_day(start):
        raise SiteError(f"`to` ({end}) comes before `from` ({start})",
                        hint="Give the range's first date as `from` and its last as `to`.")
    if not source:
        raise SiteError("a shaded range needs its `source`",
                        hint="Add `source: https://...`, an account of the dates.")
    return Mark(label.strip(), start, end, source, line)


def _when(value: Any, key: str) -> str:
    """A date as ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``."""
    text = value.isoformat()[:10] if isinstance(value, dt.date) else str(value)
    if isinstance(value, bool) or not WHEN.fullmatch(text):
        raise SiteError(f"`{key}` is {quoted(value)}, not a date",
                        hint="Write 2020, 2020-03 or 2020-03-11.")
    try:
        _first_day(text)
    except ValueError as exc:
        raise SiteError(f"`{key}` is {text}, which is no day of the calendar") from exc
    return text


def _first_day(when: str) -> dt.date:
    parts = [int(p) for p in when.split("-")]
    return dt.date(parts[0], *[*parts[1:], 1, 1][:2])


def _day_after(when: str) -> dt.date:
    first = _first_day(when)
    if len(when) == 4:
        return first.replace(year=first.year + 1)
    if len(when) == 7:
        return (first + dt.timedelta(days=31)).replace(day=1)
    return first + dt.timedelta(days=1)


def _spoken(when: str) -> str:
    """``2020`` -> ``2020``; ``2020-03`` -> ``March 2020``; ``2020-03-11`` -> ``11 March 2020``."""
    day = _first_day(when)
    month = calendar.month_name[day.month]
    return {4: when, 7: f"{month} {day.year}"}.get(len(when), f"{day.day} {month} {day.year}")


def _item_lines(block: ChartBlock) -> dict[str, int]:
    """File lines of ``annotations``, of each of its items (``annotations.N``) and of
    ``events``, read from the block's YAML."""
    try:
        root = compose_yaml(block.text)
    except yaml.YAMLError:
        return {}
    lines: dict[str, int] = {}
    if not isinstance(root, yaml.MappingNode):
        return lines
    for key, value in root.value:
        if key.value in ("annotations", "events"):
            lines[key.value] = block.line + 1 + key.start_mark.line
            if isinstance(value, yaml.SequenceNode):
                for number, item in enumerate(value.value):
                    lines[f"{key.value}.{number}"] = block.line + 1 + item.start_mark.line
    return lines


def draw(spec: dict[str, Any], marks: tuple[Mark, ...], periods: list[str]
         ) -> tuple[dict[str, Any], tuple[Mark, ...]]:
    """``spec`` with the marks drawn over it, and the marks it shows. A mark of the brief's
    own that falls outside ``periods`` is an error; an event switched on by ``events: true``
    is left out."""
    if not marks:
        return spec, ()
    x = _x_of(spec)
    if x is None or x.get("type") != "temporal" or x.get("field") != "period" or not periods:
        raise SiteError("annotations need a time axis: an x encoding of `period`, "
                        "type temporal", hint="Drop `annotations` and `events`, or plot "
                                              "`period` on x as `type: temporal`.")
    first, after = _first_day(min(periods)), _day_after(max(periods))
    shown = []
    for mark in marks:
        if mark.first_day < after and mark.day_after > first:
            shown.append(mark)
        elif not mark.optional:
            raise SiteError(f"annotation {mark.label!r} ({mark.start}) falls outside the "
                            f"chart's periods, {min(periods)} to {max(periods)}",
                            None, mark.line, hint="Remove it, or widen `since`/`until`.")
    layered = _layered(spec)
    span = (after - first).days
    shapes, labels = [], []
    for number, mark in enumerate(shown):
        start = max(mark.first_day, first)
        right = (start - first).days > span * 0.7  # a label near the end reads leftwards
        shape, label = _layers(mark, start, min(mark.day_after, after), number, right)
        shapes.append(shape)
        labels.append(label)
    # rules and shading under the data, their labels over it
    layered["layer"] = [*shapes, *layered["layer"], *labels]
    return layered, tuple(shown)


def sentence(marks: tuple[Mark, ...]) -> str:
    """The marks in words: what the chart marks, for its description and caption."""
    if not marks:
        return ""
    return "Marked on the chart: " + "; ".join(m.words() for m in marks) + "."


def _x_of(spec: dict[str, Any]) -> dict[str, Any] | None:
    x = (spec.get("encoding") or {}).get("x")
    for layer in spec.get("layer", []):
        x = x or (layer.get("encoding") or {}).get("x")
    return x if isinstance(x, dict) else None


def _layered(spec: dict[str, Any]) -> dict[str, Any]:
    """``spec`` as layers, each with its own encoding, so layers added after it share its
    scales and nothing else."""
    spec = dict(spec)
    if "layer" in spec:
        shared = spec.pop("encoding", None) or {}
        spec["layer"] = [{**layer, "encoding": {**shared, **(layer.get("encoding") or {})}}
                         for layer in spec["layer"]]
        return spec
    main = {key: spec.pop(key) for key in ("mark", "encoding", "transform", "params")
            if key in spec}
    spec["layer"] = [main]
    return spec


def _layers(mark: Mark, start: dt.date, end: dt.date, number: int, right: bool
            ) -> tuple[dict[str, Any], dict[str, Any]]:
    """The mark's rule or shaded range, and its label."""
    at = {"field": "start", "type": "temporal", "timeUnit": "utcyearmonthdate"}
    row = {"start": start.isoformat(), "end": end.isoformat(), "label": mark.label}
    shape: dict[str, Any] = {"name": f"{SHAPE_NAME}_{number}"}
    if mark.end is None:
        shape["mark"] = {"type": "rule", "color": INK, "strokeDash": [4, 3], "strokeWidth": 1.5,
                         "tooltip": False}
        shape["encoding"] = {"x": at}
    else:
        shape["mark"] = {"type": "rect", "color": SHADE, "opacity": 0.2, "tooltip": False}
        shape["encoding"] = {"x": at, "x2": {"field": "end", "timeUnit": "utcyearmonthdate"}}
    text = {"name": f"{LABEL_NAME}_{number}",
            "mark": {"type": "text", "color": INK, "fontSize": 12, "baseline": "top",
                     "align": "right" if right else "left", "dx": -4 if right else 4,
                     "y": 2 + 15 * number, "tooltip": False},
            "encoding": {"x": at, "text": {"field": "label"}}}
    return {"data": {"values": [row]}, **shape}, {"data": {"values": [row]}, **text}
