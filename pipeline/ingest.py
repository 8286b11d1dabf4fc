"""The ingest stage on Spark: one work unit per input file, each committed on its own, then the whole sealed."""

import os
import sys
from dataclasses import dataclass
from functools import partial

import pyarrow as pa

from pipeline.accounting import Stats
from pipeline.commit import OutputDir, unit_id
from pipeline.langid import LanguageIdentifier
from pipeline.progress import UnitProgress, reporting
from pipeline.remote import InputMissing, InputUnreachable, RetryPolicy, is_local, local_path, open_input
from pipeline.schema import DOCUMENT_SCHEMA
from pipeline.warc_documents import IngestOptions, warc_documents

RESULT_SCHEMA = "unit string, input string, status string, message string"


class IngestFailed(Exception):
    """Some inputs could not be read; everything else is committed and a rerun resumes."""


@dataclass(frozen=True)
class IngestJob:
    """What every executor needs to process a unit (the model arrives through SparkFiles)."""

    output: str
    options: IngestOptions
    lid_model_file: str
    retry: RetryPolicy
    on_missing: str = "fail"


_models: dict[tuple[str, int], LanguageIdentifier] = {}


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
    stats = Stats()
    try:
        lid = _language_identifier(model_path, job.options.lid_chars)
        tables = warc_documents(
            lambda offset: open_input(location, offset, job.retry), location, job.options, lid, stats
        )
        entry = out.write_parquet(f"part-{unit}.parquet", reporting(tables, stats, out, unit), DOCUMENT_SCHEMA)
    except (InputMissing, InputUnreachable) as exc:
        status = "missing" if isinstance(exc, InputMissing) else "unreachable"
        record = {"unit": unit, "input": location, "status": status, "message": str(exc)}
        if job.on_missing == "skip":
            skipped = Stats()
            skipped.error(f"{status}_input", str(exc))
            record.update(files=[], stats=skipped.to_dict())
            out.commit_unit(unit, record)
        return record
    stats.check(location)
    if entry["rows"] != stats.kept:
        raise AssertionError(f"{location}: wrote {entry['rows']} rows but counted {stats.kept} kept")
    entry["input"] = location
    record = {"unit": unit, "input": location, "status": "ok", "files": [entry], "stats": stats.to_dict()}
    out.commit_unit(unit, record)
    return record


def _run_units(batches, job: IngestJob):
    from pyspark import SparkFiles

    model_path = SparkFiles.get(job.lid_model_file)
    for batch in batches:
        for row in batch.to_pylist():
            record = ingest_unit(row["input"], row["unit"], job, model_path)
            yield pa.RecordBatch.from_pylist(
                [{k: record.get(k, "") for k in ("unit", "input", "status", "message")}]
            )


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
    if not inputs:
        raise ValueError("no input files to ingest")
    if not os.path.exists(lid_model):
        raise FileNotFoundError(f"language-ID model not found: {lid_model}")
    if is_local(output):  # executors resolve paths from their own working directory
        output = os.path.abspath(local_path(output))
    out = OutputDir(output)
    units = [(location, unit_id(location)) for location in inputs]
    out.claim(
        {
            "stage": "ingest",
            "inputs": inputs,
            "options": options.fingerprint(),
            "lid_model": [os.path.basename(lid_model), os.path.getsize(lid_model)],
            "on_missing": on_missing,
        },
        overwrite=overwrite,
    )
    if out.complete:
        print(f"{output} is already complete; nothing to do", file=sys.stderr)
        return out.read_json("_stats.json")
    job = IngestJob(output, options, os.path.basename(lid_model), retry, on_missing)
    todo = [{"input": location, "unit": unit} for location, unit in units if out.unit_record(unit) is None]
    failures: list[dict] = []
    if todo:
        spark.sparkContext.addFile(lid_model)
        frame = spark.createDataFrame(spark.sparkContext.parallelize(todo, len(todo)), "input string, unit string")
        with UnitProgress(out, "ingest", total=len(units), enabled=progress):
            results = frame.mapInArrow(partial(_run_units, job=job), RESULT_SCHEMA).collect()
        if on_missing != "skip":
            failures = [r.asDict() for r in results if r["status"] != "ok"]
    if failures:
        named = "\n".join(f"  {f['input']}: {f['message']}" for f in failures)
        raise IngestFailed(
            f"{len(failures)} of {len(units)} inputs could not be read (the others are committed; "
            f"rerun to resume, or pass --on-missing skip):\n{named}"
        )
    return seal(out, [unit for _, unit in units], stage="ingest")


def seal(out: OutputDir, units: list[str], stage: str) -> dict:
    """Sum the committed units in order, check the books and write _stats.json, the manifest and _SUCCESS."""
    total, files, missing = Stats(), [], []
    for unit in units:
        record = out.unit_record(unit)
        if record is None:
            raise AssertionError(f"{out.path}: unit {unit} is not committed")
        total.merge(Stats.from_dict(record["stats"]))
        files.extend(record["files"])
        if record["status"] != "ok":
            missing.append(record["input"])
    total.check(out.path)
    stats = {"stage": stage, **total.to_dict(), "inputs": {"files": len(units), "skipped": missing}}
    out.finish(stats, files)
    return stats
