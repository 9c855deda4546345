"""The headers and redirects ``netlify.toml`` declares, matched the way Netlify matches them.

Only ``[[headers]]`` and ``[[redirects]]`` are read; the rest of the file is Netlify's business.
What the preview follows, from Netlify's documentation and its own local emulation:

* ``[[headers]] for = "/briefs/*"`` with ``[headers.values]``: ``*`` matches anything (``/``
  included), a ``*`` that is a whole last segment also matches the folder itself, ``:name``
  matches one segment; matching ignores case and a trailing slash. Every matching rule applies;
  a header two of them set is sent once with both values joined by ", " (so a rule cannot
  override another: netlify.toml sets each header by one rule per path). A value may be an
  array or a multi-line string; both become one comma-separated line.
* ``[[redirects]] from/to/status/force``: the first rule whose ``from`` matches decides.
  ``from`` may end in ``*`` (its match is ``:splat`` in ``to``) and hold ``:name`` segments;
  matching is case-sensitive and ignores a trailing slash. Status defaults to 301; 301, 302,
  303, 307 and 308 redirect, 200 rewrites (serves ``to`` at the same address), 404, 410 and 451
  serve ``to`` with that status. Shadowing: unless ``force = true``, a rule does not apply when
  a file exists at the requested path. A rule whose ``to`` resolves to its own path is ignored.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from site_builder.errors import SiteError

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
SERVE_STATUSES = frozenset({200, 404, 410, 451})
HEADER_KEYS = frozenset({"for", "values"})
REDIRECT_KEYS = frozenset({"from", "to", "status", "force"})
# Valid in netlify.toml, but they make a rule conditional (or a signed proxy): not emulated.
CONDITIONAL_KEYS = frozenset({"query", "conditions", "signed", "headers"})
# Netlify sets these itself and ignores custom values (its "Custom headers" limitations).
RESERVED_HEADERS = frozenset({
    "accept-ranges", "age", "allow", "alt-svc", "connection", "content-encoding",
    "content-length", "content-range", "date", "location", "server", "set-cookie", "trailer",
    "transfer-encoding", "upgrade"})


@dataclass(frozen=True)
class HeaderRule:
    """``[[headers]]``: the ``for`` pattern and its header values, in file order."""

    pattern: str
    values: tuple[tuple[str, str], ...]

    def matches(self, path: str) -> bool:
        return _header_regex(self.pattern).match(path) is not None


@dataclass(frozen=True)
class Redirect:
    """``[[redirects]]``: ``source`` is Netlify's ``from``."""

    source: str
    to: str
    status: int = 301
    force: bool = False

    def target(self, path: str) -> str | None:
        """``to`` with ``:splat`` and placeholders filled in, if ``path`` matches ``from``."""
        found = _redirect_regex(self.source).match(path)
        if found is None:
            return None
        values = {k: v or "" for k, v in found.groupdict().items()}
        return re.sub(r":([A-Za-z_]\w*)",
                      lambda m: values.get(m.group(1), m.group(0)), self.to)


@dataclass(frozen=True)
class RedirectMatch:
    """What a request turns into: ``status`` 3xx redirects to ``target``, others serve it."""

    rule: Redirect
    target: str
    status: int

    @property
    def is_redirect(self) -> bool:
        return self.status in REDIRECT_STATUSES


@dataclass(frozen=True)
class Rules:
    """Everything the preview applies; ``notes`` name rules it cannot emulate."""

    headers: tuple[HeaderRule, ...] = ()
    redirects: tuple[Redirect, ...] = ()
    notes: tuple[str, ...] = ()

    def headers_for(self, path: str) -> dict[str, str]:
        """The custom headers for a request path: every matching rule applies, and a header
        set by two rules gets both values joined with ", ", as Netlify serves it."""
        merged: dict[str, tuple[str, str]] = {}
        for rule in self.headers:
            if rule.matches(path):
                for name, value in rule.values:
                    key = name.lower()
                    if key in merged and merged[key][1] != value:
                        value = f"{merged[key][1]}, {value}"
                    merged[key] = (merged.get(key, (name, ""))[0], value)
        return dict(merged.values())

    def redirect_for(self, path: str, exists: Callable[[str], bool]) -> RedirectMatch | None:
        """The first rule matching ``path``, unless a file there shadows it (``force`` wins)."""
        for rule in self.redirects:
            target = rule.target(path)
            if target is None or _same_path(target, path):
                continue
            if not rule.force and exists(path):
                return None
            return RedirectMatch(rule, target, rule.status)
        return None


