"""The BEA API: ``GetData`` for international transactions (ITA) and services (IntlServTrade).

BEA reports most errors inside an HTTP 200 answer, as ``BEAAPI.Error`` or
``BEAAPI.Results.Error`` (an object or a list); values are text with thousands separators,
scaled by ``UNIT_MULT``, or a marker read as missing (:data:`MISSING_MARKERS`). Bodies may be
ISO-8859-1.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

import pandas as pd

from site_builder.data.declarations import Declaration
from site_builder.data.http_client import FetchError, HttpClient, Response
from site_builder.data.snapshot import MISSING, UNIT_SCALES
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


#: BEA's markers for a cell without a number, beside the snapshot's own (:data:`MISSING`),
#: all read as missing (``.``): ``(D)`` suppressed to avoid disclosing a company's data,
#: ``(*)`` a value between -$500,000 and +$500,000 (not zero, so not written as 0),
#: ``n.a.``/``(NA)`` not available, ``...`` and ``""`` nothing published. None stops the
#: fetch; the missing check of ``fetch`` still refuses one that replaces a value the snapshot
#: has (unless ``--allow-missing``).
MISSING_MARKERS = MISSING | {"(D)", "(*)", "n.a.", "(NA)", "NA", "...", "(X)", "(S)"}
KEY_ERRORS = frozenset({"1", "3", "4"})  # unknown, non-existent or inactive UserID


def _results(beaapi: dict[str, Any]) -> dict[str, Any] | None:
    """``BEAAPI.Results``; a one-element list (some datasets) is unwrapped."""
    results = beaapi.get("Results")
    if isinstance(results, list) and results and isinstance(results[0], dict):
        results = results[0]
    return results if isinstance(results, dict) else None


def _errors(beaapi: dict[str, Any]) -> list[dict[str, Any]]:
    """Every error in ``BEAAPI.Error`` or ``BEAAPI.Results.Error``: each an object, or a
    list of objects (bare, or wrapped as ``{"error": {...}}``)."""
    results = _results(beaapi)
    found: list[Any] = []
    for place in (beaapi.get("Error"), results.get("Error") if results else None):
        if place is None:
            continue
        found.extend(place if isinstance(place, list) else [place])
    errors = []
    for item in found:
        if isinstance(item, dict) and set(item) <= {"error", "Error"} and item:
            item = next(iter(item.values()))
        if isinstance(item, dict):
            errors.append(item)
        elif item:
            errors.append({"APIErrorDescription": str(item)})
    return errors


def _describe(error: dict[str, Any]) -> str:
    code = str(error.get("APIErrorCode", "?")).strip()
    text = " ".join(str(error.get("APIErrorDescription") or "no description").split())
    detail = error.get("ErrorDetail")
    detail = detail.get("Description", "") if isinstance(detail, dict) else ""
    return f"error {code}: {text}" + (f" ({detail})" if detail else "")


def _decode(response: Response) -> Any:
    """The JSON document: UTF-8, or ISO-8859-1 when the bytes are not UTF-8 (as BEA's own
    client reads them)."""
    try:
        text = response.body.decode("utf-8")
    except UnicodeDecodeError:
        text = response.body.decode("iso-8859-1")
    return json.loads(text)


def parse(response: Response, columns: Mapping[str, str], scale: float) -> pd.DataFrame:
    """Tidy rows of one ``GetData`` answer, values converted to the dataset's units."""
    try:
        doc = _decode(response)
    except ValueError:
        kind = "an HTML page" if response.text().lstrip().startswith("<") else \
            "malformed or truncated JSON"
        raise FetchError(f"BEA: {response.request} returned {kind}",
                         hint="Try again; if it persists, the service is failing.") from None
    beaapi = doc.get("BEAAPI") if isinstance(doc, dict) else None
    if not isinstance(beaapi, dict):
        raise FetchError(f"BEA: {response.request}: the answer has no BEAAPI object")
    errors = _errors(beaapi)
    if errors:
        codes = {str(e.get("APIErrorCode", "")).strip() for e in errors}
        hint = (f"Check the key: BEA refused {KEY} (get one at {KEY_URL})."
                if codes & KEY_ERRORS else
                "Check the key and the dataset's parameters in datasets.toml.")
        raise FetchError(f"BEA: {response.request}: " + "; ".join(map(_describe, errors)),
                         hint=hint)
    results = _results(beaapi)
    data = results.get("Data") if results is not None else None
    if data is None:
        data = beaapi.get("Data")  # IIP puts Data outside Results
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
        if raw in MISSING_MARKERS:
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
