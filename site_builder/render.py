"""Site templates: pages, index and assets -> the files of the site, as bytes by path."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, TemplateError
from markupsafe import Markup

from site_builder.charts import Chart, accessible_svg
from site_builder.config import SiteConfig
from site_builder.errors import SiteError
from site_builder.pages import Page


@dataclass(frozen=True)
class Site:
    """Everything loaded and evaluated: the input of the render stage."""

    config: SiteConfig
    briefs: tuple[Page, ...]  # newest first
    pages: tuple[Page, ...]


def template_environment(templates: Path) -> Environment:
    env = Environment(loader=FileSystemLoader(templates), autoescape=True,
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                      keep_trailing_newline=True)
    env.filters["cell"] = _cell
    return env


def _cell(value: object) -> str:
    """A table cell: numbers in full (as plotted), grouped by thousands."""
    if isinstance(value, float):
        return format(value, ",.6f").rstrip("0").rstrip(".").replace("-", "\u2212")
    return str(value)


def _chart_html(env: Environment, chart: Chart, svg: str, page: Page) -> str:
    dom_id = f"chart-{chart.id}"
    return env.get_template("chart.html").render(
        chart=chart, dom_id=dom_id, svg=Markup(accessible_svg(svg, chart, dom_id)), page=page)


def render_site(site: Site, templates: Path, svgs: dict[str, str]) -> dict[str, bytes]:
    """Render every page and its chart files; returns output-relative path -> content.

    ``svgs`` maps each chart's key to its rendered SVG (see :func:`render_charts`).
    """
    env = template_environment(templates)
    files: dict[str, bytes] = {}
    try:
        for page in (*site.briefs, *site.pages):
            body = page.body_html
            for number, chart in enumerate(page.charts):
                html = _chart_html(env, chart, svgs[chart.key], page)
                body = body.replace(f'<div data-chart-slot="{number}"></div>', html)
                base = page.output_path.rsplit("/", 1)[0]
                files[f"{base}/{chart.id}.csv"] = chart.csv().encode()
                files[f"{base}/{chart.id}.vl.json"] = json.dumps(
                    chart.spec, separators=(",", ":")).encode()
            template = "brief.html" if page.is_brief else "page.html"
            html = env.get_template(template).render(site=site.config, page=page,
                                                     body=Markup(body))
            files[page.output_path] = html.encode()
        files["index.html"] = env.get_template("index.html").render(
            site=site.config, briefs=site.briefs).encode()
        files["404.html"] = env.get_template("404.html").render(site=site.config).encode()
    except TemplateError as exc:
        name = getattr(exc, "filename", None) or getattr(exc, "name", None)
        raise SiteError(f"template error: {exc}", Path(name) if name else templates,
                        getattr(exc, "lineno", None),
                        hint="Fix the template; it is shared by every page.") from exc
    for asset in sorted((templates / "assets").iterdir()):
        files[f"assets/{asset.name}"] = asset.read_bytes()
    return files
