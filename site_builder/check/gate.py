"""The quality gate: is a built site fit to publish? Every problem, each with its file and line.

Checks, by the ``kind`` of problem they report: ``link`` (internal links and anchors),
``external`` (other hosts' links, on request), ``html`` (parse errors, ids, title, lang, alt),
``feed`` and ``sitemap`` (schemas and targets), ``stale`` (briefs behind the newest release),
``draft`` (drafts that leaked), ``weight`` (page weight, render-blocking scripts), ``typed``
(figures and claim words typed by hand in the sources, see
:mod:`site_builder.evaluate.typed_literals`),
``unsafe`` (a script that is not the site's own, an ``on...=`` handler, a ``javascript:`` URL)
and ``a11y`` (axe-core in Chromium, where one is installed). :func:`check` builds first and
reports a failed build as ``claim`` (a figure or claim the data no longer support) or ``build``
problems.
"""

from __future__ import annotations

import datetime as dt
import gzip
import importlib.util
import json
import re
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache, partial
from html import escape
from html.parser import HTMLParser
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit

import html5lib
import requests
from html5lib.constants import E as HTML5_ERRORS
from lxml import etree

from site_builder.atomic import write_file
from site_builder.build.pipeline import build
from site_builder.build.search import ENTRY
from site_builder.config import load_config
from site_builder.content import sanitise
from site_builder.content.document import Document, FrontMatter, parse_document
from site_builder.data.declarations import load_declarations
from site_builder.data.snapshot import Snapshot
from site_builder.errors import BuildFailed, SiteError
from site_builder.evaluate.expressions import expression_environment
from site_builder.evaluate.page import evaluate
from site_builder.evaluate.typed_literals import scan_project
from site_builder.project import Project
from site_builder.releases import latest, load_calendar
from site_builder.report import Reporter

SCHEMAS = Path(__file__).parent / "schemas"
ATOM_NS = "{http://www.w3.org/2005/Atom}"
SITEMAP_NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
WEIGHT_BUDGET = 150 * 1024  # bytes: a brief's HTML plus the stylesheet, both gzipped
LINK_CACHE_DAYS = 7
HOST_INTERVAL = 1.0  # seconds between two requests to one host
LINK_WORKERS = 2
LINK_TIMEOUT = 15.0
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
MAX_A11Y_BRIEFS = 20

#: (method, url, timeout in seconds) -> HTTP status; raises OSError or a requests error when
#: no answer comes. Tests pass their own to reach a server on 127.0.0.1.
HttpGet = Callable[[str, str, float], int]


@dataclass(frozen=True)
class Problem:
    """One reason the site is not fit to publish.

    ``path`` is a page relative to the output folder, or a source file relative to the
    project root; ``hint`` says what to do about it.
    """

    kind: str
    path: str
    line: int | None
    message: str
    hint: str = ""

    def __str__(self) -> str:
        if not self.path:
            return self.message
        return f"{self.path}{f':{self.line}' if self.line else ''}: {self.message}"


def check(project: Project, reporter: Reporter, output: Path | None = None,
          **kw: Any) -> list[Problem]:
    """Build the site into ``output``, then check it; a failed build is checked no further."""
    output = output or project.root / "output"
    try:
        build(project, reporter, output, today=kw.get("today"))
    except BuildFailed as exc:
        return [_build_problem(project, error) for error in exc.errors]
    except SiteError as exc:
        return [_build_problem(project, exc)]
    return check_site(project, output, reporter, **kw)


