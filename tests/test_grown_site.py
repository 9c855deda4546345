"""The shipped content grown by 30 generated briefs, as a newsroom grows it: the feed, the
front page, the topic pages, the archive, the sitemap, the meta tags and the search index
still hold what they promise. These are the checks tests/test_site.py makes on the shipped
site, run on one grown site in the ordinary suite; ``python -m pytest --extra-briefs 30``
runs every test of the shipped site on a grown one."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import test_site as shipped  # its checks, called here on a grown site (not collected again)
from extra_briefs import NEWER, grown_copy
from lxml import etree
from test_site import (
    EMBEDS,
    NS,
    atom_errors,
    card_links,
    html_pages,
    published_briefs,
    site_path,
    sitemap_errors,
    soup_of,
)

from site_builder.build.pipeline import build
from site_builder.project import Project
from site_builder.render.listings import INDEX_SIZE
from site_builder.report import SilentReporter

EXTRA = 30


@pytest.mark.slow(59)
def test_thirty_more_briefs_keep_feed_index_topics_and_sitemap_right(
        tmp_path: Path, built_site: Path) -> None:
    root = grown_copy(tmp_path / "project", EXTRA)
    # The shipped site's charts and cards, drawn already: only the new briefs are built anew.
    cache = shutil.copytree(built_site.parent / "cache", tmp_path / "cache")
    output = root / "output"
    build(Project(root, cache_dir=cache), SilentReporter(), output, workers=1)  # see built_site

    briefs = published_briefs(root)
    assert len(briefs) == len(published_briefs(Path(__file__).resolve().parents[1])) + EXTRA
    assert len(briefs) > INDEX_SIZE, "the grown site should fill the feed and the index"
    newest = [f"/briefs/generated-note-{i:03d}/" for i in range(NEWER, 0, -1)]
    assert card_links(output / "index.html")[1:NEWER + 1] == newest  # after the lead

    feed = etree.parse(str(output / "feed.xml"))
    assert atom_errors(feed) == ""
    assert len(feed.getroot().findall("atom:entry", NS)) == INDEX_SIZE
    shipped.test_feed_entries_are_the_briefs_newest_first(feed, output, root)
    shipped.test_feed_metadata(feed, output, root)
    shipped.test_shipped_listings_list_their_briefs_newest_first(output, root)

    sitemap = etree.parse(str(output / "sitemap.xml"))
    assert sitemap_errors(sitemap) == ""
    pages = {site_path(output, p): soup_of(p) for p in html_pages(output)
             if not site_path(output, p).startswith(EMBEDS)}
    shipped.test_sitemap_lists_exactly_the_pages(sitemap, output, pages)
    shipped.test_every_page_has_its_meta(output, root, pages)
    shipped.test_real_search_index_holds_the_articles(output, root)
