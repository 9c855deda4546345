"""Write the site: stage every file in a temporary folder, then swap it into place."""

from __future__ import annotations

import shutil
from pathlib import Path

from site_builder.atomic import staging_dir, swap_dir


def write_site(files: dict[str, bytes], output: Path) -> None:
    """Replace ``output`` with exactly ``files``; on any failure the old site stays."""
    staged = staging_dir(output)
    try:
        for relative, data in sorted(files.items()):
            target = staged / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
            target.chmod(0o644)
        for folder in staged.rglob("*"):
            if folder.is_dir():
                folder.chmod(0o755)
        swap_dir(staged, output)
    except BaseException:
        shutil.rmtree(staged, ignore_errors=True)
        raise
