"""What a chart must pass before it is drawn: it has something to draw, every field it names
is a column of its rows (or made by one of its transforms), and its spec is valid Vega-Lite.

Each failure is a :class:`SiteError` without a place; ``charts.prepare`` puts it at the chart
block's line.
"""

from __future__ import annotations

import difflib
import functools
import importlib.util
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from site_builder.errors import SiteError

if TYPE_CHECKING:
    import pandas as pd

DOCS = "https://vega.github.io/vega-lite/docs/"
#: Channels whose quantitative field is what a mark is drawn at: all missing, nothing shows.
DRAWN = {"x", "y", "x2", "y2", "theta", "radius", "size", "latitude", "longitude"}
#: ``datum.name`` or ``datum["name"]`` in a Vega expression.
DATUM = re.compile(r"""\bdatum(?:\.([A-Za-z_$][\w$]*)|\[\s*(["'])(.*?)\2\s*\])""")
#: Transforms that replace the rows' columns: what each leaves, besides its ``groupby``.
RESHAPE = {"aggregate", "pivot", "density", "regression", "loess", "quantile"}


def check_chart(spec: dict[str, Any], rows: pd.DataFrame) -> None:
    """Raise SiteError unless ``spec``, drawn from ``rows``, is valid and draws marks."""
    if rows.empty:
        raise SiteError("the chart has no rows to plot", hint="Widen its data selection.")
    validate_vega_lite(spec)
    fields = Fields(rows)
    fields.view(spec, fields.columns(), {}, "")
    drawn = [name for name in fields.drawn if name in rows.columns] or (
        ["value"] if "value" in rows.columns else [])
    if drawn and all(rows[name].isna().all() for name in drawn):
        raise SiteError(f"every value the chart plots ({', '.join(dict.fromkeys(drawn))}) is "
                        "missing, so it would draw no marks",
                        hint="Choose periods or series that have data.")


def unknown_field(name: str, where: str, known: list[str]) -> SiteError:
    """The error for a field that is not among the ``known`` columns."""
    close = difflib.get_close_matches(name, known, n=1)
    guess = f"; did you mean {close[0]!r}?" if close else ""
    return SiteError(f"{where} names field {name!r}, which the plotted rows do not have{guess}",
                     hint=f"Fields here: {', '.join(known)} (a chart block leaves out a "
                          "column that has one value after `where`).")


# -- fields --------------------------------------------------------------------------------

