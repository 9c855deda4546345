"""The one local HTTP server: what it shows when a request handler crashes, and that it frees
its address when stopped. (Serving a folder is used, and so covered, by the browser tests.)"""

from __future__ import annotations

import socket
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler

import pytest

from site_builder.loopback import LoopbackServer
from site_builder.report import SilentReporter


class _Crashes(BaseHTTPRequestHandler):
    """Answers /fine; crashes (a bug) on anything else, before answering."""

    def do_GET(self) -> None:
        if self.path != "/fine":
            raise RuntimeError("a bug in the handler")
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


def test_a_crash_is_told_to_the_reporter_and_the_server_answers_on() -> None:
    reporter = SilentReporter()
    server = LoopbackServer(_Crashes, reporter=reporter, name="test server")
    server.start()
    try:
        assert server.url == f"http://127.0.0.1:{server.port}"
        with pytest.raises((urllib.error.URLError, ConnectionError)):
            urllib.request.urlopen(f"{server.url}/crash", timeout=5)
        with urllib.request.urlopen(f"{server.url}/fine", timeout=5) as response:
            assert response.status == 200
    finally:
        server.stop()
    [warning] = reporter.warnings
    assert warning.startswith("test server: Traceback")
    assert "RuntimeError: a bug in the handler" in warning


@pytest.mark.parametrize("gone", [BrokenPipeError, ConnectionResetError, ConnectionAbortedError])
def test_a_browser_that_leaves_mid_answer_is_no_news(gone: type[ConnectionError]) -> None:
    """A page left before its images arrived: `check` printed a BrokenPipeError traceback."""
    reporter = SilentReporter()
    server = LoopbackServer(_Crashes, reporter=reporter)
    try:
        try:
            raise gone("the client closed the connection")
        except ConnectionError:
            server.handle_error(None, ("127.0.0.1", 1))
        try:
            raise RuntimeError("a bug in the handler")
        except RuntimeError:
            server.handle_error(None, ("127.0.0.1", 1))
    finally:
        server.stop()
    [warning] = reporter.warnings
    assert "RuntimeError: a bug in the handler" in warning


@pytest.mark.parametrize("started", [True, False])
def test_a_stopped_server_frees_its_port(started: bool) -> None:
    server = LoopbackServer(_Crashes)
    if started:  # else, as when the preview's first build raises
        server.start()
    port = server.port
    server.stop()
    with socket.socket() as again:
        again.bind(("127.0.0.1", port))  # raises OSError if the port were still held
