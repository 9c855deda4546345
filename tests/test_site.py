"""The reader-facing site as feed readers, search engines and link checkers see it.

Everything here reads the built files (no browser): the Atom feed and the sitemap against
schemas written for this suite from RFC 4287 and the sitemaps.org protocol
(``tests/schemas/``), robots.txt, every link and anchor, the meta tags that shape a shared
link, the JSON-LD, each chart's downloads and citation, the page-weight budget, and the
listings (tags, archive, index) and search index of small sites written for the purpose.

Expected values come from the sources (front matter read with PyYAML, ``content/site.toml``,
the snapshot's lockfile), not from the page under test. The tests of the shipped site hold for
any content, however many briefs ship and whichever they are (``--extra-briefs N`` runs them
on a site grown by N generated briefs); only the flagship's own page is named.
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import io
import json
import re
import shutil
import tomllib
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import pytest
import yaml
from bs4 import BeautifulSoup, Tag
from conftest import REPO, TinyProject
from lxml import etree

from site_builder.build.plan import find_sources
from site_builder.content.document import parse_document
from site_builder.data.snapshot import Snapshot
from site_builder.evaluate.charts import Chart
from site_builder.evaluate.expressions import expression_environment
from site_builder.evaluate.page import evaluate
from site_builder.project import Project
from site_builder.render.listings import INDEX_SIZE

SCHEMAS = Path(__file__).resolve().parent / "schemas"
ATOM = "http://www.w3.org/2005/Atom"
SITEMAP = "http://www.sitemaps.org/schemas/sitemap/0.9"
NS = {"atom": ATOM, "sm": SITEMAP}

SITE = tomllib.loads((REPO / "content" / "site.toml").read_text("utf-8"))
BASE = SITE["base_url"]  # ends with "/"
LOCK = json.loads((REPO / "content" / "data" / "snapshot.lock.json").read_text("utf-8"))

FLAGSHIP_SLUG = "us-trade-deficit-2024"
FLAGSHIP = f"/briefs/{FLAGSHIP_SLUG}/"
CARD_SIZE = (1200, 630)
PAGE_WEIGHT_BUDGET = 150 * 1024  # bytes, gzipped: the flagship's HTML and its stylesheet


# --------------------------------------------------------------------------- helpers

def soup_of(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


#: Embed pages, to be framed by other sites (see ``pages``).
EMBEDS = "/embed/"


def html_pages(output: Path) -> list[Path]:
    """Every HTML page a reader can reach, except Pagefind's own files."""
    pages = sorted(p for p in output.rglob("*.html")
                   if "pagefind" not in p.relative_to(output).parts)
    assert pages, f"no HTML in {output}"
    return pages


def site_path(output: Path, page: Path) -> str:
    """The address a file is served at: ``about/index.html`` -> ``/about/``."""
    relative = page.relative_to(output).as_posix()
    if relative == "index.html":
        return "/"
    if relative.endswith("/index.html"):
        return "/" + relative.removesuffix("index.html")
    return "/" + relative


def file_at(output: Path, path: str) -> Path:
    """The file a static host serves for a site path; a folder serves its index.html."""
    target = output / unquote(path).lstrip("/")
    if path.endswith("/") or target.is_dir():
        target = target / "index.html"
    return target


def own_path(url: str) -> str | None:
    """The site path of an absolute URL on this site, or None for anywhere else."""
    parts, base = urlsplit(url), urlsplit(BASE)
    if parts.scheme not in ("http", "https") or parts.netloc != base.netloc:
        return None
    assert parts.scheme == base.scheme, f"{url}: not the site's scheme ({base.scheme})"
    return parts.path or "/"


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk, after checking the signature."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    assert data[12:16] == b"IHDR", "PNG without IHDR first"
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def ids_of(page: BeautifulSoup) -> set[str]:
    return {str(t["id"]) for t in page.find_all(id=True)} | {
        str(t["name"]) for t in page.find_all("a", attrs={"name": True})}


def meta_content(page: BeautifulSoup, key: str) -> str:
    """The content of the one ``<meta name=key>`` or ``<meta property=key>``."""
    tags = page.find_all("meta", attrs={"name": key}) + page.find_all(
        "meta", attrs={"property": key})
    assert len(tags) == 1, f"{len(tags)} <meta> {key!r}"
    return str(tags[0].get("content", "")).strip()


def words(text: str) -> str:
    return " ".join(text.split())


def front_matter(path: Path) -> dict[str, object]:
    """A brief's front matter read with PyYAML alone."""
    text = path.read_text("utf-8")
    assert text.startswith("---\n"), path
    block = text.split("\n---\n", 1)[0].removeprefix("---\n")
    data = yaml.safe_load(block)
    assert isinstance(data, dict)
    return data


def published(root: Path, kind: str) -> list[tuple[str, dict[str, object]]]:
    """(site path, front matter) of every brief (``kind="brief"``) or plain page
    (``"page"``) that is not a draft: the written ones and those generated from data, as the
    library finds them, partner profiles (at /partners/SLUG/) included."""
    found = []
    sources, errors = find_sources(Project(root), Snapshot(root / "content" / "data" /
                                                          "snapshot.lock.json"))
    assert not errors, errors
    for source in sources:
        doc = source.parse()
        meta = doc.meta.model_dump()
        if source.kind == kind and not meta.get("draft", False):
            found.append((f"/{meta['section']}/{doc.slug}/" if kind == "brief"
                          else f"/{doc.slug}/", meta))
    return found


