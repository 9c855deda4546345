"""Claim words computed from data: each helper returns the word, or fails when data disagree.

Helpers named after a claim (``record``, ``widened``, ``rose`` ...) assert it: the page says the
word only if the data support it, otherwise the build stops. ``direction`` and ``trend`` compute
the word instead.
"""

from __future__ import annotations

from site_builder import formatting
from site_builder.errors import SiteError
from site_builder.figures import Figure, Series, normalise_period


def _show(fig: Figure) -> str:
    if fig.kind == "usd":
        return formatting.money(fig.value)
    if fig.kind == "ratio":
        return formatting.percent(fig.value)
    return formatting.number(fig.value, 2)


def _vintage(fig: Figure | Series) -> str:
    return "; ".join(f"{s.dataset}, {s.vintage}" for s in fig.sources)


def _refuted(claim: str, why: str, subject: Figure | Series) -> SiteError:
    return SiteError(
        f"the data do not support {claim!r}: {why} (data: {_vintage(subject)})",
        hint="Change the wording, or cite the vintage in which the claim holds.")


def record(series: Series, period: object, largest: bool = True) -> str:
    """``a record``: the value at ``period`` beats every earlier one in ``series``."""
    key = normalise_period(period)
    current = series.at(key)
    earlier = series.values[series.values.index < key].dropna()
    if not earlier.empty:
        rival = str(earlier.idxmax() if largest else earlier.idxmin())
        rival_value = earlier[rival]
        beaten = current.value > rival_value if largest else current.value < rival_value
        if not beaten:
            word = "larger" if largest else "smaller"
            raise _refuted("record", f"{rival} ({_show(series.at(rival))}) was {word} than "
                           f"{key} ({_show(current)})", series)
    return "a record"


def largest_since(series: Series, period: object, expect: object = None) -> str:
    """``the largest since 2022``: the last earlier period at least as large, computed.

    With ``expect=2022`` the build fails unless that is the year found.
    """
    key = normalise_period(period)
    current = series.at(key).value
    earlier = series.values[series.values.index < key].dropna()
    at_least = earlier[earlier >= current]
    if at_least.empty:
        found = None
        words = (f"the largest in data going back to {formatting.period(earlier.index[0])}"
                 if not earlier.empty else "the first in the data")
    else:
        found = str(at_least.index[-1])
        words = f"the largest since {formatting.period(found)}"
    if expect is not None and normalise_period(expect) != found:
        raise _refuted(f"largest since {expect}", f"{key} is {words}", series)
    return words


def _compare(new: Figure, old: Figure) -> float:
    if new.kind != old.kind:
        raise SiteError(f"cannot compare {new.what} with {old.what}: different units")
    return new.value - old.value


def direction(new: Figure, old: Figure, up: str = "rose", down: str = "fell",
              same: str = "was unchanged") -> str:
    """The word for how ``old`` became ``new``: ``rose``, ``fell`` or ``was unchanged``."""
    delta = _compare(new, old)
    return up if delta > 0 else down if delta < 0 else same


def rose(new: Figure, old: Figure) -> str:
    """``rose``, asserted: fails unless ``new`` > ``old``."""
    if _compare(new, old) <= 0:
        raise _refuted("rose", f"{_show(old)} became {_show(new)}", new)
    return "rose"


def fell(new: Figure, old: Figure) -> str:
    """``fell``, asserted: fails unless ``new`` < ``old``."""
    if _compare(new, old) >= 0:
        raise _refuted("fell", f"{_show(old)} became {_show(new)}", new)
    return "fell"


def trend(new: Figure, old: Figure) -> str:
    """``widened`` or ``narrowed``: whether a balance (deficit or surplus) grew in size."""
    _compare(new, old)
    if (new.value < 0) != (old.value < 0) and new.value != 0 and old.value != 0:
        raise SiteError(f"{old.what} and {new.what} have opposite signs: the balance turned "
                        "from deficit to surplus or back",
                        hint="Say so in words; widened/narrowed compare balances of one sign.")
    grown = abs(new.value) - abs(old.value)
    return "widened" if grown > 0 else "narrowed" if grown < 0 else "was unchanged"


def widened(new: Figure, old: Figure) -> str:
    """``widened``, asserted: the balance grew in size from ``old`` to ``new``."""
    word = trend(new, old)
    if word != "widened":
        raise _refuted("widened", f"it {word}, from {_show(old)} to {_show(new)}", new)
    return word


def narrowed(new: Figure, old: Figure) -> str:
    """``narrowed``, asserted: the balance shrank in size from ``old`` to ``new``."""
    word = trend(new, old)
    if word != "narrowed":
        raise _refuted("narrowed", f"it {word}, from {_show(old)} to {_show(new)}", new)
    return word


def above(a: Figure, b: Figure) -> str:
    """``above``, asserted: ``a`` > ``b``."""
    if _compare(a, b) <= 0:
        raise _refuted("above", f"{_show(a)} is not above {_show(b)}", a)
    return "above"


def below(a: Figure, b: Figure) -> str:
    """``below``, asserted: ``a`` < ``b``."""
    if _compare(a, b) >= 0:
        raise _refuted("below", f"{_show(a)} is not below {_show(b)}", a)
    return "below"


def leads(ranking: list[tuple[str, Figure]], name: str) -> str:
    """``name``, asserted to stand first in a :func:`ranking`."""
    if not ranking:
        raise SiteError("the ranking is empty")
    first, fig = ranking[0]
    if first != name:
        raise _refuted(f"{name} first", f"{first} leads with {_show(fig)}", fig)
    return name
