"""One module per API; each turns a dataset's fetch settings into a tidy table."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from site_builder.data.http_client import FetchError


@dataclass(frozen=True)
class Fetched:
    """A dataset as fetched: its tidy table (values as text, as the API wrote them)."""

    name: str
    frame: pd.DataFrame
    request: str  # every request made, with keys redacted
    vintage: str


def missing_key(variable: str, where: str, source: str) -> FetchError:
    return FetchError(f"{source} needs an API key in the environment variable {variable}",
                      hint=f"Get a free key at {where}, then `export {variable}=...`.")


def month_start(period: str) -> str:
    """``2020-01`` -> ``2020-01-01``; ``2020`` -> ``2020-01-01``."""
    return f"{period}-01" if len(period) == 7 else f"{period}-01-01"


def month_end(period: str) -> str:
    """The last day a period bound covers, for APIs that take dates."""
    if len(period) == 4:
        return f"{period}-12-31"
    return (pd.Period(period, "M").end_time.date()).isoformat()
