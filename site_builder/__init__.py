"""site_builder: a static-site generator for data-driven briefs on US international trade.

The library API is :func:`site_builder.build.build`; the command line in :mod:`site_builder.cli`
is a thin layer over it.
"""

__version__ = "0.1.0"
