"""Live preview: build with drafts, serve on loopback, rebuild on change, reload open pages.

``PreviewServer`` builds into a private folder (``.cache/preview`` by default) so a preview
never replaces ``output/``, the folder Netlify publishes. A watcher polls ``content/``,
``templates/`` and ``netlify.toml``; after a change it rebuilds (the build itself decides what
to redo, by content) and tells open pages over Server-Sent Events: ``reload`` after a good
build, ``error`` (with file, line, message and hint) after a failed one, while the last good
site stays up. Responses carry the headers and follow the redirects of ``netlify.toml``.

The server listens on 127.0.0.1 and answers only requests whose ``Host`` header names the
address it listens on (on loopback also ``localhost``, ``127.0.0.1`` and ``[::1]``), with
its port: a web page cannot reach it by a DNS name rebound to 127.0.0.1. Another ``host``
(such as 0.0.0.0) lets anyone who can reach the machine read every page, drafts included,
and the data behind them: do that only on a network you trust.
"""

from __future__ import annotations

import dataclasses
import threading
import traceback
from functools import partial
from pathlib import Path
from typing import Protocol

from site_builder.build.pipeline import BuildResult
from site_builder.build.pipeline import build as build_site
from site_builder.errors import BuildFailed, SiteError
from site_builder.loopback import LOOPBACK, LoopbackServer
from site_builder.preview.events import BuildProblem, Hub, State
from site_builder.preview.handler import (
    PreviewHandler,
    SiteFolder,
    allowed_hosts,
    host_allowed,
    is_loopback,
)
from site_builder.preview.indexer import SearchIndexer
from site_builder.preview.netlify import load_rules, redirects_file
from site_builder.preview.watcher import Watcher
from site_builder.project import Project
from site_builder.report import Reporter


class BuildFunction(Protocol):
    def __call__(self, project: Project, reporter: Reporter, output: Path | None = None,
                 drafts: bool = False, *, search: bool = True,
                 swap: bool = True) -> BuildResult: ...


