"""Plain-text formatting of figures: money, percentages, signed changes and periods."""

from __future__ import annotations

import calendar
import math
from decimal import ROUND_HALF_UP, Decimal

MINUS = "\u2212"

_SCALES = (("trillion", 1e12, 2), ("billion", 1e9, 1), ("million", 1e6, 1))


def fixed(number: float, places: int) -> str:
    """``number`` with ``places`` decimals and thousands separators, rounded half up as the
    agencies round (165.25 -> 165.3), not half to even."""
    # Ten significant digits first: a sum such as 165.24999999999997 is the 165.25 it stands for.
    exact = Decimal(f"{number:.10g}") if number else Decimal(0)
    rounded = exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return f"{rounded:,.{places}f}"


def _allowed(places: int, scale: float, precision: float | None) -> int:
    """At most the decimals the source resolves: whole billions show no decimals."""
    if not precision:
        return places
    return max(0, min(places, round(-math.log10(precision / scale))))


def money(value: float, digits: int | None = None, unit: str | None = None,
          precision: float | None = None) -> str:
    """Dollars in words: ``-903533000000`` -> ``−$903.5 billion``.

    ``unit`` forces ``trillion``, ``billion`` or ``million``; by default the largest that keeps
    the number at 1 or more. ``digits`` overrides the decimals (2 for trillions, 1 otherwise).
    ``precision``, the step the source resolves in dollars, caps the decimals: a figure
    published in whole billions is never shown with tenths.
    """
    sign = MINUS if value < 0 else ""
    size = abs(value)
    for index, (name, scale, default_digits) in enumerate(_SCALES):
        if unit == name or (unit is None and size >= scale):
            places = _allowed(default_digits if digits is None else digits, scale, precision)
            if unit is None and index and float(fixed(size / scale, places).replace(",", "")) \
                    >= 1000:
                # Rounding reached the next unit: 999.96 billion reads $1.00 trillion.
                name, scale, default_digits = _SCALES[index - 1]
                places = _allowed(default_digits if digits is None else digits, scale,
                                  precision)
            return f"{sign}${fixed(size / scale, places)} {name}"
    if unit is not None:
        raise ValueError(f"unknown unit {unit!r}: use trillion, billion or million")
    return f"{sign}${fixed(size, 0 if digits is None else digits)}"


def percent(ratio: float, digits: int = 1) -> str:
    """``0.0657`` -> ``6.6%``, rounded half up."""
    text = f"{fixed(abs(ratio) * 100, digits)}%"
    return (MINUS + text) if ratio < 0 and text.strip("0.%") else text


def signed(text: str, value: float) -> str:
    """Prefix an unsigned rendering with + or − from ``value``."""
    body = text.lstrip(MINUS)
    if value > 0:
        return "+" + body
    if value < 0:
        return MINUS + body
    return body


def period(key: str) -> str:
    """``2024`` -> ``2024``; ``2024-12`` -> ``December 2024``."""
    if len(key) == 7:
        year, month = key.split("-")
        return f"{calendar.month_name[int(month)]} {year}"
    return key


def day(iso: str) -> str:
    """``2026-03-12`` -> ``March 12, 2026``."""
    year, month, date = (int(part) for part in iso[:10].split("-"))
    return f"{calendar.month_name[month]} {date}, {year}"


def number(value: float, digits: int = 0) -> str:
    sign = MINUS if value < 0 else ""
    return f"{sign}{fixed(abs(value), digits)}"
