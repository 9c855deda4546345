"""``fetch``: refresh datasets from their APIs, validate, show the diff, write all or nothing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass

from site_builder.data import status
from site_builder.data.declarations import Declaration, Fetch, load_declarations
from site_builder.data.diff import PageChange, SnapshotDiff, compare_tables
from site_builder.data.http_client import HttpClient
from site_builder.data.snapshot import Dataset, Snapshot, canonical_csv
from site_builder.data.sources import Fetched, bea, census, fred
from site_builder.data.store import clear_leftovers, describe, write_snapshot
from site_builder.data.validate import validate
from site_builder.errors import BuildFailed, SiteError
from site_builder.project import Project
from site_builder.report import Reporter

CLIENTS = {"fred": fred.fetch, "census": census.fetch, "bea": bea.fetch}
FETCH_DEADLINE = 600.0  # seconds for a whole fetch; `fetch --deadline` or the variable below
DEADLINE_VARIABLE = "SITE_BUILDER_FETCH_DEADLINE"
MAX_MB_VARIABLE = "SITE_BUILDER_FETCH_MAX_MB"
#: What the pages would show differently: (old snapshot, new snapshot, names of the datasets
#: that changed) -> each page that reads differently. The data layer cannot evaluate pages;
#: the caller hands one in (``site_builder.build.impact.PageImpact``).
Impact = Callable[[Snapshot, Snapshot, set[str]], tuple[PageChange, ...]]


def fetch_deadline(env: Mapping[str, str], given: float | None = None) -> float:
    """Seconds the whole fetch may take: ``given``, else the environment, else 10 minutes."""
    if given is not None:
        seconds = given
    else:
        text = env.get(DEADLINE_VARIABLE, "").strip()
        try:
            seconds = float(text) if text else FETCH_DEADLINE
        except ValueError:
            raise SiteError(f"{DEADLINE_VARIABLE}={text!r} is not a number of seconds") \
                from None
    if not seconds > 0:
        raise SiteError(f"the fetch deadline must be a positive number of seconds, not "
                        f"{seconds:g}")
    return seconds


def _client(project: Project, env: Mapping[str, str]) -> HttpClient:
    text = env.get(MAX_MB_VARIABLE, "").strip()
    if not text:
        return HttpClient(project.cache / "http")
    try:
        megabytes = float(text)
    except ValueError:
        raise SiteError(f"{MAX_MB_VARIABLE}={text!r} is not a number of megabytes") from None
    return HttpClient(project.cache / "http", max_bytes=int(megabytes * 1024 * 1024))


@dataclass(frozen=True)
class FetchResult:
    diff: SnapshotDiff
    written: bool
    requests: int
    cache_hits: int
    retries: int
    seconds: float


def fetch(project: Project, reporter: Reporter, env: Mapping[str, str], *, impact: Impact,
          only: tuple[str, ...] = (), http: HttpClient | None = None,
          now: dt.datetime | None = None, dry_run: bool = False,
          allow_missing: bool = False, deadline: float | None = None) -> FetchResult:
    """Fetch every dataset with a ``fetch`` setting (or those in ``only``).

    Nothing is written unless every dataset fetched and validated; then the new tables and
    the lockfile replace the old together. ``dry_run`` computes the diff and writes nothing.
    ``allow_missing`` accepts values the snapshot has that upstream now gives as missing.
    ``impact`` says which pages the changed datasets change, for the diff.
    ``deadline`` (seconds; default :func:`fetch_deadline`) bounds the whole fetch: past it
    no request starts or goes on, and the fetch fails with the snapshot untouched.
    """
    seconds = fetch_deadline(env, deadline)
    started = dt.datetime.now(dt.UTC) if now is None else now
    declarations = load_declarations(project.declarations)
    unknown = [n for n in only if n not in declarations]
    if unknown:
        raise SiteError(f"no dataset named {unknown[0]!r}", project.declarations,
                        hint="Datasets: " + ", ".join(sorted(declarations)) + ".")
    targets = {n: d for n, d in declarations.items()
               if d.fetch is not None and (not only or n in only)}
    if not targets:
        raise SiteError("no dataset to fetch", project.declarations,
                        hint="Give a dataset a [NAME.fetch] table; README, 'Data', shows how.")
    if not dry_run:
        clear_leftovers(project.lockfile)
    snapshot = Snapshot(project.lockfile)
    client = http or _client(project, env)
    saved = client.stop_at, client.stop_reason, client.notify
    client.stop_at = client.monotonic() + seconds
    client.stop_reason = f"the fetch's deadline of {seconds:g} s passed"
    client.notify = reporter.warn
    try:
        fetched, errors = _fetch_all(targets, client, env, reporter)
        tables: dict[str, Dataset] = {}
        raws: dict[str, bytes] = {}
        for item in fetched:
            try:
                tables[item.name], raws[item.name] = _accept(item, targets[item.name],
                                                             snapshot, started, allow_missing)
            except SiteError as exc:
                errors.append(exc)
        if errors:
            if not dry_run:
                status.record(project.cache, status.FetchStatus(
                    started.isoformat(timespec="seconds"), ok=False,
                    problem=errors[0].message))
            raise BuildFailed(errors)
        diff = _diff(snapshot, tables, impact)
        written = False
        if not dry_run and not all(c.empty for c in diff.datasets):
            write_snapshot(project.lockfile, {n: (d.meta, raws[n]) for n, d in tables.items()},
                           keep_others=True)
            written = True
        if not dry_run:
            status.record(project.cache, status.FetchStatus(
                started.isoformat(timespec="seconds"), ok=True))
        stats = client.stats
        elapsed = (dt.datetime.now(dt.UTC) - started).total_seconds() if now is None else 0.0
        return FetchResult(diff, written, stats.requests, stats.cache_hits, stats.retries,
                           elapsed)
    finally:
        client.stop_at, client.stop_reason, client.notify = saved
        if http is None:
            client.close()


def _fetch_all(targets: dict[str, Declaration], client: HttpClient, env: Mapping[str, str],
               reporter: Reporter) -> tuple[list[Fetched], list[SiteError]]:
    fetched: list[Fetched] = []
    errors: list[SiteError] = []
    with ThreadPoolExecutor(max_workers=4) as pool:
        futures = {pool.submit(CLIENTS[_spec(d).api], name, d, client, env): name
                   for name, d in targets.items()}
        for future in reporter.progress(as_completed(futures), len(futures), "Fetching"):
            try:
                item = future.result()
            except SiteError as exc:
                errors.append(exc)
                continue
            fetched.append(item)
            reporter.detail(f"{item.name}: {len(item.frame)} rows from {item.request}")
    return sorted(fetched, key=lambda f: f.name), errors


def _spec(decl: Declaration) -> Fetch:
    assert decl.fetch is not None
    return decl.fetch


def _accept(item: Fetched, decl: Declaration, snapshot: Snapshot, now: dt.datetime,
            allow_missing: bool = False) -> tuple[Dataset, bytes]:
    """The validated table as the build will load it, and the exact bytes to store."""
    old = snapshot.load(item.name) if item.name in snapshot.metas else None
    frame = validate(item.name, decl, item.frame, old, item.request,
                     allow_missing=allow_missing)
    raw = canonical_csv(frame)
    meta = describe(item.name, decl, frame, raw, vintage=item.vintage,
                    retrieved=now.isoformat(timespec="seconds"),
                    provenance=f"fetched by site_builder from the {_spec(decl).api.upper()} API",
                    request=item.request)
    loaded = frame.copy()
    loaded["value"] = Dataset.numbers(loaded["value"]).astype(float)
    return Dataset(meta, loaded), raw


def _diff(old: Snapshot, tables: dict[str, Dataset], impact: Impact) -> SnapshotDiff:
    datasets = tuple(
        compare_tables(name, d.meta.units, d.meta.dimensions,
                       old.load(name).frame if name in old.metas else None, d.frame)
        for name, d in tables.items())
    changed = {c.name for c in datasets if not c.empty}
    pages = impact(old, old.with_tables(tables), changed) if changed else ()
    return SnapshotDiff(datasets, pages)
