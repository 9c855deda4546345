"""Machine-readable views of the site: the Atom feed, the sitemap and robots.txt."""

from __future__ import annotations

from jinja2 import Environment

from site_builder.content.entries import Site
from site_builder.render.chart_pages import EMBED
from site_builder.render.listings import INDEX_SIZE, by_tag, by_year
from site_builder.render.templates import render_template


def _updated(site: Site) -> str:
    """The feed's time: the newest brief's date (or update), so equal input gives equal output."""
    dates = [brief.updated or brief.date for brief in site.briefs]
    return (max(dates) if dates else "1970-01-01") + "T00:00:00Z"


def render_feeds(site: Site, env: Environment) -> dict[str, bytes]:
    paths = ["/", "/archive/", "/tags/", "/search/", "/partners/"]
    paths += [brief.url for brief in (*site.briefs, *site.partners)]
    paths += [page.url for page in site.pages if page.url not in paths]
    paths += [f"/tags/{slug}/" for slug in by_tag(site)]
    paths += [f"/archive/{year}/" for year in by_year(site)]
    paths += [f"{entry.url}charts/{chart}/"  # each chart's permalink page
              for entry in (*site.briefs, *site.partners, *site.pages) for chart in entry.charts]
    return {
        "feed.xml": render_template(env, "feed.xml", briefs=site.briefs[:INDEX_SIZE],
                                    updated=_updated(site)),
        "sitemap.xml": render_template(env, "sitemap.xml", urls=[site.absolute(p)
                                                                  for p in paths]),
        "robots.txt": (f"User-agent: *\nAllow: /\n\n"
                       f"Sitemap: {site.absolute('/sitemap.xml')}\n").encode(),
        "_redirects": redirects(site).encode(),
    }


def redirects(site: Site) -> str:
    """Netlify's ``_redirects``: each brief's old addresses (its ``aliases``), and each
    partner profile's address under /briefs/, where profiles used to live, with the files,
    chart pages and embed pages below it."""
    lines = [f"{alias} {brief.url} 301\n" for brief in (*site.briefs, *site.partners)
             for alias in sorted(brief.aliases)]
    for profile in site.partners:
        old = "/briefs/" + profile.url.strip("/").split("/")[-1] + "/"
        lines += [f"{old}* {profile.url}:splat 301\n",
                  f"{EMBED}{old}* {EMBED}{profile.url}:splat 301\n"]
    return "".join(lines)
