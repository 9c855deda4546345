"""How fast the `html` check reads pages: html5ever (markupever), as the check reads them,
beside html5lib, which read every page before.

    python bench/html_parse.py                  # the shipped site, built into a temporary folder
    python bench/html_parse.py --site output    # the pages of a site already built
    python bench/html_parse.py --rounds 5

Every HTML page of the site is parsed ROUNDS times by each parser in this one process (after
one untimed round, which imports them); the figure is the median round, in milliseconds per
page and in total. "ours" is what the check does for a page, `parse_errors`: html5ever, and
html5lib only for a page html5ever finds errors in.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import html5lib
from speed import ROOT

from site_builder.build.pipeline import build
from site_builder.check.html_rules import parse_errors
from site_builder.project import Project
from site_builder.report import SilentReporter


def html5lib_errors(text: str) -> int:
    parser = html5lib.HTMLParser(strict=False, namespaceHTMLElements=False)
    parser.parse(text)
    return len(parser.errors)


def ours(text: str) -> int:
    return len(parse_errors(text))


def rounds(texts: list[str], parse: Callable[[str], int], count: int) -> tuple[float, int]:
    """The median round's seconds, and the errors found in a round."""
    errors = sum(parse(text) for text in texts)  # untimed: imports and warms the parser
    times = []
    for _ in range(count):
        start = time.perf_counter()
        for text in texts:
            parse(text)
        times.append(time.perf_counter() - start)
    return statistics.median(times), errors


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--site", type=Path, help="a built site (default: build the shipped one)")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        site = args.site
        if site is None:
            site = Path(scratch) / "output"
            build(Project(ROOT, cache_dir=Path(scratch) / "cache"), SilentReporter(), site)
        texts = [page.read_text("utf-8", errors="replace")
                 for page in sorted(site.rglob("*.html"))]
    size = sum(len(text) for text in texts) / len(texts) / 1000
    print(f"bench/html_parse.py --rounds {args.rounds}: "
          f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} cores, {len(texts)} pages "
          f"of {size:.1f} kB on average")
    results = {name: rounds(texts, parse, args.rounds)
               for name, parse in (("html5lib, every page (before)", html5lib_errors),
                                   ("ours: html5ever, html5lib on errors", ours))}
    for name, (seconds, errors) in results.items():
        print(f"  {name:<38}{seconds * 1000 / len(texts):7.2f} ms a page"
              f"{seconds:8.3f} s in all   {errors} errors")
    before, after = (seconds for seconds, _ in results.values())
    print(f"  ours / html5lib: {after / before:.3f}")


if __name__ == "__main__":
    main()
