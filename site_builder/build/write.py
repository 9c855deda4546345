"""Write the site: every new or changed file goes to a staging folder beside ``output/``;
once the whole build has succeeded, the unchanged files are linked in beside them and the
staging folder takes the place of ``output/`` in one step."""

from __future__ import annotations

import os
import shutil
from collections.abc import Mapping
from pathlib import Path

from site_builder.atomic import make_folders, staging_dir, swap_dir, write_new
from site_builder.build.cache import digest


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


def changes(stage: Stage, wanted: Mapping[str, str]) -> list[str]:
    """The files of ``wanted`` (path -> hash) that differ from ``output/`` or are new, then
    those ``output/`` holds that are no longer wanted."""
    return ([path for path, checksum in sorted(wanted.items())
             if stage.present.get(path) != checksum]
            + sorted(path for path in stage.present if path not in wanted))


def complete(stage: Stage, wanted: Mapping[str, str], output: Path, keep: str) -> None:
    """Make the staging folder the whole new site: link in, from ``output``, every wanted
    file that did not change, and the folder ``keep`` (the search index) as it stands.
    Links cost no copy, and the files they share are never written in place."""
    source, target = str(output), str(stage.folder)
    unchanged = [path for path, checksum in wanted.items()
                 if stage.present.get(path) == checksum]
    kept = [f"{os.path.relpath(folder, source)}/{name}".replace(os.sep, "/")
            for folder, _, names in os.walk(output / keep) for name in names]
    made: set[str] = set()
    known: set[Path] = set()
    missing = []
    for path in (*unchanged, *kept):
        parent = path.rpartition("/")[0]
        if parent not in made:
            make_folders(stage.folder / parent, stage.folder, known)
            made.add(parent)
        try:
            _link(f"{source}/{path}", f"{target}/{path}")
        except FileNotFoundError:
            missing.append(path)
    if missing:
        raise FileNotFoundError(f"{len(missing)} files of the site were neither built nor "
                                f"found in {output}, e.g. {missing[0]}")


def _link(source: str, target: str) -> None:
    """Link ``source`` as ``target`` (a copy where the file system has no links); a
    ``target`` already there, rebuilt, stays."""
    try:
        os.link(source, target)
    except FileExistsError:
        return
    except FileNotFoundError:
        raise
    except OSError:  # no hard links here
        shutil.copy2(source, target)


def publish_in_place(stage: Stage, changed: list[str], wanted: Mapping[str, str],
                     output: Path) -> None:
    """Bring ``output`` to ``wanted`` file by file: each changed file moved in from the
    staging folder (whole, by a rename), each file no longer wanted removed. Quicker than
    :func:`complete` and a swap on a large site, but a kill midway leaves a mix (the build
    cache notices and rebuilds everything next time): for the preview's own folder."""
    try:
        for path in changed:
            target = output / path
            if path not in wanted:
                target.unlink(missing_ok=True)
                _remove_empty(target.parent, output)
                continue
            if not target.parent.is_dir():
                make_folders(target.parent, output)
            (stage.folder / path).replace(target)
    finally:
        discard(stage)


def _remove_empty(folder: Path, root: Path) -> None:
    while folder != root and folder.is_dir() and not any(folder.iterdir()):
        folder.rmdir()
        folder = folder.parent
