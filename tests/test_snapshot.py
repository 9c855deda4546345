"""Seeding the data snapshot from offline files, and reading it back: locked and checked."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from site_builder.data.seed import seed_snapshot
from site_builder.data.snapshot import Snapshot
from site_builder.errors import SiteError

FolderBytes = Callable[[Path], dict[str, bytes]]

DECLARATIONS = """\
[balance]
title = "Demo trade balance"
publisher = "Demo Bureau"
source = "fred"
series = ["DEMOBAL"]
units = "USD millions"
seasonal_adjustment = "seasonally adjusted"
frequency = "monthly"
url = "https://example.org/balance"
vintage = "copy of 2026-08-09"
retrieved = 2026-08-09
provenance = "written by the test"
seed = { files = [{ file = "balance.csv" }] }

[partners]
title = "Demo goods by partner"
publisher = "Demo Bureau"
source = "census"
units = "USD billions"
seasonal_adjustment = "not seasonally adjusted"
frequency = "annual"
url = "https://example.org/partners"
vintage = "first published 2025-02-05"
retrieved = 2025-02-06
provenance = "written by the test"
dimensions = ["partner"]

[partners.seed]
files = [{ file = "partners.csv" }]
period = "year"
value = "usd_billions"

[unseeded]
title = "Declared but not seeded"
publisher = "Demo Bureau"
source = "bea"
units = "USD"
seasonal_adjustment = "n/a"
frequency = "annual"
url = "https://example.org/none"
vintage = "none"
retrieved = 2025-01-01
provenance = "nowhere"
"""

BALANCE_CSV = """\
date,value
2024-01-01,-67077.0
2024-02-01,-66431.0
2024-03-01,-66266.0
2024-04-01,
"""

# Deliberately out of order: the snapshot sorts by period, then partner.
PARTNERS_CSV = """\
year,partner,usd_billions,note
2024,Mexico,171.8,
2023,China,279.1,press report
2024,China,295.4,"quoted as '$295.4 billion'"
"""


@pytest.fixture
def sources(tmp_path: Path) -> Path:
    folder = tmp_path / "sources"
    folder.mkdir()
    (folder / "balance.csv").write_text(BALANCE_CSV, encoding="utf-8")
    (folder / "partners.csv").write_text(PARTNERS_CSV, encoding="utf-8")
    return folder


@pytest.fixture
def declarations(tmp_path: Path) -> Path:
    path = tmp_path / "datasets.toml"
    path.write_text(DECLARATIONS, encoding="utf-8")
    return path


@pytest.fixture
def lock(tmp_path: Path) -> Path:
    return tmp_path / "data" / "snapshot.lock.json"


def stored(lock: Path, name: str) -> bytes:
    """The decompressed bytes of one table of the snapshot."""
    return gzip.decompress(table(lock, name).read_bytes())


def table(lock: Path, name: str) -> Path:
    """The file the lockfile names for one table."""
    entry = json.loads(lock.read_text("utf-8"))["datasets"][name]
    return lock.parent / "snapshot" / entry["file"]


def test_seed_writes_tables_and_lock(declarations: Path, sources: Path, lock: Path) -> None:
    metas = seed_snapshot(declarations, sources, lock)
    assert [m.name for m in metas] == ["balance", "partners"]
    assert sorted(p.name for p in (lock.parent / "snapshot").iterdir()) == [
        table(lock, "balance").name, table(lock, "partners").name]

    doc = json.loads(lock.read_text("utf-8"))
    assert doc["format"] == 1
    assert sorted(doc["datasets"]) == ["balance", "partners"]
    balance, partners = doc["datasets"]["balance"], doc["datasets"]["partners"]
    assert (balance["rows"], balance["first"], balance["last"]) == (4, "2024-01", "2024-04")
    assert balance["units"] == "USD millions"
    assert balance["file"] == f"balance-{balance['sha256'][:12]}.csv.gz"
    assert balance["series"] == ["DEMOBAL"]
    assert balance["vintage"] == "copy of 2026-08-09"
    assert balance["retrieved"] == "2026-08-09"
    assert (partners["rows"], partners["first"], partners["last"]) == (3, "2023", "2024")
    assert partners["units"] == "USD billions"
    assert partners["dimensions"] == ["partner"]
    for name, entry in doc["datasets"].items():
        assert entry["sha256"] == hashlib.sha256(stored(lock, name)).hexdigest()


def test_seeded_tables_are_tidy_and_keep_the_source_text(
        declarations: Path, sources: Path, lock: Path) -> None:
    seed_snapshot(declarations, sources, lock)
    balance = pd.read_csv(io.BytesIO(stored(lock, "balance")), dtype=str,
                          keep_default_na=False)
    assert list(balance.columns) == ["period", "value"]
    assert list(balance["period"]) == ["2024-01", "2024-02", "2024-03", "2024-04"]
    assert list(balance["value"]) == ["-67077.0", "-66431.0", "-66266.0", ""]
    partners = pd.read_csv(io.BytesIO(stored(lock, "partners")), dtype=str,
                           keep_default_na=False)
    assert list(partners.columns) == ["period", "partner", "value", "note"]
    assert partners[["period", "partner", "value"]].to_numpy().tolist() == [
        ["2023", "China", "279.1"], ["2024", "China", "295.4"], ["2024", "Mexico", "171.8"]]
    assert partners["note"].iloc[1] == "quoted as '$295.4 billion'"


def test_seeded_snapshot_loads_and_verifies(declarations: Path, sources: Path,
                                            lock: Path) -> None:
    seed_snapshot(declarations, sources, lock)
    snapshot = Snapshot(lock)
    assert snapshot.names() == ["balance", "partners"]
    frame = snapshot.load("partners").frame
    assert frame["value"].tolist() == [279.1, 295.4, 171.8]
    assert snapshot.meta("partners").scale == 1e9
    balance = snapshot.load("balance").frame
    assert balance["value"].iloc[:3].tolist() == [-67077.0, -66431.0, -66266.0]
    assert pd.isna(balance["value"].iloc[3])


def test_seed_output_is_deterministic(declarations: Path, sources: Path, tmp_path: Path,
                                      folder_bytes: FolderBytes) -> None:
    first = tmp_path / "one" / "snapshot.lock.json"
    second = tmp_path / "two" / "snapshot.lock.json"
    seed_snapshot(declarations, sources, first)
    seed_snapshot(declarations, sources, second)
    assert folder_bytes(first.parent) == folder_bytes(second.parent)
    gz = table(first, "balance").read_bytes()
    assert gz[4:8] == b"\0\0\0\0"  # no timestamp in the gzip header
    # Seeding again over the same snapshot changes nothing either.
    before = folder_bytes(first.parent)
    seed_snapshot(declarations, sources, first)
    assert folder_bytes(first.parent) == before


def test_missing_source_file_leaves_snapshot_untouched(
        declarations: Path, sources: Path, lock: Path, folder_bytes: FolderBytes) -> None:
    seed_snapshot(declarations, sources, lock)
    before = folder_bytes(lock.parent)
    (sources / "partners.csv").unlink()
    (sources / "balance.csv").write_text(BALANCE_CSV.replace("-67077.0", "-1.0"), "utf-8")
    with pytest.raises(SiteError) as info:
        seed_snapshot(declarations, sources, lock)
    assert info.value.path == sources / "partners.csv"
    assert "'partners'" in info.value.message
    assert "source file not found" in info.value.message
    assert info.value.hint
    assert folder_bytes(lock.parent) == before
    assert sorted(p.name for p in lock.parent.iterdir()) == ["snapshot", "snapshot.lock.json"]


def test_missing_column_is_named(declarations: Path, sources: Path, lock: Path) -> None:
    (sources / "partners.csv").write_text(PARTNERS_CSV.replace("partner,", "country,"),
                                          "utf-8")
    with pytest.raises(SiteError) as info:
        seed_snapshot(declarations, sources, lock)
    assert "column 'partner' missing" in info.value.message
    assert "country" in info.value.hint
    assert not lock.exists()


def test_duplicate_rows_are_refused(declarations: Path, sources: Path, lock: Path) -> None:
    (sources / "partners.csv").write_text(PARTNERS_CSV + "2024,China,1.0,\n", "utf-8")
    with pytest.raises(SiteError, match="two rows for"):
        seed_snapshot(declarations, sources, lock)


def test_declared_unknown_units_are_refused(declarations: Path, sources: Path,
                                            lock: Path) -> None:
    declarations.write_text(DECLARATIONS.replace('"USD billions"', '"USD thousands"'), "utf-8")
    with pytest.raises(SiteError) as info:
        seed_snapshot(declarations, sources, lock)
    assert info.value.path == declarations
    assert "unknown units 'USD thousands'" in info.value.message
    assert "USD millions" in info.value.hint
    assert not lock.exists()


def test_lock_with_unknown_units_is_rejected(declarations: Path, sources: Path,
                                             lock: Path) -> None:
    seed_snapshot(declarations, sources, lock)
    doc = json.loads(lock.read_text("utf-8"))
    doc["datasets"]["partners"]["units"] = "EUR billions"
    lock.write_text(json.dumps(doc), "utf-8")
    with pytest.raises(SiteError) as info:
        Snapshot(lock)
    assert info.value.path == lock
    assert info.value.message == "dataset 'partners': unknown units 'EUR billions'"
    assert "USD billions" in info.value.hint


def test_lock_of_another_format_is_rejected(declarations: Path, sources: Path,
                                            lock: Path) -> None:
    seed_snapshot(declarations, sources, lock)
    doc = json.loads(lock.read_text("utf-8"))
    doc["format"] = 2
    lock.write_text(json.dumps(doc), "utf-8")
    with pytest.raises(SiteError, match="unsupported lockfile format 2"):
        Snapshot(lock)


def test_missing_lock_says_how_to_rebuild(tmp_path: Path) -> None:
    with pytest.raises(SiteError) as info:
        Snapshot(tmp_path / "snapshot.lock.json")
    assert "missing" in info.value.message
    assert "seed" in info.value.hint


def test_edited_table_fails_its_checksum(declarations: Path, sources: Path,
                                         lock: Path) -> None:
    seed_snapshot(declarations, sources, lock)
    path = table(lock, "balance")
    path.write_bytes(gzip.compress(stored(lock, "balance").replace(b"-67077.0", b"-67078.0")))
    snapshot = Snapshot(lock)
    with pytest.raises(SiteError) as info:
        snapshot.load("balance")
    assert info.value.path == path
    assert "does not match its checksum" in info.value.message
    assert snapshot.load("partners").frame["value"].tolist() == [279.1, 295.4, 171.8]


def test_unknown_dataset_lists_the_known_ones(declarations: Path, sources: Path,
                                              lock: Path) -> None:
    seed_snapshot(declarations, sources, lock)
    with pytest.raises(SiteError) as info:
        Snapshot(lock).load("balence")
    assert info.value.message == "no dataset named 'balence'"
    assert "balance, partners" in info.value.hint
