"""The committed data snapshot: a lockfile of checked metadata plus one gzip CSV per dataset.

Every table is tidy: a ``period`` column (``YYYY-MM`` or ``YYYY``), zero or more dimension
columns, a ``value`` column in the dataset's declared units, and any attribute columns.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from site_builder.errors import SiteError

if TYPE_CHECKING:
    import pandas as pd

    from site_builder.data.vintages import SeriesIndex

LOCK_FORMAT = 1

#: How a table writes a missing value: nothing, or ``.`` (as FRED does). Each source reads
#: its API's own markers as these (BEA's: ``sources.bea.MISSING_MARKERS``).
MISSING = frozenset({"", "."})

#: Declared units and what one unit is worth in dollars (chained dollars for real series).
UNIT_SCALES: dict[str, tuple[str, float]] = {
    "USD": ("usd", 1.0),
    "USD millions": ("usd", 1e6),
    "USD billions": ("usd", 1e9),
    "chained 2012 USD millions": ("usd_chained_2012", 1e6),
}


@dataclass(frozen=True)
class DatasetMeta:
    """One dataset's lock entry: what it is, where it came from, and what the file holds."""

    name: str
    title: str
    publisher: str
    source: str
    series: tuple[str, ...]
    units: str
    seasonal_adjustment: str
    frequency: str
    url: str
    vintage: str
    retrieved: str
    provenance: str
    file: str
    rows: int
    first: str
    last: str
    dimensions: tuple[str, ...]
    sha256: str
    request: str = ""  # the API request(s) it was fetched with, keys redacted
    vintage_of: str = ""  # a past vintage of this dataset...
    as_of: str = ""  # ...as it stood on this date

    @property
    def unit_kind(self) -> str:
        return UNIT_SCALES[self.units][0]

    @property
    def scale(self) -> float:
        return UNIT_SCALES[self.units][1]

    @property
    def label(self) -> str:
        """Short citation: publisher and series."""
        ids = ", ".join(self.series)
        return f"{self.publisher}{', ' + ids if ids else ''}"

    def to_json(self) -> dict[str, object]:
        out = dict(self.__dict__)
        out.pop("name")
        out["series"] = list(self.series)
        out["dimensions"] = list(self.dimensions)
        return out


@dataclass(frozen=True)
class Dataset:
    meta: DatasetMeta
    frame: pd.DataFrame = field(repr=False)

    @staticmethod
    def numbers(values: pd.Series, errors: Literal["raise", "coerce"] = "raise") -> pd.Series:
        """A ``value`` column as a table stores it, text, as numbers: NaN where the text is a
        :data:`MISSING` marker; other text that is no number raises ``ValueError``, or is
        NaN too with ``errors="coerce"``."""
        import pandas as pd  # not at the top: a build with nothing to do loads no pandas

        return pd.to_numeric(values.replace(dict.fromkeys(MISSING)), errors=errors)


def canonical_csv(frame: pd.DataFrame) -> bytes:
    """The exact bytes a table is stored and checksummed as."""
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False, lineterminator="\n")
    return buffer.getvalue().encode("utf-8")


