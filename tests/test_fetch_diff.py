"""What ``fetch`` prints about pages: every page by its address, generated pages row by row
and expanded against the old data and the new separately, and the sentences a reader sees
change, old -> new.

The scenario is test_fetch.py's: the tiny project holds ``trade_balance`` as of 2026-07-12
(May 2026 at -77,585, no June), and a replayed FRED serves it as of 2026-08-09 (May revised
to -77,647, June -73,261 added). The briefs and templates are written here.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import TinyProject, table_path
from replay import FredUpstream, ReplayServer, replay_server
from test_fetch import (
    BRIEF,
    MAY,
    MINUS,
    NOW,
    Sleeps,
    august,
    client,
    env_for,
    july_trade_balance,
    put_table,
)
from test_fetch import LATEST as LATEST_SENTENCE

from site_builder.build.impact import PageImpact
from site_builder.data.fetch import FetchResult, fetch
from site_builder.report import SilentReporter

# test_fetch's brief, and a month no fetch in this scenario changes
BALANCE = BRIEF + """\
The balance for January 2020 was {{ usd(balance.at("2020-01"), digits=3) }}.
"""
# One page per row: one row whose month is revised, one that follows the newest month and
# one that no fetch in this scenario changes.
MONTHS_PARAMS = """\
[[row]]
slug = "balance-may-2026"
month = "2026-05"

[[row]]
slug = "balance-latest"
month = "latest"

[[row]]
slug = "balance-january-2020"
month = "2020-01"
"""
MONTHS = """\
---
generate: {params: months}
title: "The balance, {{ row.month }}"
date: 2026-08-10
summary: One month of the trade balance.
---
{% set balance = series("trade_balance") %}
{% set figure = balance.latest() if row.month == "latest" else balance.at(row.month) %}
The balance for {{ period(figure) }} was {{ usd(figure, digits=3) }}.
"""
# Follows the newest month of the dataset: new data move it to June.
LATEST = """\
---
generate: {latest: trade_balance}
title: "The balance in {{ row.month }}"
date: 2026-08-10
summary: "The newest month of the trade balance: {{ row.month }}."
highlights:
  - label: "Balance, {{ row.month }}"
    value: usd(series("trade_balance").at(row.period), digits=3)
