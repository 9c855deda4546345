"""The BEA API: ``GetData`` for international transactions (ITA) and services (IntlServTrade).

BEA reports most errors inside an HTTP 200 answer, as ``BEAAPI.Error`` or
``BEAAPI.Results.Error``; values are text with thousands separators, scaled by ``UNIT_MULT``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

import pandas as pd

from site_builder.data.declarations import Declaration
from site_builder.data.http import FetchError, HttpClient, Response
from site_builder.data.snapshot import UNIT_SCALES
from site_builder.data.sources import Fetched, missing_key

BASE = "https://apps.bea.gov/api/data"
KEY = "BEA_API_KEY"
KEY_URL = "https://apps.bea.gov/API/signup/"


def fetch(name: str, decl: Declaration, http: HttpClient, env: Mapping[str, str]) -> Fetched:
    spec = decl.fetch
    assert spec is not None
    key = env.get(KEY, "")
    if not key:
        raise missing_key(KEY, KEY_URL, f"BEA (dataset {name!r})")
    base = env.get("SITE_BUILDER_BEA_URL", "").rstrip("/") or BASE
    scale = UNIT_SCALES[decl.units][1]
    frames, shown = [], []
    for request in spec.requests or ():
        params: dict[str, str | list[str]] = {
            "UserID": key, "method": "GetData", "DataSetName": spec.dataset,
            "ResultFormat": "JSON", **spec.params, **request.params}
        response = http.get(base, params, "BEA")
        shown.append(response.request)
        frame = parse(response, spec.columns, scale)
        for column, constant in request.set.items():
            frame[column] = constant
        frames.append(frame)
    if not frames:
        raise FetchError(f"dataset {name!r}: a BEA fetch needs at least one request")
    frame = pd.concat(frames, ignore_index=True)
    if spec.start:
        frame = frame[frame["period"] >= spec.start]
    vintage = f"BEA API, as retrieved {response.fetched_at[:10]}"
    return Fetched(name, frame[["period", *decl.dimensions, "value"]].reset_index(drop=True),
                   " ; ".join(shown), vintage)


def _error(beaapi: dict[str, Any]) -> dict[str, Any] | None:
    results = beaapi.get("Results")
    nested = results.get("Error") if isinstance(results, dict) else None
    found = beaapi.get("Error") or nested
    return found if isinstance(found, dict) else None


def parse(response: Response, columns: Mapping[str, str], scale: float) -> pd.DataFrame:
    """Tidy rows of one ``GetData`` answer, values converted to the dataset's units."""
    try:
        doc = json.loads(response.body)
    except ValueError:
        kind = "an HTML page" if response.text().lstrip().startswith("<") else \
            "malformed or truncated JSON"
        raise FetchError(f"BEA: {response.request} returned {kind}",
                         hint="Try again; if it persists, the service is failing.") from None
    beaapi = doc.get("BEAAPI") if isinstance(doc, dict) else None
    if not isinstance(beaapi, dict):
        raise FetchError(f"BEA: {response.request}: the answer has no BEAAPI object")
    error = _error(beaapi)
    if error is not None:
        code = error.get("APIErrorCode", "?")
        text = error.get("APIErrorDescription", "no description")
        detail = error.get("ErrorDetail", {}).get("Description", "") \
            if isinstance(error.get("ErrorDetail"), dict) else ""
        raise FetchError(f"BEA: {response.request}: error {code}: {text}"
                         + (f" ({detail})" if detail else ""),
                         hint="Check the key and the dataset's parameters in datasets.toml.")
    results = beaapi.get("Results")
    data = results.get("Data") if isinstance(results, dict) else None
    if isinstance(data, dict):  # a single row may come as an object, not a list
        data = [data]
    if not isinstance(data, list) or not data:
        raise FetchError(f"BEA: {response.request}: the answer holds no data rows")
    rows = []
    for item in data:
        period = _period(str(item.get("TimePeriod", "")), response)
        raw = str(item.get("DataValue", "")).replace(",", "").strip()
        mult = str(item.get("UNIT_MULT", "0"))
        if not mult.lstrip("-").isdigit():
            raise FetchError(f"BEA: {response.request}: unreadable UNIT_MULT {mult!r}")
        if raw in ("", "(D)", "(NA)", "..."):
            value = "."
        else:
            try:
                value = repr(float(raw) * 10 ** int(mult) / scale)
            except ValueError:
                raise FetchError(f"BEA: {response.request}: unreadable DataValue "
                                 f"{item.get('DataValue')!r}") from None
        row = {"period": period, "value": value}
        for api_column, ours in columns.items():
            if api_column not in item:
                raise FetchError(f"BEA: {response.request}: rows lack {api_column!r}")
            row[ours] = str(item[api_column])
        rows.append(row)
    return pd.DataFrame(rows)


def _period(text: str, response: Response) -> str:
    if re.fullmatch(r"\d{4}", text):
        return text
    monthly = re.fullmatch(r"(\d{4})M(\d{2})", text)
    if monthly:
        return f"{monthly.group(1)}-{monthly.group(2)}"
    raise FetchError(f"BEA: {response.request}: period {text!r} is neither a year nor a month",
                     hint="Ask for annual (Frequency=A) or monthly data.")
