"""An output folder as a reader sees it, to compare two runs."""

from pathlib import Path


def outputs(out: Path) -> dict[str, bytes]:
    """Everything a reader sees: data files, stats, manifest, unit records."""
    files = {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    return {name: data for name, data in files.items() if not name.startswith("_tmp")}
