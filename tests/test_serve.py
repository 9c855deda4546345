"""The live preview over real HTTP on loopback: pages, netlify.toml, traversal, live reload."""

from __future__ import annotations

import gzip
import http.client
import json
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
from conftest import REPO, TinyProject, require_chromium
from playwright.sync_api import sync_playwright

from site_builder.build.pipeline import BuildResult, build
from site_builder.build.search import Cancelled, index_site
from site_builder.check.browser import CHROMIUM
from site_builder.errors import SiteError
from site_builder.preview.server import PreviewServer
from site_builder.project import Project
from site_builder.report import Reporter, SilentReporter

EVENT_TIMEOUT = 5.0  # s: how long a test waits for the next event

BRIEF = """\
---
title: The 2024 deficit
date: 2025-02-05
summary: How the deficit changed in 2024.
---
Exports grew in 2024.
"""

NETLIFY = """\
[[headers]]
  for = "/*"
  [headers.values]
    X-Frame-Options = "DENY"

[[headers]]
  for = "/briefs/*"
  [headers.values]
    X-Robots-Tag = "noindex"
    Cache-Control = "public, max-age=600"

[[redirects]]
  from = "/old/*"
  to = "/briefs/:splat"
  status = 301

[[redirects]]
  from = "/latest"
  to = "/briefs/deficit/"
  status = 200

[[redirects]]
  from = "/*"
  to = "/404.html"
  status = 404
"""


class EventStream:
    """A Server-Sent Events client over a plain HTTP connection, one event at a time."""

    def __init__(self, url: str, since: str = "") -> None:
        parts = urlsplit(url)
        assert parts.hostname is not None
        self.connection = http.client.HTTPConnection(parts.hostname, parts.port,
                                                     timeout=EVENT_TIMEOUT)
        self.connection.request("GET", "/__preview/events" + (f"?since={since}" if since else ""))
        self.response = self.connection.getresponse()
        assert self.response.status == 200
        assert self.response.getheader("Content-Type", "").startswith("text/event-stream")

    def next(self) -> tuple[str, dict[str, Any]]:
        """The next event's name and data; comments (keep-alives) and retry lines are skipped."""
        name, data = "message", ""
        while True:
            line = self.response.readline()
            if not line:
                raise EOFError("the server closed the event stream")
            text = line.decode().rstrip("\n")
            if not text and data:
                return name, json.loads(data)
            field, _, value = text.partition(": ")
            if field == "event":
                name = value
            elif field == "data":
                data = value

    def close(self) -> None:
        self.connection.close()


def raw_get(url: str, path: str) -> tuple[int, bytes]:
    """GET ``path`` exactly as written: no client cleans up ``..`` or encodings on the way."""
    parts = urlsplit(url)
    assert parts.hostname is not None
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=EVENT_TIMEOUT)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def get(preview: PreviewServer, path: str) -> requests.Response:
    return requests.get(preview.url + path.lstrip("/"), allow_redirects=False, timeout=5)


def generation_of(html: str) -> str:
    found = re.search(r'<script src="/__preview/reload.js" data-generation="(\d+)"', html)
    assert found, "the reload script is missing"
    return found.group(1)


def preview_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("preview-")]


@pytest.fixture
def site(tiny: TinyProject) -> Iterator[tuple[TinyProject, PreviewServer]]:
    """A tiny project with one brief and a netlify.toml, previewed from ``preview/`` in it."""
    tiny.brief("deficit", BRIEF)
    (tiny.root / "netlify.toml").write_text(NETLIFY, encoding="utf-8")
    preview = PreviewServer(tiny.project, SilentReporter(), port=0, output=tiny.root / "preview")
    preview.start()
    try:
        yield tiny, preview
    finally:
        preview.stop()
        assert preview_threads() == []


# -- serving --------------------------------------------------------------------------------

