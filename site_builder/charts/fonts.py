"""The one font charts and social cards are measured and drawn in: the Liberation Sans that
vl-convert carries in memory, never a font of the machine's.

vl-convert builds its font database once per process, on first use: the fonts that the
machine's fontconfig settings list (``$FONTCONFIG_FILE``, else ``~/.config/fontconfig`` and
``/etc/fonts``), then its own copy of Liberation Sans. A font found on disk is read from its
file again each time a label is measured, and a system Liberation Sans (Debian's
``fonts-liberation``, which Chromium needs) wins over the built-in one: charts then render
at half the speed, to the same bytes. So the database is built here, before the first chart
or card, from a fontconfig file of our own that names one empty folder and makes Liberation
Sans the sans-serif: no system folder is scanned and no font file is opened.
"""

from __future__ import annotations

import os
import tempfile
import threading
from pathlib import Path
from xml.sax.saxutils import escape

import vl_convert as vlc

FAMILY = "Liberation Sans"  # vl-convert's built-in font; it has Arial's metrics
_CONFIG = """<?xml version="1.0"?>
<fontconfig>
  <dir>{folder}</dir>
  <alias><family>sans-serif</family><prefer><family>{family}</family></prefer></alias>
</fontconfig>
"""
_lock = threading.Lock()
_settled = False


def settle_fonts() -> None:
    """Build vl-convert's font database from our own fontconfig file, once per process,
    before any chart is drawn; later calls do nothing.

    ``FONTCONFIG_FILE`` points at that file only while the database is built, so Chromium
    and other programs started later still see the machine's fonts.
    """
    global _settled
    with _lock:
        if _settled:
            return
        with tempfile.TemporaryDirectory(prefix="site-builder-fonts-") as folder:
            config = Path(folder) / "fonts.conf"
            config.write_text(_CONFIG.format(folder=escape(folder), family=FAMILY), "utf-8")
            machine = os.environ.get("FONTCONFIG_FILE")
            os.environ["FONTCONFIG_FILE"] = str(config)
            try:  # the first call into the font database builds it
                vlc.register_font_directory(folder)
            finally:
                if machine is None:
                    del os.environ["FONTCONFIG_FILE"]
                else:
                    os.environ["FONTCONFIG_FILE"] = machine
        _settled = True