def check_site(project: Project, output: Path, reporter: Reporter, *, external: bool = False,
               browser: bool | None = None, today: dt.date | None = None,
               http_get: HttpGet | None = None, weight_budget: int = WEIGHT_BUDGET,
               stale: bool = True) -> list[Problem]:
    """Run every check on the site built in ``output``; return all the problems found.

    ``stale=False`` skips comparing the data with the release calendar: for a machine that
    cannot fetch (offline CI), where the answer could not be acted on.
    """
    today = today or dt.date.today()
    if not (output / "index.html").is_file():
        return [Problem("build", str(output), None, "no built site here (no index.html)",
                        "Build the site first: `python -m site_builder build`.")]
    problems: list[Problem] = []
    site = BuiltSite(project, output)
    checks: list[tuple[str, Callable[[], list[Problem]]]] = [
        ("link", lambda: check_links(site)),
        ("html", lambda: check_html(site)),
        ("feed", lambda: check_feed(site)),
        ("sitemap", lambda: check_sitemap(site)),
        ("draft", lambda: check_drafts(site)),
        ("weight", lambda: check_weight(site, weight_budget)),
        ("typed", lambda: check_typed(project)),
        ("unsafe", lambda: check_unsafe(site)),
    ]
    if stale:
        checks.append(("stale", lambda: check_stale(project, today, reporter)))
    else:
        reporter.info("Skipped: data freshness against the release calendar (offline).")
    if external:
        checks.append(("external", lambda: check_external(
            site, project.cache / "links.json", http_get or http_status)))
    checks.append(("a11y", lambda: check_accessibility(site, reporter, browser)))
    for kind, run in checks:
        with reporter.stage(f"check {kind}"):
            try:
                problems += run()
            except SiteError as exc:  # a check that cannot run is itself a problem
                problems.append(_build_problem(project, exc, kind))
    reporter.info(f"Checked {len(site.pages)} pages: {len(problems)} problem(s)")
    return problems


def _build_problem(project: Project, error: SiteError, kind: str | None = None) -> Problem:
    """A build error as a problem: ``claim`` when a brief's figures or claims failed,
    ``unsafe`` when it holds raw HTML outside the allowlist."""
    path = error.path
    if kind is None and error.hint == sanitise.HINT:  # raw HTML a brief may not hold
        kind = "unsafe"
    if kind is None:
        kind = "claim" if path is not None and _evaluation_error(project, path) else "build"
    return Problem(kind, _relative(path, project.root) if path else "", error.line,
                   error.message, error.hint)


def _evaluation_error(project: Project, path: Path) -> bool:
    """The error is in a brief or page whose front matter is fine: its figures failed."""
    if path.suffix != ".md" or path.parent not in (project.briefs, project.pages):
        return False
    try:
        parse_document(path, "brief" if path.parent == project.briefs else "page")
    except SiteError:
        return False
    return True


def _relative(path: Path, root: Path) -> str:
    return str(path.relative_to(root)) if path.is_relative_to(root) else str(path)


# --------------------------------------------------------------------------- the built site

@dataclass(frozen=True)
class Element:
    tag: str
    attrs: dict[str, str]
    line: int
    in_head: bool


