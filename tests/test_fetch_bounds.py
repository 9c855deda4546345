"""Issue 15: fetch has bounds, keys do not leak, and each API's odd answers are read right.

Every upstream is the real local server of ``tests/replay.py``; bodies are written in the
APIs' documented formats (docs/data-apis.md) from values in the committed snapshot. Waits are
recorded through the client's ``sleep`` seam; the deadlines under test are about a second.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import time
import tomllib
import tracemalloc
import zlib
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from urllib.parse import quote

import pytest
from conftest import TinyProject, table_path
from replay import (
    BEA_BAD_KEY,
    BEA_DIMENSIONS,
    CSV,
    JSON,
    FredUpstream,
    ReplayServer,
    Reply,
    bea_annual_services,
    bea_error,
    bea_request,
    bea_thousands,
    fred_observations,
    fredgraph_csv,
    replay_server,
    snapshot_rows,
)

from site_builder.build.impact import PageImpact
from site_builder.cli import main
from site_builder.data.declarations import Declaration, load_declarations
from site_builder.data.fetch import fetch, fetch_deadline
from site_builder.data.http_client import MAX_BODY_BYTES, FetchError, HttpClient
from site_builder.data.sources import bea, census, fred
from site_builder.data.validate import validate
from site_builder.errors import BuildFailed, SiteError
from site_builder.report import SilentReporter

REPO = Path(__file__).resolve().parents[1]
DECLARATIONS = load_declarations(REPO / "content" / "data" / "datasets.toml")
NOW = dt.datetime(2026, 8, 10, 12, 0, tzinfo=dt.UTC)
FRED_KEY = "abcdefghij0123456789abcdefghij01"
CENSUS_KEY = "CENSUSKEY0123456789CENSUSKEY0123456789AB"
BEA_KEY = "F0ED5228-0000-4CCB-0000-2B4057806465"
OBSERVATIONS = "/fred/series/observations"
BEA_PATH = "/api/data"
CENSUS_PATH = "/data/timeseries/intltrade"
BODY = (Path(__file__).parent / "fixtures" / "api" / "fred_observations_BOPGSTB.json").read_bytes()
MB = 1024 * 1024


class Sleeps(list[float]):
    """A ``sleep`` that records how long it was asked to wait, and returns at once."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def server() -> Iterator[ReplayServer]:
    with replay_server() as running:
        yield running


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def live(tmp_path: Path) -> TinyProject:
    return TinyProject(tmp_path / "project", tmp_path / "cache")


def client(cache_dir: Path | None, sleeps: Sleeps, **options: object) -> HttpClient:
    settings: dict = {"timeout": 2.0, "retries": 2, "sleep": sleeps, "jitter": lambda: 0.5,
                      "clock": lambda: NOW.timestamp()}
    settings.update(options)
    return HttpClient(cache_dir, **settings)


def fred_params(key: str = FRED_KEY) -> dict[str, str]:
    return {"series_id": "BOPGSTB", "api_key": key, "file_type": "json"}


def fred_env(server: ReplayServer, key: str | None = FRED_KEY) -> dict[str, str]:
    env = {"SITE_BUILDER_FRED_URL": server.url}
    if key:
        env["FRED_API_KEY"] = key
    return env


def set_env(monkeypatch: pytest.MonkeyPatch, server: ReplayServer) -> None:
    monkeypatch.setenv("SITE_BUILDER_FRED_URL", server.url)
    monkeypatch.setenv("FRED_API_KEY", FRED_KEY)
    monkeypatch.delenv("SITE_BUILDER_FETCH_DEADLINE", raising=False)
    monkeypatch.delenv("SITE_BUILDER_FETCH_MAX_MB", raising=False)


def error_text(call: object) -> str:
    assert callable(call)
    with pytest.raises(FetchError) as info:
        call()
    return " ".join(str(info.value).split())


def data_bytes(project: TinyProject) -> dict[str, bytes]:
    folder = project.root / "content" / "data"
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file()}


def declaration(text: str, name: str = "test") -> Declaration:
    return Declaration.model_validate(tomllib.loads(text)[name])


# -- 1. deadlines ----------------------------------------------------------------------------

