"""The build cache: what each page read, what it wrote, and what ``output/`` holds.

A page is rebuilt when its source, a dataset it read (by checksum), a chart module it ran,
the templates, the settings or site_builder itself changed; otherwise its recorded output
stands. Dependencies are recorded as pages read them, never guessed from file times, so an
incremental build writes exactly what a clean build would.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from site_builder.atomic import write_file
from site_builder.build.search import SEARCH
from site_builder.data.snapshot import DatasetMeta

FORMAT = 4


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def tree_digest(*folders: Path, extra: bytes = b"") -> str:
    """One hash over every file below ``folders`` (names and contents)."""
    h = hashlib.sha256(extra)
    for folder in folders:
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            if "__pycache__" in path.parts:
                continue
            h.update(str(path.relative_to(folder)).encode() + b"\0" + path.read_bytes())
    return h.hexdigest()


@dataclass
class PageRecord:
    """One source file's last build: its inputs' hashes, its listing entry, its files."""

    source: str  # hash of the source file
    datasets: dict[str, str]  # dataset -> checksum it had
    modules: dict[str, str]  # chart module -> hash it had
    entry: dict[str, Any] | None  # None for a draft left out
    files: dict[str, str]  # output path -> hash
    #: The figures of one official series the page shows (for the consistency gate).
    shown: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class BuildCache:
    """Loaded from and saved to one JSON file per output folder."""

    path: Path
    key: str  # templates, settings, code: a change invalidates every page
    pages: dict[str, PageRecord] = field(default_factory=dict)
    output: dict[str, list[int | str]] = field(default_factory=dict)  # path -> [hash, size, mtime]
    # the site-wide files (listings, feeds, assets): the hash of what they were made from,
    # and the files made
    site_files: dict[str, Any] = field(default_factory=dict)
    search_stale: bool = False  # pages changed since the search index was last built

    @classmethod
    def open(cls, cache_dir: Path, output: Path, key: str) -> BuildCache:
        name = digest(str(output.resolve()).encode())[:16] + ".json"
        path = cache_dir / "build" / name
        cache = cls(path, key)
        try:
            doc = orjson.loads(path.read_bytes())
        except (OSError, orjson.JSONDecodeError):
            return cache
        if doc.get("format") != FORMAT or doc.get("key") != key:
            return cache
        if not _untouched(output, doc["output"]):
            return cache  # someone changed output/: trust nothing, rebuild it all
        cache.output = doc["output"]
        cache.pages = {k: PageRecord(**v) for k, v in doc["pages"].items()}
        cache.site_files = doc["site_files"]
        cache.search_stale = doc["search_stale"]
        return cache

    def reusable(self, source: str, source_hash: str, metas: dict[str, DatasetMeta],
                 module_hash: dict[str, str]) -> PageRecord | None:
        record = self.pages.get(source)
        if record is None or record.source != source_hash:
            return None
        for name, checksum in record.datasets.items():
            if name not in metas or metas[name].sha256 != checksum:
                return None
        for module, checksum in record.modules.items():
            if module_hash.get(module) != checksum:
                return None
        return record

    def save(self, output: Path, hashes: dict[str, str],
             changed: list[str] | None = None) -> None:
        """Record the pages and the state of ``output`` after a successful write.

        ``hashes`` are the files this build generated; ``changed``, the files it wrote or
        removed in an ``output`` that was otherwise as recorded (None: look at every file).
        The search index is left out: it is Pagefind's, made from the pages, and a preview
        may update it between builds.
        """
        if changed is None or not self.output:
            self.output = _state(output, hashes)
        else:
            for relative in changed:
                try:
                    info = (output / relative).stat()
                except FileNotFoundError:
                    self.output.pop(relative, None)
                    continue
                self.output[relative] = [hashes[relative], info.st_size, info.st_mtime_ns]
        doc = {"format": FORMAT, "key": self.key, "output": self.output,
               "site_files": self.site_files, "search_stale": self.search_stale,
               "pages": {k: v.__dict__ for k, v in sorted(self.pages.items())}}
        write_file(self.path, orjson.dumps(doc))


def _files(output: Path) -> dict[str, tuple[int, int]]:
    """Every file below ``output`` but the search index (output-relative, with "/") ->
    (size, modification time)."""
    found: dict[str, tuple[int, int]] = {}
    stack = [("", os.fspath(output))]
    while stack:
        prefix, folder = stack.pop()
        with os.scandir(folder) as entries:
            for item in entries:
                if not prefix and item.name == SEARCH:
                    continue
                if item.is_dir(follow_symlinks=False):
                    stack.append((prefix + item.name + "/", item.path))
                else:
                    info = item.stat(follow_symlinks=False)
                    found[prefix + item.name] = (info.st_size, info.st_mtime_ns)
    return found


def _state(output: Path, hashes: dict[str, str]) -> dict[str, list[int | str]]:
    """Each file's hash (where known) with its size and modification time, to notice edits."""
    return {relative: [hashes.get(relative, ""), size, mtime]
            for relative, (size, mtime) in sorted(_files(output).items())}


def _untouched(output: Path, recorded: dict[str, list[Any]]) -> bool:
    """Whether ``output`` still holds exactly the files the last build left there."""
    if not output.is_dir():
        return False
    present = _files(output)
    return len(present) == len(recorded) and all(
        relative in recorded and tuple(recorded[relative][1:]) == state
        for relative, state in present.items())
