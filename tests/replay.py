"""A real HTTP server on 127.0.0.1 that replays API responses, for the data clients' tests.

Each route (a path) holds either a queue of replies (each request takes the next one, and the
last one repeats) or a responder that computes the reply from the request. Every request is
recorded, so tests can check what the client sent, and the server counts how many requests
it holds at once, so tests can check a client's concurrency limit.

The writers below produce bodies in the exact formats of the real APIs, as documented in
``docs/data-apis.md`` and recorded in ``tests/fixtures/api/`` (each writer reproduces its
fixture byte for byte from the same rows; ``tests/test_sources.py`` checks that). Values come
from the committed snapshot (``content/data/snapshot/``), never from the tests' imagination.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pandas as pd

FIXTURES = Path(__file__).parent / "fixtures" / "api"
REPO = Path(__file__).resolve().parents[1]

#: (period, value) pairs: period ``YYYY-MM`` (or ``YYYY``), value as text, None if missing.
Rows = Sequence[tuple[str, "str | None"]]


@dataclass(frozen=True)
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds before answering (to trip a client's timeout)
    cut_short: bool = False  # promise more bytes than are sent, then hang up
    drip: float = 0.0  # seconds between bytes of the body: a server sending one at a time

    @staticmethod
    def fixture(name: str, status: int = 200, **headers: str) -> Reply:
        kind = "application/json" if name.endswith(".json") else "text/plain"
        if name.endswith(".csv"):
            kind = "text/csv"
        return Reply(status, (FIXTURES / name).read_bytes(), {"Content-Type": kind, **headers})


@dataclass(frozen=True)
class Seen:
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]

    def one(self, name: str) -> str | None:
        """The single value of a query parameter, or None."""
        values = self.query.get(name)
        return values[0] if values else None


Responder = Callable[[Seen], Reply]


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        """A client that gave up (a timeout) or a body cut short on purpose is no news."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)  # type: ignore[arg-type]


class ReplayServer:
    def __init__(self) -> None:
        self.routes: dict[str, list[Reply] | Responder] = {}
        self.seen: list[Seen] = []
        self.active = 0  # requests received and not yet answered
        self.max_active = 0  # the most held at once
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                seen = Seen(parts.path, parse_qs(parts.query, keep_blank_values=True),
                            dict(self.headers.items()))
                with server._lock:
                    server.seen.append(seen)
                    server.active += 1
                    server.max_active = max(server.max_active, server.active)
                    route = server.routes.get(parts.path)
                    if callable(route):
                        reply = None
                    elif route:
                        reply = route.pop(0) if len(route) > 1 else route[0]
                    else:
                        reply = Reply(404, b"<html><body>Not Found</body></html>",
                                      {"Content-Type": "text/html"})
                try:
                    if reply is None:
                        assert callable(route)
                        reply = route(seen)
                    if reply.delay:
                        time.sleep(reply.delay)
                finally:
                    # Counted as held until just before the answer goes out: a client cannot
                    # have the answer (and send its next request) before this.
                    with server._lock:
                        server.active -= 1
                if self._not_modified(reply):
                    return
                self.send_response(reply.status)
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                length = len(reply.body) + (1000 if reply.cut_short else 0)
                if reply.status not in (204, 304):
                    self.send_header("Content-Length", str(length))
                self.end_headers()
                if reply.drip:
                    self.wfile.flush()
                    for byte in range(len(reply.body)):
                        self.wfile.write(reply.body[byte:byte + 1])
                        self.wfile.flush()
                        time.sleep(reply.drip)
                    return
                self.wfile.write(reply.body)
                if reply.cut_short:
                    self.wfile.flush()
                    self.close_connection = True

            def _not_modified(self, reply: Reply) -> bool:
                """Answer 304 to a conditional request that matches the reply's validators."""
                etag = reply.headers.get("ETag")
                modified = reply.headers.get("Last-Modified")
                if etag and self.headers.get("If-None-Match") == etag:
                    header = ("ETag", etag)
                elif modified and self.headers.get("If-Modified-Since") == modified:
                    header = ("Last-Modified", modified)
                else:
                    return False
                self.send_response(304)
                self.send_header(*header)
                self.end_headers()
                return True

        self.httpd = _Server(("127.0.0.1", 0), Handler)

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def add(self, path: str, *replies: Reply) -> None:
        self.routes[path] = list(replies)

    def respond(self, path: str, responder: Responder) -> None:
        """Answer every request to ``path`` with ``responder(request)``."""
        self.routes[path] = responder

    def requests_to(self, path: str) -> list[Seen]:
        return [s for s in self.seen if s.path == path]


