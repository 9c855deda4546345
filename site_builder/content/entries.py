"""The site as listings see it: settings plus one :class:`Entry` per page, newest first."""

from __future__ import annotations

import re
from dataclasses import dataclass
from html import unescape
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from site_builder.config import SiteConfig


@dataclass(frozen=True)
class Entry:
    """What listings, feeds and the sitemap need of a page; small, and kept in the build
    cache so an unchanged page is never evaluated again just to be listed."""

    kind: str  # "brief" or "page"
    url: str
    title: str
    summary: str
    date: str = ""  # ISO dates; pages have none
    updated: str = ""
    tags: tuple[str, ...] = ()
    authors: tuple[str, ...] = ()
    headline: tuple[str, str] | None = None  # (label, figure HTML)
    thumb: str = ""  # id of the chart shown on cards
    draft: bool = False
    aliases: tuple[str, ...] = ()  # old addresses that redirect here
    section: str = "briefs"  # or "partners": a partner profile, listed apart
    featured: bool = False
    short_title: str = ""
    highlights: tuple[tuple[str, str], ...] = ()  # (label, figure HTML), as the brief shows
    latest: str = ""  # the series or dataset whose newest month a release brief follows
    thumb_title: str = ""  # the title of the chart ``thumb``
    charts: tuple[str, ...] = ()  # the ids of its charts, each with a permalink page

    @property
    def is_brief(self) -> bool:
        return self.kind == "brief"

    @property
    def name(self) -> str:
        """The short title, else the title."""
        return self.short_title or self.title

    @property
    def has_card(self) -> bool:
        """A brief with a headline figure or a chart gets a social card of its own; one
        without either would show only its title, which every platform prints beside the
        image anyway, so it shares the site's card."""
        return self.is_brief and bool(self.headline or self.thumb)

    @property
    def file(self) -> str:
        """The page's HTML file below the output folder."""
        return page_file(self.url)

    @property
    def card(self) -> str:
        """Site path of the social card shown when this page is shared."""
        return self.url + "card.png" if self.has_card else "/card.png"

    def to_json(self) -> dict[str, object]:
        return dict(self.__dict__)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Entry:
        headline = data.get("headline")
        return cls(**{**data, "tags": tuple(data["tags"]), "authors": tuple(data["authors"]),
                      "aliases": tuple(data["aliases"]),
                      "charts": tuple(data["charts"]),
                      "highlights": tuple(tuple(h) for h in data["highlights"]),
                      "headline": tuple(headline) if headline else None})


def page_file(url: str) -> str:
    """``/briefs/x/`` -> ``briefs/x/index.html``: where the page at ``url`` is written."""
    return url.strip("/") + "/index.html" if url != "/" else "index.html"


LICENSE_URLS = {"CC BY 4.0": "https://creativecommons.org/licenses/by/4.0/"}


@dataclass(frozen=True)
class Site:
    config: SiteConfig
    briefs: tuple[Entry, ...]  # newest first, partner profiles apart
    pages: tuple[Entry, ...]
    partners: tuple[Entry, ...] = ()  # the partner profiles, by name

    def absolute(self, path: str) -> str:
        """The public address of a site path such as ``/briefs/x/``."""
        return self.config.base_url + path.lstrip("/")

    @property
    def license_url(self) -> str:
        return LICENSE_URLS.get(self.config.license, self.absolute("/about/"))


def make_site(config: SiteConfig, entries: list[Entry]) -> Site:
    """The site's entries sorted into briefs (newest first), plain pages and partner
    profiles (by name)."""
    briefs = [e for e in entries if e.is_brief]
    return Site(config, newest_first([e for e in briefs if e.section != "partners"]),
                tuple(e for e in entries if not e.is_brief),
                tuple(sorted((e for e in briefs if e.section == "partners"),
                             key=lambda e: (e.name.lower(), e.url))))


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