class _Scanner(HTMLParser):
    """Every start tag of a page with its line, and the text of the <title> in its <head>."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[Element] = []
        self.title: str | None = None
        self._in_head = self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._in_head = tag == "head" or (self._in_head and tag != "body")
        self.elements.append(Element(tag, {k: v or "" for k, v in attrs}, self.getpos()[0],
                                     self._in_head))
        if tag == "title" and self._in_head:  # not an inline SVG's <title>
            self._in_title, self.title = True, ""

    def handle_endtag(self, tag: str) -> None:
        self._in_head = self._in_head and tag != "head"
        self._in_title = self._in_title and tag != "title"

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title = (self.title or "") + data


@dataclass(frozen=True)
class HtmlPage:
    path: str  # relative to the output folder, e.g. briefs/x/index.html
    text: str
    elements: tuple[Element, ...]
    title: str | None

    @property
    def ids(self) -> set[str]:
        return {e.attrs[k] for e in self.elements for k in ("id", "name")
                if k in e.attrs and (k == "id" or e.tag == "a")}


class BuiltSite:
    """The built output, each HTML page read and scanned once."""

    def __init__(self, project: Project, output: Path) -> None:
        self.project, self.output = project, output
        self.base_url = load_config(project).base_url
        self._pages: dict[str, HtmlPage] = {}
        files = sorted(p for p in output.rglob("*.html")
                       if p.relative_to(output).parts[0] != "pagefind")
        self.pages = [self.page(p.relative_to(output).as_posix()) for p in files]

    def page(self, relative: str) -> HtmlPage:
        if relative not in self._pages:
            text = (self.output / relative).read_text("utf-8", errors="replace")
            scanner = _Scanner()
            scanner.feed(text)
            scanner.close()
            self._pages[relative] = HtmlPage(relative, text, tuple(scanner.elements),
                                             scanner.title)
        return self._pages[relative]

    def file_for(self, site_path: str) -> str | None:
        """The output file serving a site path such as ``/briefs/x/``, or None."""
        relative = unquote(site_path).lstrip("/")
        target = (self.output / relative).resolve()
        if not target.is_relative_to(self.output.resolve()):
            return None
        if site_path.endswith("/") or target.is_dir():
            target = target / "index.html"
        return target.relative_to(self.output.resolve()).as_posix() if target.is_file() else None

    def internal(self, url: str) -> bool:
        return url.startswith(self.base_url) or not (urlsplit(url).scheme or url.startswith("//"))

    def site_path(self, page: str, url: str) -> tuple[str, str]:
        """(path, fragment) of an internal ``url`` found on ``page``."""
        if url.startswith(self.base_url):
            url = "/" + url[len(self.base_url):]
        parts = urlsplit(url)
        return (urljoin("/" + page, parts.path) if parts.path else "/" + page), parts.fragment


# --------------------------------------------------------------------------- 1. links

LINK_ATTRS = ("href", "src", "xlink:href")


def check_links(site: BuiltSite) -> list[Problem]:
    """Every internal href and src leads to a file, and every #fragment to an id there."""
    problems = []
    for page in site.pages:
        for element in page.elements:
            for attr in LINK_ATTRS:
                url = element.attrs.get(attr, "").strip()
                if url and site.internal(url):
                    problem = _broken(site, page.path, url)
                    if problem:
                        problems.append(Problem("link", page.path, element.line, problem,
                                                "Fix the link in the brief or template."))
            for part in element.attrs.get("data-parts", "").split():  # the search page's
                if site.file_for(part + ENTRY) is None:
                    problems.append(Problem(
                        "link", page.path, element.line, f"search index part {part} is missing",
                        "Build again with `python -m site_builder build`, which indexes it."))
    return problems


def _broken(site: BuiltSite, page: str, url: str) -> str | None:
    path, fragment = site.site_path(page, url)
    target = site.file_for(path)
    if target is None:
        return f"broken link {url} (no such page)"
    if fragment in ("", "top") or not target.endswith(".html"):
        return None
    if unquote(fragment) not in site.page(target).ids:
        return f"broken anchor {url} (no id {unquote(fragment)!r} on {target})"
    return None


# --------------------------------------------------------------------------- 2. external links

def http_status(method: str, url: str, timeout: float) -> int:
    """The default :data:`HttpGet`: the status after redirects, without reading the body."""
    headers = {"User-Agent": "site_builder link check"}
    with requests.request(method, url, timeout=timeout, headers=headers, stream=True,
                          allow_redirects=True) as response:
        return response.status_code


class _Pacer:
    """At least ``interval`` seconds between two requests to one host, across threads."""

    def __init__(self, interval: float) -> None:
        self.interval, self.lock = interval, threading.Lock()
        self.next: dict[str, float] = {}

    def wait(self, host: str) -> None:
        with self.lock:
            now = time.monotonic()
            at = max(now, self.next.get(host, now))
            self.next[host] = at + self.interval
        time.sleep(at - now)


