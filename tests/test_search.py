"""Search on a large site: the index comes in parts that the search page merges in the
reader's browser, and an edit indexes only the part that holds the edited page.

Parts here hold two pages each (the build's ``indexer`` says so), so a site of a dozen pages
has several; on a real site a part holds about 250.
"""

from __future__ import annotations

import gzip
import json
import re
import shutil
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import TinyProject, snapshot_of
from playwright.sync_api import Browser

from site_builder.build.pipeline import BuildResult, build
from site_builder.build.search import Indexer
from site_builder.check.built_site import BuiltSite
from site_builder.check.links import check_links
from site_builder.errors import SiteError
from site_builder.loopback import serve
from site_builder.project import Project
from site_builder.report import SilentReporter

# one word per brief that no other page uses
WORDS = ["anchovy", "basalt", "cormorant", "dulcimer", "estuary", "fennel", "gannet",
         "heather", "isthmus", "juniper"]


TWO_A_PART = Indexer(part_pages=2)


def build_site(tiny: TinyProject, indexer: Indexer = TWO_A_PART) -> BuildResult:
    return build(tiny.project, SilentReporter(), tiny.output, indexer=indexer)


def write_site(tiny: TinyProject, words: list[str]) -> None:
    for number, word in enumerate(words):
        write_brief(tiny, word, f"Trade in {word} rose in 2024, number {number}.")
    (tiny.root / "content" / "pages" / "about.md").write_text(
        "---\ntitle: About\nsummary: Who writes the briefs.\n---\nA desk of economists.\n",
        encoding="utf-8")


def write_brief(tiny: TinyProject, word: str, body: str) -> Path:
    return tiny.brief(word, f"---\ntitle: The {word} brief\ndate: 2025-03-0{len(word) % 9 + 1}"
                            f"\nsummary: On {word}.\ntags: [Imports]\n---\n{body}\n")


def index_parts(output: Path) -> dict[str, set[str]]:
    """Folder of each part of the index ("" for the main one) -> the pages it holds."""
    main = output / "pagefind"
    found = {}
    for entry in [main, *sorted(main.glob("part-*"))]:
        found["" if entry == main else entry.name] = {
            json.loads(gzip.decompress(f.read_bytes()).removeprefix(b"pagefind_dcd"))["url"]
            for f in (entry / "fragment").glob("*.pf_fragment")}
    return found


def listed_parts(output: Path) -> list[str]:
    """The parts the search page tells Pagefind to merge."""
    html = (output / "search" / "index.html").read_text("utf-8")
    found = re.search(r'id="search"[^>]*data-parts="([^"]*)"', html)
    return found.group(1).split() if found else []


def clean_build(tiny: TinyProject, tmp_path: Path) -> dict[str, bytes]:
    fresh = Project(tiny.root, cache_dir=tmp_path / "fresh-cache")
    build(fresh, SilentReporter(), tmp_path / "clean", indexer=TWO_A_PART)
    return snapshot_of(tmp_path / "clean")


def test_a_large_site_is_indexed_in_parts_that_together_hold_every_page(
        tiny: TinyProject) -> None:
    write_site(tiny, WORDS)
    build_site(tiny)
    parts = index_parts(tiny.output)
    every_page = {f"/briefs/{word}/" for word in WORDS} | {"/about/"}
    assert len(parts) > 2
    assert sorted(listed_parts(tiny.output)) == sorted(f"/pagefind/{name}/" for name in parts
                                                       if name)
    assert set().union(*parts.values()) == every_page
    assert sum(len(pages) for pages in parts.values()) == len(every_page)  # each page once
    main = tiny.output / "pagefind"
    assert (main / "pagefind-ui.js").is_file()
    for name in parts:
        if name:  # the other parts hold their index alone: readers load one copy of the code
            files = {p.name for p in (main / name).iterdir() if p.is_file()}
            assert "pagefind-entry.json" in files
            assert not {f for f in files if f.endswith((".js", ".css")) or "wasm" in f}


