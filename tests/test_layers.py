"""The import rules of docs/architecture.md: the pure core never reaches Spark, pipeline/'s rooms import only from
their floor or below, no module imports itself round a loop, and an import inside a function says why it is late."""

import ast
from pathlib import Path

from tests.helpers.paths import REPO

PURE = ("signals", "filters", "dedup", "recipes", "translate", "licenses")
SPARK_IN_PURE = ("dedup/clustering.py",)  # the one clustering module
# pipeline/'s floors, from the ground up (docs/architecture.md, "The layers and what each may import")
FLOORS = {"accounting": 1, "schema": 1, "messages": 1, "storage": 2, "console": 3, "spark": 4, "readers": 4,
          "writers": 5, "stages": 6, "demo": 7, "cli": 8}


def _module(path: Path) -> str:
    parts = path.relative_to(REPO).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


SOURCES = {_module(path): path for package in (*PURE, "pipeline", "jobs") for path in (REPO / package).rglob("*.py")}


def _imports(path: Path) -> list[str]:
    """The modules a file imports, wherever in it: for `from m import n`, m.n where that is a module of ours, else m."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [f"{node.module}.{alias.name}" if f"{node.module}.{alias.name}" in SOURCES else node.module
                     for alias in node.names]
        else:
            continue
        found += names
    return found


IMPORTS = {module: _imports(path) for module, path in SOURCES.items()}


def _floor(module: str) -> int:
    return FLOORS[module.split(".")[1]]


def test_the_pure_core_never_imports_spark_or_the_pipeline():
    wrong = [(module, name) for module, found in IMPORTS.items() if module.split(".")[0] in PURE
             and SOURCES[module].relative_to(REPO).as_posix() not in SPARK_IN_PURE
             for name in found if name.split(".")[0] in ("pyspark", "pipeline", "jobs")]
    assert wrong == []


def test_every_pipeline_room_has_a_floor():
    assert {module.split(".")[1] for module in SOURCES if module.startswith("pipeline.")} == set(FLOORS)


def test_no_pipeline_import_runs_up_a_floor():
    wrong = [(module, name) for module, found in IMPORTS.items() if module.startswith("pipeline.")
             for name in found if name.startswith("pipeline.") and _floor(name) > _floor(module)]
    assert wrong == []


def test_no_module_imports_itself_round_a_loop():
    graph = {module: {name for name in found if name in SOURCES and name != module}
             for module, found in IMPORTS.items()}
    loops = []
    for start in graph:  # a depth-first walk from each module back to itself
        stack, seen = [(start, [start])], set()
        while stack:
            module, trail = stack.pop()
            for name in graph[module]:
                if name == start:
                    loops.append(trail)
                elif name not in seen:
                    seen.add(name)
                    stack.append((name, [*trail, name]))
    assert loops == []


def _explained(lines: list[str], node: ast.stmt, block: list[ast.stmt]) -> bool:
    """A comment on the import's lines, on the line above it, or on an import before it in the same run of imports
    (one comment speaks for the run)."""
    first = block.index(node)
    while first > 0 and isinstance(block[first - 1], (ast.Import, ast.ImportFrom)):
        first -= 1
    return any("#" in line for line in lines[max(block[first].lineno - 2, 0):node.end_lineno])


def _bodies(tree: ast.AST):
    for node in ast.walk(tree):
        for field in ("body", "orelse", "finalbody", "handlers"):
            block = getattr(node, field, None)
            if isinstance(block, list) and not isinstance(node, ast.Module):
                yield block


def test_an_import_inside_a_function_says_why_it_is_late():
    unexplained = []
    for path in SOURCES.values():
        lines = path.read_text(encoding="utf-8").splitlines()
        for block in _bodies(ast.parse("\n".join(lines))):
            for node in block:
                if isinstance(node, (ast.Import, ast.ImportFrom)) and not _explained(lines, node, block):
                    unexplained.append(f"{path.relative_to(REPO)}:{node.lineno}")
    assert unexplained == []
