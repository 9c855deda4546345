"""Overlap notes: where a chart plots an aggregate (the European Union) beside some of its own
members (Germany, Ireland), it says so, from the groups declared in
``content/data/groups.toml``."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from site_builder.errors import SiteError

if TYPE_CHECKING:  # imported where used: a site whose pages read no data never loads pandas
    import pandas as pd

#: What a chart's marks are called in the note, by mark type.
MARK_WORDS = {"bar": ("bar", "bars"), "line": ("line", "lines"), "area": ("area", "areas"),
              "point": ("point", "points"), "circle": ("point", "points")}


@dataclass(frozen=True)
class Group:
    """An aggregate of partners: its name as the data write it, how a sentence calls it
    ("the European Union") and for short ("the EU"), and its members' names."""

    name: str
    called: str
    short: str
    members: tuple[str, ...]


def load_groups(path: Path) -> tuple[Group, ...]:
    """The declared groups; none if there is no file. A bad entry is an error naming the
    file and its line."""
    if not path.is_file():
        return ()
    text = path.read_text(encoding="utf-8")
    try:
        table = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SiteError(f"groups file is not valid TOML: {exc}", path) from exc
    groups = []
    for key, entry in table.items():
        header = re.search(rf"^\[{re.escape(key)}\]", text, re.MULTILINE)
        line = text.count("\n", 0, header.start()) + 1 if header else None
        members = entry.get("members") if isinstance(entry, dict) else None
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str) or \
                not isinstance(members, list) or not all(isinstance(m, str) for m in members):
            raise SiteError(f"group {key!r} needs `name` and a list of `members`", path, line,
                            hint='Write name = "European Union", called = "the European '
                                 'Union", short = "the EU", members = ["Austria", ...].')
        called = str(entry.get("called", entry["name"]))
        unknown = sorted(set(entry) - {"name", "called", "short", "members", "source"})
        if unknown:
            raise SiteError(f"group {key!r}: unknown key {unknown[0]!r}", path, line,
                            hint="Allowed: name, called, short, members, source.")
        groups.append(Group(entry["name"], called, str(entry.get("short", called)),
                            tuple(members)))
    return tuple(groups)


def note(rows: pd.DataFrame, spec: dict[str, Any], groups: tuple[Group, ...]) -> str:
    """A sentence for each group the rows hold beside some of its members, e.g. "The
    European Union includes Germany and Ireland: their bars are part of the EU's."."""
    from pandas.api.types import is_numeric_dtype

    one, many = MARK_WORDS.get(_mark(spec), ("figure", "figures"))
    sentences = []
    for column in rows.columns:
        if column in ("period", "value") or is_numeric_dtype(rows[column]):
            continue
        shown = list(dict.fromkeys(str(v) for v in rows[column].dropna()))
        for group in groups:
            inside = [name for name in shown if name in group.members]
            if group.name in shown and inside:
                whose = f"their {many} are" if len(inside) > 1 else f"its {one} is"
                called = group.called[:1].upper() + group.called[1:]
                sentences.append(f"{called} includes {_listed(inside)}: {whose} part of "
                                 f"{group.short}'s.")
    return " ".join(sentences)


def _listed(names: list[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def _mark(spec: dict[str, Any]) -> str:
    mark = spec.get("mark") or next((layer.get("mark") for layer in spec.get("layer", [])
                                     if layer.get("mark")), None)
    return str(mark.get("type") if isinstance(mark, dict) else mark)
