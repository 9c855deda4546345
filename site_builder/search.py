"""Full-text search that works on a static host: a Pagefind index built beside the pages."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from site_builder.atomic import swap_dir
from site_builder.errors import SiteError

SEARCH = "pagefind"  # the folder of the index, below the site
REINSTALL = "Reinstall with `python -m pip install -e .` (it brings Pagefind)."


def index_site(folder: Path, into: Path) -> None:
    """Index the pages in ``folder``; write the index and the search UI to ``into``."""
    try:  # the binary itself, not `python -m pagefind`: no second interpreter to start
        from pagefind_bin import get_executable

        binary = str(get_executable())
    except (ImportError, FileNotFoundError) as exc:
        raise SiteError(f"Pagefind, which builds the search index, is missing: {exc}",
                        hint=REINSTALL) from exc
    result = subprocess.run(
        [binary, "--site", str(folder), "--output-path", str(into),
         "--quiet"],
        capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise SiteError("the search index could not be built: "
                        + (result.stderr or result.stdout).strip()[-500:],
                        hint=REINSTALL)


def reindex(output: Path) -> None:
    """Index the site in ``output`` again, beside the old index, then swap the new one in."""
    staged = output.parent / f".{output.name}.search"
    shutil.rmtree(staged, ignore_errors=True)
    try:
        index_site(output, staged)
        swap_dir(staged, output / SEARCH)
    finally:
        shutil.rmtree(staged, ignore_errors=True)