def published_briefs(root: Path) -> list[tuple[str, dict[str, object]]]:
    """(site path, front matter) of every published brief, newest first."""
    return sorted(published(root, "brief"),
                  key=lambda b: (-_date(b[1], "date").toordinal(), b[0]))


def stream_briefs(root: Path) -> list[tuple[str, dict[str, object]]]:
    """:func:`published_briefs` but the partner profiles: what the feed lists."""
    return [(path, meta) for path, meta in published_briefs(root)
            if meta["section"] == "briefs"]


def _date(meta: dict[str, object], key: str) -> dt.date:
    value = meta[key]
    assert isinstance(value, dt.date), f"{key}: {value!r}"
    return value


def text_of_file(path: Path) -> str:
    """A built file as text; Pagefind's compressed files (``pagefind_dcd``) unpacked."""
    data = path.read_bytes()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    return data.decode("utf-8", errors="replace")


# --------------------------------------------------------------------------- fixtures

@pytest.fixture(scope="module")
def pages(built_site: Path) -> dict[str, BeautifulSoup]:
    """Every HTML page of the real site, parsed, by site path, but for the embed pages: made
    to be framed by other sites, they have no site header, feed link or social meta, and
    tests/test_chart_api.py and tests/test_embed.py test them."""
    return {site_path(built_site, p): soup_of(p) for p in html_pages(built_site)
            if not site_path(built_site, p).startswith(EMBEDS)}


@pytest.fixture(scope="module")
def flagship(pages: dict[str, BeautifulSoup]) -> BeautifulSoup:
    return pages[FLAGSHIP]


@pytest.fixture(scope="module")
def feed(built_site: Path) -> etree._ElementTree:
    return etree.parse(str(built_site / "feed.xml"))


@pytest.fixture(scope="module")
def sitemap(built_site: Path) -> etree._ElementTree:
    return etree.parse(str(built_site / "sitemap.xml"))


@pytest.fixture(scope="module")
def flagship_charts(chart_cache: Path) -> tuple[Chart, ...]:
    """The flagship's charts as the pipeline prepares them: ids, titles and sources."""
    project = Project(REPO, cache_dir=chart_cache)
    doc = parse_document(project.briefs / f"{FLAGSHIP_SLUG}.md", "brief")
    page = evaluate(doc, Snapshot(project.lockfile), expression_environment(), project.charts)
    assert page.charts
    return page.charts


# --------------------------------------------------------------------------- a. Atom feed

@cache
def atom_schema() -> etree.RelaxNG:
    return etree.RelaxNG(etree.parse(str(SCHEMAS / "atom.rng")))


def atom_errors(document: etree._ElementTree | etree._Element) -> str:
    schema = atom_schema()
    if schema.validate(document):
        return ""
    return "\n".join(f"line {e.line}: {e.message}" for e in schema.error_log)


def test_feed_is_valid_atom(feed: etree._ElementTree) -> None:
    assert atom_errors(feed) == ""
    assert feed.docinfo.encoding.lower() == "utf-8"


# The schema has teeth: each change breaks one RFC 4287 rule (or one of ours) and is refused,
# while changes the RFC allows still pass.
FEED_EDITS = [
    ("no rel=self link", False, lambda f: _set(f, "atom:link[@rel='self']", "rel", "related")),
    ("no feed author", False, lambda f: _drop(f, "atom:author")),
    ("no feed id", False, lambda f: _drop(f, "atom:id")),
    ("two feed titles", False, lambda f: _copy(f, "atom:title")),
    ("feed updated as a bare date", False, lambda f: _text(f, "atom:updated", "2025-01-31")),
    ("feed updated without a time zone", False,
     lambda f: _text(f, "atom:updated", "2025-01-31T00:00:00")),
    ("feed updated with a lower-case t", False,
     lambda f: _text(f, "atom:updated", "2025-01-31t00:00:00Z")),
    ("feed updated as words", False, lambda f: _text(f, "atom:updated", "today")),
    ("entry without summary", False, lambda f: _drop(f, "atom:entry/atom:summary")),
    ("entry without id", False, lambda f: _drop(f, "atom:entry/atom:id")),
    ("entry without updated", False, lambda f: _drop(f, "atom:entry/atom:updated")),
    ("entry without title", False, lambda f: _drop(f, "atom:entry/atom:title")),
    ("entry without alternate link", False,
     lambda f: _set(f, "atom:entry/atom:link", "rel", "related")),
    ("entry published as a bare date", False,
     lambda f: _text(f, "atom:entry/atom:published", "2025-01-31")),
    ("unknown Atom element", False,
     lambda f: f.getroot().insert(0, etree.Element(f"{{{ATOM}}}colour"))),
    ("feed metadata after an entry", False,
     lambda f: f.getroot().append(etree.Element(f"{{{ATOM}}}icon"))),
    # Allowed by the RFC:
    ("self link after the other metadata", True, lambda f: _self_link_last(f)),
    ("entry link without rel (an alternate link)", True,
     lambda f: _unset(f, "atom:entry/atom:link", "rel")),
    ("time zone offset", True, lambda f: _text(f, "atom:updated", "2025-01-31T09:30:00+01:00")),
    ("fractional seconds", True, lambda f: _text(f, "atom:updated", "2025-01-31T09:30:00.25Z")),
    ("extension element", True,
     lambda f: f.getroot().insert(0, etree.Element("{urn:example:ext}note"))),
]


