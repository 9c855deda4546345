"""The FRED, Census and BEA clients against replayed answers in the APIs' real formats.

Declarations come from the project's own ``datasets.toml`` or from TOML text written here;
answers from the recorded fixtures or from the writers in ``tests/replay.py`` (checked first
to reproduce every fixture byte for byte).
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from replay import (
    BEA_BAD_KEY,
    CSV,
    FIXTURES,
    FRED_NO_SERIES,
    JSON,
    BeaUpstream,
    CensusUpstream,
    FredUpstream,
    ReplayServer,
    Reply,
    bea_annual_services,
    bea_error,
    bea_ita,
    bea_thousands,
    census_dollars,
    census_json,
    census_records_from_snapshot,
    fred_error,
    fred_observations,
    fred_value,
    fredgraph_csv,
    replay_server,
    snapshot_rows,
    snapshot_table,
)

from site_builder.data.declarations import Declaration, load_declarations
from site_builder.data.http_client import FetchError, HttpClient
from site_builder.data.sources import Fetched, bea, census, fred

REPO = Path(__file__).resolve().parents[1]
DECLARATIONS = load_declarations(REPO / "content" / "data" / "datasets.toml")
NOW = 1786363200.0  # 2026-08-10T12:00:00Z
FRED_KEY = "abcdefghij0123456789abcdefghij01"  # the shape of a FRED key: 32 lower-case alnum
CENSUS_KEY = "CENSUSKEY0123456789CENSUSKEY0123456789AB"  # 40 characters
BEA_KEY = "F0ED5228-0000-4CCB-0000-2B4057806465"  # 36 characters, a GUID


def declaration(text: str, name: str = "test") -> Declaration:
    return Declaration.model_validate(tomllib.loads(text)[name])


@pytest.fixture
def server() -> Iterator[ReplayServer]:
    with replay_server() as running:
        yield running


@pytest.fixture
def http() -> HttpClient:
    return HttpClient(None, timeout=2.0, retries=1, sleep=lambda _: None, jitter=lambda: 0.5,
                      clock=lambda: NOW)


def rows_of(fetched: Fetched, **dimensions: str) -> list[tuple[str, str]]:
    frame = fetched.frame
    for column, wanted in dimensions.items():
        frame = frame[frame[column] == wanted]
    return list(zip(frame["period"], frame["value"], strict=True))


def tb_rows(start: str = "", end: str = "9999") -> list[tuple[str, str | None]]:
    return [r for r in snapshot_rows("trade_balance") if start <= r[0] <= end]


def fetch_error(call: Callable[[], object]) -> str:
    """The error text a user sees, with runs of spaces as one."""
    with pytest.raises(FetchError) as info:
        call()
    return " ".join(str(info.value).split())


# -- the writers reproduce the recorded formats ----------------------------------------------

BEA_PARAMS = {"UserID": "00000000-0000-0000-0000-000000000000", "method": "GetData",
              "DataSetName": "ITA", "Indicator": "ExpServ", "AreaOrCountry": "AllCountries",
              "Frequency": "A", "Year": "2023,2024", "ResultFormat": "JSON"}


def _census_fixture(variable: str) -> bytes:
    records = [r for r in census_records_from_snapshot(variable, ["China", "Mexico"])
               if "2024-01" <= r["time"] <= "2024-03"]
    header = ["CTY_NAME", variable, "CTY_CODE", "time"]
    return census_json(header, [[r[h] for h in header] for r in records])


WRITTEN = {
    "fred_observations_BOPGSTB.json": lambda: fred_observations(
        tb_rows("2024-01", "2024-06"), realtime="2026-08-09",
        observation_start="2024-01-01", observation_end="2024-06-01"),
    "fred_observations_vintage.json": lambda: fred_observations(
        [r for r in snapshot_rows("trade_balance_2026_05") if "2024-01" <= r[0] <= "2024-06"],
        realtime="2026-05-10", observation_start="2024-01-01", observation_end="2024-06-01"),
    "fredgraph_BOPGSTB.csv": lambda: fredgraph_csv("BOPGSTB", tb_rows("2024-01", "2024-06")),
    "fred_error_bad_series.json": lambda: fred_error(400, FRED_NO_SERIES),
    "fred_error_bad_key.json": lambda: fred_error(
        400, "Bad Request.  The value for variable api_key is not registered.  Read "
             "https://fred.stlouisfed.org/docs/api/api_key.html for more information."),
    "census_exports_cty.json": lambda: _census_fixture("ALL_VAL_MO"),
    "census_imports_cty.json": lambda: _census_fixture("GEN_VAL_MO"),
    "bea_ita.json": lambda: bea_ita(
        BEA_PARAMS, [r for r in bea_annual_services("BOPSEXP") if r[0] in ("2023", "2024")]),
    "bea_error_in_200.json": lambda: bea_error(
        {**BEA_PARAMS, "Indicator": "ExpServX"}, "40", "The dataset requested requires "
        "parameters that were missing from the request.", "Invalid Value for Parameter Indicator"),
    "bea_error_bad_key.json": lambda: bea_error(
        {"UserID": "BADKEY", "method": "GetData", "ResultFormat": "JSON"}, *BEA_BAD_KEY),
}


@pytest.mark.parametrize("name", sorted(WRITTEN))
def test_the_writers_reproduce_each_fixture_byte_for_byte(name: str) -> None:
    assert WRITTEN[name]() == (FIXTURES / name).read_bytes()


# -- FRED, keyed JSON ------------------------------------------------------------------------

def fred_env(server: ReplayServer, key: str | None = FRED_KEY) -> dict[str, str]:
    env = {"SITE_BUILDER_FRED_URL": server.url}
    if key:
        env["FRED_API_KEY"] = key
    return env


def test_fred_json_reads_a_whole_series(server: ReplayServer, http: HttpClient) -> None:
    FredUpstream({"BOPGSTB": snapshot_rows("trade_balance")}).install(server)
    fetched = fred.fetch("trade_balance", DECLARATIONS["trade_balance"], http, fred_env(server))
    rows = rows_of(fetched)
    assert len(rows) == 414
    assert rows[0] == ("1992-01", "-2026")
    assert rows[-1] == ("2026-06", "-73261")
    assert rows == [(p, fred_value(v)) for p, v in snapshot_rows("trade_balance")]
    [seen] = server.seen
    assert seen.path == "/fred/series/observations"
    assert seen.query == {"series_id": ["BOPGSTB"], "api_key": [FRED_KEY],
                          "file_type": ["json"]}
    assert fetched.request.startswith(f"{server.url}/fred/series/observations?series_id=BOPGSTB")
    assert FRED_KEY not in fetched.request
    assert fetched.vintage == "FRED, as retrieved 2026-08-10"


def test_fred_json_keeps_a_missing_value_as_missing(server: ReplayServer,
                                                    http: HttpClient) -> None:
    rows = tb_rows("2024-01", "2024-06")
    rows[2] = (rows[2][0], None)
    body = fred_observations(rows, realtime="2026-08-10")
    assert b'"date":"2024-03-01","value":"."' in body
    server.add("/fred/series/observations", Reply(200, body, JSON))
    fetched = fred.fetch("trade_balance", DECLARATIONS["trade_balance"], http, fred_env(server))
    assert rows_of(fetched)[1:4] == [("2024-02", "-63253"), ("2024-03", "."),
                                     ("2024-04", "-70870")]


def test_fred_json_with_fewer_observations_than_its_count_is_refused(
        server: ReplayServer, http: HttpClient) -> None:
    rows = snapshot_rows("trade_balance")
    body = fred_observations(rows[:-1], realtime="2026-08-10", count=len(rows))
    server.add("/fred/series/observations", Reply(200, body, JSON))
    message = fetch_error(lambda: fred.fetch("trade_balance", DECLARATIONS["trade_balance"],
                                             http, fred_env(server)))
    assert "returned 413 of 414 observations" in message
    assert "The response was cut short; try again." in message
    assert FRED_KEY not in message


def test_fred_json_cut_off_mid_body_is_refused(server: ReplayServer, http: HttpClient) -> None:
    body = fred_observations(tb_rows("2024-01", "2024-06"), realtime="2026-08-10")
    server.add("/fred/series/observations", Reply(200, body[: len(body) // 2], JSON))
    message = fetch_error(lambda: fred.fetch("trade_balance", DECLARATIONS["trade_balance"],
                                             http, fred_env(server)))
    assert "returned malformed or truncated JSON" in message


def test_fred_json_sends_the_start_and_every_series(server: ReplayServer,
                                                    http: HttpClient) -> None:
    table = snapshot_table("bop_monthly")
    upstream = {s: snapshot_rows("bop_monthly", series_id=s) for s in table["series_id"].unique()}
    FredUpstream(upstream).install(server)
    decl = DECLARATIONS["bop_monthly"]
    fetched = fred.fetch("bop_monthly", decl, http, fred_env(server))
    assert [s.one("series_id") for s in server.seen] == [s.id for s in decl.fetch.series]
    assert {s.one("observation_start") for s in server.seen} == {"2020-01-01"}
    assert all("observation_end" not in s.query for s in server.seen)
    assert len(fetched.frame) == len(table)
    for series_id in ("BOPGSTB", "BOPSEXP", "BOPSIMP"):
        assert rows_of(fetched, series_id=series_id) == [
            (p, fred_value(v)) for p, v in snapshot_rows("bop_monthly", series_id=series_id)]
    assert fetched.request.count(" ; ") == 8


@pytest.mark.parametrize(("fixture", "wording"), [
    ("fred_error_bad_series.json", "Bad Request. The series does not exist."),
    ("fred_error_bad_key.json", "Bad Request. The value for variable api_key is not "
                                "registered. Read https://fred.stlouisfed.org/docs/api/"
                                "api_key.html for more information."),
])
def test_fred_json_errors_show_freds_message(server: ReplayServer, http: HttpClient,
                                             fixture: str, wording: str) -> None:
    server.add("/fred/series/observations", Reply.fixture(fixture, 400))
    message = fetch_error(lambda: fred.fetch("trade_balance", DECLARATIONS["trade_balance"],
                                             http, fred_env(server)))
    assert message.startswith(f"FRED: {server.url}/fred/series/observations?series_id=BOPGSTB")
    assert "HTTP 400" in message
    assert wording in message  # FRED's error_message, as FRED meant it (no \/ escapes)
    assert FRED_KEY not in message
    assert len(server.seen) == 1  # a 400 is not retried


def test_alfred_vintage_asks_for_the_data_as_they_stood(server: ReplayServer,
                                                        http: HttpClient) -> None:
    vintage = snapshot_rows("trade_balance_2026_05")
    FredUpstream({"BOPGSTB": snapshot_rows("trade_balance")},
                 {("BOPGSTB", "2026-05-10"): vintage}).install(server)
    fetched = fred.fetch("trade_balance_2026_05", DECLARATIONS["trade_balance_2026_05"], http,
                         fred_env(server))
    [seen] = server.seen
    assert seen.one("realtime_start") == seen.one("realtime_end") == "2026-05-10"
    assert rows_of(fetched) == [(p, fred_value(v)) for p, v in vintage]
    assert rows_of(fetched)[-1] == ("2026-03", "-60307")
    assert fetched.vintage == "FRED (ALFRED), as it stood on 2026-05-10"


def test_alfred_vintage_with_a_window_and_dimensions(server: ReplayServer,
                                                     http: HttpClient) -> None:
    table = snapshot_table("partner_goods_2006_2016")
    FredUpstream({}, {(s, "2017-03-03"): snapshot_rows("partner_goods_2006_2016", series_id=s)
                      for s in table["series_id"].unique()}).install(server)
    fetched = fred.fetch("partner_goods_2006_2016", DECLARATIONS["partner_goods_2006_2016"],
                         http, fred_env(server))
    assert {(s.one("observation_start"), s.one("observation_end"), s.one("realtime_start"))
            for s in server.seen} == {("2006-12-01", "2016-12-31", "2017-03-03")}
    assert len(fetched.frame) == len(table) == 726
    first = fetched.frame.iloc[0]
    assert (first["period"], first["partner"], first["flow"], first["series_id"]) == \
        ("2006-12", "China", "exports", "EXPCH")
    assert first["value"] == "5015.8"


def test_alfred_vintage_without_a_key_is_refused_before_any_request(
        server: ReplayServer, http: HttpClient) -> None:
    message = fetch_error(lambda: fred.fetch(
        "trade_balance_2026_05", DECLARATIONS["trade_balance_2026_05"], http,
        fred_env(server, key=None)))
    assert "FRED vintages (dataset 'trade_balance_2026_05') needs an API key" in message
    assert "FRED_API_KEY" in message
    assert "https://fredaccount.stlouisfed.org/apikeys" in message
    assert server.seen == []


# -- FRED, keyless CSV -----------------------------------------------------------------------

def test_fred_csv_without_a_key(server: ReplayServer, http: HttpClient) -> None:
    FredUpstream({"BOPGSTB": snapshot_rows("trade_balance")}).install(server)
    fetched = fred.fetch("trade_balance", DECLARATIONS["trade_balance"], http,
                         fred_env(server, key=None))
    [seen] = server.seen
    assert (seen.path, seen.query) == ("/graph/fredgraph.csv", {"id": ["BOPGSTB"]})
    assert rows_of(fetched) == [(p, fred_value(v)) for p, v in snapshot_rows("trade_balance")]
    assert fetched.request == f"{server.url}/graph/fredgraph.csv?id=BOPGSTB"


def test_fred_csv_sends_the_window(server: ReplayServer, http: HttpClient) -> None:
    FredUpstream({"IMPMX": snapshot_rows("imports_mexico")}).install(server)
    fetched = fred.fetch("imports_mexico", DECLARATIONS["imports_mexico"], http,
                         fred_env(server, key=None))
    assert server.seen[0].query == {"id": ["IMPMX"], "cosd": ["2022-01-01"]}
    assert rows_of(fetched)[0] == ("2022-01", "33154.724468")
    assert rows_of(fetched)[-1][0] == "2026-07"


@pytest.mark.parametrize(("date_header", "missing"), [("observation_date", ""), ("DATE", ".")])
def test_fred_csv_missing_values(server: ReplayServer, http: HttpClient, date_header: str,
                                 missing: str) -> None:
    rows = tb_rows("2024-01", "2024-06")
    rows[4] = (rows[4][0], None)
    body = fredgraph_csv("BOPGSTB", rows, date_header=date_header, missing=missing)
    assert f"2024-05-01,{missing}\n".encode() in body
    server.add("/graph/fredgraph.csv", Reply(200, body, CSV))
    fetched = fred.fetch("trade_balance", DECLARATIONS["trade_balance"], http,
                         fred_env(server, key=None))
    assert rows_of(fetched)[3:] == [("2024-04", "-70870"), ("2024-05", "."),
                                    ("2024-06", "-71344")]


def test_fred_csv_html_page_is_refused(server: ReplayServer, http: HttpClient) -> None:
    page = b"<!DOCTYPE html>\n<html><head><title>FRED</title></head><body>Error</body></html>"
    server.add("/graph/fredgraph.csv", Reply(200, page, {"Content-Type": "text/html"}))
    message = fetch_error(lambda: fred.fetch("trade_balance", DECLARATIONS["trade_balance"],
                                             http, fred_env(server, key=None)))
    assert f"FRED: {server.url}/graph/fredgraph.csv?id=BOPGSTB returned an HTML page, " \
           "not CSV" in message


def test_fred_csv_for_another_series_is_refused(server: ReplayServer, http: HttpClient) -> None:
    body = fredgraph_csv("BOPTEXP", snapshot_rows("exports")[:3])
    server.add("/graph/fredgraph.csv", Reply(200, body, CSV))
    message = fetch_error(lambda: fred.fetch("trade_balance", DECLARATIONS["trade_balance"],
                                             http, fred_env(server, key=None)))
    assert "unexpected CSV header ['observation_date', 'BOPTEXP']" in message
    assert "Expected observation_date,BOPGSTB." in message


def test_fred_csv_with_a_broken_line_is_refused(server: ReplayServer, http: HttpClient) -> None:
    body = fredgraph_csv("BOPGSTB", tb_rows("2024-01", "2024-06"))
    server.add("/graph/fredgraph.csv", Reply(200, body[: body.rindex(b",")], CSV))
    message = fetch_error(lambda: fred.fetch("trade_balance", DECLARATIONS["trade_balance"],
                                             http, fred_env(server, key=None)))
    assert "CSV line 7 is incomplete" in message


# -- Census ----------------------------------------------------------------------------------

CENSUS_TOML = """
[test]
title = "U.S. goods trade with China and Mexico"
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
params = { CTY_CODE = ["5700", "2010"] }
requests = [
  { endpoint = "exports/hs", value = "ALL_VAL_MO", set = { flow = "exports" } },
  { endpoint = "imports/hs", value = "GEN_VAL_MO", set = { flow = "imports" } },
]
"""
CENSUS_PATH = "/data/timeseries/intltrade"


def census_env(server: ReplayServer, key: str | None = CENSUS_KEY) -> dict[str, str]:
    env = {"SITE_BUILDER_CENSUS_URL": server.url + CENSUS_PATH}
    if key:
        env["CENSUS_API_KEY"] = key
    return env


def test_census_reads_rows_by_header_name(server: ReplayServer, http: HttpClient) -> None:
    server.add(f"{CENSUS_PATH}/exports/hs", Reply.fixture("census_exports_cty.json"))
    server.add(f"{CENSUS_PATH}/imports/hs", Reply.fixture("census_imports_cty.json"))
    fetched = census.fetch("test", declaration(CENSUS_TOML), http, census_env(server))
    assert [s.path for s in server.seen] == [f"{CENSUS_PATH}/exports/hs",
                                             f"{CENSUS_PATH}/imports/hs"]
    exports = server.seen[0].query
    assert exports == {"CTY_CODE": ["5700", "2010"], "get": ["CTY_NAME,ALL_VAL_MO"],
                       "time": ["from 2024-01 to 2024-03"], "key": [CENSUS_KEY]}
    assert server.seen[1].query["get"] == ["CTY_NAME,GEN_VAL_MO"]
    assert list(fetched.frame.columns) == ["period", "partner", "flow", "value"]
    assert len(fetched.frame) == 12
    assert rows_of(fetched, partner="CHINA", flow="exports") == [
        ("2024-01", "12067738457"), ("2024-02", "12062242215"), ("2024-03", "12653547761")]
    assert rows_of(fetched, partner="MEXICO", flow="imports")[0] == ("2024-01", "37960125983")
    assert CENSUS_KEY not in fetched.request
    assert fetched.vintage == "Census international trade API, as retrieved 2026-08-10"


def test_census_with_the_projects_declaration(server: ReplayServer, http: HttpClient) -> None:
    partners = ["China", "Mexico", "Canada", "World (all countries)"]
    CensusUpstream({"exports/hs": census_records_from_snapshot("ALL_VAL_MO", partners),
                    "imports/hs": census_records_from_snapshot("GEN_VAL_MO", partners)},
                   prefix=CENSUS_PATH).install(server)
    fetched = census.fetch("census_partner_goods", DECLARATIONS["census_partner_goods"], http,
                           census_env(server))
    assert server.seen[0].query["CTY_CODE"] == ["5700", "2010", "1220", "-"]
    assert server.seen[0].query["time"] == ["from 2024-01"]
    assert len(fetched.frame) == 2 * 4 * 24
    assert set(fetched.frame["partner"]) == {"CHINA", "MEXICO", "CANADA",
                                             "TOTAL FOR ALL COUNTRIES"}
    world = rows_of(fetched, partner="TOTAL FOR ALL COUNTRIES", flow="imports")
    [(_, stored)] = [r for r in snapshot_rows("partner_goods", series_id="IMP0015")
                     if r[0] == "2025-12"]
    assert stored is not None
    assert world[-1] == ("2025-12", census_dollars(stored))


def test_census_204_means_no_data(server: ReplayServer, http: HttpClient) -> None:
    server.add(f"{CENSUS_PATH}/exports/hs", Reply(204))
    message = fetch_error(lambda: census.fetch("test", declaration(CENSUS_TOML), http,
                                               census_env(server)))
    assert f"Census: {server.url}{CENSUS_PATH}/exports/hs?" in message
    assert "returned no data (HTTP 204)" in message
    assert "Check the time range and the filters." in message
    assert CENSUS_KEY not in message


def test_census_plain_text_400_is_shown(server: ReplayServer, http: HttpClient) -> None:
    server.add(f"{CENSUS_PATH}/exports/hs", Reply.fixture("census_error_400.txt", 400))
    bad = declaration(CENSUS_TOML.replace('value = "ALL_VAL_MO"', 'value = "ALL_VAL_MOX"'))
    message = fetch_error(lambda: census.fetch("test", bad, http, census_env(server)))
    assert "answered HTTP 400: error: unknown variable 'ALL_VAL_MOX'" in message
    assert server.seen[0].query["get"] == ["CTY_NAME,ALL_VAL_MOX"]
    assert len(server.seen) == 1


def test_census_html_page_is_refused(server: ReplayServer, http: HttpClient) -> None:
    page = (b"<html><head><title>Invalid Key</title></head><body><h1>Invalid Key</h1>"
            b"</body></html>")
    server.add(f"{CENSUS_PATH}/exports/hs", Reply(200, page, {"Content-Type": "text/html"}))
    message = fetch_error(lambda: census.fetch("test", declaration(CENSUS_TOML), http,
                                               census_env(server)))
    assert "returned an HTML page" in message


def test_census_without_a_key_asks_for_one(server: ReplayServer,
                                                         http: HttpClient) -> None:
    CensusUpstream({"exports/hs": census_records_from_snapshot("ALL_VAL_MO", ["China"])},
                   prefix=CENSUS_PATH).install(server)
    message = fetch_error(lambda: census.fetch("test", declaration(CENSUS_TOML), http,
                                               census_env(server, key="")))
    assert "CENSUS_API_KEY" in message
    assert "https://api.census.gov/data/key_signup.html" in message
    assert server.seen == []


def test_census_refused_key_redirect(server: ReplayServer, http: HttpClient) -> None:
    server.add(f"{CENSUS_PATH}/exports/hs",
               Reply(302, b"", {"Location": "https://api.census.gov/data/invalid_key.html",
                                "X-DataWebAPI-KeyError": "Invalid Key"}))
    message = fetch_error(lambda: census.fetch("test", declaration(CENSUS_TOML), http,
                                               census_env(server)))
    assert "redirected (HTTP 302) to https://api.census.gov/data/invalid_key.html" in message
    assert "key is missing or refused" in message
    assert len(server.seen) == 1
    assert CENSUS_KEY not in message


def test_census_answer_without_an_expected_column(server: ReplayServer,
                                                  http: HttpClient) -> None:
    body = census_json(["ALL_VAL_MO", "CTY_CODE", "time"], [["12067738457", "5700", "2024-01"]])
    server.add(f"{CENSUS_PATH}/exports/hs", Reply(200, body, JSON))
    message = fetch_error(lambda: census.fetch("test", declaration(CENSUS_TOML), http,
                                               census_env(server)))
    assert "no column 'CTY_NAME' in the response (columns: ALL_VAL_MO, CTY_CODE, time)" in message


# -- BEA -------------------------------------------------------------------------------------

BEA_TOML = """
[test]
title = "U.S. exports of services, annual"
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
BEA_PATH = "/api/data"