def check_external(site: BuiltSite, cache_file: Path, http_get: HttpGet,
                   interval: float = HOST_INTERVAL) -> list[Problem]:
    """Links to other hosts answer (HEAD, else GET); answers are kept for a week."""
    own = urlsplit(site.base_url).netloc
    found: dict[str, list[tuple[str, int]]] = {}
    for page in site.pages:
        for element in page.elements:
            for attr in LINK_ATTRS:
                url = element.attrs.get(attr, "").strip().split("#")[0]
                parts = urlsplit(url)
                if parts.scheme in ("http", "https") and parts.netloc != own:
                    found.setdefault(url, []).append((page.path, element.line))
    cached = _read_link_cache(cache_file)
    due = [url for url in found if not _fresh(cached.get(url))]
    pacer = _Pacer(interval)

    def probe(url: str) -> tuple[str, dict[str, Any]]:
        status, error = None, ""
        for method in ("HEAD", "GET"):  # some servers refuse HEAD: GET decides
            pacer.wait(urlsplit(url).netloc)
            try:
                status, error = http_get(method, url, LINK_TIMEOUT), ""
            except Exception as exc:  # no answer, for whatever reason: the link is broken
                status, error = None, f"{type(exc).__name__}: {exc}"
            if status is not None and status < 400:
                break
        return url, {"checked": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                     "status": status, "error": error}

    with ThreadPoolExecutor(LINK_WORKERS) as pool:
        cached.update(pool.map(probe, due))
    if due:
        write_file(cache_file, json.dumps({"format": 1, "links": cached}, indent=1,
                                          sort_keys=True).encode())
    problems = []
    for url, places in found.items():
        status, error = cached[url]["status"], cached[url].get("error", "")
        if status is None or status >= 400:
            why = f"HTTP {status}" if status else error
            problems += [Problem("external", page, line, f"broken external link {url} ({why})",
                                 "Update or remove the link; answers are cached for "
                                 f"{LINK_CACHE_DAYS} days in {cache_file.name}.")
                         for page, line in places]
    return problems


def _fresh(answer: Any) -> bool:
    """A cached answer younger than LINK_CACHE_DAYS; anything unreadable is not."""
    if not isinstance(answer, dict) or "status" not in answer:
        return False
    try:
        checked = dt.datetime.fromisoformat(answer["checked"])
        return dt.datetime.now(dt.UTC) - checked < dt.timedelta(days=LINK_CACHE_DAYS)
    except (KeyError, TypeError, ValueError):  # missing, not a time, or without a zone
        return False


def _read_link_cache(path: Path) -> dict[str, dict[str, Any]]:
    try:
        doc = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    return dict(doc.get("links", {})) if doc.get("format") == 1 else {}


# --------------------------------------------------------------------------- 3. HTML

def check_html(site: BuiltSite) -> list[Problem]:
    """Parse errors (as a browser's parser sees them), duplicate ids, title, lang, alt."""
    problems = []
    for page in site.pages:
        def add(line: int | None, message: str, hint: str, path: str = page.path) -> None:
            problems.append(Problem("html", path, line, message, hint))

        parser = html5lib.HTMLParser(strict=False, namespaceHTMLElements=False)
        parser.parse(page.text)
        for (line, column), code, data in parser.errors:
            text = HTML5_ERRORS.get(code, code) % (data or {})
            add(line, f"invalid HTML (column {column}): {text}",
                "Fix the markup in the template or the brief's HTML.")
        seen: dict[str, int] = {}
        for element in page.elements:
            name = element.attrs.get("id")
            if name is not None and name in seen:
                add(element.line, f"duplicate id {name!r} (first on line {seen[name]})",
                    "Ids must be unique on a page: rename one.")
            elif name is not None:
                seen[name] = element.line
            if element.tag == "img" and "alt" not in element.attrs:
                add(element.line, f"image without alt text: {element.attrs.get('src', '')}",
                    'Describe the image in alt="...", or use alt="" if it is decoration.')
        html = next((e for e in page.elements if e.tag == "html"), None)
        if html is None or not html.attrs.get("lang"):
            add(html.line if html else 1, "the page does not state its language",
                'Add lang="en" (the site\'s language) to <html>.')
        if not (page.title or "").strip():
            add(None, "the page has no <title>", "Give the template a <title>.")
    return problems


