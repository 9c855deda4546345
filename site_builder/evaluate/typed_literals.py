"""Figures and claim words typed by hand: text in a brief that no expression produced.

Every figure in a brief is computed by an expression, and every claim word by a claim helper
that fails the build when the data disagree. Text typed straight into the prose is checked by
nothing, so ``check`` reports it as a ``typed`` problem. What counts:

- an amount: ``$`` followed by digits (``$5``, ``$1.2 trillion``), a number followed by
  ``million``, ``billion`` or ``trillion``, or a percentage (``6.6%``, ``6.6 percent``,
  ``6.6 per cent``, ``0.4 percentage points``);
- a claim word, as a whole word in any case: record, records, highest, lowest, surge, surged,
  widened, narrowed, all-time.

Where: the Markdown body of briefs, of generated-page templates and of pages, and in the front
matter the title, the summary and the labels of the headline and highlights; drafts are left
until they are published. Not scanned: whatever ``{{ }}``, ``{% %}`` and ``{# #}`` hold (so
``{{ literal("a record") }}``, the one way to mark typed words as intended, passes), fenced
blocks (```chart, ~~~chart and any other), inline code, link destinations and bare URLs, HTML
comments. A plain number (a year, ``2025-12``, ``March 12``, ``FT-900``) is never an amount.
The title and summary are shown as written, no expression runs in them, so there only a
generated page's ``{{ row.NAME }}`` fields are skipped: ``literal()`` cannot help there.

A handful of regex passes per file; YAML is parsed only when the front matter holds a match.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import yaml
from markupsafe import Markup, escape

from site_builder.content.source import compose_yaml, fenced_blocks
from site_builder.errors import SiteError

if TYPE_CHECKING:
    from site_builder.project import Project

# Each pattern starts with a plain character or set, which lets the regex engine skip ahead
# fast; they run on an ASCII-lower-cased copy of the text, and the whole-word and
# whole-number conditions at a match's start are checked in Python (_typed).
_NUMBER = r"[0-9]+(?:,[0-9]{3})*(?:\.[0-9]+)?"
_SCALE = r"(?:trillion|billion|million)\b"
DOLLARS = re.compile(rf"\$\s?{_NUMBER}(?:\s*{_SCALE})?")
NUMBER_WITH_UNIT = re.compile(
    rf"{_NUMBER}(?:\s*{_SCALE}|\s?%|\s*(?:percent|per\s+cent|percentage\s+points?)\b)")
CLAIM_WORD = re.compile(r"(?:records?|highest|lowest|surged?|widened|narrowed|all-time)\b")
_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")

#: What hides text from the scan is replaced by this, newlines kept: not a space, digit or
#: letter, so nothing typed around it joins up into a match.
HIDDEN = "\x00"
EXPRESSION = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.DOTALL)
ROW_FIELD = re.compile(r"\{\{\s*row\.[A-Za-z_]\w*\s*\}\}")  # as generate.ROW fills them
INLINE_CODE = re.compile(r"(?<!`)(`+)(?!`)(?:(?!\n[ \t]*\n).)+?(?<!`)\1(?!`)", re.DOTALL)
LINK_DESTINATION = re.compile(r"\]\(\s*(<[^>\n]*>|(?:[^\s()]|\([^\s()]*\))+)")
REFERENCE_DEFINITION = re.compile(r"^ {0,3}\[(?!\^)[^\]\n]+\]:[ \t]*(\S+)", re.MULTILINE)
URL = re.compile(r"(?:https?://|ftp://|mailto:|www\.)[^\s<>\"'`]+")  # lower-cased text
HTML_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
DRAFT = re.compile(r"^draft:\s*(?:true|True|TRUE)\s*(?:#.*)?$", re.MULTILINE)

#: The claim helper that states each word, or states what it stands for, for the hints.
CLAIM_HELPERS = {
    "record": "{{ record(series, period) }}", "records": "{{ record(series, period) }}",
    "all-time": "{{ record(series, period) }}", "highest": "{{ record(series, period) }}",
    "lowest": "{{ record(series, period, largest=False) }}",
    "surge": "{{ rose(new, old) }} by {{ pct(pct_change(new, old)) }}",
    "surged": "{{ rose(new, old) }} by {{ pct(pct_change(new, old)) }}",
    "widened": "{{ widened(new, old) }}", "narrowed": "{{ narrowed(new, old) }}",
}


def literal(text: str) -> Markup:
    """``{{ literal("a record") }}``: ``text`` shown as typed (HTML-escaped).

    The visible way to keep a typed figure or claim word (a quoted headline, a name), which
    the ``typed`` check then skips like any expression.
    """
    if not isinstance(text, str):
        raise SiteError(f"literal() takes words in quotes, got {type(text).__name__}",
                        hint='Write the text as typed, e.g. {{ literal("a record") }}; compute '
                             "figures with usd() or pct().")
    return escape(text)


@dataclass(frozen=True)
class Finding:
    """A figure or claim word typed by hand, at a line of the source file."""

    path: Path
    line: int
    text: str  # as typed, runs of whitespace made one space
    what: str  # "figure" or "claim word"
    place: str = ""  # "" in the body, else e.g. "the title", "highlight 2's label"

    @property
    def message(self) -> str:
        where = f" in {self.place}" if self.place else ""
        checked = "no expression computed it" if self.what == "figure" \
            else "no claim helper checked it"
        return f"typed {self.what} {self.text!r}{where}: {checked}"

    @property
    def hint(self) -> str:
        word = self.text.lower()
        helper = CLAIM_HELPERS.get(word, "a claim helper")
        if self.place in ("the title", "the summary"):
            if self.what == "figure":
                return (f"No expression runs in {self.place}, which is shown as written: reword "
                        "it without the figure, and give the figure in the text or the "
                        "highlights, where it is computed.")
            return (f"No expression runs in {self.place}, which is shown as written: reword it "
                    f"without {word!r}, and make the claim in the text with a claim helper, "
                    f"e.g. {helper}.")
        keep = f'{{{{ literal("{self.text}") }}}}'
        if self.what == "figure":
            compute = ("{{ pct(pct_change(new, old)) }}" if "%" in word or "per" in word
                       else "{{ usd(series(...).year(2024)) }}")
            return (f"Compute it from the data, e.g. {compute}; if it is meant as typed "
                    f"(a quotation), write {keep}.")
        return (f"Compute it with a claim helper, which fails when the data disagree, e.g. "
                f"{helper}; if the word is meant as typed (a quotation, a name), write {keep}.")


def _blank(text: str, fill: str = HIDDEN) -> str:
    """``text`` hidden, its newlines kept."""
    return "\n".join(fill * len(part) for part in text.split("\n"))


def _hide(match: re.Match[str], group: int = 0) -> str:
    """The match with ``group`` hidden."""
    start, end = match.start(group) - match.start(), match.end(group) - match.start()
    whole = match.group()
    return whole[:start] + _blank(whole[start:end]) + whole[end:]


def _hide_fences(text: str) -> str:
    """Fenced blocks hidden, fences included: ```chart, ~~~chart and any other."""
    lines = text.split("\n")
    for block in fenced_blocks(lines):
        end = len(lines) if block.end is None else block.end + 1
        lines[block.start:end] = [HIDDEN * len(line) for line in lines[block.start:end]]
    return "\n".join(lines)


def _hide_inline(text: str) -> str:
    """Inline code, HTML comments, link destinations and URLs hidden."""
    if "`" in text:
        text = INLINE_CODE.sub(_hide, text)
    text = HTML_COMMENT.sub(_hide, text)
    text = LINK_DESTINATION.sub(lambda m: _hide(m, 1), text)
    text = REFERENCE_DEFINITION.sub(lambda m: _hide(m, 1), text)
    return URL.sub(_hide, text)


