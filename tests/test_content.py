"""Errors a writer can make in a brief, each reported at its file and line with a fix."""

from __future__ import annotations

from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from conftest import TinyProject

from site_builder.content.document import FrontMatter, parse_document
from site_builder.content.fences import PLACEHOLDER, extract_charts
from site_builder.errors import BuildFailed, SiteError

GOOD = """\
---
title: The 2024 deficit
date: 2025-02-05
summary: A short brief.
---
Body.
"""

# Front matter that parses, for briefs whose body is under test; the body starts on line 6.
HEAD = "---\ntitle: T\ndate: 2025-02-05\nsummary: A brief.\n---\n"


def line_of(text: str, needle: str, occurrence: int = 1) -> int:
    """The 1-based line of ``text`` holding the ``occurrence``-th line containing ``needle``."""
    hits = [n for n, line in enumerate(text.splitlines(), start=1) if needle in line]
    return hits[occurrence - 1]


def parse_error(tmp_path: Path, text: str, kind: str = "brief") -> tuple[SiteError, Path]:
    path = tmp_path / "brief.md"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SiteError) as info:
        parse_document(path, kind)
    return info.value, path


def build_error(tiny: TinyProject, text: str) -> tuple[SiteError, Path]:
    """Build one brief that must fail with exactly one error; return it and the file."""
    path = tiny.brief("broken", text)
    with pytest.raises(BuildFailed) as info:
        tiny.build()
    assert len(info.value.errors) == 1, [str(e) for e in info.value.errors]
    return info.value.errors[0], path


# -- front matter -------------------------------------------------------------------------

def test_good_front_matter_parses(tmp_path: Path) -> None:
    path = tmp_path / "good.md"
    path.write_text(GOOD, encoding="utf-8")
    doc = parse_document(path, "brief")
    assert isinstance(doc.meta, FrontMatter)
    assert doc.meta.title == "The 2024 deficit"
    assert doc.meta.date.isoformat() == "2025-02-05"
    assert doc.meta.draft is False
    assert doc.body == "Body.\n"
    assert doc.body_line == 6
    assert doc.slug == "good"


def test_a_brief_saved_with_other_line_endings_builds_as_with_unix_ones(
        tiny: TinyProject) -> None:
    text = GOOD.replace("Body.", "A \"quoted\" body.\n\n## A heading\n\nMore.")
    tiny.brief("unix", text)
    for name, ending in (("windows", "\r\n"), ("classic-mac", "\r")):
        tiny.root.joinpath("content", "briefs", f"{name}.md").write_bytes(
            text.replace("\n", ending).encode())
    tiny.build()
    pages = {name: (tiny.output / "briefs" / name / "index.html").read_text(encoding="utf-8")
             for name in ("unix", "windows", "classic-mac")}
    for name in ("windows", "classic-mac"):
        assert "\r" not in pages[name]
        assert pages[name] == pages["unix"].replace("/briefs/unix/", f"/briefs/{name}/")


def test_a_brief_that_is_not_utf8_is_a_build_error(tiny: TinyProject) -> None:
    path = tiny.brief("latin", GOOD)
    path.write_bytes(GOOD.replace("Body.", "Caf\u00e9.").encode("latin-1"))
    with pytest.raises(BuildFailed) as info:
        tiny.build()
    [error] = info.value.errors
    assert error.path == path
    assert "the file is not UTF-8 text" in str(error)


def test_missing_title(tmp_path: Path) -> None:
    text = "---\ndate: 2025-02-05\nsummary: A brief.\n---\nBody.\n"
    error, path = parse_error(tmp_path, text)
    assert error.path == path
    assert error.line == 1  # the key is absent: point at the front matter
    assert error.message == "missing required key 'title'"
    assert "title:" in error.hint


def test_impossible_date(tmp_path: Path) -> None:
    text = "---\ntitle: T\nsummary: A brief.\ndate: 2025-02-30\n---\nBody.\n"
    error, path = parse_error(tmp_path, text)
    assert error.path == path
    assert error.line == line_of(text, "date:") == 4
    assert error.message.startswith("date:")
    assert "out of range" in error.message
    assert "YYYY-MM-DD" in error.hint


def test_date_in_words(tmp_path: Path) -> None:
    text = "---\ntitle: T\nsummary: A brief.\ndate: Feb 5\n---\nBody.\n"
    error, path = parse_error(tmp_path, text)
    assert error.path == path
    assert error.line == line_of(text, "date:")
    assert error.message == "date: 'Feb 5' is not a date"
    assert "YYYY-MM-DD" in error.hint


