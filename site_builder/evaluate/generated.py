"""Pages generated from data: one brief per row of a parameters table, or per newest month.

A template in ``content/generated/`` is a brief whose front matter names its rows::

    generate: {params: partners}        # each [[row]] of content/data/params/partners.toml
    generate: {latest: bop_monthly}     # one row: the newest month of that dataset
    generate: {latest: BOPGSTB}         # one row: the newest month of that official series,
                                        # across every vintage the snapshot holds

Each row becomes a brief of its own. In the template's front matter and chart blocks
``{{ row.NAME }}`` is replaced by the row's value; in its text, ``row`` is a variable
expressions can use (``{% if row.flows == "both" %}``, ``series(..., partner=row.fred)``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import tomllib
from pathlib import Path
from typing import Any

import yaml

from site_builder import formatting
from site_builder.atomic import write_file
from site_builder.content.source import SLUG, chart_blocks, load_yaml, split_front_matter
from site_builder.data.snapshot import Snapshot
from site_builder.errors import SiteError
from site_builder.releases import load_calendar, next_after

#: Pages one parameters file may generate: each sees every other (``rank``).
MAX_ROWS = 1_000
ROW = re.compile(r"\{\{\s*row\.([A-Za-z_]\w*)\s*\}\}")


def fill(text: str, row: dict[str, Any], path: Path, first_line: int = 1) -> str:
    """Replace ``{{ row.NAME }}`` in ``text``, which starts at ``first_line`` of ``path``,
    by the row's values."""
    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in row:
            line = first_line + text.count("\n", 0, match.start())
            raise SiteError(f"row {row.get('slug', '?')!r} has no field {name!r}", path, line,
                            hint=f"Its fields: {', '.join(sorted(row))}.")
        return str(row[name])

    return ROW.sub(value, text)


def expand(path: Path, text: str, project_content: Path, snapshot: Snapshot,
           today: dt.date | None = None, memo: Path | None = None
           ) -> list[tuple[str, dict[str, Any]]]:
    """The briefs a template makes: (source text for that row, the row), row by row.
    ``today``: the build's day, which decides the next release (default: today); ``memo``:
    a folder where the newest month of a series is kept between builds."""
    raw, body, body_line = split_front_matter(text, path)
    # Only the generate line is read here: the rest is YAML once the row fields are filled.
    line = next((i for i, t in enumerate(raw.split("\n")) if t.startswith("generate:")), None)
    try:
        loaded = load_yaml(raw.split("\n")[line]) if line is not None else None
    except yaml.YAMLError:
        loaded = None
    spec = loaded.get("generate") if isinstance(loaded, dict) else None
    if not isinstance(spec, dict) or len(spec) != 1 or not spec.keys() <= {"params", "latest"}:
        raise SiteError("a generated page needs `generate: {params: NAME}` or "
                        "`generate: {latest: DATASET}` (or `{latest: SERIES_ID}`) in its "
                        "front matter",
                        path, 2 if line is None else line + 2,
                        hint="Write it on one line, e.g. `generate: {params: partners}`.")
    if "params" in spec:
        rows = params(project_content / "data" / "params" / f"{spec['params']}.toml")
        # every row sees the others, so that a page can say where it ranks among them: one
        # tuple shared by all, so that the rows cost memory in proportion to their number
        peers = tuple(dict(peer) for peer in rows)
        rows = [{**row, "peers": peers} for row in rows]
    else:
        rows = [latest_row(snapshot, str(spec["latest"]), project_content, today, memo)]
    lines = raw.split("\n")
    if sum(line.startswith("generate:") for line in lines) != 1:
        raise SiteError("write `generate:` on one line, e.g. `generate: {params: partners}`",
                        path, 2)
    # The generate line is blanked, not dropped, so every other line keeps its number.
    head = "\n".join("" if line.startswith("generate:") else line for line in lines)
    return [("---\n" + fill(head, row, path, 2) + "---\n" + fill_charts(body, row, path, body_line),
             row) for row in rows]


def fill_charts(body: str, row: dict[str, Any], path: Path, body_line: int) -> str:
    """Row fields inside chart blocks of ``body`` (which starts at ``body_line`` of
    ``path``); the rest of the text keeps its expressions."""
    lines = body.split("\n")
    out: list[str] = []
    done = 0  # lines before this one are in ``out``
    for block in chart_blocks(lines):
        end = len(lines) if block.end is None else block.end + 1
        out += lines[done:block.start]
        out.append(fill("\n".join(lines[block.start:end]), row, path, body_line + block.start))
        done = end
    return "\n".join(out + lines[done:])


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
    if len(rows) > MAX_ROWS:
        raise SiteError(f"{len(rows):,} rows: a parameters file gives at most {MAX_ROWS:,} "
                        "pages", path, hint="Split it into several files, each with its own "
                        "template in content/generated/.")
    seen: set[str] = set()
    for number, row in enumerate(rows, start=1):
        slug = str(row.get("slug", ""))
        if not SLUG.match(slug) or slug in seen:
            raise SiteError(f"row {number}: slug {slug!r} is missing, repeated or not lower-case "
                            "words joined by hyphens", path)
        seen.add(slug)
    return rows