def test_a_brief_comes_with_the_reload_script_and_netlify_headers(
        site: tuple[TinyProject, PreviewServer]) -> None:
    _, preview = site
    assert preview.url.startswith("http://127.0.0.1:")
    page = get(preview, "/briefs/deficit/")
    assert page.status_code == 200
    assert page.headers["Content-Type"] == "text/html; charset=utf-8"
    assert "Exports grew in 2024." in page.text
    body_end = page.text.rindex("</body>")
    assert page.text.rindex('<script src="/__preview/reload.js"') < body_end
    assert page.headers["X-Frame-Options"] == "DENY"  # "/*"
    assert page.headers["X-Robots-Tag"] == "noindex"  # "/briefs/*" too
    assert page.headers["Cache-Control"] == "no-store"  # the preview is never cached...
    assert page.headers["X-Netlify-Cache-Control"] == "public, max-age=600"  # ...but says so
    assert get(preview, "/").headers.get("X-Robots-Tag") is None

    script = get(preview, "/__preview/reload.js")
    assert script.headers["Content-Type"].startswith("text/javascript")
    assert "EventSource" in script.text and "textContent" in script.text
    assert "innerHTML" not in script.text
    css = get(preview, "/" + str(next(preview.output.glob("assets/site.*.css"))
                                 .relative_to(preview.output)))
    assert (css.status_code, css.headers["Content-Type"]) == (200, "text/css; charset=utf-8")
    assert "__preview" not in css.text
    head = requests.head(preview.url + "briefs/deficit/", timeout=5)
    assert (head.status_code, head.content) == (200, b"")


def test_redirects_rewrites_folders_and_not_found(site: tuple[TinyProject, PreviewServer]
                                                  ) -> None:
    _, preview = site
    moved = get(preview, "/old/deficit/?ref=mail")
    assert (moved.status_code, moved.headers["Location"]) == (301, "/briefs/deficit/?ref=mail")
    assert moved.headers["X-Frame-Options"] == "DENY"  # headers apply to redirects too
    rewritten = get(preview, "/latest")
    assert rewritten.status_code == 200
    assert "Exports grew in 2024." in rewritten.text  # served at /latest, no redirect
    folder = get(preview, "/briefs/deficit")
    assert (folder.status_code, folder.headers["Location"]) == (301, "/briefs/deficit/")
    assert get(preview, "//archive").headers["Location"] == "/archive/"  # never //host
    missing = get(preview, "/no/such/page")
    assert missing.status_code == 404
    assert "Page not found" in missing.text and "/__preview/reload.js" in missing.text
    assert missing.headers["X-Frame-Options"] == "DENY"


TRAVERSALS = [
    "/../content/site.toml",
    "/briefs/../../content/site.toml",
    "/%2e%2e/%2e%2e/etc/passwd",
    "/..%2fcontent%2fsite.toml",
    "/%2E%2E%2Fcontent%2Fsite.toml",
    "/..\\content\\site.toml",
    "/%2e%2e%5ccontent%5csite.toml",
    "/%252e%252e/content/site.toml",
    "//etc/passwd",
    "/leak/site.toml",  # a symlink in the site folder pointing out of it
]


def test_nothing_outside_the_site_folder_is_served(
        site: tuple[TinyProject, PreviewServer]) -> None:
    tiny, preview = site
    secret = (tiny.root / "content" / "site.toml").read_text(encoding="utf-8")
    (preview.output / "leak").symlink_to(tiny.root / "content")
    assert (preview.output / ".." / "content" / "site.toml").is_file()  # there to be taken
    for path in TRAVERSALS:
        status, body = raw_get(preview.url, path)
        assert status in (403, 404), path
        assert secret.encode() not in body, path
        assert b"base_url" not in body and b"root:x:0:0" not in body, path


def test_content_types(site: tuple[TinyProject, PreviewServer]) -> None:
    _, preview = site
    assert preview.wait_for_search(30)
    icon = next(preview.output.glob("assets/favicon.*.svg"))
    favicon = "/" + str(icon.relative_to(preview.output))
    expected = {favicon: "image/svg+xml", "/feed.xml": "application/xml",
                "/card.png": "image/png", "/pagefind/pagefind.js":
                "text/javascript", "/pagefind/pagefind-entry.json": "application/json"}
    for path, kind in expected.items():
        answer = get(preview, path)
        assert answer.status_code == 200, path
        assert answer.headers["Content-Type"].startswith(kind), path
    chunk = next((preview.output / "pagefind" / "index").glob("*.pf_index"))
    answer = get(preview, f"/pagefind/index/{chunk.name}")
    assert answer.headers["Content-Type"] == "application/octet-stream"


# -- live reload ----------------------------------------------------------------------------

