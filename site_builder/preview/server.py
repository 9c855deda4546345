"""Live preview: build with drafts, serve on loopback, rebuild on change, reload open pages.

``PreviewServer`` builds into a private folder (``.cache/preview`` by default) so a preview
never replaces ``output/``, the folder Netlify publishes. A watcher polls ``content/``,
``templates/`` and ``netlify.toml``; after a change it rebuilds (the build itself decides what
to redo, by content) and tells open pages over Server-Sent Events: ``reload`` after a good
build, ``error`` (with file, line, message and hint) after a failed one, while the last good
site stays up. Responses carry the headers and follow the redirects of ``netlify.toml``.

The server listens on 127.0.0.1 and answers only requests whose ``Host`` header names the
address it listens on (on loopback also ``localhost``, ``127.0.0.1`` and ``[::1]``), with
its port: a web page cannot reach it by a DNS name rebound to 127.0.0.1. Another ``host``
(such as 0.0.0.0) lets anyone who can reach the machine read every page, drafts included,
and the data behind them: do that only on a network you trust.
"""

from __future__ import annotations

import dataclasses
import errno
import ipaddress
import json
import mimetypes
import os
import socket
import threading
import time
import traceback
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import parse_qs, unquote, urlsplit

from site_builder.build.pipeline import BuildResult
from site_builder.build.pipeline import build as build_site
from site_builder.errors import BuildFailed, SiteError
from site_builder.preview.netlify import Rules, load_rules, redirects_file
from site_builder.project import Project
from site_builder.report import Reporter

RELOAD_SCRIPT = "/__preview/reload.js"
RELOAD_JS = (Path(__file__).with_name("reload.js")).read_text(encoding="utf-8")
EVENTS = "/__preview/events"
KEEP_ALIVE_SECONDS = 15.0
DEBOUNCE_SECONDS = 0.1  # a change must hold this long before a rebuild: editors save in steps
SETTLE_LIMIT_SECONDS = 2.0  # ...but a file that never stops changing does not block rebuilds
SEARCH_DELAY_SECONDS = 0.3  # quiet after a build before the search index is brought up to date
MAX_PATH = 2048  # bytes of a request's path, %-encoded; longer gets 414
MAX_SEGMENT = 255  # bytes of one decoded path segment (a file name's limit); longer gets 414
REQUEST_QUEUE = 128  # connections waiting to be accepted: a page load opens dozens at once
LOOPBACK_NAMES = ("localhost", "127.0.0.1", "[::1]")
IGNORED_SUFFIXES = ("~", ".swp", ".swx", ".tmp", ".pyc")  # editor and interpreter droppings
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


class BuildFunction(Protocol):
    def __call__(self, project: Project, reporter: Reporter, output: Path | None = None,
                 drafts: bool = False, *, search: bool = True,
                 swap: bool = True) -> BuildResult: ...


@dataclass(frozen=True)
class Problem:
    """One build error as pages receive it; ``file`` is relative to the project."""

    file: str
    line: int | None
    message: str
    hint: str

    @classmethod
    def of(cls, error: SiteError, root: Path) -> Problem:
        path = error.path
        if path is not None and path.is_absolute() and path.is_relative_to(root):
            path = path.relative_to(root)
        return cls(str(path or ""), error.line, error.message, error.hint)

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}: " if self.line else f"{self.file}: " if self.file else ""
        return f"{where}{self.message}" + (f"\n  {self.hint}" if self.hint else "")


@dataclass(frozen=True)
class State:
    """``seq`` counts build outcomes, ``generation`` good builds; ``problems``: the last one's."""

    seq: int = 0
    generation: int = 0
    problems: tuple[Problem, ...] = ()


