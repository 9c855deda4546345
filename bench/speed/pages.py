"""What each generated brief says: the same words for our build and for every peer.

Brief ``number`` comes from its own seeded generator, so it is the same at every corpus size.
With charts, our copy also has a paragraph of figures and three chart blocks over the real
datasets, each with its own range, so that every chart is unique, as on a real site.
"""

from __future__ import annotations

import random
import textwrap
from dataclasses import dataclass
from typing import TypeVar

READER_EVERY = 10  # with charts: every 10th charted brief reads `exports` (figure + chart)

_VOCABULARY = """trade deficit surplus exports imports goods services balance tariff partner
quarter annual monthly revision estimate release bureau census survey demand supply
shipment container port freight vessel manufacturing agriculture energy petroleum soybean
aircraft vehicle semiconductor pharmaceutical machinery equipment consumer industrial capital
dollar exchange rate currency inflation growth output payments account investment income
season adjustment factor series vintage index price volume value share market country
region border customs duty quota agreement negotiation policy measure data figure level
trend rise fall gain decline increase decrease record peak trough gap widening narrowing
steady firm weak strong modest sharp broad narrow early late recent previous following
analysts economists officials producers importers exporters buyers sellers firms households
because while although after before during since until despite amid across among within
the a an of in on to for from with by at as and or but that this these those its their"""
WORDS = _VOCABULARY.split()
TAGS = ["deficit", "exports", "imports", "services", "goods", "china", "mexico", "canada",
        "revisions", "tariffs", "energy", "autos"]
HEADINGS = ["What changed", "Behind the numbers", "The longer view", "What to watch",
            "Partners and products", "Revisions and vintages"]
LINK = "See the *latest* [release](https://www.census.gov/foreign-trade/)."


def _sentence(rng: random.Random, low: int = 8, high: int = 20) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(low, high))]
    return words[0].capitalize() + " " + " ".join(words[1:]) + "."


def _paragraph(rng: random.Random) -> str:
    return textwrap.fill(" ".join(_sentence(rng) for _ in range(rng.randint(4, 6))), 92)


def _table(rng: random.Random) -> str:
    first = rng.randint(2005, 2019)
    rows = ["| Year | Exports | Imports | Balance |", "|---|---:|---:|---:|"]
    for year in range(first, first + rng.randint(4, 6)):
        exports, imports = rng.uniform(1500, 3200), rng.uniform(2000, 4100)
        rows.append(f"| {year} | {exports:,.1f} | {imports:,.1f} | {exports - imports:,.1f} |")
    return "\n".join(rows)


@dataclass(frozen=True)
class Brief:
    """One generated brief: the same words for every generator."""

    number: int
    slug: str
    title: str
    date: str
    summary: str
    tags: tuple[str, ...]
    paragraphs: tuple[str, ...]
    heading: str
    table: str

    def body(self) -> str:
        """The Markdown every generator gets: prose, a heading, a table, a link."""
        p = self.paragraphs
        return (f"{p[0]}\n\n{p[1]}\n\n## {self.heading}\n\n{p[2]}\n\n{self.table}\n\n"
                f"{p[3]} {LINK}\n")


def make_brief(number: int, seed: int) -> Brief:
    """Brief ``number`` is the same whatever the corpus size (its own seeded generator)."""
    rng = random.Random(f"{seed}-{number}")
    title = " ".join(rng.choice(WORDS) for _ in range(rng.randint(5, 9))).capitalize()
    date = f"{rng.randint(2010, 2025)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
    return Brief(
        number=number, slug=f"brief-{number:05d}", title=f"{title} ({number})", date=date,
        summary=_sentence(rng, 14, 24), tags=tuple(sorted(rng.sample(TAGS, rng.randint(1, 3)))),
        paragraphs=tuple(_paragraph(rng) for _ in range(4)), heading=rng.choice(HEADINGS),
        table=_table(rng))


# -- chart blocks ----------------------------------------------------------------------------

def _combos(first: int, last: int, gap: int) -> list[tuple[int, int]]:
    """(since, until) index pairs at least ``gap`` apart: the variety that makes charts unique."""
    return [(a, b) for a in range(first, last + 1) for b in range(a + gap, last + 1)]


ANNUAL = _combos(1992, 2025, 5)  # trade_balance: complete years 1992-2025
MONTHS = [f"{y}-{m:02d}" for y in range(2020, 2026) for m in range(1, 13)]  # bop_monthly
MONTHLY = _combos(0, len(MONTHS) - 1, 12)
READER_SINCE = list(range(1992, 2021))  # `exports` charts start here and run to the end
_T = TypeVar("_T")


def _pick(index: int, options: list[_T]) -> tuple[_T, str]:
    """The ``index``-th option; past the end, the options again with a taller chart."""
    turn, item = divmod(index, len(options))
    return options[item], (f"height: {300 + turn}\n" if turn else "")


