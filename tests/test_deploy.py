"""What Netlify is told, what GitHub Actions runs, and whether the built site keeps to both.

netlify.toml is read with the preview's own reader (``site_builder.preview.netlify``); the workflows
are parsed as YAML and linted with actionlint; the built site is held to the
Content-Security-Policy that netlify.toml sends, first by reading its HTML and then in
Chromium, with the policy served as Netlify would serve it.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from html.parser import HTMLParser
from http.server import SimpleHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml
from conftest import REPO

from site_builder.loopback import serve
from site_builder.preview.netlify import Rules, load_rules
from site_builder.releases import EASTERN, Release, load_calendar, release_morning

NETLIFY = REPO / "netlify.toml"
WORKFLOWS = REPO / ".github" / "workflows"
BASE_URL = tomllib.loads((REPO / "content" / "site.toml").read_text("utf-8"))["base_url"]
FLAGSHIP = "/briefs/us-trade-deficit-2024/"
BRIEF = "/briefs/some-brief/"
ASSET = "/assets/site.3f2a9c1b.css"
FINGERPRINTED = re.compile(r"/assets/[\w-]+\.[0-9a-f]{8}\.[a-z0-9]+")
YEAR = 365 * 24 * 3600


@pytest.fixture(scope="module")
def rules() -> Rules:
    return load_rules(NETLIFY)


def csp_directives(value: str) -> dict[str, list[str]]:
    directives: dict[str, list[str]] = {}
    for part in value.split(";"):
        words = part.split()
        if words:
            directives[words[0].lower()] = words[1:]
    return directives


def max_age(cache_control: str) -> int | None:
    found = re.search(r"max-age=(\d+)", cache_control)
    return int(found.group(1)) if found else None


# --------------------------------------------------------------------------- 1. netlify.toml

def test_build_settings() -> None:
    settings = tomllib.loads(NETLIFY.read_text("utf-8"))
    build = settings["build"]
    assert build["publish"] == "output"
    assert build["command"] == "python -m pip install . && python -m site_builder build"
    assert "--refresh" not in build["command"]  # Netlify builds from the committed snapshot
    assert build["environment"]["PYTHON_VERSION"] == "3.11"
    requires = tomllib.loads((REPO / "pyproject.toml").read_text("utf-8"))["project"][
        "requires-python"]
    assert requires == ">=3.11"


@pytest.mark.parametrize("path", ["/", "/index.html", FLAGSHIP, BRIEF, "/search/", "/404.html",
                                  "/feed.xml", ASSET])
def test_security_headers_on_every_response(rules: Rules, path: str) -> None:
    headers = {k.lower(): v for k, v in rules.headers_for(path).items()}
    csp = csp_directives(headers["content-security-policy"])
    assert csp == {
        "default-src": ["'self'"],
        "script-src": ["'self'", "'wasm-unsafe-eval'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "upgrade-insecure-requests": [],
    }
    hsts = headers["strict-transport-security"]
    assert (max_age(hsts) or 0) >= YEAR and "includeSubDomains" in hsts
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["x-frame-options"] == "DENY"
    assert headers["referrer-policy"] == "strict-origin-when-cross-origin"
    permissions = dict(item.split("=", 1) for item in headers["permissions-policy"].split(", "))
    for feature in ("camera", "microphone", "geolocation", "interest-cohort", "browsing-topics",
                    "payment", "usb"):
        assert permissions[feature] == "()", feature


def test_fingerprinted_assets_are_cached_for_a_year(rules: Rules) -> None:
    for path in (ASSET, "/assets/charts.0123abcd.js", "/assets/vega-embed.89abcdef.js"):
        cache = rules.headers_for(path)["Cache-Control"]
        assert "immutable" in cache and max_age(cache) == YEAR and "public" in cache


@pytest.mark.parametrize("path", ["/", "/index.html", FLAGSHIP, BRIEF, "/archive/2026/",
                                  "/briefs/x/recent-balance.csv", "/card.png", "/feed.xml"])
def test_pages_and_unfingerprinted_files_are_revalidated(rules: Rules, path: str) -> None:
    """No declared Cache-Control: Netlify's default, public, max-age=0, must-revalidate."""
    cache = {k.lower(): v for k, v in rules.headers_for(path).items()}.get("cache-control")
    assert cache is None or ("immutable" not in cache and max_age(cache) == 0), cache


