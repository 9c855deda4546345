"""HttpClient against a real server on 127.0.0.1: timeouts, retries, the cache, and secrets.

Backoff is checked through the client's ``sleep`` seam (a recorder), so no test waits for it.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from replay import JSON, ReplayServer, Reply, replay_server

from site_builder.data.http_client import FetchError, HttpClient
from site_builder.data.redaction import redact

KEY = "SECRETKEY123"
NOW = 1786363200.0  # 2026-08-10T12:00:00Z: the time stamped on fetched responses
BODY = (Path(__file__).parent / "fixtures" / "api" / "fred_observations_BOPGSTB.json").read_bytes()


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


def client(cache: Path | None, sleeps: Sleeps, **options: object) -> HttpClient:
    settings: dict = {"timeout": 2.0, "retries": 3, "backoff": 1.0, "max_backoff": 60.0,
                      "sleep": sleeps, "jitter": lambda: 0.5, "clock": lambda: NOW}
    settings.update(options)
    return HttpClient(cache, **settings)


def params(**extra: str) -> dict[str, str]:
    return {"series_id": "BOPGSTB", "api_key": KEY, "file_type": "json", **extra}


def all_bytes(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.rglob("*") if p.is_file()}


# -- timeouts and retries ------------------------------------------------------------------

def test_a_reply_slower_than_the_timeout_fails_naming_source_and_request(
        server: ReplayServer, sleeps: Sleeps) -> None:
    server.add("/fred/series/observations", Reply(200, BODY, JSON, delay=0.8))
    http = client(None, sleeps, timeout=0.3, retries=1)
    with pytest.raises(FetchError) as info:
        http.get(f"{server.url}/fred/series/observations", params(), "FRED")
    message = str(info.value)
    assert message.startswith(f"FRED: {server.url}/fred/series/observations?series_id=BOPGSTB")
    assert "timed out, 2 tries" in message
    assert "try again later" in message
    assert KEY not in message
    assert len(server.seen) == 2
    assert sleeps == [1.0]  # one wait between the two tries


def test_a_server_error_is_retried_after_a_backoff(server: ReplayServer, sleeps: Sleeps) -> None:
    server.add("/data", Reply(500, b"Internal Server Error"), Reply(200, BODY, JSON))
    http = client(None, sleeps)
    response = http.get(f"{server.url}/data", params(), "FRED")
    assert (response.status, response.body) == (200, BODY)
    assert (http.stats.requests, http.stats.retries) == (2, 1)
    assert sleeps == [1.0]  # backoff 1 s x 2**0, jitter 0.5 -> factor 1.0


def test_backoff_doubles_and_is_capped(server: ReplayServer, sleeps: Sleeps) -> None:
    server.add("/data", Reply(503, b"busy"), Reply(502, b"bad gateway"), Reply(500, b"oops"),
               Reply(200, BODY, JSON))
    http = client(None, sleeps, backoff=2.0, max_backoff=5.0, jitter=lambda: 0.0)
    assert http.get(f"{server.url}/data", params(), "FRED").body == BODY
    assert sleeps == [1.0, 2.0, 2.5]  # 2, 4, min(5, 8) seconds, each x (0.5 + jitter)
    assert http.stats.retries == 3


def test_a_429_waits_as_long_as_retry_after_says(server: ReplayServer, sleeps: Sleeps) -> None:
    server.add("/data", Reply(429, b"Too Many Requests", {"Retry-After": "2"}),
               Reply(200, BODY, JSON))
    http = client(None, sleeps)
    assert http.get(f"{server.url}/data", params(), "FRED").body == BODY
    assert sleeps == [2.0]
    assert http.stats.retries == 1


def test_retry_after_as_an_http_date(server: ReplayServer, sleeps: Sleeps) -> None:
    server.add("/data", Reply(503, b"busy", {"Retry-After": "Mon, 10 Aug 2026 12:00:30 GMT"}),
               Reply(200, BODY, JSON))
    assert client(None, sleeps).get(f"{server.url}/data", params(), "FRED").body == BODY
    assert sleeps == [30.0]


def test_a_retry_after_beyond_max_backoff_fails_at_once(server: ReplayServer,
                                                        sleeps: Sleeps) -> None:
    server.add("/data", Reply(429, b"Too Many Requests", {"Retry-After": "3600"}))
    with pytest.raises(FetchError) as info:
        client(None, sleeps, max_backoff=60.0).get(f"{server.url}/data", params(), "BEA")
    assert "BEA: " in str(info.value)
    assert "rate-limited for 3600 s" in str(info.value)
    assert "Run fetch again after that time" in str(info.value)
    assert len(server.seen) == 1
    assert sleeps == []


def test_server_errors_for_ever_end_in_an_error_after_every_retry(
        server: ReplayServer, sleeps: Sleeps) -> None:
    server.add("/data", Reply(500, b"Internal Server Error"))
    http = client(None, sleeps, retries=3)
    with pytest.raises(FetchError) as info:
        http.get(f"{server.url}/data", params(), "FRED")
    assert "answered HTTP 500: Internal Server Error" in str(info.value)
    assert "The service failed; try again later." in str(info.value)
    assert len(server.seen) == 4
    assert sleeps == [1.0, 2.0, 4.0]


@pytest.mark.parametrize("status", [400, 404])
def test_client_errors_are_not_retried(server: ReplayServer, sleeps: Sleeps,
                                       status: int) -> None:
    server.add("/data", Reply(status, b"error: unknown variable 'ALL_VAL_MOX'",
                              {"Content-Type": "text/plain"}))
    http = client(None, sleeps)
    with pytest.raises(FetchError) as info:
        http.get(f"{server.url}/data", {"get": "ALL_VAL_MOX", "key": KEY}, "Census")
    assert f"answered HTTP {status}: error: unknown variable 'ALL_VAL_MOX'" in str(info.value)
    assert len(server.seen) == 1
    assert sleeps == []
    assert http.stats.retries == 0


def test_an_html_error_page_is_summarised(server: ReplayServer, sleeps: Sleeps) -> None:
    server.add("/data", Reply(404, b"<!DOCTYPE html>\n<html><body><h1>Not Found</h1></body>"
                                   b"</html>", {"Content-Type": "text/html"}))
    with pytest.raises(FetchError) as info:
        client(None, sleeps).get(f"{server.url}/data", params(), "FRED")
    assert "answered HTTP 404: an HTML page instead of data" in str(info.value)
    assert "check the base URL" in str(info.value)


def test_a_body_cut_short_fails_after_the_retries(server: ReplayServer, sleeps: Sleeps) -> None:
    server.add("/data", Reply(200, BODY[:100], JSON, cut_short=True))
    http = client(None, sleeps, retries=2)
    with pytest.raises(FetchError) as info:
        http.get(f"{server.url}/data", params(), "FRED")
    assert str(info.value).startswith(f"FRED: {server.url}/data?series_id=BOPGSTB")
    assert "The response was broken" in str(info.value)
    assert len(server.seen) == 3
    assert sleeps == [1.0, 2.0]


def test_a_body_cut_short_once_is_fetched_again(server: ReplayServer, sleeps: Sleeps) -> None:
    server.add("/data", Reply(200, BODY[:100], JSON, cut_short=True), Reply(200, BODY, JSON))
    assert client(None, sleeps).get(f"{server.url}/data", params(), "FRED").body == BODY


def test_no_server_at_all(sleeps: Sleeps) -> None:
    with replay_server() as gone:
        url = gone.url
    with pytest.raises(FetchError) as info:
        client(None, sleeps, retries=1).get(f"{url}/data", params(), "FRED")
    assert f"FRED: cannot connect for {url}/data" in str(info.value)
    assert "base URL" in str(info.value)
    assert sleeps == [1.0]


# -- redirects -------------------------------------------------------------------------------

def test_a_redirect_is_not_followed_and_points_at_the_key(server: ReplayServer,
                                                          sleeps: Sleeps) -> None:
    missing = f"{server.url}/data/missing_key.html"
    server.add("/data/timeseries/intltrade/exports/hs", Reply(302, b"", {"Location": missing}))
    server.add("/data/missing_key.html",
               Reply(200, b"<html><body>A valid key must be included with each data API "
                          b"request.</body></html>", {"Content-Type": "text/html"}))
    with pytest.raises(FetchError) as info:
        client(None, sleeps).get(f"{server.url}/data/timeseries/intltrade/exports/hs",
                                 {"get": "CTY_NAME,ALL_VAL_MO", "key": KEY}, "Census")
    message = str(info.value)
    assert "redirected (HTTP 302)" in message
    assert missing in message
    assert "key is missing or refused" in message
    assert [s.path for s in server.seen] == ["/data/timeseries/intltrade/exports/hs"]
    assert KEY not in message


def test_a_redirect_that_repeats_the_key_does_not_show_it(server: ReplayServer,
                                                          sleeps: Sleeps) -> None:
    server.add("/data", Reply(302, b"", {"Location": f"/invalid_key.html?key={KEY}"}))
    with pytest.raises(FetchError) as info:
        client(None, sleeps).get(f"{server.url}/data", {"get": "CTY_NAME", "key": KEY},
                                 "Census")
    assert "invalid_key.html" in str(info.value)
    assert KEY not in str(info.value)


# -- the conditional cache ------------------------------------------------------------------

def test_an_etag_turns_the_second_request_into_a_304(tmp_path: Path, server: ReplayServer,
                                                     sleeps: Sleeps) -> None:
    server.add("/data", Reply(200, BODY, {**JSON, "ETag": '"v1"'}))
    times = iter([NOW, NOW + 86400])
    http = client(tmp_path / "http", sleeps, clock=lambda: next(times))
    first = http.get(f"{server.url}/data", params(), "FRED")
    second = http.get(f"{server.url}/data", params(), "FRED")
    assert "If-None-Match" not in server.seen[0].headers
    assert server.seen[1].headers["If-None-Match"] == '"v1"'
    assert (first.from_cache, second.from_cache) == (False, True)
    assert (second.status, second.body) == (200, BODY)
    assert second.fetched_at == first.fetched_at == "2026-08-10T12:00:00Z"
    assert (http.stats.requests, http.stats.cache_hits) == (2, 1)


def test_last_modified_turns_the_second_request_into_a_304(tmp_path: Path,
                                                           server: ReplayServer,
                                                           sleeps: Sleeps) -> None:
    stamp = "Sun, 09 Aug 2026 13:45:00 GMT"
    server.add("/graph/fredgraph.csv", Reply(200, b"observation_date,BOPGSTB\n",
                                             {"Content-Type": "text/csv",
                                              "Last-Modified": stamp}))
    http = client(tmp_path / "http", sleeps)
    http.get(f"{server.url}/graph/fredgraph.csv", {"id": "BOPGSTB"}, "FRED")
    again = http.get(f"{server.url}/graph/fredgraph.csv", {"id": "BOPGSTB"}, "FRED")
    assert server.seen[1].headers["If-Modified-Since"] == stamp
    assert again.from_cache
    assert again.body == b"observation_date,BOPGSTB\n"
    assert again.headers["Content-Type"] == "text/csv"
    assert http.stats.cache_hits == 1


def test_a_changed_upstream_replaces_the_cached_copy(tmp_path: Path, server: ReplayServer,
                                                     sleeps: Sleeps) -> None:
    server.add("/data", Reply(200, b"[1]", {**JSON, "ETag": '"v1"'}),
               Reply(200, b"[2]", {**JSON, "ETag": '"v2"'}))
    http = client(tmp_path / "http", sleeps)
    assert http.get(f"{server.url}/data", params(), "FRED").body == b"[1]"
    changed = http.get(f"{server.url}/data", params(), "FRED")
    third = http.get(f"{server.url}/data", params(), "FRED")
    assert (changed.body, changed.from_cache) == (b"[2]", False)
    assert server.seen[2].headers["If-None-Match"] == '"v2"'
    assert (third.body, third.from_cache) == (b"[2]", True)


def test_without_validators_nothing_is_cached(tmp_path: Path, server: ReplayServer,
                                              sleeps: Sleeps) -> None:
    server.add("/data", Reply(200, BODY, JSON))
    http = client(tmp_path / "http", sleeps)
    http.get(f"{server.url}/data", params(), "FRED")
    second = http.get(f"{server.url}/data", params(), "FRED")
    assert not second.from_cache
    assert "If-None-Match" not in server.seen[1].headers
    assert not (tmp_path / "http").exists() or not any((tmp_path / "http").iterdir())


# -- secrets ---------------------------------------------------------------------------------

def test_redact_shows_stars_in_place_of_every_key() -> None:
    shown = redact("https://api.stlouisfed.org/fred/series/observations", params())
    assert KEY not in shown
    assert shown == ("https://api.stlouisfed.org/fred/series/observations"
                     "?series_id=BOPGSTB&api_key=***&file_type=json")
    assert redact("https://apps.bea.gov/api/data", {"UserID": KEY, "method": "GetData"}) == \
        "https://apps.bea.gov/api/data?UserID=***&method=GetData"
    assert "key=***" in redact("https://api.census.gov/data/timeseries/intltrade/exports/hs",
                               {"get": "CTY_NAME", "key": KEY})


def test_a_key_echoed_in_an_error_body_is_not_shown(server: ReplayServer,
                                                    sleeps: Sleeps) -> None:
    server.add("/data", Reply(400, f"Bad Request.  The api_key {KEY} is not registered."
                                   .encode(), {"Content-Type": "text/plain"}))
    with pytest.raises(FetchError) as info:
        client(None, sleeps).get(f"{server.url}/data", params(), "FRED")
    assert "is not registered" in str(info.value)
    assert KEY not in str(info.value)
    assert KEY not in repr(info.value)


def test_a_key_echoed_in_a_body_never_reaches_the_cache(tmp_path: Path, server: ReplayServer,
                                                       sleeps: Sleeps) -> None:
    # BEA repeats the UserID in the Request block of every answer.
    echo = (b'{"BEAAPI":{"Request":{"RequestParam":[{"ParameterName":"USERID",'
            b'"ParameterValue":"' + KEY.encode() + b'"}]},"Results":{"Data":[]}}}')
    server.add("/api/data", Reply(200, echo, {**JSON, "ETag": '"bea-1"'}))
    http = client(tmp_path / "http", sleeps)
    first = http.get(f"{server.url}/api/data", {"UserID": KEY, "method": "GetData"}, "BEA")
    second = http.get(f"{server.url}/api/data", {"UserID": KEY, "method": "GetData"}, "BEA")
    assert second.from_cache
    for response in (first, second):
        assert KEY.encode() not in response.body
        assert b'"ParameterValue":"***"' in response.body
        assert KEY not in response.request
    stored = all_bytes(tmp_path / "http")
    assert len(stored) == 2  # the body and its metadata
    for name, data in stored.items():
        assert KEY not in name
        assert KEY.encode() not in data


def test_the_cache_is_shared_by_requests_that_differ_only_in_the_key(
        tmp_path: Path, server: ReplayServer, sleeps: Sleeps) -> None:
    server.add("/data", Reply(200, BODY, {**JSON, "ETag": '"v1"'}))
    http = client(tmp_path / "http", sleeps)
    http.get(f"{server.url}/data", params(), "FRED")
    again = http.get(f"{server.url}/data", params(api_key="ANOTHERKEY456"), "FRED")
    assert again.from_cache
    names = [p.name for p in (tmp_path / "http").iterdir()]
    assert not any(KEY in n or "ANOTHERKEY456" in n for n in names)


# -- concurrency -----------------------------------------------------------------------------

def _two_at_once(http: HttpClient, url: str) -> list[bytes]:
    bodies: list[bytes] = []
    start = threading.Barrier(2)

    def one() -> None:
        start.wait()
        bodies.append(http.get(url, params(), "FRED").body)

    threads = [threading.Thread(target=one) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return bodies


@pytest.mark.parametrize("per_host", [1, 2])
def test_requests_to_one_host_are_limited(server: ReplayServer, sleeps: Sleeps,
                                          per_host: int) -> None:
    server.add("/slow", Reply(200, BODY, JSON, delay=0.3))
    http = client(None, sleeps, per_host=per_host)
    assert _two_at_once(http, f"{server.url}/slow") == [BODY, BODY]
    assert len(server.seen) == 2
    assert server.max_active == per_host


# -- status only, paced per host -------------------------------------------------------------

def test_a_status_follows_redirects_and_waits_its_turn_at_the_host(
        server: ReplayServer, sleeps: Sleeps) -> None:
    server.add("/moved", Reply(301, b"", {"Location": "/gone"}))
    server.add("/fine", Reply(200, BODY, JSON))
    http = client(None, sleeps, pace=1.0, monotonic=lambda: 100.0)
    other_host = server.url.replace("127.0.0.1", "localhost")
    assert http.status("GET", f"{server.url}/moved", 2.0) == 404  # where the redirect led
    assert http.status("GET", f"{server.url}/fine", 2.0) == 200
    assert http.status("GET", f"{other_host}/fine", 2.0) == 200
    assert [seen.path for seen in server.seen] == ["/moved", "/gone", "/fine", "/fine"]
    assert sleeps == [1.0]  # the second request to 127.0.0.1 only; localhost is another host
