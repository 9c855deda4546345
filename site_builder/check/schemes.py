"""Does the dark scheme change a page's colours only? Then, in the dark, only the axe rules
that read colours (:data:`~site_builder.check.browser.COLOUR_RULES`) can give another verdict
than in the light, and the other rules need not run twice.

Judged on the text of the page and of the stylesheets and scripts it loads: every
``prefers-color-scheme`` in them must open a CSS ``@media`` block that sets only colour
properties, or custom properties that hold only a colour wherever they are set. Anything
else (a script asking for the scheme, a ``<source media=...>``, a dark block that sets a
size or hides an element) says no, and the dark scheme gets every rule.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

#: The properties whose value is a colour and nothing else.
COLOUR_PROPERTIES = frozenset({
    "color", "background-color", "border-color", "border-top-color", "border-right-color",
    "border-bottom-color", "border-left-color", "outline-color", "text-decoration-color",
    "column-rule-color", "caret-color", "accent-color", "fill", "stroke", "stop-color",
    "flood-color", "lighting-color", "color-scheme"})
#: One colour, as a custom property may hold it: a hex code, a colour function, or one of two
#: keywords (not ``var()``, nor other keywords, which may hold more than a colour).
COLOUR = re.compile(r"#[0-9a-fA-F]{3,8}|(?:rgba?|hsla?|hwb|lab|lch|oklab|oklch)\([^;{}()]*\)"
                    r"|transparent|currentcolor", re.IGNORECASE)
SCHEME = re.compile(r"prefers-color-scheme", re.IGNORECASE)
MEDIA = re.compile(r"@media\s*\(\s*prefers-color-scheme\s*:\s*(?:dark|light)\s*\)\s*\{",
                   re.IGNORECASE)
DECLARATION = re.compile(r"([-\w]+)\s*:\s*([^;{}]*)")
CUSTOM = re.compile(r"(?<![\w-])(--[\w-]+)\s*:\s*([^;{}]*)")


def colour_only(texts: Iterable[str]) -> bool:
    """Whether the colour scheme changes only colours on a page made of ``texts`` (its HTML
    and the stylesheets and scripts it loads)."""
    texts = list(texts)
    custom: dict[str, bool] = {}  # custom property -> every value it is given is a colour
    for text in texts:
        for name, value in CUSTOM.findall(text):
            custom[name] = custom.get(name, True) and _is_colour(value)
    for text in texts:
        blocks = _scheme_blocks(text)
        if blocks is None:
            return False
        for block in blocks:
            for name, value in DECLARATION.findall(block):
                if not ((name.lower() in COLOUR_PROPERTIES and "url(" not in value.lower())
                        or custom.get(name, False)):
                    return False
    return True


def _is_colour(value: str) -> bool:
    return COLOUR.fullmatch(value.strip().removesuffix("!important").strip()) is not None


def _scheme_blocks(text: str) -> list[str] | None:
    """The insides of ``text``'s ``@media (prefers-color-scheme: …)`` blocks, each a list of
    rules; None when the scheme is named anywhere else or a block holds a block of its own
    besides its rules (a nested ``@media``)."""
    blocks: list[str] = []
    rest, end = [], 0
    for match in MEDIA.finditer(text):
        if match.start() < end:
            return None
        depth, i = 1, match.end()
        while depth and i < len(text):
            depth += {"{": 1, "}": -1}.get(text[i], 0)
            if depth > 2:
                return None
            i += 1
        if depth:
            return None
        rest.append(text[end:match.start()])
        inside = re.sub(r"/\*.*?\*/", "", text[match.end():i - 1], flags=re.DOTALL)
        blocks.append(re.sub(r"[^{}]*\{", ";", inside))  # without the selectors
        end = i
    rest.append(text[end:])
    return None if any(SCHEME.search(part) for part in rest) else blocks