def test_an_edit_reloads_the_page(site: tuple[TinyProject, PreviewServer],
                                  capsys: pytest.CaptureFixture[str]) -> None:
    tiny, preview = site
    loaded = generation_of(get(preview, "/briefs/deficit/").text)
    stream = EventStream(preview.url, since=loaded)
    try:
        assert stream.next()[0] == "ready"
        start = time.perf_counter()
        tiny.brief("deficit", BRIEF.replace("Exports grew in 2024.",
                                            "Imports grew faster than exports in 2024."))
        name, data = stream.next()
        latency = time.perf_counter() - start
        assert (name, data["errors"]) == ("reload", [])
        page = get(preview, "/briefs/deficit/").text
        assert "Imports grew faster than exports in 2024." in page
        assert generation_of(page) == str(data["generation"]) != loaded
    finally:
        stream.close()
    with capsys.disabled():
        print(f"\nedit-to-reload latency: {latency * 1000:.0f} ms "
              f"(poll every {preview.poll_interval * 1000:.0f} ms)")
    assert latency < EVENT_TIMEOUT
    # A page still showing the old build (its stream connected late) reloads at once.
    late = EventStream(preview.url, since=loaded)
    try:
        assert late.next()[0] == "reload"
    finally:
        late.close()


def fragments_with(output: Path, word: bytes) -> list[Path]:
    """The pages whose search-index entry (a gzipped fragment) holds ``word``."""
    return [p for p in (output / "pagefind" / "fragment").glob("*.pf_fragment")
            if word in gzip.decompress(p.read_bytes())]


def test_the_search_index_follows_an_edit_after_the_reload(
        site: tuple[TinyProject, PreviewServer]) -> None:
    tiny, preview = site
    assert preview.wait_for_search(30)
    stream = EventStream(preview.url)
    try:
        assert stream.next()[0] == "ready"
        tiny.brief("deficit", BRIEF.replace("Exports grew", "Exports grew, quinquennially,"))
        assert stream.next()[0] == "reload"
    finally:
        stream.close()
    assert preview.wait_for_search(30)
    assert len(fragments_with(preview.output, b"quinquennially")) == 1


def test_a_change_stops_the_search_index_and_keeps_the_old_one(tiny: TinyProject) -> None:
    tiny.brief("deficit", BRIEF)
    build(tiny.project, SilentReporter(), tiny.output)
    before = {p: p.read_bytes() for p in (tiny.output / "pagefind").rglob("*") if p.is_file()}
    tiny.brief("deficit", BRIEF.replace("Exports grew", "Exports grew, quinquennially,"))
    result = build(tiny.project, SilentReporter(), tiny.output, search=False)
    asked: list[float] = []

    def change_in_view() -> bool:  # what the preview says once a writer saves again
        asked.append(time.perf_counter())
        return True

    with pytest.raises(Cancelled):
        index_site(tiny.output, result.searchable, change_in_view)
    assert asked
    after = {p: p.read_bytes() for p in (tiny.output / "pagefind").rglob("*") if p.is_file()}
    assert after == before
    # the next build that indexes catches up, though it has no page to rebuild
    again = build(tiny.project, SilentReporter(), tiny.output)
    assert again.rebuilt == 0
    assert len(fragments_with(tiny.output, b"quinquennially")) == 1


def test_a_broken_brief_shows_an_error_until_it_is_fixed(
        site: tuple[TinyProject, PreviewServer]) -> None:
    tiny, preview = site
    reporter = preview.reporter
    assert isinstance(reporter, SilentReporter)
    stream = EventStream(preview.url)
    try:
        assert stream.next()[0] == "ready"
        tiny.brief("deficit", BRIEF.replace("date: 2025-02-05", "date: Feb 5")
                   .replace("Exports grew", "Exports fell"))
        name, data = stream.next()
        assert name == "error"
        [error] = data["errors"]
        assert (error["file"], error["line"]) == ("content/briefs/deficit.md", 3)
        assert "not a date" in error["message"] and error["hint"]
        assert any("content/briefs/deficit.md:3: " in e for e in reporter.errors)
        page = get(preview, "/briefs/deficit/")
        assert page.status_code == 200 and "Exports grew in 2024." in page.text  # last good

        opened_now = EventStream(preview.url, since=generation_of(page.text))
        try:
            assert opened_now.next()[0] == "error"  # a page opened while broken shows it too
        finally:
            opened_now.close()

        tiny.brief("deficit", BRIEF.replace("Exports grew", "Exports rose"))
        name, data = stream.next()
        assert (name, data["errors"]) == ("reload", [])
        assert "Exports rose in 2024." in get(preview, "/briefs/deficit/").text
    finally:
        stream.close()


