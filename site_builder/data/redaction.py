"""Keeping API keys out of sight: :func:`redact` replaces them wherever a request's URL is
shown, :func:`scrub` wherever an answer echoes them (in any letter case, percent-encoded once
or twice, in the body or a header such as a redirect's ``Location``)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from urllib.parse import urlencode

#: Query parameters that carry credentials, for every API we call.
SECRET_PARAMS = frozenset({"api_key", "key", "UserID", "userid"})
Params = Mapping[str, "str | list[str]"]


def redact(url: str, params: Params | None = None) -> str:
    """The request as it may be shown: secret parameter values replaced by ``***``."""
    query = {k: ("***" if k in SECRET_PARAMS else v) for k, v in (params or {}).items()}
    return f"{url}?{urlencode(query, doseq=True, safe='*')}" if query else url


def _secret_pattern(value: str) -> re.Pattern[bytes]:
    """Every way ``value`` may come back: each character as itself, percent-encoded
    (``%2F``) or percent-encoded twice (``%252F``), in any letter case, hex digits included,
    so a key echoed upper-cased, URL-quoted (partly or wholly) or quoted twice is found."""
    parts = []
    for char in value:
        hexes = "".join(f"%{b:02x}" for b in char.encode())
        options = [re.escape(char), re.escape(hexes), re.escape(hexes.replace("%", "%25"))]
        if char == " ":
            options.append(re.escape("+"))
        parts.append("(?:" + "|".join(options) + ")")
    return re.compile("".join(parts).encode(), re.IGNORECASE)


def _secret_patterns(params: Params) -> list[re.Pattern[bytes]]:
    return [_secret_pattern(value) for name, value in params.items()
            if name in SECRET_PARAMS and isinstance(value, str) and len(value) >= 4]


def scrub(body: bytes, params: Params) -> bytes:
    """``body`` with every secret parameter's value replaced by ``***``, in any letter case
    and percent-encoded once or twice."""
    for pattern in _secret_patterns(params):
        body = pattern.sub(b"***", body)
    return body


def scrub_text(text: str, params: Params) -> str:
    return scrub(text.encode("utf-8", errors="surrogateescape"), params).decode(
        "utf-8", errors="replace")


def scrub_headers(headers: Mapping[str, str], params: Params) -> dict[str, str]:
    return {name: scrub_text(value, params) for name, value in headers.items()}