def hide_body(text: str) -> str:
    """A Markdown body with all that is not typed prose hidden; the same length and lines."""
    return _hide_inline(EXPRESSION.sub(_hide, _hide_fences(text)))


def _typed(hidden: str, original: str) -> list[tuple[int, str, str]]:
    """(offset, text as typed, what) of each figure and claim word in ``hidden``, the
    ASCII-lower-cased ``original`` with what is not typed prose hidden."""
    found = [(m.start(), m.end(), "figure") for m in DOLLARS.finditer(hidden)]
    dollars = [(start, end) for start, end, _ in found]
    for pattern, what in ((NUMBER_WITH_UNIT, "figure"), (CLAIM_WORD, "claim word")):
        for match in pattern.finditer(hidden):
            start = match.start()
            before = hidden[start - 1] if start else " "
            if before.isalnum() or before == "_" or (
                    what == "figure" and any(a <= start < b for a, b in dollars)):
                continue  # part of a word or a longer number, or of a dollar amount
            found.append((start, match.end(), what))
    return [(start, " ".join(original[start:end].split()), what)
            for start, end, what in sorted(found)]


def _front_matter_values(head: str) -> Iterator[tuple[str, int, int]]:
    """(place, start, end) in ``head`` of the title, summary and labels, as written."""
    # Expressions are blanked for YAML's sake (`date: {{ row.date }}` is not a date), keeping
    # every offset, which count characters in either loader; the values are read from
    # ``head`` itself.
    try:
        root = compose_yaml(EXPRESSION.sub(lambda m: _blank(m.group(), " "), head))
    except yaml.YAMLError:
        return  # the build reports it
    if not isinstance(root, yaml.MappingNode):
        return
    for key, value in root.value:
        if key.value in ("title", "summary") and isinstance(value, yaml.ScalarNode):
            yield f"the {key.value}", value.start_mark.index, value.end_mark.index
        elif key.value == "headline":
            for label in _labels(value):
                yield "the headline's label", label.start_mark.index, label.end_mark.index
        elif key.value == "highlights" and isinstance(value, yaml.SequenceNode):
            for number, item in enumerate(value.value, start=1):
                for label in _labels(item):
                    yield f"highlight {number}'s label", label.start_mark.index, \
                        label.end_mark.index


