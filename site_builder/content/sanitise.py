"""Raw HTML in a brief: only an allowlist of elements, attributes and link schemes passes.

Markdown lets a writer type HTML, and Python-Markdown publishes it as typed. So a page's
Markdown output is read here tag by tag, before its figures and charts are filled in (those
are the build's own markup), with html5lib's tokenizer: the WHATWG algorithm a browser
follows, entities and all, so what is judged is what a browser would see. Anything outside
the allowlist is a build error with the file and line, never silently dropped; markup that
passes is published byte for byte as Markdown wrote it. README, 'Text', lists the allowlist.

Most pages hold only the plain tags Markdown writes, so a strict pattern is tried first: when
every ``<`` opens a lower-case tag with double-quoted attributes, all allowed, the page passes
without the tokenizer. Anything else, a problem or merely an unusual spelling, goes to the
tokenizer, which alone gives verdicts and messages.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from pathlib import Path

from site_builder.errors import SiteError

INLINE = frozenset({"a", "abbr", "b", "br", "cite", "code", "del", "dfn", "em", "i", "img",
                    "ins", "kbd", "mark", "q", "s", "samp", "small", "span", "strong", "sub",
                    "sup", "u", "var", "wbr"})
BLOCK = frozenset({"blockquote", "caption", "col", "colgroup", "dd", "details", "div", "dl",
                   "dt", "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "li",
                   "ol", "p", "pre", "summary", "table", "tbody", "td", "tfoot", "th", "thead",
                   "tr", "ul"})
ELEMENTS = INLINE | BLOCK
#: Attributes any allowed element may have.
GLOBAL_ATTRIBUTES = frozenset({"class", "id", "title", "lang", "dir"})
#: Attributes only these elements may have (Markdown writes some: img, ol start, td align).
ATTRIBUTES = {
    "a": frozenset({"href"}),
    "img": frozenset({"src", "alt", "width", "height"}),
    "td": frozenset({"colspan", "rowspan", "align"}),
    "th": frozenset({"colspan", "rowspan", "align", "scope"}),
    "col": frozenset({"span"}),
    "colgroup": frozenset({"span"}),
    "ol": frozenset({"start", "reversed"}),
    "details": frozenset({"open"}),
    "div": frozenset({"data-chart-slot"}),  # a chart's place, see prose.PLACEHOLDER
}
#: Every attribute each allowed element may have.
ALLOWED = {name: GLOBAL_ATTRIBUTES | ATTRIBUTES.get(name, frozenset()) for name in ELEMENTS}
URL_ATTRIBUTES = frozenset({"href", "src"})
#: Link schemes allowed; a URL with no scheme (relative, #fragment) is allowed too.
SCHEMES = frozenset({"http", "https", "mailto"})
SCHEME = re.compile(r"([a-zA-Z][a-zA-Z0-9+.\-]*):")
SLOT_OPENS = "\ue000"  # how evaluate/citations.FIGURE_SLOT opens: a figure's place, filled in later
#: A tag as Markdown writes it: lower-case names, values in double quotes without entities
#: other than &amp;. Anything else is left to the tokenizer.
PLAIN_TAG = re.compile(r'<(/?)([a-z][a-z0-9]*)((?:\s+[a-z][a-z0-9-]*(?:="(?:[^"<>&]|&amp;)*")?)*)'
                       r'\s*/?>')
PLAIN_ATTRIBUTE = re.compile(r'([a-z][a-z0-9-]*)(?:="([^"]*)")?')
CODE_SPAN = re.compile(r"`+[^`]*`+")
#: Finds the source line of a problem: true for a line that holds it.
Finder = Callable[[str], object]
HINT = ("README, 'Text', lists the HTML a brief may hold; write the rest in Markdown, or "
        "remove it.")


def url_scheme(url: str) -> str | None:
    """The scheme a browser would read in ``url`` (entities already decoded), lower-cased.

    As the URL standard does: tabs and newlines anywhere are dropped, and spaces and control
    characters at either end, so ``jav\\tascript:`` is ``javascript``.
    """
    url = re.sub(r"[\t\n\r]", "", url).strip("".join(map(chr, range(33))))
    match = SCHEME.match(url)
    return match.group(1).lower() if match else None


def checked(markup: str, source: str, path: Path, first_line: int, kind: str = "brief") -> str:
    """``markup`` (Markdown's output for ``source``) if its HTML is all allowed; else a
    SiteError placed on the line of ``source`` (line 1 is file line ``first_line``) that
    holds the first problem, naming how many more there are."""
    if _plainly_allowed(markup):
        return markup
    problems = list(_problems(markup, kind))
    if not problems:
        return markup
    message, patterns = problems[0]
    line = _line(source, patterns)
    more = f" ({len(problems) - 1} more problem(s) of raw HTML on the page)" \
        if len(problems) > 1 else ""
    raise SiteError(message + more, path,
                    first_line if line is None else first_line + line - 1, HINT)


def _plainly_allowed(markup: str) -> bool:
    """True when every ``<`` in ``markup`` opens a plain tag that the allowlist accepts: then
    the tokenizer could find nothing. False means "ask the tokenizer", not "refused"."""
    tags = 0
    for match in PLAIN_TAG.finditer(markup):
        tags += 1
        closing, name, attributes = match.groups()
        allowed = ALLOWED.get(name)
        if allowed is None:
            return False
        if not attributes:
            continue
        if closing:
            return False
        for attribute in PLAIN_ATTRIBUTE.finditer(attributes):
            key, value = attribute.group(1), attribute.group(2) or ""
            if key not in allowed or SLOT_OPENS in value or (
                    key == "data-chart-slot" and not value.isdigit()) or (
                    key in URL_ATTRIBUTES
                    and url_scheme(html.unescape(value)) not in (None, *SCHEMES)):
                return False
    return tags == markup.count("<")


def _problems(markup: str, kind: str) -> list[tuple[str, list[Finder]]]:
    """Each problem as (message, patterns that find its line in the source)."""
    # imported here: most pages pass the plain-tag check, and html5lib takes 30 ms to import
    from html5lib._tokenizer import HTMLTokenizer
    from html5lib.constants import tokenTypes

    start, end, doctype, error = (tokenTypes[k] for k in ("StartTag", "EndTag", "Doctype",
                                                          "ParseError"))
    found: list[tuple[str, list[Finder]]] = []
    allowed = ", ".join(sorted(ELEMENTS))
    refused: set[str] = set()
    for token in HTMLTokenizer(markup):
        ttype = token["type"]
        if ttype == error and _cut_off(str(token.get("data", ""))):
            found.append((f"raw HTML is cut off at the end of the {kind}: a tag or comment is "
                          "never closed", [re.compile(r"<(?![^<]*>)").search]))
        elif ttype == doctype:
            found.append((f"a <!DOCTYPE> is not allowed in a {kind}",
                          [re.compile(r"<!doctype", re.I).search]))
        elif ttype in (start, end) and token["name"] not in ELEMENTS:
            name = token["name"]
            if ttype == end and name in refused:
                continue  # its start tag is reported already
            refused.add(name)
            found.append((f"raw HTML <{name}> is not allowed in a {kind}; allowed: {allowed}",
                          [re.compile(rf"</?{re.escape(name)}(?=[\s/>]|$)", re.I).search]))
        elif ttype == start:
            found += _attribute_problems(token["name"], token["data"], kind)
    return found


def _cut_off(error: str) -> bool:
    """A tag or comment that the end of the text cuts: on the page, the template's markup
    after it would be read as part of it."""
    return "eof" in error and not error.startswith(("expected-eof", "expected-numeric"))


def _attribute_problems(tag: str, attributes: dict[str, str], kind: str
                        ) -> list[tuple[str, list[Finder]]]:
    found: list[tuple[str, list[Finder]]] = []
    allowed = ALLOWED[tag]
    for name, value in attributes.items():
        near: list[Finder] = [re.compile(rf"(?<![\w:.-]){re.escape(name)}\s*=", re.I).search,
                        re.compile(rf"(?<![\w:.-]){re.escape(name)}(?![\w:.-])", re.I).search]
        if name not in allowed:
            found.append((f"raw HTML attribute {name}= on <{tag}> is not allowed in a {kind}; "
                          f"allowed on <{tag}>: {', '.join(sorted(allowed))}", near))
        elif SLOT_OPENS in value or SLOT_OPENS in name:
            found.append((f"a figure cannot stand inside an HTML tag (<{tag} {name}=...>)",
                          [re.compile(re.escape(name) + r"\s*=[^>]*" + SLOT_OPENS).search,
                           *near]))
        elif name == "data-chart-slot" and not value.isdigit():
            found.append((f"data-chart-slot={value!r} is the build's own: a chart's place",
                          near))
        elif name in URL_ATTRIBUTES and url_scheme(value) not in (None, *SCHEMES):
            scheme = url_scheme(value)
            found.append((f"a {scheme}: link is not allowed in a {kind}; links may be http:, "
                          "https:, mailto:, relative or #fragment",
                          [re.compile(re.escape(value)).search, _scheme_in(f"{scheme}:"), *near]))
    return found


def _scheme_in(scheme: str) -> Finder:
    """Finds ``scheme`` in a line as a browser would read it there: entities decoded, tabs
    and newlines dropped (``jav&#x09;ascript:``)."""
    return lambda line: scheme in re.sub(r"[\t\n\r]", "", html.unescape(line)).lower()


def _line(source: str, patterns: list[Finder]) -> int | None:
    """The first line of ``source`` (1-based) where a pattern matches, trying each pattern in
    turn; text in `code spans` is skipped: Markdown shows it, it is not HTML."""
    lines = [CODE_SPAN.sub("", line) for line in source.split("\n")]
    for finds in patterns:
        for number, line in enumerate(lines, start=1):
            if finds(line):
                return number
    return None