def _find(feed: etree._ElementTree, path: str) -> etree._Element:
    found = feed.getroot().find(path, NS)
    assert found is not None, path
    return found


def _drop(feed: etree._ElementTree, path: str) -> None:
    element = _find(feed, path)
    parent = element.getparent()
    assert parent is not None
    parent.remove(element)


def _copy(feed: etree._ElementTree, path: str) -> None:
    element = _find(feed, path)
    element.addnext(etree.fromstring(etree.tostring(element)))


def _text(feed: etree._ElementTree, path: str, text: str) -> None:
    _find(feed, path).text = text


def _set(feed: etree._ElementTree, path: str, name: str, value: str) -> None:
    _find(feed, path).set(name, value)


def _unset(feed: etree._ElementTree, path: str, name: str) -> None:
    del _find(feed, path).attrib[name]


def _self_link_last(feed: etree._ElementTree) -> None:
    """Move the self link behind every other piece of feed metadata (before the entries)."""
    link = _find(feed, "atom:link[@rel='self']")
    first_entry = _find(feed, "atom:entry")
    first_entry.addprevious(link)


@pytest.mark.parametrize(("change", "valid", "edit"), FEED_EDITS, ids=[e[0] for e in FEED_EDITS])
def test_feed_schema_tells_valid_from_invalid(built_site: Path, change: str, valid: bool,
                                              edit) -> None:
    feed = etree.parse(str(built_site / "feed.xml"))
    assert atom_errors(feed) == ""
    assert feed.getroot().find("atom:entry", NS) is not None, "the feed has no entry to edit"
    edit(feed)
    errors = atom_errors(feed)
    assert (errors == "") is valid, f"{change}: {errors or 'accepted'}"


def test_feed_entries_are_the_briefs_newest_first(feed: etree._ElementTree, built_site: Path,
                                                  site_root: Path) -> None:
    """The newest briefs, up to the feed's limit, newest first; no partner profile."""
    briefs = stream_briefs(site_root)[:INDEX_SIZE]
    entries = feed.getroot().findall("atom:entry", NS)
    assert entries, "the feed is empty"
    for entry, (path, meta) in zip(entries, briefs, strict=True):
        [link] = entry.findall("atom:link[@rel='alternate']", NS)
        href = link.get("href", "")
        assert own_path(href) == path, href
        assert file_at(built_site, path).is_file(), f"{href} is not a built page"
        assert entry.findtext("atom:id", namespaces=NS) == BASE + path.lstrip("/")
        assert entry.findtext("atom:title", namespaces=NS) == meta["title"]
        summary = entry.find("atom:summary", NS)
        assert summary is not None
        assert summary.get("type", "text") == "text"
        # The whole summary, not a shortened one (the headline figure may follow it).
        assert words(summary.text or "").startswith(words(str(meta["summary"]))), summary.text
        published = _date(meta, "date")
        updated = meta.get("updated") or published
        assert isinstance(updated, dt.date)
        assert entry.findtext("atom:published", namespaces=NS) == f"{published}T00:00:00Z"
        assert entry.findtext("atom:updated", namespaces=NS) == f"{updated}T00:00:00Z"


def test_feed_metadata(feed: etree._ElementTree, built_site: Path, site_root: Path) -> None:
    root = feed.getroot()
    assert root.get("{http://www.w3.org/XML/1998/namespace}lang") == SITE["language"]
    assert root.findtext("atom:title", namespaces=NS) == SITE["title"]
    assert root.findtext("atom:id", namespaces=NS) == BASE
    self_link = _find(feed, "atom:link[@rel='self']")
    assert self_link.get("href") == BASE + "feed.xml"
    assert self_link.get("type") == "application/atom+xml"
    alternate = _find(feed, "atom:link[@rel='alternate']")
    assert alternate.get("href") == BASE
    # The feed's time is the newest brief's date (or update), never the time of the build.
    newest = max((meta.get("updated") or meta["date"]
                  for _, meta in stream_briefs(site_root)), key=str)
    assert root.findtext("atom:updated", namespaces=NS) == f"{newest}T00:00:00Z"
    # Browsers and feed readers find the feed from every page.
    for page in html_pages(built_site):
        if site_path(built_site, page).startswith(EMBEDS):
            continue  # framed by other sites: no site chrome
        links = soup_of(page).select('head link[rel="alternate"][type="application/atom+xml"]')
        assert [link["href"] for link in links] == ["/feed.xml"], page


# --------------------------------------------------------------------------- b. sitemap

@cache
def sitemap_schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(SCHEMAS / "sitemap.xsd")))


