"""HTTP for the data clients: one session, timeouts, polite retries, and a conditional cache.

Every request decides first whether it may be served from the cache (with ``If-None-Match``
/ ``If-Modified-Since``, so an unchanged upstream costs a 304), then retries only what may
succeed on a second try: connection errors, timeouts, 429 (honouring ``Retry-After``) and
5xx. Secrets (API keys) never appear in a cache key, a stored response, a log line or an
error (see :mod:`site_builder.data.redaction`).

Every request is bounded: a total deadline (``deadline``, however slowly the body drips; the
per-read timeout alone would be reset by each byte), a size limit on the body as sent and as
decompressed (``max_bytes``), and a cap on the wait a ``Retry-After`` gets
(``retry_after_cap``, each such wait told through ``notify``). ``stop_at`` bounds a whole
fetch: no request starts or goes on past it.
"""

from __future__ import annotations

import email.utils
import hashlib
import itertools
import json
import random
import threading
import time
import zlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import requests
import urllib3

from site_builder.atomic import write_file
from site_builder.data.inflate import CHUNK, Inflater
from site_builder.data.redaction import (
    SECRET_PARAMS,
    Params,
    redact,
    scrub,
    scrub_headers,
    scrub_text,
)
from site_builder.errors import SiteError

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
#: Defaults of the limits on one request (README, "Fetching fresh data").
REQUEST_DEADLINE = 120.0  # seconds for one request, body included, however slowly it drips
MAX_BODY_BYTES = 50 * 1024 * 1024  # a body, as sent and as decompressed
RETRY_AFTER_CAP = 30.0  # the longest wait a Retry-After gets; longer asks are cut to this


class FetchError(SiteError):
    """A request or response that cannot be used; says the source and the request."""


@dataclass(frozen=True)
class Response:
    status: int
    body: bytes
    headers: Mapping[str, str]
    request: str  # redacted
    fetched_at: str  # ISO time the body was fetched from upstream
    from_cache: bool = False

    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")


@dataclass(frozen=True)
class _Answer:
    """What came back from upstream: status, headers and the whole (decoded) body."""

    status_code: int
    headers: Mapping[str, str]
    content: bytes


@dataclass
class Stats:
    requests: int = 0
    cache_hits: int = 0
    retries: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, name: str) -> None:
        with self.lock:
            setattr(self, name, getattr(self, name) + 1)


