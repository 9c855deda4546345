"""``metadata``: every chart's ``ID.metadata.json`` valid against its JSON Schema
(schemas/chart-metadata.schema.json), and the files and pages it names built."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from jsonschema import Draft202012Validator

from site_builder.check.built_site import BuiltSite
from site_builder.check.feed_sitemap import SCHEMAS
from site_builder.check.problem import Problem

SCHEMA = "chart-metadata.schema.json"
HINT = ("The build writes this file (render/chart_pages.py `metadata`); "
        f"site_builder/check/schemas/{SCHEMA} says what it may hold.")


@cache
def _validator() -> Draft202012Validator:
    schema = json.loads((SCHEMAS / SCHEMA).read_text("utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def check_metadata(site: BuiltSite) -> list[Problem]:
    """Each metadata file parses, fits the schema, and links to files of this site that
    exist: its CSV, SVG, spec, itself, its permalink page and its embed pages."""
    problems: list[Problem] = []
    for path in sorted(site.output.rglob("*.metadata.json")):
        name = path.relative_to(site.output).as_posix()
        try:
            data = json.loads(path.read_text("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            line = getattr(exc, "lineno", None)
            problems.append(Problem("metadata", name, line, f"not valid JSON: {exc}", HINT))
            continue
        errors = sorted(_validator().iter_errors(data), key=lambda e: list(e.absolute_path))
        for error in errors:
            where = "/".join(str(p) for p in error.absolute_path) or "(the file)"
            problems.append(Problem("metadata", name, None,
                                    f"invalid at {where}: {error.message}", HINT))
        if not errors:
            problems += _missing_targets(site, name, data)
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