def test_quoted_date_is_not_a_date(tmp_path: Path) -> None:
    text = "---\ntitle: T\ndate: '2025-02-05'\nsummary: A brief.\n---\nBody.\n"
    error, _ = parse_error(tmp_path, text)
    assert error.line == line_of(text, "date:")
    assert "is not a date" in error.message
    assert "unquoted" in error.hint


def test_unknown_key(tmp_path: Path) -> None:
    text = "---\ntitle: T\ndate: 2025-02-05\nsummary: A brief.\nauthor: Jane Doe\n---\nBody.\n"
    error, path = parse_error(tmp_path, text)
    assert error.path == path
    assert error.line == line_of(text, "author:")
    assert error.message == "unknown key 'author'"
    assert error.hint.startswith("Allowed keys:")
    for key in ("title", "date", "summary", "tags", "draft", "slug", "authors", "highlights"):
        assert key in error.hint


def test_bad_indentation(tmp_path: Path) -> None:
    text = "---\ntitle: T\ndate: 2025-02-05\n  summary: A brief.\ntags: [a]\n---\nBody.\n"
    error, path = parse_error(tmp_path, text)
    assert error.path == path
    assert error.line == line_of(text, "  summary:")
    assert "not valid YAML" in error.message
    assert "indentation" in error.hint


def test_bad_indentation_in_a_list(tmp_path: Path) -> None:
    text = ("---\ntitle: T\ndate: 2025-02-05\nsummary: A brief.\nhighlights:\n"
            "  - label: Deficit\n   value: usd(x)\n---\nBody.\n")
    error, _ = parse_error(tmp_path, text)
    assert error.line == line_of(text, "   value:")
    assert "not valid YAML" in error.message


def test_unquoted_colon(tmp_path: Path) -> None:
    text = "---\ntitle: Trade: a record\ndate: 2025-02-05\nsummary: A brief.\n---\nBody.\n"
    error, _ = parse_error(tmp_path, text)
    assert error.line == line_of(text, "title:")
    assert "quote values that contain a colon" in error.hint


def test_unclosed_quote_points_at_the_opening_quote(tmp_path: Path) -> None:
    text = ('---\ntitle: "The 2024 deficit\ndate: 2025-02-05\nsummary: A brief.\n'
            '---\nBody.\n')
    error, path = parse_error(tmp_path, text)
    assert error.path == path
    assert "not valid YAML" in error.message
    # The writer must find the quote that never closes: on the title line, not at the end.
    assert error.line == line_of(text, "title:")
    assert "quot" in error.message


def test_draft_as_a_string(tmp_path: Path) -> None:
    text = '---\ntitle: T\ndate: 2025-02-05\nsummary: A brief.\ndraft: "no"\n---\nBody.\n'
    error, path = parse_error(tmp_path, text)
    assert error.path == path
    assert error.line == line_of(text, "draft:")
    assert error.message == "draft: 'no' is not true or false"
    assert "true or false" in error.hint


def test_front_matter_never_closed(tmp_path: Path) -> None:
    text = "---\ntitle: T\ndate: 2025-02-05\nsummary: A brief.\nBody.\n"
    error, path = parse_error(tmp_path, text)
    assert error.path == path
    assert error.line == 1
    assert error.message == "the front matter is never closed"
    assert "---" in error.hint


def test_no_front_matter(tmp_path: Path) -> None:
    text = "# The 2024 deficit\n\nBody.\n"
    error, path = parse_error(tmp_path, text)
    assert error.path == path
    assert error.line == 1
    assert "no front matter" in error.message
    assert "---" in error.hint


def test_duplicate_key(tmp_path: Path) -> None:
    text = "---\ntitle: T\ndate: 2025-02-05\ntitle: U\nsummary: A brief.\n---\nBody.\n"
    error, path = parse_error(tmp_path, text)
    assert error.path == path
    assert error.line == line_of(text, "title:", occurrence=2) == 4
    assert error.message == "key 'title' appears twice in the front matter"


def test_front_matter_that_is_not_a_mapping(tmp_path: Path) -> None:
    error, _ = parse_error(tmp_path, "---\n- title\n- date\n---\nBody.\n")
    assert error.line == 2
    assert "key: value" in error.message


def test_page_front_matter_has_its_own_keys(tmp_path: Path) -> None:
    error, _ = parse_error(tmp_path, GOOD, kind="page")
    assert error.message == "unknown key 'date'"
    assert error.line == line_of(GOOD, "date:")
    assert "title, summary, slug" in error.hint