class HttpClient:
    """GET with timeouts, retries, a per-host concurrency limit and pace, and an on-disk cache.

    ``sleep`` and ``jitter`` are seams: tests pass a recording sleep so backoff is checked
    without waiting; ``clock`` gives the time stamped on fetched responses. ``pace`` is the
    least time in seconds between the starts of two requests to one host.
    """

    def __init__(self, cache_dir: Path | None, *, timeout: float = 30.0,
                 connect_timeout: float = 10.0, retries: int = 4, backoff: float = 1.0,
                 max_backoff: float = 60.0, per_host: int = 2, pace: float = 0.0,
                 sleep: Callable[[float], None] = time.sleep,
                 jitter: Callable[[], float] = random.random,
                 clock: Callable[[], float] = time.time,
                 user_agent: str = "site_builder (trade briefs)",
                 deadline: float = REQUEST_DEADLINE, max_bytes: int = MAX_BODY_BYTES,
                 retry_after_cap: float = RETRY_AFTER_CAP,
                 notify: Callable[[str], None] | None = None,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self.cache_dir = cache_dir
        self.timeout = (connect_timeout, timeout)
        self.retries = retries
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.per_host = per_host
        self.pace = pace
        self.sleep = sleep
        self.jitter = jitter
        self.clock = clock
        self.deadline = deadline
        self.max_bytes = max_bytes
        self.retry_after_cap = retry_after_cap
        self.notify = notify  # told of every long wait (fetch passes the reporter's warn)
        self.monotonic = monotonic
        #: A ``monotonic`` time after which no request may start or go on: the whole fetch's
        #: deadline, set by ``fetch``. None: no overall deadline.
        self.stop_at: float | None = None
        self.stop_reason = "the fetch's deadline passed"
        self.session = requests.Session()
        self.session.headers["User-Agent"] = user_agent
        # Only encodings we decompress ourselves, in bounded steps (see ``_read_body``).
        self.session.headers["Accept-Encoding"] = "gzip, deflate"
        self.stats = Stats()
        self._hosts: dict[str, threading.Semaphore] = {}
        self._hosts_lock = threading.Lock()
        self._next_start: dict[str, float] = {}  # per host, in ``monotonic`` time

    def close(self) -> None:
        self.session.close()

    # -- public ---------------------------------------------------------------------------
    def get(self, url: str, params: Params, source: str,
            explain: Callable[[Response], str | None] | None = None) -> Response:
        """GET ``url`` with ``params``; a non-2xx answer raises :class:`FetchError`.

        ``explain`` may turn an error response into the API's own message (FRED, for one,
        answers 400 with a JSON ``error_message``).
        """
        shown = redact(url, params)
        cached = self._cached(url, params)
        headers = {}
        if cached is not None:
            meta, _ = cached
            if meta.get("etag"):
                headers["If-None-Match"] = meta["etag"]
            if meta.get("last_modified"):
                headers["If-Modified-Since"] = meta["last_modified"]
        with self._slot(url):
            response = self._send(url, params, headers, source, shown)
        # Some APIs echo the key back (BEA's Request block, a redirect's Location): scrub it
        # from the body and every header before anyone sees them.
        body = scrub(response.content, params)
        answer_headers = scrub_headers(response.headers, params)
        if response.status_code == 304 and cached is not None:
            self.stats.add("cache_hits")
            meta, body = cached
            return Response(200, body, meta.get("headers", {}), shown, meta["fetched_at"],
                            from_cache=True)
        result = Response(response.status_code, body, answer_headers, shown,
                          _iso(self.clock()))
        if 300 <= response.status_code < 400:
            target = answer_headers.get("Location", "another page")
            raise FetchError(f"{source}: {shown} redirected (HTTP {response.status_code}) to "
                             f"{target}",
                             hint="APIs redirect to a web page when the key is missing or "
                                  "refused: check the key variable named in README, 'Data'.")
        if not 200 <= response.status_code < 300:
            said = scrub_text((explain(result) if explain else None) or _excerpt(result.text()),
                              params)
            hint = _hint(response.status_code)
            if "api_key" in said or "API key" in said:
                hint = _hint(401)
            raise FetchError(f"{source}: {shown} answered HTTP {response.status_code}: {said}",
                             hint=hint)
        if response.status_code == 200:
            self._store(url, params, result)
        return result

    def status(self, method: str, url: str, timeout: float) -> int:
        """The status ``url`` answers ``method`` with, after redirects, the body unread; not
        retried nor cached. Raises a requests error (or OSError) when no answer comes."""
        with self._slot(url):
            self._wait_turn(url)
            with self.session.request(method, url, timeout=timeout, allow_redirects=True,
                                      stream=True) as response:
                return response.status_code

    # -- sending ---------------------------------------------------------------------------
    def _slot(self, url: str) -> threading.Semaphore:
        host = urlsplit(url).netloc
        with self._hosts_lock:
            if host not in self._hosts:
                self._hosts[host] = threading.Semaphore(self.per_host)
            return self._hosts[host]

    def _wait_turn(self, url: str) -> None:
        """Sleep until ``pace`` seconds have passed since the last request to the host began."""
        host = urlsplit(url).netloc
        with self._hosts_lock:
            now = self.monotonic()
            at = max(now, self._next_start.get(host, now)) if self.pace > 0 else now
            self._next_start[host] = at + self.pace
        if at > now:
            self.sleep(at - now)

    def _send(self, url: str, params: Params, headers: Mapping[str, str],
              source: str, shown: str) -> _Answer:
        for attempt in range(self.retries + 1):
            last = attempt == self.retries
            self._check_stop(source, shown)
            self._wait_turn(url)
            self.stats.add("requests")
            wait = None
            ends = self.monotonic() + self.deadline
            if self.stop_at is not None:
                ends = min(ends, self.stop_at)
            try:
                with self.session.get(url, params=dict(params), headers=dict(headers),
                                      timeout=self._timeout(ends), allow_redirects=False,
                                      stream=True) as response:
                    if response.status_code not in RETRY_STATUSES or last:
                        body = self._read_body(response, ends, source, shown)
                        return _Answer(response.status_code, dict(response.headers), body)
                    retry_after = response.headers.get("Retry-After")
            except (requests.Timeout, urllib3.exceptions.TimeoutError, TimeoutError):
                if self.monotonic() >= ends:
                    raise self._late(source, shown, ends) from None
                if last:
                    raise FetchError(f"{source}: {shown} timed out, {attempt + 1} tries",
                                     hint="The service is slow or down; try again later.") \
                        from None
            except requests.ConnectionError as exc:
                if last:
                    raise FetchError(f"{source}: cannot connect for {shown} "
                                     f"({type(exc).__name__})",
                                     hint="Check the network, or the base URL setting.") \
                        from None
            except (requests.RequestException, urllib3.exceptions.HTTPError, OSError,
                    zlib.error) as exc:  # e.g. a body cut short mid-transfer
                if last:
                    raise FetchError(f"{source}: {shown} failed: {type(exc).__name__}",
                                     hint="The response was broken; try again later.") \
                        from None
            else:
                asked = _retry_after(retry_after, self.clock())
                if asked is not None and asked > self.max_backoff:
                    raise FetchError(f"{source}: {shown} is rate-limited for {asked:.0f} s",
                                     hint="Run fetch again after that time.")
                if asked is not None:
                    wait = min(asked, self.retry_after_cap)
                    if self.notify is not None and asked >= 1:
                        self.notify(f"waiting {wait:.0f} s: {source} asked to retry after "
                                    f"{asked:.0f} s")
            self.stats.add("retries")
            if wait is None:  # exponential backoff with jitter: 0.5x to 1.5x of the step
                wait = min(self.max_backoff, self.backoff * 2 ** attempt) * (0.5 + self.jitter())
            if self.stop_at is not None and self.monotonic() + wait > self.stop_at:
                raise FetchError(f"{source}: {shown} would retry after {wait:.0f} s, past "
                                 f"the fetch's deadline", hint=self.stop_reason)
            self.sleep(wait)
        raise AssertionError("unreachable")  # pragma: no cover

    def _timeout(self, ends: float) -> tuple[float, float]:
        """The connect and per-read timeouts, neither beyond the request's deadline."""
        left = max(0.05, ends - self.monotonic())
        return min(self.timeout[0], left), min(self.timeout[1], left)

    def _check_stop(self, source: str, shown: str) -> None:
        if self.stop_at is not None and self.monotonic() >= self.stop_at:
            raise FetchError(f"{source}: {shown} not sent: {self.stop_reason}",
                             hint="Nothing was written; raise the deadline or try later.")

    def _late(self, source: str, shown: str, ends: float) -> FetchError:
        if self.stop_at is not None and ends >= self.stop_at:
            return FetchError(f"{source}: {shown} stopped: {self.stop_reason}",
                              hint="Nothing was written; raise the deadline or try later.")
        return FetchError(f"{source}: {shown} took longer than {self.deadline:g} s",
                          hint="The service is sending its answer too slowly; try again later.")

    def _read_body(self, response: requests.Response, ends: float, source: str,
                   shown: str) -> bytes:
        """The whole body, decompressed, within the deadline and the size limit.

        Reads what has arrived (``read1``), so a server sending a byte at a time is stopped
        at the deadline, not when the body is complete; decompresses step by step with an
        output limit, so a small compressed bomb never expands beyond ``max_bytes``.
        """
        length = response.headers.get("Content-Length", "")
        if length.isdigit() and int(length) > self.max_bytes:
            raise self._too_big(source, shown)
        try:
            decoder = Inflater(response.headers.get("Content-Encoding", "")).feed
        except ValueError as exc:
            raise FetchError(f"{source}: {shown} came in {exc}") from None
        parts: list[bytes] = []
        size = 0
        for chunk in itertools.chain(self._raw_chunks(response, ends, source, shown), [None]):
            for piece in decoder(chunk):  # None: the end, whatever the decoder still holds
                size += len(piece)
                if size > self.max_bytes:
                    raise self._too_big(source, shown)
                parts.append(piece)
        return b"".join(parts)

    def _raw_chunks(self, response: requests.Response, ends: float, source: str,
                    shown: str) -> Iterator[bytes]:
        raw = response.raw
        received = 0
        while True:
            if self.monotonic() >= ends:
                raise self._late(source, shown, ends)
            chunk = raw.read1(CHUNK, decode_content=False)
            if not chunk:
                return
            received += len(chunk)
            if received > self.max_bytes:
                raise self._too_big(source, shown)
            yield chunk

    def _too_big(self, source: str, shown: str) -> FetchError:
        return FetchError(f"{source}: {shown} sent a body larger than "
                          f"{self.max_bytes / 1024 / 1024:g} MB (as sent or decompressed)",
                          hint="Narrow the request (start, filters), or raise the limit: "
                               "SITE_BUILDER_FETCH_MAX_MB.")

    # -- cache -----------------------------------------------------------------------------
    def _key(self, url: str, params: Params) -> str:
        public = sorted((k, v) for k, v in params.items() if k not in SECRET_PARAMS)
        return hashlib.sha256(json.dumps([url, public]).encode()).hexdigest()

    def _cached(self, url: str, params: Params) -> tuple[dict, bytes] | None:
        if self.cache_dir is None:
            return None
        base = self.cache_dir / self._key(url, params)
        try:
            meta = json.loads(base.with_suffix(".json").read_text(encoding="utf-8"))
            body = base.with_suffix(".body").read_bytes()
        except (OSError, ValueError):
            return None
        return meta, body

    def _store(self, url: str, params: Params, response: Response) -> None:
        etag = response.headers.get("ETag")
        modified = response.headers.get("Last-Modified")
        if self.cache_dir is None or not (etag or modified):
            return
        base = self.cache_dir / self._key(url, params)
        keep = {k: v for k, v in response.headers.items()  # already scrubbed
                if k.lower() in ("content-type", "etag", "last-modified")}
        meta = {"request": response.request, "etag": etag, "last_modified": modified,
                "fetched_at": response.fetched_at, "headers": keep}
        write_file(base.with_suffix(".body"), response.body)
        write_file(base.with_suffix(".json"), json.dumps(meta, indent=1).encode())


def _retry_after(value: str | None, now: float) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (seconds or an HTTP date)."""
    if not value:
        return None
    if value.strip().isdigit():
        return float(value.strip())
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - now)


def _iso(seconds: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(seconds))


def _excerpt(text: str, limit: int = 200) -> str:
    flat = " ".join(text.split())
    if flat.lower().startswith(("<!doctype", "<html")):
        return "an HTML page instead of data"
    return flat[:limit] + ("…" if len(flat) > limit else "") if flat else "(empty body)"


def _hint(status: int) -> str:
    if status in (401, 403):
        return "The API key was refused: check the key variable named in README, 'Data'."
    if status == 404:
        return "The address is wrong: check the base URL and the series or dataset name."
    if status == 429:
        return "The service is rate-limiting us; wait and run fetch again."
    if status >= 500:
        return "The service failed; try again later."
    return "The request was refused; check the dataset's fetch settings in datasets.toml."
