"""Killed at any instant, a build leaves the old site or the new one, and a snapshot write
the old snapshot or the new one: never a mix, never nothing, and the next run finishes the
job and clears what the killed one left.

Each run happens in a forked child that counts its changes to the project's files (with
an audit hook: every file opened for writing, renamed, linked, removed, and the one C call
that exchanges two folders) and sends itself SIGKILL just before the Nth. The tests do so
for many N spread over the whole run, the last steps all included.
"""

from __future__ import annotations

import gzip
import hashlib
import multiprocessing
import os
import shutil
import signal
import sys
from collections.abc import Callable
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO, TinyProject, table_path

from site_builder.build import search
from site_builder.build.pipeline import build
from site_builder.data.snapshot import DatasetMeta, Snapshot, read_lock
from site_builder.data.store import table_file, write_snapshot
from site_builder.project import Project
from site_builder.report import SilentReporter

pytestmark = pytest.mark.skipif(
    "forkserver" not in multiprocessing.get_all_start_methods(),
    reason="the kills need a fork server (POSIX)")

CHANGES = frozenset({"os.rename", "os.replace", "os.link", "os.symlink", "os.remove",
                     "os.rmdir", "os.mkdir", "os.truncate", "shutil.rmtree",
                     "ctypes.call_function"})


def _changes(event: str, args: tuple[Any, ...], root: str) -> bool:
    """Whether an audit event is a change to a file below ``root``."""
    if event == "ctypes.call_function":
        return True
    if event == "open":
        path, mode, flags = args
        writes = any(c in mode for c in "wax+") if mode else bool(
            flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT))
        return writes and isinstance(path, str | bytes | os.PathLike) and \
            os.fsdecode(path).startswith(root)
    return event in CHANGES and bool(args) and isinstance(args[0], str | bytes | os.PathLike) \
        and os.fsdecode(args[0]).startswith(root)


def _killed_at(step: int, root: str, work: Callable[..., object], args: tuple[Any, ...],
               said: Connection) -> None:
    """In the child: count changes below ``root``, SIGKILL just before the ``step``-th, and
    send how many there were if the work ends first."""
    me, count = os.getpid(), 0

    def hook(event: str, hook_args: tuple[Any, ...]) -> None:
        nonlocal count
        if os.getpid() == me and _changes(event, hook_args, root):
            count += 1
            if count == step:
                os.kill(me, signal.SIGKILL)

    sys.addaudithook(hook)
    work(*args)
    said.send(count)


#: Children come from a fork server: a clean process with no threads, unlike pytest's (a
#: fork of a threaded process can inherit a held lock and hang), that has the build
#: imported already, so each child starts in milliseconds.
CHILDREN = multiprocessing.get_context("forkserver")
CHILDREN.set_forkserver_preload(["site_builder.build.pipeline", "site_builder.data.store"])


def run_killed_at(step: int, work: Callable[..., object], args: tuple[Any, ...],
                  root: Path) -> int | None:
    """Run ``work(*args)`` in a child that sends itself SIGKILL just before its ``step``-th
    change below ``root`` (0: never). Returns how many changes it made, or None if killed."""
    mine, theirs = CHILDREN.Pipe(duplex=False)
    child = CHILDREN.Process(target=_killed_at, args=(step, str(root), work, args, theirs))
    child.start()
    theirs.close()
    child.join()
    if child.exitcode == -signal.SIGKILL:
        return None
    assert child.exitcode == 0, "the run failed without being killed"
    return int(mine.recv())


def build_site(root: Path, cache: Path) -> None:
    """The work the first test kills: a build of the project at ``root``, on one core."""
    build(Project(root, cache_dir=cache), SilentReporter(), root / "output", workers=1)


def write_tables(lock: Path, tables: dict[str, tuple[DatasetMeta, bytes]]) -> None:
    """The work the second test kills: a fetch's write of new tables and their lockfile."""
    write_snapshot(lock, tables, keep_others=True)


