"""``rank(year, by=...)``: where a generated partner page's partner stands among the partners
the site profiles.

A parameters file's rows (``content/data/params/partners.toml``) are the partners the site
holds; :func:`site_builder.evaluate.generated.expand` gives each row the list of all of them
as ``peers``. A rank compares one year's annual figures of every peer whose data hold that
year in full; a row marked ``aggregate = true`` (a group such as the European Union, whose
members have rows of their own) is never ranked, nor counted.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from site_builder.errors import SiteError, quoted
from site_builder.evaluate.data_scope import DataScope

MEASURES = ("trade", "exports", "imports", "deficit")


@dataclass(frozen=True)
class Rank:
    """The partner's place (1 is the largest) among ``count`` partners in ``year``."""

    position: int
    count: int
    year: str
    by: str
    names: tuple[str, ...]  # every partner ranked, largest first

    @property
    def ordinal(self) -> str:
        """``1st``, ``2nd``, ``3rd``, ``11th``, ``22nd``."""
        n = self.position
        suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
        return f"{n}{suffix}"

    def __str__(self) -> str:
        return f"{self.ordinal} of {self.count}"


def _flows(data: DataScope, peer: dict[str, Any], year: str) -> dict[str, float] | None:
    """The peer's exports and imports in ``year``, or None when its data do not hold the
    year in full."""
    flows = {}
    for flow in ("exports", "imports"):
        try:
            flows[flow] = data.series(str(peer["data"]), partner=peer["partner"],
                                      flow=flow).year(year).value
        except SiteError:
            return None
    return flows


def _value(data: DataScope, peer: dict[str, Any], year: str, by: str) -> float | None:
    """The peer's annual figure, or None when its data do not hold the year in full; each
    peer's flows are read once per snapshot, however many pages rank it."""
    key = ("rank", str(peer["data"]), type(peer["partner"]), peer["partner"], year, data.as_of)
    flows = data.memo(key, lambda: _flows(data, peer, year))
    if flows is None:
        return None
    return {"trade": flows["exports"] + flows["imports"], "exports": flows["exports"],
            "imports": flows["imports"], "deficit": flows["imports"] - flows["exports"]}[by]


def rank(data: DataScope, year: object, by: str = "trade") -> Rank:
    """The page's partner ranked by ``by`` (``trade``, exports and imports together;
    ``exports``; ``imports``; ``deficit``) in ``year`` among the non-aggregate partners whose
    data hold that year."""
    row = data.row or {}
    if "peers" not in row:
        raise SiteError("rank() is for pages generated from a parameters file of partners",
                        hint="Use it in content/generated/partner.md, e.g. rank(2025).")
    if by not in MEASURES:
        raise SiteError(f"rank(by={quoted(by)}) is not one of {', '.join(MEASURES)}")
    if row.get("aggregate"):
        raise SiteError(f"{row.get('name', row['slug'])} is an aggregate of other partners "
                        "and is not ranked",
                        hint='Test it first: {% if not row.get("aggregate") %}.')
    key = str(year)
    values = [(value, peer) for peer in row["peers"] if not peer.get("aggregate")
              for value in [_value(data, peer, key, by)] if value is not None]
    values.sort(key=lambda item: (-item[0], str(item[1]["slug"])))
    slugs = [str(peer["slug"]) for _, peer in values]
    if row["slug"] not in slugs:
        raise SiteError(f"rank({key!r}): the data of {row.get('name', row['slug'])} do not "
                        f"hold {key} in full", hint="Rank a year the page's data cover.")
    return Rank(slugs.index(row["slug"]) + 1, len(slugs), key, by,
                tuple(str(peer.get("short", peer.get("name", peer["slug"])))
                      for _, peer in values))