def test_an_edit_indexes_only_the_part_that_holds_the_page(tiny: TinyProject,
                                                           tmp_path: Path) -> None:
    write_site(tiny, WORDS)
    build_site(tiny)
    parts = index_parts(tiny.output)
    edited = "fennel"
    home = next(name for name, pages in parts.items() if f"/briefs/{edited}/" in pages)
    before = {p: (p.stat().st_mtime_ns, p.read_bytes())
              for p in (tiny.output / "pagefind").rglob("*") if p.is_file()}

    write_brief(tiny, edited, "Trade in fennel rose in 2024, and so did quinoa.")
    build_site(tiny)

    after = {p: (p.stat().st_mtime_ns, p.read_bytes())
             for p in (tiny.output / "pagefind").rglob("*") if p.is_file()}
    touched = {p.relative_to(tiny.output / "pagefind") for p in after
               if before.get(p) != after[p]} | {
        p.relative_to(tiny.output / "pagefind") for p in before if p not in after}
    folders = {p.parts[0] if p.parts[0].startswith("part-") else "" for p in touched}
    assert folders == {home}  # the edited page's part (and the record of parts) alone
    assert index_parts(tiny.output) == parts
    fragments = (tiny.output / "pagefind" / home / "fragment").glob("*.pf_fragment")
    assert sum(b"quinoa" in gzip.decompress(f.read_bytes()) for f in fragments) == 1
    assert snapshot_of(tiny.output) == clean_build(tiny, tmp_path)


def test_a_smaller_site_drops_the_parts_it_no_longer_needs(tiny: TinyProject,
                                                           tmp_path: Path) -> None:
    write_site(tiny, WORDS)
    build_site(tiny)
    assert len(index_parts(tiny.output)) > 2
    for word in WORDS[2:]:
        (tiny.root / "content" / "briefs" / f"{word}.md").unlink()
    build_site(tiny)
    parts = index_parts(tiny.output)
    assert len(parts) <= 2  # three pages: two parts of two at most
    assert set().union(*parts.values()) == {"/briefs/anchovy/", "/briefs/basalt/", "/about/"}
    assert sorted(listed_parts(tiny.output)) == [f"/pagefind/{n}/" for n in sorted(parts) if n]
    assert snapshot_of(tiny.output) == clean_build(tiny, tmp_path)


def test_a_deleted_part_is_indexed_again_by_the_next_build(tiny: TinyProject) -> None:
    write_site(tiny, WORDS)
    build_site(tiny)
    parts = index_parts(tiny.output)
    lost = next(name for name in parts if name)
    shutil.rmtree(tiny.output / "pagefind" / lost)
    again = build_site(tiny)  # with nothing else to do
    assert again.rebuilt == 0
    assert index_parts(tiny.output) == parts


def test_a_site_of_one_part_lists_no_other(tiny: TinyProject) -> None:
    write_site(tiny, WORDS)
    build_site(tiny, Indexer())  # 250 pages a part
    assert list(index_parts(tiny.output)) == [""]
    assert listed_parts(tiny.output) == []
    assert 'data-parts' not in (tiny.output / "search" / "index.html").read_text("utf-8")


# --------------------------------------------------------------------------- in a browser

