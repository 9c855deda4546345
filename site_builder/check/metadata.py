"""``metadata``: every chart's ``ID.metadata.json`` valid against its JSON Schema
(schemas/chart-metadata.schema.json), and the files and pages it names built.

A file that fitted the schema is recorded by a hash of its bytes (see
:mod:`site_builder.check.record`) and checked against it again only once it changes; the
files and pages it names are looked for every time, as they may have gone since.
"""

from __future__ import annotations

import hashlib
import json
from functools import cache
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING, Any

from site_builder.check.built_site import BuiltSite
from site_builder.check.feed_sitemap import SCHEMAS
from site_builder.check.problem import Problem
from site_builder.check.record import PassRecord, version_of

if TYPE_CHECKING:  # imported where used: when every file fitted before, it is not needed
    from jsonschema import Draft202012Validator

SCHEMA = "chart-metadata.schema.json"
HINT = ("The build writes this file (render/chart_pages.py `metadata`); "
        f"site_builder/check/schemas/{SCHEMA} says what it may hold.")
RECORD = Path("check") / "metadata.json"  # under the project's cache folder


@cache
def _validator() -> Draft202012Validator:
    from jsonschema import Draft202012Validator

    schema = json.loads((SCHEMAS / SCHEMA).read_text("utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def check_metadata(site: BuiltSite, full: bool = False) -> list[Problem]:
    """Each metadata file parses, fits the schema (checked again only once the file changed
    since it last fitted; every file with ``full``), and links to files of this site that
    exist: its CSV, SVG, spec, itself, its permalink page and its embed pages."""
    record = PassRecord(site.project.cache / RECORD, version_of(
        Path(__file__).read_bytes(), (SCHEMAS / SCHEMA).read_bytes(),
        version("jsonschema").encode()), full)
    problems: list[Problem] = []
    keys: set[str] = set()
    fitted: set[str] = set()
    for path in sorted(site.output.rglob("*.metadata.json")):
        name = path.relative_to(site.output).as_posix()
        raw = path.read_bytes()
        key = hashlib.sha256(raw).hexdigest()
        keys.add(key)
        try:
            data = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            line = getattr(exc, "lineno", None)
            problems.append(Problem("metadata", name, line, f"not valid JSON: {exc}", HINT))
            continue
        errors = [] if key in record.passed else sorted(
            _validator().iter_errors(data), key=lambda e: list(e.absolute_path))
        if not errors:
            fitted.add(key)
        for error in errors:
            where = "/".join(str(p) for p in error.absolute_path) or "(the file)"
            problems.append(Problem("metadata", name, None,
                                    f"invalid at {where}: {error.message}", HINT))
        if not errors:
            problems += _missing_targets(site, name, data)
    record.save(fitted, keys)
    return problems


def _missing_targets(site: BuiltSite, name: str, data: dict[str, Any]) -> list[Problem]:
    urls = [*data["files"].values(), data["permalink"], data["embed"]["live"],
            data["embed"]["as_published"], data["embed"]["loader"]]
    problems = []
    for url in urls:
        if not url.startswith(site.base_url):
            problems.append(Problem("metadata", name, None, f"{url} is not on this site ("
                                    f"{site.base_url})", HINT))
        elif site.file_for("/" + url[len(site.base_url):]) is None:
            problems.append(Problem("metadata", name, None, f"{url}: no such file was built",
                                    HINT))
    return problems
