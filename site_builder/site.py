"""The site as listings see it: settings plus one :class:`Entry` per page, newest first."""

from __future__ import annotations

import re
from dataclasses import dataclass
from html import unescape

from site_builder.config import SiteConfig
from site_builder.pages import Entry

LICENSE_URLS = {"CC BY 4.0": "https://creativecommons.org/licenses/by/4.0/"}


@dataclass(frozen=True)
class Site:
    config: SiteConfig
    briefs: tuple[Entry, ...]  # newest first
    pages: tuple[Entry, ...]

    def absolute(self, path: str) -> str:
        """The public address of a site path such as ``/briefs/x/``."""
        return self.config.base_url + path.lstrip("/")

    @property
    def license_url(self) -> str:
        return LICENSE_URLS.get(self.config.license, self.absolute("/about/"))


def newest_first(entries: list[Entry]) -> tuple[Entry, ...]:
    """Newest first; briefs of the same day in order of their address."""
    by_address = sorted(entries, key=lambda e: e.url)
    return tuple(sorted(by_address, key=lambda e: e.date, reverse=True))


def plain(html: str) -> str:
    """Text of a rendered figure, without its link and markup."""
    return unescape(re.sub(r"<[^>]+>", "", html))


def card_alt(entry: Entry) -> str:
    """Alt text of a page's social card: what the card shows."""
    if entry.headline:
        label, html = entry.headline
        return f"{entry.title}: {plain(html)}, {label}."
    return entry.title


def slugify(text: str) -> str:
    """``Trade deficit`` -> ``trade-deficit``: a tag's address."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "tag"
