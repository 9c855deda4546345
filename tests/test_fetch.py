"""``fetch`` end to end on a throwaway project: replayed APIs, validation, snapshot, diff, build.

Every upstream answer is written in the API's real format from values in the committed
snapshot. The revision scenario is real too: the project starts from ``trade_balance`` as it
stood on 2026-07-12 (May 2026 at -77,585, no June yet) and upstream serves it as it stood on
2026-08-09 (May revised to -77,647, June -73,261 added); both copies are in
``trade_balance_snapshots``.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import json
from collections.abc import Callable, Iterator
from functools import cache
from pathlib import Path

import pytest
from conftest import TinyProject, table_path
from replay import (
    CSV,
    JSON,
    BeaUpstream,
    CensusUpstream,
    FredUpstream,
    ReplayServer,
    Reply,
    Rows,
    bea_annual_services,
    census_records_from_snapshot,
    fred_error,
    fred_observations,
    fredgraph_csv,
    replay_server,
    snapshot_rows,
    snapshot_table,
)

from site_builder.build.impact import PageImpact
from site_builder.build.pipeline import build
from site_builder.cli import main
from site_builder.data import status
from site_builder.data.declarations import load_declarations
from site_builder.data.diff import PageChange
from site_builder.data.fetch import FetchResult, fetch
from site_builder.data.http_client import HttpClient
from site_builder.data.store import table_file
from site_builder.errors import BuildFailed
from site_builder.report import SilentReporter

FolderBytes = Callable[[Path], dict[str, bytes]]
REPO = Path(__file__).resolve().parents[1]
DECLARATIONS = load_declarations(REPO / "content" / "data" / "datasets.toml")
NOW = dt.datetime(2026, 8, 10, 12, 0, tzinfo=dt.UTC)
FRED_KEY = "SECRETFREDKEY0001"
CENSUS_KEY = "SECRETCENSUSKEY0002"
BEA_KEY = "SECRETBEAKEY0003"
KEYS = (FRED_KEY, CENSUS_KEY, BEA_KEY)
CENSUS_PATH = "/data/timeseries/intltrade"
MINUS = "\u2212"

BRIEF = """\
---
title: The trade balance in mid-2026
date: 2026-08-10
summary: The latest monthly trade balance, and the May figure as it stands.
---
{% set balance = series("trade_balance") %}
The latest month's balance was {{ usd(balance.latest(), digits=3) }}.
The balance for May 2026 was {{ usd(balance.at("2026-05"), digits=3) }}.
"""
#: The brief's two sentences, as a reader sees them (typography curls the apostrophe).
LATEST = "The latest month’s balance was {} billion."
MAY = "The balance for May 2026 was {} billion."
CHART = """
```chart
id: recent-balance
title: US trade balance since 2025
data: trade_balance
since: 2025-01
mark: bar
encoding:
  x: {field: period, type: ordinal, title: null}
  y: {field: value, type: quantitative, title: Billions of dollars}
```
"""


class Sleeps(list[float]):
    """A ``sleep`` that records how long it was asked to wait, and returns at once."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


# -- the project and the upstream ----------------------------------------------------------

@pytest.fixture
def live(tmp_path: Path) -> TinyProject:
    """A tiny project with its own cache: fetch records its outcome there."""
    return TinyProject(tmp_path / "project", tmp_path / "cache")


@pytest.fixture
def server() -> Iterator[ReplayServer]:
    with replay_server() as running:
        yield running


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


def client(project: TinyProject, sleeps: Sleeps, **options: object) -> HttpClient:
    settings: dict = {"timeout": 2.0, "retries": 2, "sleep": sleeps, "jitter": lambda: 0.5,
                      "clock": lambda: NOW.timestamp()}
    settings.update(options)
    return HttpClient(project.project.cache / "http", **settings)


def env_for(server: ReplayServer, *, fred_key: str | None = FRED_KEY) -> dict[str, str]:
    env = {"SITE_BUILDER_FRED_URL": server.url,
           "SITE_BUILDER_CENSUS_URL": server.url + CENSUS_PATH,
           "SITE_BUILDER_BEA_URL": server.url + "/api/data",
           "CENSUS_API_KEY": CENSUS_KEY, "BEA_API_KEY": BEA_KEY}
    if fred_key:
        env["FRED_API_KEY"] = fred_key
    return env


