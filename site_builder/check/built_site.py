"""The built site as the checks read it: each HTML page scanned once for its start tags (with
their lines) and its title, and the briefs' sources that parse."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

from site_builder.config import load_config
from site_builder.content.document import Document, parse_document
from site_builder.errors import SiteError
from site_builder.project import Project

#: The attributes that hold a link to follow or a resource to load.
LINK_ATTRS = ("href", "src", "xlink:href")


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


def source_briefs(project: Project) -> Iterator[Document]:
    """Each brief's source that parses; the build reports those that do not."""
    for path in sorted(project.briefs.glob("*.md")):
        try:
            yield parse_document(path, "brief")
        except SiteError:
            continue
