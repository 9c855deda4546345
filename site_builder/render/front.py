"""The front page in editorial order, and the directory of partner profiles at /partners/.

The home page leads with the featured brief (the newest, if several are featured; without
one, the newest brief that is not a release brief), with its first chart; a box gives the
latest release's month, deficit and change, as that release brief's own highlights show
them; the other briefs follow, newest first. Partner profiles (``section: partners``) are
listed only at /partners/, in a table a small script sorts (readable without it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from jinja2 import Environment

from site_builder.content.entries import Entry, Site, plain
from site_builder.render.listings import INDEX_SIZE
from site_builder.render.templates import render_template

PARTNERS = "/partners/"

_UNITS = {"trillion": 1e12, "billion": 1e9, "million": 1e6, "thousand": 1e3}
_NUMBER = re.compile(r"([−-])?\$?([\d,]+(?:\.\d+)?)\s*(trillion|billion|million|thousand|%)?")
_DATA = re.compile(r'<data value="([^"]+)"')
_YEAR = re.compile(r"\b(\d{4})\s*$")


def lead_of(site: Site) -> Entry | None:
    """The featured brief, else the newest brief that does not follow a release."""
    featured = [b for b in site.briefs if b.featured]
    editorial = [b for b in site.briefs if not b.latest]
    chosen = featured or editorial or list(site.briefs)
    return chosen[0] if chosen else None


def release_of(site: Site) -> Entry | None:
    """The newest brief that follows the newest month of a series (``generate: {latest}``)."""
    return next((b for b in site.briefs if b.latest and b.highlights), None)


def sort_value(html: str) -> str:
    """A figure's number, for sorting a table by it: the value of its ``<data>`` element (as
    computed, unrounded), else the first number in its text (``3rd of 12`` -> ``3``); empty
    if it has neither."""
    data = _DATA.search(html)
    if data:
        return data[1]
    found = _NUMBER.search(plain(html))
    if found is None:
        return ""
    sign, digits, unit = found.groups()
    value = float(digits.replace(",", "")) * _UNITS.get(unit or "", 1)
    return f"{-value if sign else value:.12g}"


@dataclass(frozen=True)
class Cell:
    html: str  # the figure as the profile shows it, or ""
    sort: str  # its number, for the sort script


@dataclass(frozen=True)
class PartnerRow:
    entry: Entry
    balance: Cell
    year: str  # the year the balance is of, from the end of the headline's label
    exports: Cell
    imports: Cell
    rank: Cell


def _figure(entry: Entry, label_start: str) -> Cell:
    """The highlight whose label starts with ``label_start``, with its links made to work
    from the directory (they point to the profile's own sources list)."""
    for label, html in entry.highlights:
        if label.startswith(label_start):
            return Cell(_linked(entry, html), sort_value(html))
    return Cell("", "")


def _linked(entry: Entry, html: str) -> str:
    return html.replace('href="#', f'href="{entry.url}#')


def partner_rows(site: Site) -> list[PartnerRow]:
    rows = []
    for entry in site.partners:
        label, html = entry.headline or ("", "")
        year = _YEAR.search(label)
        rows.append(PartnerRow(entry, Cell(_linked(entry, html), sort_value(html)),
                               year[1] if year else "", _figure(entry, "Exports"),
                               _figure(entry, "Imports"), _figure(entry, "Rank")))
    return rows


def render_front(site: Site, env: Environment) -> dict[str, bytes]:
    """The home page and /partners/ (which says so when the site has no profiles, so that
    the link every page's navigation gives always leads somewhere)."""
    lead = lead_of(site)
    stream = [b for b in site.briefs if b is not lead]
    files = {"index.html": render_template(
        env, "index.html", lead=lead, release=release_of(site), briefs=stream[:INDEX_SIZE],
        more=len(stream) > INDEX_SIZE, path="/")}
    files["partners/index.html"] = render_template(env, "partners.html",
                                                   rows=partner_rows(site), path=PARTNERS)
    return files
