"""Write the site: stage every file in a temporary folder, then swap it into place."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

from site_builder.atomic import staging_dir, swap_dir


def write_site(files: dict[str, bytes], output: Path,
               before_swap: Callable[[Path], None] | None = None) -> None:
    """Replace ``output`` with ``files``; on any failure the old site stays.

    ``before_swap`` may add to the staged folder (the search index) before it goes live.
    """
    staged = staging_dir(output)
    try:
        for relative, data in sorted(files.items()):
            target = staged / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
            target.chmod(0o644)
        if before_swap is not None:
            before_swap(staged)
        for folder in staged.rglob("*"):
            if folder.is_dir():
                folder.chmod(0o755)
        swap_dir(staged, output)
    except BaseException:
        shutil.rmtree(staged, ignore_errors=True)
        raise
