"""Issue 15: raw HTML in a brief is held to an allowlist, `check` finds scripts in the output,
and chart CSVs cannot run as spreadsheet formulas."""

from __future__ import annotations

import csv
import io

import pytest
from conftest import TinyProject

from site_builder.check.gate import check, check_site
from site_builder.content.markdown import to_html
from site_builder.content.sanitise import _plainly_allowed, _problems
from site_builder.errors import BuildFailed
from site_builder.report import SilentReporter

HEAD = """\
---
title: Raw HTML
date: 2025-02-05
summary: What raw HTML a brief may hold.
---
{% set balance = series("trade_balance") %}
The 2024 balance was {{ usd(balance.year(2024)) }}.

"""

CHART = """
```chart
id: recent-balance
title: US trade balance since 2023
data: trade_balance
since: 2023-01
mark: bar
encoding:
  x: {field: period, type: ordinal, title: null}
  y: {field: value, type: quantitative, title: Billions of dollars}
```
"""

HOSTILE = [
    ("Text <script>alert(1)</script> here.", "raw HTML <script> is not allowed in a brief"),
    ('Text <b onmouseover="alert(1)">here</b>.', "attribute onmouseover= on <b>"),
    ('<img src="x.png" onerror="alert(1)" alt="x">', "attribute onerror= on <img>"),
    ("A [link](javascript:alert(1)).", "a javascript: link is not allowed"),
    ("A [link][evil].\n\n[evil]: javascript:alert(1)", "a javascript: link is not allowed"),
    ('<a href="jav&#x09;ascript:alert(1)">x</a>', "a javascript: link is not allowed"),
    ('<a href=" JAVA&#10;SCRIPT:alert(1)">x</a>', "a javascript: link is not allowed"),
    ("[x](vbscript:msgbox(1))", "a vbscript: link is not allowed"),
    ("![x](data:image/svg+xml;base64,PHN2Zz4=)", "a data: link is not allowed"),
    ("<style>p { color: red }</style>", "raw HTML <style> is not allowed"),
    ('<iframe src="https://example.org/"></iframe>', "raw HTML <iframe> is not allowed"),
    ('<object data="x.swf"></object>', "raw HTML <object> is not allowed"),
    ('<embed src="x.swf">', "raw HTML <embed> is not allowed"),
    ('<form action="/"><input name="q"></form>', "raw HTML <form> is not allowed"),
    ('<p style="color: red">Red.</p>', "attribute style= on <p>"),
    ('## A heading {: onclick="alert(1)" }', "attribute onclick= on <h2>"),
    ("<a/onmouseover=alert(1)>x</a>", "attribute onmouseover= on <a>"),
    ("<body onload=alert(1)>", "raw HTML <body> is not allowed"),
    ("<svg><circle r=1 /></svg>", "raw HTML <svg> is not allowed"),
    ('<span title="{{ usd(balance.year(2024)) }}">x</span>', "a figure cannot stand inside"),
]


@pytest.mark.parametrize(("hostile", "complaint"), HOSTILE,
                         ids=[f"{n}-{c.split()[2]}" for n, (_, c) in enumerate(HOSTILE)])
def test_hostile_html_fails_the_build_with_file_and_line(
        tiny: TinyProject, hostile: str, complaint: str) -> None:
    # `<script>` in a code span is text, shown as typed: it must not be blamed for the line
    text = HEAD + "Markdown shows `<script>` and `onclick=` as code.\n\n" + hostile + "\n"
    path = tiny.brief("hostile", text)
    with pytest.raises(BuildFailed) as info:
        tiny.build()
    [error] = info.value.errors
    assert complaint in error.message
    assert error.path == path
    # the line holding the hostile part: for a reference link, where its address is defined
    assert error.line == HEAD.count("\n") + 3 + hostile.count("\n")
    assert "README, 'Text'" in error.hint
    assert not (tiny.output / "briefs" / "hostile").exists()


def test_several_problems_name_the_first_and_count_the_rest(tiny: TinyProject) -> None:
    text = HEAD + "Fine.\n\n<i>ok</i> <u onclick=x>no</u>\n\n<script>x</script>\n"
    path = tiny.brief("hostile", text)
    with pytest.raises(BuildFailed) as info:
        tiny.build()
    [error] = info.value.errors
    assert (error.path, error.line) == (path, HEAD.count("\n") + 3)
    assert "onclick=" in error.message and "1 more" in error.message


def test_a_headline_value_is_held_to_the_allowlist(tiny: TinyProject) -> None:
    text = HEAD.replace("summary:", "headline:\n  label: Balance\n"
                        "  value: '\"<img src=x onerror=alert(1)>\"'\nsummary:")
    path = tiny.brief("hostile", text)
    with pytest.raises(BuildFailed) as info:
        tiny.build()
    [error] = info.value.errors
    assert (error.path, error.line) == (path, 4)
    assert "onerror=" in error.message