def test_a_body_dripping_a_byte_at_a_time_is_stopped_at_the_request_deadline(
        server: ReplayServer, sleeps: Sleeps) -> None:
    # Each byte comes well within the read timeout, so only a total deadline can stop it.
    server.add(OBSERVATIONS, Reply(200, BODY, JSON, drip=0.05))
    http = client(None, sleeps, timeout=5.0, deadline=0.6)
    started = time.monotonic()
    message = error_text(lambda: http.get(f"{server.url}{OBSERVATIONS}", fred_params(), "FRED"))
    assert time.monotonic() - started < 2.0
    assert "took longer than 0.6 s" in message
    assert len(server.seen) == 1  # a deadline is not retried
    assert FRED_KEY not in message


def test_a_silent_server_is_stopped_at_the_deadline_not_the_read_timeout(
        server: ReplayServer, sleeps: Sleeps) -> None:
    server.add(OBSERVATIONS, Reply(200, BODY, JSON, delay=3.0))
    http = client(None, sleeps, timeout=30.0, retries=0, deadline=0.5)
    started = time.monotonic()
    message = error_text(lambda: http.get(f"{server.url}{OBSERVATIONS}", fred_params(), "FRED"))
    assert time.monotonic() - started < 2.0
    assert "took longer than 0.5 s" in message


