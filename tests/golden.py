"""The golden build: a clean build of a fixed site, pinned file by file, so that moving code
around (issue 16's redesign) can be shown to change no byte a reader gets.

    python tests/golden.py            # compare a fresh build with the pinned one
    python tests/golden.py --record   # pin the current build (after a change meant to show)
    python tests/golden.py --shipped --pin before.json --record   # the shipped content,
    python tests/golden.py --shipped --pin before.json            # before and after a move

The fixed site is the project's templates, data snapshot, chart code and settings with the
briefs and page of ``tests/fixtures/site/``, built on a fixed date. The pin,
``tests/golden/fixture-site.json``, maps each output file to its SHA-256, and names the
versions of the libraries that make the bytes (Markdown, Jinja, Vega's converter, Pagefind):
a new version of one may change them, and the comparison then says which moved. The shipped
content changes every week, so its pin is never committed: make one before a refactor and
compare after it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import shutil
import sys
import tempfile
from importlib import metadata
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
FIXTURE = HERE / "fixtures" / "site"
PINNED = HERE / "golden" / "fixture-site.json"
#: The libraries whose versions decide the output's bytes.
MAKERS = ("markdown", "jinja2", "altair", "vl-convert-python", "pagefind", "html5lib")
#: The build's "today": the site says how old its data are, so the date is fixed.
TODAY = dt.date(2026, 11, 30)


def fixture_project(root: Path) -> Path:
    """Lay out the fixed site at ``root``: the project's own templates, data, chart code
    and settings, and the fixture's briefs and pages."""
    shutil.copytree(REPO / "templates", root / "templates")
    for part in ("data", "charts"):
        shutil.copytree(REPO / "content" / part, root / "content" / part)
    shutil.copy(REPO / "content" / "site.toml", root / "content" / "site.toml")
    for part in ("briefs", "pages"):
        shutil.copytree(FIXTURE / part, root / "content" / part)
    return root


def build_fixture(root: Path, shipped: bool = False) -> Path:
    """Build the fixed site (or, with ``shipped``, the project's own content), from scratch,
    into ``root/output``."""
    from site_builder.build.pipeline import build
    from site_builder.project import Project
    from site_builder.report import SilentReporter

    project = REPO if shipped else fixture_project(root)
    output = root / "output"
    build(Project(project, cache_dir=root / ".cache"), SilentReporter(), output, today=TODAY)
    return output


def manifest(output: Path) -> dict[str, str]:
    """Each file below ``output`` with the SHA-256 of its bytes."""
    return {path.relative_to(output).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted(output.rglob("*")) if path.is_file()}


def versions() -> dict[str, str]:
    return {name: metadata.version(name) for name in MAKERS}


def differences(pinned: dict[str, str], built: dict[str, str]) -> list[str]:
    """What the build changed, one line per file: added, removed or changed."""
    return ([f"added   {p}" for p in sorted(built.keys() - pinned.keys())]
            + [f"removed {p}" for p in sorted(pinned.keys() - built.keys())]
            + [f"changed {p}" for p in sorted(built.keys() & pinned.keys())
               if built[p] != pinned[p]])


def moved_versions(pinned: dict[str, str]) -> list[str]:
    """The libraries whose installed version is not the one the pin was made with."""
    now = versions()
    return [f"version {name} {pinned.get(name)} → {now[name]}" for name in MAKERS
            if pinned.get(name) != now[name]]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--record", action="store_true", help="pin the current build")
    parser.add_argument("--shipped", action="store_true",
                        help="build the project's own content instead of the fixed site")
    parser.add_argument("--pin", type=Path, help=f"the pin file (default {PINNED.name})")
    args = parser.parse_args()
    if args.shipped and not args.pin:
        parser.error("--shipped needs --pin FILE: the shipped content has no committed pin")
    pinned = args.pin or PINNED
    sys.path.insert(0, str(REPO))
    with tempfile.TemporaryDirectory(prefix="golden-") as tmp:
        built = manifest(build_fixture(Path(tmp), args.shipped))
    if args.record:
        pin = {"versions": versions(), "files": built}
        pinned.parent.mkdir(parents=True, exist_ok=True)
        pinned.write_text(json.dumps(pin, indent=1, sort_keys=True) + "\n", "utf-8")
        print(f"pinned {len(built)} files in {pinned}")
        return 0
    pin = json.loads(pinned.read_text("utf-8"))
    changed = differences(pin["files"], built)
    print("\n".join(changed + moved_versions(pin["versions"]))
          or f"the build matches the pin: {len(built)} files")
    return 1 if changed else 0

if __name__ == "__main__":
    sys.exit(main())
