"""Grow a copy of the project by N generated briefs, so that tests can prove they hold for any
content: a newsroom adds briefs every week, newer ones among them.

Each brief is plain Markdown with valid front matter (title, date, summary, tags, authors) and
a body of paragraphs, a heading, a list and a table, with no figure or claim word typed in it
(``check`` would report those). Brief ``i`` is made from its own seed, so the first N of a
larger set are the same files. The first few are dated after the newest written brief, so they
push shipped briefs off the front page and out of the feed; the rest reach back over years, so
the archive and the topic pages grow too.

    python tests/extra_briefs.py --n 30 --into /tmp/grown     # a copy of the project, grown
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import shutil
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
SEED = 18_2026
NEWER = 5  # briefs dated after the newest written brief
STEP_BACK = dt.timedelta(days=37)  # between the older ones: 30 briefs span about 2.5 years

SUBJECTS = ["Port congestion", "Customs paperwork", "Freight rates", "Tariff schedules",
            "Container shipping", "Export licensing", "Trade finance", "Rules of origin",
            "Border crossings", "Air cargo", "Supply contracts", "Warehouse capacity"]
PLACES = ["the Gulf Coast", "the Pacific Northwest", "the Great Lakes", "New England",
          "the Rio Grande Valley", "the Mid-Atlantic", "the Mountain West", "the Southeast"]
ANGLES = ["what changed", "what to watch", "a field note", "questions for importers",
          "the view from the docks", "how firms adapt"]
# Tags the shipped briefs use, so their topic pages grow, and tags of their own.
TAGS = ["imports", "exports", "trade balance", "logistics", "tariffs", "shipping",
        "customs", "freight", "small business", "regional trade"]
NOUNS = ["shippers", "brokers", "carriers", "importers", "exporters", "ports", "rail yards",
         "inspectors", "buyers", "forwarders", "growers", "manufacturers"]
VERBS = ["report longer waits", "plan further ahead", "change suppliers", "hold more stock",
         "renegotiate contracts", "add night shifts", "move cargo inland", "file earlier",
         "share trucks", "watch the calendar", "hire more staff", "delay orders"]
LINKS = ["https://www.census.gov/foreign-trade/", "https://www.bea.gov/data/intl-trade-investment",
         "https://www.cbp.gov/trade"]


def newest_written(briefs: Path) -> dt.date:
    """The newest ``date`` among the written briefs in ``briefs`` (today if there is none)."""
    dates = []
    for path in briefs.glob("*.md"):
        block = path.read_text("utf-8").split("\n---\n", 1)[0].removeprefix("---\n")
        meta = yaml.safe_load(block)
        if isinstance(meta, dict) and isinstance(meta.get("date"), dt.date):
            dates.append(meta["date"])
    return max(dates, default=dt.date.today())


def sentence(r: random.Random) -> str:
    return (f"In {r.choice(PLACES)}, {r.choice(NOUNS)} {r.choice(VERBS)} while "
            f"{r.choice(NOUNS)} {r.choice(VERBS)}.")


def paragraph(r: random.Random) -> str:
    return " ".join(sentence(r) for _ in range(r.randint(2, 4)))


def brief_text(i: int, date: dt.date) -> str:
    """The whole file of generated brief ``i`` (1-based), dated ``date``."""
    r = random.Random(SEED * 1_000_003 + i)
    subject, place = r.choice(SUBJECTS), r.choice(PLACES)
    title = f"{subject} in {place}: {r.choice(ANGLES)} (note {i})"
    tags = r.sample(TAGS, r.randint(1, 3))
    summary = (f"{subject} as {r.choice(NOUNS)} in {place} describe it, in words rather "
               "than numbers.")
    front = {"title": title, "date": date, "summary": summary, "tags": tags,
             "authors": ["Generated Desk"]}
    rows = "\n".join(f"| {r.choice(NOUNS).capitalize()} | {r.choice(VERBS)} |"
                     for _ in range(3))
    items = "\n".join(f"- {r.choice(NOUNS).capitalize()} {r.choice(VERBS)}." for _ in range(3))
    body = "\n\n".join([
        paragraph(r),
        f"## {r.choice(ANGLES).capitalize()}",
        paragraph(r) + f" See [the agency's page]({r.choice(LINKS)}).",
        items,
        "| Who | What they do |\n|---|---|\n" + rows,
        paragraph(r),
    ])
    matter = yaml.safe_dump(front, sort_keys=False, allow_unicode=True, width=1000)
    return f"---\n{matter}---\n{body}\n"


def write_extra_briefs(briefs: Path, n: int) -> list[Path]:
    """Write ``n`` generated briefs into the folder ``briefs``, beside those there; their paths."""
    newest = newest_written(briefs)
    written = []
    for i in range(1, n + 1):
        date = newest + dt.timedelta(days=i) if i <= NEWER else newest - STEP_BACK * (i - NEWER)
        path = briefs / f"generated-note-{i:03d}.md"
        path.write_text(brief_text(i, date), encoding="utf-8")
        written.append(path)
    return written


def grown_copy(root: Path, n: int, source: Path = REPO) -> Path:
    """A copy of the project at ``source`` (templates and content) in ``root``, with ``n``
    generated briefs added to its content; returns ``root``."""
    shutil.copytree(source / "templates", root / "templates")
    shutil.copytree(source / "content", root / "content")
    write_extra_briefs(root / "content" / "briefs", n)
    return root


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=30, help="how many briefs to add")
    parser.add_argument("--into", type=Path, required=True, help="a new folder for the copy")
    args = parser.parse_args()
    grown_copy(args.into, args.n)
    print(f"{args.into}: the project's content with {args.n} generated briefs")


if __name__ == "__main__":
    main()
