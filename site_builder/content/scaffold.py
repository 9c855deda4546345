"""``new``: a brief to start from, with front matter, one figure and one chart that build."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from site_builder.atomic import write_file
from site_builder.content.entries import slugify
from site_builder.errors import SiteError
from site_builder.project import Project

TEMPLATE = """\
---
title: {title}
date: {date}
summary: One or two sentences for the index and for search results. Keep figures out of it.
tags: []
draft: true
headline:
  label: trade balance, latest month
  value: usd(series("trade_balance").latest())
---
{{% set balance = series("trade_balance") %}}
Write the brief here. Every number is an expression: in {{{{ period(balance.latest()) }}}} the
US trade balance in goods and services was {{{{ usd(balance.latest()) }}}}, and it
{{{{ direction(balance.latest(), balance.at("2024-12")) }}}} since December 2024.

```chart
id: balance-by-year
title: US trade balance in goods and services by year
data: trade_balance
annual: true
since: "2000"
mark: bar
encoding:
  x: {{field: period, type: temporal, timeUnit: utcyear, title: null}}
  y: {{field: value, type: quantitative, title: Billions of dollars}}
```

## Sources and methodology

Say where the figures come from and how they were computed; the Sources list below is
made for you from the data the brief uses.
"""


def new_brief(project: Project, title: str, today: dt.date) -> Path:
    """Write ``content/briefs/SLUG.md`` for ``title``; refuses to overwrite a brief."""
    if not title.strip():
        raise SiteError("a new brief needs a title", hint='Run: site_builder new "Title"')
    path = project.briefs / f"{slugify(title)}.md"
    if path.exists():
        raise SiteError("a brief with this name exists already", path,
                        hint="Choose another title, or edit that brief.")
    quoted = title.replace('"', '\\"')
    write_file(path, TEMPLATE.format(title=f'"{quoted}"', date=today.isoformat()).encode())
    return path
