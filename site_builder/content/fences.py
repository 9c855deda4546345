"""Chart blocks in a brief's body: found, parsed as YAML, and set aside."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from site_builder.content.source import YAMLRefused, chart_blocks, load_yaml
from site_builder.errors import SiteError

PLACEHOLDER = '<div data-chart-slot="{}"></div>'


@dataclass(frozen=True)
class ChartBlock:
    """A chart block (```chart or ~~~chart): its YAML spec and the file line where it opens."""

    number: int
    line: int
    spec: dict[str, Any]
    text: str = ""  # the YAML as written, to place an error at the line of a nested item


def extract_charts(body: str, path: Path, body_line: int) -> tuple[str, list[ChartBlock]]:
    """Replace each chart block by a placeholder, keeping line numbers of the rest intact."""
    lines = body.split("\n")
    out: list[str] = []
    blocks: list[ChartBlock] = []
    done = 0  # lines before this one are in ``out``
    for fenced in chart_blocks(lines):
        line = body_line + fenced.start
        if fenced.end is None:
            raise SiteError("chart block is never closed", path, line,
                            hint=f"End it with a line holding only {fenced.fence}.")
        text = "\n".join(lines[fenced.start + 1:fenced.end])
        blocks.append(ChartBlock(len(blocks), line, _spec(text, path, line), text))
        span = fenced.end - fenced.start + 1
        out += lines[done:fenced.start]
        out += ["", PLACEHOLDER.format(blocks[-1].number), ""] + [""] * (span - 3)
        done = fenced.end + 1
    return "\n".join(out + lines[done:]), blocks


def _spec(text: str, path: Path, line: int) -> dict[str, Any]:
    """The YAML mapping of a chart block that opens at ``line`` of the file."""
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
    return spec
