"""Full-text search that works on a static host: a Pagefind index built beside the pages.

A large site's index is split into parts of about :data:`PART_PAGES` pages, each a Pagefind
bundle of its own that the search page merges in the reader's browser (one WebAssembly
module serves them all; each part costs a reader one small request per search term). A
page's part depends only on its file name and the number of parts, and each part's pages
and their hashes are recorded in ``pagefind/parts.json``: after an edit only the edited
page's part is indexed again, and parts are indexed side by side, one per core, each with
a fraction of the memory one index of the whole site takes.

Where a part's folder in the site holds no bundle yet (a build from scratch, a new part),
Pagefind writes its bundle beside the site, on the same file system, and the bundle is
moved into place by renaming its folders. Otherwise it writes into scratch space in memory
where the system has it, and the bundle is copied into the site file by file, skipping
every file already there with the same bytes. Most names in a bundle are content hashes,
so after an edit only a few dozen files change.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
import threading
import zlib
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import orjson

from site_builder.atomic import make_folders, owned_prefix, remove_stale, write_file, write_new
from site_builder.build.cache import file_stamp
from site_builder.errors import SiteError

SEARCH = "pagefind"  # the folder of the index, below the site
REINSTALL = "Reinstall with `python -m pip install -e .` (it brings Pagefind)."
ENTRY = "pagefind-entry.json"  # names the current index files: replaced after them
MANIFEST = "parts.json"  # part -> digest of its pages, in the main bundle's folder
PART = "part-"  # folders of the other parts, inside the main bundle's folder
PART_PAGES = 250  # pages per part, about: an edit reindexes this many
SCRATCH = "site-builder-search-"  # scratch folders, in scratch_root(), then PID-
NEAR = f".{SCRATCH}"  # scratch folders beside the site, for bundles moved in whole
MAX_PARTS = 16  # each part is one more request per search term for a reader


class Cancelled(Exception):
    """Indexing stopped before it finished, because newer pages are on the way; the parts
    already indexed are kept, the others left as they were."""


def symlink(link: Path, target: Path) -> None:
    """Make ``link`` a symbolic link to ``target``: how Pagefind is shown a part's pages."""
    link.symlink_to(target)


@dataclass(frozen=True)
class Indexer:
    """How the index is made: ``part_pages`` pages to a part, by the Pagefind program at
    ``binary`` (None: the one installed with site_builder), which reads the pages of a part
    through links made by ``link(link, target)`` (where that fails, through copies)."""

    part_pages: int = PART_PAGES
    binary: str | None = None
    link: Callable[[Path, Path], None] = symlink

    def program(self) -> tuple[str, str]:
        """The Pagefind program to run, and what tells it from another: for the one
        installed with site_builder its version and size, the same on every machine (the
        index's record is published with the site, and must not change with where or when
        Pagefind was installed); for another, its path, size and modification time."""
        if self.binary is not None:
            size, time = file_stamp(Path(self.binary))
            return self.binary, f"{self.binary} {size} {time}"
        try:  # the binary itself, not `python -m pagefind`: no second interpreter to start
            # imported here: a missing Pagefind is a build error when there is something to
            # index, not a failure to import site_builder
            from pagefind_bin import get_executable

            binary = Path(get_executable())
            return str(binary), f"pagefind {version('pagefind_bin')} {binary.stat().st_size}"
        except (ImportError, FileNotFoundError, PackageNotFoundError) as exc:
            raise SiteError(f"Pagefind, which builds the search index, is missing: {exc}",
                            hint=REINSTALL) from exc


PAGEFIND = Indexer()  # the usual index


def parts(pages: Iterable[str], indexer: Indexer = PAGEFIND) -> dict[str, list[str]]:
    """Split the site's searchable page files into parts: folder below ``pagefind/``
    (``""`` for the main bundle, which also carries Pagefind's scripts) -> its pages."""
    files = sorted(pages)
    count = 1
    while count < MAX_PARTS and count * indexer.part_pages < len(files):
        count *= 2
    buckets: dict[int, list[str]] = {}
    for name in files:
        buckets.setdefault(zlib.crc32(name.encode()) % count, []).append(name)
    split: dict[str, list[str]] = {}
    for number in sorted(buckets):
        split[f"{PART}{number}" if split else ""] = buckets[number]
    return split or {"": []}


def merge_paths(pages: Iterable[str], indexer: Indexer = PAGEFIND) -> list[str]:
    """The site paths of the parts the search page merges into the main bundle."""
    return [f"/{SEARCH}/{name}/" for name in parts(pages, indexer) if name]