def test_the_whole_fetch_stops_at_its_deadline_with_exit_3_and_the_snapshot_untouched(
        live: TinyProject, server: ReplayServer, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    server.add(OBSERVATIONS, Reply(200, BODY, JSON, drip=0.05))
    set_env(monkeypatch, server)
    before = data_bytes(live)
    started = time.monotonic()
    code = main(["fetch", "--root", str(live.root), "--only", "trade_balance",
                 "--deadline", "1"])
    assert time.monotonic() - started < 4.0
    err = capsys.readouterr().err
    assert code == 3
    assert "the fetch's deadline of 1 s passed" in err
    assert "the snapshot was left as it was" in err
    assert data_bytes(live) == before
    assert FRED_KEY not in err


def test_the_fetch_deadline_comes_from_the_option_then_the_environment() -> None:
    assert fetch_deadline({}) == 600.0
    assert fetch_deadline({"SITE_BUILDER_FETCH_DEADLINE": "90"}) == 90.0
    assert fetch_deadline({"SITE_BUILDER_FETCH_DEADLINE": "90"}, 1.5) == 1.5
    with pytest.raises(SiteError, match="not a number of seconds"):
        fetch_deadline({"SITE_BUILDER_FETCH_DEADLINE": "ten minutes"})
    with pytest.raises(SiteError, match="positive"):
        fetch_deadline({}, 0)


# -- 2. size limits ---------------------------------------------------------------------------

@cache
def gzip_bomb(kind: str) -> tuple[bytes, int]:
    """A small gzip body and the size it expands to: one member of 128 MB of zeros, or 1,024
    members of 1 MB each (1 GB; gzip allows members one after another)."""
    if kind == "one member":
        squeeze = zlib.compressobj(9, zlib.DEFLATED, zlib.MAX_WBITS | 16)
        zeros = bytes(MB)
        body = b"".join(squeeze.compress(zeros) for _ in range(128)) + squeeze.flush()
        return body, 128 * MB
    return gzip.compress(bytes(MB), compresslevel=9, mtime=0) * 1024, 1024 * MB


@pytest.mark.parametrize("kind", ["one member", "1,024 members"])
def test_a_gzip_bomb_is_refused_at_the_limit_without_expanding(
        server: ReplayServer, sleeps: Sleeps, kind: str) -> None:
    body, expanded = gzip_bomb(kind)
    assert len(body) < 2 * MB and expanded >= 128 * MB
    server.add(OBSERVATIONS, Reply(200, body, {**JSON, "Content-Encoding": "gzip"}))
    http = client(None, sleeps, max_bytes=5 * MB)
    tracemalloc.start()
    try:
        message = error_text(lambda: http.get(f"{server.url}{OBSERVATIONS}", fred_params(),
                                              "FRED"))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert "sent a body larger than 5 MB (as sent or decompressed)" in message
    assert peak < 16 * MB  # the limit and a few chunks, not the expanded body
    assert len(server.seen) == 1


def test_a_gzipped_answer_within_the_limit_is_read(server: ReplayServer,
                                                  sleeps: Sleeps) -> None:
    server.add(OBSERVATIONS, Reply(200, gzip.compress(BODY), {**JSON,
                                                              "Content-Encoding": "gzip"}))
    response = client(None, sleeps).get(f"{server.url}{OBSERVATIONS}", fred_params(), "FRED")
    assert response.body == BODY
    assert server.seen[0].headers["Accept-Encoding"] == "gzip, deflate"


def test_a_body_longer_than_the_limit_is_refused_before_it_is_read(
        server: ReplayServer, sleeps: Sleeps) -> None:
    server.add(OBSERVATIONS, Reply(200, b" " * (2 * MB), JSON))
    message = error_text(lambda: client(None, sleeps, max_bytes=MB).get(
        f"{server.url}{OBSERVATIONS}", fred_params(), "FRED"))
    assert "larger than 1 MB" in message
    assert HttpClient(None).max_bytes == MAX_BODY_BYTES == 50 * MB


# -- 3. Retry-After ----------------------------------------------------------------------------

def test_a_retry_after_above_the_cap_waits_the_cap_and_says_so(server: ReplayServer,
                                                              sleeps: Sleeps) -> None:
    server.add(OBSERVATIONS, Reply(429, b"Too Many Requests", {"Retry-After": "60"}),
               Reply(200, BODY, JSON))
    told: list[str] = []
    http = client(None, sleeps, notify=told.append)
    response = http.get(f"{server.url}{OBSERVATIONS}", fred_params(), "FRED")
    assert response.body == BODY
    assert sleeps == [30.0]
    assert told == ["waiting 30 s: FRED asked to retry after 60 s"]


def test_fetch_reports_the_wait_through_the_reporter(live: TinyProject, server: ReplayServer,
                                                     sleeps: Sleeps) -> None:
    upstream = FredUpstream({"BOPGSTB": snapshot_rows("trade_balance")})
    answers = iter([Reply(429, b"Too Many Requests", {"Retry-After": "60"})])
    server.respond(OBSERVATIONS, lambda seen: next(answers, None) or upstream(seen))
    reporter = SilentReporter()
    result = fetch(live.project, reporter, fred_env(server),
                   impact=PageImpact(live.project), only=("trade_balance",),
                   http=client(live.project.cache / "http", sleeps), now=NOW)
    assert result.retries == 1
    assert sleeps == [30.0]
    assert reporter.warnings == ["waiting 30 s: FRED asked to retry after 60 s"]


def test_a_wait_past_the_fetch_deadline_fails_at_once(live: TinyProject, server: ReplayServer,
                                                      sleeps: Sleeps) -> None:
    server.add(OBSERVATIONS, Reply(429, b"Too Many Requests", {"Retry-After": "60"}))
    before = data_bytes(live)
    with pytest.raises(BuildFailed) as info:
        fetch(live.project, SilentReporter(), fred_env(server),
              impact=PageImpact(live.project), only=("trade_balance",),
              http=client(live.project.cache / "http", sleeps), now=NOW, deadline=5)
    message = str(info.value.errors[0])
    assert "would retry after 30 s, past the fetch's deadline" in message
    assert sleeps == []
    assert data_bytes(live) == before


# -- 4. values that existed and became missing -------------------------------------------------

def withdrawn() -> list[tuple[str, str | None]]:
    """The committed trade balance, with March and April 2026 now given as missing."""
    return [(p, None if p in ("2026-03", "2026-04") else v)
            for p, v in snapshot_rows("trade_balance")]


def test_values_that_became_missing_are_refused_naming_dataset_series_and_periods(
        live: TinyProject, server: ReplayServer, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    FredUpstream({"BOPGSTB": withdrawn()}).install(server)
    set_env(monkeypatch, server)
    before = data_bytes(live)
    assert main(["fetch", "--root", str(live.root), "--only", "trade_balance"]) == 3
    err = " ".join(capsys.readouterr().err.split())
    assert "dataset 'trade_balance'" in err
    assert "2 values the snapshot has are now missing (series BOPGSTB: 2026-03, 2026-04)" in err
    assert "fetch --allow-missing" in err
    assert data_bytes(live) == before


def test_allow_missing_accepts_them(live: TinyProject, server: ReplayServer,
                                    monkeypatch: pytest.MonkeyPatch,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    FredUpstream({"BOPGSTB": withdrawn()}).install(server)
    set_env(monkeypatch, server)
    assert main(["fetch", "--root", str(live.root), "--only", "trade_balance",
                 "--allow-missing"]) == 0
    capsys.readouterr()
    path = table_path("trade_balance", live.root / "content" / "data")
    lines = gzip.decompress(path.read_bytes()).decode().splitlines()
    assert [line for line in lines if line.startswith(("2026-03", "2026-04"))] == \
        ["2026-03,.", "2026-04,."]


# -- 5. keys echoed in any form ------------------------------------------------------------------

ODD_KEY = "Key/0001+Secret=abcd"  # characters that percent-encoding changes


def echoes(key: str) -> list[str]:
    """The key as a server may echo it: another case, percent-encoded (upper- and lower-case
    hex), wholly percent-encoded, and percent-encoded twice."""
    once = quote(key, safe="")
    return [key.upper(), key.lower(), once, once.lower(), quote(once, safe=""),
            "".join(f"%{b:02X}" for b in key.encode())]


def holds_key(data: str | bytes, key: str) -> list[str]:
    text = data.decode("utf-8", "replace") if isinstance(data, bytes) else data
    return [form for form in [key, *echoes(key)] if form.lower() in text.lower()]


@pytest.mark.parametrize("key", [ODD_KEY, FRED_KEY])
def test_a_key_echoed_in_any_form_reaches_neither_messages_nor_the_cache(
        tmp_path: Path, server: ReplayServer, sleeps: Sleeps, key: str) -> None:
    echoed = " ".join(echoes(key)).encode()
    http = client(tmp_path / "http", sleeps, retries=0)
    params = fred_params(key)
    # A 200 with validators (so it is cached) whose body and headers echo the key.
    server.add(OBSERVATIONS, Reply(200, BODY[:-1] + b',"echo":"' + echoed + b'"}',
                                   {**JSON, "ETag": '"v1"', "X-Echo": echoed.decode()}))
    response = http.get(f"{server.url}{OBSERVATIONS}", params, "FRED")
    assert holds_key(response.body, key) == []
    assert holds_key(json.dumps(dict(response.headers)), key) == []
    assert b"***" in response.body
    files = [p for p in (tmp_path / "http").rglob("*") if p.is_file()]
    assert files
    for path in files:
        assert holds_key(path.read_bytes(), key) == [], path.name
    # An error whose body echoes it.
    server.add(OBSERVATIONS, Reply(400, b"Bad Request. api_key " + echoed + b" is invalid.",
                                   {"Content-Type": "text/plain"}))
    message = error_text(lambda: http.get(f"{server.url}{OBSERVATIONS}", params, "FRED"))
    assert "HTTP 400" in message
    assert holds_key(message, key) == []
    # A redirect whose Location carries it, encoded and upper-cased.
    location = (f"https://api.example.gov/invalid_key.html?key={quote(key, safe='')}"
                f"&again={key.upper()}&twice={quote(quote(key, safe=''), safe='')}")
    server.add(OBSERVATIONS, Reply(302, b"", {"Location": location}))
    message = error_text(lambda: http.get(f"{server.url}{OBSERVATIONS}", params, "FRED"))
    assert "redirected (HTTP 302) to https://api.example.gov/invalid_key.html?key=***" \
        in message
    assert holds_key(message, key) == []
    for path in (tmp_path / "http").rglob("*"):
        if path.is_file():
            assert holds_key(path.read_bytes(), key) == [], path.name


# -- 6. BEA --------------------------------------------------------------------------------------

BEA_TOML = """
[test]
title = "U.S. exports of services"
publisher = "U.S. Bureau of Economic Analysis"
source = "bea"
units = "USD millions"
seasonal_adjustment = "not seasonally adjusted"
frequency = "annual"
url = "https://apps.bea.gov/iTable/?reqid=62"
vintage = "as retrieved"
retrieved = 2026-08-10
provenance = "fetched from the BEA API, dataset ITA"
dimensions = ["flow"]

[test.fetch]
api = "bea"
dataset = "ITA"
params = { AreaOrCountry = "AllCountries", Frequency = "A", Year = "2023,2024" }
requests = [{ params = { Indicator = "ExpServ" }, set = { flow = "exports" } }]
"""
SERVICES_TOML = """
[test]
title = "U.S. trade in services by type and partner"
publisher = "U.S. Bureau of Economic Analysis"
source = "bea"
units = "USD millions"
seasonal_adjustment = "not seasonally adjusted"
frequency = "annual"
url = "https://apps.bea.gov/iTable/?reqid=62"
vintage = "as retrieved"
retrieved = 2026-08-10
provenance = "fetched from the BEA API, dataset IntlServTrade"
dimensions = ["type", "partner"]

[test.fetch]
api = "bea"
dataset = "IntlServTrade"
columns = { TypeOfService = "type", AreaOrCountry = "partner" }
params = { TradeDirection = "Exports", Affiliation = "AllAffiliations", Year = "ALL" }
requests = [{ params = { TypeOfService = "Travel" } }]
"""
BEA_PARAMS = {"UserID": BEA_KEY, "method": "GetData", "DataSetName": "ITA",
              "Indicator": "ExpServ", "AreaOrCountry": "AllCountries", "Frequency": "A",
              "Year": "2023,2024", "ResultFormat": "JSON"}


def annual_exports() -> dict[str, str]:
    """Services exports by calendar year ($ millions) from the committed snapshot."""
    return {year: value for year, value in bea_annual_services("BOPSEXP") if value is not None}


def bea_env(server: ReplayServer) -> dict[str, str]:
    return {"SITE_BUILDER_BEA_URL": server.url + BEA_PATH, "BEA_API_KEY": BEA_KEY}


def bea_http() -> HttpClient:
    return HttpClient(None, timeout=2.0, retries=0, sleep=lambda _: None,
                      clock=lambda: NOW.timestamp())


@pytest.mark.parametrize("placement", ["Results", "BEAAPI"])
@pytest.mark.parametrize("shape", ["object", "list", "wrapped"])
def test_bea_errors_in_either_place_and_either_shape_show_beas_message(
        server: ReplayServer, placement: str, shape: str) -> None:
    body = bea_error(BEA_PARAMS, *BEA_BAD_KEY, placement=placement, shape=shape,
                     more=[("4", "This UserId is not active. Please activate it and try "
                                 "again.")] if shape != "object" else [])
    doc = json.loads(body)
    found = doc["BEAAPI"]["Results"]["Error"] if placement == "Results" else \
        doc["BEAAPI"]["Error"]
    assert isinstance(found, dict if shape == "object" else list)
    server.add(BEA_PATH, Reply(200, body, JSON))
    message = error_text(lambda: bea.fetch("test", declaration(BEA_TOML), bea_http(),
                                           bea_env(server)))
    assert "error 1: Invalid Request - Invalid API UserId." in message
    if shape != "object":
        assert "error 4: This UserId is not active." in message
    assert "no data rows" not in message
    assert "BEA refused BEA_API_KEY" in message
    assert BEA_KEY not in message and BEA_KEY.lower() not in message.lower()


def services_answer(cells: list[tuple[str, str, str]], *, encoding: str = "utf-8") -> bytes:
    """An IntlServTrade ``GetData`` answer: one Data item per (partner, year, DataValue)."""
    params = {"UserID": BEA_KEY, "method": "GetData", "DataSetName": "IntlServTrade",
              "TypeOfService": "Travel", "TradeDirection": "Exports",
              "Affiliation": "AllAffiliations", "Year": "ALL", "ResultFormat": "JSON"}
    data = [{"TypeOfService": "Travel", "TradeDirection": "Exports",
             "Affiliation": "AllAffiliations", "AreaOrCountry": partner, "Year": year,
             "TimeSeriesId": "PLACEHOLDER-TimeSeriesId-format-not-established",
             "TimeSeriesDescription": f"Exports of travel services to {partner}",
             "TimePeriod": year, "CL_UNIT": "USD", "UNIT_MULT": "6", "DataValue": value,
             "NoteRef": ""} for partner, year, value in cells]
    doc = {"BEAAPI": {"Request": bea_request(params),
                      "Results": {"Dimensions": BEA_DIMENSIONS, "Data": data, "Notes": []}}}
    text = json.dumps(doc, separators=(",", ":"), ensure_ascii=False).replace("/", "\\/")
    return text.encode(encoding)


def test_bea_suppressed_small_and_not_available_cells_are_missing_not_fatal(
        server: ReplayServer) -> None:
    values = annual_exports()
    cells = [("AllCountries", "2021", bea_thousands(values["2021"])),
             ("AllCountries", "2022", "(D)"),   # suppressed: would disclose a company
             ("AllCountries", "2023", "(*)"),   # less than $500,000 either way
             ("AllCountries", "2024", "n.a."),  # not available
             ("AllCountries", "2025", bea_thousands(values["2025"]))]
    server.add(BEA_PATH, Reply(200, services_answer(cells), JSON))
    decl = declaration(SERVICES_TOML)
    fetched = bea.fetch("test", decl, bea_http(), bea_env(server))
    assert list(zip(fetched.frame["period"], fetched.frame["value"], strict=True)) == [
        ("2021", repr(float(values["2021"]))), ("2022", "."), ("2023", "."), ("2024", "."),
        ("2025", repr(float(values["2025"])))]
    frame = validate("test", decl, fetched.frame, None, fetched.request)  # accepted
    assert len(frame) == 5


def test_bea_body_in_iso_8859_1_keeps_its_accented_letters(server: ReplayServer) -> None:
    values = annual_exports()
    partner = "C\u00f4te d'Ivoire"
    body = services_answer([(partner, "2024", bea_thousands(values["2024"]))],
                           encoding="iso-8859-1")
    assert partner.encode("iso-8859-1") in body
    with pytest.raises(UnicodeDecodeError):
        body.decode("utf-8")
    server.add(BEA_PATH, Reply(200, body, {"Content-Type": "application/json"}))
    fetched = bea.fetch("test", declaration(SERVICES_TOML), bea_http(), bea_env(server))
    assert list(fetched.frame["partner"]) == [partner]
    assert list(fetched.frame["value"]) == [repr(float(values["2024"]))]


# -- 7. FRED and Census ---------------------------------------------------------------------------

def listed_not_valued() -> list[tuple[str, str | None]]:
    """The committed trade balance, and the next month listed with no value yet (".")."""
    rows = snapshot_rows("trade_balance")
    return [*rows, ("2026-07", None)]


def test_fred_json_period_listed_without_a_value_is_not_the_newest(
        server: ReplayServer) -> None:
    body = fred_observations(listed_not_valued(), realtime="2026-08-10")
    assert body.endswith(b'"date":"2026-07-01","value":"."}]}')
    server.add(OBSERVATIONS, Reply(200, body, JSON))
    fetched = fred.fetch("trade_balance", DECLARATIONS["trade_balance"], bea_http(),
                         fred_env(server))
    assert fetched.frame["period"].iloc[-1] == "2026-06"
    assert fetched.frame["value"].iloc[-1] != "."


def test_fred_csv_period_listed_without_a_value_is_not_the_newest(
        server: ReplayServer) -> None:
    body = fredgraph_csv("BOPGSTB", listed_not_valued())
    assert body.endswith(b"2026-07-01,\n")
    server.add("/graph/fredgraph.csv", Reply(200, body, CSV))
    fetched = fred.fetch("trade_balance", DECLARATIONS["trade_balance"], bea_http(),
                         fred_env(server, key=None))
    assert fetched.frame["period"].iloc[-1] == "2026-06"


def test_fetch_keeps_the_newest_period_when_fred_lists_an_empty_one(
        live: TinyProject, server: ReplayServer, sleeps: Sleeps) -> None:
    FredUpstream({"BOPGSTB": listed_not_valued()}).install(server)
    before = data_bytes(live)
    result = fetch(live.project, SilentReporter(), fred_env(server),
                   impact=PageImpact(live.project), only=("trade_balance",),
                   http=client(live.project.cache / "http", sleeps), now=NOW)
    assert not result.written
    assert data_bytes(live) == before


CENSUS_TOML = """
[test]
title = "U.S. goods exports to China"
publisher = "U.S. Census Bureau"
source = "census"
units = "USD"
seasonal_adjustment = "not seasonally adjusted"
frequency = "monthly"
url = "https://www.census.gov/foreign-trade/data/index.html"
vintage = "as retrieved"
retrieved = 2026-08-10
provenance = "fetched from the Census international trade API"
dimensions = ["partner", "flow"]

[test.fetch]
api = "census"
start = "2024-01"
end = "2024-03"
columns = { CTY_NAME = "partner" }
params = { CTY_CODE = "5700" }
requests = [{ endpoint = "exports/hs", value = "ALL_VAL_MO", set = { flow = "exports" } }]
"""


def test_census_invalid_key_page_in_a_200_names_the_key(server: ReplayServer) -> None:
    # docs/data-apis.md, "Census errors": an invalid key gets an HTML page, <h1>Invalid Key</h1>.
    page = (b"<html><head><title>Invalid Key</title></head><body><h1>Invalid Key</h1>"
            b"<p>A valid <em>key</em> must be included with each data API request.</p>"
            b"</body></html>")
    server.add(f"{CENSUS_PATH}/exports/hs", Reply(200, page, {"Content-Type": "text/html"}))
    env = {"SITE_BUILDER_CENSUS_URL": server.url + CENSUS_PATH, "CENSUS_API_KEY": CENSUS_KEY}
    message = error_text(lambda: census.fetch("test", declaration(CENSUS_TOML), bea_http(),
                                              env))
    assert "CENSUS_API_KEY was refused" in message
    assert "returned an HTML page instead of data (HTTP 200)" in message
    assert "Try again" not in message
    assert "https://api.census.gov/data/key_signup.html" in message
    assert CENSUS_KEY not in message
