"""``feed`` and ``sitemap``: both files valid against their schemas, linking only to pages that
were built."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from lxml import etree

from site_builder.check.built_site import BuiltSite
from site_builder.check.problem import Problem

SCHEMAS = Path(__file__).parent / "schemas"
ATOM_NS = "{http://www.w3.org/2005/Atom}"
SITEMAP_NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


@cache
def _schema(name: str) -> etree.RelaxNG | etree.XMLSchema:
    tree = etree.parse(str(SCHEMAS / name))
    return etree.RelaxNG(tree) if name.endswith(".rng") else etree.XMLSchema(tree)


def _validate(site: BuiltSite, name: str, kind: str, schema: str
              ) -> tuple[etree._ElementTree | None, list[Problem]]:
    """Parse ``name`` in the output and validate it; (tree or None, problems)."""
    path = site.output / name
    hint = f"Fix templates/{name}; site_builder/schemas/{schema} says what is allowed."
    try:
        tree = etree.parse(str(path))
    except OSError:
        return None, [Problem(kind, name, None, f"{name} is missing", hint)]
    except etree.XMLSyntaxError as exc:
        return None, [Problem(kind, name, exc.lineno, f"not well-formed XML: {exc.msg}", hint)]
    validator = _schema(schema)
    if validator.validate(tree):
        return tree, []
    problems = []
    for error in validator.error_log:
        message = error.message.replace(SITEMAP_NS, "").replace(ATOM_NS, "")
        problems.append(Problem(kind, name, error.line or None, f"invalid: {message}", hint))
    return tree, list(dict.fromkeys(problems))


def check_feed(site: BuiltSite) -> list[Problem]:
    """feed.xml is valid Atom and its links lead to built pages."""
    tree, problems = _validate(site, "feed.xml", "feed", "atom.rng")
    if tree is None:
        return problems
    root = tree.getroot()
    entries = root.findall(f"{ATOM_NS}entry")
    if root.find(f"{ATOM_NS}author") is None and any(
            e.find(f"{ATOM_NS}author") is None for e in entries):
        problems.append(Problem("feed", "feed.xml", root.sourceline,
                                "the feed has no author, and not every entry has one",
                                "RFC 4287, 4.1.1: give the feed an <author>."))
    for entry in entries:
        if entry.find(f"{ATOM_NS}content") is None and not any(
                link.get("rel", "alternate") == "alternate"
                for link in entry.findall(f"{ATOM_NS}link")):
            problems.append(Problem("feed", "feed.xml", entry.sourceline,
                                    "an entry without content has no alternate link",
                                    "RFC 4287, 4.1.2: link each entry to its page."))
    for link in root.iter(f"{ATOM_NS}link"):
        href = link.get("href", "")
        if href.startswith(site.base_url) and site.file_for(site.site_path("", href)[0]) is None:
            problems.append(Problem("feed", "feed.xml", link.sourceline,
                                    f"the feed links to {href}, which is not built",
                                    "Fix templates/feed.xml."))
    return problems


def check_sitemap(site: BuiltSite) -> list[Problem]:
    """sitemap.xml follows the protocol and lists only pages that were built."""
    tree, problems = _validate(site, "sitemap.xml", "sitemap", "sitemap.xsd")
    for loc in tree.iter(f"{SITEMAP_NS}loc") if tree is not None else ():
        url = (loc.text or "").strip()
        if not url.startswith(site.base_url):
            problems.append(Problem("sitemap", "sitemap.xml", loc.sourceline,
                                    f"{url} is not on this site ({site.base_url})",
                                    "List only the site's own pages."))
        elif site.file_for(site.site_path("", url)[0]) is None:
            problems.append(Problem("sitemap", "sitemap.xml", loc.sourceline,
                                    f"{url} is in the sitemap but no page was built for it",
                                    "Fix site_builder/render/feeds.py or the page's template."))
    return problems
