"""TODO"""

from site_builder.check.gate import check

__all__ = ["check"]