def test_pagefind_files_are_cached_briefly(rules: Rules) -> None:
    cache = rules.headers_for("/pagefind/pagefind-ui.js")["Cache-Control"]
    assert "immutable" not in cache and 0 < (max_age(cache) or 0) <= 3600


def test_no_header_is_set_by_two_rules_for_one_path(rules: Rules, built_site: Path) -> None:
    """Netlify applies every matching rule and joins the values of a header set twice
    (``max-age=0, ..., max-age=31536000, immutable``), so rules must not overlap."""
    paths = {"/", ASSET, "/pagefind/pagefind.js", FLAGSHIP}
    paths |= {"/" + p.relative_to(built_site).as_posix() for p in built_site.rglob("*")
              if p.is_file()}
    for path in sorted(paths):
        seen: dict[str, str] = {}
        for rule in rules.headers:
            if rule.matches(path):
                for name, _ in rule.values:
                    assert name.lower() not in seen, (
                        f"{path}: {name} is set by {seen[name.lower()]} and {rule.pattern}")
                    seen[name.lower()] = rule.pattern


def frame_policy(rules: Rules, path: str) -> tuple[list[str], str | None]:
    """(frame-ancestors of each Content-Security-Policy rule matching ``path``, the
    X-Frame-Options Netlify would send)."""
    ancestors = [" ".join(csp_directives(value)["frame-ancestors"])
                 for rule in rules.headers if rule.matches(path)
                 for name, value in rule.values if name.lower() == "content-security-policy"]
    return ancestors, {k.lower(): v for k, v in rules.headers_for(path).items()}.get(
        "x-frame-options")


def test_embed_pages_and_only_they_may_be_framed(rules: Rules, built_site: Path) -> None:
    """Every built file gets one policy: any site may frame the embed pages, none may frame
    anything else. A new folder that no rule covers fails here."""
    files = sorted("/" + p.relative_to(built_site).as_posix() for p in built_site.rglob("*")
                   if p.is_file())
    embeds = [f for f in files if f.startswith("/embed/")]
    assert any(f.endswith("/index.html") for f in embeds), "no embed page was built"
    wrong = []
    for path in [*files, "/", "/about/", FLAGSHIP, "/embed.js"]:
        ancestors, deny = frame_policy(rules, path)
        expected = (["*"], None) if path.startswith("/embed/") else (["'none'"], "DENY")
        if (ancestors, deny) != expected:
            wrong.append(f"{path}: frame-ancestors {ancestors}, X-Frame-Options {deny}")
    assert not wrong, "\n".join(wrong[:20])


def test_the_policies_differ_in_frame_ancestors_alone(rules: Rules) -> None:
    policies = {value for rule in rules.headers for name, value in rule.values
                if name.lower() == "content-security-policy"}
    assert len(policies) == 2
    stripped = set()
    for value in policies:
        directives = csp_directives(value)
        directives.pop("frame-ancestors")
        stripped.add(repr(sorted(directives.items())))
    assert len(stripped) == 1


def test_a_pinned_embed_no_longer_built_goes_to_its_revised_page(rules: Rules,
                                                                built_site: Path) -> None:
    def exists(path: str) -> bool:
        target = built_site / path.strip("/")
        return target.is_file() or (target / "index.html").is_file()

    pinned = sorted(p.parent for p in built_site.glob("embed/briefs/*/*/*/chart.svg"))
    assert pinned, "no pinned embed was built"
    folder = "/" + pinned[0].relative_to(built_site).as_posix() + "/"
    assert rules.redirect_for(folder, exists) is None  # built: served as it is
    live = folder.rsplit("/", 2)[0] + "/"
    for path in (live, live + "revised/"):
        assert rules.redirect_for(path, exists) is None
    gone = live + "000000000000/"
    found = rules.redirect_for(gone, exists)
    assert found is not None and found.status == 302 and found.target == live + "revised/"
    assert exists(found.target)