# -- chart blocks -------------------------------------------------------------------------

CHART_BODY = """\
Some text.

```chart
id: balance
title: The balance
data: trade_balance
since: 2024-01
mark: bar
encoding:
  x: {field: period, type: ordinal}
  y: {field: value, type: quantitative}
```
"""


def test_chart_block_with_an_unknown_key(tiny: TinyProject) -> None:
    text = HEAD + CHART_BODY.replace("mark: bar", "mark: bar\ncolour: red")
    error, path = build_error(tiny, text)
    assert error.path == path
    assert error.line == line_of(text, "```chart")
    assert "unknown key 'colour'" in error.message
    assert "encoding" in error.hint and "title" in error.hint


def test_chart_block_without_a_title(tiny: TinyProject) -> None:
    text = HEAD + CHART_BODY.replace("title: The balance\n", "")
    error, path = build_error(tiny, text)
    assert error.path == path
    assert error.line == line_of(text, "```chart")
    assert "needs a title" in error.message
    assert "title:" in error.hint


def test_chart_block_never_closed(tiny: TinyProject) -> None:
    text = HEAD + CHART_BODY.rsplit("```", 1)[0] + "\nMore text.\n"
    error, path = build_error(tiny, text)
    assert error.path == path
    assert error.line == line_of(text, "```chart")
    assert error.message == "chart block is never closed"
    assert "```" in error.hint


def test_chart_block_with_bad_yaml_points_at_the_bad_line(tiny: TinyProject) -> None:
    text = HEAD + CHART_BODY.replace("data: trade_balance", "data: trade_balance\n  since: 2020")
    error, path = build_error(tiny, text)
    assert error.path == path
    assert error.line == line_of(text, "  since: 2020")
    assert "chart block is not valid YAML" in error.message
    assert "indentation" in error.hint.lower()


def test_chart_block_with_an_unknown_dataset(tiny: TinyProject) -> None:
    text = HEAD + CHART_BODY.replace("data: trade_balance", "data: trade_balanse")
    error, path = build_error(tiny, text)
    assert error.path == path
    assert error.line == line_of(text, "```chart")
    assert "no dataset named 'trade_balanse'" in error.message
    assert "trade_balance" in error.hint


def test_second_chart_block_error_names_its_own_line(tiny: TinyProject) -> None:
    second = CHART_BODY.replace("id: balance", "id: other").replace("title: The balance\n", "")
    text = HEAD + CHART_BODY + "\nMore.\n\n" + second
    error, _ = build_error(tiny, text)
    assert error.line == line_of(text, "```chart", occurrence=2)


def test_a_chart_block_is_found_as_the_typed_check_finds_fenced_blocks(tmp_path: Path) -> None:
    # A chart written out as an example inside a longer fence is not drawn, and a chart block
    # may close with a longer fence: the rules the typed-figures check hides blocks by.
    body = ("Intro.\n\n~~~~markdown\n```chart\nid: shown\n```\n~~~~\n\n"
            "```chart\nid: drawn\ntitle: T\n````\nAfter.\n")
    text, blocks = extract_charts(body, tmp_path / "brief.md", 10)
    assert [(block.line, block.spec["id"]) for block in blocks] == [(18, "drawn")]
    assert text.split("\n")[:8] == body.split("\n")[:8]
    assert text.split("\n")[9] == PLACEHOLDER.format(0)
    assert text.split("\n")[-2:] == ["After.", ""]
    assert text.count("\n") == body.count("\n")


# -- expressions --------------------------------------------------------------------------

def test_unknown_helper(tiny: TinyProject) -> None:
    text = HEAD + "First paragraph.\n\nThe deficit was {{ usd(valu('trade_balance', 2024)) }}.\n"
    error, path = build_error(tiny, text)
    assert error.path == path
    assert error.line == line_of(text, "valu(") == 8
    assert "'valu' is undefined" in error.message
    assert "helper" in error.hint


def test_unknown_dataset(tiny: TinyProject) -> None:
    text = (HEAD + "One.\n\nTwo.\n"
            "In 2024 it was {{ usd(-series('trade_balanse').year(2024)) }}.\n")
    error, path = build_error(tiny, text)
    assert error.path == path
    assert error.line == line_of(text, "trade_balanse")
    assert error.message == "no dataset named 'trade_balanse'"
    assert "trade_balance" in error.hint