ALLOWED = [
    '<abbr title="Bureau of Economic Analysis">BEA</abbr>',
    '<span class="note" lang="fr" dir="ltr">déficit</span>',
    "<kbd>Ctrl</kbd>, H<sub>2</sub>O, x<sup>2</sup>, <mark>m</mark>, <small>s</small>",
    '<a href="https://www.bea.gov/" title="BEA">BEA</a>',
    '<a href="mailto:briefs@example.org">mail</a> <a href="#top">top</a> '
    '<a href="/about/">about</a>',
    "<del>old</del> <ins>new</ins> <q>said</q> <cite>Source</cite>",
]

ALLOWED_BLOCKS = """\
<details open>
<summary>How it is measured</summary>
<p>Census basis.</p>
</details>

<figure id="fig-note">
<figcaption>A caption</figcaption>
</figure>

<table class="wide">
<tr><th scope="col" colspan="2" align="left">Both</th></tr>
<tr><td rowspan="1">a</td><td>b</td></tr>
</table>
"""


def test_allowed_html_is_published_intact(tiny: TinyProject) -> None:
    tiny.brief("allowed", HEAD + "\n\n".join(ALLOWED) + "\n\n" + ALLOWED_BLOCKS)
    tiny.build()
    page = (tiny.output / "briefs" / "allowed" / "index.html").read_text("utf-8")
    for markup in [*ALLOWED, *ALLOWED_BLOCKS.split("\n")]:
        assert markup in page


def test_a_normal_brief_keeps_its_markdown_figures_and_charts(tiny: TinyProject) -> None:
    body = ("## Method {: #method }\n\nSee the note[^1] and [BEA](https://www.bea.gov/).\n\n"
            "| Year | Note |\n|:-----|-----:|\n| 2024 | *final* |\n\n"
            "[^1]: Census basis.\n")
    tiny.brief("normal", HEAD + body + CHART)
    tiny.build()
    page = (tiny.output / "briefs" / "normal" / "index.html").read_text("utf-8")
    assert '<a class="figure" href="#source-' in page and "<data value=" in page
    assert '<figure class="chart" id="chart-recent-balance"' in page or \
        'id="chart-recent-balance"' in page
    assert "<svg" in page and "data-chart-slot" not in page
    assert '<table>\n<thead>\n<tr>\n<th align="left">Year</th>' in page
    assert '<h2 id="method">Method</h2>' in page
    assert '<a class="footnote-ref" href="#fn:1">1</a>' in page
    assert '<a href="https://www.bea.gov/">BEA</a>' in page


# -- check: kind `unsafe` ---------------------------------------------------------------------

def unsafe(tiny: TinyProject) -> list[tuple[str, int | None, str]]:
    problems = check_site(tiny.project, tiny.output, SilentReporter(), browser=False,
                          stale=False)
    return [(p.path, p.line, p.message) for p in problems if p.kind == "unsafe"]


def test_check_finds_scripts_handlers_and_javascript_urls_added_by_hand(
        tiny: TinyProject) -> None:
    tiny.brief("normal", HEAD + CHART)
    tiny.build()
    assert unsafe(tiny) == []  # the site's own scripts and JSON-LD are not reported
    page = tiny.output / "briefs" / "normal" / "index.html"
    lines = page.read_text("utf-8").split("\n")
    at = next(n for n, line in enumerate(lines) if "<main" in line) + 1
    lines[at:at] = ["<img src=x onerror=alert(1)>", "<script>alert(1)</script>",
                    '<a href="jav&#x09;ascript:alert(1)">x</a>',
                    '<script src="https://evil.example/assets/x.js"></script>']
    page.write_text("\n".join(lines), "utf-8")
    path = "briefs/normal/index.html"
    found = unsafe(tiny)
    assert [(p, line) for p, line, _ in found] == [(path, at + 1), (path, at + 2),
                                                  (path, at + 3), (path, at + 4)]
    assert "onerror=" in found[0][2]
    assert "inline" in found[1][2]
    assert "javascript:" in found[2][2]
    assert "evil.example" in found[3][2]