def bea_env(server: ReplayServer, key: str | None = BEA_KEY) -> dict[str, str]:
    env = {"SITE_BUILDER_BEA_URL": server.url + BEA_PATH}
    if key:
        env["BEA_API_KEY"] = key
    return env


def values(fetched: Fetched) -> list[tuple[str, float]]:
    return [(p, float(v)) for p, v in rows_of(fetched)]


def test_bea_reads_values_with_commas_and_unit_mult(server: ReplayServer,
                                                    http: HttpClient) -> None:
    server.add(BEA_PATH, Reply.fixture("bea_ita.json"))
    fetched = bea.fetch("test", declaration(BEA_TOML), http, bea_env(server))
    [seen] = server.seen
    assert {k: v[0] for k, v in seen.query.items()} == {
        "UserID": BEA_KEY, "method": "GetData", "DataSetName": "ITA", "ResultFormat": "JSON",
        "AreaOrCountry": "AllCountries", "Frequency": "A", "Year": "2023,2024",
        "Indicator": "ExpServ"}
    assert values(fetched) == [("2023", 1045078.0), ("2024", 1152745.0)]  # "1,045,078" x 10^6
    assert list(fetched.frame["flow"]) == ["exports", "exports"]
    assert BEA_KEY not in fetched.request
    assert fetched.vintage == "BEA API, as retrieved 2026-08-10"


