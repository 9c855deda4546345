"""The built site as the checks read it: each HTML page scanned once for its elements (with
their lines) and its title, and the briefs' sources that parse.

Pages are scanned by libxml2 (through lxml), in C: twice as fast as Python's own ``html.parser``
(whose results it gives), which remains for a page libxml2 might describe otherwise.

What the checks other than ``html`` read of a page (the elements :func:`read_by_checks`
picks, and its gzipped size) is kept in ``.cache/check/pages.json`` by a hash of the page's
bytes, so that the next check parses only the pages that changed. It is a function of those
bytes and of this module's code, which the record is keyed on too: it cannot go stale.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import posixpath
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from html.parser import HTMLParser
from pathlib import Path
from typing import NamedTuple
from urllib.parse import unquote, urljoin, urlsplit

import orjson
from lxml import etree

from site_builder.atomic import write_file
from site_builder.check.record import version_of
from site_builder.config import load_config
from site_builder.content.document import Document, parse_document
from site_builder.errors import SiteError
from site_builder.project import Project

#: The attributes that hold a link to follow or a resource to load.
LINK_ATTRS = ("href", "src", "xlink:href")
#: Every attribute that holds a URL.
URL_ATTRS = frozenset({*LINK_ATTRS, "action", "formaction", "poster", "data", "cite",
                       "background", "ping"})
#: The attributes the checks other than ``html`` read, besides ``on...`` event handlers.
READ_ATTRS = URL_ATTRS | {"id", "name", "data-parts", "srcdoc"}
RECORD = Path("check") / "pages.json"  # under the project's cache folder


class Element(NamedTuple):
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


#: HTML's boolean attributes, old and new: only whether one is present means anything.
BOOLEAN_ATTRS = frozenset({
    "allowfullscreen", "async", "autofocus", "autoplay", "checked", "compact", "controls",
    "declare", "default", "defer", "disabled", "formnovalidate", "hidden", "inert", "ismap",
    "itemscope", "loop", "multiple", "muted", "nohref", "nomodule", "noresize", "noshade",
    "novalidate", "nowrap", "open", "playsinline", "readonly", "required", "reversed",
    "selected"})


def _parse(text: str) -> etree._Element | None:
    """The page's tree as libxml2 parses it; None where it cannot."""
    try:
        return etree.fromstring(text, etree.HTMLParser(no_network=True))
    except (etree.LxmlError, ValueError):
        return None


def _element(node: etree._Element, in_head: bool) -> Element | None:
    """``node`` as :class:`_Scanner` would give it; None where that could differ. libxml2
    gives some boolean attributes written without a value (``defer``) their name as value:
    these get "" here, as from ``html.parser``; any other attribute whose value is its name
    is left to ``html.parser``."""
    attrs = dict(node.attrib)
    if not attrs.keys().isdisjoint(attrs.values()):  # a value repeats a name
        for name, value in attrs.items():
            if value == name:
                if name not in BOOLEAN_ATTRS:
                    return None
                attrs[name] = ""
    return Element(node.tag, attrs, node.sourceline or 1, in_head)


def _scan_tree(root: etree._Element) -> tuple[list[Element], str | None] | None:
    """What :class:`_Scanner` finds, from libxml2's tree; None where it could differ."""
    elements: list[Element] = []
    title = None
    for part in [root, *root]:
        in_head = part.tag == "head"
        for node in ([part] if part is root else part.iter(etree.Element)):
            element = _element(node, in_head)
            if element is None:
                return None
            elements.append(element)
            if in_head and element.tag == "title" and title is None:
                title = "".join(node.itertext())
    return elements, title


def _scan_slow(text: str) -> tuple[list[Element], str | None]:
    scanner = _Scanner()
    scanner.feed(text)
    scanner.close()
    return scanner.elements, scanner.title


#: What is kept of a page: the elements the checks read, and its gzipped size.
Recorded = tuple[tuple[Element, ...], int | None]


def read_by_checks(element: Element) -> bool:
    """Whether a check other than ``html`` reads ``element``: a script, a stylesheet link, a
    link, or an element with a URL, an id, a name, search parts, a page in ``srcdoc`` or an
    event handler."""
    return (element.tag in ("script", "link", "a") or not READ_ATTRS.isdisjoint(element.attrs)
            or any(name.startswith("on") for name in element.attrs))


