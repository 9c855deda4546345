"""Plain-text formatting of figures: money, percentages, signed changes and periods."""

from __future__ import annotations

import calendar

MINUS = "\u2212"

_SCALES = (("trillion", 1e12, 2), ("billion", 1e9, 1), ("million", 1e6, 1))


def money(value: float, digits: int | None = None, unit: str | None = None) -> str:
    """Dollars in words: ``-903533000000`` -> ``−$903.5 billion``.

    ``unit`` forces ``trillion``, ``billion`` or ``million``; by default the largest that keeps
    the number at 1 or more. ``digits`` overrides the decimals (2 for trillions, 1 otherwise).
    """
    sign = MINUS if value < 0 else ""
    size = abs(value)
    for index, (name, scale, default_digits) in enumerate(_SCALES):
        if unit == name or (unit is None and size >= scale):
            places = default_digits if digits is None else digits
            if unit is None and index and round(size / scale, places) >= 1000:
                # Rounding reached the next unit: 999.96 billion reads $1.00 trillion.
                name, scale, default_digits = _SCALES[index - 1]
                places = default_digits if digits is None else digits
            return f"{sign}${size / scale:,.{places}f} {name}"
    if unit is not None:
        raise ValueError(f"unknown unit {unit!r}: use trillion, billion or million")
    return f"{sign}${size:,.{0 if digits is None else digits}f}"


def percent(ratio: float, digits: int = 1) -> str:
    """``0.0657`` -> ``6.6%``."""
    text = f"{abs(ratio) * 100:.{digits}f}%"
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
    return f"{sign}{abs(value):,.{digits}f}"
