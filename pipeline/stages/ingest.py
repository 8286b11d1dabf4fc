"""The ingest stage on Spark: one work unit per input file, each committed on its own, then the whole sealed."""

import os
from dataclasses import dataclass
from functools import partial

from pipeline.accounting import Stats
from pipeline.readers.langid import LanguageIdentifier
from pipeline.readers.warc.documents import IngestOptions, file_name, warc_documents
from pipeline.schema import DOCUMENT_SCHEMA
from pipeline.spark.progress import UnitReport
from pipeline.spark.stage import absolute_output, run_units, unreadable_unit
from pipeline.storage.locations import CannotResume, InputMissing, InputUnreachable, RetryPolicy, open_input
from pipeline.storage.output_dir import OutputDir


@dataclass(frozen=True)
class IngestJob:
    """What every executor needs to process a unit (the model arrives through SparkFiles)."""

    output: str
    options: IngestOptions
    lid_model_file: str
    retry: RetryPolicy
    on_missing: str = "fail"


_models: dict[tuple[str, int], LanguageIdentifier] = {}
RESTARTS = 2  # times a file that changed while it was read (over HTTP) is read again from its start


def _language_identifier(path: str, max_chars: int) -> LanguageIdentifier:
    """One model per Python worker process, loaded on first use."""
    if (path, max_chars) not in _models:
        _models[path, max_chars] = LanguageIdentifier(path, max_chars)
    return _models[path, max_chars]


def ingest_unit(location: str, unit: str, job: IngestJob, model_path: str) -> dict:
    """Read one input file into one committed Parquet part; returns the unit's commit record."""
    out = OutputDir(job.output)
    done = out.unit_record(unit)
    if done is not None:
        return done
    for attempt in range(RESTARTS + 1):
        stats = Stats()
        try:
            lid = _language_identifier(model_path, job.options.lid_chars)
            report = UnitReport(out, unit, stats)
            tables = warc_documents(
                report.opener(lambda offset: open_input(location, offset, job.retry)), location, job.options, lid,
                stats)
            entry = out.write_parquet(f"part-{unit}.parquet", report.tables(tables), DOCUMENT_SCHEMA)
            break
        except (InputMissing, InputUnreachable) as exc:
            if isinstance(exc, CannotResume) and attempt < RESTARTS:
                continue  # the file changed while it was read: read the new one from its start
            status = "missing" if isinstance(exc, InputMissing) else "unreachable"
            return unreadable_unit(out, unit, location, status, str(exc), skip=job.on_missing == "skip")
    stats.check(location)
    if entry["rows"] != stats.kept:
        raise AssertionError(f"{location}: wrote {entry['rows']} rows but counted {stats.kept} kept")
    entry["input"] = location
    record = {"unit": unit, "input": location, "status": "ok", "files": [entry], "stats": stats.to_dict()}
    out.commit_unit(unit, record)
    return record


def _ingest_on_executor(location: str, unit: str, job: IngestJob) -> dict:
    from pyspark import SparkFiles

    return ingest_unit(location, unit, job, SparkFiles.get(job.lid_model_file))


def refuse_shared_names(inputs: list[str]) -> None:
    """Ids come from a file's name, not its folder (the same file gives the same ids read locally or over HTTP):
    two inputs of one name, copies of one file above all, would give documents of the same ids."""
    seen: dict[str, str] = {}
    for location in inputs:
        other = seen.setdefault(file_name(location), location)
        if other != location:
            raise ValueError(f"two inputs have the file name {file_name(location)}: {other} and {location}; "
                             "document ids are made from the file's name, so ingest them into separate outputs "
                             "or rename one")


def run_ingest(
    spark,
    inputs: list[str],
    output: str,
    options: IngestOptions,
    lid_model: str,
    retry: RetryPolicy = RetryPolicy(),
    on_missing: str = "fail",
    overwrite: bool = False,
    progress: bool = True,
) -> dict:
    """Ingest `inputs` into `output`; returns the job's stats. Committed units of an earlier run are kept."""
    if not os.path.exists(lid_model):
        raise FileNotFoundError(f"language-ID model not found: {lid_model}")
    output = absolute_output(output)
    job = IngestJob(output, options, os.path.basename(lid_model), retry, on_missing)
    spark.sparkContext.addFile(lid_model)
    return run_units(
        spark, OutputDir(output), "ingest", inputs,
        {"options": options.fingerprint(), "lid_model": [os.path.basename(lid_model), os.path.getsize(lid_model)]},
        partial(_ingest_on_executor, job=job), overwrite=overwrite, progress=progress,
        fail_on=() if on_missing == "skip" else ("missing", "unreachable"), hint="pass --on-missing skip",
    )
