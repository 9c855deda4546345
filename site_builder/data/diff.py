"""What a fetch changes: new periods, revised values (old -> new), and the briefs affected."""

from __future__ import annotations

import difflib
import math
import re
from dataclasses import dataclass
from html import unescape
from itertools import zip_longest

import pandas as pd

from site_builder import formatting
from site_builder.data.snapshot import Dataset


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
    """How one page reads after the fetch, found by its address: the sentences whose text
    changes (old, new; "" where a sentence is gone or new), changed charts, or an error.
    ``status`` is "changed", "new" (only the new data make it) or "removed" (only the old)."""

    address: str  # the URL it is published at, e.g. /briefs/china/
    source: str  # the file it is made from; for a generated page, its template
    sentences: tuple[tuple[str, str], ...] = ()
    charts: tuple[str, ...] = ()
    error: str = ""
    status: str = "changed"


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
    values = Dataset.numbers(frame["value"], errors="coerce")
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


#: Tags that end a block of text: no sentence runs across them.
BLOCK = re.compile(r"<br\s*/?>|</?(?:p|li|ul|ol|h[1-6]|div|table|thead|tbody|tr|td|th|caption"
                   r"|blockquote|figure|figcaption|dl|dt|dd|pre|section|aside|hr)\b[^>]*>",
                   re.IGNORECASE)
TAG = re.compile(r"<[^>]*>")
#: Where one sentence ends and the next begins: after . ! or ? (and a closing quote or
#: bracket), before a capital, a digit, an opening quote or a sign; not after initials or
#: abbreviations such as "U.S." or "e.g.".
SENTENCE_BREAK = re.compile(
    r"(?:(?<=[.!?])|(?<=[.!?][\"'”’)]))"
    r"(?<!\b[A-Z]\.)(?<!\b[A-Z]\.[A-Z]\.)(?<!\be\.g\.)(?<!\bi\.e\.)(?<!\bvs\.)(?<!\bNo\.)"
    r"\s+(?=[\"“‘(]?[A-Z0-9$\u2212-])")
#: How many changed sentences the diff shows for one page.
MAX_SENTENCES = 20


def _plain(html: str) -> str:
    """Text as the reader sees it: tags stripped, entities decoded, whitespace collapsed."""
    return " ".join(unescape(TAG.sub("", html)).split())


def sentences(html: str) -> list[str]:
    """The sentences of some HTML, in reading order, as plain text (see :func:`_plain`)."""
    out: list[str] = []
    for block in BLOCK.split(html):
        text = _plain(block)
        if text:
            out += [s for s in SENTENCE_BREAK.split(text) if s]
    return out


def changed_sentences(old: list[str], new: list[str]) -> tuple[tuple[str, str], ...]:
    """The sentences that read differently, as (old, new) in reading order: a rewritten
    sentence is paired with the one in its place; one with no counterpart pairs with ""."""
    pairs: list[tuple[str, str]] = []
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op != "equal":
            pairs += zip_longest(old[i1:i2], new[j1:j2], fillvalue="")
    return tuple(pairs)


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
            lines += _page_lines(page, markdown)
    return "\n".join(lines) + "\n"


def _page_lines(page: PageChange, markdown: bool) -> list[str]:
    """One page of the diff: its address and source, then what changes on it. Markdown
    gives each page a heading, for a pull request's description."""
    where = f"{page.address} ({page.source})"
    lines = ["", f"### {_escape(where)}"] if markdown else [f"  {where}"]
    item = "- " if markdown else "    "
    if page.status == "new":
        lines.append(f"{item}new page")
    elif page.status == "removed":
        lines.append(f"{item}page removed")
    if page.error:
        said = "does not build" if page.status == "new" else "no longer builds"
        lines.append(f"{item}{said}: {_escape(page.error) if markdown else page.error}")
    for old, new in page.sentences[:MAX_SENTENCES]:
        lines.append(f"{item}{_quoted(old, markdown)} → {_quoted(new, markdown)}")
    more = len(page.sentences) - MAX_SENTENCES
    if more > 0:
        lines.append(f"{item}… and {more} more changed sentence{'s' if more > 1 else ''}")
    for chart in page.charts:
        lines.append(f"{item}chart {chart}: data changed")
    return lines


def _quoted(sentence: str, markdown: bool) -> str:
    if not sentence:
        return "(no sentence)"
    return f'"{_escape(sentence) if markdown else sentence}"'


#: Characters Markdown would read as formatting, or ($) GitHub as mathematics.
MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>#|~$])")


def _escape(text: str) -> str:
    """Text shown as itself in Markdown: characters that would format it are escaped."""
    return MARKDOWN_SPECIAL.sub(r"\\\1", text)
