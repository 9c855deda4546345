"""``unsafe``: markup in the built pages that runs code and is not the site's own."""

from __future__ import annotations

from site_builder.check.built_site import URL_ATTRS, BuiltSite, Element, HtmlPage
from site_builder.check.problem import Problem
from site_builder.content import sanitise

#: Where the site's own scripts are served from; a <script src> elsewhere is not the site's.
OWN_SCRIPTS = ("/assets/", "/pagefind/")
HINT = ("Remove it: the site runs only its own scripts. If a template added it, fix the "
        "template; a brief's raw HTML is held to the allowlist in README, 'Text'.")
#: URL schemes that run code when followed.
SCRIPT_SCHEMES = frozenset({"javascript", "vbscript"})


def check_unsafe(site: BuiltSite) -> list[Problem]:
    """Markup that runs code and is not the site's own: a <script> other than the site's
    (``src`` under /assets/ or /pagefind/, or JSON-LD data), any ``on...=`` event handler,
    and any ``javascript:`` URL, also inside the page an iframe's ``srcdoc=`` holds. The
    build keeps these out of briefs (content.sanitise); this finds them however they got
    into output/, e.g. a template or a hand edit."""
    return [Problem("unsafe", page.path, element.line, message, HINT)
            for page in site.pages for element in page.checked
            for message in _unsafe(site, element)]


def _unsafe(site: BuiltSite, element: Element) -> list[str]:
    """What in ``element`` runs code that is not the site's own."""
    attrs = element.attrs
    found = []
    if element.tag == "script" and not _own_script(site, attrs):
        what = f"src={attrs['src']!r}" if "src" in attrs else "inline"
        found.append(f"a <script> that is not the site's own ({what})")
    for name, value in attrs.items():
        if name.startswith("on"):
            found.append(f"an event handler {name}= on <{element.tag}>")
        elif name in URL_ATTRS and sanitise.url_scheme(value) in SCRIPT_SCHEMES:
            found.append(f"a {sanitise.url_scheme(value)}: URL in {name}= on <{element.tag}>")
        elif name == "srcdoc":
            found += [f"{message}, in srcdoc= on <{element.tag}>"
                      for inner in HtmlPage("", value).elements
                      for message in _unsafe(site, inner)]
    return found


def _own_script(site: BuiltSite, attrs: dict[str, str]) -> bool:
    if "src" not in attrs:
        return attrs.get("type", "").strip().lower() == "application/ld+json"
    src = attrs["src"].strip()
    if src.startswith(site.base_url):
        src = "/" + src[len(site.base_url):].lstrip("/")
    return src.startswith(OWN_SCRIPTS) and not src.startswith("//")
