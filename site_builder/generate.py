"""Pages generated from data: one brief per row of a parameters table, or per newest month.

A template in ``content/generated/`` is a brief whose front matter names its rows::

    generate: {params: partners}        # each [[row]] of content/data/params/partners.toml
    generate: {latest: bop_monthly}     # one row: the newest month of that dataset

Each row becomes a brief of its own. In the template's front matter and chart blocks
``{{ row.NAME }}`` is replaced by the row's value; in its text, ``row`` is a variable
expressions can use (``{% if row.flows == "both" %}``, ``series(..., partner=row.fred)``).
"""

from __future__ import annotations

import calendar as months
import json
import re
import tomllib
from pathlib import Path
from typing import Any

import yaml

from site_builder import calendar
from site_builder.content import split_front_matter
from site_builder.data.snapshot import Snapshot
from site_builder.errors import SiteError

ROW = re.compile(r"\{\{\s*row\.([A-Za-z_]\w*)\s*\}\}")
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def fill(text: str, row: dict[str, Any], path: Path) -> str:
    """Replace ``{{ row.NAME }}`` in ``text`` by the row's values."""
    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in row:
            line = text.count("\n", 0, match.start()) + 1
            raise SiteError(f"row {row.get('slug', '?')!r} has no field {name!r}", path, line,
                            hint=f"Its fields: {', '.join(sorted(row))}.")
        return str(row[name])

    return ROW.sub(value, text)


def expand(path: Path, text: str, project_content: Path, snapshot: Snapshot
           ) -> list[tuple[str, dict[str, Any]]]:
    """The briefs a template makes: (source text for that row, the row), row by row."""
    raw, body, _ = split_front_matter(text, path)
    # Only the generate line is read here: the rest is YAML once the row fields are filled.
    line = next((i for i, t in enumerate(raw.split("\n")) if t.startswith("generate:")), None)
    try:
        spec = yaml.safe_load(raw.split("\n")[line])["generate"] if line is not None else None
    except yaml.YAMLError:
        spec = None
    if not isinstance(spec, dict) or len(spec) != 1 or not spec.keys() <= {"params", "latest"}:
        raise SiteError("a generated page needs `generate: {params: NAME}` or "
                        "`generate: {latest: DATASET}` in its front matter",
                        path, 2 if line is None else line + 2,
                        hint="Write it on one line, e.g. `generate: {params: partners}`.")
    if "params" in spec:
        rows = params(project_content / "data" / "params" / f"{spec['params']}.toml")
    else:
        rows = [latest_row(snapshot, str(spec["latest"]), project_content)]
    lines = raw.split("\n")
    if sum(line.startswith("generate:") for line in lines) != 1:
        raise SiteError("write `generate:` on one line, e.g. `generate: {params: partners}`",
                        path, 2)
    # The generate line is blanked, not dropped, so every other line keeps its number.
    head = "\n".join("" if line.startswith("generate:") else line for line in lines)
    return [("---\n" + fill(head, row, path) + "---\n" + fill_charts(body, row, path), row)
            for row in rows]


def fill_charts(body: str, row: dict[str, Any], path: Path) -> str:
    """Row fields inside ```chart blocks; the rest of the text keeps its expressions."""
    parts = re.split(r"(^```chart\n.*?^```$)", body, flags=re.M | re.S)
    return "".join(fill(p, row, path) if p.startswith("```chart") else p for p in parts)


def params(path: Path) -> list[dict[str, Any]]:
    """The ``[[row]]`` tables of a parameters file; each needs a unique ``slug``."""
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise SiteError("parameters file not found", path,
                        hint="Create it with one [[row]] table per page.") from exc
    except tomllib.TOMLDecodeError as exc:
        raise SiteError(f"not valid TOML: {exc}", path) from exc
    rows = doc.get("row")
    if not isinstance(rows, list) or not rows or set(doc) != {"row"}:
        raise SiteError("a parameters file holds only [[row]] tables", path)
    seen: set[str] = set()
    for number, row in enumerate(rows, start=1):
        slug = str(row.get("slug", ""))
        if not SLUG.match(slug) or slug in seen:
            raise SiteError(f"row {number}: slug {slug!r} is missing, repeated or not lower-case "
                            "words joined by hyphens", path)
        seen.add(slug)
    return rows


def latest_row(snapshot: Snapshot, dataset: str, content: Path) -> dict[str, Any]:
    """One row for the newest month of ``dataset``: the month, the one before, the year, and
    the release dates the calendar gives for it and for the next month."""
    meta = snapshot.meta(dataset)
    period = meta.last
    if len(period) != 7:
        raise SiteError(f"dataset {dataset!r} is not monthly; `latest` needs months")
    year, month = int(period[:4]), int(period[5:])
    previous = f"{year - (month == 1)}-{12 if month == 1 else month - 1:02d}"
    following = f"{year + (month == 12)}-{1 if month == 12 else month + 1:02d}"
    releases = calendar.load_calendar(content / "data" / "releases.toml")
    published = next((r for r in releases if r.covers == period), None)
    upcoming = next((r for r in releases if r.covers == following), None)
    return {
        "slug": "latest-release", "period": period, "previous": previous, "year": str(year),
        "month": f"{months.month_name[month]} {year}", "january": f"{year}-01",
        "previous_year_january": f"{year - 1}-01", "previous_year_same": f"{year - 1}-{month:02d}",
        "date": (published.date.isoformat() if published else meta.retrieved[:10]),
        "next_release": upcoming.date.isoformat() if upcoming else "",
    }


def row_key(row: dict[str, Any]) -> bytes:
    """The row as bytes, for the build cache's hash of a generated page."""
    return json.dumps(row, sort_keys=True, default=str).encode()
