"""``html``: parse errors as a browser's parser sees them, duplicate ids, title, lang, alt.

Each page is judged on its own bytes alone, so the pages that passed are recorded (see
:mod:`site_builder.check.record`) and judged again only once they change, and pages with the
same bytes (a chart's current and versioned embed pages) are parsed once.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import html5lib
from html5lib.constants import E as HTML5_ERRORS

from site_builder.check.built_site import BuiltSite, HtmlPage
from site_builder.check.problem import Problem
from site_builder.check.record import PassRecord, version_of

RECORD = Path("check") / "html.json"  # under the project's cache folder


def check_html(site: BuiltSite, full: bool = False) -> list[Problem]:
    """Parse errors (as a browser's parser sees them), duplicate ids, title, lang, alt, on
    each page changed since it last passed (on every page with ``full``)."""
    record = PassRecord(site.project.cache / RECORD, version_of(
        Path(__file__).read_bytes(), html5lib.__version__.encode()), full)
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
