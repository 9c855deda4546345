"""Write the site: every new or changed file goes to a staging folder beside ``output/``
first, and into ``output/`` only once the whole build has succeeded."""

from __future__ import annotations

import shutil
from collections.abc import Mapping
from pathlib import Path

from site_builder.atomic import make_folders, staging_dir, swap_dir, write_new
from site_builder.incremental import digest


class Stage:
    """A staging folder that any process of the build may write into.

    ``present`` maps each file now in ``output/`` to its hash; a file rendered exactly as it
    stands there is not written again. For a build from scratch it is empty.
    """

    def __init__(self, folder: Path, present: Mapping[str, str]) -> None:
        self.folder = folder
        self.present = present
        self._folders: set[Path] = set()

    def put(self, files: Mapping[str, bytes]) -> dict[str, str]:
        """Stage what differs from ``output/``; return every file's hash."""
        hashes = {}
        for relative, data in files.items():
            hashes[relative] = checksum = digest(data)
            if self.present.get(relative) != checksum:
                self._write(self.folder / relative, data)
        return hashes

    def _write(self, target: Path, data: bytes) -> None:
        if target.parent not in self._folders:
            make_folders(target.parent, self.folder, self._folders)
        write_new(target, data)


def open_stage(output: Path, present: Mapping[str, str]) -> Stage:
    return Stage(staging_dir(output), present)


def discard(stage: Stage) -> None:
    shutil.rmtree(stage.folder, ignore_errors=True)


def publish_new(stage: Stage, output: Path) -> None:
    """The staging folder holds the whole site: put it in place of ``output``."""
    try:
        swap_dir(stage.folder, output)
    except BaseException:
        discard(stage)
        raise


def publish_changes(stage: Stage, wanted: Mapping[str, str], output: Path) -> list[str]:
    """Bring ``output`` to ``wanted`` (path -> hash) from what is staged, file by file, each
    replaced atomically. Returns the paths written or removed."""
    try:
        changed = [path for path, checksum in wanted.items()
                   if stage.present.get(path) != checksum]
        removed = [path for path in stage.present if path not in wanted]
        for path in sorted(changed):
            target = output / path
            if not target.parent.is_dir():
                make_folders(target.parent, output)
            (stage.folder / path).replace(target)
        for path in removed:
            (output / path).unlink(missing_ok=True)
        _prune_empty(output, removed)
    finally:
        discard(stage)
    return changed + removed


def _prune_empty(output: Path, removed: list[str]) -> None:
    for path in sorted({str(Path(p).parent) for p in removed}, key=len, reverse=True):
        folder = output / path
        while folder != output and folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()
            folder = folder.parent
