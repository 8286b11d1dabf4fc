"""Running a stage as work units on Spark: one partition per input file, each unit committed on its own.

A stage gives a `process(location, unit) -> commit record` function that runs on the executors; this module
claims the output (its lock held until the job ends, however it ends), skips units an earlier run committed, runs
the rest through `mapInArrow`, names the inputs that failed, and seals the output when every unit is committed and
the books balance."""

import os
import sys
from collections import Counter
from collections.abc import Callable
from functools import partial

import pyarrow as pa

from pipeline.accounting import Stats
from pipeline.spark.progress import UnitProgress
from pipeline.spark.session import interrupted
from pipeline.storage.locations import is_local, local_path, shown_path
from pipeline.storage.output_dir import OutputDir, unit_id

RESULT_SCHEMA = "unit string, input string, status string, message string"
RETRYABLE = ("missing", "unreachable")  # a rerun may find these inputs; a bad input stays bad


class StageFailed(Exception):
    """Some inputs could not be read; everything else is committed."""


class Interrupted(KeyboardInterrupt):
    """Ctrl-C during the units: says how many are committed (a rerun resumes from them)."""


def absolute_output(output: str) -> str:
    """Local output paths made absolute: executors resolve paths from their own working directory."""
    return os.path.abspath(local_path(output)) if is_local(output) else output


def _run(batches, process: Callable[[str, str], dict]):
    for batch in batches:
        for row in batch.to_pylist():
            record = process(row["input"], row["unit"])
            yield pa.RecordBatch.from_pylist(
                [{k: record.get(k, "") for k in ("unit", "input", "status", "message")}]
            )


def run_units(spark, out: OutputDir, stage: str, inputs: list[str], job: dict, process: Callable[[str, str], dict],
              overwrite: bool = False, progress: bool = True, fail_on: tuple[str, ...] = ("missing", "unreachable"),
              hint: str = "", summarize: Callable[[list[dict]], dict] | None = None) -> dict:
    """Run `process` over the inputs not yet committed, then seal; returns the job's stats.

    `job` holds the options that shape the committed bytes, recorded in `_job.json`: what to do about a failed
    input, retries and the console are not among them, so a rerun that changes only those resumes.
    `summarize`, given the committed unit records, returns fields to add to `_stats.json` (or raises)."""
    if not inputs:
        raise ValueError(f"no input files for {stage}")
    with out.claimed({"stage": stage, "inputs": inputs, **job}, overwrite=overwrite):
        return _run_claimed(spark, out, stage, inputs, process, progress, fail_on, hint, summarize)


def _run_claimed(spark, out: OutputDir, stage: str, inputs: list[str], process: Callable[[str, str], dict],
                 progress: bool, fail_on: tuple[str, ...], hint: str,
                 summarize: Callable[[list[dict]], dict] | None) -> dict:
    """run_units in its claimed output."""
    units = [unit_id(location) for location in inputs]
    done = finished_stats(out)
    if done is not None:
        return done
    todo = [{"input": location, "unit": unit} for location, unit in zip(inputs, units, strict=True)
            if out.unit_record(unit) is None]
    if todo:
        frame = spark.createDataFrame(spark.sparkContext.parallelize(todo, len(todo)), "input string, unit string")
        try:
            with UnitProgress(out, stage, total=len(units), enabled=progress):
                results = frame.mapInArrow(partial(_run, process=process), RESULT_SCHEMA).collect()
        except BaseException as exc:
            if not (isinstance(exc, KeyboardInterrupt) or interrupted()):
                raise
            committed = sum(out.unit_record(unit) is not None for unit in units)
            raise Interrupted(f"{committed} of {len(units)} units committed") from None
        failures = [r for r in results if r["status"] in fail_on]
        if failures:
            out.release()  # when nothing was committed: the corrected command may go into the same folder
            raise StageFailed(failure_message(failures, len(units), hint))
    return seal(out, units, stage, summarize)


def failure_message(failures: list[dict], total: int, hint: str = "") -> str:
    """The inputs that could not be read, each by its message (which names the file), what is committed, and
    what to do: a rerun for a missing or unreachable input, the stage's `hint` (such as --on-missing skip)."""
    others = total - len(failures)
    notes = [f"the other{' is' if others == 1 else 's are'} committed"] if others else []
    advice = (["rerun to resume"] if any(f["status"] in RETRYABLE for f in failures) else []) + ([hint] if hint else [])
    notes += [", or ".join(advice)] if advice else []
    what = f"{len(failures)} of {total} inputs" if total > 1 else "the input"
    why = f" ({'; '.join(notes)})" if notes else ""
    return f"{what} could not be read{why}:\n" + "\n".join(f"  {f['message']}" for f in failures)


def finished_stats(out: OutputDir) -> dict | None:
    """The stats of a complete output, saying on the console that there is nothing to do; None if there is."""
    if not out.complete:
        return None
    print(f"{shown_path(out.path)} is already complete; nothing to do", file=sys.stderr)
    return out.read_json("_stats.json")


def unreadable_unit(out: OutputDir, unit: str, location: str, status: str, message: str, skip: bool) -> dict:
    """The record of an input that could not be read (status `missing`, `unreachable`, `bad_input`).

    With `skip` it is committed with one `<status>_input` error, so the job goes on; otherwise it stays
    uncommitted for run_units to name, and a rerun tries it again."""
    record = {"unit": unit, "input": location, "status": status, "message": message}
    if skip:
        skipped = Stats()
        skipped.error(f"{status}_input", message)
        record.update(files=[], stats=skipped.to_dict())
        out.commit_unit(unit, record)
    return record


def seal(out: OutputDir, units: list[str], stage: str, summarize: Callable[[list[dict]], dict] | None = None) -> dict:
    """Sum the committed units in order, check the books and write _stats.json, the manifest and _SUCCESS.

    A unit record's optional `counts` (tallies beside the books, such as missing companion files) are summed too;
    `summarize`, given the unit records, returns more fields for `_stats.json`."""
    total, files, missing, counts, records = Stats(), [], [], Counter(), []
    for unit in units:
        record = out.unit_record(unit)
        if record is None:
            raise AssertionError(f"{out.path}: unit {unit} is not committed")
        records.append(record)
        total.merge(Stats.from_dict(record["stats"]))
        files.extend(record["files"])
        counts.update(record.get("counts", {}))
        if record["status"] != "ok":
            missing.append(record["input"])
    total.check(out.path)
    stats = {"stage": stage, **total.to_dict(), "inputs": {"files": len(units), "skipped": missing}}
    if counts:
        stats["counts"] = dict(sorted(counts.items()))
    if summarize is not None:
        stats.update(summarize(records))
    out.finish(stats, files)
    return stats
