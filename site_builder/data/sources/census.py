"""The US Census Bureau's international trade API (``timeseries/intltrade``).

A response is a JSON array of rows whose first row names the columns; every cell is text.
No data for a query is an empty ``204``; a bad query a plain-text ``400``; an invalid key an
HTML page with HTTP ``200`` (a missing one a ``302`` to one).
"""

from __future__ import annotations

import json
from collections.abc import Mapping

import pandas as pd

from site_builder.data.declarations import Declaration
from site_builder.data.http_client import FetchError, HttpClient, Response
from site_builder.data.sources import Fetched, missing_key

BASE = "https://api.census.gov/data/timeseries/intltrade"
KEY = "CENSUS_API_KEY"
KEY_URL = "https://api.census.gov/data/key_signup.html"


def fetch(name: str, decl: Declaration, http: HttpClient, env: Mapping[str, str]) -> Fetched:
    spec = decl.fetch
    assert spec is not None
    base = env.get("SITE_BUILDER_CENSUS_URL", "").rstrip("/") or BASE
    frames, shown = [], []
    for request in spec.requests:
        if not request.endpoint or not request.value:
            raise FetchError(f"dataset {name!r}: a Census request needs `endpoint` and `value`")
        params: dict[str, str | list[str]] = {**spec.params, **request.params}
        columns = [*spec.columns, request.value]
        params["get"] = ",".join(dict.fromkeys(columns))
        if spec.start:
            params["time"] = f"from {spec.start}" + (f" to {spec.end}" if spec.end else "")
        if not env.get(KEY):  # required on every request since May 2026
            raise missing_key(KEY, KEY_URL, f"the Census API (dataset {name!r})")
        params["key"] = env[KEY]
        response = http.get(f"{base}/{request.endpoint}", params, "Census")
        shown.append(response.request)
        frame = parse(response, request.value, spec.columns)
        for column, constant in request.set.items():
            frame[column] = constant
        frames.append(frame)
    frame = pd.concat(frames, ignore_index=True)
    missing = [d for d in decl.dimensions if d not in frame.columns]
    if missing:
        raise FetchError(f"dataset {name!r}: the Census rows set no {missing[0]!r}",
                         hint="Map an API column to it in `columns`, or set it per request.")
    vintage = f"Census international trade API, as retrieved {response.fetched_at[:10]}"
    return Fetched(name, frame[["period", *decl.dimensions, "value"]], " ; ".join(shown),
                   vintage)


def parse(response: Response, value: str, columns: Mapping[str, str]) -> pd.DataFrame:
    """The rows of one response, columns renamed to ours; ``time`` becomes ``period``."""
    if response.status == 204 or not response.body.strip():
        raise FetchError(f"Census: {response.request} returned no data (HTTP "
                         f"{response.status})", hint="Check the time range and the filters.")
    if response.text().lstrip().startswith("<"):
        # An invalid key is answered with HTTP 200 and an HTML page ("Invalid Key").
        raise FetchError(f"Census: {response.request} returned an HTML page instead of data "
                         f"(HTTP {response.status}): {KEY} was refused",
                         hint=f"Check the key in {KEY}, or get one at {KEY_URL}; trying "
                              "again will not help.")
    try:
        doc = json.loads(response.body)
    except ValueError:
        raise FetchError(f"Census: {response.request} returned malformed or truncated JSON",
                         hint="Try again; if it persists, check the query.") from None
    if not isinstance(doc, list) or len(doc) < 2 or not isinstance(doc[0], list):
        raise FetchError(f"Census: {response.request}: expected a header row and data rows")
    header, rows = doc[0], doc[1:]
    for needed in ("time", value, *columns):
        if needed not in header:
            raise FetchError(f"Census: {response.request}: no column {needed!r} in the "
                             f"response (columns: {', '.join(header)})")
    if any(not isinstance(r, list) or len(r) != len(header) for r in rows):
        raise FetchError(f"Census: {response.request}: a row has the wrong number of cells")
    frame = pd.DataFrame(rows, columns=header)
    out = pd.DataFrame({"period": frame["time"], "value": frame[value].fillna(".")})
    for api_column, ours in columns.items():
        out[ours] = frame[api_column]
    return out