def test_check_finds_code_in_the_page_an_iframe_holds_and_not_in_text(
        tiny: TinyProject) -> None:
    """An iframe's srcdoc= is a page of its own, whose scripts run; markup inside a
    <textarea> is text a reader sees, and runs nothing."""
    tiny.brief("normal", HEAD + CHART)
    tiny.build()
    page = tiny.output / "briefs" / "normal" / "index.html"
    lines = page.read_text("utf-8").split("\n")
    at = next(n for n, line in enumerate(lines) if "<main" in line) + 1
    lines[at:at] = ['<iframe srcdoc="<p>fine</p><img src=x onerror=&quot;alert(1)&quot;>">'
                    "</iframe>", "<textarea><img src=x onerror=alert(1)></textarea>",
                    '<iframe srcdoc="<p>A quiet page</p>"></iframe>']
    page.write_text("\n".join(lines), "utf-8")
    assert unsafe(tiny) == [("briefs/normal/index.html", at + 1,
                             "an event handler onerror= on <img>, in srcdoc= on <iframe>")]


def test_check_reports_a_brief_with_raw_script_as_unsafe(tiny: TinyProject) -> None:
    tiny.brief("hostile", HEAD + "<script>alert(1)</script>\n")
    problems = check(tiny.project, SilentReporter(), tiny.output, browser=False, stale=False)
    assert [(p.kind, p.path, p.line) for p in problems] == [
        ("unsafe", "content/briefs/hostile.md", HEAD.count("\n") + 1)]


# -- CSV downloads ----------------------------------------------------------------------------

LABELLED = """
```chart
id: labelled
title: US monthly balances on goods and on services
data: bop_monthly
where: {series_id: [BOPGTB, BOPSTB]}
since: 2024-01
labels: {series_id: {BOPGTB: '=HYPERLINK("x")', BOPSTB: '-cmd'}}
mark: line
encoding:
  x: {field: period, type: temporal, timeUnit: utcyearmonth, title: null}
  y: {field: value, type: quantitative, title: Billions of dollars}
  color: {field: series_id, type: nominal, title: null}
```
"""


def test_csv_defuses_formulas_in_labels_and_keeps_negative_numbers(tiny: TinyProject) -> None:
    tiny.brief("labelled", HEAD + LABELLED)
    tiny.build()
    text = (tiny.output / "briefs" / "labelled" / "labelled.csv").read_text("utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert {row["series_id"] for row in rows} == {"'=HYPERLINK(\"x\")", "'-cmd"}
    values = [row["value"] for row in rows]
    assert any(v.startswith("-") for v in values)  # goods deficits: negative, as they are
    assert all(float(v) == float(v.lstrip("'")) and not v.startswith("'") for v in values)
    assert all(not row["period"].startswith("'") for row in rows)


@pytest.mark.parametrize("number", ["7", "9" * 5000])
def test_a_typed_chart_slot_with_no_chart_stays_as_typed(tiny: TinyProject, number: str) -> None:
    slot = f'<div data-chart-slot="{number}"></div>'
    tiny.brief("deficit", HEAD + slot + "\n" + CHART)
    tiny.build()
    html = (tiny.output / "briefs" / "deficit" / "index.html").read_text("utf-8")
    assert slot in html
    assert html.count('id="chart-recent-balance"') == 1


EDGE_CASES = [
    '<a href="https://example.org/?a=1&amp;b=2" title="x">ok</a>',
    '<a href="java&#115;cript:alert(1)">x</a>',
    '<a href="jav\tascript:alert(1)">x</a>',
    "<p>unclosed <b", "<!-- a comment -->", "<P>upper case</P>", "<b>x</b >",
    '<a href=javascript:alert(1)>x</a>', "<a href='javascript:alert(1)'>x</a>",
    '<div data-chart-slot="x"></div>', '<p class="a" onclick="x">t</p>',
    "<td colspan=\"2\">x</td>", "<ol reversed>", "a < b and c > d",
    '<span title="\ue000">x</span>', "</p onclick=\"x\">",
]


@pytest.mark.parametrize("source", [text for text, _ in HOSTILE] + EDGE_CASES)
def test_the_quick_pass_never_lets_through_what_the_tokenizer_refuses(source: str) -> None:
    """The sanitiser tries a strict pattern before html5lib's tokenizer; on every hostile or
    odd input, that pattern either defers or agrees with the tokenizer."""
    for markup in (source, to_html(source)):
        if _plainly_allowed(markup):
            assert _problems(markup, "brief") == [], markup


def test_plain_markdown_takes_the_quick_pass() -> None:
    """Ordinary Markdown (headings, tables, footnotes, links, images) needs no tokenizer."""
    markup = to_html("## A heading\n\nText with a [link](https://example.org/?a=1&b=2), "
                     "*emphasis* and a note.[^1]\n\n| a | b |\n|--:|---|\n| 1 | 2 |\n\n"
                     "![A chart](chart.svg)\n\n[^1]: The note.\n")
    assert "<table>" in markup and 'class="footnote' in markup
    assert _plainly_allowed(markup)
