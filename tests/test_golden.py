"""A clean build of the fixed site (tests/golden.py) matches its pinned bytes, file by
file. After a change meant to alter the output, re-pin with ``python tests/golden.py
--record`` and say why in the commit."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from golden import PINNED, build_fixture, differences, manifest, moved_versions


@pytest.mark.slow(12)
def test_a_clean_build_of_the_fixed_site_matches_the_pinned_bytes(tmp_path: Path) -> None:
    built = manifest(build_fixture(tmp_path / "site"))
    assert "briefs/golden-balance/index.html" in built
    assert "briefs/golden-balance/golden-balance.svg" in built
    pin = json.loads(PINNED.read_text("utf-8"))
    assert differences(pin["files"], built) == [], (
        "the build differs from tests/golden/fixture-site.json; if meant, run "
        "python tests/golden.py --record. Libraries whose version moved since the pin: "
        f"{moved_versions(pin['versions']) or 'none'}")