@pytest.mark.parametrize(("unit_mult", "units", "expected"), [
    ("3", "USD millions", 1045078.0),  # thousands: "1,045,078,000" x 10^3 dollars
    ("6", "USD billions", 1045.078),
    ("0", "USD", 1045078e6),  # dollars: "1,045,078,000,000"
])
def test_bea_unit_mult_scales_to_the_declared_units(server: ReplayServer, http: HttpClient,
                                                   unit_mult: str, units: str,
                                                   expected: float) -> None:
    rows = [r for r in bea_annual_services("BOPSEXP") if r[0] == "2023"]
    zeros = "0" * (6 - int(unit_mult))
    body = bea_ita(BEA_PARAMS, rows, unit_mult=unit_mult,
                   data_value=lambda v: f"{int(v + zeros):,}")
    server.add(BEA_PATH, Reply(200, body, JSON))
    decl = declaration(BEA_TOML.replace('units = "USD millions"', f'units = "{units}"'))
    fetched = bea.fetch("test", decl, http, bea_env(server))
    assert values(fetched) == [("2023", pytest.approx(expected))]


def test_bea_not_available_is_missing(server: ReplayServer, http: HttpClient) -> None:
    rows = [("2023", None), *[r for r in bea_annual_services("BOPSEXP") if r[0] == "2024"]]
    server.add(BEA_PATH, Reply(200, bea_ita(BEA_PARAMS, rows), JSON))
    fetched = bea.fetch("test", declaration(BEA_TOML), http, bea_env(server))
    assert rows_of(fetched) == [("2023", "."), ("2024", "1152745.0")]