def july_trade_balance() -> list[tuple[str, str | None]]:
    """``trade_balance`` as it stood on 2026-07-12: the 2023-on rows of that copy, earlier
    rows as in the committed (2026-08-09) copy, which no release since June has revised."""
    copies = snapshot_table("trade_balance_snapshots")
    july = copies[copies["vintage"] == "2026-07-12"].sort_values("period")
    early = [r for r in snapshot_rows("trade_balance") if r[0] < "2023-01"]
    return early + list(zip(july["period"], july["value"], strict=True))


def put_table(project: TinyProject, name: str, rows: Rows, *, retrieved: str,
              vintage: str) -> None:
    """Replace one table of the project's committed snapshot, lock entry included."""
    raw = ("period,value\n" + "".join(f"{p},{v or ''}\n" for p, v in rows)).encode()
    data = project.root / "content" / "data"
    lock = json.loads((data / "snapshot.lock.json").read_text("utf-8"))
    (data / "snapshot" / lock["datasets"][name]["file"]).unlink()
    (data / "snapshot" / table_file(name, raw)).write_bytes(gzip.compress(raw, mtime=0))
    lock["datasets"][name].update(file=table_file(name, raw), rows=len(rows),
                                  first=rows[0][0], last=rows[-1][0],
                                  sha256=hashlib.sha256(raw).hexdigest(),
                                  retrieved=retrieved, vintage=vintage)
    (data / "snapshot.lock.json").write_text(json.dumps(lock, indent=2, ensure_ascii=False)
                                             + "\n", encoding="utf-8")


@pytest.fixture
def july(live: TinyProject) -> TinyProject:
    """The tiny project with its trade balance as of July 2026, and a brief that cites it."""
    put_table(live, "trade_balance", july_trade_balance(), retrieved="2026-07-12",
              vintage="FRED, copy of 2026-07-12")
    # As of July, the dated copies of August 2026 did not exist yet: the July copy is current.
    lock_path = live.root / "content" / "data" / "snapshot.lock.json"
    table_path("trade_balance_snapshots", lock_path.parent).unlink()
    doc = json.loads(lock_path.read_text("utf-8"))
    doc["datasets"].pop("trade_balance_snapshots")
    lock_path.write_text(json.dumps(doc, indent=2), encoding="utf-8")
    live.brief("balance", BRIEF)
    return live


def august() -> dict[str, Rows]:
    return {"BOPGSTB": snapshot_rows("trade_balance")}


def lock(project: TinyProject) -> dict[str, dict]:
    text = (project.root / "content" / "data" / "snapshot.lock.json").read_text("utf-8")
    return json.loads(text)["datasets"]


def table_bytes(project: TinyProject, name: str) -> bytes:
    return gzip.decompress(table_path(name, project.root / "content" / "data").read_bytes())


def data_folder(project: TinyProject) -> Path:
    return project.root / "content" / "data"


def page_text(project: TinyProject, slug: str) -> str:
    return (project.output / "briefs" / slug / "index.html").read_text("utf-8")


def run(project: TinyProject, server: ReplayServer, http: HttpClient,
        only: tuple[str, ...] = ("trade_balance",), **env_options: str | None
        ) -> FetchResult:
    return fetch(project.project, SilentReporter(), env_for(server, **env_options),
                 impact=PageImpact(project.project), only=only,
                 http=http, now=NOW)


# -- 1. a revision and a new month, end to end ----------------------------------------------

def test_the_diff_names_the_revision_the_new_month_and_the_brief(
        july: TinyProject, server: ReplayServer, sleeps: Sleeps) -> None:
    july.brief("balance", BRIEF + CHART)
    FredUpstream(august()).install(server)

    result = run(july, server, client(july, sleeps))

    assert result.written
    assert (result.requests, result.cache_hits, result.retries) == (1, 0, 0)
    [seen] = server.seen
    assert seen.query == {"series_id": ["BOPGSTB"], "api_key": [FRED_KEY], "file_type": ["json"]}
    assert result.diff.text() == "\n".join([
        "Data",
        "  trade_balance (USD millions): 1 new, 1 revised",
        f"    new 2026-06: {MINUS}73,261",
        f"    revised 2026-05: {MINUS}77,585 → {MINUS}77,647",
        "",
        "Briefs affected",
        "  /briefs/balance/ (content/briefs/balance.md)",
        f'    "{LATEST.format(f"{MINUS}$77.585")}" → "{LATEST.format(f"{MINUS}$73.261")}"',
        f'    "{MAY.format(f"{MINUS}$77.585")}" → "{MAY.format(f"{MINUS}$77.647")}"',
        "    chart recent-balance: data changed",
    ]) + "\n"
    assert result.diff.pages == (PageChange(
        "/briefs/balance/", "content/briefs/balance.md",
        ((LATEST.format(f"{MINUS}$77.585"), LATEST.format(f"{MINUS}$73.261")),
         (MAY.format(f"{MINUS}$77.585"), MAY.format(f"{MINUS}$77.647"))),
        ("recent-balance",)),)