@dataclass(frozen=True)
class HtmlPage:
    """A page of the built site; its elements (with their lines) and its title are found
    when first asked for. ``known``: what the last check kept of pages by their
    :attr:`digest` (their :attr:`checked` elements and :attr:`gzipped` size)."""

    path: str  # relative to the output folder, e.g. briefs/x/index.html
    text: str
    known: Mapping[str, Recorded] = field(default_factory=dict, compare=False, repr=False)

    @cached_property
    def digest(self) -> str:
        """A hash of the page's bytes."""
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()

    @cached_property
    def _recorded(self) -> Recorded | None:
        return self.known.get(self.digest)

    @cached_property
    def checked(self) -> tuple[Element, ...]:
        """The elements the checks other than ``html`` read (:func:`read_by_checks`)."""
        if self._recorded is not None:
            return self._recorded[0]
        return tuple(element for element in self.elements if read_by_checks(element))

    @cached_property
    def gzipped(self) -> int:
        """The size of the page's bytes, gzipped."""
        if self._recorded is not None and self._recorded[1] is not None:
            return self._recorded[1]
        return len(gzip.compress(self.text.encode("utf-8")))

    def kept(self) -> Recorded:
        """What the next check keeps of this page: its :attr:`checked` elements, and its
        :attr:`gzipped` size where it was known (it is not worked out only to be kept)."""
        size = self.__dict__.get("gzipped", self._recorded[1] if self._recorded else None)
        return self.checked, size

    @cached_property
    def _root(self) -> etree._Element | None:
        return _parse(self.text)

    @cached_property
    def _scanned(self) -> tuple[tuple[Element, ...], str | None]:
        found = None if self._root is None else _scan_tree(self._root)
        elements, title = found or _scan_slow(self.text)
        return tuple(elements), title

    @property
    def elements(self) -> tuple[Element, ...]:
        """Every element, in the order of its start tag."""
        return self._scanned[0]

    @property
    def title(self) -> str | None:
        """The text of the <title> in the <head>."""
        return self._scanned[1]

    def named(self, *tags: str) -> list[Element]:
        """Those of the :attr:`checked` elements with these tags; found without scanning the
        whole page when it has not been scanned yet and is not recorded."""
        if self._recorded is None and "_scanned" not in self.__dict__ and self._root is not None:
            found = [_element(node, any(up.tag == "head" for up in node.iterancestors()))
                     for node in self._root.iter(*tags)]
            if None not in found:
                return [element for element in found if element is not None]
        return [element for element in self.checked if element.tag in tags]

    @cached_property
    def ids(self) -> set[str]:
        return {e.attrs[k] for e in self.checked for k in ("id", "name")
                if k in e.attrs and (k == "id" or e.tag == "a")}


class BuiltSite:
    """The built output, each HTML page read once and scanned when first asked for (and only
    when it changed since the last check: see :meth:`save`)."""

    def __init__(self, project: Project, output: Path) -> None:
        self.project, self.output = project, output
        self.base_url = load_config(project).base_url
        self._record_file = project.cache / RECORD
        self._record = _read_record(self._record_file)
        self._pages: dict[str, HtmlPage] = {}
        self.files, self.folders = _listing(output)
        self.pages = [self.page(name) for name in sorted(self.files)
                      if name.endswith(".html") and not name.startswith("pagefind/")]

    def page(self, relative: str) -> HtmlPage:
        if relative not in self._pages:
            text = (self.output / relative).read_text("utf-8", errors="replace")
            self._pages[relative] = HtmlPage(relative, text, self._record)
        return self._pages[relative]

    def save(self) -> None:
        """Keep what the checks read of each page for the next check, if that changed."""
        now = {page.digest: page.kept() for page in self.pages}
        if now.keys() != self._record.keys():
            write_file(self._record_file, orjson.dumps(
                {"version": _VERSION, "pages": {k: [[list(e) for e in elements], size]
                                                for k, (elements, size) in now.items()}}))

    def file_for(self, site_path: str) -> str | None:
        """The output file serving a site path such as ``/briefs/x/``, or None."""
        relative = posixpath.normpath(unquote(site_path).lstrip("/"))
        if relative == ".." or relative.startswith("../"):
            return None
        if site_path.endswith("/") or relative in self.folders:
            relative = posixpath.join(relative, "index.html")
        relative = relative.removeprefix("./")
        return relative if relative in self.files else None

    def internal(self, url: str) -> bool:
        return url.startswith(self.base_url) or not (urlsplit(url).scheme or url.startswith("//"))

    def site_path(self, page: str, url: str) -> tuple[str, str]:
        """(path, fragment) of an internal ``url`` found on ``page``."""
        if url.startswith(self.base_url):
            url = "/" + url[len(self.base_url):]
        parts = urlsplit(url)
        return (urljoin("/" + page, parts.path) if parts.path else "/" + page), parts.fragment


_VERSION = version_of(Path(__file__).read_bytes(), etree.__version__.encode(),
                      str(etree.LIBXML_VERSION).encode())


def _read_record(file: Path) -> dict[str, Recorded]:
    """The record :meth:`BuiltSite.save` wrote; empty when missing, unreadable or made by
    other code."""
    try:
        record = orjson.loads(file.read_bytes())
        if record["version"] != _VERSION:
            return {}
        return {digest: (tuple(Element(*element) for element in elements), size)
                for digest, (elements, size) in record["pages"].items()}
    except (OSError, orjson.JSONDecodeError, KeyError, TypeError, ValueError):
        return {}


def _listing(output: Path) -> tuple[set[str], set[str]]:
    """The files and the folders under ``output``, relative to it ("." for itself). A symbolic
    link is neither: a site is deployed as plain files."""
    files, folders = set(), {"."}
    stack = [("", os.fspath(output))]
    while stack:
        prefix, folder = stack.pop()
        with os.scandir(folder) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    folders.add(prefix + entry.name)
                    stack.append((prefix + entry.name + "/", entry.path))
                elif entry.is_file(follow_symlinks=False):
                    files.add(prefix + entry.name)
    return files, folders


def source_briefs(project: Project) -> Iterator[Document]:
    """Each brief's source that parses; the build reports those that do not."""
    for path in sorted(project.briefs.glob("*.md")):
        try:
            yield parse_document(path, "brief")
        except SiteError:
            continue