def test_period_with_no_data(tiny: TinyProject) -> None:
    text = HEAD + "One.\n\nIn 2031 it was {{ usd(series('trade_balance').at('2031-01')) }}.\n"
    error, path = build_error(tiny, text)
    assert error.path == path
    assert error.line == line_of(text, "2031-01")
    assert "no value for 2031-01" in error.message
    assert "1992-01 to" in error.hint


def test_period_that_does_not_exist(tiny: TinyProject) -> None:
    text = HEAD + "One.\n{{ usd(value('trade_balance', '2024-13')) }}\n"
    error, _ = build_error(tiny, text)
    assert error.line == line_of(text, "2024-13")
    assert "no rows where period is '2024-13'" in error.message


def test_incomplete_year(tiny: TinyProject) -> None:
    text = HEAD + "One.\n\n\nIn 2026: {{ usd(series('trade_balance').year(2026)) }}.\n"
    error, _ = build_error(tiny, text)
    assert error.line == line_of(text, "year(2026)")
    assert "a year total needs 12" in error.message


def test_expression_syntax_error(tiny: TinyProject) -> None:
    text = HEAD + "One.\n\nIt was {{ usd(value('release_2024', 2024, measure='goods_deficit') }}.\n"
    error, path = build_error(tiny, text)
    assert error.path == path
    assert error.line == line_of(text, "It was")
    assert error.message.startswith("expression syntax:")
    assert "{{ usd(value(...)) }}" in error.hint


def test_error_in_a_set_statement(tiny: TinyProject) -> None:
    text = HEAD + "{% set a = value('release_2024', 2024, measure='goods_deficit') %}\n" \
        "{% set b = value('release_2024', 2024, measure='no_such_measure') %}\n" \
        "Text {{ usd(a) }}.\n"
    error, _ = build_error(tiny, text)
    assert error.line == line_of(text, "no_such_measure")
    assert "no rows where measure is 'no_such_measure'" in error.message
    assert "goods_deficit" in error.hint


def test_unformatted_figure(tiny: TinyProject) -> None:
    text = HEAD + "One.\n\nIt was {{ series('trade_balance').year(2024) }}.\n"
    error, _ = build_error(tiny, text)
    assert error.line == line_of(text, "It was")
    assert "must be formatted" in error.message
    assert "usd()" in error.hint


def test_division_by_zero_is_reported_at_its_line(tiny: TinyProject) -> None:
    text = HEAD + "One.\n\nHalf: {{ usd(series('trade_balance').year(2024) / 0) }}.\n"
    error, path = build_error(tiny, text)
    assert error.path == path
    assert error.line == line_of(text, "Half:")
    assert "division by zero" in error.message


def test_highlight_expression_error_names_the_item_line(tiny: TinyProject) -> None:
    text = ("---\ntitle: T\ndate: 2025-02-05\nsummary: A brief.\nhighlights:\n"
            "  - label: Deficit\n    value: usd(value('release_2024', 2024, measure='nope'))\n"
            "---\nBody.\n")
    error, path = build_error(tiny, text)
    assert error.path == path
    assert error.line == line_of(text, "  - label: Deficit")
    assert "measure is 'nope'" in error.message


# -- typography ---------------------------------------------------------------------------

def test_quotes_dashes_and_ellipses_are_typographic_but_code_is_left_alone(
        tiny: TinyProject) -> None:
    tiny.brief("quotes", HEAD + (
        "China's share of the '90s boom -- as analysts said, \"record\" -- was ... large.\n\n"
        "A table:\n\n| Term | Meaning |\n|---|---|\n| \"Gap\" | It's the deficit---roughly |\n\n"
        "She called it \"*the* surge\" and wrote `x = \"a\" -- 'b'`.\n\n"
        "    code block with \"quotes\" -- kept\n"))
    tiny.build()
    html = (tiny.output / "briefs" / "quotes" / "index.html").read_text(encoding="utf-8")
    body = BeautifulSoup(html, "html.parser").select_one(".brief-body")
    assert body is not None
    paragraphs = [p.get_text() for p in body.find_all("p")]
    assert paragraphs[0] == ("China\u2019s share of the \u201990s boom \u2013 as analysts said, "
                             "\u201crecord\u201d \u2013 was \u2026 large.")
    assert [td.get_text() for td in body.find_all("td")] == [
        "\u201cGap\u201d", "It\u2019s the deficit\u2014roughly"]
    # a quote next to inline markup opens or closes by what stands on either side of it
    assert paragraphs[2].startswith("She called it \u201cthe surge\u201d and wrote ")
    assert [c.get_text() for c in body.find_all("code")] == [
        "x = \"a\" -- 'b'", "code block with \"quotes\" -- kept\n"]
