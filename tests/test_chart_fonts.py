"""Charts are drawn in vl-convert's own Liberation Sans whatever fonts the machine has.

The machine here is a fontconfig file (``FONTCONFIG_FILE``) given to a fresh interpreter:
vl-convert reads it once per process. Its decoy is a "Liberation Sans" whose letters are
three times as wide, which is what a system copy of the font looks like to vl-convert (it
wins over the built-in one), made visible: labels measured in it move every axis.
"""

from __future__ import annotations

import json
import os
import struct
import subprocess
import sys
from pathlib import Path

import pytest
from golden import REPO

SPEC = {
    "data": {"values": [{"year": "2023", "value": 773.4}, {"year": "2024", "value": 918.4}]},
    "mark": "bar",
    "encoding": {"x": {"field": "year", "type": "nominal", "title": "Year"},
                 "y": {"field": "value", "type": "quantitative", "title": "Billions"}},
    "config": {"font": "'Liberation Sans', Arial, sans-serif"},
}
DRAW = ("import json, sys, vl_convert; from site_builder.charts.fonts import settle_fonts\n"
        "if sys.argv[1] == 'settled': settle_fonts()\n"
        "print(json.dumps([vl_convert.vegalite_to_svg(json.loads(sys.argv[2])),"
        " sys.modules['os'].environ.get('FONTCONFIG_FILE')]))")


def decoy_font(family: str, advance: int) -> bytes:
    """A TrueType font named ``family`` whose printable ASCII letters are boxes ``advance``
    thousandths of an em wide."""
    first, last = 0x20, 0x7E
    count = 2 + last - first  # .notdef (empty), then one box per letter
    box = struct.pack(">5h2H4B8h", 1, 50, 0, advance - 50, 700, 3, 0, 1, 1, 1, 1,
                      50, 0, advance - 100, 0, 0, 700, 0, -700) + b"\0\0"
    names = {1: family, 2: "Regular", 4: family, 6: family.replace(" ", "")}
    strings = [text.encode("utf-16-be") for text in names.values()]
    offsets = [sum(map(len, strings[:i])) for i in range(len(strings))]
    name = struct.pack(">3H", 0, len(names), 6 + 12 * len(names)) + b"".join(
        struct.pack(">6H", 3, 1, 0x409, nid, len(raw), at)
        for nid, raw, at in zip(names, strings, offsets, strict=True)) + b"".join(strings)
    segments = [(first, last, (1 - first) % 0x10000), (0xFFFF, 0xFFFF, 1)]
    ends, starts, deltas = ([seg[i] for seg in segments] for i in (1, 0, 2))
    per_segment = f">{len(segments)}H"
    cmap = (struct.pack(">4HI7H", 0, 1, 3, 1, 12, 4, 16 + 8 * len(segments), 0,
                        2 * len(segments), 4, 1, 0)
            + struct.pack(per_segment, *ends) + b"\0\0"  # then a reserved pad
            + b"".join(struct.pack(per_segment, *column)
                       for column in (starts, deltas, [0] * len(segments))))
    tables = {
        b"cmap": cmap,
        b"glyf": box * (count - 1),
        b"head": struct.pack(">4I2H2q4h2H3h", 0x10000, 0x10000, 0, 0x5F0F3CF5, 0, 1000, 0, 0,
                             0, -200, advance, 800, 0, 8, 2, 0, 0),
        b"hhea": struct.pack(">I3hH11hH", 0x10000, 800, -200, 0, advance, 0, 0, advance, 1,
                             *[0] * 7, count),
        b"hmtx": struct.pack(f">{2 * count}H", *[advance, 0] * count),
        b"loca": struct.pack(f">{count + 1}H", 0, *(len(box) // 2 * i for i in range(count))),
        b"maxp": struct.pack(">IH", 0x5000, count),
        b"name": name,
    }
    body, records = b"", b""
    for tag, data in tables.items():  # already in tag order
        records += struct.pack(">4s3I", tag, 0, 12 + 16 * len(tables) + len(body), len(data))
        body += data + b"\0" * (-len(data) % 4)
    power = 1 << (len(tables).bit_length() - 1)  # the table directory's search hints
    return struct.pack(">I4H", 0x10000, len(tables), 16 * power, power.bit_length() - 1,
                       16 * (len(tables) - power)) + records + body


def machine(folder: Path, fonts: dict[str, bytes]) -> dict[str, str]:
    """An environment whose fontconfig lists one folder holding ``fonts``."""
    (folder / "fonts").mkdir(parents=True)
    for name, data in fonts.items():
        (folder / "fonts" / name).write_bytes(data)
    (folder / "fonts.conf").write_text(
        f'<?xml version="1.0"?>\n<fontconfig><dir>{folder / "fonts"}</dir></fontconfig>\n')
    return {**os.environ, "FONTCONFIG_FILE": str(folder / "fonts.conf"),
            "PYTHONPATH": str(REPO)}


def draw(env: dict[str, str], settled: bool) -> tuple[str, str]:
    """The SVG of SPEC drawn in a fresh interpreter, and FONTCONFIG_FILE after drawing."""
    out = subprocess.run([sys.executable, "-c", DRAW, "settled" if settled else "raw",
                          json.dumps(SPEC)], env=env, capture_output=True, text=True,
                         check=True, timeout=120).stdout
    svg, config = json.loads(out)
    return svg, config


@pytest.fixture(scope="module")
def machines(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, str]]:
    root = tmp_path_factory.mktemp("machines")
    return {"bare": machine(root / "bare", {}),
            "decoy": machine(root / "decoy", {
                "LiberationSans-Regular.ttf": decoy_font("Liberation Sans", 1800)})}


def test_a_system_liberation_sans_moves_labels_drawn_without_our_font_settings(
        machines: dict[str, dict[str, str]]) -> None:
    # the control: without settle_fonts, vl-convert measures in the machine's font
    assert draw(machines["decoy"], settled=False)[0] != draw(machines["bare"], settled=False)[0]


def test_settled_charts_are_drawn_in_vl_converts_own_font_whatever_the_machine_has(
        machines: dict[str, dict[str, str]]) -> None:
    bare, _ = draw(machines["bare"], settled=False)
    for env in machines.values():
        svg, config = draw(env, settled=True)
        assert svg == bare
        assert config == env["FONTCONFIG_FILE"]  # Chromium, started later, sees the machine's


@pytest.mark.slow(23)
def test_the_golden_site_is_byte_identical_on_a_machine_with_a_decoy_font(
        machines: dict[str, dict[str, str]]) -> None:
    # the whole build: charts in worker processes, and the social cards' PNGs
    done = subprocess.run([sys.executable, str(REPO / "tests" / "golden.py")],
                          env=machines["decoy"], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "the build matches the pin" in done.stdout
