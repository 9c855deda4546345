"""The sandbox a brief's expressions run in: data, not code.

Expressions reach only the project's own immutable values (figures, series, rankings),
strings, numbers and plain lists and mappings, and only the attributes README lists for
them: no pandas or numpy object, no module or class, nothing that reads or writes a file,
imports code or reads the environment. What an expression may make is bounded too: strings
and lists, numbers, loops, calls and the text a page renders to, so that a mistake (or a
brief written to hurt) stops with the file and line instead of filling the memory.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import math
import re
from collections.abc import Iterable, Iterator
from types import ModuleType
from typing import Any

from jinja2 import nodes
from jinja2.compiler import CodeGenerator, Frame
from jinja2.filters import do_format, do_join
from jinja2.runtime import LoopContext, Macro, Undefined, str_join
from jinja2.sandbox import SandboxedEnvironment
from jinja2.utils import LRUCache, Namespace, pass_eval_context
from markupsafe import Markup

from site_builder.errors import SiteError, quoted
from site_builder.evaluate.figures import Figure, Series
from site_builder.evaluate.rank import Rank

#: Characters of a string, or items of a list, one operation or ``range`` may make.
MAX_ITEMS = 100_000
#: Characters one text (a brief's body, a label, a value) may render to.
MAX_OUTPUT = 2_000_000
#: Loop iterations, and calls, in one text.
MAX_LOOPS = 100_000
MAX_CALLS = 1_000_000
#: The size of a whole number an expression may make, in bits (about 30,000 digits).
MAX_BITS = 100_000

_STR = frozenset({"upper", "lower", "title", "capitalize", "strip", "lstrip", "rstrip",
                  "startswith", "endswith", "split", "rsplit", "splitlines", "isdigit",
                  "isalpha", "find", "count", "removeprefix", "removesuffix"})
#: The attributes and methods an expression may use, by type (README, 'Figures').
ALLOWED: dict[type, frozenset[str]] = {
    Series: frozenset({"at", "has", "year", "latest", "first", "annual", "between",
                       "average", "total", "periods", "what", "kind"}),
    Figure: frozenset({"value", "period", "what", "kind"}),
    Rank: frozenset({"position", "count", "year", "by", "names", "ordinal"}),
    Markup: _STR,
    str: _STR,
    list: frozenset({"index", "count"}),
    tuple: frozenset({"index", "count"}),
    dict: frozenset({"items", "keys", "values", "get"}),
    dt.date: frozenset({"year", "month", "day", "isoformat"}),
    LoopContext: frozenset({"index", "index0", "revindex", "revindex0", "first", "last",
                            "length", "depth", "depth0", "previtem", "nextitem", "cycle",
                            "changed"}),
}
NAMES = {Series: "a series", Figure: "a figure", Rank: "a rank", Markup: "text", str: "a string",
         list: "a list", tuple: "a list", dict: "a mapping", dt.date: "a date"}
#: Jinja's filters that cannot grow a value past its inputs, and the three below, checked.
SAFE_FILTERS = ("abs", "attr", "capitalize", "count", "d", "default", "dictsort", "e",
                "escape", "first", "float", "groupby", "int", "items", "last", "length",
                "list", "lower", "map", "max", "min", "reject", "rejectattr", "reverse",
                "round", "select", "selectattr", "sort", "sum", "title", "trim", "unique",
                "upper", "wordcount")
#: How many texts' compiled code one environment keeps.
COMPILED = 1_000
#: printf-style widths or precisions of four digits or more, or given by ``*``.
WIDE = re.compile(r"%[-+ #0]*(?:\*|\d{4,})|%[-+ #0]*\d*\.(?:\*|\d{4,})")


class LimitExceeded(SiteError):
    """An expression went past one of the limits above."""


_budget: contextvars.ContextVar[Budget | None] = contextvars.ContextVar("budget",
                                                                        default=None)


class Budget:
    """What one text's evaluation has spent; ``with budget:`` makes it the current one."""

    def __init__(self) -> None:
        self.output = 0  # characters yielded by the template
        self.produced = 0  # characters of every `{{ }}`, in macros and set blocks too
        self.loops = 0
        self.calls = 0
        self._token: contextvars.Token[Budget | None] | None = None

    def __enter__(self) -> Budget:
        self._token = _budget.set(self)
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._token is not None
        _budget.reset(self._token)

    def join(self, chunks: Iterable[str]) -> str:
        parts = []
        for chunk in chunks:
            self.output += len(chunk)
            if self.output > MAX_OUTPUT:
                raise LimitExceeded(f"the text renders to more than {MAX_OUTPUT:,} characters",
                                    hint="A loop or a repeated string runs away.")
            parts.append(chunk)
        return "".join(parts)

    def produce(self, size: int) -> None:
        self.produced += size
        if self.produced > MAX_OUTPUT:
            raise LimitExceeded(f"the expressions make more than {MAX_OUTPUT:,} characters",
                                hint="A loop or a repeated string runs away.")

    def loop(self, iterable: Iterable[Any]) -> Iterator[Any]:
        for item in iterable:
            self.loops += 1
            if self.loops > MAX_LOOPS:
                raise LimitExceeded(f"loops run more than {MAX_LOOPS:,} times",
                                    hint="Loop over the data's periods or rows, not more.")
            yield item

    def call(self) -> None:
        self.calls += 1
        if self.calls > MAX_CALLS:
            raise LimitExceeded(f"more than {MAX_CALLS:,} calls",
                                hint="A macro that calls itself runs away.")