def is_whole(folder: Path, pages: Iterable[str], indexer: Indexer = PAGEFIND) -> bool:
    """Whether ``folder`` has every part of the index these pages need (a quick look: it
    does not tell whether the parts are up to date)."""
    return all((folder / SEARCH / name / ENTRY).is_file() for name in parts(pages, indexer))


def index_site(folder: Path, pages: Mapping[str, str],
               cancelled: Callable[[], bool] = lambda: False,
               indexer: Indexer = PAGEFIND) -> int:
    """Bring ``folder/pagefind`` up to date with ``pages`` (page file below ``folder`` ->
    hash of its content), indexing only the parts whose pages changed; returns the number
    of index files written or removed. Before Pagefind starts and every 50 ms while it
    runs, ``cancelled`` is asked; when it says yes, Pagefind is stopped and
    :class:`Cancelled` raised."""
    target = folder / SEARCH
    binary, stamp = indexer.program()  # another Pagefind means new bundles
    split = parts(pages, indexer)
    wanted = {name: hashlib.sha256("\n".join(
        [stamp, *(f"{page} {pages[page]}" for page in members)]).encode()).hexdigest()
        for name, members in split.items()}
    recorded = _read_manifest(target)
    todo = {name: members for name, members in split.items()  # no pages: index every page
            if recorded.get(name) != wanted[name] or not members
            or not (target / name / ENTRY).is_file()}
    if todo and cancelled():
        raise Cancelled
    finished, failures = (_index_parts(binary, indexer.link, folder, todo, cancelled)
                          if todo else ({}, []))
    changed = sum(finished.values())
    made = recorded | {name: wanted[name] for name in finished}
    if not failures:
        changed += _remove_other_parts(target, split)
        made = wanted
    if target.is_dir() and made != recorded:
        write_file(target / MANIFEST, orjson.dumps(made, option=orjson.OPT_SORT_KEYS))
        changed += 1
    if failures:
        raise next((f for f in failures if not isinstance(f, Cancelled)), failures[0])
    return changed


def _index_parts(binary: str, link: Callable[[Path, Path], None], folder: Path,
                 todo: dict[str, list[str]], cancelled: Callable[[], bool]
                 ) -> tuple[dict[str, int], list[BaseException]]:
    """Index the parts in ``todo``, one per core; returns the files each part that finished
    changed, and the errors of the others (after one fails, the rest are stopped)."""
    stop = threading.Event()

    def halt() -> bool:
        return stop.is_set() or cancelled()

    scratch = Path(tempfile.mkdtemp(prefix=owned_prefix(SCRATCH), dir=scratch_root()))
    fresh = {name for name in todo if not _bundle_files(folder / SEARCH / name, not name)}
    near = _near_scratch(folder) if fresh else None
    try:
        with ThreadPoolExecutor(max_workers=min(len(todo), os.cpu_count() or 1)) as pool:
            running = {pool.submit(_index_part, binary, link, folder, name, members,
                                   scratch / (name or "main"),
                                   (near if near and name in fresh else scratch)
                                   / (name or "main") / SEARCH, halt): name
                       for name, members in todo.items()}
            wait(running, return_when=FIRST_EXCEPTION)
            stop.set()
            done, _ = wait(running)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
        if near is not None:
            shutil.rmtree(near, ignore_errors=True)
    finished = {running[f]: f.result() for f in done if f.exception() is None}
    return finished, [error for f in done if (error := f.exception()) is not None]


def _read_manifest(target: Path) -> dict[str, str]:
    try:
        made = orjson.loads((target / MANIFEST).read_bytes())
    except (OSError, orjson.JSONDecodeError):
        return {}
    return made if isinstance(made, dict) else {}


def scratch_root() -> str:
    """A folder in memory (tmpfs) where there is one, else the system's temporary folder."""
    shm = "/dev/shm"
    return shm if Path(shm).is_dir() and os.access(shm, os.W_OK | os.X_OK) \
        else tempfile.gettempdir()


def _near_scratch(site: Path) -> Path | None:
    """A scratch folder beside ``site``, on its file system (None where there is none to
    make): a bundle written there moves into the site by renames instead of copies."""
    try:
        near = Path(tempfile.mkdtemp(prefix=owned_prefix(NEAR), dir=site.parent))
        if _same_device(near, site):
            return near
        shutil.rmtree(near, ignore_errors=True)
    except OSError:
        pass
    return None


