"""A brief's body: chart blocks set aside, expressions evaluated, Markdown turned into HTML."""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import markdown
import yaml
from jinja2 import StrictUndefined, TemplateError, TemplateSyntaxError, UndefinedError
from jinja2.sandbox import SandboxedEnvironment

from site_builder.content import YAMLRefused, load_yaml
from site_builder.errors import SiteError, quoted
from site_builder.sandbox import BriefSandbox, Budget, LimitExceeded
from site_builder.scope import TEMPLATE_FILE
from site_builder.typography import TypographyExtension

OPEN_FENCE = re.compile(r"^(`{3,}|~{3,})\s*chart\s*$")
PLACEHOLDER = '<div data-chart-slot="{}"></div>'


@dataclass(frozen=True)
class ChartBlock:
    """A ```chart fenced block: its YAML spec and the file line where it opens."""

    number: int
    line: int
    spec: dict[str, Any]


def extract_charts(body: str, path: Path, body_line: int) -> tuple[str, list[ChartBlock]]:
    """Replace each chart block by a placeholder, keeping line numbers of the rest intact."""
    lines = body.split("\n")
    blocks: list[ChartBlock] = []
    index = 0
    while index < len(lines):
        match = OPEN_FENCE.match(lines[index])
        if not match:
            index += 1
            continue
        fence = match.group(1)
        end = next((j for j in range(index + 1, len(lines))
                    if lines[j].strip() == fence), None)
        line = body_line + index
        if end is None:
            raise SiteError("chart block is never closed", path, line,
                            hint=f"End it with a line holding only {fence}.")
        text = "\n".join(lines[index + 1:end])
        try:
            spec = load_yaml(text) or {}
        except YAMLRefused as exc:
            mark = exc.problem_mark
            raise SiteError(f"chart block: {exc.problem}", path,
                            line + 1 + mark.line if mark is not None else line,
                            hint="Write each value out in full; README, 'What a brief can and "
                                 "cannot do'.") from exc
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            at = line + 1 + mark.line if mark is not None else line
            raise SiteError(f"chart block is not valid YAML: {getattr(exc, 'problem', exc)}",
                            path, at, hint="Check indentation; README, 'Charts', has examples.") \
                from exc
        if not isinstance(spec, dict):
            raise SiteError("a chart block holds `key: value` lines", path, line)
        blocks.append(ChartBlock(len(blocks), line, spec))
        span = end - index + 1
        lines[index:end + 1] = ["", PLACEHOLDER.format(blocks[-1].number), ""] + [""] * (span - 3)
        index = end + 1
    return "\n".join(lines), blocks


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


def evaluate(text: str, helpers: dict[str, Any], env: SandboxedEnvironment, path: Path,
             first_line: int) -> str:
    """Evaluate the ``{{ }}`` expressions and ``{% %}`` statements of ``text``."""
    if "{{" not in text and "{%" not in text and "{#" not in text:
        return text  # plain prose: nothing to compile
    budget = Budget()
    try:
        _check_nesting(text, env, path, first_line)
        if isinstance(env, BriefSandbox):
            code = env.compile(env.budgeted(env.parse(text)), filename=TEMPLATE_FILE)
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


_converters = threading.local()  # a Markdown instance is reusable, but not across threads


def to_html(text: str) -> str:
    """Markdown -> HTML, with tables, footnotes, heading ids and typographic quotes."""
    converter = getattr(_converters, "markdown", None)
    if converter is None:
        converter = _converters.markdown = markdown.Markdown(
            extensions=["tables", "footnotes", "attr_list", TypographyExtension(),
                        "sane_lists", "toc"],
            extension_configs={"toc": {"permalink": False},
                               # align="right", not style="...": no inline styles, for the CSP
                               "tables": {"use_align_attribute": True}},
            output_format="html",
        )
    return converter.reset().convert(text)
