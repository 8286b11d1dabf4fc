"""An output folder as a reader sees it, to compare two runs."""

from pathlib import Path


def outputs(out: Path) -> dict[str, bytes]:
    """Everything a reader sees: data files, stats, manifest, unit records."""
    files = {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    return {name: data for name, data in files.items() if not name.startswith("_tmp")}


def written_times(root: Path, folders: tuple[str, ...] = ()) -> dict[str, int]:
    """The modification time of every file under `root` (or under its `folders`), the run logs aside (every run
    appends to them): equal before and after a run that wrote nothing."""
    tops = [root / name for name in folders] if folders else [root]
    return {p.relative_to(root).as_posix(): p.stat().st_mtime_ns for top in tops for p in top.rglob("*")
            if p.is_file() and "_logs" not in p.relative_to(root).parts}
