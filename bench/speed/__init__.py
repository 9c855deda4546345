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

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]  # the checkout whose code and content are measured
