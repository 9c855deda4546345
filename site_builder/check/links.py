"""``link``: every internal link leads to a built file, and every #fragment to an id there."""

from __future__ import annotations

from urllib.parse import unquote

from site_builder.build.search import ENTRY
from site_builder.check.built_site import LINK_ATTRS, BuiltSite
from site_builder.check.problem import Problem


def check_links(site: BuiltSite) -> list[Problem]:
    """Every internal href and src leads to a file, and every #fragment to an id there."""
    problems = []
    for page in site.pages:
        for element in page.checked:
            attrs = element.attrs
            for attr in LINK_ATTRS:
                url = attrs[attr].strip() if attr in attrs else ""
                if url and site.internal(url):
                    problem = _broken(site, page.path, url)
                    if problem:
                        problems.append(Problem("link", page.path, element.line, problem,
                                                "Fix the link in the brief or template."))
            parts = attrs["data-parts"].split() if "data-parts" in attrs else ()  # search page
            for part in parts:
                if site.file_for(part + ENTRY) is None:
                    problems.append(Problem(
                        "link", page.path, element.line, f"search index part {part} is missing",
                        "Build again with `python -m site_builder build`, which indexes it."))
    return problems


def _broken(site: BuiltSite, page: str, url: str) -> str | None:
    path, fragment = site.site_path(page, url)
    target = site.file_for(path)
    if target is None:
        return f"broken link {url} (no such page)"
    if fragment in ("", "top") or not target.endswith(".html"):
        return None
    if unquote(fragment) not in site.page(target).ids:
        return f"broken anchor {url} (no id {unquote(fragment)!r} on {target})"
    return None