def test_the_lock_entry_describes_the_table_written(july: TinyProject, server: ReplayServer,
                                                     sleeps: Sleeps,
                                                     folder_bytes: FolderBytes) -> None:
    before = lock(july)
    others = {k: v for k, v in folder_bytes(data_folder(july)).items()
              if "/trade_balance-" not in k and "lock" not in k}
    FredUpstream(august()).install(server)

    run(july, server, client(july, sleeps))

    entry = lock(july)["trade_balance"]
    assert entry["rows"] == before["trade_balance"]["rows"] + 1 == 414
    assert (entry["first"], entry["last"]) == ("1992-01", "2026-06")
    assert entry["retrieved"] == "2026-08-10T12:00:00+00:00"
    assert entry["vintage"] == "FRED, as retrieved 2026-08-10"
    assert entry["provenance"] == "fetched by site_builder from the FRED API"
    assert entry["request"].startswith(
        f"{server.url}/fred/series/observations?series_id=BOPGSTB&api_key=")
    assert FRED_KEY not in entry["request"]
    kept = ("rows", "last", "sha256", "file", "retrieved", "vintage", "provenance", "request")
    assert {k: v for k, v in entry.items() if k not in kept} == \
        {k: v for k, v in before["trade_balance"].items() if k not in kept}
    # The table holds upstream's values, and the checksum is the table's.
    raw = table_bytes(july, "trade_balance")
    stored = [line.split(",") for line in raw.decode().splitlines()]
    assert stored[0] == ["period", "value"]
    assert [(p, float(v)) for p, v in stored[1:]] == [(p, float(v or "nan"))
                                                      for p, v in august()["BOPGSTB"]]
    assert entry["sha256"] != before["trade_balance"]["sha256"]
    assert entry["sha256"] == hashlib.sha256(raw).hexdigest()
    # The table's file is named after its checksum; the old one is gone.
    assert entry["file"] == f"trade_balance-{entry['sha256'][:12]}.csv.gz"
    assert not (data_folder(july) / "snapshot" / before["trade_balance"]["file"]).exists()
    # Everything else in the snapshot is as it was.
    assert {k: v for k, v in lock(july).items() if k != "trade_balance"} == \
        {k: v for k, v in before.items() if k != "trade_balance"}
    assert {k: v for k, v in folder_bytes(data_folder(july)).items()
            if "/trade_balance-" not in k and "lock" not in k} == others
    assert [p.name for p in data_folder(july).rglob(".*")] == []  # no staging left behind


def test_the_next_build_shows_the_fetched_figures(july: TinyProject, server: ReplayServer,
                                                  sleeps: Sleeps) -> None:
    july.build()
    assert f"{MINUS}$77.585 billion" in page_text(july, "balance")
    FredUpstream(august()).install(server)
    run(july, server, client(july, sleeps))

    july.build()

    page = page_text(july, "balance")
    assert f"{MINUS}$73.261 billion" in page
    assert f"{MINUS}$77.647 billion" in page
    assert f"{MINUS}$77.585 billion" not in page
    assert "FRED, as retrieved 2026-08-10" in page


def test_dry_run_shows_the_diff_and_writes_nothing(july: TinyProject, server: ReplayServer,
                                                   sleeps: Sleeps,
                                                   folder_bytes: FolderBytes) -> None:
    before = folder_bytes(data_folder(july))
    FredUpstream(august()).install(server)
    result = fetch(july.project, SilentReporter(), env_for(server),
                   impact=PageImpact(july.project), only=("trade_balance",),
                   http=client(july, sleeps), now=NOW, dry_run=True)
    assert not result.written
    assert f"revised 2026-05: {MINUS}77,585 → {MINUS}77,647" in result.diff.text()
    assert folder_bytes(data_folder(july)) == before
    assert status.last(july.project.cache) is None


def test_keyless_fetch_reads_the_csv_download(july: TinyProject, server: ReplayServer,
                                              sleeps: Sleeps) -> None:
    FredUpstream(august()).install(server)
    result = run(july, server, client(july, sleeps), fred_key=None)
    assert [s.path for s in server.seen] == ["/graph/fredgraph.csv"]
    assert result.written
    assert f"new 2026-06: {MINUS}73,261" in result.diff.text()
    assert lock(july)["trade_balance"]["request"] == \
        f"{server.url}/graph/fredgraph.csv?id=BOPGSTB"