def sitemap_errors(document: etree._ElementTree | etree._Element) -> str:
    schema = sitemap_schema()
    if schema.validate(document):
        return ""
    return "\n".join(f"line {e.line}: {e.message}" for e in schema.error_log)


def sitemap_locs(sitemap: etree._ElementTree) -> list[str]:
    return [str(loc.text) for loc in sitemap.getroot().iterfind("sm:url/sm:loc", NS)]


def test_sitemap_is_valid(sitemap: etree._ElementTree, built_site: Path) -> None:
    assert sitemap_errors(sitemap) == ""
    assert sitemap.docinfo.encoding.upper() == "UTF-8"
    assert (built_site / "sitemap.xml").stat().st_size < 50 * 1024 * 1024


SITEMAP_EDITS = [
    ("loc of 2049 characters", False, f"<loc>{BASE}{'a' * (2049 - len(BASE))}</loc>"),
    ("loc of 2048 characters", True, f"<loc>{BASE}{'a' * (2048 - len(BASE))}</loc>"),
    ("relative loc", False, "<loc>/about/</loc>"),
    ("loc without a protocol", False, "<loc>trade-desk-briefs.netlify.app/</loc>"),
    ("no loc", False, "<lastmod>2025-01-31</lastmod>"),
    ("every optional tag", True, f"<loc>{BASE}</loc><lastmod>2025-01-31T09:30:00+00:00</lastmod>"
                                 "<changefreq>weekly</changefreq><priority>0.8</priority>"),
    ("date lastmod", True, f"<loc>{BASE}</loc><lastmod>2025-01-31</lastmod>"),
    ("lastmod in words", False, f"<loc>{BASE}</loc><lastmod>last week</lastmod>"),
    ("unknown changefreq", False, f"<loc>{BASE}</loc><changefreq>often</changefreq>"),
    ("priority above 1", False, f"<loc>{BASE}</loc><priority>1.5</priority>"),
    ("tags out of order", False, f"<priority>0.5</priority><loc>{BASE}</loc>"),
]


@pytest.mark.parametrize(("change", "valid", "url"), SITEMAP_EDITS,
                         ids=[e[0] for e in SITEMAP_EDITS])
def test_sitemap_schema_tells_valid_from_invalid(change: str, valid: bool, url: str) -> None:
    document = etree.fromstring(f'<urlset xmlns="{SITEMAP}"><url>{url}</url></urlset>'.encode())
    errors = sitemap_errors(document)
    assert (errors == "") is valid, f"{change}: {errors or 'accepted'}"


def test_empty_sitemap_is_refused() -> None:
    assert sitemap_errors(etree.fromstring(f'<urlset xmlns="{SITEMAP}"/>'.encode())) != ""


def test_sitemap_lists_exactly_the_pages(sitemap: etree._ElementTree, built_site: Path,
                                         pages: dict[str, BeautifulSoup]) -> None:
    locs = sitemap_locs(sitemap)
    assert len(locs) == len(set(locs)), "a page is listed twice"
    listed = set()
    for loc in locs:
        assert loc.startswith(BASE), loc
        path = own_path(loc)
        assert path is not None, loc
        assert file_at(built_site, path).is_file(), f"{loc}: no page at {path}"
        # Each address is the page's own canonical address.
        canonical = pages[path].find("link", rel="canonical")
        assert isinstance(canonical, Tag), path
        assert canonical["href"] == loc
        listed.add(path)
    expected = {path for path in pages if path != "/404.html"}  # chart pages included
    assert expected - listed == set(), "pages missing from the sitemap"
    assert listed - expected == set()


# --------------------------------------------------------------------------- c. robots.txt

def test_robots_names_the_sitemap(built_site: Path) -> None:
    lines = [line.strip() for line in
             (built_site / "robots.txt").read_text("utf-8").splitlines()]
    sitemaps = [line.split(":", 1)[1].strip() for line in lines
                if line.lower().startswith("sitemap:")]
    assert sitemaps == [BASE + "sitemap.xml"]
    path = own_path(sitemaps[0])
    assert path is not None and file_at(built_site, path).is_file()
    assert "Disallow: /" not in lines, "robots.txt shuts search engines out"


# --------------------------------------------------------------------------- d. links

LINK_ATTRIBUTES = ("href", "src", "xlink:href", "poster", "action", "data")


def references(page: BeautifulSoup) -> Iterator[tuple[str, str]]:
    """(element, reference) for every URL the page links to or loads."""
    for element in page.find_all(True):
        for attribute in LINK_ATTRIBUTES:
            value = element.get(attribute)
            if value is not None:
                yield element.name, str(value).strip()
        srcset = element.get("srcset")
        if srcset:
            for candidate in str(srcset).split(","):
                yield element.name, candidate.split()[0]