@pytest.mark.parametrize("marker", ["(D)", "(*)", "n.a.", "...", "", "."])
def test_bea_markers_and_the_snapshots_own_are_missing(server: ReplayServer, http: HttpClient,
                                                       marker: str) -> None:
    # BEA's own markers, and the two a snapshot writes a missing value as, are all missing.
    rows = [("2023", "-1"), *[r for r in bea_annual_services("BOPSEXP") if r[0] == "2024"]]
    body = bea_ita(BEA_PARAMS, rows,
                   data_value=lambda v: marker if v == "-1" else bea_thousands(v))
    server.add(BEA_PATH, Reply(200, body, JSON))
    fetched = bea.fetch("test", declaration(BEA_TOML), http, bea_env(server))
    assert rows_of(fetched) == [("2023", "."), ("2024", "1152745.0")]


def test_bea_one_row_answer_with_data_as_an_object(server: ReplayServer,
                                                   http: HttpClient) -> None:
    # docs/data-apis.md: some clients report a one-row answer gives Data as a single object
    # instead of a list; "Accept both".
    body = bea_ita(BEA_PARAMS, [r for r in bea_annual_services("BOPSEXP") if r[0] == "2024"])
    body = body.replace(b'"Data":[{', b'"Data":{').replace(b'""}],"Notes"', b'""},"Notes"')
    server.add(BEA_PATH, Reply(200, body, JSON))
    fetched = bea.fetch("test", declaration(BEA_TOML), http, bea_env(server))
    assert values(fetched) == [("2024", 1152745.0)]


