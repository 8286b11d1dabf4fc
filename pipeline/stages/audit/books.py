"""The books of each stage output, from its JSON files and its Parquet footers, and across the outputs its inputs
link it to: every check reads no row."""

import posixpath

import pyarrow.parquet as pq

from pipeline.accounting import Stats
from pipeline.stages.audit.report import AuditReport
from pipeline.storage.locations import shown_path
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
    report.outputs.append(f"{output.stage} {shown_path(output.path)}: read {books.read:,}, "
                          f"kept {books.kept:,}, dropped {sum(books.dropped.values()):,}, "
                          f"errors {sum(books.errors.values()):,}")
    if not books.balanced:
        report.fail(output, "_stats.json", f"read {books.read} != kept {books.kept} + dropped "
                    f"{sum(books.dropped.values())} + errors {sum(books.errors.values())}")
    if output.stage in KEEPS_EVERY_ROW and books.kept != books.read:
        report.fail(output, "_stats.json", f"kept {books.kept} of {books.read} rows read; {output.stage} keeps "
                    "every row")
    _check_removed(report, output, books)
    _check_units(report, output, books)
    readable = _check_files(report, output, books)
    _check_sources(report, output)
    _check_links(report, output, books)
    skipped = stats.get("inputs", {}).get("skipped") or []
    if skipped:
        report.notes.append(f"{output.stage} {shown_path(output.path)}: {len(skipped)} input(s) skipped, not read: "
                            + ", ".join(map(str, skipped)))
    return readable


def _check_removed(report: AuditReport, output: StageOutput, books: Stats) -> None:
    """A subset's books name each rule and exclusion list with what it removed (`rules`, `exclude`)."""
    for rule in output.stats.get("rules") or []:
        if rule not in books.dropped:
            report.fail(output, "_stats.json", f"the rule {rule} has no count among `dropped`")
    for item in output.stats.get("exclude") or []:
        if item.get("removed") != books.dropped.get(item.get("name")):
            report.fail(output, "_stats.json", f"the exclusion list {item.get('name')} removed {item.get('removed')}"
                        f", `dropped` says {books.dropped.get(item.get('name'))}")


def _reads(units: list[dict]) -> list[int] | None:
    """What the units of one input read of it, once per reading of the whole file: a unit without a `span` reads
    it all (a stage of several units per input, such as translate's one per language, reads it once each); units
    with spans read it together, each slice once, so their reads are summed (None when the units of a slice
    disagree)."""
    whole = [record.get("stats", {}).get("read", 0) for record in units if not record.get("span")]
    slices: dict[tuple, set[int]] = {}
    for record in units:
        if record.get("span"):
            slices.setdefault(tuple(record["span"]), set()).add(record.get("stats", {}).get("read", 0))
    if any(len(reads) > 1 for reads in slices.values()):
        return None
    return whole + ([sum(min(reads) for reads in slices.values())] if slices else [])


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
    for location, what in output.changed_inputs():
        report.fail(output, location, f"an input of this output is {what} since it was made: rerun the stage")


def _check_links(report: AuditReport, output: StageOutput, books: Stats) -> None:
    """Per input file another output holds: what this one read from it equals the rows that one wrote into it."""
    for location, holder in output.unlisted:
        report.fail(output, location, f"an input that {holder.stage} {shown_path(holder.path)} no longer lists in its "
                    "_manifest.json (made again since?)")
    if not output.links:
        return
    units = output.units()
    if units:
        for location, (upstream, entry) in output.links.items():
            mine = [record for record in units if record.get("input") == location]
            if not mine:
                report.fail(output, location, "an input no committed unit read")
            if any(record.get("status") != "ok" for record in mine):
                continue  # a skipped input: named in the stats' `inputs.skipped`, and in the notes
            reads = _reads(mine)
            if reads is None:
                report.fail(output, location, "the units of one of its slices read it differently")
            for read in reads or []:
                if read != entry.get("rows"):
                    report.fail(output, location, f"read {read} rows, {upstream.stage} "
                                f"{shown_path(upstream.path)} wrote {entry.get('rows')} into it")
    elif len(output.links) == len(output.inputs):
        wrote = sum(entry.get("rows") or 0 for _, entry in output.links.values())
        if wrote != books.read:
            names = sorted({shown_path(upstream.path) for upstream, _ in output.links.values()})
            report.fail(output, "_stats.json", f"read {books.read} rows, its inputs hold {wrote} "
                        f"({', '.join(names)})")
    else:
        report.notes.append(f"{output.stage} {shown_path(output.path)}: some inputs lie outside the folder audited; "
                            "their rows are not checked")
