"""Write files and folders so a reader never sees them half-written."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

FILE_MODE, FOLDER_MODE = 0o644, 0o755  # what a web server needs to read the site
_UMASK = os.umask(0o022)
os.umask(_UMASK)
# Under the usual umask (022 or 002) files and folders are created with these modes; only a
# stricter one (077, 027) needs a chmod after each, a system call per file.
NEEDS_CHMOD = bool(_UMASK & FOLDER_MODE)


def write_file(path: Path, data: bytes) -> None:
    """Write ``data`` to a temporary sibling, then rename it over ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            os.fchmod(handle.fileno(), 0o644)
        Path(tmp).replace(path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def staging_dir(target: Path) -> Path:
    """A fresh empty folder beside ``target`` (same file system, so the swap is a rename)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    staged = Path(tempfile.mkdtemp(prefix=f".{target.name}.new-", dir=target.parent))
    staged.chmod(0o755)
    return staged


def swap_dir(staged: Path, target: Path) -> None:
    """Put ``staged`` in place of ``target``; the old folder is removed only afterwards."""
    old = None
    if target.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=target.parent))
        old.rmdir()
        target.rename(old)
    try:
        staged.rename(target)
    except BaseException:
        if old is not None:
            old.rename(target)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def write_new(path: Path, data: bytes) -> None:
    """Write a file no reader can see yet (in a staging folder, or not yet linked to), with
    the mode a web server needs; no temporary file."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    try:
        rest = memoryview(data)
        while rest:
            rest = rest[os.write(fd, rest):]
        if NEEDS_CHMOD:
            os.fchmod(fd, FILE_MODE)
    finally:
        os.close(fd)


def make_folders(folder: Path, root: Path, known: set[Path] | None = None) -> None:
    """Create ``folder`` and any missing parents below ``root``, each readable by a web
    server; ``known`` holds folders already made (it gains these), to skip looking again."""
    known = set() if known is None else known
    missing = []
    while folder != root and folder not in known and not folder.is_dir():
        missing.append(folder)
        folder = folder.parent
    for path in reversed(missing):
        try:
            path.mkdir(mode=FOLDER_MODE)
            if NEEDS_CHMOD:
                path.chmod(FOLDER_MODE)
        except FileExistsError:  # another process made it first
            pass
        known.add(path)