# --------------------------------------------------------------------------- 4. feed, sitemap

@cache
def _schema(name: str) -> etree.RelaxNG | etree.XMLSchema:
    tree = etree.parse(str(SCHEMAS / name))
    return etree.RelaxNG(tree) if name.endswith(".rng") else etree.XMLSchema(tree)


def _validate(site: BuiltSite, name: str, kind: str, schema: str
              ) -> tuple[etree._ElementTree | None, list[Problem]]:
    """Parse ``name`` in the output and validate it; (tree or None, problems)."""
    path = site.output / name
    hint = f"Fix templates/{name}; site_builder/schemas/{schema} says what is allowed."
    try:
        tree = etree.parse(str(path))
    except OSError:
        return None, [Problem(kind, name, None, f"{name} is missing", hint)]
    except etree.XMLSyntaxError as exc:
        return None, [Problem(kind, name, exc.lineno, f"not well-formed XML: {exc.msg}", hint)]
    validator = _schema(schema)
    if validator.validate(tree):
        return tree, []
    problems = []
    for error in validator.error_log:
        message = error.message.replace(SITEMAP_NS, "").replace(ATOM_NS, "")
        problems.append(Problem(kind, name, error.line or None, f"invalid: {message}", hint))
    return tree, list(dict.fromkeys(problems))


def check_feed(site: BuiltSite) -> list[Problem]:
    """feed.xml is valid Atom and its links lead to built pages."""
    tree, problems = _validate(site, "feed.xml", "feed", "atom.rng")
    if tree is None:
        return problems
    root = tree.getroot()
    entries = root.findall(f"{ATOM_NS}entry")
    if root.find(f"{ATOM_NS}author") is None and any(
            e.find(f"{ATOM_NS}author") is None for e in entries):
        problems.append(Problem("feed", "feed.xml", root.sourceline,
                                "the feed has no author, and not every entry has one",
                                "RFC 4287, 4.1.1: give the feed an <author>."))
    for entry in entries:
        if entry.find(f"{ATOM_NS}content") is None and not any(
                link.get("rel", "alternate") == "alternate"
                for link in entry.findall(f"{ATOM_NS}link")):
            problems.append(Problem("feed", "feed.xml", entry.sourceline,
                                    "an entry without content has no alternate link",
                                    "RFC 4287, 4.1.2: link each entry to its page."))
    for link in root.iter(f"{ATOM_NS}link"):
        href = link.get("href", "")
        if href.startswith(site.base_url) and site.file_for(site.site_path("", href)[0]) is None:
            problems.append(Problem("feed", "feed.xml", link.sourceline,
                                    f"the feed links to {href}, which is not built",
                                    "Fix templates/feed.xml."))
    return problems


def check_sitemap(site: BuiltSite) -> list[Problem]:
    """sitemap.xml follows the protocol and lists only pages that were built."""
    tree, problems = _validate(site, "sitemap.xml", "sitemap", "sitemap.xsd")
    for loc in tree.iter(f"{SITEMAP_NS}loc") if tree is not None else ():
        url = (loc.text or "").strip()
        if not url.startswith(site.base_url):
            problems.append(Problem("sitemap", "sitemap.xml", loc.sourceline,
                                    f"{url} is not on this site ({site.base_url})",
                                    "List only the site's own pages."))
        elif site.file_for(site.site_path("", url)[0]) is None:
            problems.append(Problem("sitemap", "sitemap.xml", loc.sourceline,
                                    f"{url} is in the sitemap but no page was built for it",
                                    "Fix site_builder/render/feeds.py or the page's template."))
    return problems