def test_no_broken_links_or_anchors(built_site: Path, pages: dict[str, BeautifulSoup]) -> None:
    broken: list[str] = []
    checked = 0
    for path, page in pages.items():
        public = BASE + path.lstrip("/")
        for element, ref in references(page):
            scheme = urlsplit(ref).scheme
            if scheme in ("mailto", "data"):
                continue
            url = urljoin(public, ref)
            if urlsplit(url).scheme not in ("http", "https"):
                broken.append(f"{path}: <{element}> {ref!r}: not a web address")
                continue
            target_path = own_path(url)
            if target_path is None:
                continue  # another host: not ours to check offline
            checked += 1
            target = file_at(built_site, target_path)
            if not target.is_file():
                broken.append(f"{path}: <{element}> {ref!r}: no file {target_path}")
                continue
            fragment = unquote(urlsplit(url).fragment)
            if not fragment:
                continue
            target_page = pages.get(site_path(built_site, target))
            if target_page is None or fragment not in ids_of(target_page):
                broken.append(f"{path}: <{element}> {ref!r}: no id {fragment!r} on "
                              f"{target_path}")
    assert broken == [], "broken links:\n" + "\n".join(broken)
    assert checked > 100, f"only {checked} internal links found: is the checker blind?"


def test_ids_are_unique_on_every_page(pages: dict[str, BeautifulSoup]) -> None:
    for path, page in pages.items():
        ids = [str(t["id"]) for t in page.find_all(id=True)]
        assert len(ids) == len(set(ids)), (path, sorted({i for i in ids if ids.count(i) > 1}))


# --------------------------------------------------------------------------- e. meta

def test_every_page_has_its_meta(built_site: Path, site_root: Path,
                                 pages: dict[str, BeautifulSoup]) -> None:
    briefs = {path: meta for path, meta in published_briefs(site_root)}
    for path, page in pages.items():
        where = f"{path}: "
        html = page.find("html")
        assert isinstance(html, Tag) and html.get("lang") == SITE["language"], where + "lang"
        # One document title; every other <title> names an inline SVG chart.
        titles = [t for t in page.find_all("title") if t.find_parent("svg") is None]
        assert len(titles) == 1 and titles[0].get_text(strip=True), where + "title"
        assert titles[0].find_parent("head") is not None, where + "title outside <head>"
        assert len(page.find_all("h1")) == 1, where + "one <h1>"

        description = meta_content(page, "description")
        assert description, where + "description"
        canonicals = page.find_all("link", rel="canonical")
        assert len(canonicals) == 1, where + "canonical"
        canonical = str(canonicals[0]["href"])
        assert canonical == BASE + path.lstrip("/"), where + canonical

        assert meta_content(page, "og:title"), where + "og:title"
        assert meta_content(page, "og:description") == description, where + "og:description"
        assert meta_content(page, "og:url") == canonical, where + "og:url"
        assert meta_content(page, "og:image:alt"), where + "og:image:alt"
        assert meta_content(page, "twitter:card") == "summary_large_image", where

        image = meta_content(page, "og:image")
        image_path = own_path(image)
        assert image_path is not None and image.startswith(BASE), where + image
        if path in briefs:
            # Its own card, or the site's for a brief with neither headline nor chart.
            own = image_path == path + "card.png"
            assert own or (image_path == "/card.png" and not briefs[path].get("headline")
                           and not page.select("figure.chart")), where + image
            assert meta_content(page, "og:type") == "article"
            assert description == words(str(briefs[path]["summary"]))
        else:
            assert image_path == "/card.png", where + image
        card = file_at(built_site, image_path)
        assert card.is_file(), where + image
        assert png_size(card.read_bytes()) == CARD_SIZE, where + image
        assert (meta_content(page, "og:image:width"),
                meta_content(page, "og:image:height")) == tuple(map(str, CARD_SIZE))
    assert briefs.keys() <= pages.keys()


# --------------------------------------------------------------------------- f. JSON-LD

def json_ld(page: BeautifulSoup) -> list[dict[str, object]]:
    scripts = page.find_all("script", type="application/ld+json")
    assert len(scripts) == 1
    data = json.loads(scripts[0].string or "")
    assert data["@context"] in ("https://schema.org", "https://schema.org/")
    graph = data["@graph"]
    assert isinstance(graph, list)
    return graph


def test_flagship_json_ld(flagship: BeautifulSoup, built_site: Path) -> None:
    graph = json_ld(flagship)
    url = BASE + FLAGSHIP.lstrip("/")
    articles = [item for item in graph if item["@type"] == "Article"]
    assert len(articles) == 1
    [article] = articles
    h1 = flagship.find("h1")
    assert isinstance(h1, Tag)
    assert article["headline"] == h1.get_text(strip=True)
    time = flagship.select_one("article .byline time[datetime]")
    assert isinstance(time, Tag)
    assert article["datePublished"] == time["datetime"]
    assert article["url"] == article["mainEntityOfPage"] == url
    assert article["image"] == url + "card.png"
    assert isinstance(article["publisher"], dict) and article["publisher"]["name"]
    assert article["author"]

    figures = flagship.select("figure.chart")
    datasets = [item for item in graph if item["@type"] == "Dataset"]
    assert len(datasets) == len(figures) > 0
    source_links = {str(a["href"]) for a in flagship.select("section.sources a[href]")}
    for dataset, figure in zip(datasets, figures, strict=True):
        chart_id = str(figure["id"]).removeprefix("chart-")
        caption = figure.find("figcaption")
        assert isinstance(caption, Tag)
        assert dataset["name"] == caption.get_text(strip=True)
        assert dataset["url"] == f"{url}#{figure['id']}"
        # Google asks for a description of 50 to 5000 characters.
        assert 50 <= len(str(dataset["description"])) <= 5000, dataset["description"]
        distribution = dataset["distribution"]
        assert isinstance(distribution, dict)
        assert distribution["encodingFormat"] == "text/csv"
        assert distribution["contentUrl"] == f"{url}{chart_id}.csv"
        csv_path = own_path(str(distribution["contentUrl"]))
        assert csv_path is not None and file_at(built_site, csv_path).is_file()
        assert str(dataset["license"]).startswith("https://")
        based_on = dataset["isBasedOn"]
        assert isinstance(based_on, list) and based_on
        for source in based_on:
            assert str(source).startswith(("https://", "http://")), source
            assert source in source_links, f"{source} is not among the page's sources"
        assert dataset["creator"]


