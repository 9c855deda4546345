"""What passed a per-page check, recorded under ``.cache/check/`` so that the next check
judges only what changed, like the build cache.

A record holds the keys (hashes of what was judged) that passed under one version of the
check (a hash of its code and of what it runs); a record of another version counts for
nothing. Only passes are recorded, so a page that failed is judged until it passes.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import orjson

from site_builder.atomic import write_file


def version_of(*parts: bytes) -> str:
    """One hash over ``parts``: a check's code, and the tools it runs."""
    h = hashlib.sha256()
    for part in parts:
        h.update(hashlib.sha256(part).digest())
    return h.hexdigest()


class PassRecord:
    """The keys that passed a check of ``version``, read from ``file``; ``full`` reads none."""

    def __init__(self, file: Path, version: str, full: bool = False) -> None:
        self.file, self.version = file, version
        self.passed: set[str] = set() if full else self._read()

    def _read(self) -> set[str]:
        try:
            record = orjson.loads(self.file.read_bytes())
        except (OSError, orjson.JSONDecodeError):
            return set()
        if not isinstance(record, dict) or record.get("version") != self.version:
            return set()
        return set(record.get("passed", []))

    def save(self, passed: set[str], keys: set[str]) -> None:
        """Record ``passed`` beside what had passed, keeping only the current ``keys``."""
        self.file.parent.mkdir(parents=True, exist_ok=True)
        kept = sorted((self.passed | passed) & keys)
        write_file(self.file, orjson.dumps({"version": self.version, "passed": kept}))
