"""Write the site: stage every file in a temporary folder, then swap it into place."""

from __future__ import annotations

import shutil
from pathlib import Path

from site_builder.atomic import staging_dir, swap_dir, write_file
from site_builder.search import SEARCH, index_site


def write_site(files: dict[str, bytes], output: Path) -> None:
    """Replace ``output`` with ``files`` and their search index; on failure the old site
    stays."""
    staged = staging_dir(output)
    try:
        for relative, data in sorted(files.items()):
            target = staged / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
            target.chmod(0o644)
        index_site(staged, staged / SEARCH)
        for folder in staged.rglob("*"):
            if folder.is_dir():
                folder.chmod(0o755)
        swap_dir(staged, output)
    except BaseException:
        shutil.rmtree(staged, ignore_errors=True)
        raise


def update_site(files: dict[str, bytes], wanted: dict[str, str],
                present: dict[str, list[int | str]], output: Path) -> int:
    """Bring ``output`` from ``present`` to ``wanted`` (path -> hash), writing only changes.

    ``files`` holds the bytes of every file rendered this time; a wanted file missing from it
    is one the cache kept, already in place. Each file is replaced atomically; the search
    index is rebuilt beside the old one and swapped in when any page changed.
    """
    changed = {path: files[path] for path, checksum in wanted.items()
               if path in files and (path not in present or present[path][0] != checksum)}
    removed = [path for path in present
               if path not in wanted and not path.startswith(f"{SEARCH}/")]
    for path, data in sorted(changed.items()):
        write_file(output / path, data)
    for path in removed:
        (output / path).unlink(missing_ok=True)
    _prune_empty(output, removed)
    if any(p.endswith(".html") for p in [*changed, *removed]) or not (output / SEARCH).exists():
        staged = output.parent / f".{output.name}.search"
        shutil.rmtree(staged, ignore_errors=True)
        index_site(output, staged)
        swap_dir(staged, output / SEARCH)
    return len(changed) + len(removed)


def _prune_empty(output: Path, removed: list[str]) -> None:
    for path in sorted({str(Path(p).parent) for p in removed}, key=len, reverse=True):
        folder = output / path
        while folder != output and folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()
            folder = folder.parent