class PreviewServer:
    """Builds (drafts included) into ``output``, serves it, and rebuilds when inputs change.

    ``output`` defaults to ``project.cache / "preview"``, never ``output/``. ``port=0`` picks a
    free port (see :attr:`url`). ``host`` other than loopback exposes drafts to the network.
    ``build`` is the build function, replaceable in tests. Use :meth:`start` and :meth:`stop`,
    or ``with PreviewServer(...) as preview:``.
    """

    def __init__(self, project: Project, reporter: Reporter, host: str = LOOPBACK,
                 port: int = 8000, output: Path | None = None, poll_interval: float = 0.1,
                 build: BuildFunction = build_site) -> None:
        self.project = project
        self.reporter = reporter
        self.host = host
        self.port = port
        self.output = (output or project.cache / "preview").resolve()
        self.poll_interval = poll_interval
        self.netlify_toml = project.root / "netlify.toml"
        self.hub = Hub()
        self.folder = SiteFolder(self.output, self.hub)
        self._build = build
        self._stopping = threading.Event()
        self.watcher = Watcher(self.watched, poll_interval, self._stopping, reporter)
        self.indexer = SearchIndexer(
            self.output, reporter, self._stopping,
            cancelled=lambda: self.watcher.pending.is_set() or self._stopping.is_set(),
            generation=lambda: self.hub.state.generation)
        self._server: LoopbackServer | None = None
        self._threads: list[threading.Thread] = []
        for watched in (project.content, project.templates):
            if self.output.is_relative_to(watched.resolve()):
                raise SiteError(f"the preview folder {self.output} is inside {watched}",
                                hint="Every build would trigger another; choose another folder.")

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/"

    @property
    def watched(self) -> tuple[Path, ...]:
        return (self.project.content, self.project.templates, self.netlify_toml)

    def start(self) -> None:
        """Listen, build once, then watch and serve in background threads."""
        try:
            self._server = LoopbackServer(partial(PreviewHandler, preview=self), self.host,
                                          self.port, self.reporter, name="preview server")
        except OSError as exc:
            raise SiteError(f"cannot listen on {self.host}:{self.port}: {exc.strerror or exc}",
                            hint="Another program may be using the port; pick another with "
                                 "--port, e.g. --port 8001.") from exc
        self.port = self._server.port
        try:
            seen = self.watcher.stamps()
            self.rebuild()
        except BaseException:
            self._server.stop()
            raise
        self._server.start()
        self._threads = [
            threading.Thread(target=self.watcher.run, args=(seen, self._changed),
                             name="preview-watch", daemon=True),
            threading.Thread(target=self.indexer.run, name="preview-search", daemon=True)]
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        """Close event streams, stop listening and watching; returns within a few seconds."""
        self._stopping.set()
        self.hub.close()
        self.indexer.wake()
        if self._server is not None:
            self._server.stop()
        for thread in self._threads:
            thread.join(timeout=5)

    def wait_for_search(self, timeout: float) -> bool:
        """Wait until the search index covers the last good build; False after ``timeout``."""
        return self.indexer.wait(timeout)

    def wait(self) -> None:
        """Block until :meth:`stop` is called (or Ctrl-C)."""
        while not self._stopping.wait(1.0):
            pass

    def __enter__(self) -> PreviewServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def allowed_hosts(self) -> frozenset[str]:
        """The ``Host`` headers this server answers (lower case)."""
        return allowed_hosts(self.host, self.port)

    def host_allowed(self, header: str | None) -> bool:
        """Whether a request with this ``Host`` header is for this server."""
        return host_allowed(self.host, self.port, header)

    # -- building ------------------------------------------------------------------------

    def rebuild(self) -> State:
        """Reload ``netlify.toml``, build, and tell open pages how it went."""
        errors: list[SiteError] = []
        try:
            rules = load_rules(self.netlify_toml)
            if rules != self.folder.rules:
                for note in rules.notes:
                    self.reporter.warn(f"netlify.toml: {note}")
            self.folder.rules = rules
        except SiteError as exc:
            errors.append(exc)
        try:
            with self.indexer.site_lock:
                result = self._build(self.project, self.reporter, self.output, drafts=True,
                                     search=False, swap=False)
                self.indexer.searchable = result.searchable
            published = self.output / "_redirects"
            if published.is_file():  # Netlify applies these before netlify.toml's own
                file_rules = redirects_file(published.read_text(encoding="utf-8"))
                self.folder.rules = dataclasses.replace(
                    self.folder.rules, redirects=file_rules + self.folder.rules.redirects)
        except BuildFailed as exc:
            errors += exc.errors
        except SiteError as exc:
            errors.append(exc)
        except Exception as exc:  # a bug: show it, keep serving and watching
            self.reporter.warn("".join(traceback.format_exception(exc)).rstrip())
            errors.append(SiteError(f"internal error: {type(exc).__name__}: {exc}",
                                    hint="This is a bug in site_builder; the traceback is in "
                                         "the terminal."))
        had_problems = bool(self.hub.state.problems)
        problems = tuple(BuildProblem.of(e, self.project.root) for e in errors)
        if problems:
            self.reporter.warn(f"build failed with {len(problems)} error(s); the preview "
                               "keeps the last good site:")
            for problem in problems:
                self.reporter.error(str(problem))
        elif had_problems:
            self.reporter.info("Fixed: the site builds again; reloading open pages.")
        state = self.hub.publish(problems)
        if not problems:
            self.indexer.want()
        return state

    def _changed(self, paths: list[str]) -> None:
        """The watcher saw ``paths`` change: say so, and rebuild."""
        names = sorted({self._relative(path) for path in paths})
        more = f" and {len(names) - 3} more" if len(names) > 3 else ""
        self.reporter.info(f"Changed: {', '.join(names[:3])}{more}; rebuilding")
        self.rebuild()

    def _relative(self, path: str) -> str:
        p = Path(path)
        return str(p.relative_to(self.project.root)) if p.is_relative_to(self.project.root) \
            else path


def run_preview(project: Project, reporter: Reporter, host: str = LOOPBACK, port: int = 8000,
                output: Path | None = None) -> None:
    """Preview the site at ``http://host:port/`` until Ctrl-C; see :class:`PreviewServer`.

    Raises :class:`SiteError` when the port cannot be used. Build errors do not stop it: they
    show in the terminal and over the page until the file is fixed.
    """
    preview = PreviewServer(project, reporter, host, port, output)
    if not is_loopback(host):
        reporter.warn(f"listening on {host}: anyone who can reach this machine can read the "
                      "preview, drafts included")
    preview.start()
    reporter.info(f"Previewing at {preview.url} (drafts included), from {preview.output}; "
                  "watching content/, templates/ and netlify.toml. Ctrl-C stops.")
    try:
        preview.wait()
    except KeyboardInterrupt:
        reporter.info("Preview stopped.")
    finally:
        preview.stop()
