"""Incremental builds are never stale: after any sequence of edits, byte-identical to clean."""

from __future__ import annotations

import gzip
import random
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from conftest import REPO, TinyProject, snapshot_of

from site_builder.build.pipeline import build
from site_builder.data.declarations import load_declarations
from site_builder.data.snapshot import Snapshot, canonical_csv
from site_builder.data.store import describe, write_snapshot
from site_builder.project import Project
from site_builder.report import SilentReporter

BRIEF = """---
title: {title}
date: 2025-0{month}-0{day}
summary: A brief about {dataset}, number {n}.
tags: [{tags}]
draft: {draft}
headline:
  label: in 2024
  value: usd(series("{dataset}").year(2024))
---
{{% set s = series("{dataset}") %}}
The total for 2024 was {{{{ usd(s.year(2024)) }}}};
it {{{{ direction(s.year(2024), s.year(2023)) }}}}.
{extra}
"""
CHART = """
```chart
id: by-year
title: {dataset} by year
data: {dataset}
annual: true
since: "2015"
mark: bar
encoding:
  x: {{field: period, type: ordinal, title: null}}
  y: {{field: value, type: quantitative, title: Billions of dollars}}
```
"""
PY_CHART = """
```chart
id: vintages
title: The 2024 deficit by vintage
python: flagship.deficit_by_vintage
```
"""
DATASETS = ["trade_balance", "exports", "imports"]


class Site:
    """A tiny project with a few briefs, and the edits a writer or a fetch would make."""

    def __init__(self, tiny: TinyProject, rng: random.Random) -> None:
        self.tiny, self.rng = tiny, rng
        self.count = 0
        for _ in range(3):
            self.add_brief()
        (tiny.root / "content" / "pages" / "about.md").write_text(
            "---\ntitle: About\nsummary: About us.\n---\nWe write briefs.\n", "utf-8")

    def briefs(self) -> list[Path]:
        return sorted((self.tiny.root / "content" / "briefs").glob("*.md"))

    def add_brief(self) -> str:
        self.count += 1
        n, rng = self.count, self.rng
        dataset = rng.choice(DATASETS)
        extra = rng.choice(["", CHART.format(dataset=dataset), PY_CHART])
        self.tiny.brief(f"brief-{n}", BRIEF.format(
            title=f"Brief {n}", month=rng.randint(1, 9), day=rng.randint(1, 9),
            dataset=dataset, n=n, tags=", ".join(rng.sample(["deficit", "imports", "china"],
                                                             k=rng.randint(0, 2))),
            draft=str(rng.random() < 0.15).lower(), extra=extra))
        return f"add brief-{n}"

    def edit_brief(self) -> str:
        path = self.rng.choice(self.briefs())
        text = path.read_text("utf-8")
        choice = self.rng.randint(0, 3)
        if choice == 0:
            text = text.replace("summary: A brief", "summary: A short brief", 1)
        elif choice == 1:
            text = text.replace("draft: false", "draft: true") if "draft: false" in text \
                else text.replace("draft: true", "draft: false")
        elif choice == 2:
            text = text.replace("tags: [", "tags: [trade, ", 1)
        else:
            text += "\nAnother paragraph.\n"
        path.write_text(text, "utf-8")
        return f"edit {path.name} ({choice})"

    def remove_brief(self) -> str:
        briefs = self.briefs()
        if len(briefs) <= 1:
            return self.add_brief()
        path = self.rng.choice(briefs)
        path.unlink()
        return f"remove {path.name}"

    def edit_template(self) -> str:
        name = self.rng.choice(["base.html", "cards.html", "assets/site.css"])
        path = self.tiny.root / "templates" / name
        marker = "/* edited */\n" if name.endswith(".css") else "{# edited #}\n"
        path.write_text(path.read_text("utf-8") + marker, "utf-8")
        return f"edit template {name}"

    def edit_settings(self) -> str:
        path = self.tiny.root / "content" / "site.toml"
        path.write_text(path.read_text("utf-8").replace("Short, sourced", "Brief, sourced"),
                        "utf-8")
        return "edit site.toml"

    def edit_chart_code(self) -> str:
        path = self.tiny.root / "content" / "charts" / "flagship.py"
        path.write_text(path.read_text("utf-8").replace(
            '"First published (Feb 2025)"', '"First print (Feb 2025)"'), "utf-8")
        return "edit chart code"

    def revise_data(self, name: str = "") -> str:
        """What a fetch does: one dataset gets a revised value, table and lock together."""
        name = name or self.rng.choice(DATASETS)
        lock = self.tiny.root / "content" / "data" / "snapshot.lock.json"
        dataset = Snapshot(lock).load(name)
        frame = dataset.frame.astype({"value": object}).copy()
        row = self.rng.randrange(len(frame) - 40, len(frame))
        frame.loc[row, "value"] = float(frame.loc[row, "value"]) + self.rng.choice([-5, 7])
        frame["value"] = frame["value"].map(lambda v: repr(float(v)))
        raw = canonical_csv(pd.DataFrame(frame))
        decl = load_declarations(self.tiny.root / "content" / "data" / "datasets.toml")[name]
        meta = describe(name, decl, frame, raw, vintage="revised in a test",
                        retrieved="2026-11-25", provenance="test")
        write_snapshot(lock, {name: (meta, raw)}, keep_others=True)
        return f"revise {name}"

    def step(self) -> str:
        actions = [self.add_brief, self.edit_brief, self.edit_brief, self.remove_brief,
                   self.edit_template, self.edit_settings, self.edit_chart_code,
                   self.revise_data, self.revise_data]
        return self.rng.choice(actions)()


