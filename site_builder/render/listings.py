"""Pages that list briefs: tags, the archive by year, search and the 404 page (the front
page and the partners directory are render.front's).

Each listing shows only the briefs it is about, so the site's size grows linearly with the
number of briefs: no page lists every other page except the archive's pages, split by year.
"""

from __future__ import annotations

from collections import defaultdict

from jinja2 import Environment

from site_builder.content.entries import Entry, Site, slugify
from site_builder.render.templates import render_template

INDEX_SIZE = 20  # briefs on the front page and in the feed; the archive has the rest


def by_tag(site: Site) -> dict[str, tuple[str, list[Entry]]]:
    """Tag slug -> (the tag as written first, its briefs newest first)."""
    tags: dict[str, tuple[str, list[Entry]]] = {}
    for brief in site.briefs:
        for tag in brief.tags:
            tags.setdefault(slugify(tag), (tag, []))[1].append(brief)
    return dict(sorted(tags.items()))


def by_year(site: Site) -> dict[str, list[Entry]]:
    years: dict[str, list[Entry]] = defaultdict(list)
    for brief in site.briefs:
        years[brief.date[:4]].append(brief)
    return dict(sorted(years.items(), reverse=True))


def render_listings(site: Site, env: Environment, search_parts: list[str]) -> dict[str, bytes]:
    """The listing pages; ``search_parts``: the index parts the search page merges."""
    files = {
        "404.html": render_template(env, "404.html", path="/404.html"),
        "search/index.html": render_template(
            env, "search.html", path="/search/",
            parts=search_parts),
    }
    tags = by_tag(site)
    files["tags/index.html"] = render_template(
        env, "tags.html", tags=[(slug, name, len(briefs)) for slug, (name, briefs) in
                                tags.items()], path="/tags/")
    for slug, (name, briefs) in tags.items():
        files[f"tags/{slug}/index.html"] = render_template(
            env, "listing.html", heading=f"Briefs tagged “{name}”", briefs=briefs,
            path=f"/tags/{slug}/")
    years = by_year(site)
    files["archive/index.html"] = render_template(
        env, "archive.html", years=[(year, len(briefs)) for year, briefs in years.items()],
        path="/archive/")
    for year, briefs in years.items():
        files[f"archive/{year}/index.html"] = render_template(
            env, "listing.html", heading=f"Briefs of {year}", briefs=briefs,
            path=f"/archive/{year}/")
    return files
