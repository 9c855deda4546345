"""Write files and folders so a reader never sees them half-written."""

from __future__ import annotations

import ctypes
import errno
import functools
import os
import shutil
import tempfile
from pathlib import Path

#: What a web server needs to read the site, whatever the umask (a strict one, 077 or 027,
#: would hide the files from it).
FILE_MODE, FOLDER_MODE = 0o644, 0o755


def write_file(path: Path, data: bytes) -> None:
    """Write ``data`` to a temporary sibling, then rename it over ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            os.fchmod(handle.fileno(), FILE_MODE)
        Path(tmp).replace(path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def owned_prefix(prefix: str) -> str:
    """``prefix`` followed by this process's id: :func:`remove_stale` can tell whether the
    folder's maker still runs."""
    return f"{prefix}{os.getpid()}-"


def pid_alive(pid: int) -> bool:
    """Whether a process ``pid`` exists (one of another user's counts as alive)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_stale(folder: Path, prefix: str) -> list[Path]:
    """Remove the entries of ``folder`` named ``PREFIX<pid>-…`` (see :func:`owned_prefix`)
    whose process is gone and which belong to this user: what killed runs left behind.
    Entries without a process id in their name are left alone. Returns what was removed."""
    removed: list[Path] = []
    try:
        names = [p.name for p in folder.iterdir() if p.name.startswith(prefix)]
    except OSError:
        return removed
    uid = os.getuid() if hasattr(os, "getuid") else None
    for name in names:
        pid, dash, _ = name[len(prefix):].partition("-")
        if not (dash and pid.isdigit()) or pid_alive(int(pid)):
            continue
        path = folder / name
        try:
            info = path.lstat()
        except OSError:
            continue
        if uid is not None and info.st_uid != uid:
            continue
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
        removed.append(path)
    return removed


def staging_dir(target: Path) -> Path:
    """A fresh empty folder beside ``target`` (same file system, so the swap is a rename),
    named ``.NAME.new-PID-…`` after this process: see :func:`remove_stale`."""
    target.parent.mkdir(parents=True, exist_ok=True)
    staged = Path(tempfile.mkdtemp(prefix=owned_prefix(f".{target.name}.new-"),
                                   dir=target.parent))
    staged.chmod(FOLDER_MODE)
    return staged


def swap_dir(staged: Path, target: Path) -> None:
    """Put ``staged`` in place of ``target`` in one step: a reader, or a run killed at any
    instant, finds the old folder or the new one, never neither and never a mix. The old
    folder is removed afterwards.

    On Linux the two folders are exchanged by one ``renameat2`` call. Elsewhere ``target``
    is first renamed aside as ``.NAME.old-PID-…``; should the process die before the new
    folder takes its place, :func:`remove_stale_stages` puts the old one back."""
    if not target.exists():
        staged.rename(target)
        return
    if _exchange(staged, target):
        shutil.rmtree(staged, ignore_errors=True)  # now the old folder
        return
    old = Path(tempfile.mkdtemp(prefix=owned_prefix(f".{target.name}.old-"), dir=target.parent))
    old.rmdir()
    target.rename(old)
    try:
        staged.rename(target)
    except BaseException:
        old.rename(target)
        raise
    shutil.rmtree(old, ignore_errors=True)


_RENAME_EXCHANGE = 2  # linux/fs.h
_AT_FDCWD = -100


def _exchange(first: Path, second: Path) -> bool:
    """Swap two paths atomically (Linux 3.15+, glibc 2.28+); False where the system or the
    file system cannot."""
    renameat2 = getattr(_libc(), "renameat2", None)
    if renameat2 is None:
        return False
    if renameat2(_AT_FDCWD, os.fsencode(first), _AT_FDCWD, os.fsencode(second),
                 _RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):
        return False
    raise OSError(code, os.strerror(code), str(second))


@functools.cache
def _libc() -> ctypes.CDLL | None:
    try:
        return ctypes.CDLL(None, use_errno=True)
    except OSError:  # no C library to load (Windows)
        return None


def remove_stale_stages(target: Path) -> list[Path]:
    """Clear what killed runs left beside ``target``: put back a folder set aside by a swap
    that did not finish (when ``target`` is missing), then remove the staging folders
    (``.NAME.new-PID-…``, ``.NAME.old-PID-…``) whose process no longer runs."""
    if not target.exists():
        for aside in sorted(target.parent.glob(f".{target.name}.old-*")):
            pid = aside.name[len(target.name) + 6:].partition("-")[0]
            if pid.isdigit() and not pid_alive(int(pid)) and aside.is_dir():
                aside.rename(target)
                break
    return (remove_stale(target.parent, f".{target.name}.new-")
            + remove_stale(target.parent, f".{target.name}.old-"))


def write_new(path: Path, data: bytes) -> None:
    """Write a file no reader can see yet (in a staging folder, or not yet linked to), with
    the mode a web server needs; no temporary file."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    try:
        rest = memoryview(data)
        while rest:
            rest = rest[os.write(fd, rest):]
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
            path.chmod(FOLDER_MODE)
        except FileExistsError:  # another process made it first
            pass
        known.add(path)