def clean_build(tiny: TinyProject, folder: Path) -> dict[str, bytes]:
    shutil.rmtree(folder, ignore_errors=True)
    build(tiny.project, SilentReporter(), folder)
    return snapshot_of(folder)


def folders(root: Path) -> set[Path]:
    return {p.relative_to(root) for p in root.rglob("*") if p.is_dir()}


# swap=False is the preview's way: changed files moved in one by one, no swap.
@pytest.mark.parametrize(("seed", "swap"), [(0, True), (1, True), (2, True), (3, True),
                                            (4, False), (5, False)])
@pytest.mark.slow(8)
def test_random_edits_give_the_same_site_as_a_clean_build(tiny: TinyProject, seed: int,
                                                          swap: bool) -> None:
    site = Site(tiny, random.Random(seed))
    build(tiny.project, SilentReporter(), tiny.output, swap=swap)
    history = []
    for _ in range(7):
        history.append(site.step())
        build(tiny.project, SilentReporter(), tiny.output, swap=swap)
        incremental = snapshot_of(tiny.output)
        clean = clean_build(tiny, tiny.root / "clean")
        assert incremental.keys() == clean.keys(), history
        differing = [p for p in clean if clean[p] != incremental[p]]
        assert not differing, f"after {history}: {differing[:5]}"
        assert folders(tiny.output) == folders(tiny.root / "clean"), history


def test_nothing_changed_rebuilds_nothing_and_writes_nothing(tiny: TinyProject) -> None:
    Site(tiny, random.Random(7))
    build(tiny.project, SilentReporter(), tiny.output)
    before = {p: p.stat().st_mtime_ns for p in tiny.output.rglob("*")}
    again = build(tiny.project, SilentReporter(), tiny.output)
    assert (again.rebuilt, again.written) == (0, 0)
    assert {p: p.stat().st_mtime_ns for p in tiny.output.rglob("*")} == before


def test_a_data_change_rebuilds_only_the_pages_that_read_it(tiny: TinyProject) -> None:
    site = Site(tiny, random.Random(3))
    for name in ("exports", "imports"):
        tiny.brief(f"uses-{name}", BRIEF.format(title=name, month=1, day=1, dataset=name,
                                                n=0, tags="", draft="false", extra=""))
    build(tiny.project, SilentReporter(), tiny.output)
    readers = [p for p in site.briefs() if 'series("exports")' in p.read_text("utf-8")
               and "draft: false" in p.read_text("utf-8")]
    lock = tiny.root / "content" / "data" / "snapshot.lock.json"
    site.revise_data("exports")
    result = build(tiny.project, SilentReporter(), tiny.output)
    assert result.rebuilt == len(readers)
    assert Snapshot(lock).meta("exports").vintage == "revised in a test"


def test_editing_the_output_folder_forces_a_full_rebuild(tiny: TinyProject) -> None:
    Site(tiny, random.Random(5))
    build(tiny.project, SilentReporter(), tiny.output)
    (tiny.output / "stray.html").write_text("<p>left by hand</p>", "utf-8")
    result = build(tiny.project, SilentReporter(), tiny.output)
    assert result.rebuilt == result.pages
    assert not (tiny.output / "stray.html").exists()
    assert snapshot_of(tiny.output) == clean_build(tiny, tiny.root / "clean")


