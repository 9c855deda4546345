"""TODO"""

from site_builder.build.pipeline import BuildResult, build

__all__ = ["BuildResult", "build"]