# --------------------------------------------------------------------------- 5. stale briefs

def check_stale(project: Project, today: dt.date, reporter: Reporter) -> list[Problem]:
    """A brief whose live monthly data end before the month the newest release covers."""
    calendar = project.content / "data" / "releases.toml"
    if not calendar.exists():
        reporter.info(f"No release calendar at {_relative(calendar, project.root)}: "
                      "skipped the check for briefs behind the newest release.")
        return []
    newest = latest(load_calendar(calendar), today)
    if newest is None:
        return []
    declarations = load_declarations(project.declarations)
    live = {name for name, d in declarations.items() if d.live}
    snapshot, env = Snapshot(project.lockfile), expression_environment()
    problems = []
    for doc in _briefs(project):
        if not isinstance(doc.meta, FrontMatter) or doc.meta.draft:
            continue
        try:
            page = evaluate(doc, snapshot, env, project.charts)
        except SiteError as exc:
            problems.append(_build_problem(project, exc if exc.path else exc.located(doc.path)))
            continue
        for name in sorted(page.cited & live):
            meta = snapshot.meta(name)
            if "monthly" in meta.frequency and re.fullmatch(r"\d{4}-\d{2}", meta.last) \
                    and meta.last < newest.covers:
                problems.append(Problem(
                    "stale", _relative(doc.path, project.root), _line_naming(doc, name),
                    f"uses {name!r} up to {meta.last}, but the release of "
                    f"{newest.date.isoformat()} covers {newest.covers}",
                    f"Run `python -m site_builder fetch --only {name}`, then check the "
                    "brief's words against the new data."))
    return problems


def _briefs(project: Project) -> Iterator[Document]:
    for path in sorted(project.briefs.glob("*.md")):
        try:
            yield parse_document(path, "brief")
        except SiteError:
            continue  # the build reports it


def _line_naming(doc: Document, dataset: str) -> int | None:
    """The first line of the brief that names ``dataset``: quoted, or in a chart's ``data:``."""
    name = re.escape(dataset)
    pattern = re.compile(rf"[\"']{name}[\"']|^\s*data\s*:.*(?<![\w-]){name}(?![\w-])")
    lines = doc.path.read_text("utf-8").splitlines()
    return next((n for n, text in enumerate(lines, start=1) if pattern.search(text)), None)


# --------------------------------------------------------------------------- 6. drafts

def check_drafts(site: BuiltSite) -> list[Problem]:
    """A brief marked ``draft: true`` has no page, feed entry, sitemap entry or index card."""
    problems = []
    hint = "Rebuild without --drafts, into an empty output folder."
    for doc in _briefs(site.project):
        if not (isinstance(doc.meta, FrontMatter) and doc.meta.draft):
            continue
        url, title = f"/briefs/{doc.slug}/", doc.meta.title
        if (site.output / url.strip("/")).exists():
            problems.append(Problem("draft", url.strip("/") + "/index.html", None,
                                    f"the draft {title!r} is published", hint))
        for name in ("feed.xml", "sitemap.xml"):
            text = (site.output / name).read_text("utf-8") if (site.output / name).exists() \
                else ""
            for number, line in enumerate(text.splitlines(), start=1):
                if site.base_url + url.lstrip("/") in line:
                    problems.append(Problem("draft", name, number,
                                            f"{name} lists the draft {title!r}", hint))
        for page in site.pages:
            for element in page.elements:
                if element.attrs.get("href") in (url, site.base_url + url.lstrip("/")) \
                        and not page.path.startswith(url.strip("/")):
                    problems.append(Problem("draft", page.path, element.line,
                                            f"links to the draft {title!r}", hint))
        if (site.output / "index.html").exists():
            lines = site.page("index.html").text.splitlines()
            for number, line in enumerate(lines, start=1):
                if title in line or escape(title) in line:
                    problems.append(Problem("draft", "index.html", number,
                                            f"shows the draft's title {title!r}", hint))
    return problems


