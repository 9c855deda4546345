"""Full-text search that works on a static host: a Pagefind index built beside the pages.

Pagefind writes its bundle (a fragment per page, index chunks, its scripts) into scratch
space in memory where the system has it; the bundle is then copied into the site file by
file, skipping every file already there with the same bytes. Most names in a bundle are
content hashes, so after an edit only a few dozen files change, and writing a thousand small
files at once, which some file systems do slowly, happens only on a first build.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path

from site_builder.atomic import make_folders, write_file, write_new
from site_builder.errors import SiteError

SEARCH = "pagefind"  # the folder of the index, below the site
REINSTALL = "Reinstall with `python -m pip install -e .` (it brings Pagefind)."
ENTRY = "pagefind-entry.json"  # names the current index files: replaced after them


class Cancelled(Exception):
    """Indexing stopped before it changed anything, because newer pages are on the way."""


def index_site(folder: Path, cancelled: Callable[[], bool] = lambda: False) -> int:
    """Index the pages in ``folder`` and bring ``folder/pagefind`` up to date; returns the
    number of files of the index written or removed. Before Pagefind starts and every 50 ms
    while it runs, ``cancelled`` is asked; when it says yes, Pagefind is stopped and
    :class:`Cancelled` raised, with the old index left as it was."""
    scratch = Path(tempfile.mkdtemp(prefix="site-builder-search-", dir=_scratch_root()))
    try:
        _run_pagefind(folder, scratch / SEARCH, cancelled)
        return _install(scratch / SEARCH, folder / SEARCH)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _scratch_root() -> str | None:
    """A folder in memory (tmpfs) where there is one, else the system's temporary folder."""
    shm = "/dev/shm"
    return shm if Path(shm).is_dir() and os.access(shm, os.W_OK | os.X_OK) else None


def _run_pagefind(folder: Path, into: Path, cancelled: Callable[[], bool]) -> None:
    try:  # the binary itself, not `python -m pagefind`: no second interpreter to start
        from pagefind_bin import get_executable

        binary = str(get_executable())
    except (ImportError, FileNotFoundError) as exc:
        raise SiteError(f"Pagefind, which builds the search index, is missing: {exc}",
                        hint=REINSTALL) from exc
    if cancelled():
        raise Cancelled
    with subprocess.Popen([binary, "--site", str(folder), "--output-path", str(into), "--quiet"],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as run:
        while True:
            try:
                out, err = run.communicate(timeout=0.05)
                break
            except subprocess.TimeoutExpired:
                if cancelled():
                    run.kill()
                    run.communicate()
                    raise Cancelled from None
    if run.returncode != 0:
        raise SiteError("the search index could not be built: "
                        + (err or out).strip()[-500:], hint=REINSTALL)


def _install(bundle: Path, target: Path) -> int:
    """Make ``target`` hold exactly the files of ``bundle``: new files first, the entry file
    that names them next, stale files last, so a reader meanwhile finds a whole index."""
    new = {str(p.relative_to(bundle)) for p in bundle.rglob("*") if p.is_file()}
    old = {str(p.relative_to(target)) for p in target.rglob("*") if p.is_file()} \
        if target.is_dir() else set()
    changed = 0
    folders: set[Path] = set()
    for name in sorted(new, key=lambda n: n == ENTRY):
        data = (bundle / name).read_bytes()
        there = target / name
        if name not in old:  # nothing refers to it yet: no reader can see it half-written
            make_folders(there.parent, target.parent, folders)
            write_new(there, data)
        elif there.stat().st_size != len(data) or there.read_bytes() != data:
            write_file(there, data)
        else:
            continue
        changed += 1
    for name in old - new:
        (target / name).unlink()
        changed += 1
    return changed
