"""A full fetch of every dataset against local replay servers in the APIs' real formats.

    python bench/fetch_replay.py

Upstream serves what the committed snapshot holds, each FRED series as its newest copy in
the snapshot (so older copies show up as revisions), the ALFRED vintages the pinned datasets
ask for, Census partner rows and BEA annual services. The fetch runs twice in a copy of the
project: cold, then again with the HTTP cache, when an unchanged upstream answers 304.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from replay import (  # noqa: E402 - the replay servers live with the tests
    BeaUpstream,
    CensusUpstream,
    FredUpstream,
    bea_annual_services,
    census_records_from_snapshot,
    replay_server,
    snapshot_rows,
)

from site_builder.build.impact import PageImpact  # noqa: E402
from site_builder.data.declarations import load_declarations  # noqa: E402
from site_builder.data.fetch import fetch  # noqa: E402
from site_builder.data.http_client import HttpClient  # noqa: E402
from site_builder.data.snapshot import read_lock  # noqa: E402
from site_builder.project import Project  # noqa: E402
from site_builder.report import SilentReporter  # noqa: E402


def fred_upstream(project: Project) -> FredUpstream:
    """Each series id's rows, newest copy first; pinned vintages as they were stored."""
    declarations = load_declarations(project.declarations)
    lock = read_lock(project.lockfile)
    series: dict[str, dict[str, str | None]] = {}
    vintages = {}
    order = sorted((n for n, d in declarations.items() if d.fetch and d.fetch.api == "fred"),
                   key=lambda n: lock[n].retrieved)
    for name in order:  # oldest copy first, so newer copies overwrite the periods they hold
        spec = declarations[name].fetch
        assert spec is not None
        for item in spec.series:
            dims = item.dimensions()
            if "series_id" in declarations[name].dimensions:
                dims["series_id"] = item.id
            rows = snapshot_rows(name, **dims)
            if spec.vintage is not None:
                vintages[(item.id, spec.vintage.isoformat())] = rows
            else:
                series.setdefault(item.id, {}).update(dict(rows))
    return FredUpstream({k: sorted(v.items()) for k, v in series.items()}, vintages)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "project"
        shutil.copytree(ROOT / "content", root / "content")
        shutil.copytree(ROOT / "templates", root / "templates")
        project = Project(root, cache_dir=Path(tmp) / "cache")
        keys = {"FRED_API_KEY": "bench-fred-key-0001", "CENSUS_API_KEY": "bench-census-0001",
                "BEA_API_KEY": "bench-bea-key-0001"}
        with replay_server() as server:
            fred_upstream(project).install(server)
            partners = ["China", "Mexico", "Canada", "World (all countries)"]
            CensusUpstream({
                "exports/hs": census_records_from_snapshot("ALL_VAL_MO", partners),
                "imports/hs": census_records_from_snapshot("GEN_VAL_MO", partners),
            }).install(server)
            BeaUpstream({"ExpServ": bea_annual_services("BOPSEXP"),
                         "ImpServ": bea_annual_services("BOPSIMP"),
                         "BalServ": bea_annual_services("BOPSTB")},
                        keys["BEA_API_KEY"]).install(server)
            env = {**keys, "SITE_BUILDER_FRED_URL": server.url,
                   "SITE_BUILDER_CENSUS_URL": server.url + "/data/timeseries/intltrade",
                   "SITE_BUILDER_BEA_URL": server.url + "/api/data"}
            # No services-by-type figures exist offline, so IntlServTrade is not replayed.
            replayable = tuple(n for n, d in load_declarations(project.declarations).items()
                               if d.fetch and d.fetch.dataset != "IntlServTrade")
            print(f"{'run':<8}{'datasets':>10}{'requests':>10}{'304s':>8}{'retries':>9}"
                  f"{'seconds':>9}  snapshot")
            for run in ("cold", "cached"):
                client = HttpClient(project.cache / "http")
                start = time.perf_counter()
                result = fetch(project, SilentReporter(), env, http=client, only=replayable,
                               impact=PageImpact(project))
                seconds = time.perf_counter() - start
                print(f"{run:<8}{len(result.diff.datasets):>10}{result.requests:>10}"
                      f"{result.cache_hits:>8}{result.retries:>9}{seconds:>9.2f}  "
                      f"{'updated' if result.written else 'unchanged'}")
                if run == "cold":
                    changed = [d for d in result.diff.datasets if not d.empty]
                    revised = sum(len(d.revised) for d in changed)
                    added = sum(len(d.added) for d in changed)
                    print(f"        {len(changed)} datasets changed: {revised} revised values,"
                          f" {added} new rows; briefs affected: {len(result.diff.pages)}")
                client.close()


if __name__ == "__main__":
    main()
