"""``html``: parse errors as a browser's parser sees them, duplicate ids, title, lang, alt.

Parse errors are looked for with html5ever (Servo's parser, through markupever), which reads a
page about nine times faster than html5lib; only a page it finds errors in is read again by
html5lib, which says where each error is and what it is. Each page is judged on its own
bytes alone, so the pages that passed are recorded (see :mod:`site_builder.check.record`)
and judged again only once they change, and pages with the same bytes (a chart's current
and versioned embed pages) are parsed once.
"""

from __future__ import annotations

import re
from dataclasses import replace
from importlib.metadata import version
from pathlib import Path

import markupever

from site_builder.check.built_site import BuiltSite, HtmlPage
from site_builder.check.problem import Problem
from site_builder.check.record import PassRecord, version_of

RECORD = Path("check") / "html.json"  # under the project's cache folder
#: Characters that are parse errors wherever they are: NULL, and the standard's control and
#: noncharacters "in input stream", which html5ever lets pass. Above U+FFFF it finds every
#: character from U+1FFFE (one range is quicker than the 32 noncharacters): see _strays.
STRAY_CHARACTERS = re.compile("[\\x00-\\x08\\x0b\\x0e-\\x1f\\x7f-\\x9f\\ufdd0-\\ufdef\\ufffe\\uffff"
                              "\\U0001fffe-\\U0010ffff]")


def check_html(site: BuiltSite, full: bool = False) -> list[Problem]:
    """Parse errors (as a browser's parser sees them), duplicate ids, title, lang, alt, on
    each page changed since it last passed (on every page with ``full``)."""
    record = PassRecord(site.project.cache / RECORD, version_of(
        Path(__file__).read_bytes(), version("html5lib").encode(),
        version("markupever").encode()), full)
    keys = {page.path: page.digest for page in site.pages}
    problems: list[Problem] = []
    found: dict[str, list[Problem]] = {}  # key -> the problems of the first page with it
    for page in site.pages:
        key = keys[page.path]
        if key in record.passed:
            continue
        if key not in found:
            found[key] = _page_problems(page)
        problems += [replace(p, path=page.path) for p in found[key]]
    record.save({key for key, page_problems in found.items() if not page_problems},
                set(keys.values()))
    return problems


def _page_problems(page: HtmlPage) -> list[Problem]:
    """The problems of one page, judged on its own."""
    problems: list[Problem] = []

    def add(line: int | None, message: str, hint: str) -> None:
        problems.append(Problem("html", page.path, line, message, hint))

    for line, column, text in parse_errors(page.text):
        add(line, f"invalid HTML: {text}" if column is None
            else f"invalid HTML (column {column}): {text}",
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


def parse_errors(text: str) -> list[tuple[int | None, int | None, str]]:
    """Each parse error in ``text`` as (line, column, what it is). Characters HTML allows
    nowhere are found here, each where it is. The rest are looked for with html5ever, and
    described as html5lib describes them, with their columns; where html5lib (last released
    in 2020) finds none, as html5ever does, without a line."""
    errors = _strays(text)
    parser = markupever.Parser(markupever.HtmlOptions())
    parser.process(text)
    parser.finish()
    if not parser.errors():
        return errors
    # imported here: most pages have no errors, and html5lib takes 30 ms to import
    import html5lib
    from html5lib.constants import E as HTML5_ERRORS

    html5 = html5lib.HTMLParser(strict=False, namespaceHTMLElements=False)
    html5.parse(text)
    if not html5.errors:
        parser = markupever.Parser(markupever.HtmlOptions(exact_errors=True))
        parser.process(text)
        parser.finish()
        return errors + [(None, None, error) for error in parser.errors()]
    return errors + [(line, column, HTML5_ERRORS.get(code, code) % (data or {}))
                     for (line, column), code, data in html5.errors
                     if code != "invalid-codepoint"]  # html5lib places these wrongly


def _strays(text: str) -> list[tuple[int | None, int | None, str]]:
    """Each character of ``text`` that HTML allows nowhere, with its line and column, counted
    in one pass however many there are. Above U+FFFF, :data:`STRAY_CHARACTERS` finds every
    character from U+1FFFE; only the last two of each plane count."""
    found: list[tuple[int | None, int | None, str]] = []
    line, line_start, counted = 1, 0, 0  # text[:counted] has line - 1 newlines
    for match in STRAY_CHARACTERS.finditer(text):
        code, at = ord(match[0]), match.start()
        if code > 0xFFFF and code & 0xFFFE != 0xFFFE:
            continue
        line += text.count("\n", counted, at)
        line_start = max(line_start, text.rfind("\n", counted, at) + 1)
        counted = at
        found.append((line, at - line_start + 1, f"the character U+{code:04X} is not allowed "
                      "in HTML (a control character or a noncharacter)"))
    return found