# -- 2. every failure leaves the snapshot byte for byte as it was ---------------------------

TB = snapshot_rows("trade_balance")


def _json(rows: Rows, **options: int) -> Reply:
    return Reply(200, fred_observations(rows, realtime="2026-08-10", **options), JSON)


def _without(period: str) -> list[tuple[str, str | None]]:
    return [r for r in TB if r[0] != period]


def _times_1000(rows: Rows) -> list[tuple[str, str | None]]:
    return [(p, None if v is None else str(int(float(v)) * 1000)) for p, v in rows]


HTML_PAGE = (b"<!DOCTYPE html>\n<html><head><title>Service Unavailable</title></head>"
             b"<body><h1>We'll be back soon</h1></body></html>")
FAILURES = {
    "duplicate period": (_json([*TB, TB[-1]]), "two rows for {'period': '2026-06'}"),
    "gap in the middle": (_json(_without("2000-06")),
                          "periods missing from the middle of the series: 2000-06"),
    "non-numeric value": (_json([*TB[:-1], (TB[-1][0], "-73,261")]),
                          "value '-73,261' for 2026-06 is not a number"),
    "units changed": (_json(_times_1000(TB)), "the units seem to have changed "
                                              "(USD millions expected)"),
    "fewer rows": (_json([r for r in TB if r[0] >= "2000-01"]),
                   "the answer lacks 96 rows the snapshot has (1992-01 to 1999-12)"),
    "truncated JSON": (Reply(200, fred_observations(TB, realtime="2026-08-10")[:5000], JSON),
                       "returned malformed or truncated JSON"),
    "count mismatch": (_json(TB[:-1], count=len(TB)), "returned 413 of 414 observations"),
    "HTML page for JSON": (Reply(200, HTML_PAGE, {"Content-Type": "text/html"}),
                           "returned an HTML page"),
    "bad key": (Reply(400, fred_error(400, "Bad Request.  The value for variable api_key is "
                                           "not registered.  Read https://fred.stlouisfed.org"
                                           "/docs/api/api_key.html for more information."),
                      JSON), "The value for variable api_key is not registered"),
    "500 for ever": (Reply(500, b"Internal Server Error", {"Content-Type": "text/plain"}),
                     "answered HTTP 500: Internal Server Error"),
}


@pytest.mark.parametrize("case", sorted(FAILURES))
def test_a_failed_fetch_leaves_the_snapshot_as_it_was(live: TinyProject, server: ReplayServer,
                                                      sleeps: Sleeps, folder_bytes: FolderBytes,
                                                      case: str) -> None:
    reply, problem = FAILURES[case]
    server.add("/fred/series/observations", reply)
    before = folder_bytes(data_folder(live))
    with pytest.raises(BuildFailed) as info:
        run(live, server, client(live, sleeps))
    [error] = info.value.errors
    assert problem in error.message
    assert f"{server.url}/fred/series/observations?series_id=BOPGSTB" in error.message
    assert FRED_KEY not in str(error)
    assert folder_bytes(data_folder(live)) == before
    assert not [p for p in data_folder(live).iterdir() if p.name.startswith(".")]
    if case == "500 for ever":
        assert len(server.seen) == 3
        assert sleeps == [1.0, 2.0]
    else:
        assert sleeps == []


def test_validation_errors_say_the_snapshot_was_kept(live: TinyProject, server: ReplayServer,
                                                     sleeps: Sleeps) -> None:
    server.add("/fred/series/observations", FAILURES["non-numeric value"][0])
    with pytest.raises(BuildFailed) as info:
        run(live, server, client(live, sleeps))
    assert str(info.value).startswith("dataset 'trade_balance' from ")
    assert "The snapshot was left as it was." in str(info.value)


@pytest.mark.parametrize(("reply", "problem"), [
    (Reply(200, HTML_PAGE, {"Content-Type": "text/html"}), "returned an HTML page, not CSV"),
    (Reply(200, fredgraph_csv("BOPGSTB", _without("2000-06")), CSV),
     "periods missing from the middle of the series: 2000-06"),
])
def test_a_failed_keyless_fetch_leaves_the_snapshot_as_it_was(
        live: TinyProject, server: ReplayServer, sleeps: Sleeps, folder_bytes: FolderBytes,
        reply: Reply, problem: str) -> None:
    server.add("/graph/fredgraph.csv", reply)
    before = folder_bytes(data_folder(live))
    with pytest.raises(BuildFailed) as info:
        run(live, server, client(live, sleeps), fred_key=None)
    assert problem in str(info.value)
    assert folder_bytes(data_folder(live)) == before


