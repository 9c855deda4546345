"""The command line: parse flags, call the library, turn expected errors into exit codes."""

from __future__ import annotations

import argparse
import sys
import traceback
from pathlib import Path

from site_builder import __version__
from site_builder.build import build
from site_builder.config import Project
from site_builder.data.seed import seed_snapshot
from site_builder.errors import BuildFailed, SiteError
from site_builder.report import ConsoleReporter

EXIT_INPUT = 1


def parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--root", type=Path, default=Path(),
                        help="project folder holding content/ and templates/ (default: .)")
    noise = common.add_mutually_exclusive_group()
    noise.add_argument("-v", "--verbose", action="store_true", help="also print stage timings")
    noise.add_argument("-q", "--quiet", action="store_true", help="print only problems")
    common.add_argument("--debug", action="store_true",
                        help="show a traceback with every error")

    top = argparse.ArgumentParser(prog="site_builder", description=__doc__)
    top.add_argument("--version", action="version", version=f"site_builder {__version__}")
    commands = top.add_subparsers(dest="command", required=True)
    b = commands.add_parser("build", parents=[common], help="build the site into output/")
    b.add_argument("--output", type=Path, help="where to write the site (default: output/)")
    b.add_argument("--drafts", action="store_true", help="include briefs marked draft: true")
    s = commands.add_parser("seed", parents=[common],
                            help="rebuild the data snapshot from offline source files")
    s.add_argument("source_dir", type=Path, help="folder holding the source CSV files")
    return top


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    reporter = ConsoleReporter(0 if args.quiet else 2 if args.verbose else 1)
    project = Project(args.root.resolve())
    try:
        if args.command == "build":
            output = args.output.resolve() if args.output else None
            build(project, reporter, output, drafts=args.drafts)
        elif args.command == "seed":
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
    return 0


def _show(error: SiteError, debug: bool) -> None:
    relative = error
    if error.path is not None and error.path.is_relative_to(Path.cwd()):
        relative = SiteError(error.message, error.path.relative_to(Path.cwd()), error.line,
                             error.hint)
    print(f"error: {relative}", file=sys.stderr)
    if debug:
        traceback.print_exception(error)