---
{% set balance = series("trade_balance") %}
The balance for {{ row.month }} was {{ usd(balance.at(row.period), digits=3) }}.
In the month before it was {{ usd(balance.at(row.previous), digits=3) }}.
In January 2020 it was {{ usd(balance.at("2020-01"), digits=3) }}.
"""


@pytest.fixture
def server() -> Iterator[ReplayServer]:
    with replay_server() as running:
        yield running


@pytest.fixture
def project(tmp_path: Path) -> TinyProject:
    """The tiny project with ``trade_balance`` as of July 2026, the dated August copies not
    yet in it, and no brief."""
    tiny = TinyProject(tmp_path / "project", tmp_path / "cache")
    put_table(tiny, "trade_balance", july_trade_balance(), retrieved="2026-07-12",
              vintage="FRED, copy of 2026-07-12")
    lock_path = tiny.root / "content" / "data" / "snapshot.lock.json"
    table_path("trade_balance_snapshots", lock_path.parent).unlink()
    doc = json.loads(lock_path.read_text("utf-8"))
    doc["datasets"].pop("trade_balance_snapshots")
    lock_path.write_text(json.dumps(doc, indent=2), encoding="utf-8")
    (tiny.root / "content" / "generated").mkdir()
    return tiny


def template(project: TinyProject, name: str, text: str) -> None:
    (project.root / "content" / "generated" / f"{name}.md").write_text(text, encoding="utf-8")


def fetch_august(project: TinyProject, server: ReplayServer) -> FetchResult:
    FredUpstream(august()).install(server)
    return fetch(project.project, SilentReporter(), env_for(server),
                 impact=PageImpact(project.project), only=("trade_balance",),
                 http=client(project, Sleeps()), now=NOW, dry_run=True)


def pages_part(text: str) -> str:
    """The diff from its "Briefs affected" heading on."""
    assert "Briefs affected" in text, text
    return text[text.index("Briefs affected"):]


# -- (a) generated pages by address, row by row ---------------------------------------------

def test_generated_pages_are_listed_by_address_one_per_row_that_changes(
        project: TinyProject, server: ReplayServer) -> None:
    (project.root / "content" / "data" / "params" / "months.toml").write_text(
        MONTHS_PARAMS, encoding="utf-8")
    template(project, "months", MONTHS)

    diff = fetch_august(project, server).diff

    assert pages_part(diff.text()) == "\n".join([
        "Briefs affected",
        "  /briefs/balance-may-2026/ (content/generated/months.md)",
        f'    "The balance for May 2026 was {MINUS}$77.585 billion." → '
        f'"The balance for May 2026 was {MINUS}$77.647 billion."',
        "  /briefs/balance-latest/ (content/generated/months.md)",
        f'    "The balance for May 2026 was {MINUS}$77.585 billion." → '
        f'"The balance for June 2026 was {MINUS}$73.261 billion."',
    ]) + "\n"
    # In Markdown a dollar sign is escaped: GitHub reads text between two of them as maths.
    assert pages_part(diff.markdown()) == "\n".join([
        "Briefs affected",
        "",
        "### /briefs/balance-may-2026/ (content/generated/months.md)",
        f'- "The balance for May 2026 was {MINUS}\\$77.585 billion." → '
        f'"The balance for May 2026 was {MINUS}\\$77.647 billion."',
        "",
        "### /briefs/balance-latest/ (content/generated/months.md)",
        f'- "The balance for May 2026 was {MINUS}\\$77.585 billion." → '
        f'"The balance for June 2026 was {MINUS}\\$73.261 billion."',
    ]) + "\n"


# -- (b) a page that follows the newest month moves to it -----------------------------------

def test_a_page_following_the_newest_month_lists_its_sentences_old_to_new(
        project: TinyProject, server: ReplayServer) -> None:
    template(project, "latest", LATEST)

    text = fetch_august(project, server).diff.text()

    assert pages_part(text) == "\n".join([
        "Briefs affected",
        "  /briefs/latest-release/ (content/generated/latest.md)",
        '    "The balance in May 2026" → "The balance in June 2026"',
        '    "The newest month of the trade balance: May 2026." → '
        '"The newest month of the trade balance: June 2026."',
        f'    "Balance, May 2026: {MINUS}$77.585 billion" → '
        f'"Balance, June 2026: {MINUS}$73.261 billion"',
        f'    "The balance for May 2026 was {MINUS}$77.585 billion." → '
        f'"The balance for June 2026 was {MINUS}$73.261 billion."',
        f'    "In the month before it was {MINUS}$54.570 billion." → '
        f'"In the month before it was {MINUS}$77.647 billion."',
    ]) + "\n"


def test_a_page_whose_address_follows_the_month_is_new_and_the_old_one_removed(
        project: TinyProject, server: ReplayServer) -> None:
    template(project, "monthly", LATEST.replace(
        "title:", 'slug: "balance-{{ row.period }}"\ntitle:'))

    text = fetch_august(project, server).diff.text()

    assert pages_part(text) == "\n".join([
        "Briefs affected",
        "  /briefs/balance-2026-05/ (content/generated/monthly.md)",
        "    page removed",
        "  /briefs/balance-2026-06/ (content/generated/monthly.md)",
        "    new page",
    ]) + "\n"


# -- (c) an ordinary brief, sentence by sentence --------------------------------------------

def test_a_brief_lists_each_sentence_a_revision_changes(project: TinyProject,
                                                         server: ReplayServer) -> None:
    project.brief("balance", BALANCE)

    diff = fetch_august(project, server).diff

    assert pages_part(diff.text()) == "\n".join([
        "Briefs affected",
        "  /briefs/balance/ (content/briefs/balance.md)",
        f'    "{LATEST_SENTENCE.format(MINUS + "$77.585")}" → '
        f'"{LATEST_SENTENCE.format(MINUS + "$73.261")}"',
        f'    "{MAY.format(MINUS + "$77.585")}" → "{MAY.format(MINUS + "$77.647")}"',
    ]) + "\n"
    assert pages_part(diff.markdown()).startswith(
        "Briefs affected\n\n### /briefs/balance/ (content/briefs/balance.md)\n- \"The latest")


def test_the_sentences_shown_per_page_are_capped(project: TinyProject,
                                                 server: ReplayServer) -> None:
    lines = "".join(f"Line {n}: the balance was {{{{ usd(balance.latest(), digits=3) }}}}.\n\n"
                    for n in range(1, 26))
    project.brief("many", BALANCE.split("{% set")[0]
                  + '{% set balance = series("trade_balance") %}\n' + lines)

    text = fetch_august(project, server).diff.text()

    shown = [line for line in text.splitlines() if line.startswith('    "Line ')]
    assert len(shown) == 20
    assert shown[-1] == (f'    "Line 20: the balance was {MINUS}$77.585 billion." → '
                         f'"Line 20: the balance was {MINUS}$73.261 billion."')
    assert text.endswith("    … and 5 more changed sentences\n")


def test_sentences_break_at_full_stops_and_blocks_not_at_initials_or_decimals() -> None:
    from site_builder.data.diff import sentences

    html = ('<p>Data from the U.S. Census Bureau, e.g. <a href="#s"><data value="1.5">'
            '$1.5 billion</data></a>. It narrowed &amp; then\n  rose.</p>'
            "<ul><li>the balance on goods</li><li>exports</li></ul>")
    assert sentences(html) == ["Data from the U.S. Census Bureau, e.g. $1.5 billion.",
                               "It narrowed & then rose.", "the balance on goods", "exports"]


def test_a_page_whose_claim_the_new_month_refutes_no_longer_builds(
        project: TinyProject, server: ReplayServer) -> None:
    template(project, "latest", LATEST + (
        "The deficit {{ widened(-balance.at(row.period), -balance.at(row.previous)) }}.\n"))

    text = fetch_august(project, server).diff.text()

    lines = pages_part(text).splitlines()
    assert lines[:2] == ["Briefs affected",
                         "  /briefs/latest-release/ (content/generated/latest.md)"]
    assert lines[2:] == ["    no longer builds: the data do not support 'widened': it narrowed, "
                         "from $77.6 billion to $73.3 billion (data: trade_balance, FRED, as "
                         "retrieved 2026-08-10)"]