def test_the_search_page_finds_pages_in_every_part(tiny: TinyProject,
                                                   browser: Browser) -> None:
    write_site(tiny, WORDS)
    build_site(tiny)
    parts = index_parts(tiny.output)
    # a word from one page of each part, the main one included
    wanted = {name: sorted(pages - {"/about/"})[0] for name, pages in parts.items()
              if pages - {"/about/"}}
    assert len(wanted) > 2
    context = browser.new_context()
    context.set_default_timeout(15_000)
    try:
        page = context.new_page()
        with serve(tiny.output) as url:
            page.goto(url + "/search/")
            box = page.locator(".pagefind-ui__search-input")
            box.wait_for(state="visible")
            for name, address in wanted.items():
                word = address.strip("/").split("/")[-1]
                box.fill(word)
                links = page.locator(f".pagefind-ui__result-link[href='{address}']")
                links.first.wait_for(state="visible")
                # first: below it may come pages that share only a first few letters, which
                # Pagefind offers when a part has no page with the word
                first = page.locator(".pagefind-ui__result-link").first
                assert first.get_attribute("href") == address, name
            # a word on every page: results from several parts, excerpts of one length
            box.fill("rose")
            page.locator(".pagefind-ui__message", has_text="10 results").wait_for()
            page.wait_for_function("""() => {
                const shown = document.querySelectorAll('.pagefind-ui__result-excerpt');
                return shown.length && [...shown].every(e => e.textContent.trim());
            }""")
            excerpts = {}
            for result in page.locator(".pagefind-ui__result").all():
                href = result.locator("a.pagefind-ui__result-link").first.get_attribute("href")
                text = result.locator(".pagefind-ui__result-excerpt").first.inner_text()
                excerpts[href] = len(text.split())
    finally:
        context.close()
    homes = {name for name, pages in parts.items() for address in excerpts if address in pages}
    assert len(homes) > 1
    assert set(excerpts.values()) == {12}, excerpts


def test_check_reports_a_missing_part(tiny: TinyProject) -> None:
    write_site(tiny, WORDS)
    build_site(tiny)
    assert check_links(BuiltSite(tiny.project, tiny.output)) == []
    lost = next(name for name in index_parts(tiny.output) if name)
    shutil.rmtree(tiny.output / "pagefind" / lost)
    problems = check_links(BuiltSite(tiny.project, tiny.output))
    assert [(p.path, p.message) for p in problems] == [
        ("search/index.html", f"search index part /pagefind/{lost}/ is missing")]
    assert "python -m site_builder build" in (problems[0].hint or "")


def test_a_failing_indexer_fails_the_build_and_the_next_build_recovers(
        tiny: TinyProject, tmp_path: Path) -> None:
    write_site(tiny, WORDS)
    build_site(tiny)
    broken = tmp_path / "pagefind"
    broken.write_text("#!/bin/sh\necho 'Error: out of disk space' >&2\nexit 1\n", "utf-8")
    broken.chmod(0o755)
    write_brief(tiny, "fennel", "Trade in fennel rose in 2024, and so did quinoa.")
    with pytest.raises(SiteError) as failed:
        build_site(tiny, replace(TWO_A_PART, binary=str(broken)))
    assert "the search index could not be built: Error: out of disk space" in str(failed.value)
    assert "Pagefind's message above says why" in (failed.value.hint or "")
    build_site(tiny)
    assert snapshot_of(tiny.output) == clean_build(tiny, tmp_path)


def test_a_site_with_no_pages_yet_still_has_a_working_search_page(tiny: TinyProject) -> None:
    """A new project, before its first brief: Pagefind indexes what there is (the listings),
    so the search page loads its scripts instead of failing the build."""
    result = build_site(tiny)
    assert result.pages == 0
    assert (tiny.output / "pagefind" / "pagefind-ui.js").is_file()
    assert index_parts(tiny.output)[""]  # the listing pages, for want of briefs
    assert listed_parts(tiny.output) == []


def test_without_symbolic_links_the_parts_are_indexed_from_copies(
        tiny: TinyProject, tmp_path: Path) -> None:
    """Where links cannot be made (Windows without the privilege), the same index."""
    write_site(tiny, WORDS)

    refusals = []

    def refused(link: Path, target: Path) -> None:
        refusals.append(link)
        raise OSError(1, "symbolic link privilege not held", str(link))

    build_site(tiny, replace(TWO_A_PART, link=refused))
    assert refusals  # every page of every part was copied instead
    assert snapshot_of(tiny.output) == clean_build(tiny, tmp_path)
