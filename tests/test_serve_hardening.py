"""The preview server against hostile or heavy traffic, over real HTTP on loopback: requests
for another host (DNS rebinding), over-long paths, and many connections at once."""

from __future__ import annotations

import http.client
import threading
import time
from collections.abc import Iterator

import pytest
from conftest import TinyProject

from site_builder.loopback import REQUEST_QUEUE
from site_builder.preview.server import PreviewServer
from site_builder.report import SilentReporter

BRIEF = """\
---
title: The 2024 deficit
date: 2025-02-05
summary: How the deficit changed in 2024.
---
Exports grew in 2024.
"""

TIMEOUT = 10.0  # s: per request
CONCURRENT = 200


@pytest.fixture
def preview(tiny: TinyProject) -> Iterator[PreviewServer]:
    tiny.brief("deficit", BRIEF)
    server = PreviewServer(tiny.project, SilentReporter(), port=0, output=tiny.root / "preview")
    server.start()
    try:
        yield server
    finally:
        server.stop()


def request(preview: PreviewServer, path: str, host: str | None = None,
            method: str = "GET") -> tuple[int, bytes]:
    """``method path`` with ``Host: host`` (default: the address as a browser writes it)."""
    connection = http.client.HTTPConnection("127.0.0.1", preview.port, timeout=TIMEOUT)
    try:
        connection.putrequest(method, path, skip_host=True)
        connection.putheader("Host", host or f"127.0.0.1:{preview.port}")
        connection.endheaders()
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


# -- the Host header -----------------------------------------------------------------------

@pytest.mark.parametrize("host", ["evil.example", "evil.example:{port}", "localhost.evil:{port}",
                                  "127.0.0.1:1", "localhost", "10.0.0.1:{port}"])
def test_a_request_for_another_host_is_refused(preview: PreviewServer, host: str) -> None:
    status, body = request(preview, "/briefs/deficit/", host.format(port=preview.port))
    assert status == 421
    assert body.startswith(b"Misdirected request")
    assert b"Exports grew" not in body and len(body) < 300


def test_the_event_stream_refuses_another_host_too(preview: PreviewServer) -> None:
    status, _ = request(preview, "/__preview/events", "evil.example")
    assert status == 421


@pytest.mark.parametrize("host", ["localhost:{port}", "127.0.0.1:{port}", "[::1]:{port}",
                                  "LocalHost:{port}"])
def test_loopback_names_with_the_port_are_served(preview: PreviewServer, host: str) -> None:
    status, body = request(preview, "/briefs/deficit/", host.format(port=preview.port))
    assert status == 200
    assert b"Exports grew in 2024." in body
    head, _ = request(preview, "/briefs/deficit/", host.format(port=preview.port), "HEAD")
    assert head == 200


def test_a_wildcard_bind_accepts_addresses_but_no_other_name(tiny: TinyProject) -> None:
    server = PreviewServer(tiny.project, SilentReporter(), host="0.0.0.0", port=8123)
    assert server.host_allowed("192.168.1.20:8123")
    assert server.host_allowed("localhost:8123")
    assert not server.host_allowed("192.168.1.20:8124")
    assert not server.host_allowed("rebound.example:8123")
    assert not server.host_allowed(None)


# -- long paths ----------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/" + "a" * 300, "/briefs/" + "b" * 300 + "/",
                                  "/" + "%C3%A9" * 130, "/x/" * 700])
def test_an_over_long_path_is_414_not_a_traceback(preview: PreviewServer, path: str) -> None:
    status, body = request(preview, path)
    assert status in (414, 404)
    assert b"Traceback" not in body and b"Error" not in body
    assert request(preview, "/briefs/deficit/")[0] == 200  # and the server is still fine


def test_a_long_path_within_the_limits_is_a_plain_404(preview: PreviewServer) -> None:
    status, body = request(preview, "/" + "/".join(["c" * 255] * 6))
    assert status == 404
    assert b"Traceback" not in body


# -- many connections at once --------------------------------------------------------------

def test_200_concurrent_requests_are_all_answered(preview: PreviewServer) -> None:
    assert REQUEST_QUEUE >= 128
    statuses: list[int | str] = []
    lock = threading.Lock()
    start = threading.Barrier(CONCURRENT)

    def fetch() -> None:
        start.wait(timeout=TIMEOUT)
        try:
            status, body = request(preview, "/briefs/deficit/")
            outcome: int | str = status if b"Exports grew" in body else f"{status}: no page"
        except OSError as exc:
            outcome = f"{type(exc).__name__}: {exc}"
        with lock:
            statuses.append(outcome)

    began = time.monotonic()
    threads = [threading.Thread(target=fetch, daemon=True) for _ in range(CONCURRENT)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=2 * TIMEOUT)
    assert [s for s in statuses if s != 200] == []
    assert len(statuses) == CONCURRENT
    assert time.monotonic() - began < 2 * TIMEOUT