# --------------------------------------------------------------------------- g. charts

def test_each_chart_offers_downloads_permalink_and_citation(
        flagship: BeautifulSoup, built_site: Path, flagship_charts: tuple[Chart, ...]) -> None:
    figures = flagship.select("figure.chart")
    assert [f["id"] for f in figures] == [f"chart-{c.id}" for c in flagship_charts]
    folder = file_at(built_site, FLAGSHIP).parent
    for figure, chart in zip(figures, flagship_charts, strict=True):
        anchor = f"chart-{chart.id}"
        permalink = figure.select_one("figcaption a[href]")
        assert isinstance(permalink, Tag) and permalink["href"] == f"#{anchor}"

        downloads = {str(a["href"]): a for a in figure.select(".chart-download a[download]")}
        assert set(downloads) == {f"{chart.id}.{ext}" for ext in ("csv", "svg")}
        share = figure.select_one(".chart-download a:not([download])")
        assert isinstance(share, Tag) and share["href"] == f"{FLAGSHIP}charts/{chart.id}/"
        assert "Share or embed" in share.get_text()
        for href, link in downloads.items():
            assert link.has_attr("download"), href
            assert (folder / href).is_file(), href
        rows = list(csv.reader(io.StringIO((folder / f"{chart.id}.csv").read_text("utf-8"))))
        assert rows[0] == list(chart.rows.columns) and len(rows) == len(chart.rows) + 1
        assert etree.parse(str(folder / f"{chart.id}.svg")).getroot().tag.endswith("svg")

        cite = figure.select_one("details.chart-cite p")
        assert isinstance(cite, Tag)
        text = words(cite.get_text())
        assert text.startswith(SITE["publisher"]), text
        assert f"“{chart.title}”" in text
        for source in chart.sources:
            assert source.publisher in text, source.publisher
            if source.series:
                assert source.series in text, source.series
            assert source.vintage in text, source.vintage
            retrieved = str(LOCK["datasets"][source.dataset]["retrieved"])[:10]
            assert source.retrieved[:10] == retrieved
            assert f"retrieved {retrieved}" in text, retrieved
        assert text.endswith(f" {BASE}{FLAGSHIP.lstrip('/')}#{anchor}"), text


# --------------------------------------------------------------------------- h. weight

def gzipped_size(path: Path) -> int:
    return len(gzip.compress(path.read_bytes(), compresslevel=6))


def test_flagship_page_weight(built_site: Path, flagship: BeautifulSoup) -> None:
    stylesheets = [str(link["href"]) for link in flagship.find_all("link", rel="stylesheet")]
    assert len(stylesheets) == 1, stylesheets
    html = gzipped_size(file_at(built_site, FLAGSHIP))
    css = gzipped_size(file_at(built_site, stylesheets[0]))
    assert flagship.select("figure.chart .chart-plot svg"), "charts are no longer inline SVG"
    assert html + css < PAGE_WEIGHT_BUDGET, f"HTML {html} + CSS {css} bytes gzipped"


def test_no_render_blocking_script(pages: dict[str, BeautifulSoup]) -> None:
    for path, page in pages.items():
        head = page.find("head")
        assert isinstance(head, Tag)
        for script in head.find_all("script"):
            kind = str(script.get("type", "")).lower()
            if kind == "application/ld+json":
                assert not script.has_attr("src"), path
                continue
            assert script.has_attr("src"), f"{path}: inline script in <head>"
            assert (script.has_attr("defer") or script.has_attr("async")
                    or kind == "module"), f"{path}: {script['src']} blocks rendering"


CSS_URL = re.compile(r"""url\(\s*['"]?([^'")]+)|@import\s+['"]([^'"]+)""")