def _labels(node: yaml.Node) -> Iterator[yaml.ScalarNode]:
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if key.value == "label" and isinstance(value, yaml.ScalarNode):
                yield value


def scan_text(text: str, path: Path) -> list[Finding]:
    """Every figure and claim word typed by hand in the source ``text`` of ``path``."""
    lower = text.translate(_LOWER)  # same length: every offset holds in both
    lines = text.split("\n")
    found: list[tuple[int, str, str, str]] = []  # (offset in text, typed, what, place)
    body_start = 0
    if lines[0].strip() == "---":
        close = next((n for n in range(1, len(lines)) if lines[n].strip() in ("---", "...")),
                     None)
        if close is None:
            return []  # the front matter is never closed: the build reports it
        head_start = len(lines[0]) + 1
        body_start = sum(len(line) + 1 for line in lines[:close + 1])
        head = text[head_start:body_start - len(lines[close]) - 1]
        lower_head = lower[head_start:head_start + len(head)]
        if _typed(lower_head, head):
            for place, start, end in _front_matter_values(head):
                # A label is evaluated, as the body is; the title and summary are shown as
                # written, save for a generated page's {{ row.NAME }} fields.
                pattern = ROW_FIELD if place in ("the title", "the summary") else EXPRESSION
                hidden = _hide_inline(pattern.sub(_hide, lower_head[start:end]))
                found += [(head_start + start + offset, typed, what, place)
                          for offset, typed, what in _typed(hidden, head[start:end])]
    body = hide_body(lower[body_start:])
    found += [(body_start + offset, typed, what, "")
              for offset, typed, what in _typed(body, text[body_start:])]
    return [Finding(path, text.count("\n", 0, offset) + 1, typed, what, place)
            for offset, typed, what, place in sorted(found)]


def scan_file(path: Path) -> list[Finding]:
    """Every figure and claim word typed by hand in one Markdown file."""
    try:
        return scan_text(path.read_text(encoding="utf-8"), path)
    except UnicodeDecodeError:
        return []  # the build reports it


def scan_project(project: Project) -> list[Finding]:
    """Typed figures and claim words in every brief, generated-page template and page that
    is published: drafts (``draft: true``) are left until they are."""
    found = []
    for folder in (project.briefs, project.generated, project.pages):
        for path in sorted(folder.glob("*.md")):
            try:
                text = path.read_text(encoding="utf-8")
            except UnicodeDecodeError:
                continue  # the build reports it
            head = text.split("\n---", 1)[0] if text.startswith("---") else ""
            if not DRAFT.search(head):
                found += scan_text(text, path)
    return found
