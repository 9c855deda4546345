"""Full-text search that works on a static host: a Pagefind index built beside the pages."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from site_builder.errors import SiteError

SEARCH = "pagefind"  # the folder of the index, below the site


def index_site(folder: Path, into: Path) -> None:
    """Index the pages in ``folder``; write the index and the search UI to ``into``."""
    result = subprocess.run(
        [sys.executable, "-m", "pagefind", "--site", str(folder), "--output-path", str(into),
         "--quiet"],
        capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise SiteError("the search index could not be built: "
                        + (result.stderr or result.stdout).strip()[-500:],
                        hint="Reinstall with `python -m pip install -e .` (it brings Pagefind).")