def steps(total: int, spread: int = 8, last: int = 8) -> list[int]:
    """Kill points: ``spread`` steps evenly over the run, and each of the ``last`` ones. The
    spread ones fall in every stage (staging folder, new pages, files kept from the old site,
    search index); the last ones are the index's final writes and the swap, one by one."""
    chosen = {1 + (total - 1) * i // (spread - 1) for i in range(spread)}
    return sorted(chosen | set(range(max(1, total - last + 1), total + 1)))


def tree(folder: Path) -> str:
    """One hash of every file below ``folder``, names and bytes."""
    h = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        h.update(str(path.relative_to(folder)).encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()


def leftovers(folder: Path) -> list[str]:
    """Staging folders, and search scratch folders, a build left beside the output."""
    return sorted(p.name for p in folder.iterdir()
                  if p.name.startswith((".output", search.NEAR)))


BRIEF = """\
---
title: The deficit, {version}
date: 2025-02-05
summary: The goods and services balance, {version}.
---
{{% set balance = series("trade_balance") %}}
In 2024 the balance was {{{{ usd(balance.year(2024)) }}}} ({version}).

```chart
id: recent-balance
title: US trade balance since {since}
data: trade_balance
since: {since}-01
mark: bar
encoding:
  x: {{field: period, type: ordinal, title: null}}
  y: {{field: value, type: quantitative, title: Billions of dollars}}
```
"""


@pytest.mark.slow(109)
def test_a_build_killed_anywhere_leaves_the_old_site_or_the_new(tmp_path: Path) -> None:
    tiny = TinyProject(tmp_path / "project", tmp_path / "cache")
    tiny.brief("deficit", BRIEF.format(version="first draft", since=2023))
    tiny.brief("other", BRIEF.format(version="unchanged", since=2022))

    def run() -> None:
        build_site(tiny.root, tmp_path / "cache")

    run()
    old = tree(tiny.output)
    kept = tmp_path / "kept"
    shutil.copytree(tiny.output, kept / "output")
    shutil.copytree(tmp_path / "cache" / "build", kept / "build")

    def restore() -> None:
        for name, there in (("output", tiny.output), ("build", tmp_path / "cache" / "build")):
            shutil.rmtree(there)
            shutil.copytree(kept / name, there)

    tiny.brief("deficit", BRIEF.format(version="second draft", since=2024))
    total = run_killed_at(0, build_site, (tiny.root, tmp_path / "cache"), tiny.root)
    assert total is not None and total > 20
    new = tree(tiny.output)
    assert new != old
    for step in steps(total):
        restore()
        assert run_killed_at(step, build_site, (tiny.root, tmp_path / "cache"), tiny.root) is None
        assert tiny.output.is_dir(), f"killed before change {step} of {total}: no output/"
        assert tree(tiny.output) in (old, new), \
            f"killed before change {step} of {total}: output/ is neither the old site nor the new"
        run()  # the next build finishes the job
        assert tree(tiny.output) == new
        assert leftovers(tiny.root) == []


@pytest.mark.slow(22)
def test_a_snapshot_write_killed_anywhere_leaves_the_old_snapshot_or_the_new(
        tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(REPO / "content" / "data", data)
    lock = data / "snapshot.lock.json"
    metas = read_lock(lock)
    tables = {}
    for name in ("trade_balance", "exports"):
        raw = gzip.decompress(table_path(name, data).read_bytes())
        raw += b"2099-01,1.5\n"  # a month no real table has
        meta = metas[name]
        tables[name] = (DatasetMeta(**{**meta.__dict__, "file": table_file(name, raw),
                                          "sha256": hashlib.sha256(raw).hexdigest(),
                                          "rows": meta.rows + 1, "last": "2099-01"}), raw)

    def state() -> dict[str, str]:
        snapshot = Snapshot(lock)  # checks each table against its checksum as it loads
        return {name: hashlib.sha256(snapshot.load(name).frame.to_csv().encode()).hexdigest()
                for name in snapshot.metas}

    old = state()
    kept = tmp_path / "kept"
    shutil.copytree(data, kept)

    def run() -> None:
        write_tables(lock, tables)

    total = run_killed_at(0, write_tables, (lock, tables), data)
    assert total is not None and total >= 4
    new = state()
    assert {name for name in new if new[name] != old[name]} == set(tables)
    for step in range(1, total + 1):
        shutil.rmtree(data)
        shutil.copytree(kept, data)
        assert run_killed_at(step, write_tables, (lock, tables), data) is None
        assert state() in (old, new), \
            f"killed before change {step} of {total}: the snapshot is neither old nor new"
        run()  # the next fetch writes it whole and clears what the killed one left
        assert state() == new
        listed = {meta.file for meta in read_lock(lock).values()}
        assert {p.name for p in (data / "snapshot").iterdir()} == listed