def test_nothing_is_loaded_from_another_host(built_site: Path,
                                             pages: dict[str, BeautifulSoup]) -> None:
    outside: list[str] = []
    stylesheets: set[str] = set()
    for path, page in pages.items():
        public = BASE + path.lstrip("/")
        loaded = [str(s["src"]) for s in page.find_all("script", src=True)]
        loaded += [str(e["src"]) for e in page.find_all(["img", "iframe", "source", "video",
                                                         "audio", "embed"], src=True)]
        for link in page.find_all("link", href=True):
            rel = {str(r).lower() for r in link.get("rel", [])}
            if rel & {"stylesheet", "preload", "modulepreload", "prefetch", "icon",
                      "manifest", "preconnect", "dns-prefetch"}:
                loaded.append(str(link["href"]))
                if "stylesheet" in rel:
                    stylesheets.add(urljoin(public, str(link["href"])))
        for ref in loaded:
            url = urljoin(public, ref)
            if urlsplit(url).scheme != "data" and own_path(url) is None:
                outside.append(f"{path}: {ref}")
    for sheet in sorted(stylesheets):
        sheet_path = own_path(sheet)
        assert sheet_path is not None
        css = file_at(built_site, sheet_path).read_text("utf-8")
        for match in CSS_URL.finditer(css):
            ref = match.group(1) or match.group(2)
            url = urljoin(sheet, ref.strip())
            if urlsplit(url).scheme != "data" and own_path(url) is None:
                outside.append(f"{sheet_path}: {ref[:80]}")
            elif urlsplit(url).scheme != "data":
                assert file_at(built_site, own_path(url) or "").is_file(), url
    assert outside == [], "loaded from another host:\n" + "\n".join(outside)
    assert len(stylesheets) >= 2  # the site's and the search page's Pagefind UI


# --------------------------------------------------------------------------- i. listings

ABOUT = """\
---
title: About
summary: What this small site is.
---
A small site for tests.
"""


def brief_text(title: str, date: str, tags: list[str], summary: str,
               draft: bool = False) -> str:
    lines = ["---", f"title: {title}", f"date: {date}", f"summary: {summary}",
             f"tags: [{', '.join(tags)}]"]
    if draft:
        lines.append("draft: true")
    lines += ["---", f"{summary} Written for the listing tests.", ""]
    return "\n".join(lines)


# name: (title, date, tags); newest first
BRIEFS = {
    "gamma": ("Gamma brief on exports", "2025-09-03", ["Deficit", "Exports", "Imports"]),
    "beta": ("Beta brief on imports", "2025-01-20", ["Imports", "Exports"]),
    "alpha": ("Alpha brief on the deficit", "2024-03-12", ["Deficit", "Imports"]),
}
DRAFT = ("Draft brief on clove quotas", "2025-12-01", ["Imports", "Clove quotas"])
TAGS = {"deficit": ["gamma", "alpha"], "exports": ["gamma", "beta"],
        "imports": ["gamma", "beta", "alpha"]}
YEARS = {"2025": ["gamma", "beta"], "2024": ["alpha"]}


def write_listing_site(tiny: TinyProject) -> None:
    for name, (title, date, tags) in BRIEFS.items():
        tiny.brief(name, brief_text(title, date, tags, f"What {name} says."))
    title, date, tags = DRAFT
    tiny.brief("cloves", brief_text(title, date, tags, "Not for readers yet, about cloves.",
                                    draft=True))
    (tiny.root / "content" / "pages" / "about.md").write_text(ABOUT, encoding="utf-8")


def card_links(page: Path) -> list[str]:
    """The briefs a listing shows, in order: on the home page, the lead first."""
    return [str(a["href"]) for a in soup_of(page).select(
        "article.lead h2 a[href], ol.cards > li.card :is(h2, h3) a[href]")]


def urls(*names: str) -> list[str]:
    return [f"/briefs/{name}/" for name in names]


def pagefind_urls(output: Path) -> set[str]:
    """The pages in the search index, read from its fragments."""
    found = set()
    for fragment in (output / "pagefind" / "fragment").glob("*.pf_fragment"):
        text = text_of_file(fragment)
        found.add(json.loads(text.removeprefix("pagefind_dcd"))["url"])
    return found


def test_tags_archive_and_index_list_exactly_their_briefs(tiny: TinyProject) -> None:
    write_listing_site(tiny)
    tiny.build()
    out = tiny.output

    assert card_links(out / "index.html") == urls("gamma", "beta", "alpha")
    for slug, names in TAGS.items():
        assert card_links(out / "tags" / slug / "index.html") == urls(*names), slug
    topics = soup_of(out / "tags" / "index.html").select("ul.topic-list a[href]")
    assert [str(a["href"]) for a in topics] == [f"/tags/{slug}/" for slug in sorted(TAGS)]
    assert sorted(p.name for p in (out / "tags").iterdir() if p.is_dir()) == sorted(TAGS)

    for year, names in YEARS.items():
        assert card_links(out / "archive" / year / "index.html") == urls(*names), year
    years = soup_of(out / "archive" / "index.html").select("ul.topic-list a[href]")
    assert [str(a["href"]) for a in years] == [f"/archive/{y}/" for y in ("2025", "2024")]
    assert sorted(p.name for p in (out / "archive").iterdir() if p.is_dir()) == sorted(YEARS)

    # Dates on the cards match, so "newest first" is what a reader sees.
    times = [str(t["datetime"]) for t in soup_of(out / "index.html").select(
        ".lead .byline time, .card time")]
    assert times == [BRIEFS[n][1] for n in ("gamma", "beta", "alpha")]

    feed = etree.parse(str(out / "feed.xml"))
    assert atom_errors(feed) == ""
    entry_links = [own_path(str(link.get("href"))) for link in
                   feed.getroot().iterfind("atom:entry/atom:link[@rel='alternate']", NS)]
    assert entry_links == urls("gamma", "beta", "alpha")
    # The feed's time is the newest published brief's date: not the draft's, not the build's.
    assert feed.getroot().findtext("atom:updated", namespaces=NS) == "2025-09-03T00:00:00Z"

    sitemap = etree.parse(str(out / "sitemap.xml"))
    assert sitemap_errors(sitemap) == ""
    paths = {own_path(loc) for loc in sitemap_locs(sitemap)}
    assert set(urls("gamma", "beta", "alpha")) <= paths
    expected = {site_path(out, p) for p in html_pages(out)} - {"/404.html"}
    assert paths == expected