class Fields:
    """Walks a spec, following its transforms, and checks every field it names."""

    def __init__(self, rows: pd.DataFrame) -> None:
        self.rows = rows
        self.drawn: list[str] = []  # quantitative fields of the drawing channels

    def columns(self) -> dict[str, None]:
        return dict.fromkeys(str(c) for c in self.rows.columns)

    def use(self, name: Any, known: dict[str, None] | None, where: str) -> None:
        """Check one field reference; ``known`` is None where a transform made it unknowable."""
        if known is None or not isinstance(name, str) or name in known \
                or name.replace("\\", "") in known:
            return
        raise unknown_field(name, where, list(known))

    def expression(self, text: Any, known: dict[str, None] | None, where: str) -> None:
        if isinstance(text, str):
            for match in DATUM.finditer(text):
                self.use(match.group(1) or match.group(3), known, where)

    def view(self, spec: dict[str, Any], known: dict[str, None] | None,
             inherited: dict[str, tuple[Any, str]], where: str) -> None:
        """A view and the views inside it; a layer inherits its parent's encoding."""
        if where and "data" in spec:
            known = None  # a view with data of its own: not the plotted rows
        known = self.transforms(spec.get("transform"), known, where)
        for param in _items(spec.get("params")):
            select = param.get("select") if isinstance(param, dict) else None
            for name in _names(select.get("fields") if isinstance(select, dict) else None):
                self.use(name, known, f"{where}params.select.fields")
        own = spec.get("encoding")
        encoding = {**inherited, **{channel: (definition, f"{where}encoding.{channel}")
                                    for channel, definition in _pairs(own)}}
        layers = spec.get("layer")
        if isinstance(layers, list) and layers:
            for n, layer in enumerate(layers):
                if isinstance(layer, dict):
                    self.view(layer, known, encoding, f"{where}layer[{n}].")
        else:
            for channel, (definition, at) in encoding.items():
                self.encoding(channel, definition, known, at)
        for key in ("hconcat", "vconcat", "concat"):
            for n, child in enumerate(_items(spec.get(key))):
                if isinstance(child, dict):
                    self.view(child, known, {}, f"{where}{key}[{n}].")
        facet = spec.get("facet")
        if isinstance(facet, dict) and "field" in facet:
            self.channel(facet, known, f"{where}facet")
        for channel, definition in _pairs(facet if isinstance(facet, dict)
                                          and "field" not in facet else None):
            self.encoding(channel, definition, known, f"{where}facet.{channel}")
        if isinstance(spec.get("spec"), dict):
            self.view(spec["spec"], known, {}, f"{where}spec.")

    def encoding(self, channel: str, definition: Any, known: dict[str, None] | None,
                 where: str) -> None:
        """One channel: a definition, or a list of them (``tooltip``, ``detail``)."""
        for n, item in enumerate(_items(definition)):
            self.channel(item, known, f"{where}[{n}]" if isinstance(definition, list)
                         else where)
            if isinstance(item, dict) and channel in DRAWN and isinstance(item.get("field"), str) \
                    and item.get("type") == "quantitative" and not item.get("aggregate"):
                self.drawn.append(item["field"])

    def channel(self, item: Any, known: dict[str, None] | None, where: str) -> None:
        if not isinstance(item, dict):
            return
        self.use(item.get("field"), known, where)
        sort = item.get("sort")
        if isinstance(sort, dict):
            self.use(sort.get("field"), known, f"{where}.sort")
        aggregate = item.get("aggregate")
        if isinstance(aggregate, dict):  # {argmax: field}
            for name in aggregate.values():
                self.use(name, known, f"{where}.aggregate")
        for condition in _items(item.get("condition")):
            if isinstance(condition, dict):
                self.expression(condition.get("test"), known, f"{where}.condition.test")
                self.channel(condition, known, f"{where}.condition")

    def predicate(self, predicate: Any, known: dict[str, None] | None, where: str) -> None:
        if isinstance(predicate, str):
            self.expression(predicate, known, where)
        elif isinstance(predicate, dict):
            self.use(predicate.get("field"), known, where)
            for key in ("and", "or", "not"):
                for part in _items(predicate.get(key)):
                    self.predicate(part, known, where)

    def transforms(self, transforms: Any, known: dict[str, None] | None, where: str
                   ) -> dict[str, None] | None:
        """The fields there are after ``transforms``, each checked against those before it."""
        for n, step in enumerate(_items(transforms)):
            if not isinstance(step, dict) or known is None:
                return None
            kind = next((k for k in TRANSFORMS if k in step), None)
            at = f"{where}transform[{n}] ({kind})"
            if kind is None:
                return None
            known = self.transform(kind, step, known, at)
        return known

    def transform(self, kind: str, step: dict[str, Any], known: dict[str, None], where: str
                  ) -> dict[str, None] | None:
        uses, made = TRANSFORMS[kind](step)
        for name in uses:
            self.use(name, known, where)
        self.predicate(step.get("filter"), known, where)
        self.expression(step.get("calculate"), known, where)
        if kind == "pivot":
            pivot = step.get("pivot")
            if pivot not in self.rows.columns:
                return None  # its columns are the values of a field made on the way
            made = [*made, *(str(v) for v in self.rows[pivot].dropna().unique())]
        if kind == "lookup" and not made:
            return None  # every field of the other data
        base = {} if kind in RESHAPE else known
        return {**base, **dict.fromkeys(made)}


def _items(value: Any) -> list[Any]:
    """A list as it is, one item as a list of one, nothing as an empty list."""
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _pairs(value: Any) -> list[tuple[str, Any]]:
    return list(value.items()) if isinstance(value, dict) else []


def _names(value: Any) -> list[str]:
    return [v for v in _items(value) if isinstance(v, str)]


def _ops(step: dict[str, Any], key: str) -> tuple[list[str], list[str]]:
    """Fields read and made by a list of ``{op, field, as}`` operations."""
    ops = [op for op in _items(step.get(key)) if isinstance(op, dict)]
    sort = [s.get("field") for s in _items(step.get("sort")) if isinstance(s, dict)]
    uses = [*_names([op.get("field") for op in ops]), *_names(step.get("groupby")),
            *_names(sort)]
    return uses, [*_names(step.get("groupby")), *_names([op.get("as") for op in ops])]


