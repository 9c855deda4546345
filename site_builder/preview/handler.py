"""The preview's answers to HTTP requests: the built site as Netlify would serve it (the
headers and redirects of ``netlify.toml``), the reload script in each HTML page, the event
stream, and a refusal for any request not addressed to the preview itself.

Requests are refused with 421 when their ``Host`` header names another host (DNS
rebinding), 414 when their path is too long, and 403 when it leads outside the site folder.
"""

from __future__ import annotations

import errno
import ipaddress
import mimetypes
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import parse_qs, unquote, urlsplit

from site_builder.loopback import LoopbackServer
from site_builder.preview.events import KEEP_ALIVE_SECONDS, Hub, event_stream
from site_builder.preview.netlify import Rules
from site_builder.report import Reporter

RELOAD_SCRIPT = "/__preview/reload.js"
RELOAD_JS = (Path(__file__).with_name("reload.js")).read_text(encoding="utf-8")
EVENTS = "/__preview/events"
MAX_PATH = 2048  # bytes of a request's path, %-encoded; longer gets 414
MAX_SEGMENT = 255  # bytes of one decoded path segment (a file name's limit); longer gets 414
LOOPBACK_NAMES = ("localhost", "127.0.0.1", "[::1]")
PLAIN = {"Content-Type": "text/plain; charset=utf-8"}
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8", ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8", ".mjs": "text/javascript; charset=utf-8",
    ".json": "application/json", ".xml": "application/xml; charset=utf-8",
    ".csv": "text/csv; charset=utf-8", ".txt": "text/plain; charset=utf-8",
    ".svg": "image/svg+xml", ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
    ".webp": "image/webp", ".ico": "image/x-icon", ".wasm": "application/wasm",
    ".woff2": "font/woff2", ".pagefind": "application/octet-stream",
    ".webmanifest": "application/manifest+json",
}


@dataclass
class Reply:
    """What the preview sends back for one request (before netlify.toml's headers)."""

    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


class Forbidden(Exception):
    """A request for something outside the site folder."""


def resolve_in(root: Path, url_path: str) -> Path:
    """The path below ``root`` that a (still %-encoded) URL path names; may not exist.

    Raises :class:`Forbidden` for ``..`` (however encoded), backslashes, NUL bytes, and
    anything that resolves (through a symlink, say) outside ``root``.
    """
    decoded = unquote(url_path)
    if "\\" in decoded or "\x00" in decoded:
        raise Forbidden(url_path)
    parts = [part for part in decoded.split("/") if part not in ("", ".")]
    if ".." in parts:
        raise Forbidden(url_path)
    base = root.resolve()
    resolved = base.joinpath(*parts).resolve()
    if not resolved.is_relative_to(base):
        raise Forbidden(url_path)
    return resolved