def test_one_bad_dataset_stops_the_good_one_too(july: TinyProject, server: ReplayServer,
                                                sleeps: Sleeps, folder_bytes: FolderBytes
                                                ) -> None:
    upstream = FredUpstream(august())
    server.respond("/fred/series/observations", lambda seen: upstream(seen)
                   if seen.one("series_id") == "BOPGSTB" else
                   Reply(200, HTML_PAGE, {"Content-Type": "text/html"}))
    before = folder_bytes(data_folder(july))
    with pytest.raises(BuildFailed) as info:
        run(july, server, client(july, sleeps), only=("trade_balance", "exports"))
    [error] = info.value.errors
    assert "series_id=BOPTEXP" in error.message
    assert {s.one("series_id") for s in server.seen} == {"BOPGSTB", "BOPTEXP"}
    assert folder_bytes(data_folder(july)) == before  # trade_balance's good news waits too


def test_every_failing_dataset_is_reported(live: TinyProject, server: ReplayServer,
                                           sleeps: Sleeps, folder_bytes: FolderBytes) -> None:
    before = folder_bytes(data_folder(live))
    with pytest.raises(BuildFailed) as info:
        fetch(live.project, SilentReporter(), {"SITE_BUILDER_FRED_URL": server.url},
              impact=PageImpact(live.project),
              only=("trade_balance_2026_05", "census_partner_goods", "services_trade"),
              http=client(live, sleeps), now=NOW)
    messages = sorted(e.message for e in info.value.errors)
    assert len(messages) == 3
    assert any("BEA_API_KEY" in m for m in messages)
    assert any("CENSUS_API_KEY" in m for m in messages)
    assert any("FRED_API_KEY" in m for m in messages)
    assert server.seen == []
    assert folder_bytes(data_folder(live)) == before


# -- 3. after a failed fetch the build says how old the data are ----------------------------

def test_after_a_failed_fetch_the_build_warns_and_strict_refuses(
        live: TinyProject, server: ReplayServer, sleeps: Sleeps,
        folder_bytes: FolderBytes) -> None:
    live.brief("balance", BRIEF)
    today = dt.date(2026, 11, 30)
    quiet = SilentReporter()
    build(live.project, quiet, live.output, today=today)
    assert quiet.warnings == []  # a committed snapshot ages quietly until a fetch fails
    output = folder_bytes(live.output)

    server.add("/fred/series/observations", _json(_without("2000-06")))
    later = dt.datetime(2026, 11, 30, 6, 0, tzinfo=dt.UTC)
    with pytest.raises(BuildFailed):
        fetch(live.project, SilentReporter(), env_for(server),
              impact=PageImpact(live.project), only=("trade_balance",),
              http=client(live, sleeps), now=later)

    reporter = SilentReporter()
    build(live.project, reporter, live.output, today=today)
    oldest = (today - dt.date(2023, 12, 17)).days  # canada_goods, the oldest live dataset
    [warning] = reporter.warnings
    assert warning.startswith("the last fetch (2026-11-30T06:00:00+00:00) failed: dataset "
                              "'trade_balance' from ")
    assert "periods missing from the middle of the series: 2000-06" in warning
    assert warning.endswith(f"; building from the last good snapshot: its oldest live dataset, "
                            f"'canada_goods', is {oldest} days old.")
    assert page_text(live, "balance")  # built from the last good snapshot

    built = folder_bytes(live.output)
    with pytest.raises(BuildFailed) as info:
        build(live.project, SilentReporter(), live.output, strict=True, today=today)
    messages = [e.message for e in info.value.errors]
    assert messages[0].startswith("stale data: the last fetch (2026-11-30T06:00:00+00:00) "
                                  "failed: ")
    assert f"stale data: dataset 'canada_goods' is {oldest} days old (limit 45)" in messages
    assert all(m.startswith("stale data: ") for m in messages)
    assert "python -m site_builder fetch" in str(info.value.errors[0])
    assert folder_bytes(live.output) == built
    assert built == output


