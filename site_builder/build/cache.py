"""The build cache: what each page read, what it wrote, and what ``output/`` holds.

A page is rebuilt when its source, a dataset it read (by checksum), a chart module it ran,
the templates, the settings or site_builder itself changed; otherwise its recorded output
stands. Dependencies are recorded as pages read them, never guessed from file times, so an
incremental build writes exactly what a clean build would.

The cache is loaded once into a frozen :class:`BuildCache`; a build that changed something
saves a new one in its place.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from site_builder.atomic import write_file
from site_builder.content.entries import Entry
from site_builder.data.snapshot import DatasetMeta

FORMAT = 5

#: A file of ``output/`` as recorded: its hash (empty when unknown), size and time.
FileState = Sequence[str | int]


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


def file_stamp(file: Path | os.DirEntry[str], follow_symlinks: bool = True) -> tuple[int, int]:
    """A file's size and modification time (ns), which change when it is written or
    replaced: enough to notice an edit without reading the file, for files too large or too
    many to hash (an installed program, the files of ``output/``)."""
    info = file.stat(follow_symlinks=follow_symlinks)
    return info.st_size, info.st_mtime_ns


@dataclass(frozen=True)
class PageRecord:
    """One source file's last build: its inputs' hashes, its listing entry, its files."""

    source: str  # hash of the source file
    datasets: Mapping[str, str]  # dataset -> checksum it had
    modules: Mapping[str, str]  # chart module -> hash it had
    entry: Entry | None  # None for a draft left out
    files: Mapping[str, str]  # output path -> hash
    #: The figures of one official series the page shows (for the consistency gate).
    shown: Sequence[Mapping[str, Any]] = ()

    def to_json(self) -> dict[str, Any]:
        return {"source": self.source, "datasets": self.datasets, "modules": self.modules,
                "entry": self.entry.to_json() if self.entry else None, "files": self.files,
                "shown": self.shown}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PageRecord:
        entry = data["entry"]
        return cls(data["source"], data["datasets"], data["modules"],
                   Entry.from_json(entry) if entry else None, data["files"], data["shown"])


@dataclass(frozen=True)
class SiteFiles:
    """The site-wide files (listings, feeds, assets): the hash of what they were made from,
    and the files made (path -> hash)."""

    made_from: str = ""
    files: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class BuildCache:
    """Loaded from and saved to one JSON file per output folder."""

    path: Path
    key: str  # templates, settings, code: a change invalidates every page
    pages: Mapping[str, PageRecord] = field(default_factory=dict)
    output: Mapping[str, FileState] = field(default_factory=dict)  # what output/ holds
    site_files: SiteFiles = SiteFiles()
    search_stale: bool = False  # pages changed since the search index was last built

    @classmethod
    def open(cls, cache_dir: Path, output: Path, key: str, index: str) -> BuildCache:
        """The cache of builds into ``output``, or an empty one when it does not apply: made
        with another ``key``, or ``output`` changed since (``index``, the search index's
        folder, aside)."""
        name = digest(str(output.resolve()).encode())[:16] + ".json"
        path = cache_dir / "build" / name
        try:
            doc = orjson.loads(path.read_bytes())
        except (OSError, orjson.JSONDecodeError):
            return cls(path, key)
        if doc.get("format") != FORMAT or doc.get("key") != key:
            return cls(path, key)
        if not _untouched(output, doc["output"], index):
            return cls(path, key)  # someone changed output/: trust nothing, rebuild it all
        site = doc["site_files"]
        return cls(path, key, {k: PageRecord.from_json(v) for k, v in doc["pages"].items()},
                   doc["output"], SiteFiles(site["from"], site["files"]), doc["search_stale"])

    def present(self) -> dict[str, str]:
        """Each file now in ``output/`` -> its hash."""
        return {path: str(state[0]) for path, state in self.output.items()}

    def reusable(self, source: str, source_hash: str, metas: Mapping[str, DatasetMeta],
                 module_hash: Mapping[str, str]) -> PageRecord | None:
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

    def save(self) -> None:
        doc = {"format": FORMAT, "key": self.key, "output": self.output,
               "site_files": {"from": self.site_files.made_from,
                              "files": self.site_files.files},
               "search_stale": self.search_stale,
               "pages": {k: v.to_json() for k, v in sorted(self.pages.items())}}
        write_file(self.path, orjson.dumps(doc))


def output_state(output: Path, hashes: Mapping[str, str], index: str,
                 before: Mapping[str, FileState], changed: Sequence[str] | None
                 ) -> dict[str, FileState]:
    """What ``output`` holds after a successful write, to notice edits by the next build.

    ``hashes`` are the files this build generated; ``changed``, the files it wrote or
    removed in an ``output`` that was otherwise as ``before`` (None: look at every file).
    The search index (the folder ``index``) is left out: it is Pagefind's, made from the
    pages, and a preview may update it between builds.
    """
    if changed is None or not before:
        return {relative: [hashes.get(relative, ""), *stamp]
                for relative, stamp in sorted(_files(output, index).items())}
    state = dict(before)
    for relative in changed:
        try:
            stamp = file_stamp(output / relative)
        except FileNotFoundError:  # removed
            state.pop(relative, None)
            continue
        state[relative] = [hashes[relative], *stamp]
    return state


def _files(output: Path, index: str) -> dict[str, tuple[int, int]]:
    """Every file below ``output`` but the folder ``index`` (output-relative, with "/") ->
    its :func:`file_stamp`."""
    found: dict[str, tuple[int, int]] = {}
    stack = [("", os.fspath(output))]
    while stack:
        prefix, folder = stack.pop()
        with os.scandir(folder) as entries:
            for item in entries:
                if not prefix and item.name == index:
                    continue
                if item.is_dir(follow_symlinks=False):
                    stack.append((prefix + item.name + "/", item.path))
                else:
                    found[prefix + item.name] = file_stamp(item, follow_symlinks=False)
    return found


def _untouched(output: Path, recorded: Mapping[str, FileState], index: str) -> bool:
    """Whether ``output`` still holds exactly the files the last build left there."""
    if not output.is_dir():
        return False
    present = _files(output, index)
    return len(present) == len(recorded) and all(
        relative in recorded and tuple(recorded[relative][1:]) == state
        for relative, state in present.items())
