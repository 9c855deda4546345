"""A source file taken apart: front matter, body, and the fenced blocks of the body.

The one place that knows where front matter ends, what opens and closes a fenced block (and
so what a chart block is), and how YAML is loaded, with what a brief may not hold.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from site_builder.errors import SiteError

#: Lower-case words joined by hyphens: a page's slug, a parameters row's, a chart's id.
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def front_matter_bounds(text: str) -> tuple[int, int, int] | None:
    """Where the front matter of ``text`` is, as offsets: the start of its YAML, of the line
    that closes it (three dashes, or three dots) and of the body. None when the first line is
    not three dashes or nothing closes the front matter."""
    lines = text.split("\n")
    if lines[0].strip() != "---":
        return None
    start = offset = len(lines[0]) + 1
    for line in lines[1:]:
        if line.strip() in ("---", "..."):
            return start, offset, min(offset + len(line) + 1, len(text))
        offset += len(line) + 1
    return None


def split_front_matter(text: str, path: Path) -> tuple[str, str, int]:
    """Return (yaml text, body, line of the body's first line)."""
    bounds = front_matter_bounds(text)
    if bounds is None and text.split("\n", 1)[0].strip() != "---":
        raise SiteError("no front matter: the file must begin with a line of three dashes",
                        path, 1, hint="Start with ---, then title/date/summary, then ---.")
    if bounds is None:
        raise SiteError("the front matter is never closed", path, 1,
                        hint="End the front matter with a line of three dashes (---).")
    start, close, body = bounds
    return text[start:close], text[body:], text.count("\n", 0, close) + 2


#: An opening fence: up to three spaces, three or more backticks or tildes, an info string.
FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})(.*)$")
CHART = "chart"


@dataclass(frozen=True)
class Fenced:
    """A fenced block: indices of the lines of its opening and closing fences."""

    start: int
    end: int | None  # None: never closed, it runs to the end of the text
    fence: str  # the opening fence, e.g. ``` or ~~~~
    chart: bool  # a chart block: ```chart or ~~~chart, not indented


def fenced_blocks(lines: list[str]) -> Iterator[Fenced]:
    """The fenced blocks of ``lines``, in order. A backtick fence's info string holds no
    backtick (CommonMark); a block closes at a line holding only its fence character, at
    least as many as opened it, indented or not. Nothing opens inside a block."""
    index = 0
    while index < len(lines):
        match = FENCE.match(lines[index])
        if match is None or (match.group(1)[0] == "`" and "`" in match.group(2)):
            index += 1
            continue
        fence = match.group(1)
        end = next((j for j in range(index + 1, len(lines)) if _closes(lines[j], fence)), None)
        yield Fenced(index, end, fence, match.start(1) == 0 and match.group(2).strip() == CHART)
        if end is None:
            return
        index = end + 1


def _closes(line: str, fence: str) -> bool:
    closing = line.strip()
    return len(closing) >= len(fence) and closing == fence[0] * len(closing)


def chart_blocks(lines: list[str]) -> list[Fenced]:
    """The chart blocks among :func:`fenced_blocks`."""
    return [block for block in fenced_blocks(lines) if block.chart]


def holds_chart(text: str) -> bool:
    """Whether ``text`` holds a chart block, closed or not."""
    return CHART in text and any(block.chart for block in fenced_blocks(text.split("\n")))


# libyaml's parser where PyYAML was built with it: the same nodes and marks, ten times faster
YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
#: How deep lists and mappings may nest in front matter and chart blocks.
MAX_YAML_DEPTH = 50


class YAMLRefused(yaml.YAMLError):
    """YAML that parses but that a brief may not hold: anchors, aliases, deep nesting.
    ``problem_mark`` is where, as in PyYAML's own errors (``.line`` counts from 0)."""

    def __init__(self, problem: str, problem_mark: Any) -> None:
        super().__init__(problem)
        self.problem = problem
        self.problem_mark = problem_mark


def refuse_yaml(text: str) -> None:
    """Refuse anchors and aliases (``&name``, ``*name``: an alias bomb expands a few hundred
    bytes into gigabytes) and nesting deeper than :data:`MAX_YAML_DEPTH`, from the event
    stream, before any node or value is built. Raises :class:`YAMLRefused` at the place."""
    # Every list or mapping starts at one of these indicators, so text with fewer of them
    # cannot nest too deep; without & and * it holds no anchor or alias.
    starts = sum(text.count(c) for c in "[{-:?")
    if "*" not in text and "&" not in text and starts <= MAX_YAML_DEPTH:
        return
    depth = 0
    for event in yaml.parse(text, Loader=YAML_LOADER):
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            raise YAMLRefused("anchors and aliases (&name, *name) are not allowed",
                              event.start_mark)
        if isinstance(event, yaml.SequenceStartEvent | yaml.MappingStartEvent):
            depth += 1
            if depth > MAX_YAML_DEPTH:
                raise YAMLRefused(f"lists and mappings nest more than {MAX_YAML_DEPTH} deep",
                                  event.start_mark)
        elif isinstance(event, yaml.SequenceEndEvent | yaml.MappingEndEvent):
            depth -= 1


def compose_yaml(text: str) -> yaml.Node | None:
    """The YAML node tree of ``text``, refused as :func:`refuse_yaml` says."""
    refuse_yaml(text)
    return yaml.compose(text, Loader=YAML_LOADER)


def load_yaml(text: str) -> Any:
    """The YAML value of ``text``, refused as :func:`refuse_yaml` says."""
    refuse_yaml(text)
    return yaml.load(text, Loader=YAML_LOADER)