def test_netlify_toml_is_watched_too(site: tuple[TinyProject, PreviewServer]) -> None:
    tiny, preview = site
    config = tiny.root / "netlify.toml"
    stream = EventStream(preview.url)
    try:
        assert stream.next()[0] == "ready"
        config.write_text(NETLIFY.replace('"DENY"', "DENY"), encoding="utf-8")
        name, data = stream.next()
        assert name == "error"
        [error] = data["errors"]
        assert (error["file"], error["line"]) == ("netlify.toml", 4)
        assert get(preview, "/").headers["X-Frame-Options"] == "DENY"  # the last good rules
        config.write_text(NETLIFY.replace('"DENY"', '"SAMEORIGIN"'), encoding="utf-8")
        assert stream.next()[0] == "reload"
        assert get(preview, "/").headers["X-Frame-Options"] == "SAMEORIGIN"
    finally:
        stream.close()


def test_a_crash_in_the_build_is_shown_and_watching_goes_on(tiny: TinyProject) -> None:
    tiny.brief("deficit", BRIEF)
    calls: list[bool] = []

    def crashes_once(project: Project, reporter: Reporter, output: Path | None = None,
                     drafts: bool = False, *, search: bool = True,
                     swap: bool = True) -> BuildResult:
        calls.append(drafts)
        if len(calls) == 2:
            raise RuntimeError("boom")
        return build(project, reporter, output, drafts=drafts, search=search, swap=swap)

    reporter = SilentReporter()
    with PreviewServer(tiny.project, reporter, port=0, output=tiny.root / "preview",
                       poll_interval=0.05, build=crashes_once) as preview:
        stream = EventStream(preview.url)
        try:
            assert stream.next()[0] == "ready"
            tiny.brief("deficit", BRIEF.replace("grew", "rose"))
            name, data = stream.next()
            assert name == "error"
            assert "internal error: RuntimeError: boom" in data["errors"][0]["message"]
            assert any("Traceback" in w for w in reporter.warnings)
            tiny.brief("deficit", BRIEF.replace("grew", "shrank"))
            assert stream.next()[0] == "reload"
            assert "Exports shrank" in get(preview, "/briefs/deficit/").text
        finally:
            stream.close()
    assert calls == [True, True, True]  # a writer previews drafts


def test_the_preview_never_touches_output(tmp_path: Path, tiny: TinyProject) -> None:
    tiny.brief("deficit", BRIEF.replace("summary:", "draft: true\nsummary:"))
    project = Project(tiny.root, cache_dir=tmp_path / "cache")
    with PreviewServer(project, SilentReporter(), port=0) as preview:
        assert preview.output == (tmp_path / "cache" / "preview").resolve()
        assert get(preview, "/briefs/deficit/").status_code == 200  # the draft is there
    assert not (tiny.root / "output").exists()


def test_a_first_build_that_fails_still_serves_the_overlay(tiny: TinyProject) -> None:
    tiny.brief("deficit", BRIEF.replace("date: 2025-02-05", "date: Feb 5"))
    with PreviewServer(tiny.project, SilentReporter(), port=0,
                       output=tiny.root / "preview", poll_interval=0.05) as preview:
        page = get(preview, "/")
        assert page.status_code == 404 and "has not built yet" in page.text
        stream = EventStream(preview.url, since=generation_of(page.text))
        try:
            assert stream.next()[0] == "error"
            tiny.brief("deficit", BRIEF)
            assert stream.next()[0] == "reload"
            assert get(preview, "/").status_code == 200
        finally:
            stream.close()


def test_the_overlay_in_a_real_browser(tiny: TinyProject) -> None:
    """Chromium: the error overlay appears (role=alert, file:line, hint), then a fix reloads."""
    require_chromium()
    tiny.brief("deficit", BRIEF)
    with PreviewServer(tiny.project, SilentReporter(), port=0, output=tiny.root / "preview",
                       poll_interval=0.05) as preview, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM),
                                             args=["--no-sandbox", "--disable-gpu"])
        try:
            page = browser.new_page(color_scheme="dark")
            page.set_default_timeout(EVENT_TIMEOUT * 1000)
            page.goto(preview.url + "briefs/deficit/")
            page.wait_for_function("() => performance.getEntriesByName("
                                   f"'{preview.url}__preview/reload.js').length > 0")
            tiny.brief("deficit", BRIEF.replace("date: 2025-02-05", "date: <b>Feb 5</b>"))
            panel = page.locator("#site-builder-preview-errors section")  # in a shadow root
            panel.wait_for()
            assert page.get_by_role("alert").count() == 1
            text = panel.inner_text()
            assert "content/briefs/deficit.md:3" in text
            assert "<b>Feb 5</b>" in text  # shown as text, never parsed as markup
            assert "YYYY-MM-DD" in text  # the hint
            colours = panel.evaluate("e => [getComputedStyle(e).color, "
                                     "getComputedStyle(e).backgroundColor]")
            assert contrast(*colours) >= 7  # readable in dark mode (and light, same palette)
            tiny.brief("deficit", BRIEF.replace("Exports grew", "Exports rose"))
            page.get_by_text("Exports rose in 2024.").wait_for()  # reloaded by itself
            assert page.get_by_role("alert").count() == 0
        finally:
            browser.close()


