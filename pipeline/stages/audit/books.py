"""The books of each stage output, from its JSON files and its Parquet footers, and across the outputs its inputs
link it to: every check reads no row."""

import os
import posixpath

import pyarrow.parquet as pq

from pipeline.accounting import Stats
from pipeline.stages.audit.report import AuditReport
from pipeline.storage.locations import is_local, local_path
from pipeline.storage.stage_outputs import StageOutput

KEEPS_EVERY_ROW = ("dedup",)  # stages that mark rows and drop none (docs/dedup.md)


def check_books(report: AuditReport, output: StageOutput) -> bool:
    """Check one output's books, adding what disagrees to `report`; whether its files can be read row by row."""
    if not output.sealed:
        report.fail(output, "_SUCCESS", "not complete (no _SUCCESS): see `curate status`, rerun to finish it")
        return False
    stats = output.stats
    if stats is None or output.manifest is None:
        report.fail(output, "_stats.json" if stats is None else "_manifest.json", "missing or not JSON")
        return False
    books = Stats.from_dict(stats)
    report.outputs.append(f"{output.stage} {os.path.basename(output.path.rstrip('/'))}: read {books.read:,}, "
                          f"kept {books.kept:,}, dropped {sum(books.dropped.values()):,}, "
                          f"errors {sum(books.errors.values()):,}")
    if not books.balanced:
        report.fail(output, "_stats.json", f"read {books.read} != kept {books.kept} + dropped "
                    f"{sum(books.dropped.values())} + errors {sum(books.errors.values())}")
    if output.stage in KEEPS_EVERY_ROW and books.kept != books.read:
        report.fail(output, "_stats.json", f"kept {books.kept} of {books.read} rows read; {output.stage} keeps "
                    "every row")
    _check_units(report, output, books)
    readable = _check_files(report, output, books)
    _check_sources(report, output)
    _check_links(report, output, books)
    skipped = stats.get("inputs", {}).get("skipped") or []
    if skipped:
        report.notes.append(f"{output.stage} {output.path}: {len(skipped)} input(s) skipped, not read: "
                            + ", ".join(map(str, skipped)))
    return readable


def _check_units(report: AuditReport, output: StageOutput, books: Stats) -> None:
    """The committed units sum to the output's books."""
    units = output.units()
    if not units:
        return
    total = Stats()
    for record in units:
        if "stats" not in record:
            report.fail(output, f"_units/{record.get('unit')}.json", "a unit record without books")
            continue
        total.merge(Stats.from_dict(record["stats"]))
    for name in ("read", "kept", "dropped", "errors"):
        if getattr(total, name) != getattr(books, name):
            report.fail(output, "_stats.json", f"{name} {getattr(books, name)} but its units' records sum to "
                        f"{getattr(total, name)}")


def _check_files(report: AuditReport, output: StageOutput, books: Stats) -> bool:
    """Each data file the manifest lists is there with its bytes and rows, no other is, and the rows are those
    kept."""
    good = True
    fs = output.out.fs
    listed = set()
    for entry in output.data_files():
        path = output.file_path(entry["file"])
        listed.add(posixpath.normpath(path))
        if not fs.exists(path):
            report.fail(output, entry["file"], "listed in _manifest.json but missing")
            good = False
            continue
        size = fs.size(path)
        if "bytes" in entry and size != entry["bytes"]:
            report.fail(output, entry["file"], f"{size} bytes, _manifest.json records {entry['bytes']}")
        try:
            with fs.open(path, "rb") as handle:
                rows = pq.ParquetFile(handle).metadata.num_rows
        except Exception as exc:  # noqa: BLE001 - any unreadable footer is the file's fault, said as such
            report.fail(output, entry["file"], f"not readable as Parquet ({exc})")
            good = False
            continue
        if rows != entry.get("rows"):
            report.fail(output, entry["file"], f"{rows} rows, _manifest.json records {entry.get('rows')}")
    recorded = sum(entry.get("rows") or 0 for entry in output.data_files())
    if output.data_files() and recorded != books.kept:
        report.fail(output, "_manifest.json", f"its files hold {recorded} rows, _stats.json says {books.kept} kept")
    for path in fs.find(output.out.root):
        inside = path[len(output.out.root.rstrip("/")) + 1:]
        if path.endswith(".parquet") and not any(part.startswith("_") for part in inside.split("/")) \
                and posixpath.normpath(path) not in listed:
            report.fail(output, inside, "a data file _manifest.json does not list (readers of the folder read it)")
    return good


def _check_sources(report: AuditReport, output: StageOutput) -> None:
    """The inputs are as they were when the stage read them (size and modification time, local files)."""
    for location, recorded in sorted((output.job.get("sources") or {}).items()):
        if not is_local(location):
            continue
        try:
            status = os.stat(local_path(location))
        except FileNotFoundError:
            report.fail(output, location, "an input of this output is gone")
            continue
        if [status.st_size, status.st_mtime_ns] != list(recorded):
            report.fail(output, location, "an input changed since this output was made (size or modification "
                        "time): rerun the stage")


def _check_links(report: AuditReport, output: StageOutput, books: Stats) -> None:
    """Per input file another output holds: what this one read from it equals the rows that one wrote into it."""
    roots = {upstream.out.root.rstrip("/") + "/" for upstream in output.upstream}
    for location in output.inputs:
        stripped = output.out.fs._strip_protocol(location)
        if location not in output.links and any(stripped.startswith(root) for root in roots):
            report.fail(output, location, "an input that is no longer a file of its stage's output (made again "
                        "since?)")
    if not output.links:
        return
    units = output.units()
    if units:
        read: dict[str, int] = {}
        for record in units:
            read[record.get("input")] = read.get(record.get("input"), 0) + record.get("stats", {}).get("read", 0)
        for location, (upstream, entry) in output.links.items():
            if read.get(location, 0) != entry.get("rows"):
                report.fail(output, location, f"read {read.get(location, 0)} rows, {upstream.stage} "
                            f"{upstream.path} wrote {entry.get('rows')} into it")
    elif len(output.links) == len(output.inputs):
        wrote = sum(entry.get("rows") or 0 for _, entry in output.links.values())
        if wrote != books.read:
            names = sorted({upstream.path for upstream, _ in output.links.values()})
            report.fail(output, "_stats.json", f"read {books.read} rows, its inputs hold {wrote} "
                        f"({', '.join(names)})")
    else:
        report.notes.append(f"{output.stage} {output.path}: some inputs lie outside the folder audited; "
                            "their rows are not checked")