def test_project_cache_is_separate_per_output_folder(tiny: TinyProject) -> None:
    Site(tiny, random.Random(2))
    first = build(tiny.project, SilentReporter(), tiny.root / "a")
    second = build(Project(tiny.root, cache_dir=tiny.project.cache), SilentReporter(),
                   tiny.root / "b")
    assert first.rebuilt == second.rebuilt == first.pages


def test_an_edit_updates_the_search_index_in_place(tiny: TinyProject) -> None:
    site = Site(tiny, random.Random(11))
    for _ in range(5):
        site.add_brief()
    build(tiny.project, SilentReporter(), tiny.output)
    index = tiny.output / "pagefind"
    before = {p: p.stat().st_mtime_ns for p in index.rglob("*") if p.is_file()}
    edited = next(p for p in site.briefs() if "draft: false" in p.read_text("utf-8"))
    edited.write_text(edited.read_text("utf-8") + "\nA word nobody used: quinquennial.\n",
                      "utf-8")
    build(tiny.project, SilentReporter(), tiny.output)
    after = {p: p.stat().st_mtime_ns for p in index.rglob("*") if p.is_file()}
    fragments = [p for p in after if p.parent.name == "fragment"]
    found = [p for p in fragments if b"quinquennial" in gzip.decompress(p.read_bytes())]
    assert len(found) == 1  # the edited brief's new text is searchable...
    kept = [p for p in fragments if before.get(p) == after[p]]
    assert len(kept) == len(fragments) - 1  # ...and no other brief's entry was rewritten
    assert snapshot_of(tiny.output) == clean_build(tiny, tiny.root / "clean")


def test_a_build_with_nothing_to_do_loads_no_page_machinery(tiny: TinyProject) -> None:
    """Repeated builds stay fast because the plan alone decides there is nothing to do:
    Markdown, Jinja, pydantic and pandas are never imported."""
    Site(tiny, random.Random(13))
    build(tiny.project, SilentReporter(), tiny.output)
    script = (
        "import sys; from pathlib import Path; from site_builder.build.pipeline import build; "
        "from site_builder.project import Project; "
        "from site_builder.report import SilentReporter; "
        f"r = build(Project(Path({str(tiny.root)!r}), cache_dir=Path({str(tiny.project.cache)!r})),"
        f" SilentReporter(), Path({str(tiny.output)!r})); "
        "print(r.rebuilt, r.written, *sorted({m.split('.')[0] for m in sys.modules}))")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            check=True)
    rebuilt, written, *modules = result.stdout.split()
    assert (rebuilt, written) == ("0", "0")
    assert not {"markdown", "jinja2", "pydantic", "pandas", "yaml", "vl_convert"} & set(modules)


def test_a_cold_build_of_briefs_that_read_no_data_never_loads_pandas(tmp_path: Path) -> None:
    """pandas is a fifth of a second of start-up, numpy a twentieth: a site of plain prose
    does without them."""
    root = tmp_path / "plain"
    shutil.copytree(REPO / "templates", root / "templates")
    shutil.copytree(REPO / "content" / "data", root / "content" / "data")
    shutil.copy(REPO / "content" / "site.toml", root / "content" / "site.toml")
    for folder in ("charts", "pages", "briefs"):
        (root / "content" / folder).mkdir(exist_ok=True)
    for number in range(2):
        (root / "content" / "briefs" / f"plain-{number}.md").write_text(
            f"---\ntitle: Plain brief {number}\ndate: 2025-01-0{number + 1}\n"
            "summary: Prose alone, with a table and a link.\ntags: [plain]\n---\n"
            "Words only, and [a link](https://www.census.gov/foreign-trade/).\n\n"
            "| year | note |\n|---|---|\n| 2024 | prose |\n", "utf-8")
    script = (
        "import sys; from pathlib import Path; from site_builder.build.pipeline import build; "
        "from site_builder.project import Project; "
        "from site_builder.report import SilentReporter; "
        f"r = build(Project(Path({str(root)!r})), SilentReporter(), Path({str(root)!r}) / 'out'); "
        "print(r.rebuilt, 'pandas' in sys.modules, 'numpy' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            check=True)
    assert result.stdout.split() == ["2", "False", "False"]
    assert "Plain brief 1" in (root / "out" / "briefs" / "plain-1" / "index.html").read_text()
