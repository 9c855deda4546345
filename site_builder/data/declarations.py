"""``content/data/datasets.toml``: what each dataset is and where it comes from."""

from __future__ import annotations

import datetime as dt
import tomllib
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from site_builder.data.live import is_live
from site_builder.errors import SiteError


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SeedFile(_Strict):
    """One source file of a seeded dataset; ``set`` adds constant dimension columns."""

    file: str
    set: dict[str, str] = Field(default_factory=dict)


class Seed(_Strict):
    """How to turn offline source files into the dataset's tidy table."""

    files: tuple[SeedFile, ...]
    period: str = "date"
    value: str = "value"
    rename: dict[str, str] = Field(default_factory=dict)


class FredSeries(_Strict):
    """One FRED series of a dataset; other keys give its dimension values."""

    model_config = ConfigDict(extra="allow", frozen=True)
    id: str = Field(pattern=r"^[A-Za-z0-9_]+$")

    def dimensions(self) -> dict[str, str]:
        return {k: str(v) for k, v in (self.model_extra or {}).items()}


class ApiRequest(_Strict):
    """One Census or BEA request: its query parameters and the dimension values it sets."""

    params: dict[str, str | list[str]] = Field(default_factory=dict)
    set: dict[str, str] = Field(default_factory=dict)
    endpoint: str = ""  # Census: the path under the base URL, e.g. "exports/hs"
    value: str = ""  # Census: the variable holding the value, e.g. "ALL_VAL_MO"


class Fetch(_Strict):
    """How ``fetch`` refreshes a dataset from its API."""

    api: Literal["fred", "census", "bea"]
    series: tuple[FredSeries, ...] = ()  # fred
    vintage: dt.date | None = None  # fred: the data as they stood on this date (ALFRED)
    start: str | None = Field(default=None, pattern=r"^\d{4}(-\d{2})?$")
    end: str | None = Field(default=None, pattern=r"^\d{4}(-\d{2})?$")
    dataset: str = ""  # bea: DataSetName, e.g. "ITA"
    params: dict[str, str | list[str]] = Field(default_factory=dict)  # shared by requests
    requests: tuple[ApiRequest, ...] = ()  # census, bea
    columns: dict[str, str] = Field(default_factory=dict)  # API column -> our dimension


class Declaration(_Strict):
    """A dataset as declared: metadata only, never values."""

    title: str
    publisher: str
    source: Literal["fred", "census", "bea", "release"]
    series: tuple[str, ...] = ()
    units: str
    seasonal_adjustment: str
    frequency: str
    url: str
    vintage: str
    retrieved: dt.date
    provenance: str
    dimensions: tuple[str, ...] = ()
    #: This dataset is a past vintage of another: ``vintage_of`` as it stood on ``as_of``.
    vintage_of: str = ""
    as_of: dt.date | None = None
    #: Which official series each row is, where no column says: "dimension values joined
    #: by |" (in the order of ``dimensions``) -> series id, e.g. "Korea, South|imports".
    series_ids: dict[str, str] = Field(default_factory=dict)
    seed: Seed | None = None
    fetch: Fetch | None = None

    @property
    def live(self) -> bool:
        """Kept current by ``fetch``: it has fetch settings, neither pinned to a vintage nor
        closed at an ``end``. Only a live dataset can fall behind the release calendar."""
        return is_live(dict(self.fetch) if self.fetch is not None else None)


def load_declarations(path: Path) -> dict[str, Declaration]:
    """Read and validate the declarations file; unknown keys are errors."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise SiteError("dataset declarations not found", path,
                        hint="Create it; README, 'Data', shows the format.") from exc
    except tomllib.TOMLDecodeError as exc:
        raise SiteError(f"not valid TOML: {exc}", path) from exc
    out: dict[str, Declaration] = {}
    for name, table in raw.items():
        try:
            out[name] = Declaration.model_validate(table)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            raise SiteError(f"dataset [{name}]: {where}: {first['msg']}", path,
                            hint="README, 'Data', lists the keys a dataset takes.") from exc
    return out
