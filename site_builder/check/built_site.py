"""The built site as the checks read it: each HTML page scanned once for its elements (with
their lines) and its title, and the briefs' sources that parse.

Pages are scanned by libxml2 (through lxml), in C: twice as fast as Python's own ``html.parser``
(whose results it gives), which remains for a page libxml2 might describe otherwise."""

from __future__ import annotations

import os
import posixpath
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from html.parser import HTMLParser
from pathlib import Path
from typing import NamedTuple
from urllib.parse import unquote, urljoin, urlsplit

from lxml import etree

from site_builder.config import load_config
from site_builder.content.document import Document, parse_document
from site_builder.errors import SiteError
from site_builder.project import Project

#: The attributes that hold a link to follow or a resource to load.
LINK_ATTRS = ("href", "src", "xlink:href")


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


@dataclass(frozen=True)
class HtmlPage:
    """A page of the built site; its elements (with their lines) and its title are found
    when first asked for."""

    path: str  # relative to the output folder, e.g. briefs/x/index.html
    text: str

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
        """The elements of these tags; found without scanning the whole page, when it has not
        been scanned yet."""
        if "_scanned" not in self.__dict__ and self._root is not None:
            found = [_element(node, any(up.tag == "head" for up in node.iterancestors()))
                     for node in self._root.iter(*tags)]
            if None not in found:
                return [element for element in found if element is not None]
        return [element for element in self.elements if element.tag in tags]

    @cached_property
    def ids(self) -> set[str]:
        return {e.attrs[k] for e in self.elements for k in ("id", "name")
                if k in e.attrs and (k == "id" or e.tag == "a")}


class BuiltSite:
    """The built output, each HTML page read once and scanned when first asked for."""

    def __init__(self, project: Project, output: Path) -> None:
        self.project, self.output = project, output
        self.base_url = load_config(project).base_url
        self._pages: dict[str, HtmlPage] = {}
        self.files, self.folders = _listing(output)
        self.pages = [self.page(name) for name in sorted(self.files)
                      if name.endswith(".html") and not name.startswith("pagefind/")]

    def page(self, relative: str) -> HtmlPage:
        if relative not in self._pages:
            text = (self.output / relative).read_text("utf-8", errors="replace")
            self._pages[relative] = HtmlPage(relative, text)
        return self._pages[relative]

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