def _monthly_chart(chart_id: str, title: str, series: dict[str, str], index: int) -> str:
    """A line per series of `bop_monthly` over a range of months picked by ``index``."""
    (a, b), taller = _pick(index, MONTHLY)
    ids = ", ".join(series)
    labels = ", ".join(f"{key}: {label}" for key, label in series.items())
    return (f"```chart\nid: {chart_id}\ntitle: {title}, {MONTHS[a]} to {MONTHS[b]}\n"
            f"data: bop_monthly\nwhere: {{series_id: [{ids}]}}\n"
            f"labels: {{series_id: {{{labels}}}}}\n"
            f"since: \"{MONTHS[a]}\"\nuntil: \"{MONTHS[b]}\"\nmark: line\n{taller}"
            "encoding:\n"
            "  x: {field: period, type: temporal, timeUnit: utcyearmonth, title: null}\n"
            "  y: {field: value, type: quantitative, title: Billions of dollars}\n"
            "  color: {field: series_id, type: nominal, title: null}\n```")


def _charts(brief: Brief, reader: bool) -> tuple[str, list[str]]:
    """Figures for the prose and three chart blocks over the real datasets."""
    n = brief.number
    year = 1995 + n % 29
    figures = (f"Imports came to {{{{ usd(series(\"imports\").year({year})) }}}} in {year}, "
               f"and the balance was {{{{ signed(series(\"trade_balance\").year({year})) }}}}.")
    if reader:
        figures += (f" Exports {{{{ direction(series(\"exports\").year({year + 1}), "
                    f"series(\"exports\").year({year})) }}}} to "
                    f"{{{{ usd(series(\"exports\").year({year + 1})) }}}} the year after.")
    (since, until), taller = _pick(n, ANNUAL)
    balance = (f"```chart\nid: annual-balance\ntitle: US trade balance, {since} to {until}\n"
               f"data: trade_balance\nannual: true\nsince: \"{since}\"\nuntil: \"{until}\"\n"
               f"mark: bar\n{taller}encoding:\n"
               "  x: {field: period, type: temporal, timeUnit: utcyear, title: null}\n"
               "  y: {field: value, type: quantitative, title: Billions of dollars}\n```")
    if reader:
        start, taller = _pick(n // READER_EVERY, READER_SINCE)
        flows = (f"```chart\nid: exports-imports\ntitle: US exports and imports since {start}\n"
                 f"data: [exports, imports]\nannual: true\nsince: \"{start}\"\n"
                 "labels: {dataset: {exports: Exports, imports: Imports}}\n"
                 f"mark: line\n{taller}encoding:\n"
                 "  x: {field: period, type: temporal, timeUnit: utcyear, title: null}\n"
                 "  y: {field: value, type: quantitative, title: Billions of dollars}\n"
                 "  color: {field: dataset, type: nominal, title: null}\n```")
    else:
        flows = _monthly_chart("exports-imports", "US monthly exports and imports",
                               {"BOPTEXP": "Exports", "BOPTIMP": "Imports"}, n)
    balances = _monthly_chart("monthly-balances", "US monthly balances on goods and services",
                              {"BOPGTB": "Goods", "BOPSTB": "Services"}, n)
    return figures, [balance, flows, balances]


# -- each generator's file -------------------------------------------------------------------

def _yaml_list(items: tuple[str, ...]) -> str:
    return "[" + ", ".join(items) + "]"


def ours_text(brief: Brief, charts: bool, reader: bool) -> str:
    """Our brief: front matter, then the body, or with ``charts`` figures and chart blocks."""
    head = (f"---\ntitle: {brief.title}\ndate: {brief.date}\nsummary: {brief.summary}\n"
            f"tags: {_yaml_list(brief.tags)}\ndraft: false\n---\n")
    if not charts:
        return head + brief.body()
    figures, blocks = _charts(brief, reader)
    p = brief.paragraphs
    return (f"{head}{p[0]}\n\n{figures}\n\n{blocks[0]}\n\n{p[1]}\n\n## {brief.heading}\n\n"
            f"{blocks[1]}\n\n{p[2]}\n\n{brief.table}\n\n{blocks[2]}\n\n{p[3]} {LINK}\n")


def hugo_text(brief: Brief) -> str:
    tags = ", ".join(f'"{t}"' for t in brief.tags)
    return (f'+++\ntitle = "{brief.title}"\ndate = {brief.date}\nsummary = "{brief.summary}"\n'
            f"tags = [{tags}]\ndraft = false\n+++\n{brief.body()}")


def pelican_text(brief: Brief) -> str:
    return (f"Title: {brief.title}\nDate: {brief.date}\nSlug: {brief.slug}\n"
            f"Tags: {', '.join(brief.tags)}\nSummary: {brief.summary}\nStatus: published\n\n"
            f"{brief.body()}")


def mkdocs_text(brief: Brief) -> str:
    return (f"---\ntitle: {brief.title}\ndate: {brief.date}\nsummary: {brief.summary}\n"
            f"tags: {_yaml_list(brief.tags)}\n---\n# {brief.title}\n\n{brief.body()}")
