"""``content/site.toml``, validated; unknown keys are errors."""

from __future__ import annotations

import tomllib

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from site_builder.errors import SiteError
from site_builder.project import Project


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