def weight(value: object, limit: int = MAX_ITEMS) -> int:
    """The characters and items ``value`` holds, shared parts counted each time they appear
    (as ``str()`` would write them); stops counting once past ``limit``."""
    total = 0
    stack = [value]
    while stack and total <= limit:
        item = stack.pop()
        if isinstance(item, str | range):
            total += len(item)
        elif isinstance(item, list | tuple | set | frozenset):
            total += len(item)
            if total <= limit:
                stack.extend(item)
        elif isinstance(item, dict):
            total += len(item)
            if total <= limit:
                stack.extend(item.keys())
                stack.extend(item.values())
        else:
            total += 1
    return total


def _too_big(what: str) -> LimitExceeded:
    return LimitExceeded(f"{what}: the limit is {MAX_ITEMS:,} characters or items",
                         hint="Briefs show figures, not bulk text; README, 'What a brief can "
                              "and cannot do'.")


def _check_weight(value: object, what: str) -> None:
    if weight(value) > MAX_ITEMS:
        raise _too_big(what)


def _check_printf(template: str) -> None:
    if WIDE.search(template):
        raise LimitExceeded(f"the format {quoted(template)} asks for a width of "
                            "a thousand characters or more",
                            hint="Use widths such as %02d.")


def _name(obj: object) -> str:
    for kind, name in NAMES.items():
        if isinstance(obj, kind):
            return name
    return f"a {type(obj).__name__}"


def _allowed(obj: object) -> frozenset[str]:
    for kind, names in ALLOWED.items():
        if isinstance(obj, kind):
            return names
    return frozenset()


def _opaque(value: object) -> bool:
    """A value no expression may hold: a module, a class, or a pandas or numpy object."""
    if isinstance(value, type | ModuleType):
        return True
    return type(value).__module__.split(".")[0] in ("pandas", "numpy")


def _unavailable(obj: object, attribute: object) -> SiteError:
    names = sorted(_allowed(obj))
    offer = ("It offers " + ", ".join(f".{n}" for n in names) + ".") if names else \
        f"{_name(obj).capitalize()} has no attributes for briefs."
    return SiteError(f"{quoted(attribute)} of {_name(obj)} is not available to briefs",
                     hint=offer + " README, 'Figures', lists what expressions can use.")


def _finalize(value: Any) -> Any:
    """Every ``{{ }}`` value on its way out: figures must be formatted, and nothing shown
    may be larger than the limits."""
    if isinstance(value, Figure | Series):
        raise SiteError(f"{value.what} must be formatted before it is shown",
                        hint="Wrap it in usd(), pct(), signed() or period().")
    size = len(value) if isinstance(value, str) else weight(value, MAX_OUTPUT)
    budget = _budget.get()
    if budget is not None:
        budget.produce(size)
    return value


def _range(*args: int) -> range:
    numbers = range(*args)
    try:
        size = len(numbers)
    except OverflowError:
        size = math.inf  # type: ignore[assignment]
    if size > MAX_ITEMS:
        raise LimitExceeded(f"range() of more than {MAX_ITEMS:,} items",
                            hint="Loop over the data's periods or rows instead.")
    return numbers


def _loop_budget(iterable: Iterable[Any]) -> Iterable[Any]:
    budget = _budget.get()
    return iterable if budget is None else budget.loop(iterable)


@pass_eval_context
def _join(eval_ctx: Any, value: Any, d: str = "", attribute: Any = None) -> str:
    items = list(value) if not isinstance(value, list | tuple | str) else value
    _check_weight(items, "join()")
    if len(str(d)) * len(items) > MAX_ITEMS:
        raise _too_big("join()")
    return do_join(eval_ctx, items, d, attribute)


def _string(value: Any) -> str:
    _check_weight(value, "string()")
    return str(value)


def _format(value: str, *args: Any, **kwargs: Any) -> str:
    _check_printf(str(value))
    _check_weight((args, kwargs), "format()")
    return do_format(value, *args, **kwargs)


class _Generator(CodeGenerator):
    """Jinja's code generator, with ``~`` joins checked for size before they are made."""

    def visit_Concat(self, node: nodes.Concat, frame: Frame) -> None:
        self.write("environment.joined((")
        for arg in node.nodes:
            self.visit(arg, frame)
            self.write(", ")
        self.write("))")