# --------------------------------------------------------------------------- 7. weight

def check_weight(site: BuiltSite, budget: int = WEIGHT_BUDGET) -> list[Problem]:
    """Each brief with the stylesheet fits the budget gzipped; no script blocks rendering."""
    problems = []
    css_file = site.output / "assets" / "site.css"
    css = len(gzip.compress(css_file.read_bytes())) if css_file.exists() else 0
    for page in site.pages:
        if page.path.startswith("briefs/"):
            html = len(gzip.compress(page.text.encode()))
            if html + css > budget:
                problems.append(Problem(
                    "weight", page.path, None,
                    f"{(html + css) / 1024:.1f} KB gzipped (HTML {html / 1024:.1f} KB, "
                    f"site.css {css / 1024:.1f} KB), over the budget of {budget / 1024:.0f} KB",
                    "Move long tables into CSV downloads, or split the brief."))
        for element in page.elements:
            attrs = element.attrs
            if (element.tag == "script" and element.in_head and "src" in attrs
                    and not {"defer", "async"} & set(attrs) and attrs.get("type") != "module"):
                problems.append(Problem("weight", page.path, element.line,
                                        f"render-blocking script {attrs['src']}",
                                        "Add defer (or async) to the <script>."))
    return problems


# --------------------------------------------------------------------------- 8. typed literals

def check_typed(project: Project) -> list[Problem]:
    """Figures and claim words typed by hand in briefs, generated-page templates and pages:
    text that no expression computed and no claim helper checked."""
    return [Problem("typed", _relative(found.path, project.root), found.line, found.message,
                    found.hint) for found in scan_project(project)]


# --------------------------------------------------------------------------- 9. unsafe markup

#: Where the site's own scripts are served from; a <script src> elsewhere is not the site's.
OWN_SCRIPTS = ("/assets/", "/pagefind/")
#: URL schemes that run code when followed, and the attributes that hold URLs.
SCRIPT_SCHEMES = frozenset({"javascript", "vbscript"})
URL_ATTRS = frozenset({*LINK_ATTRS, "action", "formaction", "poster", "data", "cite",
                       "background", "ping"})


def check_unsafe(site: BuiltSite) -> list[Problem]:
    """Markup that runs code and is not the site's own: a <script> other than the site's
    (``src`` under /assets/ or /pagefind/, or JSON-LD data), any ``on...=`` event handler,
    and any ``javascript:`` URL. The build keeps these out of briefs (content.sanitise);
    this finds them however they got into output/, e.g. a template or a hand edit."""
    problems = []
    hint = ("Remove it: the site runs only its own scripts. If a template added it, fix the "
            "template; a brief's raw HTML is held to the allowlist in README, 'Text'.")
    for page in site.pages:
        for element in page.elements:
            attrs = element.attrs
            if element.tag == "script" and not _own_script(site, attrs):
                what = f"src={attrs['src']!r}" if "src" in attrs else "inline"
                problems.append(Problem("unsafe", page.path, element.line,
                                        f"a <script> that is not the site's own ({what})", hint))
            for name, value in attrs.items():
                if name.startswith("on"):
                    problems.append(Problem("unsafe", page.path, element.line,
                                            f"an event handler {name}= on <{element.tag}>",
                                            hint))
                elif name in URL_ATTRS and sanitise.url_scheme(value) in SCRIPT_SCHEMES:
                    problems.append(Problem("unsafe", page.path, element.line,
                                            f"a {sanitise.url_scheme(value)}: URL in {name}= on "
                                            f"<{element.tag}>", hint))
    return problems


def _own_script(site: BuiltSite, attrs: dict[str, str]) -> bool:
    if "src" not in attrs:
        return attrs.get("type", "").strip().lower() == "application/ld+json"
    src = attrs["src"].strip()
    if src.startswith(site.base_url):
        src = "/" + src[len(site.base_url):].lstrip("/")
    return src.startswith(OWN_SCRIPTS) and not src.startswith("//")


