"""Briefs are data, not code (issue 15): nothing a brief holds can write a file, run code,
or exhaust the memory; each attempt stops the build with the file, the line and a short
message."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import TinyProject

from site_builder.errors import BuildFailed, SiteError

HEAD = "---\ntitle: A brief\ndate: 2025-01-01\nsummary: One sentence.\n---\n"
BODY_LINE = 6  # the first line after HEAD


def failure(tiny: TinyProject, text: str) -> tuple[Path, SiteError]:
    path = tiny.brief("b", text)
    with pytest.raises(BuildFailed) as caught:
        tiny.build()
    errors = caught.value.errors
    assert len(errors) == 1, errors
    error = errors[0]
    assert error.path == path, error
    assert len(error.message) < 1000, error.message[:2000]
    assert len(str(error)) < 1500
    return path, error


def bomb(levels: int = 9, indent: str = "") -> str:
    """A "billion laughs" YAML: 9 ** levels strings from a few hundred bytes."""
    lines = [f'{indent}a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for n in range(1, levels):
        lines.append(f"{indent}a{n}: &a{n} [" + ", ".join([f"*a{n - 1}"] * 9) + "]")
    return "\n".join(lines)


# -- 1. expressions reach values, not pandas, files or code ----------------------------

def test_a_series_pandas_values_cannot_write_a_file(tiny: TinyProject, tmp_path: Path) -> None:
    target = tmp_path / "written.csv"
    _, error = failure(tiny, HEAD + "Intro.\n\n"
                       f'{{{{ series("trade_balance").values.to_csv("{target}") }}}}\n')
    assert not target.exists()
    assert error.line == BODY_LINE + 2
    assert "'values' of a series is not available to briefs" in error.message
    assert ".first" in error.hint and ".what" in error.hint


@pytest.mark.parametrize(("expression", "what"), [
    ('series("trade_balance").values', "'values' of a series"),
    ('series("trade_balance").current', "'current' of a series"),
    ('series("trade_balance").__class__', "'__class__' of a series"),
    ('series("trade_balance").year(2024).sources', "'sources' of a figure"),
    ('series("trade_balance").year(2024).__dict__', "'__dict__' of a figure"),
    ("series.__self__", "'__self__' of a method"),
    ("usd.__globals__", "'__globals__' of a method"),
    ("''.__class__", "'__class__' of a string"),
    ("'{0.__class__}'.format(1)", "'format' of a string"),
    ("row.__class__", "'__class__' of a mapping"),
    ("range.__self__", "'__self__' of a function"),
    ('(series("trade_balance") | attr("values")).to_csv("x.csv")', "'values' of a series"),
    ('series("trade_balance")["values"]', "'values' of a series"),
    ('[series("trade_balance")] | map(attribute="values") | list', "'values' of a series"),
    ('(ranking("release_2024", 2024, by="measure", prefix="goods_deficit_")[0][1]).sources',
     "'sources' of a figure"),
])
def test_attributes_beyond_the_documented_ones_are_errors(tiny: TinyProject, expression: str,
                                                          what: str) -> None:
    _, error = failure(tiny, HEAD + f"{{{{ {expression} }}}}\n")
    assert error.line == BODY_LINE
    assert what in error.message and "not available to briefs" in error.message, error.message


@pytest.mark.parametrize("name", ["lipsum", "cycler", "joiner"])
def test_jinja_globals_beyond_range_dict_and_namespace_are_gone(tiny: TinyProject,
                                                                name: str) -> None:
    _, error = failure(tiny, HEAD + f"{{{{ {name}() }}}}\n")
    assert error.message.startswith("unknown name"), error.message


def test_the_documented_attributes_and_methods_still_work(tiny: TinyProject) -> None:
    tiny.brief("b", HEAD + """\
{% set s = series("trade_balance") %}
{% set f = s.year(2024) %}
{{ s.what }} / {{ s.kind }} / {{ f.what }} / {{ f.kind }} / {{ f.period }} / {{ f.value > 0 }}
From {{ period(s.first()) }}: {{ s.periods()[0] }}, {{ s.has("2024-12") }},
{{ usd(s.at("2024-12")) }} {{ usd(s.latest()) }} {{ usd(s.annual().year(2023)) }}
{{ usd(s.between("2024-01", "2024-06").total("2024-01", "2024-06")) }}
{{ usd(s.average("2024-12", 3)) }} {{ "abc".upper() }} {{ "%02d" | format(3) }}
{% set ns = namespace(seen=[]) %}{% for p in s.between("2024-01", "2024-03").periods() %}\
{% set ns.seen = ns.seen + [p] %}{% endfor %}{{ ns.seen | join(", ") }}
""")
    tiny.build()
    html = (tiny.output / "briefs" / "b" / "index.html").read_text("utf-8")
    assert "trade_balance / usd" in html
    assert "2024-01, 2024-02, 2024-03" in html
    assert "ABC" in html and " 03" in html


# -- 2. python: names a function of content/charts, never a path -----------------------

@pytest.mark.parametrize("target", ["{module}.run", "../../{stem}.run", "..{stem}.run",
                                    "{stem}/x.run", "flagship.deficit_by_vintage.x",
                                    "flagship", "[flagship.run]"])
def test_python_charts_never_import_a_path(tiny: TinyProject, tmp_path: Path,
                                           target: str) -> None:
    marker = tmp_path / "ran.txt"
    module = tmp_path / "evil.py"
    module.write_text(f"from pathlib import Path\nPath({str(marker)!r}).write_text('ran')\n"
                      "def run(scope):\n    Path('x').write_text('ran')\n", "utf-8")
    # the module, by absolute path and by a path from content/charts up to it
    depth = len((tiny.root / "content" / "charts").relative_to(tmp_path).parts)
    named = target.format(module=str(module.with_suffix("")),
                          stem="/".join([".."] * depth) + "/evil")
    _, error = failure(tiny, HEAD + "Text.\n\n```chart\ntitle: A chart\n"
                       f"python: {named}\n```\n")
    assert not marker.exists()
    assert error.line == BODY_LINE + 2
    assert "is not `module.function`" in error.message, error.message


def test_python_charts_of_content_charts_still_run(tiny: TinyProject) -> None:
    tiny.brief("b", HEAD + "Text.\n\n```chart\nid: by-vintage\ntitle: A chart\n"
               "python: flagship.deficit_by_vintage\n```\n")
    tiny.build()
    assert (tiny.output / "briefs" / "b" / "by-vintage.csv").exists()


# -- 3. limits -------------------------------------------------------------------------

def test_an_alias_bomb_in_the_front_matter_is_refused(tiny: TinyProject) -> None:
    text = HEAD.replace("summary: One sentence.\n", "summary: One sentence.\n" + bomb() + "\n")
    _, error = failure(tiny, text)
    assert error.line == 5  # the first anchor
    assert "anchors and aliases" in error.message


def test_an_alias_bomb_in_a_chart_note_is_refused(tiny: TinyProject) -> None:
    block = "```chart\ntitle: A chart\nnote:\n" + bomb(indent="  ") + "\n```\n"
    _, error = failure(tiny, HEAD + "Text.\n\n" + block)
    assert error.line == BODY_LINE + 5
    assert error.message.startswith("chart block: anchors and aliases")


def test_yaml_nested_2000_deep_is_refused(tiny: TinyProject) -> None:
    deep = "[" * 2000 + "]" * 2000
    _, error = failure(tiny, HEAD.replace("---\n", f"---\ntags: {deep}\n", 1))
    assert error.line == 2 and "nest more than 50 deep" in error.message
    _, error = failure(tiny, HEAD + f"```chart\ntitle: T\nnote: {deep}\n```\n")
    assert error.line == BODY_LINE + 2 and "nest more than 50 deep" in error.message


@pytest.mark.parametrize(("expression", "words"), [
    ("'x' * 10**10", "repeated 10,000,000,000 times"),
    ("10**10 * 'x'", "repeated 10,000,000,000 times"),
    ("[0] * 10**10", "repeated 10,000,000,000 times"),
    ("[[0] * 1000] * 1000", "repeated 1,000 times"),
    ("range(10**10) | list", "range() of more than 100,000 items"),
    ("range(10**100) | list", "range() of more than 100,000 items"),
    ("2 ** 10000000", "a number that large"),
    ("(10 ** 30000) * (10 ** 30000)", "a number that large"),
    ("'%999999999d' % 1", "a width of a thousand characters"),
    ("'%0999999999d' | format(1)", "a width of a thousand characters"),
])
def test_expressions_cannot_make_huge_values(tiny: TinyProject, expression: str,
                                             words: str) -> None:
    _, error = failure(tiny, HEAD + "Intro.\n{{ " + expression + " }}\n")
    assert error.line == BODY_LINE + 1
    assert words in error.message, error.message


def test_doubling_a_string_with_tilde_or_plus_stops(tiny: TinyProject) -> None:
    for op in ("~", "+"):
        steps = "".join(f"{{% set a = a {op} a %}}\n" for _ in range(40))
        _, error = failure(tiny, HEAD + "{% set a = 'x' * 1000 %}\n" + steps)
        assert BODY_LINE + 1 <= error.line <= BODY_LINE + 40
        assert "limit is 100,000" in error.message, error.message


def test_a_list_nested_2000_deep_in_an_expression_is_refused(tiny: TinyProject) -> None:
    _, error = failure(tiny, HEAD + "Intro.\n{{ " + "[" * 2000 + "]" * 2000 + " }}\n")
    assert error.line == BODY_LINE + 1
    assert "brackets nest more than 50 deep" in error.message


def test_rendered_output_loops_and_recursion_are_capped(tiny: TinyProject) -> None:
    _, error = failure(tiny, HEAD + "{% for i in range(100) %}{{ 'x' * 100000 }}{% endfor %}\n")
    assert "more than 2,000,000 characters" in error.message and error.line == BODY_LINE
    _, error = failure(tiny, HEAD + "Intro.\n{% for i in range(100000) %}"
                       "{% for j in range(100000) %}{% endfor %}{% endfor %}\n")
    assert "loops run more than 100,000 times" in error.message
    assert error.line == BODY_LINE + 1
    _, error = failure(tiny, HEAD + "{% macro f(n) %}{{ f(n) }}{% endmacro %}{{ f(1) }}\n")
    assert "nests too deeply" in error.message


@pytest.mark.parametrize("filter_call", ["center(10**9)", "indent(10**9)", "wordwrap(5)",
                                         "replace('x', 'y')", "pprint", "tojson"])
def test_filters_that_can_grow_a_value_are_not_available(tiny: TinyProject,
                                                         filter_call: str) -> None:
    _, error = failure(tiny, HEAD + "{{ 'x' | " + filter_call + " }}\n")
    assert "No filter named" in error.message and error.line == BODY_LINE


def test_errors_quote_at_most_a_few_hundred_characters_of_a_value(tiny: TinyProject) -> None:
    long = "9" * 200_000
    _, error = failure(tiny, HEAD.replace("2025-01-01", f'"{long}"'))
    assert error.line == 3 and "is not a date" in error.message
    _, error = failure(tiny, HEAD + f'{{{{ day("{long}") }}}}\n')
    assert error.line == BODY_LINE and "day() needs a date" in error.message


def test_readme_figures_lists_every_attribute_briefs_may_use() -> None:
    from conftest import REPO

    from site_builder.evaluate.figures import Figure, Series
    from site_builder.evaluate.sandbox import ALLOWED

    readme = (REPO / "README.md").read_text("utf-8")
    figures = readme.split("### Figures\n", 1)[1].split("### Claims\n", 1)[0]
    missing = [name for name in sorted(ALLOWED[Series] | ALLOWED[Figure])
               if f"`.{name}" not in figures]
    assert not missing, f"README, 'Figures', does not list: {missing}"
