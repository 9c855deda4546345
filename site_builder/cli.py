"""The command line: parse flags, call the library, turn expected errors into exit codes."""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import os
import sys
import traceback
from pathlib import Path
from typing import NoReturn

from site_builder import __version__
from site_builder.errors import BuildFailed, SiteError
from site_builder.project import Project
from site_builder.report import ConsoleReporter

# Each command imports what it runs, when it runs: `build` should not pay for pandas,
# requests or the checker before its first page (half its start-up, measured).

EXIT_INPUT = 1  # the input has problems: each is listed with its file and line
EXIT_FETCH = 3  # a fetch failed; the snapshot is untouched


INTRO = """\
site_builder builds a website of briefs on US trade from the Markdown in content/: every
figure is computed from the committed data, and every claim word is checked against it.

Most used: `build` writes the site to output/, `serve` previews it while you write, `new
"Title"` starts a brief, and `check` lists everything that should stop publishing. Run
`site_builder COMMAND --help` for a command's options; the options below work before or
after the command.
"""


class _Parser(argparse.ArgumentParser):
    """Help that opens with what the tool does, then the usage line."""

    def format_help(self) -> str:
        return INTRO + "\n" + super().format_help()


def _global_flags(parser: argparse.ArgumentParser, defaults: bool) -> None:
    """The flags every command takes. A command's copy has no defaults (``SUPPRESS``), so a
    flag given before the command is not reset by the command's parser."""
    def default(value: object) -> object:
        return value if defaults else argparse.SUPPRESS

    parser.add_argument("--root", type=Path, default=default(Path()), metavar="DIR",
                        help="project folder holding content/ and templates/ (default: .)")
    parser.add_argument("-v", "--verbose", action="store_true", default=default(False),
                        help="also print each stage's time and the chart cache hits")
    parser.add_argument("-q", "--quiet", action="store_true", default=default(False),
                        help="print only problems (no progress bars)")
    parser.add_argument("--debug", action="store_true", default=default(False),
                        help="show a traceback with every error")


def parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    _global_flags(common, defaults=False)
    top = _Parser(prog="site_builder")
    _global_flags(top, defaults=True)
    top.add_argument("--version", action="version", version=f"site_builder {__version__}")
    commands = top.add_subparsers(dest="command", required=True, title="commands",
                                  parser_class=argparse.ArgumentParser,
                                  metavar="COMMAND")
    b = commands.add_parser("build", parents=[common], help="build the site into output/")
    b.add_argument("--output", type=Path, help="where to write the site (default: output/)")
    b.add_argument("--drafts", action="store_true", help="include briefs marked draft: true")
    b.add_argument("--refresh", action="store_true",
                   help="fetch fresh data first; if that fails, build from the last good data")
    b.add_argument("--strict", action="store_true",
                   help="treat stale data (failed fetch, or too old) as an error, for CI")
    f = commands.add_parser("fetch", parents=[common],
                            help="refresh the data snapshot from FRED, Census and BEA")
    f.add_argument("--only", nargs="+", default=(), metavar="DATASET",
                   help="fetch just these datasets")
    f.add_argument("--diff-md", type=Path, metavar="FILE",
                   help="also write the changes as Markdown, e.g. for a pull request")
    f.add_argument("--dry-run", action="store_true",
                   help="fetch and show the changes, but leave the snapshot as it is")
    f.add_argument("--allow-missing", action="store_true",
                   help="accept values the snapshot has that upstream now gives as missing")
    f.add_argument("--deadline", type=float, metavar="SECONDS",
                   help="stop the whole fetch after this long, snapshot untouched (default: "
                        "$SITE_BUILDER_FETCH_DEADLINE, else 600)")
    v = commands.add_parser("serve", parents=[common],
                            help="preview the site, drafts included, reloading on every edit")
    v.add_argument("--host", default="127.0.0.1",
                   help="address to listen on (default: 127.0.0.1, this machine only)")
    v.add_argument("--port", type=int, default=8000, help="port (default: 8000)")
    c = commands.add_parser("check", parents=[common],
                            help="build, then list every problem that should stop publishing")
    c.add_argument("--output", type=Path, help="where to build and check (default: output/)")
    c.add_argument("--external", action="store_true",
                   help="also check links to other sites (cached, rate-limited)")
    c.add_argument("--no-browser", action="store_true",
                   help="skip the accessibility checks that need Chromium")
    c.add_argument("--offline", action="store_true",
                   help="skip what only a fetch could fix: data older than the latest release")
    c.add_argument("--full", action="store_true",
                   help="check the accessibility of every page, not only those changed since "
                        "they last passed")
    n = commands.add_parser("new", parents=[common], help="start a brief from a template")
    n.add_argument("title", help="the brief's title; its file name is made from it")
    commands.add_parser("datasets", parents=[common],
                        help="list every series with its vintages, and every dataset")
    s = commands.add_parser("seed", parents=[common],
                            help="rebuild the data snapshot from offline source files")
    s.add_argument("source_dir", type=Path, help="folder holding the source CSV files")
    return top


