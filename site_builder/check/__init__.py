"""The quality gate over a built site (``python -m site_builder check``). One module per
check, each returning problems (``problem``); the built-site reader they share
(``built_site``); the browser runner (``browser``); and ``gate``, which builds the site and
runs every check on it.

May import the base modules (site_builder.loopback among them) and content/, data/,
releases, evaluate/, charts/, render/ and build/; never preview/, which sits beside it, nor
the command line.
"""

from site_builder.check.gate import check

__all__ = ["check"]
