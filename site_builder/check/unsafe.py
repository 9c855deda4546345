"""``unsafe``: markup in the built pages that runs code and is not the site's own."""

from __future__ import annotations

from site_builder.check.built_site import URL_ATTRS, BuiltSite
from site_builder.check.problem import Problem
from site_builder.content import sanitise

#: Where the site's own scripts are served from; a <script src> elsewhere is not the site's.
OWN_SCRIPTS = ("/assets/", "/pagefind/")
#: URL schemes that run code when followed.
SCRIPT_SCHEMES = frozenset({"javascript", "vbscript"})


def check_unsafe(site: BuiltSite) -> list[Problem]:
    """Markup that runs code and is not the site's own: a <script> other than the site's
    (``src`` under /assets/ or /pagefind/, or JSON-LD data), any ``on...=`` event handler,
    and any ``javascript:`` URL. The build keeps these out of briefs (content.sanitise);
    this finds them however they got into output/, e.g. a template or a hand edit."""
    problems = []
    hint = ("Remove it: the site runs only its own scripts. If a template added it, fix the "
            "template; a brief's raw HTML is held to the allowlist in README, 'Text'.")
    for page in site.pages:
        for element in page.checked:
            attrs = element.attrs
            if element.tag == "script" and not _own_script(site, attrs):
                what = f"src={attrs['src']!r}" if "src" in attrs else "inline"
                problems.append(Problem("unsafe", page.path, element.line,
                                        f"a <script> that is not the site's own ({what})", hint))
            for name, value in attrs.items():
                if name.startswith("on"):
                    problems.append(Problem("unsafe", page.path, element.line,
                                            f"an event handler {name}= on <{element.tag}>",
                                            hint))
                elif name in URL_ATTRS and sanitise.url_scheme(value) in SCRIPT_SCHEMES:
                    problems.append(Problem("unsafe", page.path, element.line,
                                            f"a {sanitise.url_scheme(value)}: URL in {name}= on "
                                            f"<{element.tag}>", hint))
    return problems


def _own_script(site: BuiltSite, attrs: dict[str, str]) -> bool:
    if "src" not in attrs:
        return attrs.get("type", "").strip().lower() == "application/ld+json"
    src = attrs["src"].strip()
    if src.startswith(site.base_url):
        src = "/" + src[len(site.base_url):].lstrip("/")
    return src.startswith(OWN_SCRIPTS) and not src.startswith("//")