def redirects_file(text: str) -> tuple[Redirect, ...]:
    """Rules of a ``_redirects`` file in the published folder: ``FROM TO [STATUS][!]`` lines.

    Netlify applies them before the ``[[redirects]]`` of ``netlify.toml``; the build writes
    one for briefs' old addresses (their ``aliases``).
    """
    rules = []
    for line in text.splitlines():
        parts = line.split("#", 1)[0].split()
        if len(parts) < 2:
            continue
        status = parts[2] if len(parts) > 2 else "301"
        rules.append(Redirect(parts[0], parts[1], int(status.rstrip("!")), status.endswith("!")))
    return tuple(rules)


def load_rules(path: Path) -> Rules:
    """Read ``netlify.toml``; a missing file means no rules. Mistakes raise :class:`SiteError`."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Rules()
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message, line = _decode_error(str(exc), text)
        raise SiteError(f"not valid TOML: {message}", path, line,
                        hint="Netlify would reject this file too; fix the line shown.") from exc
    located = _Locator(path, text)
    headers = tuple(_header_rule(item, n, located)
                    for n, item in enumerate(_tables(raw, "headers", located), start=1))
    redirects: list[Redirect] = []
    notes: list[str] = []
    for n, item in enumerate(_tables(raw, "redirects", located), start=1):
        rule = _redirect(item, n, located)
        skipped = sorted(CONDITIONAL_KEYS & item.keys())
        if skipped:
            notes.append(f"redirect {n} ({rule.source} -> {rule.to}) uses "
                         f"{', '.join(skipped)}; the preview leaves it out")
        elif rule.to.startswith(("http://", "https://")) and rule.status == 200:
            notes.append(f"redirect {n} proxies {rule.source} to {rule.to}; the preview "
                         "answers 502 there instead")
            redirects.append(rule)
        else:
            redirects.append(rule)
    return Rules(headers, tuple(redirects), tuple(notes))


# -- reading ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Locator:
    """Builds errors placed in the file, at the first line that mentions ``needle``."""

    path: Path
    text: str

    def error(self, message: str, needle: str, hint: str) -> SiteError:
        line = next((n for n, row in enumerate(self.text.splitlines(), start=1)
                     if needle and needle in row), None)
        return SiteError(message, self.path, line, hint)


def _decode_error(message: str, text: str) -> tuple[str, int | None]:
    """Split tomllib's "... (at line 3, column 7)" into the message and the line."""
    found = re.search(r"\s*\(at line (\d+), column \d+\)$", message)
    if found:
        return message[: found.start()], int(found.group(1))
    if message.endswith("(at end of document)"):
        return message.removesuffix(" (at end of document)"), max(1, len(text.splitlines()))
    return message, None


def _tables(raw: dict[str, Any], key: str, located: _Locator) -> list[dict[str, Any]]:
    items = raw.get(key, [])
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise located.error(f"{key} must be written as [[{key}]] tables", key,
                            hint=f"Start each rule with a line reading [[{key}]].")
    return items


def _header_rule(item: dict[str, Any], n: int, located: _Locator) -> HeaderRule:
    hint = 'Write: [[headers]] / for = "/*" / [headers.values] / X-Frame-Options = "DENY".'
    _no_unknown_keys(item, HEADER_KEYS, f"header rule {n}", located)
    pattern, values = item.get("for"), item.get("values", {})
    if not isinstance(pattern, str) or not pattern.startswith("/"):
        raise located.error(f"header rule {n} needs `for`, a path starting with /", "for", hint)
    if not isinstance(values, dict):
        raise located.error(f"header rule {n}: `values` must be a table", "values", hint)
    pairs = []
    for name, value in values.items():
        text = _header_value(value)
        if text is None:
            raise located.error(f"header rule {n}: {name} must be text or a list of text",
                                name, hint)
        if name.lower() not in RESERVED_HEADERS:
            pairs.append((name.strip(), text))
    return HeaderRule(pattern.strip(), tuple(pairs))


