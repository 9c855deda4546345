"""Chart blocks in a brief's body: found, parsed as YAML, and set aside."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from site_builder.content.document import YAMLRefused, load_yaml
from site_builder.errors import SiteError

OPEN_FENCE = re.compile(r"^(`{3,}|~{3,})\s*chart\s*$")
PLACEHOLDER = '<div data-chart-slot="{}"></div>'


@dataclass(frozen=True)
class ChartBlock:
    """A ```chart fenced block: its YAML spec and the file line where it opens."""

    number: int
    line: int
    spec: dict[str, Any]


def extract_charts(body: str, path: Path, body_line: int) -> tuple[str, list[ChartBlock]]:
    """Replace each chart block by a placeholder, keeping line numbers of the rest intact."""
    lines = body.split("\n")
    blocks: list[ChartBlock] = []
    index = 0
    while index < len(lines):
        match = OPEN_FENCE.match(lines[index])
        if not match:
            index += 1
            continue
        fence = match.group(1)
        end = next((j for j in range(index + 1, len(lines))
                    if lines[j].strip() == fence), None)
        line = body_line + index
        if end is None:
            raise SiteError("chart block is never closed", path, line,
                            hint=f"End it with a line holding only {fence}.")
        text = "\n".join(lines[index + 1:end])
        try:
            spec = load_yaml(text) or {}
        except YAMLRefused as exc:
            mark = exc.problem_mark
            raise SiteError(f"chart block: {exc.problem}", path,
                            line + 1 + mark.line if mark is not None else line,
                            hint="Write each value out in full; README, 'What a brief can and "
                                 "cannot do'.") from exc
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            at = line + 1 + mark.line if mark is not None else line
            raise SiteError(f"chart block is not valid YAML: {getattr(exc, 'problem', exc)}",
                            path, at, hint="Check indentation; README, 'Charts', has examples.") \
                from exc
        if not isinstance(spec, dict):
            raise SiteError("a chart block holds `key: value` lines", path, line)
        blocks.append(ChartBlock(len(blocks), line, spec))
        span = end - index + 1
        lines[index:end + 1] = ["", PLACEHOLDER.format(blocks[-1].number), ""] + [""] * (span - 3)
        index = end + 1
    return "\n".join(lines), blocks
