"""HTTP for the data clients: one session, timeouts, polite retries, and a conditional cache.

Every request decides first whether it may be served from the cache (with ``If-None-Match``
/ ``If-Modified-Since``, so an unchanged upstream costs a 304), then retries only what may
succeed on a second try: connection errors, timeouts, 429 (honouring ``Retry-After``) and
5xx. Secrets (API keys) never appear in a cache key, a stored response, a log line or an
error: :func:`redact` replaces them wherever a URL is shown.
"""

from __future__ import annotations

import email.utils
import hashlib
import json
import random
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import requests

from site_builder.atomic import write_file
from site_builder.errors import SiteError

#: Query parameters that carry credentials, for every API we call.
SECRET_PARAMS = frozenset({"api_key", "key", "UserID", "userid"})
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
Params = Mapping[str, "str | list[str]"]


class FetchError(SiteError):
    """A request or response that cannot be used; says the source and the request."""


def redact(url: str, params: Params | None = None) -> str:
    """The request as it may be shown: secret parameter values replaced by ``***``."""
    query = {k: ("***" if k in SECRET_PARAMS else v) for k, v in (params or {}).items()}
    return f"{url}?{urlencode(query, doseq=True, safe='*')}" if query else url


def scrub(body: bytes, params: Params) -> bytes:
    """``body`` with the value of every secret parameter replaced by ``***``."""
    for name, value in params.items():
        if name in SECRET_PARAMS and isinstance(value, str) and len(value) >= 4:
            body = body.replace(value.encode(), b"***")
    return body


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
    """GET with timeouts, retries, a per-host concurrency limit and an on-disk cache.

    ``sleep`` and ``jitter`` are seams: tests pass a recording sleep so backoff is checked
    without waiting; ``clock`` gives the time stamped on fetched responses.
    """

    def __init__(self, cache_dir: Path | None, *, timeout: float = 30.0,
                 connect_timeout: float = 10.0, retries: int = 4, backoff: float = 1.0,
                 max_backoff: float = 60.0, per_host: int = 2,
                 sleep: Callable[[float], None] = time.sleep,
                 jitter: Callable[[], float] = random.random,
                 clock: Callable[[], float] = time.time,
                 user_agent: str = "site_builder (trade briefs)") -> None:
        self.cache_dir = cache_dir
        self.timeout = (connect_timeout, timeout)
        self.retries = retries
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.per_host = per_host
        self.sleep = sleep
        self.jitter = jitter
        self.clock = clock
        self.session = requests.Session()
        self.session.headers["User-Agent"] = user_agent
        self.stats = Stats()
        self._hosts: dict[str, threading.Semaphore] = {}
        self._hosts_lock = threading.Lock()

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
        # Some APIs echo the key back (BEA's Request block): scrub it before anyone sees it.
        body = scrub(response.content, params)
        if response.status_code == 304 and cached is not None:
            self.stats.add("cache_hits")
            meta, body = cached
            return Response(200, body, meta.get("headers", {}), shown, meta["fetched_at"],
                            from_cache=True)
        result = Response(response.status_code, body, dict(response.headers), shown,
                          _iso(self.clock()))
        if 300 <= response.status_code < 400:
            target = scrub(response.headers.get("Location", "another page").encode(), params)
            raise FetchError(f"{source}: {shown} redirected (HTTP {response.status_code}) to "
                             f"{target.decode(errors='replace')}",
                             hint="APIs redirect to a web page when the key is missing or "
                                  "refused: check the key variable named in README, 'Data'.")
        if not 200 <= response.status_code < 300:
            said = (explain(result) if explain else None) or _excerpt(result.text())
            hint = _hint(response.status_code)
            if "api_key" in said or "API key" in said:
                hint = _hint(401)
            raise FetchError(f"{source}: {shown} answered HTTP {response.status_code}: {said}",
                             hint=hint)
        if response.status_code == 200:
            self._store(url, params, result)
        return result

    # -- sending ---------------------------------------------------------------------------
    def _slot(self, url: str) -> threading.Semaphore:
        host = urlsplit(url).netloc
        with self._hosts_lock:
            if host not in self._hosts:
                self._hosts[host] = threading.Semaphore(self.per_host)
            return self._hosts[host]

    def _send(self, url: str, params: Params, headers: Mapping[str, str],
              source: str, shown: str) -> requests.Response:
        for attempt in range(self.retries + 1):
            last = attempt == self.retries
            self.stats.add("requests")
            wait = None
            try:
                response = self.session.get(url, params=dict(params), headers=dict(headers),
                                            timeout=self.timeout, allow_redirects=False)
            except requests.Timeout:
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
            except requests.RequestException as exc:  # e.g. a body cut short mid-transfer
                if last:
                    raise FetchError(f"{source}: {shown} failed: {type(exc).__name__}",
                                     hint="The response was broken; try again later.") \
                        from None
            else:
                if response.status_code not in RETRY_STATUSES or last:
                    return response
                wait = _retry_after(response.headers.get("Retry-After"), self.clock())
                if wait is not None and wait > self.max_backoff:
                    raise FetchError(f"{source}: {shown} is rate-limited for {wait:.0f} s",
                                     hint="Run fetch again after that time.")
            self.stats.add("retries")
            if wait is None:  # exponential backoff with jitter: 0.5x to 1.5x of the step
                wait = min(self.max_backoff, self.backoff * 2 ** attempt) * (0.5 + self.jitter())
            self.sleep(wait)
        raise AssertionError("unreachable")  # pragma: no cover

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
        keep = {k: v for k, v in response.headers.items()
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
