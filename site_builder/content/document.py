"""What a source file holds, validated: the front-matter models and :class:`Document`.

:func:`parse_document` fills them from what :mod:`site_builder.content.source` takes apart.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from site_builder.content.source import (
    SLUG,
    YAML_LOADER,
    YAMLRefused,
    compose_yaml,
    split_front_matter,
)
from site_builder.errors import SiteError, quoted


class Highlight(BaseModel):
    """A labelled headline figure: ``value`` is an expression, as inside ``{{ }}``."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)
    label: str = Field(min_length=1)
    value: str = Field(min_length=1)


class FrontMatter(BaseModel):
    """The keys a brief's front matter may hold. Unknown keys and loose types are errors."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    title: str = Field(min_length=1)
    date: dt.date
    summary: str = Field(min_length=1)
    tags: tuple[str, ...] = ()
    draft: bool = False
    slug: str | None = Field(default=None, pattern=SLUG.pattern)
    updated: dt.date | None = None
    authors: tuple[str, ...] = ()
    headline: Highlight | None = None
    highlights: tuple[Highlight, ...] = ()
    aliases: tuple[Annotated[str, Field(pattern=r"^/[^\s]*/$")], ...] = ()  # old addresses
    as_of: dt.date | None = None  # show the data as they stood on this date
    featured: bool = False  # the lead brief of the home page
    section: Literal["briefs", "partners"] = "briefs"  # partner profiles live apart
    short_title: str | None = Field(default=None, min_length=1)  # in tables and tight spaces


class PageMatter(BaseModel):
    """Front matter of a plain page (about, methodology)."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    title: str = Field(min_length=1)
    summary: str = Field(min_length=1)
    slug: str | None = Field(default=None, pattern=SLUG.pattern)


HINTS = {
    "title": "Give the brief a title: `title: US trade deficit hits a record`.",
    "date": "Write the publication date as YYYY-MM-DD, unquoted: `date: 2025-02-05`.",
    "updated": "Write the date as YYYY-MM-DD, unquoted: `updated: 2025-03-01`.",
    "summary": "Add a one- or two-sentence summary: it shows on the index and in search results.",
    "tags": "List tags in brackets: `tags: [deficit, imports]`.",
    "draft": "Use true or false, unquoted: `draft: true`.",
    "featured": "Use true or false, unquoted: `featured: true` makes the brief the home "
                "page's lead.",
    "section": "Write `section: briefs` (the default) or `section: partners` (a partner "
               "profile, listed at /partners/).",
    "short_title": "Give a short name in quotes, e.g. `short_title: \"China\"`.",
    "slug": "Use lower-case words joined by hyphens: `slug: trade-deficit-2024`.",
    "authors": "List names in brackets: `authors: [Jane Doe]`.",
    "headline": "Give a label and an expression: `headline: {label: ..., value: usd(...)}`.",
    "highlights": "List items with a label and an expression each (README, 'Highlights').",
    "as_of": "Write the date the data should be shown as of, YYYY-MM-DD: `as_of: 2026-05-10`.",
    "aliases": "List the brief's old addresses, each between slashes: "
               "`aliases: [/briefs/old-name/]`.",
}


@dataclass(frozen=True)
class Document:
    """A parsed source file: front matter checked, body kept as written."""

    path: Path
    kind: str  # "brief" or "page"
    meta: FrontMatter | PageMatter
    body: str
    body_line: int  # line number of the body's first line in the file
    lines: dict[str, int] = field(hash=False, compare=False)  # line of each front-matter key
    row: dict[str, Any] | None = field(default=None, hash=False, compare=False)  # generated

    @property
    def slug(self) -> str:
        if self.meta.slug:
            return self.meta.slug
        return str(self.row["slug"]) if self.row else self.path.stem

    @property
    def url(self) -> str:
        """``/briefs/SLUG/``, ``/partners/SLUG/`` for a partner profile, ``/SLUG/`` for a page."""
        if isinstance(self.meta, FrontMatter):
            return f"/{self.meta.section}/{self.slug}/"
        return f"/{self.slug}/"