def content_type(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix.startswith(".pf_"):
        return "application/octet-stream"  # Pagefind's index chunks
    guessed = CONTENT_TYPES.get(suffix) or mimetypes.guess_type(path.name)[0]
    return guessed or "application/octet-stream"


def inject_reload(html: bytes, generation: int) -> bytes:
    """Put the reload script before ``</body>``; ``generation`` says which build the page is."""
    tag = (f'<script src="{RELOAD_SCRIPT}" data-generation="{generation}" defer></script>'
           ).encode()
    at = html.lower().rfind(b"</body>")
    return html[:at] + tag + html[at:] if at >= 0 else html + tag


class SiteFolder:
    """The answers to ``GET`` for the site built in ``output``, as Netlify would give them
    under :attr:`rules`; ``hub`` says which good build the pages are."""

    def __init__(self, output: Path, hub: Hub) -> None:
        self.output = output
        self.hub = hub
        self.rules = Rules()

    def respond(self, target: str) -> Reply:
        """The answer to ``GET target``, with netlify.toml's headers and redirects applied."""
        parts = urlsplit(target)
        path, query = parts.path or "/", parts.query
        too_long = Reply(414, b"URI too long.\n", dict(PLAIN))
        if len(target.encode()) > MAX_PATH or any(
                len(segment.encode("utf-8", "surrogateescape")) > MAX_SEGMENT
                for segment in unquote(path).split("/")):
            return _with_headers(too_long, {})
        if path == RELOAD_SCRIPT:
            return Reply(200, RELOAD_JS.encode(), {
                "Content-Type": "text/javascript; charset=utf-8", "Cache-Control": "no-store"})
        try:
            resolve_in(self.output, path)
            reply = self._site_reply(path, query)
        except Forbidden:
            reply = Reply(403, b"Forbidden: outside the site folder.\n", dict(PLAIN))
        except OSError as exc:
            if exc.errno != errno.ENAMETOOLONG:
                raise
            reply = too_long  # a name the file system refuses, however it got through
        return _with_headers(reply, self.rules.headers_for(path))

    def _site_reply(self, path: str, query: str) -> Reply:
        self._wait_for_swap()
        match = self.rules.redirect_for(path, lambda p: self._file_for(p) is not None)
        if match is not None and match.is_redirect:
            return Reply(match.status, headers={"Location": _with_query(match.target, query)})
        if match is not None and match.target.startswith(("http://", "https://")):
            return Reply(502, f"netlify.toml proxies this address to {match.target}; the "
                         "preview does not proxy.\n".encode(), dict(PLAIN))
        if match is not None:
            found = self._file_for(urlsplit(match.target).path)
            return (found and self._file(found, match.status)) or self._not_found()
        folder = resolve_in(self.output, path)
        if not path.endswith("/") and (folder / "index.html").is_file():
            return Reply(301, headers={"Location": _with_query(
                "/" + path.lstrip("/") + "/", query)})  # one leading "/": no //other.host
        found = self._file_for(path)
        return (found and self._file(found, 200)) or self._not_found()

    def _file_for(self, url_path: str) -> Path | None:
        try:
            path = resolve_in(self.output, url_path)
        except Forbidden:
            return None
        if path.is_dir():
            path = path / "index.html"
        return path if path.is_file() else None

    def _file(self, path: Path, status: int) -> Reply | None:
        """The file with its type, the reload script in HTML; None if it cannot be read."""
        generation = self.hub.state.generation  # read first: a newer page only reloads again
        try:
            body = path.read_bytes()
        except OSError:
            return None  # gone since it was found (a rebuild), or unreadable
        kind = content_type(path)
        if kind.startswith("text/html"):
            body = inject_reload(body, generation)
        return Reply(status, body, {"Content-Type": kind})

    def _not_found(self) -> Reply:
        custom = self._file(self.output / "404.html", 404)
        if custom is not None:
            return custom
        state = self.hub.state
        why = ("The site has not built yet: fix the errors shown." if not state.generation
               else "There is no page at this address.")
        html = (f"<!doctype html><html lang=en><meta charset=utf-8><title>Not found</title>"
                f"<body><h1>Not found</h1><p>{why}</p></body></html>").encode()
        return Reply(404, inject_reload(html, state.generation),
                     {"Content-Type": "text/html; charset=utf-8"})

    def _wait_for_swap(self) -> None:
        """A build swaps the site folder with two renames; wait out the moment between them."""
        deadline = time.monotonic() + 0.5
        while (self.hub.state.generation and not self.output.is_dir()
               and time.monotonic() < deadline):
            time.sleep(0.01)


def _with_headers(reply: Reply, custom: dict[str, str]) -> Reply:
    """netlify.toml's headers over ours (names ignore case); the preview is never cached.

    A declared Cache-Control is shown as X-Netlify-Cache-Control instead: obeying it would
    let the browser keep an old stylesheet across a reload.
    """
    merged = {name.lower(): (name, value) for name, value in reply.headers.items()}
    merged |= {name.lower(): (name, value) for name, value in custom.items()}
    declared = next((v for k, v in custom.items() if k.lower() == "cache-control"), None)
    if declared is not None:
        merged["x-netlify-cache-control"] = ("X-Netlify-Cache-Control", declared)
    merged["cache-control"] = ("Cache-Control", "no-store")
    reply.headers = dict(merged.values())
    return reply


def _with_query(location: str, query: str) -> str:
    """Netlify passes the query string on, unless the rule's target has its own."""
    return f"{location}?{query}" if query and "?" not in location else location


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _is_wildcard(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_unspecified
    except ValueError:
        return host == ""


def allowed_hosts(host: str, port: int) -> frozenset[str]:
    """The ``Host`` headers answered (lower case) by a server bound to ``host:port``: that
    address with its port; for a loopback address also its usual names; for a wildcard one
    (0.0.0.0, ::) any address written as an IP literal, since only a DNS name can be rebound."""
    names = {host.lower()} | (set(LOOPBACK_NAMES) if is_loopback(host) else set())
    bracketed = {f"[{n}]" if ":" in n and not n.startswith("[") else n for n in names}
    return frozenset(f"{n}:{port}" for n in bracketed) | (
        bracketed if port == 80 else frozenset())


def host_allowed(host: str, port: int, header: str | None) -> bool:
    """Whether a request with this ``Host`` header is for the server bound to ``host:port``."""
    if header is None:
        return False
    header = header.strip().lower()
    if header in allowed_hosts(host, port):
        return True
    if not _is_wildcard(host):
        return False
    if header == f"localhost:{port}":
        return True
    address, _, asked_port = header.rpartition(":")
    try:
        ipaddress.ip_address(address[1:-1] if address.startswith("[") else address)
    except ValueError:
        return False
    return asked_port == str(port) and (":" not in address or address.startswith("["))


class Previewed(Protocol):
    """What :class:`PreviewHandler` answers for: a site folder, on an address, with a reporter."""

    host: str
    port: int
    folder: SiteFolder
    reporter: Reporter


class PreviewHandler(BaseHTTPRequestHandler):
    """One connection to the preview: ``GET`` and ``HEAD`` for pages, the event stream."""

    server: LoopbackServer
    server_version = "site_builder-preview"
    timeout = 2 * KEEP_ALIVE_SECONDS  # a silent client cannot hold a thread for ever

    def __init__(self, *args: Any, preview: Previewed, **kwargs: Any) -> None:
        self.preview = preview  # before the base class handles the request
        super().__init__(*args, **kwargs)

    def do_GET(self) -> None:
        self._answer(send_body=True)

    def do_HEAD(self) -> None:
        self._answer(send_body=False)

    def log_message(self, format: str, *args: Any) -> None:
        self.preview.reporter.detail("preview: " + format % args)

    def _answer(self, send_body: bool) -> None:
        parts = urlsplit(self.path)
        try:
            if not host_allowed(self.preview.host, self.preview.port, self.headers.get("Host")):
                self._refuse(send_body)
                return
            if parts.path == EVENTS and send_body:
                self._stream(parse_qs(parts.query).get("since", [""])[0])
                return
            try:
                reply = self.preview.folder.respond(self.path)
            except Exception:  # a bug: answer anyway, and show it in the terminal
                self.server.handle_error(self.request, self.client_address)
                reply = Reply(500, b"Internal error in the preview server; see the "
                              b"terminal.\n", dict(PLAIN))
            self.send_response(reply.status)
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(reply.body)))
            self.end_headers()
            if send_body:
                self.wfile.write(reply.body)
        except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError, TimeoutError):
            pass  # the browser went away (a reload, a closed tab): nothing to tell it

    def _refuse(self, send_body: bool) -> None:
        """421 for a request addressed to another host (DNS rebinding, a stray proxy)."""
        hosts = allowed_hosts(self.preview.host, self.preview.port)
        body = (b"Misdirected request: this preview answers only requests for "
                + ", ".join(sorted(hosts)).encode() + b".\n")
        self.send_response(421)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Cache-Control", "no-store")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True
        if send_body:
            self.wfile.write(body)

    def _stream(self, since: str) -> None:
        """Server-Sent Events: the current state at once, then each build's outcome."""
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        for text in event_stream(self.preview.folder.hub, since):
            self.wfile.write(text.encode())
            self.wfile.flush()
