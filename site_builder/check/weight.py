"""``weight``: each brief fits the page-weight budget, and no script blocks rendering."""

from __future__ import annotations

import gzip

from site_builder.check.built_site import BuiltSite
from site_builder.check.problem import Problem

WEIGHT_BUDGET = 150 * 1024  # bytes: a brief's HTML plus the stylesheet, both gzipped


def check_weight(site: BuiltSite, budget: int = WEIGHT_BUDGET) -> list[Problem]:
    """Each brief with the stylesheet fits the budget gzipped; no script blocks rendering."""
    problems = []
    css_file = site.output / "assets" / "site.css"
    css = len(gzip.compress(css_file.read_bytes())) if css_file.exists() else 0
    for page in site.pages:
        if page.path.startswith(("briefs/", "partners/")):
            html = page.gzipped
            if html + css > budget:
                problems.append(Problem(
                    "weight", page.path, None,
                    f"{(html + css) / 1024:.1f} KB gzipped (HTML {html / 1024:.1f} KB, "
                    f"site.css {css / 1024:.1f} KB), over the budget of {budget / 1024:.0f} KB",
                    "Move long tables into CSV downloads, or split the brief."))
        for element in page.checked:
            attrs = element.attrs
            if (element.tag == "script" and element.in_head and "src" in attrs
                    and not {"defer", "async"} & set(attrs) and attrs.get("type") != "module"):
                problems.append(Problem("weight", page.path, element.line,
                                        f"render-blocking script {attrs['src']}",
                                        "Add defer (or async) to the <script>."))
    return problems
