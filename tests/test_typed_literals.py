"""Figures and claim words typed by hand: what a writer sees when one slips into a brief.

Most tests scan small files written to tmp_path; the last ones build a tiny site and run the
publishing gate, which reports each finding as a problem of kind ``typed``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import TinyProject
from markupsafe import Markup

from site_builder.check.gate import check
from site_builder.check.problem import Problem
from site_builder.errors import SiteError
from site_builder.evaluate.typed_literals import Finding, literal, scan_file
from site_builder.report import SilentReporter

HEAD = "---\ntitle: Trade in 2024\ndate: 2025-02-05\nsummary: How trade changed.\n---\n"


def scan(tmp_path: Path, text: str, name: str = "brief.md") -> list[Finding]:
    path = tmp_path / name
    path.write_text(text, "utf-8")
    return scan_file(path)


def found(findings: list[Finding]) -> list[tuple[int, str]]:
    return [(f.line, f.text) for f in findings]


def line_of(text: str, words: str) -> int:
    return next(n for n, line in enumerate(text.split("\n"), start=1) if words in line)


# -- what is reported -----------------------------------------------------------------------------

def test_typed_figures_and_claim_words_in_prose_are_reported_with_file_and_line(
        tmp_path: Path) -> None:
    findings = scan(tmp_path, HEAD + "Imports reached $1.2 trillion in 2024.\n\n"
                    "The deficit widened by 6.6% to a Record,\n"
                    "up 3.1 percent, or 2.5 billion dollars: an all-time high.\n")
    assert found(findings) == [(6, "$1.2 trillion"), (8, "widened"), (8, "6.6%"), (8, "Record"),
                               (9, "3.1 percent"), (9, "2.5 billion"), (9, "all-time")]
    assert {f.path for f in findings} == {tmp_path / "brief.md"}
    amount, widened = findings[0], findings[1]
    assert amount.message == "typed figure '$1.2 trillion': no expression computed it"
    assert "{{ usd(" in amount.hint
    assert '{{ literal("$1.2 trillion") }}' in amount.hint
    assert widened.message == "typed claim word 'widened': no claim helper checked it"
    assert "{{ widened(new, old) }}" in widened.hint
    assert '{{ literal("widened") }}' in widened.hint


def test_every_claim_word_is_caught_as_a_whole_word_in_any_case(tmp_path: Path) -> None:
    words = ["record", "Records", "HIGHEST", "lowest", "surged", "surge", "widened", "narrowed",
             "all-time", "record-high"]
    findings = scan(tmp_path, HEAD + "\n".join(f"It was {w}." for w in words) + "\n")
    assert found(findings) == [(6 + n, w.removesuffix("-high")) for n, w in enumerate(words)]
    assert scan(tmp_path, HEAD + "The agencies recorded it; a surgeon, highlights, "
                "narrowly, prerecorded, surges_x, record_2024.\n") == []


def test_front_matter_title_summary_and_labels_are_reported_with_their_lines(
        tmp_path: Path) -> None:
    text = """\
---
title: Deficit hits $918.4 billion
date: 2025-02-05
summary: >-
  The deficit grew
  6.6% in a year.
tags: [record]
headline:
  label: a record deficit
  value: usd(value("release_2024", 2024, measure="goods_deficit"))
highlights:
  - label: Goods deficit, 2024
    value: usd(value("release_2024", 2024, measure="goods_deficit"))
  - label: '{{ literal("Record") }} imports, {{ period("2024-12") }}'
    value: usd(value("release_2024", 2024, measure="imports_goods_and_services"))
  - label: Imports surged
    value: usd(value("release_2024", 2024, measure="imports_goods_and_services"))
