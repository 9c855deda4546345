"""The quality gate over a built site (``python -m site_builder check``). One module per
check, each returning problems (``problem``); the built-site reader they share
(``built_site``); the browser runner (``browser``), which ``early`` starts before anything
else when it will be needed; and ``gate``, which builds the site and runs every check on it.

May import the base modules (site_builder.loopback among them) and content/, data/,
releases, evaluate/, charts/, render/ and build/; never preview/, which sits beside it, nor
the command line.
"""

from __future__ import annotations

from typing import Any

__all__ = ["check"]


def __getattr__(name: str) -> Any:
    """``check``, imported when first asked for: the browser can then be started (``early``)
    before the rest of the gate loads."""
    if name == "check":
        from site_builder.check.gate import check

        return check
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