def contrast(*colours: str) -> float:
    """WCAG contrast ratio of two computed rgb() colours."""
    def luminance(colour: str) -> float:
        channels = [int(v) / 255 for v in re.findall(r"\d+", colour)[:3]]
        r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4
                   for c in channels)
        return 0.2126 * r + 0.7152 * g + 0.0722 * b
    light, dark = sorted((luminance(c) for c in colours), reverse=True)
    return (light + 0.05) / (dark + 0.05)


# -- lifecycle ------------------------------------------------------------------------------

def test_stop_ends_event_streams_promptly_and_leaves_no_threads(tiny: TinyProject) -> None:
    tiny.brief("deficit", BRIEF)
    before = set(threading.enumerate())
    preview = PreviewServer(tiny.project, SilentReporter(), port=0,
                            output=tiny.root / "preview")
    preview.start()
    streams = [EventStream(preview.url) for _ in range(3)]
    for stream in streams:
        assert stream.next()[0] == "ready"
    start = time.perf_counter()
    preview.stop()
    assert time.perf_counter() - start < 2.0
    for stream in streams:
        with pytest.raises(EOFError):
            stream.next()
        stream.close()
    deadline = time.monotonic() + 2.0
    while set(threading.enumerate()) - before and time.monotonic() < deadline:
        time.sleep(0.02)
    assert set(threading.enumerate()) - before == set()
    with pytest.raises(requests.ConnectionError):
        requests.get(preview.url, timeout=2)


SERVE = """
import faulthandler, signal, sys
from pathlib import Path
faulthandler.register(signal.SIGUSR1, all_threads=True)  # where each thread is, if it hangs
from site_builder.project import Project
from site_builder.report import ConsoleReporter
from site_builder.preview.server import run_preview
run_preview(Project(Path(sys.argv[1]), cache_dir=Path(sys.argv[2])), ConsoleReporter(), port=0)
"""


def test_serve_prints_the_address_and_stops_on_ctrl_c(tiny: TinyProject, tmp_path: Path
                                                        ) -> None:
    tiny.brief("deficit", BRIEF)
    process = subprocess.Popen([sys.executable, "-c", SERVE, str(tiny.root),
                                str(tmp_path / "cache")], stderr=subprocess.PIPE, text=True,
                               cwd=REPO)
    try:
        assert process.stderr is not None
        lines, line = [], ""
        for line in process.stderr:
            lines.append(line)
            if line.startswith("Previewing at "):
                break
        url = line.split()[2]
        assert url.startswith("http://127.0.0.1:"), lines
        assert "Exports grew" in requests.get(url + "briefs/deficit/", timeout=5).text
        process.send_signal(signal.SIGINT)
        try:
            # a bound for a hang, not a speed: on a loaded 2-core machine, once in about six
            # suite runs (2026-12-07), the stop took over 5 s
            assert process.wait(timeout=10) == 0
        except subprocess.TimeoutExpired:
            process.send_signal(signal.SIGUSR1)
            time.sleep(1)
            process.kill()
            pytest.fail("the preview did not stop on Ctrl-C; its threads:\n"
                        + process.communicate()[1][-6000:])
        assert "Preview stopped." in process.stderr.read()
    finally:
        process.kill()
        process.wait()


def test_a_port_in_use_is_a_plain_error(site: tuple[TinyProject, PreviewServer]) -> None:
    tiny, preview = site
    second = PreviewServer(tiny.project, SilentReporter(), port=preview.port,
                           output=tiny.root / "preview-2")
    with pytest.raises(SiteError) as info:
        second.start()
    assert f"cannot listen on 127.0.0.1:{preview.port}" in info.value.message
    assert "--port" in info.value.hint


def test_the_preview_folder_may_not_be_watched(tiny: TinyProject) -> None:
    with pytest.raises(SiteError, match="inside"):
        PreviewServer(tiny.project, SilentReporter(), output=tiny.root / "content" / "out")