class BriefSandbox(SandboxedEnvironment):
    """Jinja's sandbox narrowed to the project's values and their documented attributes,
    with every way to make something large checked."""

    code_generator_class = _Generator
    intercepted_binops = frozenset({"*", "**", "+", "%"})

    def __init__(self, **options: Any) -> None:
        super().__init__(finalize=_finalize, **options)
        # No lipsum, cycler or joiner; range within MAX_ITEMS.
        self.globals = {"range": _range, "dict": dict, "namespace": Namespace}
        self.filters = {name: self.filters[name] for name in SAFE_FILTERS}
        self.filters.update(format=_format, join=_join, string=_string,
                            loop_budget=_loop_budget)
        #: Compiled code by source text, checked and budgeted (see run_expressions).
        self.compiled: LRUCache = LRUCache(COMPILED)

    # -- what can be reached ------------------------------------------------------------
    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        if isinstance(obj, Namespace):
            return not attr.startswith("_") and not _opaque(value)
        return attr in _allowed(obj) and not _opaque(value)

    def is_safe_callable(self, obj: Any) -> bool:
        if obj is dict or obj is Namespace:
            return True
        if isinstance(obj, type | ModuleType) or _opaque(obj):
            return False
        return super().is_safe_callable(obj)

    def unsafe_undefined(self, obj: Any, attribute: str) -> Undefined:
        raise _unavailable(obj, attribute)  # e.g. from the `attr` filter

    def getattr(self, obj: Any, attribute: str) -> Any:
        if isinstance(obj, Undefined):
            return getattr(obj, attribute)  # raises: an unknown name
        if isinstance(obj, dict) and attribute in obj:
            return self._checked(obj, attribute, obj[attribute])  # row.name
        if isinstance(obj, Namespace) and not attribute.startswith("_"):
            try:
                return self._checked(obj, attribute, getattr(obj, attribute))
            except AttributeError:
                return self.undefined(obj=obj, name=attribute)
        if attribute not in _allowed(obj):
            raise _unavailable(obj, attribute)
        try:
            value = getattr(obj, attribute)
        except AttributeError:
            return self.undefined(obj=obj, name=attribute)
        return self._checked(obj, attribute, value)

    def getitem(self, obj: Any, argument: Any) -> Any:
        if isinstance(obj, Undefined):
            return obj[argument]  # raises: an unknown name
        if isinstance(obj, str | list | tuple | dict | range):
            try:
                return self._checked(obj, argument, obj[argument])
            except (TypeError, LookupError):
                if isinstance(argument, str) and not isinstance(obj, dict):
                    return self.getattr(obj, argument)
                return self.undefined(obj=obj, name=argument)
        if isinstance(argument, str):
            return self.getattr(obj, argument)
        raise _unavailable(obj, argument)

    def _checked(self, obj: Any, name: object, value: Any) -> Any:
        if _opaque(value):
            raise _unavailable(obj, name)
        return value

    def call(__self, __context: Any, __obj: Any, *args: Any,
             **kwargs: Any) -> Any:
        budget = _budget.get()
        if budget is not None:
            budget.call()
        if not isinstance(__obj, Macro) and not __self.is_safe_callable(__obj):
            raise SiteError(f"{_name(__obj)} cannot be called in a brief",
                            hint="README, 'Figures', lists what expressions can use.")
        return super().call(__context, __obj, *args, **kwargs)

    # -- what can be made ---------------------------------------------------------------
    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        whole = isinstance(left, int) and isinstance(right, int)
        if operator == "*":
            if whole and left.bit_length() + right.bit_length() > MAX_BITS:
                raise _too_big("a number that large")
            for seq, times in ((left, right), (right, left)):
                if isinstance(seq, str | list | tuple) and isinstance(times, int) and \
                        times > 0 and times * max(weight(seq), 1) > MAX_ITEMS:
                    raise _too_big(f"{_name(seq)} repeated {times:,} times")
        elif operator == "**":
            if whole and right > 0 and abs(left) > 1 and \
                    left.bit_length() * right > MAX_BITS:
                raise _too_big("a number that large")
        elif operator == "+":
            if isinstance(left, str | list | tuple) and isinstance(right, str | list | tuple) \
                    and len(left) + len(right) > MAX_ITEMS:
                raise _too_big(f"{_name(left)} that long")
        elif operator == "%" and isinstance(left, str):
            _check_printf(left)
            _check_weight(right, "a % format")
        return super().call_binop(context, operator, left, right)

    def joined(self, parts: tuple[Any, ...]) -> str:
        """``a ~ b``: refused before it is made if the text would be too long."""
        if sum(weight(p) for p in parts) > MAX_ITEMS:
            raise _too_big("text joined with ~")
        return str_join(parts)

    def budgeted(self, template: nodes.Template) -> nodes.Template:
        """The parsed template with each ``{% for %}`` counted against the loop limit."""
        for loop in template.find_all(nodes.For):
            loop.iter = nodes.Filter(loop.iter, "loop_budget", [], [], None, None,
                                     lineno=loop.iter.lineno)
        return template