def remove_stale_scratch(beside: Path) -> list[Path]:
    """Remove the scratch folders that killed runs left, those whose process no longer runs:
    ``site-builder-search-PID-…`` in :func:`scratch_root` and ``.site-builder-search-PID-…``
    in ``beside``, the folder that holds the site."""
    return remove_stale(Path(scratch_root()), SCRATCH) + remove_stale(beside, NEAR)


def _index_part(binary: str, link: Callable[[Path, Path], None], folder: Path, name: str,
                members: list[str], scratch: Path, bundle: Path,
                cancelled: Callable[[], bool]) -> int:
    """Index one part's pages into ``bundle`` and install it; returns the files changed."""
    source = _link_pages(folder, members, scratch / "pages", link) if members else folder
    _run_pagefind(binary, source, bundle, cancelled)
    return _install(bundle, folder / SEARCH / name, folder, main=not name)


def _link_pages(folder: Path, members: list[str], into: Path,
                link: Callable[[Path, Path], None]) -> Path:
    """A folder of links to just these pages, at their own paths, for Pagefind to walk
    (it follows links to files); copies where the system allows no links (Windows without
    the privilege)."""
    origin = folder.resolve()
    made: set[Path] = set()
    for member in members:
        page = into / member
        if page.parent not in made:
            page.parent.mkdir(parents=True, exist_ok=True)
            made.add(page.parent)
        try:
            link(page, origin / member)
        except OSError:
            shutil.copyfile(origin / member, page)
    return into


def _run_pagefind(binary: str, source: Path, into: Path,
                  cancelled: Callable[[], bool]) -> None:
    # umask: the files it makes are readable by a web server, as the site's own are
    with subprocess.Popen([binary, "--site", str(source), "--output-path", str(into),
                           "--quiet"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True, umask=0o022 if os.name == "posix" else -1) as run:
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
        raise SiteError("the search index could not be built: " + (err or out).strip()[-500:],
                        hint="Pagefind's message above says why; if it blames no page or "
                             "disk, " + REINSTALL[0].lower() + REINSTALL[1:])


def _is_data(name: str) -> bool:
    """A file of the index itself, not one of Pagefind's scripts and styles, which only the
    main bundle needs."""
    return "/" in name or name == ENTRY or name.endswith(".pf_meta")


def _bundle_files(folder: Path, main: bool) -> set[str]:
    """The files of a bundle (below ``folder``, with "/"): in the main bundle's folder, the
    other parts' folders and the manifest are left out."""
    found: set[str] = set()
    for root, dirs, files in os.walk(folder):
        relative = os.path.relpath(root, folder).replace(os.sep, "/")
        prefix = "" if relative == "." else relative + "/"
        if main and not prefix:
            dirs[:] = [d for d in dirs if not d.startswith(PART)]
            files = [f for f in files if f != MANIFEST]
        found.update(prefix + name for name in files)
    return found


def _install(bundle: Path, target: Path, site: Path, main: bool) -> int:
    """Make ``target`` hold exactly the files of ``bundle`` (the index data alone, for a
    part other than the main one): new files first, the entry file that names them next,
    stale files last, so a reader meanwhile finds a whole index."""
    new = {name for name in _bundle_files(bundle, False) if main or _is_data(name)}
    old = _bundle_files(target, main) if target.is_dir() else set()
    if not old and _same_device(bundle, site):
        return _move_in(bundle, target, site, new)
    changed = 0
    folders: set[Path] = set()
    for name in sorted(new, key=lambda n: n == ENTRY):
        data = (bundle / name).read_bytes()
        there = target / name
        if name not in old:  # nothing refers to it yet: no reader can see it half-written
            make_folders(there.parent, site, folders)
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


def _same_device(bundle: Path, site: Path) -> bool:
    """Whether two folders are on one file system, where a rename moves between them."""
    return bundle.stat().st_dev == site.stat().st_dev


def _move_in(bundle: Path, target: Path, site: Path, new: set[str]) -> int:
    """Move the ``new`` files of ``bundle`` into ``target``, which has no bundle yet, by
    renaming the folders and files at the bundle's top, the entry file last; returns the
    files moved in."""
    make_folders(target, site)
    for name in sorted({n.partition("/")[0] for n in new}, key=lambda n: n == ENTRY):
        (bundle / name).rename(target / name)
    return len(new)


def _remove_other_parts(target: Path, split: Mapping[str, list[str]]) -> int:
    """Remove the folders of parts the index no longer has; returns the files removed."""
    removed = 0
    if not target.is_dir():
        return removed
    for entry in os.scandir(target):
        if entry.name.startswith(PART) and entry.name not in split and entry.is_dir():
            removed += len(_bundle_files(Path(entry.path), False))
            shutil.rmtree(entry.path)
    return removed