def test_missing_pages_get_the_404_page_from_netlify_itself(rules: Rules,
                                                            built_site: Path) -> None:
    """Netlify answers 404 with /404.html for any address without a file; no rule needed.
    A catch-all rule would also hide the build's _redirects behind it in the preview."""
    assert (built_site / "404.html").is_file()
    assert rules.redirect_for("/no/such/page/", lambda path: False) is None
    assert not any(r.source == "/*" for r in rules.redirects)


def test_redirects_of_renamed_briefs_lead_to_pages(built_site: Path) -> None:
    """output/_redirects, when the build writes one: old address -> a page that exists (or, for a
    folder moved whole, a folder that exists)."""
    published = built_site / "_redirects"
    if not published.exists():
        return  # no brief declares `aliases`
    for number, line in enumerate(published.read_text("utf-8").splitlines(), start=1):
        words = line.split("#", 1)[0].split()
        if not words:
            continue
        assert len(words) in (2, 3), f"_redirects:{number}: {line!r}"
        source, target = words[0], words[1]
        status = words[2] if len(words) == 3 else "301"
        assert status.rstrip("!") in ("301", "302", "308"), f"_redirects:{number}: {line!r}"
        assert source.startswith("/") and target.startswith("/"), f"_redirects:{number}"
        if source.endswith("/*") and target.endswith("/:splat"):
            # a folder moved whole (`/old/* /new/:splat`): the new folder exists, the old not
            source, target = source[:-1], target.removesuffix(":splat")
            assert (built_site / target.strip("/")).is_dir(), f"_redirects:{number}: {target}"
        else:
            assert (built_site / target.strip("/") / "index.html").is_file() or (
                built_site / target.lstrip("/")).is_file(), f"_redirects:{number}: no {target}"
        assert not (built_site / source.strip("/")).exists() or status.endswith("!"), (
            f"_redirects:{number}: a file at {source} shadows the redirect")


# --------------------------------------------------------------------------- 2. workflows

def workflow(name: str) -> dict[str, Any]:
    data = yaml.safe_load((WORKFLOWS / name).read_text("utf-8"))
    data["on"] = data.pop(True, data.get("on"))  # YAML 1.1 reads the key `on` as true
    return data


def steps(job: dict[str, Any]) -> list[dict[str, Any]]:
    return list(job.get("steps", []))


def run_text(job: dict[str, Any]) -> str:
    return "\n".join(str(step.get("run", "")) for step in steps(job))


def test_workflows_parse_and_pin_actions_to_a_major_version() -> None:
    names = sorted(p.name for p in WORKFLOWS.glob("*.yml"))
    assert names == ["ci.yml", "deploy.yml", "refresh.yml"]
    for name in names:
        data = workflow(name)
        assert data["permissions"] == {"contents": "read"}, f"{name}: least privilege"
        for job_name, job in data["jobs"].items():
            for step in steps(job):
                uses = step.get("uses")
                if uses:
                    assert re.fullmatch(r"[\w.-]+/[\w.-]+@v\d+", uses), f"{name} {job_name}: {uses}"


def test_ci_runs_the_tests_and_the_gate_on_every_push_and_pull_request() -> None:
    data = workflow("ci.yml")
    assert {"push", "pull_request"} <= set(data["on"])
    job = data["jobs"]["test"]
    commands = run_text(job)
    assert "apt-get install" in commands and "chromium" in commands
    # vl-convert brings Liberation Sans; a system copy would halve chart speed for nothing
    assert "fonts-liberation" not in commands
    assert "pip install -e '.[test]'" in commands
    assert "python -m pytest" in commands
    assert "python -m pytest --extra-briefs 30" in commands  # the suite on a grown site
    assert "python -m site_builder check --offline" in commands
    cached = "\n".join(str(s.get("with", {}).get("path", "")) for s in steps(job))
    assert "~/.cache/pip" in cached and ".cache/charts" in cached
    assert "~/.cache/site_builder" in cached  # the Vega bundle, made once per machine
    assert ".cache/check" in cached  # the gate judges only the pages a commit changed


