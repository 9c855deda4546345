"""A brief's ``{{ }}`` expressions and ``{% %}`` statements, run in the sandbox."""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Any

from jinja2 import StrictUndefined, TemplateError, TemplateSyntaxError, UndefinedError
from jinja2.sandbox import SandboxedEnvironment

from site_builder.errors import SiteError, quoted
from site_builder.evaluate.sandbox import BriefSandbox, Budget, LimitExceeded

#: The file name a brief's compiled text runs under: figures and errors find their line by it.
TEMPLATE_FILE = "<brief>"


def expression_environment() -> SandboxedEnvironment:
    """The sandbox briefs' ``{{ }}`` expressions run in; unknown names are errors, and only
    the project's own values, with the attributes README lists, can be reached."""
    return BriefSandbox(undefined=StrictUndefined, autoescape=False,
                        keep_trailing_newline=True)


def _template_line(exc: BaseException) -> int | None:
    """The line of the brief's body that was running when ``exc`` was raised."""
    tb = exc.__traceback__
    line = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == TEMPLATE_FILE:
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def running_line() -> int | None:
    """The line of the brief's text running now, counted from its first; None when no
    brief's text is running."""
    frame = inspect.currentframe()
    while frame is not None and frame.f_code.co_filename != TEMPLATE_FILE:
        frame = frame.f_back
    if frame is None:
        return None
    # Jinja's compiled module maps its code lines to template lines in `debug_info`.
    pairs = [pair.split("=") for pair in str(frame.f_globals.get("debug_info", ""))
             .split("&") if "=" in pair]
    return next((int(template) for template, code in reversed(pairs)
                 if int(code) <= frame.f_lineno), 1)


def run_expressions(text: str, helpers: dict[str, Any], env: SandboxedEnvironment, path: Path,
                    first_line: int) -> str:
    """Evaluate the ``{{ }}`` expressions and ``{% %}`` statements of ``text``."""
    if "{{" not in text and "{%" not in text and "{#" not in text:
        return text  # plain prose: nothing to compile
    budget = Budget()
    try:
        code = env.compiled.get(text) if isinstance(env, BriefSandbox) else None
        if code is None:
            _check_nesting(text, env, path, first_line)
            if isinstance(env, BriefSandbox):
                code = env.compile(env.budgeted(env.parse(text)), filename=TEMPLATE_FILE)
                env.compiled[text] = code  # generated pages share their text: compile once
            else:
                code = env.compile(text, filename=TEMPLATE_FILE)
        template = env.template_class.from_code(env, code, env.make_globals(helpers))
        with budget:
            return budget.join(template.generate())
    except LimitExceeded as exc:
        line = _template_line(exc)
        raise SiteError(exc.message, path, first_line + (line or 1) - 1,
                        hint=exc.hint) from None
    except RecursionError:
        raise SiteError("the expression nests too deeply", path, first_line,
                        hint="Write it in steps, with {% set %}.") from None
    except TemplateSyntaxError as exc:
        raise SiteError(f"expression syntax: {exc.message}", path, first_line + exc.lineno - 1,
                        hint="Expressions look like {{ usd(value(...)) }}; README, "
                             "'Figures', lists every helper.") from exc
    except SiteError as exc:
        if exc.path is not None:  # e.g. a corrupt snapshot table: that file is the one to fix
            raise
        line = _template_line(exc)
        raise exc.located(path, 0) if line is None else \
            SiteError(exc.message, path, first_line + line - 1, exc.hint) from exc
    except UndefinedError as exc:
        line = _template_line(exc)
        raise SiteError(f"unknown name: {exc.message}", path,
                        None if line is None else first_line + line - 1,
                        hint="Check the spelling; README, 'Figures', lists every helper.") from exc
    except (TemplateError, TypeError, ValueError, AttributeError, KeyError, IndexError,
            ArithmeticError) as exc:
        line = _template_line(exc)
        raise SiteError(f"expression failed: {type(exc).__name__}: {quoted(str(exc))[1:-1]}",
                        path,
                        None if line is None else first_line + line - 1,
                        hint="Check the helper's arguments against README, 'Figures'.") from exc


#: How deep brackets may nest in one expression.
MAX_NESTING = 50


def _check_nesting(text: str, env: SandboxedEnvironment, path: Path, first_line: int) -> None:
    """Refuse brackets nested deeper than :data:`MAX_NESTING`, before the parser recurses."""
    if sum(text.count(c) for c in "([{") <= MAX_NESTING:
        return
    depth = 0
    for line, kind, value in env.lex(text):
        if kind != "operator":
            continue
        if value in ("(", "[", "{"):
            depth += 1
            if depth > MAX_NESTING:
                raise SiteError(f"brackets nest more than {MAX_NESTING} deep", path,
                                first_line + line - 1, hint="Write it in steps, with {% set %}.")
        elif value in (")", "]", "}"):
            depth -= 1