def main(argv: list[str] | None = None) -> int:
    cli = parser()
    args = cli.parse_args(argv)
    if args.verbose and args.quiet:
        cli.error("-v/--verbose and -q/--quiet say opposite things: give one of them")
    reporter = ConsoleReporter(0 if args.quiet else 2 if args.verbose else 1)
    project = Project(args.root.resolve())
    try:
        if args.command == "fetch":
            return _fetch(project, reporter, args)
        if args.command == "build":
            if args.refresh and _fetch(project, reporter, args) != 0:
                if args.strict:
                    print("Fetch failed and --strict is set: not building.", file=sys.stderr)
                    return EXIT_FETCH
                reporter.warn("fetch failed; building from the last good snapshot")
            from site_builder.build.pipeline import build

            output = args.output.resolve() if args.output else None
            build(project, reporter, output, drafts=args.drafts, strict=args.strict,
                  fork=True)
        elif args.command == "check":
            # the browser first: it starts while the gate is imported and the site built
            from site_builder.check.early import start_browser

            browser = False if args.no_browser else None
            chromium = start_browser(project, browser)
            try:
                from site_builder.check.gate import check

                problems = check(project, reporter,
                                 args.output.resolve() if args.output else None,
                                 external=args.external, stale=not args.offline,
                                 browser=browser, full=args.full, chromium=chromium)
            finally:
                if chromium is not None:
                    chromium.close()
            for problem in problems:
                print(f"{problem.kind}: {problem}" + (f"\n  {problem.hint}" if problem.hint
                                                      else ""), file=sys.stderr)
            if problems:
                print(f"{len(problems)} problem(s): not fit to publish.", file=sys.stderr)
                return EXIT_INPUT
        elif args.command == "serve":
            from site_builder.preview.server import run_preview

            run_preview(project, reporter, args.host, args.port)
        elif args.command == "new":
            from site_builder.content.scaffold import new_brief

            path = new_brief(project, args.title, dt.date.today())
            reporter.info(f"Wrote {path}: a draft. Preview it with `python -m site_builder "
                          "serve`; set `draft: false` to publish.")
        elif args.command == "datasets":
            from site_builder.data.declarations import load_declarations
            from site_builder.data.listing import listing
            from site_builder.data.snapshot import Snapshot

            print(listing(Snapshot(project.lockfile), load_declarations(project.declarations)),
                  end="")
        elif args.command == "seed":
            from site_builder.data.seed import seed_snapshot

            metas = seed_snapshot(project.declarations, args.source_dir, project.lockfile)
            reporter.info(f"Wrote {len(metas)} datasets to {project.lockfile.parent}")
    except BuildFailed as exc:
        for error in exc.errors:
            _show(error, args.debug)
        print(f"Build failed with {len(exc.errors)} error(s); output/ was left as it was.",
              file=sys.stderr)
        return EXIT_INPUT
    except SiteError as exc:
        _show(exc, args.debug)
        return EXIT_INPUT
    except KeyboardInterrupt:
        print("Stopped.", file=sys.stderr)
        return 130
    return 0


def run() -> NoReturn:
    """The command line's entry point: :func:`main`, then exit with its code, sparing the
    exit a garbage collection over everything the command made (a quarter of a second
    after a check)."""
    code = main()
    gc.freeze()
    sys.exit(code)


def _fetch(project: Project, reporter: ConsoleReporter, args: argparse.Namespace) -> int:
    """Run fetch; print the diff; 0 on success, EXIT_FETCH with the snapshot untouched."""
    from site_builder.atomic import write_file
    from site_builder.build.impact import PageImpact
    from site_builder.data.fetch import fetch

    try:
        result = fetch(project, reporter, os.environ, impact=PageImpact(project),
                       only=tuple(getattr(args, "only", ())),
                       dry_run=getattr(args, "dry_run", False),
                       allow_missing=getattr(args, "allow_missing", False),
                       deadline=getattr(args, "deadline", None))
    except BuildFailed as exc:
        for error in exc.errors:
            _show(error, args.debug)
        print(f"Fetch failed with {len(exc.errors)} error(s); the snapshot was left as it "
              "was.", file=sys.stderr)
        return EXIT_FETCH
    if reporter.verbosity >= 1:
        print(result.diff.text(), end="")
    diff_md = getattr(args, "diff_md", None)
    if diff_md is not None:
        write_file(diff_md, result.diff.markdown().encode())
    state = "updated" if result.written else "unchanged"
    reporter.info(f"{result.requests} requests, {result.cache_hits} answered from cache (304), "
                  f"{result.retries} retries, {result.seconds:.1f} s; snapshot {state}.")
    return 0


def _show(error: SiteError, debug: bool) -> None:
    relative = error
    if error.path is not None and error.path.is_relative_to(Path.cwd()):
        relative = SiteError(error.message, error.path.relative_to(Path.cwd()), error.line,
                             error.hint)
    print(f"error: {relative}", file=sys.stderr)
    if debug:
        traceback.print_exception(error)
