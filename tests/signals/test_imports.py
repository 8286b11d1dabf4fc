"""What the sources may import: numba only through the one JIT helper, under signals/; and dedup/ sits above
signals/ (it uses the signals' normalisation and MinHash), so signals/ never imports dedup/."""

import ast
from pathlib import Path

import signals.jit as jit

ROOT = Path(jit.__file__).resolve().parents[1]


def _imports(path: Path) -> set[str]:
    """The modules a source file imports, and for `from m import n` also m.n (n may be a module)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def _sources() -> dict[Path, set[str]]:
    """Each source file of the project (the tests aside) with what it imports."""
    return {path: _imports(path) for folder in ROOT.iterdir()
            if folder.is_dir() and not folder.name.startswith(".") and folder.name not in ("tests", "build", "dist")
            for path in folder.rglob("*.py")}


def _packages(names: set[str]) -> set[str]:
    return {name.split(".")[0] for name in names}


def test_every_compiled_function_takes_the_one_cache_policy():
    # numba is reached through jit.compiled alone, and only from the sources whose digest names the cache directory:
    # a compiled function elsewhere would be served from the cache after an edit of a function it calls
    sources = _sources()
    assert [path for path, names in sources.items() if "numba" in _packages(names)] == [Path(jit.__file__).resolve()]
    users = [path for path, names in sources.items() if "signals.jit" in names]
    assert users and all(path.is_relative_to(Path(jit.__file__).resolve().parent) for path in users)


def test_signals_never_imports_dedup():
    signals = {path: names for path, names in _sources().items() if path.is_relative_to(ROOT / "signals")}
    assert signals and [path for path, names in signals.items() if "dedup" in _packages(names)] == []