---
Nothing typed here.
"""
    findings = scan(tmp_path, text)
    assert [(f.line, f.text, f.place) for f in findings] == [
        (2, "$918.4 billion", "the title"),
        (6, "6.6%", "the summary"),
        (9, "record", "the headline's label"),
        (16, "surged", "highlight 3's label"),
    ]
    assert findings[0].message == ("typed figure '$918.4 billion' in the title: "
                                   "no expression computed it")
    assert "No expression runs in the title" in findings[0].hint
    assert '{{ literal("surged") }}' in findings[3].hint  # a label is evaluated: literal() works


def test_literal_in_a_title_does_not_hide_the_word_since_no_expression_runs_there(
        tmp_path: Path) -> None:
    findings = scan(tmp_path, HEAD.replace("title: Trade in 2024",
                                           "title: '{{ literal(\"A record\") }} deficit'"))
    assert [(f.line, f.text, f.place) for f in findings] == [(2, "record", "the title")]
    assert "reword it without 'record'" in findings[0].hint


# -- what is not ----------------------------------------------------------------------------------

def test_expressions_charts_code_links_comments_and_literal_are_not_reported(
        tmp_path: Path) -> None:
    body = """\
{% set note = "a record $5 billion" %}{# surged 10% #}
The deficit {{ widened(deficit.year(2024), deficit.year(2023)) }} to {{ usd(deficit.year(2024)) }},
{{ literal("a record") }} in the words of the release, and {{ literal("$918.4 billion") }}
as first published; {{ pct(pct_change(
    deficit.year(2024), deficit.year(2023))) if "record" else "6.6%" }} in a year.
Write a figure such as `$1.2 trillion` or ``record(series, 2025)`` in double braces.
See [the release](https://example.com/2025/record-deficit-6.6%25 "The release"),
<https://example.com/record/5%>, https://example.com/surged/$5 and [ref][1].
<!-- a record high, 6.6% -->

[1]: https://example.com/highest-10%

```chart
id: deficit
title: A record deficit of $1.2 trillion
note: Up 6.6% in a year.
```

~~~chart
title: Imports surged
~~~

````text
```
The widened gap: 6.6 percent.
```
````
"""
    assert scan(tmp_path, HEAD + body) == []


def test_years_dates_months_and_plain_numbers_are_not_figures(tmp_path: Path) -> None:
    body = ("In 2024, in 2025-12 and on March 12, 2026, at 8:30 a.m., the FT-900 for\n"
            "December 2025 gave 12 months of BOPGSTB; exhibit 1, table 2.5, row 1,000.\n")
    assert scan(tmp_path, HEAD + body) == []


def test_a_generated_page_template_keeps_its_row_fields_and_lines(tmp_path: Path) -> None:
    text = """\
---
generate: {params: partners}
title: "US goods trade with {{ row.name }}"
date: {{ row.date }}
summary: "Trade with {{ row.name }} in {{ row.year }}."
headline:
  label: "balance with {{ row.name }}, {{ series(row.data).annual().latest().period }}"
  value: usd(series(row.data, partner=row.partner, flow="exports").annual().latest())
---
{% if row.flows == "both" %}
Exports to {{ row.name }} surged.
{% endif %}

```chart
id: trade-by-year
title: "Record trade with {{ row.name }}"
python: partners.annual
```
"""
    findings = scan(tmp_path, text, "partner.md")
    assert found(findings) == [(11, "surged")]
    assert findings[0].path == tmp_path / "partner.md"


# -- literal() ------------------------------------------------------------------------------------

def test_literal_returns_its_text_escaped_and_refuses_anything_else() -> None:
    shown = literal('a <b>record</b> & "$5"')
    assert isinstance(shown, Markup)
    assert shown == "a &lt;b&gt;record&lt;/b&gt; &amp; &#34;$5&#34;"
    with pytest.raises(SiteError, match="literal\\(\\) takes words in quotes"):
        literal(5)  # type: ignore[arg-type]


# -- the publishing gate --------------------------------------------------------------------------

TYPED = """\
---
title: A $1.2 trillion question
date: 2025-02-05
summary: How the balance changed in 2024.
---
{% set balance = series("trade_balance") %}
The deficit reached {{ usd(-balance.year(2024)) }} in 2024, a record,
up 6.6% on the year before.
"""
CLEAN = """\
---
title: The 2024 balance
date: 2025-02-05
summary: How the balance changed in 2024.
---
{% set balance = series("trade_balance") %}
The deficit reached {{ usd(-balance.year(2024)) }} in 2024, {{ literal("a record") }} in
the words of one headline.
"""
DRAFT = TYPED.replace("summary:", "draft: true\nsummary:").replace("2024, a", "2024, the highest")
ABOUT = "---\ntitle: About\nsummary: Who writes these briefs.\n---\nWe say when a gap widened.\n"


def typed_problems(tiny: TinyProject) -> list[Problem]:
    problems = check(tiny.project, SilentReporter(), tiny.output, browser=False, stale=False)
    assert not {p.kind for p in problems} & {"build", "claim"}, problems
    return [p for p in problems if p.kind == "typed"]


def test_check_reports_typed_figures_and_words_in_briefs_and_pages_but_not_drafts(
        tiny: TinyProject) -> None:
    tiny.brief("typed", TYPED)
    tiny.brief("unfinished", DRAFT)
    (tiny.root / "content" / "pages" / "about.md").write_text(ABOUT, "utf-8")
    problems = typed_problems(tiny)
    assert [(p.path, p.line, p.message) for p in problems] == [
        ("content/briefs/typed.md", 2,
         "typed figure '$1.2 trillion' in the title: no expression computed it"),
        ("content/briefs/typed.md", line_of(TYPED, "a record"),
         "typed claim word 'record': no claim helper checked it"),
        ("content/briefs/typed.md", line_of(TYPED, "6.6%"),
         "typed figure '6.6%': no expression computed it"),
        ("content/pages/about.md", 5, "typed claim word 'widened': no claim helper checked it"),
    ]
    assert all(p.hint for p in problems)


def test_check_reports_nothing_typed_in_a_clean_brief_and_literal_shows_its_words(
        tiny: TinyProject) -> None:
    tiny.brief("clean", CLEAN)
    (tiny.root / "content" / "pages" / "about.md").write_text(
        ABOUT.replace("widened", "{{ literal('widened') }}"), "utf-8")
    assert typed_problems(tiny) == []
    page = (tiny.output / "briefs" / "clean" / "index.html").read_text("utf-8")
    assert "a record in\nthe words of one headline" in page
    assert "when a gap widened." in (tiny.output / "about" / "index.html").read_text("utf-8")
