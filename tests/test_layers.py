"""The package's shape: its folders are the pipeline's stages, and imports flow one way.

Lowest first: the base modules at the top level, content/, data/ (with releases.py),
evaluate/, charts/, render/, build/, then check/ and preview/, then the command line. A
module may import its own layer and the layers below it, never one above. Imports made only
for type checking count too: they are dependencies a reader has to follow.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "site_builder"

#: Each top-level module or package of site_builder, by layer; nothing else may exist there.
LAYERS: dict[str, int] = {
    "__init__": 0, "errors": 0, "project": 0, "config": 0, "atomic": 0, "report": 0,
    "formatting": 0, "loopback": 0,
    "content": 1,
    "data": 2, "releases": 2,
    "evaluate": 3,
    "charts": 4,
    "render": 5,
    "build": 6,
    "check": 7, "preview": 7,
    "cli": 8, "__main__": 8,
}


def _top(module: str) -> str:
    """The top-level name under site_builder that ``module`` (dotted) belongs to."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> list[tuple[int, str]]:
    """(line, module) of every site_builder import in ``path``, wherever it is written."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "site_builder":
                found += [(node.lineno, f"site_builder.{a.name}") for a in node.names
                          if a.name in LAYERS]  # a module, not a name such as __version__
            elif node.module.startswith("site_builder."):
                found.append((node.lineno, node.module))
        elif isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names
                      if a.name.startswith("site_builder.")]
        elif isinstance(node, ast.ImportFrom) and node.level:
            pytest.fail(f"{path}:{node.lineno}: relative import; write site_builder.… in full")
    return found


def _modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def test_every_top_level_name_has_a_layer() -> None:
    names = {p.stem if p.is_file() else p.name for p in PACKAGE.iterdir()
             if (p.suffix == ".py" or (p / "__init__.py").exists())}
    assert names <= LAYERS.keys(), f"give {sorted(names - LAYERS.keys())} a layer here"


def test_imports_flow_from_the_lower_layers_to_the_higher() -> None:
    upward = []
    for path in _modules():
        me = _top(_module_name(path))
        for line, target in _imports(path):
            them = _top(target)
            if LAYERS[them] > LAYERS[me] or (LAYERS[them] == LAYERS[me] and them != me
                                              and LAYERS[me] not in (0, 2, 8)):
                upward.append(f"{path.relative_to(PACKAGE.parent)}:{line} imports {target}")
    assert not upward, "imports against the pipeline's order:\n" + "\n".join(upward)


def test_modules_are_small_and_the_top_level_is_short() -> None:
    long = [f"{p.relative_to(PACKAGE.parent)}: {n} lines" for p in _modules()
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > 400]
    assert not long, "modules over 400 lines:\n" + "\n".join(long)
    top = [p.name for p in PACKAGE.glob("*.py") if p.name != "__init__.py"]
    assert len(top) <= 10, f"{len(top)} modules at the top level: {sorted(top)}"


def test_no_module_shadows_the_standard_library() -> None:
    import sys

    clashes = [p.relative_to(PACKAGE.parent).as_posix() for p in _modules()
               if p.stem in sys.stdlib_module_names]
    assert not clashes


def test_each_package_says_what_it_owns_and_may_import() -> None:
    for init in PACKAGE.glob("*/__init__.py"):
        doc = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8"))) or ""
        assert "import" in doc and "TODO" not in doc, f"{init}: say what it owns and imports"


#: One interface, implemented by each module that offers it: each data source's ``fetch`` and
#: ``parse``, each runnable module's ``parser`` and ``main``.
INTERFACES = {"fetch", "parse", "parser", "main"}


def test_no_public_name_is_defined_twice() -> None:
    where: dict[str, list[str]] = {}
    for path in _modules():
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.ClassDef | ast.FunctionDef) and not node.name.startswith("_") \
                    and node.name not in INTERFACES:
                where.setdefault(node.name, []).append(_module_name(path))
    twice = {name: places for name, places in where.items() if len(places) > 1}
    assert not twice, f"one name, two meanings: {twice}"
