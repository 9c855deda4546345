"""The site-wide checks: one page per address, and one value per series and period across
every page.

Each page records the figures it shows that are one value of one official series. Two
pages (or two places on one page) that show the same series and period with different
values, neither marked with its vintage, contradict each other: the build stops and names
both places.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from site_builder.content.entries import Entry
from site_builder.errors import SiteError


def _place(relative: str, line: object) -> str:
    """``content/briefs/x.md:12``; a generated page reads ``TEMPLATE#SLUG``."""
    return f"{relative}:{line}"


def contradictions(shown: Mapping[str, Sequence[Mapping[str, Any]]]) -> list[SiteError]:
    """Every pair of unmarked figures of one measure that disagree, once per measure and
    page. ``shown`` maps a source (its relative name) to the figures its page recorded."""
    first: dict[str, tuple[str, Mapping[str, Any]]] = {}
    errors: list[SiteError] = []
    reported: set[tuple[str, str]] = set()
    for relative in sorted(shown):
        for item in shown[relative]:
            if item["marked"]:
                continue
            measure = str(item["measure"])
            if measure not in first:
                first[measure] = (relative, item)
                continue
            other, seen = first[measure]
            if math.isclose(abs(item["value"]), abs(seen["value"]), rel_tol=1e-9, abs_tol=0.5):
                continue
            if (measure, relative) in reported:
                continue
            reported.add((measure, relative))
            series, _, period = measure.split("|")
            path, _, row = relative.partition("#")
            errors.append(SiteError(
                f"{series} for {period} is shown as {item['text']} here"
                + (f" (page {row!r})" if row else "")
                + f" but as {seen['text']} at {_place(other, seen['line'])}: two values of "
                "one series and period, neither marked with its vintage",
                Path(path), int(item["line"]),
                hint="Read both from the same data (official(...) gives the current "
                     "values), or state the older figure's vintage."))
    return errors


def clashing_urls(entries: Mapping[str, Entry]) -> list[SiteError]:
    """Two pages at one address, or an old address (alias) that a live page now uses.
    ``entries`` maps a source (its relative name) to its page's listing entry."""
    seen: dict[str, str] = {}
    errors = []
    for relative, entry in sorted(entries.items()):
        if entry.url in seen:
            errors.append(SiteError(f"two files would be published at {entry.url}",
                                    Path(relative),
                                    hint=f"The other is {seen[entry.url]}; give one a `slug:`."))
        seen[entry.url] = relative
    for relative, entry in sorted(entries.items()):
        for alias in entry.aliases:
            if alias in seen:
                errors.append(SiteError(
                    f"alias {alias} is the address of {seen[alias]}", Path(relative),
                    hint="A redirect cannot stand where a page is; remove the alias."))
            seen.setdefault(alias, relative)
    return errors