def test_bea_with_the_projects_declaration(server: ReplayServer, http: HttpClient) -> None:
    BeaUpstream({"ExpServ": bea_annual_services("BOPSEXP"),
                 "ImpServ": bea_annual_services("BOPSIMP"),
                 "BalServ": bea_annual_services("BOPSTB")}, key=BEA_KEY).install(server)
    fetched = bea.fetch("services_trade", DECLARATIONS["services_trade"], http,
                        bea_env(server))
    assert [s.one("Indicator") for s in server.seen] == ["ExpServ", "ImpServ", "BalServ"]
    assert {s.one("Year") for s in server.seen} == {"ALL"}
    assert len(fetched.frame) == 18
    balance = fetched.frame[fetched.frame["flow"] == "balance"]
    assert list(balance["period"]) == ["2020", "2021", "2022", "2023", "2024", "2025"]
    assert float(balance["value"].iloc[-1]) == 339471.0


@pytest.mark.parametrize("placement", ["Results", "BEAAPI"])
def test_bea_error_inside_http_200(server: ReplayServer, http: HttpClient,
                                   placement: str) -> None:
    body = bea_error({**BEA_PARAMS, "UserID": BEA_KEY}, "40", "The dataset requested requires "
                     "parameters that were missing from the request.",
                     "Invalid Value for Parameter Indicator", placement=placement)
    server.add(BEA_PATH, Reply(200, body, JSON))
    message = fetch_error(lambda: bea.fetch("test", declaration(BEA_TOML), http,
                                            bea_env(server)))
    assert f"BEA: {server.url}{BEA_PATH}?" in message
    assert ("error 40: The dataset requested requires parameters that were missing from the "
            "request. (Invalid Value for Parameter Indicator)") in message
    assert BEA_KEY not in message
    assert len(server.seen) == 1