# --------------------------------------------------------------------------- 10. accessibility

def _browser_missing() -> str:
    """Why the accessibility checks cannot run here, or ''."""
    if not CHROMIUM.exists():
        return f"no browser at {CHROMIUM} (apt-get install chromium)"
    for module in ("playwright", "axe_playwright_python"):
        if importlib.util.find_spec(module) is None:
            return f"the Python package {module} is not installed"
    return ""


def a11y_pages(site: BuiltSite) -> list[str]:
    """One page of each type, and up to MAX_A11Y_BRIEFS briefs."""
    def first(pattern: str) -> list[str]:
        return sorted(p.relative_to(site.output).as_posix()
                      for p in site.output.glob(pattern))[:1]

    briefs = sorted(p.relative_to(site.output).as_posix()
                    for p in site.output.glob("briefs/*/index.html"))[:MAX_A11Y_BRIEFS]
    wanted = ["index.html", *briefs, "about/index.html", "tags/index.html",
              *first("tags/*/index.html"), "archive/index.html", *first("archive/*/index.html"),
              "search/index.html", "404.html"]
    return [p for p in wanted if (site.output / p).is_file()]


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def serve(folder: Path, handler: type[SimpleHTTPRequestHandler] = _QuietHandler
          ) -> Iterator[str]:
    """``folder`` over HTTP on 127.0.0.1; yields the base URL (no trailing slash)."""
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), partial(handler, directory=str(folder)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


def check_accessibility(site: BuiltSite, reporter: Reporter, browser: bool | None) -> list[Problem]:
    """axe-core's WCAG 2.1 A and AA rules on one page of each type, light and dark."""
    if browser is False:
        reporter.detail("Accessibility checks skipped: the browser is turned off.")
        return []
    missing = _browser_missing()
    if missing and browser:
        return [Problem("a11y", "", None, f"accessibility checks cannot run: {missing}",
                        "Install Chromium and the test extras, or pass --no-browser.")]
    if missing:
        reporter.info(f"Accessibility checks skipped: {missing}.")
        return []
    import axe_playwright_python
    from playwright.sync_api import Error, sync_playwright

    axe = (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text("utf-8")
    found: dict[tuple[str, str, str], tuple[str, str, list[str]]] = {}
    with serve(site.output) as base, sync_playwright() as playwright:
        try:
            chromium = playwright.chromium.launch(executable_path=str(CHROMIUM),
                                                  args=CHROMIUM_ARGS)
            try:
                for scheme in ("light", "dark"):
                    context = chromium.new_context(color_scheme=scheme)
                    context.set_default_timeout(30_000)
                    # Nothing leaves the machine: requests to any other host are refused.
                    context.route("**/*", lambda route: route.continue_()
                                  if route.request.url.startswith(base + "/") else route.abort())
                    tab = context.new_page()
                    for path in a11y_pages(site):
                        tab.goto(f"{base}/{path.removesuffix('index.html')}", wait_until="load")
                        tab.add_script_tag(content=axe)
                        result = tab.evaluate("tags => axe.run(document, {runOnly: "
                                              "{type: 'tag', values: tags}})", AXE_TAGS)
                        for rule in result["violations"]:
                            for node in rule["nodes"]:
                                target = " ".join(str(t) for t in node["target"])
                                entry = found.setdefault((path, rule["id"], target),
                                                         (rule["help"], rule["helpUrl"], []))
                                entry[2].append(scheme)
                    context.close()
            finally:
                chromium.close()
        except Error as exc:
            return [Problem("a11y", "", None, f"the browser failed: {exc.message}",
                            "Run again with --no-browser to check everything else.")]
    return [Problem("a11y", path, None,
                    f"{rule} at {target}: {text} ({' and '.join(schemes)} scheme)",
                    f"See {url}")
            for (path, rule, target), (text, url, schemes) in found.items()]
