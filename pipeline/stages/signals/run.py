"""The signals stage on Spark: documents (ours, or any Parquet/jsonl with `id` and `text`) plus their signals."""

import logging
import os
import posixpath
import sys
from dataclasses import dataclass
from typing import ClassVar

import pyarrow as pa

from pipeline.accounting import Stats
from pipeline.readers.documents import (
    SLICE_BYTES,
    checked_documents,
    documents_schema,
    open_documents,
    row_group_slices,
)
from pipeline.schema import signals_schema
from pipeline.spark.progress import UnitReport
from pipeline.spark.shipping import ship_directory
from pipeline.spark.stage import Done, Stage, Unit, run_stage
from pipeline.stages.signals.columns import with_signals
from pipeline.storage.output_dir import OutputDir
from pipeline.writers.rpv2_export import export_unit
from signals.artifacts import UT1_TABLE, Artifacts
from signals.fast.batch import compiled_pass_cached
from signals.registry import MODEL_FOLDERS, UT1_DOMAINS, artifact_folder

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Signals(Stage):
    """Each input file's documents with their signals, in one Parquet part per unit (the file, or a slice of its
    row groups)."""

    name: ClassVar[str] = "signals"
    artifacts: str | None = None  # the driver's folder
    shipped: str | None = None  # its name among SparkFiles
    export: str | None = None  # "rpv2": also write RedPajama-V2's published layout
    slice_bytes: int = SLICE_BYTES  # a Parquet input is read in runs of row groups of up to this many bytes
    on_error: str = "fail"

    def fingerprint(self) -> dict:
        return {"artifacts": self.artifacts, "export": self.export, "slice_bytes": self.slice_bytes}

    def split(self, location: str) -> list[tuple[int, int]] | None:
        return row_group_slices(location, self.slice_bytes)

    def process(self, unit: Unit) -> Done:
        from pyspark import SparkFiles  # on the executor: where the artifacts were shipped

        artifacts, stats = Artifacts(SparkFiles.get(self.shipped) if self.shipped else None), Stats()
        schema, batches = open_documents(unit.location, span=unit.span)
        files = []
        if schema is not None:  # an empty JSON-lines file has nothing to write
            schema = documents_schema(unit.location, schema)
            report = UnitReport(unit.out, unit.id, stats)

            def tables():
                read = 0
                for batch in batches:
                    checked = checked_documents(batch, schema, unit.location, batches.first + read, stats)
                    read += batch.num_rows
                    stats.keep(checked.num_rows)
                    yield pa.Table.from_batches([with_signals(checked, artifacts)])
                    report.advance(read, batches.rows)

            entry = unit.write_parquet(tables(), signals_schema(schema))
            files = [entry]
            if self.export == "rpv2":
                files += export_unit(unit.out, entry["file"], unit.id, posixpath.basename(unit.location))
        return Done(files, stats, {"missing_artifacts": artifacts.missing()})

    def summarize(self, out: OutputDir, records: list[dict]) -> dict:
        """`missing_artifacts`: the model artifacts some unit's documents needed and did not find, relative to
        --artifacts."""
        return {"missing_artifacts": sorted({name for record in records
                                             for name in record.get("missing_artifacts", [])})}


def run_signals(spark, inputs: list[str], output: str, artifacts: str | None = None, overwrite: bool = False,
                progress: bool = True, export: str | None = None, on_error: str = "fail",
                slice_bytes: int = SLICE_BYTES) -> dict:
    """Compute the signals of every document of `inputs` into `output`; returns the job's stats.

    `export="rpv2"` also writes each unit's signals and MinHash in RedPajama-V2's published format (`_rpv2/`);
    `on_error="skip"` commits a unit whose task still raises on its last attempt as skipped, and goes on."""
    if artifacts:
        artifacts = os.path.abspath(artifacts)
    # the driver's cache is the executors' only in local mode; elsewhere the check would say nothing about them
    if progress and spark.sparkContext.master.startswith("local") and not compiled_pass_cached():
        print("[signals] compiling the signal kernels (once after an install or an update: half a minute of CPU "
              "or more, no records until then)...", file=sys.stderr)
    shipped = ship_directory(spark, artifacts) if artifacts else None  # word lists and models reach executors
    stats = run_stage(spark, Signals(artifacts, shipped, export, slice_bytes, on_error), inputs, output,
                      overwrite=overwrite, progress=progress)
    # the rest is told once by the driver, after the units (the executors only note them): only the documents
    # show which languages need which models
    said = tuple(absent_artifacts(artifacts)) if artifacts else ()
    for name in stats.get("missing_artifacts", []):
        if not name.startswith(said):
            _warn_missing(artifacts, name)
    return stats


def absent_artifacts(artifacts: str) -> list[str]:
    """The model folders (and the UT1 table) --artifacts lacks whatever the documents' languages, relative to it."""
    names = [f"{kind}/" for kind in MODEL_FOLDERS if not os.path.isdir(os.path.join(artifacts, kind))]
    if "bad_urls/" not in names and not os.path.exists(os.path.join(artifacts, UT1_TABLE)):
        names.append(UT1_DOMAINS)
    return names


def warn_artifacts(artifacts: str | None) -> None:
    """Before the work: the signals that will be null for every document, for want of --artifacts or of a part
    of it."""
    if artifacts is None:
        log.warning("no --artifacts: the stop-word, LDNOOBW, UT1, classifier and DSIR signals will be null")
        return
    for name in absent_artifacts(artifacts):
        _warn_missing(artifacts, name)


def _warn_missing(artifacts: str, name: str) -> None:
    log.warning("--artifacts %s has no %s: null %s where it is needed", artifacts, name,
                ", ".join(MODEL_FOLDERS[artifact_folder(name)]))