def test_deploy_publishes_main_and_previews_pull_requests() -> None:
    data = workflow("deploy.yml")
    assert data["on"]["push"]["branches"] == ["main"]
    assert "pull_request" in data["on"] and "workflow_call" in data["on"]
    jobs = data["jobs"]
    assert "site_builder check" in run_text(jobs["build"])
    cached = "\n".join(str(s.get("with", {}).get("path", "")) for s in steps(jobs["build"]))
    assert ".cache/check" in cached and "~/.cache/site_builder" in cached
    production, preview = run_text(jobs["production"]), run_text(jobs["preview"])
    assert "netlify-cli" in json.dumps(data["env"])
    assert "deploy --prod --dir output" in production
    assert '--alias "$ALIAS"' in preview and "deploy_url" in preview
    assert "pr-${{ github.event.number }}" in json.dumps(jobs["preview"])
    for job in (jobs["production"], jobs["preview"]):
        secrets = json.dumps(job)
        assert "secrets.NETLIFY_AUTH_TOKEN" in secrets and "secrets.NETLIFY_SITE_ID" in secrets
    assert jobs["preview"]["permissions"] == {"contents": "read", "pull-requests": "write"}
    assert "permissions" not in jobs["production"]  # the workflow's read-only default
    assert any("github-script" in str(s.get("uses")) for s in steps(jobs["preview"]))


def test_refresh_decides_first_then_fetches_commits_or_opens_a_pull_request() -> None:
    data = workflow("refresh.yml")
    assert "workflow_dispatch" in data["on"]
    job = data["jobs"]["refresh"]
    names = [str(s.get("run", "")) + str(s.get("uses", "")) for s in steps(job)]
    decide = next(i for i, text in enumerate(names) if "site_builder.releases today" in text)
    fetch = next(i for i, text in enumerate(names) if "site_builder fetch --diff-md diff.md"
                 in text)
    assert decide < fetch
    assert all(s.get("if") for s in steps(job)[decide + 1:]), "later steps run only if told"
    fetch_env = steps(job)[fetch]["env"]
    assert set(fetch_env) == {"FRED_API_KEY", "CENSUS_API_KEY", "BEA_API_KEY"}
    commands = run_text(job)
    assert "## Briefs affected" in commands and "git push origin HEAD:main" in commands
    assert "cat diff.md" in commands  # the diff is the commit message
    assert any("create-pull-request" in str(s.get("uses")) for s in steps(job))
    cached = "\n".join(str(s.get("with", {}).get("path", "")) for s in steps(job))
    for path in ("~/.cache/pip", ".cache/http", ".cache/charts"):
        assert path in cached
    assert data["jobs"]["deploy"]["uses"] == "./.github/workflows/deploy.yml"


def actionlint() -> str:
    """The actionlint executable installed with the test extras (a Python package)."""
    beside = Path(sys.executable).with_name("actionlint")
    found = str(beside) if beside.exists() else shutil.which("actionlint")
    if found is None:
        pytest.fail("actionlint is not installed: it comes with the test extras "
                    "(python -m pip install -e '.[test]')", pytrace=False)
    return found