def test_shipped_listings_list_their_briefs_newest_first(built_site: Path,
                                                         site_root: Path) -> None:
    """The index leads with the newest featured brief, if any, then shows the other briefs,
    newest first, up to its size; each topic page and each year of the archive shows every
    brief of its topic or year, newest first, and no other. Partner profiles are in none."""
    briefs = stream_briefs(site_root)
    featured = [path for path, meta in briefs if meta.get("featured")]
    [lead, *shown] = card_links(built_site / "index.html")
    if featured:
        assert lead == featured[0]
    assert shown == [path for path, _ in briefs if path != lead][:INDEX_SIZE]
    tags: dict[str, list[str]] = {}
    years: dict[str, list[str]] = {}
    for path, meta in briefs:
        for tag in meta.get("tags") or ():
            tagged = tags.setdefault(re.sub(r"[^a-z0-9]+", "-", str(tag).lower()).strip("-"), [])
            if path not in tagged:
                tagged.append(path)
        years.setdefault(str(_date(meta, "date").year), []).append(path)
    assert sorted(p.name for p in (built_site / "tags").iterdir() if p.is_dir()) == sorted(tags)
    for slug, tagged in tags.items():
        assert card_links(built_site / "tags" / slug / "index.html") == tagged, slug
    assert sorted(p.name for p in (built_site / "archive").iterdir() if p.is_dir()) == sorted(
        years)
    for year, dated in years.items():
        assert card_links(built_site / "archive" / year / "index.html") == dated, year


def test_a_draft_appears_nowhere(tiny: TinyProject) -> None:
    write_listing_site(tiny)
    tiny.build()
    out = tiny.output
    assert not (out / "briefs" / "cloves").exists()
    assert not (out / "tags" / "clove-quotas").exists()
    mentions = [str(p.relative_to(out)) for p in sorted(out.rglob("*"))
                if p.is_file() and p.suffix not in (".png", ".pagefind")
                and re.search("clove", text_of_file(p), re.IGNORECASE)]
    assert mentions == [], "the draft shows in these files"
    assert pagefind_urls(out) == {*urls("gamma", "beta", "alpha"), "/about/"}
    assert "/briefs/cloves/" not in (out / "sitemap.xml").read_text("utf-8")


# --------------------------------------------------------------------------- j. search index

def test_search_index_exists_and_is_deterministic(tiny: TinyProject) -> None:
    write_listing_site(tiny)
    tiny.build()
    entry = tiny.output / "pagefind" / "pagefind-entry.json"
    assert entry.is_file()
    first = {str(p.relative_to(tiny.output)): p.read_bytes()
             for p in sorted((tiny.output / "pagefind").rglob("*")) if p.is_file()}
    meta = json.loads(first["pagefind/pagefind-entry.json"])
    assert [language["page_count"] for language in meta["languages"].values()] == [4]

    shutil.rmtree(tiny.output)
    tiny.build()
    second = {str(p.relative_to(tiny.output)): p.read_bytes()
              for p in sorted((tiny.output / "pagefind").rglob("*")) if p.is_file()}
    assert entry.read_bytes() == first["pagefind/pagefind-entry.json"]
    assert sorted(second) == sorted(first)
    assert [name for name in first if first[name] != second[name]] == []


def test_real_search_index_holds_the_articles(built_site: Path, site_root: Path) -> None:
    entry = json.loads((built_site / "pagefind" / "pagefind-entry.json").read_text("utf-8"))
    assert SITE["language"] in entry["languages"]
    assert pagefind_urls(built_site) == {path for kind in ("brief", "page")
                                         for path, _ in published(site_root, kind)}


def test_brief_with_neither_figure_nor_chart_shares_the_site_card(tiny: TinyProject) -> None:
    """Only a headline figure or a chart is worth a card of its own; a plain brief points
    its og:image and JSON-LD image at the site's card and writes no PNG."""
    write_listing_site(tiny)
    tiny.build()
    page = soup_of(tiny.output / "briefs" / "alpha" / "index.html")
    assert meta_content(page, "og:image") == BASE + "card.png"
    site_name = meta_content(page, "og:site_name")
    assert site_name and meta_content(page, "og:image:alt").startswith(site_name + ": ")
    article = next(node for node in json_ld(page) if node["@type"] == "Article")
    assert article["image"] == BASE + "card.png"
    assert not (tiny.output / "briefs" / "alpha" / "card.png").exists()
    assert png_size((tiny.output / "card.png").read_bytes()) == CARD_SIZE