def _as(step: dict[str, Any], default: list[str]) -> list[str]:
    return _names(step.get("as")) or default


def _bin(step: dict[str, Any]) -> tuple[list[str], list[str]]:
    made = _names(step.get("as"))
    if isinstance(step.get("as"), str):
        made.append(f"{step['as']}_end")
    return _names(step.get("field")), made


def _lookup(step: dict[str, Any]) -> tuple[list[str], list[str]]:
    source = step.get("from")
    source = source if isinstance(source, dict) else {}
    return _names(step.get("lookup")), _names(step.get("as")) or _names(source.get("fields"))


def _regression(kind: str) -> Any:
    def fields(step: dict[str, Any]) -> tuple[list[str], list[str]]:
        read = _names([step.get(kind), step.get("on")])
        return [*read, *_names(step.get("groupby"))], [*_names(step.get("groupby")),
                                                         *_as(step, read[::-1])]
    return fields


#: Per transform: the fields it reads and the fields it makes (``RESHAPE`` keeps no others).
TRANSFORMS: dict[str, Any] = {
    "filter": lambda s: ([], []),
    "calculate": lambda s: ([], _names(s.get("as"))),
    "aggregate": lambda s: _ops(s, "aggregate"),
    "joinaggregate": lambda s: _ops(s, "joinaggregate"),
    "window": lambda s: _ops(s, "window"),
    "bin": _bin,
    "timeUnit": lambda s: (_names(s.get("field")), _names(s.get("as"))),
    "fold": lambda s: (_names(s.get("fold")), _as(s, ["key", "value"])),
    "flatten": lambda s: (_names(s.get("flatten")), _as(s, _names(s.get("flatten")))),
    "pivot": lambda s: (_names([s.get("pivot"), s.get("value"), *_items(s.get("groupby"))]),
                        _names(s.get("groupby"))),
    "density": lambda s: ([*_names(s.get("density")), *_names(s.get("groupby"))],
                          [*_names(s.get("groupby")), *_as(s, ["value", "density"])]),
    "regression": _regression("regression"),
    "loess": _regression("loess"),
    "quantile": lambda s: ([*_names(s.get("quantile")), *_names(s.get("groupby"))],
                           [*_names(s.get("groupby")), *_as(s, ["prob", "value"])]),
    "impute": lambda s: (_names([s.get("impute"), s.get("key"), *_items(s.get("groupby"))]),
                         []),
    "stack": lambda s: ([*_names([s.get("stack"), *_items(s.get("groupby"))]),
                         *_names([x.get("field") for x in _items(s.get("sort"))
                                  if isinstance(x, dict)])], _names(s.get("as"))),
    "lookup": _lookup,
    "extent": lambda s: (_names(s.get("extent")), []),
    "sample": lambda s: ([], []),
}


# -- Vega-Lite -----------------------------------------------------------------------------

def validate_vega_lite(spec: dict[str, Any]) -> None:
    """Raise SiteError unless ``spec`` is valid against the Vega-Lite schema Altair ships.

    Of the inline rows only the first is checked: rows come from one DataFrame, so they are
    objects alike. The site theme's ``config``, the same for every chart, is checked once per
    process and then left out, which keeps a chart's check near a millisecond.
    """
    light = {k: v for k, v in spec.items() if k != "config"}
    data = spec.get("data")
    if isinstance(data, dict) and isinstance(data.get("values"), list):
        light["data"] = {**data, "values": data["values"][:1]}
    specs, configs = _validators()
    errors = list(specs.iter_errors(light))
    config = spec.get("config")
    if not errors and config is not None:
        text = json.dumps(config, sort_keys=True, default=str)
        if text not in _CONFIGS_CHECKED:
            errors = list(configs.iter_errors(config))
            for error in errors:
                error.path.appendleft("config")
            if not errors:
                _CONFIGS_CHECKED.add(text)
    if errors:
        path, problem, hint = explain(errors)
        raise SiteError(f"not valid Vega-Lite at {path}: {problem}",
                        hint=hint or f"Check it against the Vega-Lite docs, {DOCS}")


