"""README's authoring guide is executable: every example runs, and shows what README says."""

from __future__ import annotations

import re
import tomllib
from html import unescape
from pathlib import Path

import pytest

from site_builder.data.snapshot import Snapshot
from site_builder.evaluate.expressions import expression_environment, run_expressions
from site_builder.evaluate.scope import PageScope

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
LOCK = Path(__file__).resolve().parents[1] / "content" / "data" / "snapshot.lock.json"
# Examples run as on the shipped partner template's first page (China), for rank().
_PEERS = tomllib.loads((LOCK.parent / "params" / "partners.toml").read_text("utf-8"))["row"]
ROW = {**_PEERS[0], "peers": _PEERS}

# The names README's examples take as already set, defined as a writer would.
PRELUDE = """\
{% set s = series("trade_balance") %}
{% set balance = series("trade_balance") %}
{% set deficit = -balance.annual() %}
{% set exports = series("exports") %}
{% set china = series("partner_goods", partner="China", flow="imports") %}
{% set world = series("partner_goods", partner="World (all countries)", flow="imports") %}
{% set goods_24 = value("release_2024", 2024, measure="goods_deficit") %}
{% set goods_22 = value("release_2024", 2022, measure="goods_deficit") %}
{% set top = ranking("release_2024", 2024, by="measure", prefix="goods_deficit_") %}
"""


def table(heading: str) -> list[list[str]]:
    """The rows of the first Markdown table after ``heading``, split into cells."""
    section = README.split(heading, 1)[1]
    block: list[str] = []
    for line in section.splitlines()[1:]:
        if line.startswith("|"):
            block.append(line)
        elif block:
            break
    assert block, heading
    return [[c.strip() for c in line.strip("|").split(" | ")] for line in block[2:]]


def code(cell: str) -> str:
    match = re.search(r"`(.+)`", cell)
    assert match, cell
    return match.group(1)


def run(snippet: str) -> str:
    scope = PageScope(Snapshot(LOCK), row=ROW)
    html = run_expressions(PRELUDE + snippet, scope.helpers(), expression_environment(),
                           Path("README.md"), 1)
    text = re.sub(r"<[^>]+>", "", scope.citations.fill_figures(html))
    return unescape(text).strip()


@pytest.mark.parametrize("row", table("### Figures\n"), ids=lambda r: r[0])
def test_every_figure_helper_example_evaluates(row: list[str]) -> None:
    example = code(row[1])
    assert run("{% set result = " + example + " %}ok") == "ok"


@pytest.mark.parametrize("row", table("Format a figure to show it"), ids=lambda r: r[0])
def test_every_format_example_shows_what_readme_says(row: list[str]) -> None:
    example = code(row[1].split(" or ")[0])
    assert run(example) == row[2].replace("−", "\u2212")


@pytest.mark.parametrize("row", table("### Claims\n"), ids=lambda r: r[0])
def test_every_claim_example_holds_on_the_snapshot(row: list[str]) -> None:
    shown = run(code(row[1]))
    assert shown, row
    quoted = re.findall(r'"([^"]+)"', row[2])
    if not quoted:  # e.g. leads(): the name it was given
        assert shown == "China"
    elif "computed" in row[2]:
        assert shown in quoted or shown.startswith("the largest since")
    else:
        assert shown in quoted


def test_every_helper_is_documented() -> None:
    names = PageScope(Snapshot(LOCK)).helpers()
    missing = [n for n in names if not any(f"`{n}{end}" in README for end in "(.`")]
    assert not missing, f"helpers missing from README: {missing}"


def test_every_front_matter_key_is_documented() -> None:
    from site_builder.content.document import FrontMatter

    documented = {code(row[0]) for row in table("### Front matter")}
    assert documented == set(FrontMatter.model_fields)