def latest_row(snapshot: Snapshot, name: str, content: Path, today: dt.date | None = None,
               memo: Path | None = None) -> dict[str, Any]:
    """One row for the newest month of ``name``: a dataset, or an official series id (its
    newest month across every vintage in the snapshot). The month, the one before, the year,
    the day that month was published (the calendar's release covering it, else the day its
    data were retrieved) and the first release the calendar lists after ``today``."""
    today = today or dt.date.today()
    if name in snapshot.metas:
        meta = snapshot.meta(name)
        period = meta.last
        if len(period) != 7:
            raise SiteError(f"dataset {name!r} is not monthly; `latest` needs months")
    else:
        period, dataset = _remembered(snapshot, name, memo)
        meta = snapshot.meta(dataset)
    year, month = int(period[:4]), int(period[5:])
    previous = f"{year - (month == 1)}-{12 if month == 1 else month - 1:02d}"
    releases = load_calendar(content / "data" / "releases.toml")
    published = next((r for r in releases if r.covers == period), None)
    upcoming = next_after(releases, today)
    return {
        "slug": "latest-release", "latest": name, "period": period, "previous": previous,
        "year": str(year),
        "month": formatting.period(period), "january": f"{year}-01",
        "previous_year_january": f"{year - 1}-01", "previous_year_same": f"{year - 1}-{month:02d}",
        "previous_year_month": formatting.period(f"{year - 1}-{month:02d}"),
        "date": (published.date.isoformat() if published else meta.retrieved[:10]),
        "next_release": upcoming.date.isoformat() if upcoming else "",
        "next_covers": upcoming.covers if upcoming else "",
    }


def _remembered(snapshot: Snapshot, series: str, memo: Path | None) -> tuple[str, str]:
    """:func:`_newest_of_series`, kept in ``memo`` under a hash of all it depends on (the
    snapshot's lock entries, the series mappings and the release calendar), so that a build
    with nothing to do need not read every table of the snapshot to find it."""
    if memo is None:
        return _newest_of_series(snapshot, series)
    folder = snapshot.lock_path.parent
    inputs = [json.dumps({n: m.to_json() for n, m in sorted(snapshot.metas.items())},
                         sort_keys=True, default=str).encode()]
    for name in ("datasets.toml", "releases.toml"):
        path = folder / name
        inputs.append(path.read_bytes() if path.exists() else b"\0")
    key = hashlib.sha256(b"\0".join([series.encode(), *inputs])).hexdigest()
    path = memo / f"latest-{re.sub(r'[^A-Za-z0-9_-]', '_', series)}.json"
    try:
        kept = json.loads(path.read_text(encoding="utf-8"))
        if kept["key"] == key:
            return str(kept["period"]), str(kept["dataset"])
    except (OSError, ValueError, KeyError, TypeError):
        pass
    period, dataset = _newest_of_series(snapshot, series)
    write_file(path, json.dumps({"key": key, "period": period, "dataset": dataset}).encode())
    return period, dataset


def _newest_of_series(snapshot: Snapshot, series: str) -> tuple[str, str]:
    """The newest month of an official series across all its vintages, and the dataset of
    the newest vintage holding it (the copy its current value comes from)."""
    index = snapshot.index()
    if series not in index.ids():
        if series in snapshot.declared():
            snapshot.meta(series)  # raises "declared but not fetched yet"
        raise SiteError(f"`latest` names {series!r}, which is neither a dataset nor an "
                        "official series in the snapshot",
                        hint="Datasets: " + ", ".join(snapshot.names()) + ". Series: "
                             + ", ".join(index.ids()) + ".")
    try:
        values = index.current(series, monthly=True).values
    except SiteError:
        raise SiteError(f"series {series!r} has no monthly values; `latest` needs months",
                        hint="`python -m site_builder datasets` lists every series.") from None
    period = str(values.index[-1])
    rows = index.rows
    holding = rows[(rows["id"] == series) & (rows["period"] == period)]
    # As SeriesIndex.current chooses: the newest copy; on a tie, one that is a whole dataset.
    newest = holding.assign(plain=holding["column"] == "").sort_values(
        ["date", "plain", "dataset", "within"]).iloc[-1]
    return period, str(newest["dataset"])


def row_key(row: dict[str, Any]) -> bytes:
    """The row as bytes, for the build cache's hash of a generated page."""
    return json.dumps(row, sort_keys=True, default=str).encode()