def test_a_good_fetch_clears_the_warning(july: TinyProject, server: ReplayServer,
                                         sleeps: Sleeps) -> None:
    server.add("/fred/series/observations", Reply(500, b"Internal Server Error"))
    with pytest.raises(BuildFailed):
        run(july, server, client(july, sleeps))
    failed = status.last(july.project.cache)
    assert failed is not None
    assert (failed.attempted, failed.ok) == ("2026-08-10T12:00:00+00:00", False)
    assert "answered HTTP 500" in failed.problem
    FredUpstream(august()).install(server)
    run(july, server, client(july, sleeps))
    reporter = SilentReporter()
    build(july.project, reporter, july.output, today=dt.date(2026, 8, 10))
    assert reporter.warnings == []


# -- 4. no key anywhere ----------------------------------------------------------------------

@cache
def fred_today() -> dict[str, Rows]:
    """Every FRED series the project fetches, as upstream has it now: each stored copy's
    rows, the most recently retrieved copy winning where copies overlap."""
    metas = json.loads((REPO / "content" / "data" / "snapshot.lock.json").read_text("utf-8"))
    merged: dict[str, dict[str, tuple[str, str | None]]] = {}
    for name, decl in DECLARATIONS.items():
        spec = decl.fetch
        if spec is None or spec.api != "fred" or spec.vintage is not None:
            continue
        retrieved = metas["datasets"][name]["retrieved"]
        for item in spec.series:
            filters = {"series_id": item.id} if "series_id" in decl.dimensions else {}
            series = merged.setdefault(item.id, {})
            for period, value in snapshot_rows(name, **filters):
                if period not in series or series[period][0] < retrieved:
                    series[period] = (retrieved, value)
    return {sid: [(p, v) for p, (_, v) in sorted(rows.items())] for sid, rows in merged.items()}


def fred_vintages() -> dict[tuple[str, str], Rows]:
    out: dict[tuple[str, str], Rows] = {}
    for name, decl in DECLARATIONS.items():
        spec = decl.fetch
        if spec is None or spec.api != "fred" or spec.vintage is None:
            continue
        for item in spec.series:
            filters = {"series_id": item.id} if "series_id" in decl.dimensions else {}
            out[(item.id, spec.vintage.isoformat())] = snapshot_rows(name, **filters)
    return out


def install_everything(server: ReplayServer) -> None:
    FredUpstream(fred_today(), fred_vintages()).install(server)
    partners = ["China", "Mexico", "Canada", "World (all countries)"]
    CensusUpstream({"exports/hs": census_records_from_snapshot("ALL_VAL_MO", partners),
                    "imports/hs": census_records_from_snapshot("GEN_VAL_MO", partners)},
                   prefix=CENSUS_PATH).install(server)
    BeaUpstream({"ExpServ": bea_annual_services("BOPSEXP"),
                 "ImpServ": bea_annual_services("BOPSIMP"),
                 "BalServ": bea_annual_services("BOPSTB")}, key=BEA_KEY).install(server)


def set_env(monkeypatch: pytest.MonkeyPatch, server: ReplayServer, **keys: str) -> None:
    for name, value in {"SITE_BUILDER_FRED_URL": server.url,
                        "SITE_BUILDER_CENSUS_URL": server.url + CENSUS_PATH,
                        "SITE_BUILDER_BEA_URL": server.url + "/api/data"}.items():
        monkeypatch.setenv(name, value)
    for name in ("FRED_API_KEY", "CENSUS_API_KEY", "BEA_API_KEY"):
        if keys.get(name):
            monkeypatch.setenv(name, keys[name])
        else:
            monkeypatch.delenv(name, raising=False)


def files_holding(folder: Path, secrets: tuple[str, ...]) -> list[str]:
    """Every file below ``folder`` whose name or bytes hold a secret (in any letter case)."""
    found = []
    for path in sorted(folder.rglob("*")):
        name = str(path.relative_to(folder))
        data = path.read_bytes().lower() if path.is_file() else b""
        for secret in secrets:
            if secret.lower() in name.lower() or secret.lower().encode() in data:
                found.append(f"{name}: {secret}")
    return found


