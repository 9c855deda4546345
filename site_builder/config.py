"""The project's layout and ``content/site.toml``, validated; unknown keys are errors."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from site_builder.errors import SiteError


class SiteConfig(BaseModel):
    """Settings a site owner edits in ``content/site.toml``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    title: str = Field(min_length=1)
    description: str = Field(min_length=1)
    base_url: str = Field(pattern=r"^https?://[^\s]+/$")
    language: str = "en"
    publisher: str = Field(min_length=1)
    license: str = "CC BY 4.0"
    max_data_age_days: int = Field(default=45, ge=1)  # older fetchable data is stale


@dataclass(frozen=True)
class Project:
    """Where a project's inputs and outputs live, relative to its root folder."""

    root: Path
    cache_dir: Path | None = None  # default: .cache/ in the project

    @property
    def content(self) -> Path:
        return self.root / "content"

    @property
    def briefs(self) -> Path:
        return self.content / "briefs"

    @property
    def pages(self) -> Path:
        return self.content / "pages"

    @property
    def generated(self) -> Path:
        return self.content / "generated"

    @property
    def charts(self) -> Path:
        return self.content / "charts"

    @property
    def lockfile(self) -> Path:
        return self.content / "data" / "snapshot.lock.json"

    @property
    def declarations(self) -> Path:
        return self.content / "data" / "datasets.toml"

    @property
    def templates(self) -> Path:
        return self.root / "templates"

    @property
    def cache(self) -> Path:
        return self.cache_dir or self.root / ".cache"

    @property
    def site_toml(self) -> Path:
        return self.content / "site.toml"


def load_config(project: Project) -> SiteConfig:
    path = project.site_toml
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise SiteError("site settings not found", path,
                        hint="Create content/site.toml; README, 'Site settings', shows one.") \
            from exc
    except tomllib.TOMLDecodeError as exc:
        raise SiteError(f"not valid TOML: {exc}", path) from exc
    try:
        return SiteConfig.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        key = ".".join(str(p) for p in first["loc"])
        if first["type"] == "extra_forbidden":
            message = f"unknown setting {key!r}"
            hint = "Allowed: " + ", ".join(SiteConfig.model_fields) + "."
        else:
            message = f"{key}: {first['msg'].lower()}"
            hint = "base_url is the site's address ending in /, e.g. https://example.org/."
        raise SiteError(message, path, hint=hint) from exc
