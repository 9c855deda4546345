"""The one error type a writer or operator can cause: it knows its file, line and fix."""

from __future__ import annotations

import reprlib
from dataclasses import dataclass
from pathlib import Path

#: The most of a writer's value an error message quotes, and the longest message kept whole.
QUOTE_LIMIT = 200
MESSAGE_LIMIT = 2000


def quoted(value: object, limit: int = QUOTE_LIMIT) -> str:
    """``repr(value)`` for an error message, at most about ``limit`` characters, whatever
    the value's size: nested lists and mappings are cut a few items and levels in."""
    shortener = reprlib.Repr()
    shortener.maxlevel = 3
    shortener.maxtuple = shortener.maxlist = shortener.maxdict = shortener.maxset = 8
    shortener.maxstring = shortener.maxother = limit
    shortener.maxlong = 40
    text = shortener.repr(value)
    return text if len(text) <= limit else text[:limit] + "…"


@dataclass
class SiteError(Exception):
    """An expected problem with the site's input, reported without a traceback.

    ``message`` says what is wrong, ``hint`` what to do about it; ``path`` and ``line`` locate it.
    """

    message: str
    path: Path | None = None
    line: int | None = None
    hint: str = ""

    def __post_init__(self) -> None:
        if len(self.message) > MESSAGE_LIMIT:  # a value quoted whole somewhere: keep both ends
            self.message = (self.message[:MESSAGE_LIMIT - 300] + " … "
                            + self.message[-200:])
        super().__init__(self.message)

    def located(self, path: Path, line_offset: int = 0) -> SiteError:
        """Return a copy placed in ``path``, shifting a known line by ``line_offset``."""
        line = None if self.line is None else self.line + line_offset
        return SiteError(self.message, self.path or path, line, self.hint)

    def __str__(self) -> str:
        where = ""
        if self.path is not None:
            where = str(self.path) + (f":{self.line}" if self.line else "") + ": "
        text = f"{where}{self.message}"
        return f"{text}\n  {self.hint}" if self.hint else text


class BuildFailed(Exception):
    """Raised when one or more :class:`SiteError` stopped a build; carries all of them."""

    def __init__(self, errors: list[SiteError]) -> None:
        self.errors = errors
        super().__init__("\n".join(str(e) for e in errors))