def test_no_key_is_written_or_printed_anywhere(live: TinyProject, server: ReplayServer,
                                               monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    live.brief("balance", BRIEF)
    install_everything(server)
    set_env(monkeypatch, server, FRED_API_KEY=FRED_KEY, CENSUS_API_KEY=CENSUS_KEY,
            BEA_API_KEY=BEA_KEY)
    root = str(live.root)
    # Every dataset the replay servers can answer with real figures: no services-by-type
    # values exist in the offline data, so BEA's IntlServTrade is not replayed.
    replayable = [name for name, decl in DECLARATIONS.items()
                  if decl.fetch is not None and decl.fetch.dataset != "IntlServTrade"]

    assert main(["fetch", "--root", root, "-v", "--diff-md", str(live.root / "diff.md"),
                 "--only", *replayable]) == 0
    first = capsys.readouterr()
    fetched = lock(live)
    assert set(fetched) >= {"census_partner_goods", "services_trade"}
    for name in replayable:
        decl = DECLARATIONS[name]
        if decl.fetch is not None:
            assert fetched[name]["provenance"].startswith("fetched by site_builder"), name
    assert "census_partner_goods (USD): new dataset" in first.out
    assert "services_trade (USD millions): new dataset" in first.out
    apis = {s.path for s in server.seen}
    assert apis == {"/fred/series/observations", f"{CENSUS_PATH}/exports/hs",
                    f"{CENSUS_PATH}/imports/hs", "/api/data"}
    assert main(["build", "--root", root]) == 0
    assert (live.root / "output" / "briefs" / "balance" / "index.html").exists()
    # A second run: every answer now comes from the cache (304), still without a key.
    assert main(["fetch", "--root", root, "--only", *replayable]) == 0
    second = capsys.readouterr()
    assert "No data changed." in second.out
    # And a run whose key FRED refuses: the error shows FRED's words, not the key.
    server.respond("/fred/series/observations", lambda seen: Reply(400, fred_error(
        400, "Bad Request.  The value for variable api_key is not registered.  Read "
             "https://fred.stlouisfed.org/docs/api/api_key.html for more information."), JSON))
    assert main(["fetch", "--root", root, "--only", "trade_balance", "--debug"]) == 3
    refused = capsys.readouterr()
    assert "is not registered" in refused.err

    assert (live.root / ".cache" / "http").is_dir()
    assert files_holding(live.root, KEYS) == []
    for stream in (first.out, first.err, second.out, second.err, refused.out, refused.err):
        for secret in KEYS:
            assert secret.lower() not in stream.lower()


# -- 5. the command line ---------------------------------------------------------------------

def test_cli_fetch_prints_the_diff_and_writes_markdown(july: TinyProject, server: ReplayServer,
                                                       monkeypatch: pytest.MonkeyPatch,
                                                       capsys: pytest.CaptureFixture[str]
                                                       ) -> None:
    FredUpstream(august()).install(server)
    set_env(monkeypatch, server, FRED_API_KEY=FRED_KEY)
    diff_md = july.root / "pr" / "diff.md"
    code = main(["fetch", "--root", str(july.root), "--only", "trade_balance",
                 "--diff-md", str(diff_md)])
    out, err = capsys.readouterr()
    assert code == 0
    assert out.splitlines()[:4] == [
        "Data",
        "  trade_balance (USD millions): 1 new, 1 revised",
        f"    new 2026-06: {MINUS}73,261",
        f"    revised 2026-05: {MINUS}77,585 → {MINUS}77,647"]
    assert "Briefs affected" in out
    assert "1 requests, 0 answered from cache (304), 0 retries" in err
    assert "snapshot updated." in err
    markdown = diff_md.read_text("utf-8")
    assert markdown.startswith("## Data\n- **trade_balance** (USD millions): 1 new, 1 revised\n")
    assert f"  - revised 2026-05: {MINUS}77,585 → {MINUS}77,647\n" in markdown
    assert "## Briefs affected\n\n### /briefs/balance/ (content/briefs/balance.md)\n" in markdown
    escaped = MINUS + "\\$"  # GitHub would read a bare $ as mathematics
    assert f'- "{MAY.format(escaped + "77.585")}" → "{MAY.format(escaped + "77.647")}"' \
        in markdown
    assert lock(july)["trade_balance"]["last"] == "2026-06"


def test_cli_failed_fetch_exits_3_and_keeps_the_snapshot(july: TinyProject,
                                                         server: ReplayServer,
                                                         monkeypatch: pytest.MonkeyPatch,
                                                         capsys: pytest.CaptureFixture[str],
                                                         folder_bytes: FolderBytes) -> None:
    server.add("/fred/series/observations", _json(_without("2000-06")))
    set_env(monkeypatch, server, FRED_API_KEY=FRED_KEY)
    before = folder_bytes(data_folder(july))
    diff_md = july.root / "diff.md"
    code = main(["fetch", "--root", str(july.root), "--only", "trade_balance",
                 "--diff-md", str(diff_md)])
    out, err = capsys.readouterr()
    assert code == 3
    assert out == ""
    assert "error: dataset 'trade_balance' from " in err
    assert "periods missing from the middle of the series: 2000-06" in err
    assert "Fetch failed with 1 error(s); the snapshot was left as it was." in err
    assert FRED_KEY not in err
    assert not diff_md.exists()
    assert folder_bytes(data_folder(july)) == before


def test_cli_unknown_dataset(live: TinyProject, server: ReplayServer,
                             monkeypatch: pytest.MonkeyPatch,
                             capsys: pytest.CaptureFixture[str]) -> None:
    set_env(monkeypatch, server)
    assert main(["fetch", "--root", str(live.root), "--only", "trade_balanse"]) == 1
    err = capsys.readouterr().err
    assert "no dataset named 'trade_balanse'" in err
    assert "trade_balance" in err.split("trade_balanse", 2)[-1]


def test_cli_build_refresh_strict_after_a_failed_fetch(july: TinyProject,
                                                       server: ReplayServer,
                                                       monkeypatch: pytest.MonkeyPatch,
                                                       capsys: pytest.CaptureFixture[str],
                                                       folder_bytes: FolderBytes) -> None:
    set_env(monkeypatch, server)  # no keys, and an upstream that knows no series
    root = str(july.root)
    assert main(["build", "--root", root]) == 0
    output = folder_bytes(july.output)
    data = folder_bytes(data_folder(july))
    capsys.readouterr()

    assert main(["build", "--root", root, "--refresh", "--strict"]) == 3
    err = capsys.readouterr().err
    assert "the snapshot was left as it was" in err
    assert "Fetch failed and --strict is set: not building." in err
    assert "FRED_API_KEY" in err  # the vintages need a key
    assert folder_bytes(july.output) == output
    assert folder_bytes(data_folder(july)) == data

    assert main(["build", "--root", root, "--strict"]) == 1
    err = capsys.readouterr().err
    assert "stale data: the last fetch" in err
    assert folder_bytes(july.output) == output

    assert main(["build", "--root", root, "--refresh"]) == 0
    err = capsys.readouterr().err
    assert "warning: fetch failed; building from the last good snapshot" in err
    assert "building from the last good snapshot: its oldest live dataset" in err
    assert f"{MINUS}$77.585 billion" in page_text(july, "balance")


# -- 6. nothing new upstream -----------------------------------------------------------------

@pytest.mark.parametrize("fred_key", [FRED_KEY, None], ids=["json", "csv"])
def test_an_unchanged_upstream_costs_a_304_and_writes_nothing(
        july: TinyProject, server: ReplayServer, sleeps: Sleeps, folder_bytes: FolderBytes,
        fred_key: str | None) -> None:
    FredUpstream(august()).install(server)
    assert run(july, server, client(july, sleeps), fred_key=fred_key).written
    after_first = folder_bytes(data_folder(july))

    again = run(july, server, client(july, sleeps), fred_key=fred_key)  # a new run, same cache
    assert "If-None-Match" not in server.seen[0].headers
    assert server.seen[1].headers["If-None-Match"].startswith('"')
    assert (again.requests, again.cache_hits) == (1, 1)
    assert not again.written
    assert again.diff.text() == "No data changed.\n"
    assert folder_bytes(data_folder(july)) == after_first
    assert status.last(july.project.cache) == status.FetchStatus("2026-08-10T12:00:00+00:00",
                                                                 ok=True)


def test_a_fetch_with_nothing_new_still_clears_what_a_killed_one_left(
        live: TinyProject, server: ReplayServer, sleeps: Sleeps) -> None:
    # A fetch killed after writing its new tables, before the lockfile named them.
    snapshot = data_folder(live) / "snapshot"
    orphan = snapshot / table_file("trade_balance", b"period,value\n2099-01,1\n")
    orphan.write_bytes(gzip.compress(b"period,value\n2099-01,1\n"))
    listed = {p.name for p in snapshot.iterdir()} - {orphan.name}
    FredUpstream(august()).install(server)
    assert not run(live, server, client(live, sleeps)).written
    assert {p.name for p in snapshot.iterdir()} == listed


def test_an_upstream_equal_to_the_snapshot_changes_nothing(live: TinyProject,
                                                           server: ReplayServer,
                                                           sleeps: Sleeps,
                                                           folder_bytes: FolderBytes) -> None:
    # FRED writes 2026-06 as -73261 where the committed copy has -73261.0: same data.
    FredUpstream(august()).install(server)
    before = folder_bytes(data_folder(live))
    result = run(live, server, client(live, sleeps))
    assert not result.written
    assert result.diff.text() == "No data changed.\n"
    assert folder_bytes(data_folder(live)) == before

