"""The Markdown floor: Python-Markdown alone converting the corpus's briefs, in one process.

No build can turn N pages of Markdown into HTML faster than the parser it uses, so this is
the floor the cold build is held against: its time divided by the cores (a build spreads the
pages over them) plus the search index, which the floor does not make.
"""

from __future__ import annotations

import json
import sys

from speed.corpus import Corpus
from speed.launch import Sample, measure

# The extensions the build gives Markdown (site_builder/content/markdown.py), less the
# typographic quotes, which are the build's own work. Front matter is cut off first, as the
# build does before Markdown sees the text. The loop alone is timed: imports and the reading
# of files are not Markdown's work.
CHILD = r"""
import json, pathlib, sys, time
import markdown
briefs = sorted(pathlib.Path(sys.argv[1]).glob("*.md"))
texts = [p.read_text("utf-8").partition("\n---\n")[2] for p in briefs]
converter = markdown.Markdown(extensions=["tables", "footnotes", "attr_list", "sane_lists",
                                          "toc"], output_format="html")
start = time.perf_counter()
size = sum(len(converter.reset().convert(text)) for text in texts)
print(json.dumps({"convert_s": time.perf_counter() - start, "pages": len(texts),
                  "html_bytes": size, "version": markdown.__version__}))
"""


def run_floor(corpus: Corpus) -> tuple[Sample, dict[str, float]]:
    """Python-Markdown over every brief of our copy, in a fresh interpreter."""
    sample = measure([sys.executable, "-c", CHILD, str(corpus.ours / "content" / "briefs")])
    if sample.returncode != 0:
        raise SystemExit(f"the Markdown floor failed:\n{sample.stderr[-3000:]}")
    return sample, json.loads(sample.stdout.strip().splitlines()[-1])