_CONFIGS_CHECKED: set[str] = set()


def schema_path() -> Path:
    """The newest Vega-Lite schema inside the installed Altair (found without importing it)."""
    found = importlib.util.find_spec("altair")
    folders = list(found.submodule_search_locations or []) if found else []
    paths = [p for folder in folders
             for p in Path(folder).glob("vegalite/v*/schema/vega-lite-schema.json")]
    if not paths:
        raise SiteError("the Vega-Lite schema was not found inside the altair package",
                        hint="Reinstall: python -m pip install -e .")
    return max(paths, key=lambda p: int(p.parts[-3].lstrip("v") or 0))


@functools.cache
def _validators() -> tuple[Any, Any]:
    """A validator for whole specs and one for ``config``: built once per process."""
    # Imported here: about 60 ms that only a process checking a chart need pay.
    import jsonschema
    import orjson

    schema = orjson.loads(schema_path().read_bytes())
    cls = jsonschema.validators.validator_for(schema)
    config = {"$ref": "#/definitions/Config", "definitions": schema["definitions"]}
    return cls(schema), cls(config)


def _leaves(error: Any) -> Iterator[Any]:
    """The errors at the ends of every ``anyOf`` branch below ``error``."""
    if not error.context:
        yield error
    for child in error.context:
        yield from _leaves(child)


def _rank(error: Any) -> tuple[float, int]:
    """How likely an error is the writer's mistake, rather than another branch's complaint.

    Deeper is likelier. A value of the wrong JSON type counts half a level less, and a
    mismatched constant (a ``type: boxplot`` of another kind of mark) a whole level less:
    both mean the branch was not the one meant. Among equals, the branch whose properties
    the object uses most.
    """
    depth = len(error.absolute_path) - {"type": 0.5, "const": 1.0}.get(error.validator, 0.0)
    shared = 0
    if isinstance(error.instance, dict) and isinstance(error.schema, dict):
        shared = len(set(error.instance) & set(error.schema.get("properties") or {}))
    return depth, shared


def explain(errors: list[Any]) -> tuple[str, str, str]:
    """The JSON path, a short problem and perhaps a fix, for the most telling of ``errors``."""
    leaves = [leaf for error in errors for leaf in _leaves(error)]
    best = max(leaves, key=_rank)
    path = best.json_path
    same = [leaf for leaf in leaves if leaf.json_path == path]
    value = best.instance
    if best.validator in ("enum", "const"):
        allowed = [v for leaf in same if leaf.validator == "enum" for v in leaf.validator_value]
        allowed += [leaf.validator_value for leaf in same if leaf.validator == "const"]
        return path, f"{_show(value)} is not allowed here" + _guess(value, allowed,
                                                                     len(allowed)), ""
    if best.validator == "type":
        kinds = dict.fromkeys(str(leaf.validator_value) for leaf in same
                              if leaf.validator == "type")
        return path, f"{_show(value)} should be {' or '.join(kinds)}", ""
    if best.validator == "additionalProperties" and isinstance(value, dict):
        known = list(best.schema.get("properties") or {})
        extra = [k for k in value if k not in known]
        known += [k for leaf in same if leaf.validator == "additionalProperties"
                  for k in leaf.schema.get("properties") or {}]
        if extra:
            hint = ""
            if value[extra[0]] is None and " " in extra[0]:  # {title: Dollars, monthly}
                hint = ("In `{...}` a comma starts a new key: put a value that holds a comma "
                        'in quotes, e.g. title: "Billions of dollars, seasonally adjusted".')
            return path, f"unknown property {extra[0]!r}" + _guess(extra[0], known, 0), hint
    return path, best.message, ""


def _guess(value: Any, allowed: list[Any], show: int) -> str:
    """``; did you mean 'x'?`` if one allowed value is close, or the list if it is short."""
    words = [str(a) for a in allowed]
    close = difflib.get_close_matches(str(value), words, n=1) if isinstance(value, str) else []
    if close:
        return f"; did you mean {close[0]!r}?"
    return f"; allowed: {', '.join(words)}" if 0 < show <= 8 else ""


def _show(value: Any) -> str:
    text = json.dumps(value, default=str)
    return text if len(text) <= 60 else text[:57] + "..."
