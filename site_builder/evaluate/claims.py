"""Claim words computed from data: each helper returns the word, or fails when data disagree.

Helpers named after a claim (``record``, ``widened``, ``rose`` ...) assert it: the page says the
word only if the data support it, otherwise the build stops. ``direction`` and ``trend`` compute
the word instead.

A claim read from an older vintage of a series must hold in the current data too, or the
build fails with the numbers of both. ``vintage=True`` states the vintage instead: the claim
is checked in the data it read, and the words end "in the data of March 12, 2026".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from itertools import pairwise
from typing import overload

from site_builder import formatting
from site_builder.errors import SiteError
from site_builder.evaluate.figures import Figure, Series, normalise_period

HINT = ("Change the wording, or state the vintage the claim holds in: add vintage=True to "
        "the claim (it then reads \"… in the data of DATE\").")


def _show(fig: Figure) -> str:
    if fig.kind == "usd":
        return formatting.money(fig.value)
    if fig.kind == "ratio":
        return formatting.percent(fig.value)
    return formatting.number(fig.value, 2)


def _vintage(subject: Figure | Series) -> str:
    return "; ".join(f"{s.dataset}, {s.vintage}" for s in subject.sources)


def _refuted(claim: str, why: str, subject: Figure | Series) -> SiteError:
    return SiteError(
        f"the data do not support {claim!r}: {why} (data: {_vintage(subject)})",
        hint="Change the wording, or cite the vintage in which the claim holds.")


@overload
def _now(subject: Figure) -> Figure: ...
@overload
def _now(subject: Series) -> Series: ...
@overload
def _now(subject: Figure | Series) -> Figure | Series: ...


def _now(subject: Figure | Series) -> Figure | Series:
    """The same figure or series in current data (itself where it is current)."""
    if isinstance(subject, Figure):
        if subject.current is None:
            return subject
        return replace(subject, value=subject.current, current=None,
                       stood=subject.current_stood or subject.stood)
    return subject if subject.current is None else subject.current


def _numbers(subjects: list[Figure | Series] | tuple[Figure | Series, ...],
             at: str | None = None) -> str:
    """The values a claim compared (a series' at period ``at``), then their vintage."""
    figures = [s if isinstance(s, Figure) else s.at(at) for s in subjects
               if isinstance(s, Figure) or (at is not None and s.has(at))]
    shown = [f"{_show(f)} ({f.period})" if f.period else _show(f) for f in figures]
    stood = max((s.stood for s in subjects), default="")
    return "; ".join([*shown, f"data of {formatting.day(stood)}" if stood
                      else _vintage(subjects[0])])


def _older(*subjects: Figure | Series) -> bool:
    return any(s.current is not None for s in subjects)


def _stood(*subjects: Figure | Series) -> str:
    days = [s.stood for s in subjects if s.stood]
    return f" in the data of {formatting.day(max(days))}" if days else ""


def _checked(claim: str, words: Callable[..., str], vintage: bool,
             *subjects: Figure | Series, at: str | None = None) -> str:
    """Run a claim on the data read and, for data from an older vintage, on current data;
    fail unless both give the same words, or the claim states its vintage. ``at``: the
    period a claim on a whole series is about, for the numbers in the message."""
    said = words(*subjects)
    if vintage:
        return said + _stood(*subjects)
    if _older(*subjects):
        current = [_now(s) for s in subjects]
        try:
            now = words(*current)
        except SiteError as exc:
            raise SiteError(
                f"{claim!r} holds in the data read ({_numbers(subjects, at)}) but not in the "
                f"current data: {exc.message.removeprefix('the data do not support ')}",
                hint=HINT) from None
        if now != said:
            raise SiteError(
                f"{claim!r} reads {said!r} in the data read ({_numbers(subjects, at)}) but "
                f"{now!r} in the current data ({_numbers(current, at)})", hint=HINT)
    return said


def record_claim(series: Series, period: object, largest: bool = True, vintage: bool = False
                 ) -> str:
    """``a record`` (the helper ``record``): the value at ``period`` beats every earlier one
    in ``series``."""
    key = normalise_period(period)

    def words(s: Series) -> str:
        current = s.at(key)
        earlier = s.values[s.values.index < key].dropna()
        if not earlier.empty:
            rival = str(earlier.idxmax() if largest else earlier.idxmin())
            beaten = current.value > earlier[rival] if largest else current.value < earlier[rival]
            if not beaten:
                word = "larger" if largest else "smaller"
                raise _refuted("record", f"{rival} ({_show(s.at(rival))}) was {word} than "
                               f"{key} ({_show(current)})", s)
        return "a record"

    return _checked("record", words, vintage, series, at=key)


def largest_since(series: Series, period: object, expect: object = None,
                  vintage: bool = False) -> str:
    """``the largest since 2022``: the last earlier period at least as large, computed.

    With ``expect=2022`` the build fails unless that is the year found.
    """
    key = normalise_period(period)

    def words(s: Series) -> str:
        current = s.at(key).value
        earlier = s.values[s.values.index < key].dropna()
        at_least = earlier[earlier >= current]
        if at_least.empty:
            found = None
            said = (f"the largest in data going back to {formatting.period(earlier.index[0])}"
                    if not earlier.empty else "the first in the data")
        else:
            found = str(at_least.index[-1])
            said = f"the largest since {formatting.period(found)}"
        if expect is not None and normalise_period(expect) != found:
            raise _refuted(f"largest since {expect}", f"{key} is {said}", s)
        return said

    return _checked("largest since", words, vintage, series, at=key)


def _compare(new: Figure, old: Figure) -> float:
    if new.kind != old.kind:
        raise SiteError(f"cannot compare {new.what} with {old.what}: different units")
    return new.value - old.value


def direction(new: Figure, old: Figure, up: str = "rose", down: str = "fell",
              same: str = "was unchanged", vintage: bool = False) -> str:
    """The word for how ``old`` became ``new``: ``rose``, ``fell`` or ``was unchanged``."""
    def words(n: Figure, o: Figure) -> str:
        delta = _compare(n, o)
        return up if delta > 0 else down if delta < 0 else same

    return _checked("direction", words, vintage, new, old)


def _asserted(claim: str, holds: Callable[[float], bool], why: Callable[[Figure, Figure], str]
              ) -> Callable[[Figure, Figure], str]:
    def words(a: Figure, b: Figure) -> str:
        if not holds(_compare(a, b)):
            raise _refuted(claim, why(a, b), a)
        return claim
    return words


def _became(new: Figure, old: Figure) -> str:
    return f"{_show(old)} became {_show(new)}"


_ROSE = _asserted("rose", lambda d: d > 0, _became)
_FELL = _asserted("fell", lambda d: d < 0, _became)
_ABOVE = _asserted("above", lambda d: d > 0, lambda a, b: f"{_show(a)} is not above {_show(b)}")
_BELOW = _asserted("below", lambda d: d < 0, lambda a, b: f"{_show(a)} is not below {_show(b)}")


def rose(new: Figure, old: Figure, vintage: bool = False) -> str:
    """``rose``, asserted: fails unless ``new`` > ``old``."""
    return _checked("rose", _ROSE, vintage, new, old)


def fell(new: Figure, old: Figure, vintage: bool = False) -> str:
    """``fell``, asserted: fails unless ``new`` < ``old``."""
    return _checked("fell", _FELL, vintage, new, old)


def _trend(new: Figure, old: Figure) -> str:
    _compare(new, old)
    if (new.value < 0) != (old.value < 0) and new.value != 0 and old.value != 0:
        raise SiteError(f"{old.what} and {new.what} have opposite signs: the balance turned "
                        "from deficit to surplus or back",
                        hint="Say so in words; widened/narrowed compare balances of one sign.")
    grown = abs(new.value) - abs(old.value)
    return "widened" if grown > 0 else "narrowed" if grown < 0 else "was unchanged"


def trend(new: Figure, old: Figure, vintage: bool = False) -> str:
    """``widened`` or ``narrowed``: whether a balance (deficit or surplus) grew in size."""
    return _checked("trend", _trend, vintage, new, old)


def _trend_is(claim: str) -> Callable[[Figure, Figure], str]:
    def words(new: Figure, old: Figure) -> str:
        word = _trend(new, old)
        if word != claim:
            raise _refuted(claim, f"it {word}, from {_show(old)} to {_show(new)}", new)
        return word
    return words


def widened(new: Figure, old: Figure, vintage: bool = False) -> str:
    """``widened``, asserted: the balance grew in size from ``old`` to ``new``."""
    return _checked("widened", _trend_is("widened"), vintage, new, old)


def narrowed(new: Figure, old: Figure, vintage: bool = False) -> str:
    """``narrowed``, asserted: the balance shrank in size from ``old`` to ``new``."""
    return _checked("narrowed", _trend_is("narrowed"), vintage, new, old)


def above(a: Figure, b: Figure, vintage: bool = False) -> str:
    """``above``, asserted: ``a`` > ``b``."""
    return _checked("above", _ABOVE, vintage, a, b)


def below(a: Figure, b: Figure, vintage: bool = False) -> str:
    """``below``, asserted: ``a`` < ``b``."""
    return _checked("below", _BELOW, vintage, a, b)


def leads(ranking: list[tuple[str, Figure]], name: str, vintage: bool = False) -> str:
    """``name``, asserted to stand first in a :func:`ranking`."""
    if not ranking:
        raise SiteError("the ranking is empty")
    first, fig = ranking[0]
    if first != name:
        raise _refuted(f"{name} first", f"{first} leads with {_show(fig)}", fig)
    figures = [f for _, f in ranking]
    if vintage:
        return name + _stood(*figures)
    if _older(*figures):
        values = [f.value for f in figures]
        largest_first = all(a >= b for a, b in pairwise(values))
        now = sorted(((label, _now(f)) for label, f in ranking),
                     key=lambda i: -i[1].value if largest_first else i[1].value)
        if now[0][0] != name:
            raise SiteError(f"{name!r} leads in the data read but {now[0][0]!r} leads in the "
                            f"current data, with {_show(now[0][1])}", hint=HINT)
    return name