def _construct(yaml_text: str, path: Path) -> tuple[dict[str, Any], dict[str, int]]:
    """Parse the YAML mapping, keeping the line (in the file) where each key stands."""
    try:
        root = compose_yaml(yaml_text)
    except YAMLRefused as exc:
        mark = exc.problem_mark
        raise SiteError(f"front matter: {exc.problem}", path,
                        mark.line + 2 if mark is not None else None,
                        hint="Write each value out in full; README, 'What a brief can and "
                             "cannot do'.") from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        context = getattr(exc, "context", None)
        if context and "end of stream" in problem:
            # An unclosed quote or bracket: the place it opened is what the writer must fix.
            mark = getattr(exc, "context_mark", None) or mark
            problem = f"{context} that is never closed"
        line = mark.line + 2 if mark is not None else None
        raise SiteError(f"front matter is not valid YAML: {problem}", path, line,
                        hint="Check the indentation and quote values that contain a colon.") \
            from exc
    if root is None:
        return {}, {}
    if not isinstance(root, yaml.MappingNode):
        raise SiteError("front matter must be a set of `key: value` lines", path, 2)
    loader = YAML_LOADER("")
    values: dict[str, Any] = {}
    lines: dict[str, int] = {}
    for key_node, value_node in root.value:
        key = str(key_node.value)
        line = key_node.start_mark.line + 2
        if key in values:
            raise SiteError(f"key {key!r} appears twice in the front matter", path, line)
        lines[key] = line
        if isinstance(value_node, yaml.SequenceNode):
            for number, item in enumerate(value_node.value):
                lines[f"{key}.{number}"] = item.start_mark.line + 2
        try:
            values[key] = loader.construct_object(value_node, deep=True)
        except (ValueError, yaml.YAMLError) as exc:
            raise SiteError(f"{key}: {exc}", path, line, hint=HINTS.get(key, "")) from exc
    return values, lines


def _explain(error: dict[str, Any], model: type[BaseModel]) -> tuple[str, str]:
    """Turn one pydantic error into (message, hint) in the writer's terms."""
    loc = error["loc"]
    key = str(loc[0]) if loc else ""
    got = error.get("input")
    kind = error["type"]
    if kind == "extra_forbidden":
        allowed = ", ".join(model.model_fields)
        return f"unknown key {key!r}", f"Allowed keys: {allowed}. Check the spelling."
    if kind == "missing":
        return f"missing required key {'.'.join(map(str, loc))!r}", HINTS.get(key, "")
    where = ".".join(str(p) for p in loc)
    if key in ("date", "updated", "as_of"):
        return f"{where}: {quoted(got)} is not a date", HINTS[key]
    if key in ("draft", "featured"):
        return f"{key}: {quoted(got)} is not true or false", HINTS[key]
    if key == "section":
        return f"section: {quoted(got)} is not briefs or partners", HINTS[key]
    return f"{where}: {error['msg'].lower()} (got {quoted(got)})", HINTS.get(key, "")


def parse_document(path: Path, kind: str, text: str | bytes | None = None,
                   row: dict[str, Any] | None = None) -> Document:
    """Read one Markdown file (or take its bytes as already read, or ``text`` made from it
    for a generated ``row``) and validate its front matter; raises :class:`SiteError`."""
    try:
        if text is None:
            text = path.read_bytes()
        if isinstance(text, bytes):  # as a file opened as text reads it: any line ending is \n
            text = text.decode("utf-8").replace("\r\n", "\n").replace("\r", "\n")
    except UnicodeDecodeError as exc:
        raise SiteError("the file is not UTF-8 text", path,
                        hint="Save it as UTF-8 in your editor.") from exc
    yaml_text, body, body_line = split_front_matter(text, path)
    values, lines = _construct(yaml_text, path)
    model: type[FrontMatter] | type[PageMatter] = FrontMatter if kind == "brief" else PageMatter
    try:
        meta = model.model_validate(_tuples(values))
    except ValidationError as exc:
        first = exc.errors()[0]
        message, hint = _explain(dict(first), model)
        key = str(first["loc"][0]) if first["loc"] else ""
        raise SiteError(message, path, lines.get(key, 1), hint) from exc
    return Document(path, kind, meta, body, body_line, lines, row)


def _tuples(values: dict[str, Any]) -> dict[str, Any]:
    """YAML lists become tuples, as the frozen models declare them."""
    out = {}
    for key, value in values.items():
        if isinstance(value, list):
            value = tuple(value)
        out[key] = value
    return out

