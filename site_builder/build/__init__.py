"""The build: the plan (what the cache vouches for, what to build), the build cache, the
pages built from source to staged files, the site-wide files, writing into ``output/``, the
search index, and the pipeline that runs them in order (:func:`build`).

It may import everything below it: render, charts, evaluate, data (and releases), content
and the base modules; never check, preview or the command line.
"""

from site_builder.build.pipeline import BuildResult, build

__all__ = ["BuildResult", "build"]