def _header_value(value: object) -> str | None:
    """Netlify's normalisation: one line, items separated by ", "."""
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        value = ", ".join(v.strip() for v in value)
    if not isinstance(value, str):
        return None
    return re.sub(r"\s*,\s*", ", ", " ".join(value.split()))


def _redirect(item: dict[str, Any], n: int, located: _Locator) -> Redirect:
    hint = 'Write: [[redirects]] / from = "/old/*" / to = "/new/:splat" / status = 301.'
    _no_unknown_keys(item, REDIRECT_KEYS | CONDITIONAL_KEYS, f"redirect {n}", located)
    source, to = item.get("from"), item.get("to")
    status, force = item.get("status", 301), item.get("force", False)
    if not isinstance(source, str) or not source.startswith("/"):
        raise located.error(f"redirect {n} needs `from`, a path starting with /", "from", hint)
    if "*" in source[:-1] or (source.endswith("*") and not source.endswith("/*")):
        raise located.error(f"redirect {n}: a splat (*) may only be the last part of `from`",
                            source, hint)
    if not isinstance(to, str) or not to:
        raise located.error(f"redirect {n} needs `to`", source, hint)
    if type(status) is not int or status not in REDIRECT_STATUSES | SERVE_STATUSES:
        allowed = ", ".join(str(s) for s in sorted(REDIRECT_STATUSES | SERVE_STATUSES))
        raise located.error(f"redirect {n}: status {status!r} is not one Netlify uses here",
                            "status", f"Use one of {allowed}.")
    if not isinstance(force, bool):
        raise located.error(f"redirect {n}: force must be true or false", "force", hint)
    try:
        _redirect_regex(source.strip())
    except re.error as exc:
        raise located.error(f"redirect {n}: each :placeholder in `from` needs its own name "
                            f"made of letters, digits and _ ({exc})", source, hint) from exc
    return Redirect(source.strip(), to.strip(), status, force)


def _no_unknown_keys(item: Mapping[str, object], allowed: frozenset[str], what: str,
                     located: _Locator) -> None:
    unknown = sorted(set(item) - allowed)
    if unknown:
        raise located.error(f"{what}: unknown key {unknown[0]!r}", unknown[0],
                            hint="Allowed: " + ", ".join(sorted(allowed)) + ".")


# -- matching ----------------------------------------------------------------------------------

@lru_cache(maxsize=256)
def _header_regex(pattern: str) -> re.Pattern[str]:
    parts = [part.strip() for part in pattern.split("/") if part.strip()]
    body = "".join(_header_part(part) for part in parts)
    return re.compile(f"^{body}/?$", re.IGNORECASE)


def _header_part(part: str) -> str:
    if part.startswith(":"):
        return "/[^/]+"
    if part == "*":
        return "(?:/.*)?"  # a whole-segment "*" may be empty: "/briefs/*" matches "/briefs"
    return "/" + ".*".join(re.escape(piece) for piece in part.split("*"))


@lru_cache(maxsize=256)
def _redirect_regex(source: str) -> re.Pattern[str]:
    parts = [part for part in source.split("/") if part]
    splat = bool(parts) and parts[-1] == "*"
    pieces = []
    for part in parts[:-1] if splat else parts:
        if part.startswith(":") and len(part) > 1:
            pieces.append(f"(?P<{part[1:]}>[^/]+)")
        else:
            pieces.append(re.escape(part))
    body = "".join("/" + piece for piece in pieces)
    tail = "(?:/(?P<splat>.*))?" if splat else "/?"
    return re.compile(f"^{body}{tail}$" if body or splat else "^/$")


def _same_path(target: str, path: str) -> bool:
    return target.split("?")[0].rstrip("/") == path.rstrip("/")