def test_workflows_pass_actionlint() -> None:
    files = sorted(str(p) for p in WORKFLOWS.glob("*.yml"))
    result = subprocess.run([actionlint(), "-no-color", *files], capture_output=True,
                            text=True, cwd=REPO, timeout=120, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


# --------------------------------------------------------------------------- 3. the schedule

def cron_runs(expression: str, day: dt.date) -> list[dt.datetime]:
    """The UTC moments on ``day`` at which a five-field cron fires (numbers, lists, ranges)."""
    def values(field: str, low: int, high: int) -> set[int]:
        out: set[int] = set()
        for part in field.split(","):
            if part == "*":
                out |= set(range(low, high + 1))
            elif "-" in part:
                start, end = part.split("-")
                out |= set(range(int(start), int(end) + 1))
            else:
                out.add(int(part))
        return out

    minute, hour, dom, month, dow = expression.split()
    if not (day.day in values(dom, 1, 31) and day.month in values(month, 1, 12)
            and (day.isoweekday() % 7) in values(dow, 0, 6)):
        return []
    return sorted(dt.datetime.combine(day, dt.time(h, m), tzinfo=dt.UTC)
                  for h in values(hour, 0, 23) for m in values(minute, 0, 59))


def schedule() -> list[str]:
    return [entry["cron"] for entry in workflow("refresh.yml")["on"]["schedule"]]


def runs_eastern(day: dt.date) -> list[dt.datetime]:
    """Scheduled runs that fall on ``day`` in New York, in New York time."""
    moments = [m for when in (day, day + dt.timedelta(days=1)) for expression in schedule()
               for m in cron_runs(expression, when)]
    return sorted(m.astimezone(EASTERN) for m in moments
                  if m.astimezone(EASTERN).date() == day)


@pytest.mark.parametrize("day", [dt.date(2026, 1, 12) + dt.timedelta(days=n) for n in range(5)]
                         + [dt.date(2026, 7, 13) + dt.timedelta(days=n) for n in range(5)],
                         ids=lambda d: f"{d:%a-%b}")
def test_the_schedule_covers_half_past_eight_to_half_past_nine_eastern(day: dt.date) -> None:
    """January is EST (UTC-5), July EDT (UTC-4); the cron is in UTC. Every weekday has a run
    between 8:30 and 9:30 in New York, when a release morning is already true."""
    window = [m for m in runs_eastern(day) if dt.time(8, 30) <= m.time() <= dt.time(9, 30)]
    assert window, f"no run between 08:30 and 09:30 ET on {day}: {runs_eastern(day)}"
    release = Release(day, "2000-01")
    assert release_morning((release,), window[0]) == release


def test_the_schedule_skips_weekends() -> None:
    for day in (dt.date(2026, 1, 17), dt.date(2026, 7, 19)):
        assert runs_eastern(day) == []


def test_every_release_in_the_calendar_is_caught_by_the_schedule() -> None:
    for release in load_calendar(REPO / "content" / "data" / "releases.toml"):
        assert any(release_morning((release,), m) for m in runs_eastern(release.date)), release


# --------------------------------------------------------------------------- 4. the built site

class _Markup(HTMLParser):
    """Every start tag with its line, and the text of each <script> and <style>."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str], int]] = []
        self.blocks: list[tuple[str, dict[str, str], int, str]] = []
        self._open: tuple[str, dict[str, str], int, list[str]] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k.lower(): v or "" for k, v in attrs}
        self.tags.append((tag, values, self.getpos()[0]))
        if tag in ("script", "style"):
            self._open = (tag, values, self.getpos()[0], [])

    def handle_data(self, data: str) -> None:
        if self._open is not None:
            self._open[3].append(data)

    def handle_endtag(self, tag: str) -> None:
        if self._open is not None and tag == self._open[0]:
            name, attrs, line, text = self._open
            self.blocks.append((name, attrs, line, "".join(text)))
            self._open = None


def pages(site: Path) -> Iterator[tuple[str, _Markup]]:
    for path in sorted(site.rglob("*.html")):
        relative = path.relative_to(site).as_posix()
        if relative.startswith("pagefind/"):
            continue
        markup = _Markup()
        markup.feed(path.read_text("utf-8"))
        markup.close()
        yield relative, markup


def test_no_inline_script_but_json_ld(built_site: Path) -> None:
    found = []
    for page, markup in pages(built_site):
        for tag, attrs, line, text in markup.blocks:
            if tag != "script" or "src" in attrs:
                continue
            if attrs.get("type") == "application/ld+json":
                json.loads(text)  # a data block, and valid
            else:
                found.append(f"{page}:{line}: inline <script> {text.strip()[:60]!r}")
    assert not found, "\n".join(found)


def test_no_inline_styles(built_site: Path) -> None:
    found = []
    for page, markup in pages(built_site):
        for tag, attrs, line in markup.tags:
            if tag == "style":
                found.append(f"{page}:{line}: <style> element")
            if "style" in attrs:
                found.append(f"{page}:{line}: <{tag} style={attrs['style'][:50]!r}>")
    assert not found, "\n".join(found[:40])


def test_no_inline_event_handlers(built_site: Path) -> None:
    found = [f"{page}:{line}: <{tag} {name}=...>" for page, markup in pages(built_site)
             for tag, attrs, line in markup.tags for name in attrs if name.startswith("on")]
    assert not found, "\n".join(found[:40])


def same_origin(url: str) -> bool:
    parts = urlsplit(url)
    if not parts.scheme and not parts.netloc:
        return not url.startswith("//")
    return url.startswith(BASE_URL)


def test_scripts_and_stylesheets_come_from_the_site(built_site: Path) -> None:
    found = []
    for page, markup in pages(built_site):
        for tag, attrs, line in markup.tags:
            url = attrs.get("src") if tag == "script" else (
                attrs.get("href") if tag == "link" else None)
            if url and not same_origin(url):
                found.append(f"{page}:{line}: <{tag}> from {url}")
    assert not found, "\n".join(found)


def asset_references(site: Path) -> Iterator[tuple[str, str]]:
    """(where, url) of every /assets/ address in the HTML and in the site's own scripts
    and stylesheets."""
    pattern = re.compile(r"""(?:https?://[^/"'\s]+)?/assets/[^"'\s)>?#]+""")
    for page, markup in pages(site):
        for tag, attrs, line in markup.tags:
            for name, value in attrs.items():
                for url in pattern.findall(value):
                    yield f"{page}:{line} <{tag} {name}>", url
    for path in sorted((site / "assets").glob("*")):
        if path.suffix in (".css", ".js") and not path.name.startswith("vega-embed"):
            for url in pattern.findall(path.read_text("utf-8")):
                yield f"assets/{path.name}", url


def test_every_asset_has_a_fingerprint_in_its_name(built_site: Path) -> None:
    """/assets/* is cached for a year as immutable: only a name that changes with the content
    (NAME.HASH8.EXT) makes that safe."""
    found, seen = [], 0
    for where, url in asset_references(built_site):
        seen += 1
        path = urlsplit(url).path
        if not FINGERPRINTED.fullmatch(path):
            found.append(f"{where}: {path} has no fingerprint")
        elif not (built_site / path.lstrip("/")).is_file():
            found.append(f"{where}: {path} is not in the built site")
    assert seen, "no /assets/ reference found at all"
    assert not found, "\n".join(found)


# --------------------------------------------------------------------------- 5. in Chromium

class _NetlifyLikeHandler(SimpleHTTPRequestHandler):
    """The built site with netlify.toml's headers, and 404.html for a missing page."""

    rules: Rules = Rules()

    def end_headers(self) -> None:
        for name, value in self.rules.headers_for(urlsplit(self.path).path).items():
            self.send_header(name, value)
        super().end_headers()

    def send_error(self, code: int, message: str | None = None,
                   explain: str | None = None) -> None:
        page = Path(self.directory) / "404.html"
        if code != 404 or not page.is_file():
            super().send_error(code, message, explain)
            return
        body = page.read_bytes()
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def netlify_like(built_site: Path) -> Iterator[str]:
    handler = type("Handler", (_NetlifyLikeHandler,), {"rules": load_rules(NETLIFY)})
    with serve(built_site, handler) as url:
        yield url


COLLECT_VIOLATIONS = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__csp.push({directive: e.effectiveDirective, blocked: e.blockedURI,
                     source: e.sourceFile, line: e.lineNumber, sample: e.sample});
});
"""


def open_tab(browser: Any, base: str) -> tuple[Any, Any, list[str]]:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    context.set_default_timeout(20_000)
    context.route("**/*", lambda route: route.continue_()
                  if route.request.url.startswith(base + "/") else route.abort())
    context.add_init_script(COLLECT_VIOLATIONS)
    page = context.new_page()
    console: list[str] = []
    page.on("console", lambda message: console.append(f"{message.type}: {message.text}"))
    return context, page, console


def violations(page: Any, console: list[str]) -> list[str]:
    found = [f"{v['directive']} blocked {v['blocked'] or 'inline'} "
             f"({v['source']}:{v['line']}) {v['sample']!r}"
             for v in page.evaluate("window.__csp || []")]
    found += [line for line in console
              if "Content Security Policy" in line or "Refused to" in line]
    return found


def test_the_flagship_and_its_interactive_charts_break_no_csp_rule(browser: Any,
                                                                   netlify_like: str) -> None:
    context, page, console = open_tab(browser, netlify_like)
    try:
        response = page.goto(netlify_like + FLAGSHIP, wait_until="load")
        assert response is not None
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
        charts = page.locator("figure.chart[data-spec]")
        count = charts.count()
        assert count > 0
        for n in range(count):  # every chart in view: each loads Vega and turns interactive
            charts.nth(n).scroll_into_view_if_needed()
            page.wait_for_timeout(50)
        page.wait_for_function(
            "() => [...document.querySelectorAll('figure.chart[data-spec]')]"
            ".every(f => ['yes', 'failed'].includes(f.dataset.enhanced))", timeout=30_000)
        page.wait_for_load_state("networkidle")
        states = page.eval_on_selector_all("figure.chart[data-spec]",
                                           "figs => figs.map(f => [f.id, f.dataset.enhanced])")
        problems = violations(page, console)
        assert not problems, "CSP violations on the flagship:\n" + "\n".join(problems)
        assert all(state == "yes" for _, state in states), f"charts not interactive: {states}"
    finally:
        context.close()


def test_every_chart_downloads_as_a_png_drawn_in_the_browser(browser: Any,
                                                             netlify_like: str) -> None:
    """The build writes no PNG: the button draws the chart's SVG at twice its size, within
    the site's Content-Security-Policy."""
    context, page, console = open_tab(browser, netlify_like)
    try:
        page.goto(netlify_like + FLAGSHIP, wait_until="load")
        figures = page.locator("figure.chart")
        assert figures.count() > 0
        for n in range(figures.count()):
            figure = figures.nth(n)
            button = figure.locator(".chart-png button")
            assert button.is_visible()
            box = figure.locator(".chart-plot svg").first.evaluate(
                "svg => [svg.viewBox.baseVal.width, svg.viewBox.baseVal.height]")
            with page.expect_download() as info:
                button.click()
            download = info.value
            chart_id = (figure.get_attribute("id") or "").removeprefix("chart-")
            assert download.suggested_filename == f"{chart_id}.png"
            data = Path(download.path()).read_bytes()
            assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
            size = (int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big"))
            assert size == (round(box[0] * 2), round(box[1] * 2))
        problems = violations(page, console)
        assert not problems, "CSP violations while saving PNGs:\n" + "\n".join(problems)
    finally:
        context.close()


def test_search_breaks_no_csp_rule(browser: Any, netlify_like: str) -> None:
    context, page, console = open_tab(browser, netlify_like)
    try:
        page.goto(netlify_like + "/search/", wait_until="load")
        box = page.locator(".pagefind-ui__search-input")
        box.wait_for(state="visible")
        box.press_sequentially("pharmaceutical")
        page.locator(".pagefind-ui__result").first.wait_for(state="visible")
        page.wait_for_load_state("networkidle")
        problems = violations(page, console)
        assert not problems, "CSP violations on the search page:\n" + "\n".join(problems)
    finally:
        context.close()


def test_the_404_page_breaks_no_csp_rule(browser: Any, netlify_like: str) -> None:
    context, page, console = open_tab(browser, netlify_like)
    try:
        response = page.goto(netlify_like + "/no/such/page/", wait_until="load")
        assert response is not None and response.status == 404
        page.wait_for_load_state("networkidle")
        problems = violations(page, console)
        assert not problems, "CSP violations on the 404 page:\n" + "\n".join(problems)
    finally:
        context.close()
