"""``draft``: a brief marked ``draft: true`` left no trace in the built site."""

from __future__ import annotations

from html import escape

from site_builder.check.built_site import BuiltSite, source_briefs
from site_builder.check.problem import Problem
from site_builder.content.document import FrontMatter


def check_drafts(site: BuiltSite) -> list[Problem]:
    """A brief marked ``draft: true`` has no page, feed entry, sitemap entry or index card."""
    problems = []
    hint = "Rebuild without --drafts, into an empty output folder."
    for doc in source_briefs(site.project):
        if not (isinstance(doc.meta, FrontMatter) and doc.meta.draft):
            continue
        url, title = doc.url, doc.meta.title
        if (site.output / url.strip("/")).exists():
            problems.append(Problem("draft", url.strip("/") + "/index.html", None,
                                    f"the draft {title!r} is published", hint))
        for name in ("feed.xml", "sitemap.xml"):
            text = (site.output / name).read_text("utf-8") if (site.output / name).exists() \
                else ""
            for number, line in enumerate(text.splitlines(), start=1):
                if site.base_url + url.lstrip("/") in line:
                    problems.append(Problem("draft", name, number,
                                            f"{name} lists the draft {title!r}", hint))
        for page in site.pages:
            for element in page.checked:
                if element.attrs.get("href") in (url, site.base_url + url.lstrip("/")) \
                        and not page.path.startswith(url.strip("/")):
                    problems.append(Problem("draft", page.path, element.line,
                                            f"links to the draft {title!r}", hint))
        if (site.output / "index.html").exists():
            lines = site.page("index.html").text.splitlines()
            for number, line in enumerate(lines, start=1):
                if title in line or escape(title) in line:
                    problems.append(Problem("draft", "index.html", number,
                                            f"shows the draft's title {title!r}", hint))
    return problems