@contextmanager
def replay_server() -> Iterator[ReplayServer]:
    server = ReplayServer()
    thread = threading.Thread(target=server.httpd.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.httpd.shutdown()
        server.httpd.server_close()


# -- data from the committed snapshot --------------------------------------------------------

def snapshot_table(name: str) -> pd.DataFrame:
    """A committed snapshot table, every cell as the text stored."""
    lock = json.loads((REPO / "content" / "data" / "snapshot.lock.json").read_text("utf-8"))
    raw = gzip.decompress((REPO / "content" / "data" / "snapshot" /
                           lock["datasets"][name]["file"]).read_bytes())
    return pd.read_csv(io.BytesIO(raw), dtype=str, keep_default_na=False)


def snapshot_rows(name: str, **dimensions: str) -> list[tuple[str, str | None]]:
    """(period, value) rows of one series of a snapshot table, in period order."""
    frame = snapshot_table(name)
    for column, wanted in dimensions.items():
        frame = frame[frame[column] == wanted]
    frame = frame.sort_values("period")
    return [(p, v or None) for p, v in zip(frame["period"], frame["value"], strict=True)]


def etag_for(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:20] + '"'


def _dumps(doc: object) -> str:
    """Compact JSON as these APIs write it: no spaces, slashes escaped as ``\\/``."""
    return json.dumps(doc, separators=(",", ":"), ensure_ascii=False).replace("/", "\\/")


# -- FRED ----------------------------------------------------------------------------------

def fred_value(text: str | None) -> str | None:
    """A stored value as FRED writes it: BOP series are whole numbers of $ millions, no
    ``.0`` (the ``.0`` in some stored copies comes from those copies, not from FRED)."""
    if text is None or text == "":
        return None
    return text[:-2] if text.endswith(".0") else text


def fred_date(period: str) -> str:
    return f"{period}-01" if len(period) == 7 else period


def fred_observations(rows: Rows, *, realtime: str, observation_start: str = "1600-01-01",
                      observation_end: str = "9999-12-31", count: int | None = None) -> bytes:
    """A ``fred/series/observations`` JSON body (``file_type=json``, ``output_type=1``):
    compact, keys in FRED's order, ``value`` a string, ``"."`` when missing; every
    observation's real-time window is ``realtime`` (a request for one day, or for today)."""
    observations = [{"realtime_start": realtime, "realtime_end": realtime,
                     "date": fred_date(period), "value": fred_value(value) or "."}
                    for period, value in rows]
    doc = {"realtime_start": realtime, "realtime_end": realtime,
           "observation_start": observation_start, "observation_end": observation_end,
           "units": "lin", "output_type": 1, "file_type": "json",
           "order_by": "observation_date", "sort_order": "asc",
           "count": len(observations) if count is None else count, "offset": 0,
           "limit": 100000, "observations": observations}
    return _dumps(doc).encode()


def fredgraph_csv(series_id: str, rows: Rows, *, date_header: str = "observation_date",
                  missing: str = "") -> bytes:
    """A keyless ``fredgraph.csv`` download: header ``observation_date,ID``, LF, a final
    newline, an empty field for a missing value (the old ``DATE,ID`` files used ``.``)."""
    lines = [f"{date_header},{series_id}"]
    lines += [f"{fred_date(p)},{fred_value(v) or missing}" for p, v in rows]
    return ("\n".join(lines) + "\n").encode()


def fred_error(code: int, message: str) -> bytes:
    """FRED's JSON error body; the message keeps FRED's two spaces after each full stop."""
    return _dumps({"error_code": code, "error_message": message}).encode()


FRED_NO_SERIES = "Bad Request.  The series does not exist."
FRED_NO_KEY = ("Bad Request.  Variable api_key is not set.  Read "
               "https://fred.stlouisfed.org/docs/api/api_key.html for more information.")
JSON = {"Content-Type": "application/json; charset=UTF-8"}
CSV = {"Content-Type": "text/csv"}


def _within(period: str, start: str | None, end: str | None) -> bool:
    date = fred_date(period)
    return (start is None or date >= start) and (end is None or date <= end)


class FredUpstream:
    """FRED behind one base URL: ``/fred/series/observations`` (keyed JSON, with ALFRED
    vintages) and ``/graph/fredgraph.csv`` (keyless CSV).

    ``series`` maps an ID to today's rows; ``vintages`` maps (ID, ``YYYY-MM-DD``) to the rows
    as they stood that day. Replies carry an ETag, so an unchanged series costs a 304.
    """

    JSON_PATH = "/fred/series/observations"
    CSV_PATH = "/graph/fredgraph.csv"

    def __init__(self, series: Mapping[str, Rows],
                 vintages: Mapping[tuple[str, str], Rows] | None = None,
                 today: str = "2026-08-10") -> None:
        self.series = dict(series)
        self.vintages = dict(vintages or {})
        self.today = today

    def install(self, server: ReplayServer) -> None:
        server.respond(self.JSON_PATH, self)
        server.respond(self.CSV_PATH, self)

    def __call__(self, seen: Seen) -> Reply:
        if seen.path == self.CSV_PATH:
            return self._csv(seen)
        return self._json(seen)

    def _json(self, seen: Seen) -> Reply:
        if not seen.one("api_key"):
            return Reply(400, fred_error(400, FRED_NO_KEY), JSON)
        series_id = seen.one("series_id") or ""
        realtime = seen.one("realtime_start") or self.today
        rows = self.series.get(series_id) if realtime == self.today else \
            self.vintages.get((series_id, realtime))
        if rows is None:
            return Reply(400, fred_error(400, FRED_NO_SERIES), JSON)
        start, end = seen.one("observation_start"), seen.one("observation_end")
        body = fred_observations([r for r in rows if _within(r[0], start, end)],
                                 realtime=realtime,
                                 observation_start=start or "1600-01-01",
                                 observation_end=end or "9999-12-31")
        return Reply(200, body, {**JSON, "ETag": etag_for(body)})

    def _csv(self, seen: Seen) -> Reply:
        series_id = seen.one("id") or ""
        rows = self.series.get(series_id)
        if rows is None:
            return Reply(404, b"<!DOCTYPE html><html><body>Series not found</body></html>",
                         {"Content-Type": "text/html"})
        start, end = seen.one("cosd"), seen.one("coed")
        body = fredgraph_csv(series_id, [r for r in rows if _within(r[0], start, end)])
        return Reply(200, body, {**CSV, "ETag": etag_for(body)})


# -- Census --------------------------------------------------------------------------------

def census_json(header: Sequence[str], rows: Sequence[Sequence[str | None]]) -> bytes:
    """The Census API's array of arrays: header row first, every cell a string, one row per
    line, no spaces, no newline after the final ``]]``."""
    lines = [_dumps(list(header))] + [_dumps(list(row)) for row in rows]
    return ("[" + ",\n".join(lines) + "]").encode()


def census_dollars(millions: str) -> str:
    """$ millions as stored (six decimals) to the whole dollars Census writes."""
    return str(int(Decimal(millions) * 1_000_000))


#: Census Schedule C codes and the API's CTY_NAME for the partners in the snapshot.
CENSUS_PARTNERS = {"China": ("5700", "CHINA"), "Mexico": ("2010", "MEXICO"),
                   "Canada": ("1220", "CANADA"),
                   "World (all countries)": ("-", "TOTAL FOR ALL COUNTRIES")}
#: The FRED series (Census basis, NSA, $ millions) that carry each Census variable.
CENSUS_SERIES = {("ALL_VAL_MO", "China"): "EXPCH", ("ALL_VAL_MO", "Mexico"): "EXPMX",
                 ("ALL_VAL_MO", "Canada"): "EXPCA", ("ALL_VAL_MO", "World (all countries)"):
                 "EXP0015",
                 ("GEN_VAL_MO", "China"): "IMPCH", ("GEN_VAL_MO", "Mexico"): "IMPMX",
                 ("GEN_VAL_MO", "Canada"): "IMPCA", ("GEN_VAL_MO", "World (all countries)"):
                 "IMP0015"}


def census_records_from_snapshot(variable: str, partners: Sequence[str]
                                 ) -> list[dict[str, str]]:
    """Census rows (CTY_CODE, CTY_NAME, time, VARIABLE) built from ``partner_goods``."""
    out = []
    for partner in partners:
        code, name = CENSUS_PARTNERS[partner]
        for period, value in snapshot_rows("partner_goods",
                                           series_id=CENSUS_SERIES[(variable, partner)]):
            assert value is not None
            out.append({"CTY_CODE": code, "CTY_NAME": name, "time": period,
                        variable: census_dollars(value)})
    return out


def _census_time(spec: str) -> tuple[str, str]:
    if spec.startswith("from "):
        start, _, end = spec[5:].partition(" to ")
        return start.strip(), end.strip() or "9999-12"
    return spec, spec


class CensusUpstream:
    """``timeseries/intltrade/{endpoint}``: ``records[endpoint]`` are the rows it holds.

    Columns come back as the ``get=`` variables, then each predicate not in ``get=`` in the
    order of the URL (``time`` included). No key gives the real 302 to an HTML page, an
    unknown variable a plain-text 400, no matching rows an empty 204.
    """

    def __init__(self, records: Mapping[str, Sequence[Mapping[str, str]]],
                 prefix: str = "/data/timeseries/intltrade") -> None:
        self.records = dict(records)
        self.prefix = prefix

    def install(self, server: ReplayServer) -> None:
        for endpoint in self.records:
            server.respond(f"{self.prefix}/{endpoint}", self)

    def __call__(self, seen: Seen) -> Reply:
        if not seen.one("key"):
            return Reply(302, b"", {"Location": "https://api.census.gov/data/missing_key.html"})
        rows = self.records[seen.path[len(self.prefix) + 1:]]
        wanted = (seen.one("get") or "").split(",")
        known = set(rows[0]) if rows else set()
        for variable in wanted:
            if variable not in known:
                return Reply(400, f"error: unknown variable '{variable}'".encode(),
                             {"Content-Type": "text/plain;charset=utf-8"})
        predicates = [name for name in seen.query if name not in ("get", "key")]
        start, end = _census_time(seen.one("time") or "from 0000-01")
        selected = [r for r in rows if start <= r["time"] <= end and all(
            r[name] in seen.query[name] for name in predicates if name != "time")]
        if not selected:
            return Reply(204, b"", {})
        header = wanted + [name for name in predicates if name not in wanted]
        body = census_json(header, [[r[name] for name in header] for r in selected])
        return Reply(200, body, {**JSON, "ETag": etag_for(body)})


# -- BEA -------------------------------------------------------------------------------------

BEA_DIMENSIONS = [
    {"Ordinal": str(n), "Name": name, "DataType": kind, "IsValue": "1" if value else "0"}
    for n, (name, kind, value) in enumerate(
        [("Indicator", "string", False), ("AreaOrCountry", "string", False),
         ("Frequency", "string", False), ("Year", "string", False),
         ("TimeSeriesId", "string", False), ("TimeSeriesDescription", "string", False),
         ("TimePeriod", "string", False), ("CL_UNIT", "string", False),
         ("UNIT_MULT", "string", False), ("DataValue", "numeric", True)], start=1)]
#: ITA indicator descriptions, as documented (docs/data-apis.md, [B8]).
BEA_DESCRIPTIONS = {"ExpServ": "Exports of services", "ImpServ": "Imports of services",
                    "BalServ": "Balance on services"}
BEA_TIMESERIES_ID = "PLACEHOLDER-TimeSeriesId-format-not-established"


def bea_request(params: Mapping[str, str]) -> dict[str, object]:
    """BEA's echo of the request: every parameter, name and value upper-cased."""
    return {"RequestParam": [{"ParameterName": name.upper(), "ParameterValue": value.upper()}
                             for name, value in params.items()]}


def bea_thousands(number: str) -> str:
    """A whole number written as BEA writes ``DataValue``: with thousands commas."""
    return f"{int(Decimal(number)):,}"


def bea_ita(params: Mapping[str, str], rows: Rows, *, unit_mult: str = "6",
            data_value: Callable[[str], str] = bea_thousands) -> bytes:
    """An ITA ``GetData`` answer (HTTP 200) for one indicator of ``params``: one Data item
    per (period, value) row, fields in the documented order."""
    indicator = params["Indicator"]
    data = [{"Indicator": indicator, "AreaOrCountry": params.get("AreaOrCountry", "AllCountries"),
             "Frequency": params.get("Frequency", "A"), "Year": period[:4],
             "TimeSeriesId": BEA_TIMESERIES_ID,
             "TimeSeriesDescription": BEA_DESCRIPTIONS[indicator], "TimePeriod": period,
             "CL_UNIT": "USD", "UNIT_MULT": unit_mult,
             "DataValue": "(NA)" if value is None else data_value(value), "NoteRef": ""}
            for period, value in rows]
    doc = {"BEAAPI": {"Request": bea_request(params),
                      "Results": {"Dimensions": BEA_DIMENSIONS, "Data": data, "Notes": []}}}
    return _dumps(doc).encode()


def bea_error(params: Mapping[str, str], code: str, description: str, detail: str = "",
              placement: str = "Results", shape: str = "object",
              more: Sequence[tuple[str, str]] = ()) -> bytes:
    """A BEA error, sent with HTTP 200: in ``BEAAPI.Results.Error`` (every live capture) or
    directly in ``BEAAPI.Error``; ``shape`` "object" (one error), "list" (a list of error
    objects, ``more`` after the first) or "wrapped" (a list of ``{"error": ...}``)."""
    error: dict[str, object] = {"APIErrorCode": code, "APIErrorDescription": description}
    if detail:
        error["ErrorDetail"] = {"Description": detail}
    errors = [error, *({"APIErrorCode": c, "APIErrorDescription": d} for c, d in more)]
    found: object = error
    if shape == "list":
        found = errors
    elif shape == "wrapped":
        found = [{"error": e} for e in errors]
    beaapi: dict[str, object] = {"Request": bea_request(params)}
    if placement == "Results":
        beaapi["Results"] = {"Error": found}
    else:
        beaapi["Error"] = found
    return _dumps({"BEAAPI": beaapi}).encode()


BEA_BAD_KEY = ("1", "Invalid Request - Invalid API UserId.")


def bea_annual_services(series_id: str) -> list[tuple[str, str | None]]:
    """Calendar-year sums of a monthly ``bop_monthly`` series ($ millions), complete years
    only: how the ITA fixture's values were made (docs/data-apis.md, section 4)."""
    sums: dict[str, Decimal] = {}
    months: dict[str, int] = {}
    for period, value in snapshot_rows("bop_monthly", series_id=series_id):
        assert value is not None
        sums[period[:4]] = sums.get(period[:4], Decimal(0)) + Decimal(value)
        months[period[:4]] = months.get(period[:4], 0) + 1
    return [(year, str(int(total))) for year, total in sorted(sums.items())
            if months[year] == 12]


class BeaUpstream:
    """``apps.bea.gov/api/data``: ``GetData`` on ITA for the indicators in ``series``.

    ``key`` is the one UserID it accepts; anything else gets BEA's code-1 error (in an HTTP
    200, as BEA sends it). The answer echoes the request, the key included, as BEA does.
    """

    def __init__(self, series: Mapping[str, Rows], key: str, path: str = "/api/data") -> None:
        self.series = dict(series)
        self.key = key
        self.path = path

    def install(self, server: ReplayServer) -> None:
        server.respond(self.path, self)

    def __call__(self, seen: Seen) -> Reply:
        params = {name: values[0] for name, values in seen.query.items()}
        if params.get("UserID") != self.key:
            body = bea_error(params, *BEA_BAD_KEY)
            return Reply(200, body, JSON)
        indicator = params.get("Indicator", "")
        if indicator not in self.series:
            body = bea_error(params, "40", "The dataset requested requires parameters that "
                             "were missing from the request.",
                             "Invalid Value for Parameter Indicator")
            return Reply(200, body, JSON)
        years = params.get("Year", "ALL")
        rows = [r for r in self.series[indicator]
                if years.upper() == "ALL" or r[0][:4] in years.split(",")]
        body = bea_ita(params, rows)
        return Reply(200, body, {**JSON, "ETag": etag_for(body)})
