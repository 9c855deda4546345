"""The parts of bench/build_speed.py, one job each.

- ``pages``: what each generated brief says, as our Markdown and as each peer's.
- ``corpus``: the folders built from them, and the changes made between builds.
- ``launch``: running one command in a fresh process tree, timed, with its peak memory.
- ``ours``: our build, the preview and the profile, each in a fresh interpreter.
- ``peers``: Hugo, Pelican and MkDocs, where installed.
- ``report``: the numbers summarised, and the tables printed.

These import only the standard library, each other (in the order above) and, inside the
functions that need it, the ``site_builder`` of this checkout.
"""

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]  # the checkout whose code and content are measured
#: The environment of every build a benchmark starts: this checkout's code first on the path,
#: whatever else is installed, and no cache shared between projects
#: (``SITE_BUILDER_USER_CACHE`` set to nothing), so each build from nothing bundles Vega
#: itself, as the first build on a machine does.
BUILD_ENV = {**os.environ, "PYTHONPATH": os.pathsep.join(
    [str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]),
    "SITE_BUILDER_USER_CACHE": ""}
