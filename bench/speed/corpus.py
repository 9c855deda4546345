"""The corpus on disk: a copy of the project with N briefs and, for each peer asked for, the
same pages as that peer's site; and the changes the benchmark makes between builds.

Files are written one at a time, so 10,000 pages fit in little memory.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

from speed import ROOT
from speed.pages import READER_EVERY, hugo_text, make_brief, mkdocs_text, ours_text, pelican_text

REVISED_PERIOD = "2023-06"  # the month of `exports` a data change revises

HUGO_CONFIG = """baseURL = "https://example.org/"
title = "Trade Desk Briefs"
languageCode = "en"
buildFuture = true
"""
HUGO_LAYOUTS = {
    "baseof.html": '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
                   "<title>{{ .Title }} | {{ site.Title }}</title></head>\n"
                   '<body><main>{{ block "main" . }}{{ end }}</main></body></html>\n',
    "single.html": '{{ define "main" }}<article><h1>{{ .Title }}</h1>'
                   '<time>{{ .Date.Format "January 2, 2006" }}</time>'
                   "<ul>{{ range .Params.tags }}<li>{{ . }}</li>{{ end }}</ul>"
                   "{{ .Content }}</article>{{ end }}\n",
    "list.html": '{{ define "main" }}<h1>{{ .Title }}</h1><ul>{{ range .Pages }}'
                 '<li><a href="{{ .RelPermalink }}">{{ .Title }}</a> '
                 "<p>{{ .Params.summary }}</p></li>{{ end }}</ul>{{ end }}\n",
}
PELICAN_CONFIG = """AUTHOR = "Trade Desk"
SITENAME = "Trade Desk Briefs"
SITEURL = ""
PATH = "content"
TIMEZONE = "UTC"
DEFAULT_LANG = "en"
DEFAULT_PAGINATION = 10
FEED_ALL_ATOM = None
CATEGORY_FEED_ATOM = None
TRANSLATION_FEED_ATOM = None
AUTHOR_FEED_ATOM = None
AUTHOR_FEED_RSS = None
CACHE_CONTENT = False
LOAD_CONTENT_CACHE = False
"""
MKDOCS_CONFIG = "site_name: Trade Desk Briefs\ndocs_dir: docs\n"
MKDOCS_ONE_PAGE_NAV = "nav:\n  - brief-00000.md\nvalidation:\n  omitted_files: ignore\n"


@dataclass
class Corpus:
    root: Path
    pages: int
    charted: int  # briefs with charts (the first ones)
    readers: list[int] = field(default_factory=list)  # briefs that read `exports`

    @property
    def ours(self) -> Path:
        return self.root / "ours"

    def brief_path(self, number: int) -> Path:
        return self.ours / "content" / "briefs" / f"brief-{number:05d}.md"


def _set_up_peers(root: Path, peers: list[str]) -> None:
    """Each named peer's site folder, with its settings and, for Hugo, its layouts."""
    if "hugo" in peers:
        (root / "hugo" / "content" / "briefs").mkdir(parents=True)
        (root / "hugo" / "hugo.toml").write_text(HUGO_CONFIG, "utf-8")
        layouts = root / "hugo" / "layouts" / "_default"
        layouts.mkdir(parents=True)
        for name, text in HUGO_LAYOUTS.items():
            (layouts / name).write_text(text, "utf-8")
    if "pelican" in peers:
        (root / "pelican" / "content").mkdir(parents=True)
        (root / "pelican" / "pelicanconf.py").write_text(PELICAN_CONFIG, "utf-8")
    if "mkdocs" in peers:
        (root / "mkdocs" / "docs").mkdir(parents=True)
        (root / "mkdocs" / "mkdocs-default-nav.yml").write_text(MKDOCS_CONFIG, "utf-8")
        (root / "mkdocs" / "mkdocs.yml").write_text(MKDOCS_CONFIG + MKDOCS_ONE_PAGE_NAV,
                                                    "utf-8")


def generate(root: Path, pages: int, charts: int, charted: int, seed: int, peers: list[str]
             ) -> Corpus:
    """Write the project copy and, for each peer named, the same pages as its site."""
    corpus = Corpus(root, pages, charted if charts else 0)
    ours = corpus.ours
    shutil.copytree(ROOT / "templates", ours / "templates")
    shutil.copytree(ROOT / "content" / "data", ours / "content" / "data")
    shutil.copy(ROOT / "content" / "site.toml", ours / "content" / "site.toml")
    for folder in ("briefs", "pages", "charts"):
        (ours / "content" / folder).mkdir(parents=True, exist_ok=True)
    _set_up_peers(root, peers)
    for number in range(pages):
        brief = make_brief(number, seed)
        charted_brief = number < corpus.charted
        reader = charted_brief and number % READER_EVERY == 0
        if reader:
            corpus.readers.append(number)
        corpus.brief_path(number).write_text(ours_text(brief, charted_brief, reader), "utf-8")
        name = f"{brief.slug}.md"
        if "hugo" in peers:
            (root / "hugo" / "content" / "briefs" / name).write_text(hugo_text(brief), "utf-8")
        if "pelican" in peers:
            (root / "pelican" / "content" / name).write_text(pelican_text(brief), "utf-8")
        if "mkdocs" in peers:
            (root / "mkdocs" / "docs" / name).write_text(mkdocs_text(brief), "utf-8")
    return corpus


# -- changes between builds ------------------------------------------------------------------

def edit_one_brief(corpus: Corpus, run: int) -> None:
    """Change one sentence of a brief in the middle of the corpus (not its front matter)."""
    path = corpus.brief_path(corpus.pages // 2)
    text = path.read_text("utf-8")
    head, sep, body = text.partition("\n---\n")
    first_stop = body.index(".")
    body = body[:first_stop] + f", as revised in edit {run + 1}" + body[first_stop:]
    path.write_text(head + sep + body, "utf-8")


def revise_exports(corpus: Corpus, run: int) -> None:
    """What a fetch does: one revised value of `exports`, table and lockfile together
    (as tests/test_incremental.py's ``revise_data``)."""
    import pandas as pd

    from site_builder.data.declarations import load_declarations
    from site_builder.data.snapshot import Snapshot, canonical_csv
    from site_builder.data.store import describe, write_snapshot

    data = corpus.ours / "content" / "data"
    lock = data / "snapshot.lock.json"
    frame = Snapshot(lock).load("exports").frame.astype({"value": object}).copy()
    row = frame.index[frame["period"] == REVISED_PERIOD][0]
    frame.loc[row, "value"] = float(frame.loc[row, "value"]) + 7 * (run + 1)
    frame["value"] = frame["value"].map(lambda v: repr(float(v)))
    raw = canonical_csv(pd.DataFrame(frame))
    decl = load_declarations(data / "datasets.toml")["exports"]
    meta = describe("exports", decl, frame, raw, vintage=f"revised by the benchmark ({run + 1})",
                    retrieved="2026-11-25", provenance="bench/build_speed.py")
    write_snapshot(lock, {"exports": (meta, raw)}, keep_others=True)