def test_bea_error_fixtures(server: ReplayServer, http: HttpClient) -> None:
    server.add(BEA_PATH, Reply.fixture("bea_error_bad_key.json"))
    message = fetch_error(lambda: bea.fetch("test", declaration(BEA_TOML), http,
                                            bea_env(server)))
    assert "error 1: Invalid Request - Invalid API UserId." in message
    assert "Check the key" in message
    server.add(BEA_PATH, Reply.fixture("bea_error_in_200.json"))
    message = fetch_error(lambda: bea.fetch("test", declaration(BEA_TOML), http,
                                            bea_env(server)))
    assert "error 40:" in message
    assert "(Invalid Value for Parameter Indicator)" in message


def test_bea_without_a_key(server: ReplayServer, http: HttpClient) -> None:
    message = fetch_error(lambda: bea.fetch("test", declaration(BEA_TOML), http,
                                            bea_env(server, key=None)))
    assert "BEA (dataset 'test') needs an API key in the environment variable BEA_API_KEY" \
        in message
    assert "https://apps.bea.gov/API/signup/" in message
    assert server.seen == []


def test_bea_quarterly_periods_are_refused(server: ReplayServer, http: HttpClient) -> None:
    rows = [r for r in bea_annual_services("BOPSEXP") if r[0] == "2024"]
    body = bea_ita({**BEA_PARAMS, "Frequency": "QSA"}, rows).replace(
        b'"TimePeriod":"2024"', b'"TimePeriod":"2024Q1"')
    server.add(BEA_PATH, Reply(200, body, JSON))
    message = fetch_error(lambda: bea.fetch("test", declaration(BEA_TOML), http,
                                            bea_env(server)))
    assert "period '2024Q1' is neither a year nor a month" in message
    assert "Frequency=A" in message


def test_bea_html_answer_is_refused(server: ReplayServer, http: HttpClient) -> None:
    server.add(BEA_PATH, Reply(200, b"<html><body>Service Unavailable</body></html>",
                               {"Content-Type": "text/html"}))
    message = fetch_error(lambda: bea.fetch("test", declaration(BEA_TOML), http,
                                            bea_env(server)))
    assert "returned an HTML page" in message
