"""Markdown -> HTML: tables, footnotes, heading ids and typographic quotes."""

from __future__ import annotations

import threading

import markdown

from site_builder.content.typography import TypographyExtension

_converters = threading.local()  # a Markdown instance is reusable, but not across threads


def to_html(text: str) -> str:
    """Markdown -> HTML, with tables, footnotes, heading ids and typographic quotes."""
    converter = getattr(_converters, "markdown", None)
    if converter is None:
        converter = _converters.markdown = markdown.Markdown(
            extensions=["tables", "footnotes", "attr_list", TypographyExtension(),
                        "sane_lists", "toc"],
            extension_configs={"toc": {"permalink": False},
                               # align="right", not style="...": no inline styles, for the CSP
                               "tables": {"use_align_attribute": True}},
            output_format="html",
        )
    return converter.reset().convert(text)
