"""axe-core in Chromium, driven by Playwright: the accessibility rules a browser can judge.

Nothing leaves the machine: the pages come from a server on loopback, and the browser refuses
every request to any other address.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
SCHEMES: tuple[Literal["light", "dark"], ...] = ("light", "dark")


class BrowserFailed(Exception):
    """Chromium would not start, or failed on a page; the message says how."""


@dataclass(frozen=True)
class Violation:
    """One axe rule broken by one element of one page, in the colour schemes it fails in."""

    page: str  # relative to the site, e.g. briefs/x/index.html
    rule: str
    target: str  # the element, as a CSS selector
    help: str
    help_url: str
    schemes: tuple[str, ...]


def browser_missing() -> str:
    """Why the browser cannot run here, or ''."""
    if not CHROMIUM.exists():
        return f"no browser at {CHROMIUM} (apt-get install chromium)"
    for module in ("playwright", "axe_playwright_python"):
        if importlib.util.find_spec(module) is None:
            return f"the Python package {module} is not installed"
    return ""


def axe_violations(base: str, pages: list[str]) -> list[Violation]:
    """axe's ``AXE_TAGS`` rules on each of ``pages`` under ``base`` (a URL on loopback, no
    trailing slash), in the light and the dark scheme. Raises :class:`BrowserFailed`."""
    import axe_playwright_python
    from playwright.sync_api import Error, sync_playwright

    axe = (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text("utf-8")
    found: dict[tuple[str, str, str], tuple[str, str, list[str]]] = {}
    with sync_playwright() as playwright:
        try:
            chromium = playwright.chromium.launch(executable_path=str(CHROMIUM),
                                                  args=CHROMIUM_ARGS)
            try:
                for scheme in SCHEMES:
                    context = chromium.new_context(color_scheme=scheme)
                    context.set_default_timeout(30_000)
                    # Nothing leaves the machine: requests to any other host are refused.
                    context.route("**/*", lambda route: route.continue_()
                                  if route.request.url.startswith(base + "/") else route.abort())
                    tab = context.new_page()
                    for path in pages:
                        tab.goto(f"{base}/{path.removesuffix('index.html')}", wait_until="load")
                        tab.add_script_tag(content=axe)
                        result = tab.evaluate("tags => axe.run(document, {runOnly: "
                                              "{type: 'tag', values: tags}})", AXE_TAGS)
                        for rule in result["violations"]:
                            for node in rule["nodes"]:
                                target = " ".join(str(t) for t in node["target"])
                                entry = found.setdefault((path, rule["id"], target),
                                                         (rule["help"], rule["helpUrl"], []))
                                entry[2].append(scheme)
                    context.close()
            finally:
                chromium.close()
        except Error as exc:
            raise BrowserFailed(exc.message) from exc
    return [Violation(path, rule, target, text, url, tuple(schemes))
            for (path, rule, target), (text, url, schemes) in found.items()]
