"""The one local HTTP server: a folder or the preview, served to a browser on this machine.

:class:`LoopbackServer` listens on 127.0.0.1 unless told otherwise (the preview's ``--host``),
answers each connection in its own thread from a background thread between :meth:`start` and
:meth:`stop`, and shows a handler's crash through a reporter when given one. :func:`serve`
puts a folder's files on it for as long as a ``with`` block runs: the accessibility check and
the tests use that; the preview gives the server its own request handler.
"""

from __future__ import annotations

import socket
import sys
import threading
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from socketserver import BaseRequestHandler
from typing import Any

from site_builder.report import Reporter

LOOPBACK = "127.0.0.1"
REQUEST_QUEUE = 128  # connections waiting to be accepted: a page load opens dozens at once


class LoopbackServer(ThreadingHTTPServer):
    """``handler`` answering on ``host:port``; port 0 picks a free one (see :attr:`port`).

    Raises OSError when the address cannot be used. ``name`` names the serving thread and
    starts each crash report sent to ``reporter``; without one, crashes go to stderr.
    """

    daemon_threads = True
    request_queue_size = REQUEST_QUEUE

    def __init__(self, handler: Callable[..., BaseRequestHandler], host: str = LOOPBACK,
                 port: int = 0, reporter: Reporter | None = None,
                 name: str = "loopback server") -> None:
        if ":" in host:
            self.address_family = socket.AF_INET6
        super().__init__((host, port), handler)
        self.reporter = reporter
        self.name = name
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    @property
    def url(self) -> str:
        """The base URL, without a trailing slash."""
        host = str(self.server_address[0])
        return f"http://{f'[{host}]' if ':' in host else host}:{self.port}"

    def start(self) -> None:
        """Answer requests from a background thread until :meth:`stop`."""
        self._thread = threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.1},
                                        name=self.name, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop answering and close the socket; also for a server that never started."""
        if self._thread is not None:  # shutdown() waits for serve_forever, so only once it runs
            self.shutdown()
        self.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Show a handler's crash; a browser that went away mid-answer (a page left before
        its images loaded) is no news."""
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        if self.reporter is None:
            super().handle_error(request, client_address)
        else:
            self.reporter.warn(f"{self.name}: " + traceback.format_exc().rstrip())


class QuietFiles(SimpleHTTPRequestHandler):
    """The folder's files, without a log line per request."""

    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def serve(folder: Path, handler: type[SimpleHTTPRequestHandler] = QuietFiles) -> Iterator[str]:
    """``folder`` over HTTP on 127.0.0.1; yields the base URL (no trailing slash)."""
    server = LoopbackServer(partial(handler, directory=str(folder)))
    server.start()
    try:
        yield server.url
    finally:
        server.stop()