def checksum(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def gzip_bytes(data: bytes) -> bytes:
    """Deterministic gzip: no file name, no timestamp, so equal tables give equal files."""
    return gzip.compress(data, compresslevel=9, mtime=0)


class Snapshot:
    """The lockfile plus lazy, checksum-verified loading of the tables it names."""

    def with_tables(self, tables: dict[str, Dataset]) -> Snapshot:
        """A view of this snapshot with some tables replaced (not yet written)."""
        view = Snapshot.__new__(Snapshot)
        view.lock_path, view.root = self.lock_path, self.root
        view.metas = {**self.metas, **{name: d.meta for name, d in tables.items()}}
        view._loaded = {**self._loaded, **tables}
        view._index = None
        return view

    def __init__(self, lock_path: Path) -> None:
        self.lock_path = lock_path
        self.root = lock_path.parent / "snapshot"
        self.metas = read_lock(lock_path)
        self._loaded: dict[str, Dataset] = {}
        self._index: SeriesIndex | None = None

    def index(self) -> SeriesIndex:
        """Every official series in the snapshot with its vintages (built on first use)."""
        if self._index is None:
            from site_builder.data.vintages import SeriesIndex

            self._index = SeriesIndex.for_snapshot(self)
        return self._index

    def names(self) -> list[str]:
        return sorted(self.metas)

    def meta(self, name: str) -> DatasetMeta:
        try:
            return self.metas[name]
        except KeyError:
            if name in self.declared():
                raise SiteError(f"dataset {name!r} is declared but not fetched yet",
                                hint=f"Run `python -m site_builder fetch --only {name}`, "
                                     "then build again.") from None
            known = ", ".join(self.names())
            raise SiteError(f"no dataset named {name!r}",
                            hint=f"Datasets in the snapshot: {known}.") from None

    def declared(self) -> set[str]:
        """The names ``datasets.toml`` (beside the lockfile) declares, fetched or not."""
        import tomllib

        try:
            return set(tomllib.loads((self.lock_path.parent / "datasets.toml")
                                     .read_text(encoding="utf-8")))
        except (OSError, tomllib.TOMLDecodeError):
            return set()

    def load(self, name: str) -> Dataset:
        if name not in self._loaded:
            self._loaded[name] = self._read(self.meta(name))
        return self._loaded[name]

    def verify(self, name: str) -> None:
        """Check a table against its checksum without parsing it (for pages not rebuilt)."""
        if name not in self._loaded:
            self._raw(self.meta(name))

    def _read(self, meta: DatasetMeta) -> Dataset:
        import pandas as pd
        raw = self._raw(meta)
        frame = pd.read_csv(io.BytesIO(raw), dtype=str, keep_default_na=False)
        text = frame["value"]
        frame["value"] = Dataset.numbers(text)
        # What the source resolves, in dollars: 46 (billions) is whole billions, 279.1 tenths.
        places = text.str.extract(r"\.(\d*?)0*$", expand=False).str.len().fillna(0)
        frame["precision"] = meta.scale * 10.0 ** -places
        return Dataset(meta, frame)

    def _raw(self, meta: DatasetMeta) -> bytes:
        path = self.root / meta.file
        try:
            raw = gzip.decompress(path.read_bytes())
        except (OSError, EOFError) as exc:
            raise SiteError(f"dataset {meta.name!r}: cannot read its table ({exc})", path,
                            hint="Restore it from git, or rebuild the snapshot.") from exc
        if checksum(raw) != meta.sha256:
            raise SiteError(
                f"dataset {meta.name!r}: the table does not match its checksum in the lockfile",
                path,
                hint="The file changed outside site_builder. Restore it from git "
                     "(git checkout -- content/data), or rebuild the snapshot.")
        return raw


def read_lock(lock_path: Path) -> dict[str, DatasetMeta]:
    try:
        doc = json.loads(lock_path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise SiteError("the data snapshot's lockfile is missing", lock_path,
                        hint="Restore it from git, or rebuild it with "
                             "`python -m site_builder seed DIR`.") from exc
    except json.JSONDecodeError as exc:
        raise SiteError(f"the lockfile is not valid JSON ({exc.msg})", lock_path, exc.lineno,
                        hint="Restore it from git; it is written by site_builder, "
                             "not by hand.") from exc
    if doc.get("format") != LOCK_FORMAT:
        raise SiteError(f"unsupported lockfile format {doc.get('format')!r}", lock_path,
                        hint=f"This version of site_builder reads format {LOCK_FORMAT}.")
    metas = {}
    for name, entry in doc["datasets"].items():
        entry = dict(entry)
        entry["series"] = tuple(entry["series"])
        entry["dimensions"] = tuple(entry["dimensions"])
        meta = DatasetMeta(name=name, **entry)
        if meta.units not in UNIT_SCALES:
            raise SiteError(f"dataset {name!r}: unknown units {meta.units!r}", lock_path,
                            hint=f"Known units: {', '.join(UNIT_SCALES)}.")
        metas[name] = meta
    return metas


def lock_document(metas: list[DatasetMeta]) -> str:
    doc = {
        "format": LOCK_FORMAT,
        "datasets": {m.name: m.to_json() for m in sorted(metas, key=lambda m: m.name)},
    }
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
