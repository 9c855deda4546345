"""``external``: links to other hosts answer. Asked for on request only; each answer is kept in
a cache file for a week, and requests to one host are paced (by
:class:`~site_builder.data.http_client.HttpClient`)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from site_builder.atomic import write_file
from site_builder.check.built_site import LINK_ATTRS, BuiltSite
from site_builder.check.problem import Problem

if TYPE_CHECKING:  # imported where used: requests, which only --external needs, takes 35 ms
    from site_builder.data.http_client import HttpClient

LINK_CACHE_DAYS = 7
HOST_INTERVAL = 1.0  # seconds between two requests to one host
LINK_WORKERS = 2
LINK_TIMEOUT = 15.0

#: (method, url, timeout in seconds) -> HTTP status after redirects; raises OSError or a
#: requests error when no answer comes. Tests pass their own to reach a server on 127.0.0.1;
#: the pace is then theirs to keep.
HttpGet = Callable[[str, str, float], int]


def link_checker() -> HttpClient:
    """The client the check asks by default: one request a second to any one host."""
    from site_builder.data.http_client import HttpClient

    return HttpClient(None, user_agent="site_builder link check", pace=HOST_INTERVAL)


def check_external(site: BuiltSite, cache_file: Path, http_get: HttpGet | None = None
                   ) -> list[Problem]:
    """Links to other hosts answer (HEAD, else GET); answers are kept for a week.

    ``http_get`` defaults to :func:`link_checker`'s :meth:`~HttpClient.status`.
    """
    own = urlsplit(site.base_url).netloc
    found: dict[str, list[tuple[str, int]]] = {}
    for page in site.pages:
        for element in page.checked:
            for attr in LINK_ATTRS:
                url = element.attrs.get(attr, "").strip().split("#")[0]
                parts = urlsplit(url)
                if parts.scheme in ("http", "https") and parts.netloc != own:
                    found.setdefault(url, []).append((page.path, element.line))
    cached = _read_link_cache(cache_file)
    due = [url for url in found if not _fresh(cached.get(url))]
    if due:
        if http_get is not None:
            cached.update(_probe_all(due, http_get))
        else:
            client = link_checker()
            try:
                cached.update(_probe_all(due, client.status))
            finally:
                client.close()
        write_file(cache_file, json.dumps({"format": 1, "links": cached}, indent=1,
                                          sort_keys=True).encode())
    problems = []
    for url, places in found.items():
        status, error = cached[url]["status"], cached[url].get("error", "")
        if status is None or status >= 400:
            why = f"HTTP {status}" if status else error
            problems += [Problem("external", page, line, f"broken external link {url} ({why})",
                                 "Update or remove the link; answers are cached for "
                                 f"{LINK_CACHE_DAYS} days in {cache_file.name}.")
                         for page, line in places]
    return problems


def _probe_all(urls: list[str], http_get: HttpGet) -> list[tuple[str, dict[str, Any]]]:
    """Each URL's cache entry: its status (None without an answer), the error, the time."""
    def probe(url: str) -> tuple[str, dict[str, Any]]:
        status, error = None, ""
        for method in ("HEAD", "GET"):  # some servers refuse HEAD: GET decides
            try:
                status, error = http_get(method, url, LINK_TIMEOUT), ""
            except Exception as exc:  # no answer, for whatever reason: the link is broken
                status, error = None, f"{type(exc).__name__}: {exc}"
            if status is not None and status < 400:
                break
        return url, {"checked": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                     "status": status, "error": error}

    with ThreadPoolExecutor(LINK_WORKERS) as pool:
        return list(pool.map(probe, urls))


def _fresh(answer: Any) -> bool:
    """A cached answer younger than LINK_CACHE_DAYS; anything unreadable is not."""
    if not isinstance(answer, dict) or "status" not in answer:
        return False
    try:
        checked = dt.datetime.fromisoformat(answer["checked"])
        return dt.datetime.now(dt.UTC) - checked < dt.timedelta(days=LINK_CACHE_DAYS)
    except (KeyError, TypeError, ValueError):  # missing, not a time, or without a zone
        return False


def _read_link_cache(path: Path) -> dict[str, dict[str, Any]]:
    try:
        doc = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    return dict(doc.get("links", {})) if doc.get("format") == 1 else {}
