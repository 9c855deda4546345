"""FRED: the keyed JSON API (with ALFRED vintages) and the keyless CSV download.

Formats: see docs/data-apis.md. Observations carry ``date`` (``YYYY-MM-DD``) and ``value``
as text, ``"."`` for a missing value; the CSV has a header ``observation_date,ID`` (older
files: ``DATE,ID``). FRED lists a period before it has a value (``.``): trailing ones are
dropped, so they never become the newest period.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping

import pandas as pd

from site_builder.data.declarations import Declaration, FredSeries
from site_builder.data.http_client import FetchError, HttpClient, Response
from site_builder.data.snapshot import MISSING
from site_builder.data.sources import Fetched, missing_key, month_end, month_start

API_ROOT = "https://api.stlouisfed.org"
CSV_ROOT = "https://fred.stlouisfed.org"
KEY = "FRED_API_KEY"
KEY_URL = "https://fredaccount.stlouisfed.org/apikeys"


def fetch(name: str, decl: Declaration, http: HttpClient, env: Mapping[str, str]) -> Fetched:
    spec = decl.fetch
    assert spec is not None
    key = env.get(KEY, "")
    root = env.get("SITE_BUILDER_FRED_URL", "").rstrip("/")
    if spec.vintage is not None and not key:
        raise missing_key(KEY, KEY_URL, f"FRED vintages (dataset {name!r})")
    frames, shown = [], []
    for item in spec.series:
        if key:
            params = {"series_id": item.id, "api_key": key, "file_type": "json"}
            if spec.start:
                params["observation_start"] = month_start(spec.start)
            if spec.end:
                params["observation_end"] = month_end(spec.end)
            if spec.vintage is not None:
                params["realtime_start"] = params["realtime_end"] = spec.vintage.isoformat()
            response = http.get(f"{root or API_ROOT}/fred/series/observations", params, "FRED",
                                    explain=error_message)
            rows = parse_json(response, item.id)
        else:
            params = {"id": item.id}
            if spec.start:
                params["cosd"] = month_start(spec.start)
            if spec.end:
                params["coed"] = month_end(spec.end)
            response = http.get(f"{root or CSV_ROOT}/graph/fredgraph.csv", params, "FRED")
            rows = parse_csv(response, item.id)
        shown.append(response.request)
        frames.append(_tidy(listed_only_trimmed(rows), item, decl))
    frame = pd.concat(frames, ignore_index=True)
    if spec.vintage is not None:
        vintage = f"FRED (ALFRED), as it stood on {spec.vintage.isoformat()}"
    else:
        vintage = f"FRED, as retrieved {response.fetched_at[:10]}"
    return Fetched(name, frame, " ; ".join(shown), vintage)


def listed_only_trimmed(rows: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """``rows`` without the trailing periods FRED lists but has not valued yet (``.``): such
    a period must not become the series' newest. A ``.`` before the last value is kept, as
    a missing value."""
    end = len(rows)
    while end and rows[end - 1][1].strip() in MISSING:
        end -= 1
    return rows[:end] or rows  # all missing: left for validation to refuse


def _tidy(rows: list[tuple[str, str]], item: FredSeries, decl: Declaration) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["period", "value"])
    frame["period"] = frame["period"].str[:7]
    dims = item.dimensions()
    if "series_id" in decl.dimensions:
        dims.setdefault("series_id", item.id)
    for column in decl.dimensions:
        if column not in dims:
            raise FetchError(f"FRED series {item.id}: no value for dimension {column!r}",
                             hint=f"Add {column} = ... to the series in datasets.toml.")
        frame[column] = dims[column]
    return frame[["period", *decl.dimensions, "value"]]


def error_message(response: Response) -> str | None:
    """FRED's own words for an error answer: ``{"error_code":400,"error_message":"..."}``."""
    try:
        doc = json.loads(response.body)
    except ValueError:
        return None
    message = doc.get("error_message") if isinstance(doc, dict) else None
    return " ".join(str(message).split()) if message else None


def parse_json(response: Response, series_id: str) -> list[tuple[str, str]]:
    """(date, value) pairs from ``fred/series/observations``; refuses anything else."""
    try:
        doc = json.loads(response.body)
    except ValueError:
        kind = "an HTML page" if response.text().lstrip().startswith("<") else \
            "malformed or truncated JSON"
        raise FetchError(f"FRED: {response.request} returned {kind}",
                         hint="Try again; if it persists, the service is failing.") from None
    if not isinstance(doc, dict) or "observations" not in doc:
        message = doc.get("error_message") if isinstance(doc, dict) else None
        raise FetchError(f"FRED: {response.request}: "
                         f"{message or 'the response holds no observations'}")
    observations = doc["observations"]
    count = doc.get("count", len(observations))
    if len(observations) != count:
        raise FetchError(f"FRED: {response.request} returned {len(observations)} of {count} "
                         "observations", hint="The response was cut short; try again.")
    rows = []
    for obs in observations:
        if not isinstance(obs, dict) or "date" not in obs or "value" not in obs:
            raise FetchError(f"FRED: {response.request}: an observation lacks date or value")
        rows.append((obs["date"], obs["value"]))
    if not rows:
        raise FetchError(f"FRED: {response.request}: series {series_id} has no observations "
                         "in the requested range")
    return rows


def parse_csv(response: Response, series_id: str) -> list[tuple[str, str]]:
    """(date, value) pairs from the keyless ``fredgraph.csv`` download."""
    text = response.text()
    if text.lstrip().startswith("<"):
        raise FetchError(f"FRED: {response.request} returned an HTML page, not CSV",
                         hint="Check the series id and the base URL.")
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if header is None or len(header) != 2 or header[1] != series_id or \
            header[0] not in ("observation_date", "DATE"):
        raise FetchError(f"FRED: {response.request}: unexpected CSV header {header!r}",
                         hint=f"Expected observation_date,{series_id}.")
    rows = []
    for number, row in enumerate(reader, start=2):
        if len(row) != 2:
            raise FetchError(f"FRED: {response.request}: CSV line {number} is incomplete",
                             hint="The response was cut short; try again.")
        rows.append((row[0], row[1] or "."))
    if not rows:
        raise FetchError(f"FRED: {response.request}: the CSV holds no observations")
    return rows