class Hub:
    """The latest build outcome; event streams wait here for the next one."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._state = State()
        self.closed = False

    @property
    def state(self) -> State:
        with self._changed:
            return self._state

    def publish(self, problems: tuple[Problem, ...]) -> State:
        with self._changed:
            old = self._state
            self._state = State(old.seq + 1, old.generation + (not problems), problems)
            self._changed.notify_all()
            return self._state

    def wait(self, seq: int, timeout: float) -> State | None:
        """The state once it is newer than ``seq``; None after ``timeout`` or on close."""
        with self._changed:
            self._changed.wait_for(lambda: self.closed or self._state.seq > seq, timeout)
            return None if self.closed or self._state.seq <= seq else self._state

    def close(self) -> None:
        with self._changed:
            self.closed = True
            self._changed.notify_all()


@dataclass
class Response:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


class Forbidden(Exception):
    """A request for something outside the site folder."""


def fingerprint(roots: Iterable[Path]) -> dict[str, tuple[int, int, int]]:
    """(size, mtime_ns, inode) of every file below ``roots``: cheap change detection only."""
    found = {}
    for root in roots:
        paths = [root] if root.is_file() else _files(root)
        for path in paths:
            try:
                st = path.stat()
            except FileNotFoundError:
                continue  # deleted between listing and looking
            found[str(path)] = (st.st_size, st.st_mtime_ns, st.st_ino)
    return found


def _files(root: Path) -> Iterable[Path]:
    for folder, dirs, names in os.walk(root):
        dirs[:] = [d for d in dirs if not d.startswith(".") and d != "__pycache__"]
        yield from (Path(folder, n) for n in names
                    if not n.startswith(".") and not n.endswith(IGNORED_SUFFIXES))


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


class PreviewServer:
    """Builds (drafts included) into ``output``, serves it, and rebuilds when inputs change.

    ``output`` defaults to ``project.cache / "preview"``, never ``output/``. ``port=0`` picks a
    free port (see :attr:`url`). ``host`` other than loopback exposes drafts to the network.
    ``build`` is the build function, replaceable in tests. Use :meth:`start` and :meth:`stop`,
    or ``with PreviewServer(...) as preview:``.
    """

    def __init__(self, project: Project, reporter: Reporter, host: str = "127.0.0.1",
                 port: int = 8000, output: Path | None = None, poll_interval: float = 0.1,
                 build: BuildFunction = build_site) -> None:
        self.project = project
        self.reporter = reporter
        self.host = host
        self.port = port
        self.output = (output or project.cache / "preview").resolve()
        self.poll_interval = poll_interval
        self.netlify_toml = project.root / "netlify.toml"
        self.rules = Rules()
        self.hub = Hub()
        self._build = build
        self._stopping = threading.Event()
        # The search index is rebuilt after the page reloads, not before: a build and the
        # indexer take turns on the site folder, and a change in view stops the indexer.
        self._site_lock = threading.Lock()
        self._change_pending = threading.Event()
        self._index_wanted = threading.Event()
        self._searched = threading.Condition()
        self._searched_generation = 0
        self._searchable: Mapping[str, str] = {}  # of the last good build: what to index
        self._httpd: _HTTPServer | None = None
        self._threads: list[threading.Thread] = []
        for watched in (project.content, project.templates):
            if self.output.is_relative_to(watched.resolve()):
                raise SiteError(f"the preview folder {self.output} is inside {watched}",
                                hint="Every build would trigger another; choose another folder.")

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/"

    @property
    def watched(self) -> tuple[Path, ...]:
        return (self.project.content, self.project.templates, self.netlify_toml)

    def start(self) -> None:
        """Listen, build once, then watch and serve in background threads."""
        try:
            self._httpd = _HTTPServer((self.host, self.port), self)
        except OSError as exc:
            raise SiteError(f"cannot listen on {self.host}:{self.port}: {exc.strerror or exc}",
                            hint="Another program may be using the port; pick another with "
                                 "--port, e.g. --port 8001.") from exc
        self.port = self._httpd.server_address[1]
        try:
            seen = fingerprint(self.watched)
            self.rebuild()
        except BaseException:
            self._httpd.server_close()
            raise
        self._threads = [
            threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.1},
                             name="preview-http", daemon=True),
            threading.Thread(target=self._watch, args=(seen,), name="preview-watch",
                             daemon=True),
            threading.Thread(target=self._index, name="preview-search", daemon=True)]
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        """Close event streams, stop listening and watching; returns within a few seconds."""
        self._stopping.set()
        self.hub.close()
        with self._searched:
            self._searched.notify_all()
        if self._httpd is not None:
            if self._threads:  # shutdown() waits for serve_forever, so only once it runs
                self._httpd.shutdown()
            self._httpd.server_close()
        for thread in self._threads:
            thread.join(timeout=5)

    def wait_for_search(self, timeout: float) -> bool:
        """Wait until the search index covers the last good build; False after ``timeout``."""
        with self._searched:
            return self._searched.wait_for(
                lambda: self._stopping.is_set() or (
                    not self._index_wanted.is_set()
                    and self._searched_generation >= self.hub.state.generation), timeout)

    def wait(self) -> None:
        """Block until :meth:`stop` is called (or Ctrl-C)."""
        while not self._stopping.wait(1.0):
            pass

    def __enter__(self) -> PreviewServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- building ------------------------------------------------------------------------

    def rebuild(self) -> State:
        """Reload ``netlify.toml``, build, and tell open pages how it went."""
        errors: list[SiteError] = []
        try:
            rules = load_rules(self.netlify_toml)
            if rules != self.rules:
                for note in rules.notes:
                    self.reporter.warn(f"netlify.toml: {note}")
            self.rules = rules
        except SiteError as exc:
            errors.append(exc)
        try:
            with self._site_lock:
                result = self._build(self.project, self.reporter, self.output, drafts=True,
                                     search=False, swap=False)
                self._searchable = result.searchable
            published = self.output / "_redirects"
            if published.is_file():  # Netlify applies these before netlify.toml's own
                file_rules = redirects_file(published.read_text(encoding="utf-8"))
                self.rules = dataclasses.replace(
                    self.rules, redirects=file_rules + self.rules.redirects)
        except BuildFailed as exc:
            errors += exc.errors
        except SiteError as exc:
            errors.append(exc)
        except Exception as exc:  # a bug: show it, keep serving and watching
            self.reporter.warn("".join(traceback.format_exception(exc)).rstrip())
            errors.append(SiteError(f"internal error: {type(exc).__name__}: {exc}",
                                    hint="This is a bug in site_builder; the traceback is in "
                                         "the terminal."))
        had_problems = bool(self.hub.state.problems)
        problems = tuple(Problem.of(e, self.project.root) for e in errors)
        if problems:
            self.reporter.warn(f"build failed with {len(problems)} error(s); the preview "
                               "keeps the last good site:")
            for problem in problems:
                self.reporter.error(str(problem))
        elif had_problems:
            self.reporter.info("Fixed: the site builds again; reloading open pages.")
        state = self.hub.publish(problems)
        if not problems:
            self._index_wanted.set()
        return state

    def _index(self) -> None:
        """Bring the search index up to date after each good build, once the folder has been
        quiet for a moment; a change on disk stops it, and the build after it starts it
        again."""
        from site_builder.build.search import Cancelled, index_site

        def cancelled() -> bool:
            return self._change_pending.is_set() or self._stopping.is_set()

        while not self._stopping.is_set():
            if (not self._index_wanted.wait(0.1) or self._stopping.wait(SEARCH_DELAY_SECONDS)
                    or cancelled()):
                continue
            with self._site_lock:
                if cancelled():
                    continue
                self._index_wanted.clear()
                generation = self.hub.state.generation
                try:
                    index_site(self.output, self._searchable, cancelled)
                except Cancelled:
                    continue
                except Exception as exc:  # the pages still preview; say why search lags
                    self.reporter.warn(f"search index not updated: {exc}")
                    continue
            with self._searched:
                self._searched_generation = generation
                self._searched.notify_all()

    def _watch(self, seen: dict[str, tuple[int, int, int]]) -> None:
        while not self._stopping.wait(self.poll_interval):
            try:
                current = fingerprint(self.watched)
                if current == seen:
                    continue
                self._change_pending.set()  # the indexer yields the folder to the rebuild
                current = self._settle(current)
                if self._stopping.is_set():
                    return
                changed = sorted(set(current.items()) ^ set(seen.items()))
                names = sorted({self._relative(path) for path, _ in changed})
                more = f" and {len(names) - 3} more" if len(names) > 3 else ""
                self.reporter.info(f"Changed: {', '.join(names[:3])}{more}; rebuilding")
                seen = current
                try:
                    self.rebuild()
                finally:
                    self._change_pending.clear()
            except Exception as exc:  # never let the watcher die silently
                self.reporter.warn("preview watcher: " +
                                   "".join(traceback.format_exception(exc)).rstrip())

    def _settle(self, current: dict[str, tuple[int, int, int]]
                ) -> dict[str, tuple[int, int, int]]:
        """Wait until the files stop changing for DEBOUNCE_SECONDS (at most a limit)."""
        deadline = time.monotonic() + SETTLE_LIMIT_SECONDS
        while not self._stopping.wait(DEBOUNCE_SECONDS):
            again = fingerprint(self.watched)
            if again == current or time.monotonic() > deadline:
                return again
            current = again
        return current

    def _relative(self, path: str) -> str:
        p = Path(path)
        return str(p.relative_to(self.project.root)) if p.is_relative_to(self.project.root) \
            else path

    # -- answering -----------------------------------------------------------------------

    def allowed_hosts(self) -> frozenset[str]:
        """The ``Host`` headers answered (lower case): the bound address with its port; for a
        loopback address also its usual names; for a wildcard one (0.0.0.0, ::) any address
        written as an IP literal, since only a DNS name can be rebound."""
        names = {self.host.lower()} | (set(LOOPBACK_NAMES) if is_loopback(self.host) else set())
        bracketed = {f"[{n}]" if ":" in n and not n.startswith("[") else n for n in names}
        return frozenset(f"{n}:{self.port}" for n in bracketed) | (
            bracketed if self.port == 80 else frozenset())

    def host_allowed(self, header: str | None) -> bool:
        """Whether a request with this ``Host`` header is for this server."""
        if header is None:
            return False
        header = header.strip().lower()
        if header in self.allowed_hosts():
            return True
        if not _is_wildcard(self.host):
            return False
        if header == f"localhost:{self.port}":
            return True
        address, _, port = header.rpartition(":")
        try:
            ipaddress.ip_address(address[1:-1] if address.startswith("[") else address)
        except ValueError:
            return False
        return port == str(self.port) and (":" not in address or address.startswith("["))

    def respond(self, target: str) -> Response:
        """The answer to ``GET target``, with netlify.toml's headers and redirects applied."""
        parts = urlsplit(target)
        path, query = parts.path or "/", parts.query
        too_long = Response(414, b"URI too long.\n", {"Content-Type": "text/plain; charset=utf-8"})
        if len(target.encode()) > MAX_PATH or any(
                len(segment.encode("utf-8", "surrogateescape")) > MAX_SEGMENT
                for segment in unquote(path).split("/")):
            return _with_headers(too_long, {})
        if path == RELOAD_SCRIPT:
            return Response(200, RELOAD_JS.encode(), {
                "Content-Type": "text/javascript; charset=utf-8", "Cache-Control": "no-store"})
        try:
            resolve_in(self.output, path)
            response = self._site_response(path, query)
        except Forbidden:
            response = Response(403, b"Forbidden: outside the site folder.\n",
                                {"Content-Type": "text/plain; charset=utf-8"})
        except OSError as exc:
            if exc.errno != errno.ENAMETOOLONG:
                raise
            response = too_long  # a name the file system refuses, however it got through
        return _with_headers(response, self.rules.headers_for(path))

    def _site_response(self, path: str, query: str) -> Response:
        self._wait_for_swap()
        match = self.rules.redirect_for(path, lambda p: self._file_for(p) is not None)
        if match is not None and match.is_redirect:
            return Response(match.status, headers={"Location": _with_query(match.target, query)})
        if match is not None and match.target.startswith(("http://", "https://")):
            return Response(502, f"netlify.toml proxies this address to {match.target}; the "
                            "preview does not proxy.\n".encode(),
                            {"Content-Type": "text/plain; charset=utf-8"})
        if match is not None:
            found = self._file_for(urlsplit(match.target).path)
            return (found and self._file(found, match.status)) or self._not_found()
        folder = resolve_in(self.output, path)
        if not path.endswith("/") and (folder / "index.html").is_file():
            return Response(301, headers={"Location": _with_query(
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

    def _file(self, path: Path, status: int) -> Response | None:
        """The file with its type, the reload script in HTML; None if it cannot be read."""
        generation = self.hub.state.generation  # read first: a newer page only reloads again
        try:
            body = path.read_bytes()
        except OSError:
            return None  # gone since it was found (a rebuild), or unreadable
        kind = content_type(path)
        if kind.startswith("text/html"):
            body = inject_reload(body, generation)
        return Response(status, body, {"Content-Type": kind})

    def _not_found(self) -> Response:
        custom = self._file(self.output / "404.html", 404)
        if custom is not None:
            return custom
        state = self.hub.state
        why = ("The site has not built yet: fix the errors shown." if not state.generation
               else "There is no page at this address.")
        html = (f"<!doctype html><html lang=en><meta charset=utf-8><title>Not found</title>"
                f"<body><h1>Not found</h1><p>{why}</p></body></html>").encode()
        return Response(404, inject_reload(html, state.generation),
                        {"Content-Type": "text/html; charset=utf-8"})

    def _wait_for_swap(self) -> None:
        """A build swaps the site folder with two renames; wait out the moment between them."""
        deadline = time.monotonic() + 0.5
        while (self.hub.state.generation and not self.output.is_dir()
               and time.monotonic() < deadline):
            time.sleep(0.01)


def _with_headers(response: Response, custom: dict[str, str]) -> Response:
    """netlify.toml's headers over ours (names ignore case); the preview is never cached.

    A declared Cache-Control is shown as X-Netlify-Cache-Control instead: obeying it would
    let the browser keep an old stylesheet across a reload.
    """
    merged = {name.lower(): (name, value) for name, value in response.headers.items()}
    merged |= {name.lower(): (name, value) for name, value in custom.items()}
    declared = next((v for k, v in custom.items() if k.lower() == "cache-control"), None)
    if declared is not None:
        merged["x-netlify-cache-control"] = ("X-Netlify-Cache-Control", declared)
    merged["cache-control"] = ("Cache-Control", "no-store")
    response.headers = dict(merged.values())
    return response


def _with_query(location: str, query: str) -> str:
    """Netlify passes the query string on, unless the rule's target has its own."""
    return f"{location}?{query}" if query and "?" not in location else location


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = REQUEST_QUEUE

    def __init__(self, address: tuple[str, int], preview: PreviewServer) -> None:
        self.preview = preview
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        self.preview.reporter.warn("preview server: " + traceback.format_exc().rstrip())


class _Handler(BaseHTTPRequestHandler):
    server: _HTTPServer
    server_version = "site_builder-preview"
    timeout = 2 * KEEP_ALIVE_SECONDS  # a silent client cannot hold a thread for ever

    def do_GET(self) -> None:
        self._answer(send_body=True)

    def do_HEAD(self) -> None:
        self._answer(send_body=False)

    def log_message(self, format: str, *args: Any) -> None:
        self.server.preview.reporter.detail("preview: " + format % args)

    def _answer(self, send_body: bool) -> None:
        parts = urlsplit(self.path)
        try:
            if not self.server.preview.host_allowed(self.headers.get("Host")):
                self._refuse(send_body)
                return
            if parts.path == EVENTS and send_body:
                self._stream(parse_qs(parts.query).get("since", [""])[0])
                return
            try:
                response = self.server.preview.respond(self.path)
            except Exception:  # a bug: answer anyway, and show it in the terminal
                self.server.handle_error(self.request, self.client_address)
                response = Response(500, b"Internal error in the preview server; see the "
                                    b"terminal.\n", {"Content-Type": "text/plain; charset=utf-8"})
            self.send_response(response.status)
            for name, value in response.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(response.body)))
            self.end_headers()
            if send_body:
                self.wfile.write(response.body)
        except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError, TimeoutError):
            pass  # the browser went away (a reload, a closed tab): nothing to tell it

    def _refuse(self, send_body: bool) -> None:
        """421 for a request addressed to another host (DNS rebinding, a stray proxy)."""
        body = (b"Misdirected request: this preview answers only requests for "
                + ", ".join(sorted(self.server.preview.allowed_hosts())).encode() + b".\n")
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
        hub = self.server.preview.hub
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        state = hub.state
        self._send("retry: 1000\n\n")
        if state.problems:
            self._send(_event("error", state))
        elif since and since != str(state.generation):
            self._send(_event("reload", state))  # the page is older than the site
        else:
            self._send(_event("ready", state))
        seq = state.seq
        while not hub.closed:
            newer = hub.wait(seq, KEEP_ALIVE_SECONDS)
            if newer is None:
                if not hub.closed:
                    self._send(": keep-alive\n\n")
                continue
            seq = newer.seq
            self._send(_event("error" if newer.problems else "reload", newer))

    def _send(self, text: str) -> None:
        self.wfile.write(text.encode())
        self.wfile.flush()


def _event(name: str, state: State) -> str:
    data = json.dumps({"generation": state.generation,
                       "errors": [asdict(p) for p in state.problems]})
    return f"event: {name}\ndata: {data}\n\n"


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


def serve(project: Project, reporter: Reporter, host: str = "127.0.0.1", port: int = 8000,
          output: Path | None = None) -> None:
    """Preview the site at ``http://host:port/`` until Ctrl-C; see :class:`PreviewServer`.

    Raises :class:`SiteError` when the port cannot be used. Build errors do not stop it: they
    show in the terminal and over the page until the file is fixed.
    """
    preview = PreviewServer(project, reporter, host, port, output)
    if not is_loopback(host):
        reporter.warn(f"listening on {host}: anyone who can reach this machine can read the "
                      "preview, drafts included")
    preview.start()
    reporter.info(f"Previewing at {preview.url} (drafts included), from {preview.output}; "
                  "watching content/, templates/ and netlify.toml. Ctrl-C stops.")
    try:
        preview.wait()
    except KeyboardInterrupt:
        reporter.info("Preview stopped.")
    finally:
        preview.stop()
