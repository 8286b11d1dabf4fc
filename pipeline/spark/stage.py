"""The stage base: a stage says what to do with one unit (one input file, or a slice of one); `run_stage` does the rest.

It claims the output (its lock held until the job ends, however it ends), says so when the output is already
complete, skips units an earlier run committed, runs the rest on the executors through `mapInArrow` (one partition
per unit, each unit committed on its own), turns the exceptions of an input that cannot be read into the unit's
status, names the inputs that failed, and seals the output when every unit is committed and the books balance.
A stage whose work is not per unit (dedup's clustering, subset's whole-output write) overrides `Stage.write`; the
base still claims, checks, accounts and seals around it, once. A unit whose task raises is retried by Spark; with
`on_error="skip"` its last attempt commits it as skipped, with its error, and the job goes on.
docs/architecture.md shows a whole stage."""

import os
import posixpath
import sys
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import partial
from typing import ClassVar

import pyarrow as pa

from pipeline.accounting import Stats
from pipeline.spark.progress import UnitProgress
from pipeline.spark.session import interrupted, task_attempts
from pipeline.storage.locations import BadInput, InputMissing, InputUnreachable, is_local, local_path, shown_path
from pipeline.storage.output_dir import OutputDir, unit_id

RESULT_FIELDS = ("unit", "input", "status", "message")
RESULT_SCHEMA = ", ".join(f"{name} string" for name in RESULT_FIELDS)
# the exceptions that make an input unreadable, by the status its unit gets (the first that matches)
UNREADABLE = {InputMissing: "missing", InputUnreachable: "unreachable", BadInput: "bad_input"}
RETRYABLE = ("missing", "unreachable")  # a rerun may find these inputs; a bad input stays bad


class StageFailed(Exception):
    """Some inputs could not be read; everything else is committed."""


class Interrupted(KeyboardInterrupt):
    """Ctrl-C during the units: says how many are committed (a rerun resumes from them)."""


@dataclass(frozen=True)
class Unit:
    """One unit of a stage as an executor works on it: its input, its id, its place among the inputs, and the
    slice of the input it reads (`span`, [start, end) in the stage's own terms: bytes of a multistream dump, row
    groups of a Parquet file; None for the whole file)."""

    location: str
    id: str
    index: int
    out: OutputDir
    span: tuple[int, int] | None = None
    part: str = ""  # which of the input's units it is, for a stage of several units per input (`Stage.parts`)

    def head(self) -> dict:
        """What the unit's commit record starts with: its id, its input and its slice."""
        return {"unit": self.id, "input": self.location, **({"span": list(self.span)} if self.span else {})}

    def write_parquet(self, tables, schema: pa.Schema) -> dict:
        """Write the unit's part of the data, `part-<unit>.parquet`; returns its manifest entry."""
        return self.out.write_parquet(f"part-{self.id}.parquet", tables, schema)


@dataclass
class Done:
    """A unit's work: the files it wrote, its books, and what else its record keeps (`counts`, tallies beside the
    books that the seal sums; any key of the stage's own, for its `summarize`)."""

    files: list[dict]
    stats: Stats
    record: dict = field(default_factory=dict)


class Stage:
    """What a stage is to the base: subclass it as a frozen dataclass of what the executors need (it is pickled to
    them), set `name`, and write `process`; the rest is optional."""

    name: ClassVar[str]
    errors: ClassVar[dict[type[Exception], str]] = UNREADABLE  # exceptions of an unreadable input -> unit status
    hint: ClassVar[str] = ""  # what else to do about an unreadable input, said after the failures
    skip_unreadable: bool = False  # commit an unreadable input with one `<status>_input` error, and go on
    on_error: str = "fail"  # "skip": a unit whose task raises on its last attempt is committed as skipped

    @property
    def skips(self) -> bool:
        """Whether an unreadable input or a failing task is committed as skipped rather than failing the job."""
        return self.skip_unreadable or self.on_error == "skip"

    def parts(self) -> tuple[str, ...]:
        """The units of each input, by name: one by default; the translate stage's are its target languages."""
        return ("",)

    def fingerprint(self) -> dict:
        """The options that shape the output's bytes, recorded in `_job.json` beside the stage and its inputs:
        a rerun with others is refused (what to do about a failed input, retries and the console are not)."""
        return {}

    def process(self, unit: Unit) -> Done:
        """One unit's work, on an executor: its files written into `unit.out`, its books."""
        raise NotImplementedError

    def split(self, location: str) -> list[tuple[int, int]] | None:
        """The slices of an input read as units of their own (on the driver), or None to read it whole."""
        return None

    def summarize(self, out: OutputDir, records: list[dict]) -> dict:
        """More fields for `_stats.json`, from the committed unit records (or StageFailed)."""
        return {}

    def write(self, spark, out: OutputDir, inputs: list[str], progress: bool) -> tuple[dict, list[dict]]:
        """The output's stats and files, in a claimed output not yet complete: by default each input is a unit.
        Whole-job steps go here, before the units (then `run_units`) or instead of them."""
        return run_units(spark, self, out, inputs, progress)


def run_stage(spark, stage: Stage, inputs: list[str], output: str, overwrite: bool = False,
              progress: bool = True) -> dict:
    """Run `stage` over `inputs` into `output` and seal it; returns the job's stats. Committed units of an earlier
    run of the same job are kept; a complete output is left as it is."""
    if not inputs:
        raise ValueError(f"no input files for {stage.name}")
    out = OutputDir(absolute_output(output))
    with out.claimed(job_record(stage, inputs), overwrite=overwrite):
        done = finished_stats(out)
        if done is not None:
            return done
        stats, files = stage.write(spark, out, inputs, progress)
        earlier = upstream_skipped(inputs)
        if earlier:
            stats["inputs"]["skipped_upstream"] = earlier
        Stats.from_dict(stats).check(out.path)
        out.finish(stats, files)
        return stats


def upstream_skipped(inputs: list[str]) -> list[str]:
    """The inputs that the stages before this one skipped (`--on-missing skip`, `--on-error skip`), as the sealed
    outputs holding `inputs` name them: their files are missing here, so this stage names them too."""
    skipped = []
    # stage outputs are Parquet parts, never written over HTTP (whose inputs open_input's own client reads): only
    # such a file's folder may hold the books of the stage before (not a crawl's segment folders)
    folders = [posixpath.dirname(location) for location in inputs
               if location.endswith(".parquet") and not location.startswith(("http://", "https://"))]
    for folder in dict.fromkeys(folders):
        earlier = OutputDir(folder)
        if earlier.complete:
            books = earlier.read_json("_stats.json").get("inputs", {})
            skipped += [name for name in books.get("skipped_upstream", []) + books.get("skipped", [])
                        if name not in skipped]
    return skipped


def job_record(stage: Stage, inputs: list[str]) -> dict:
    """What `_job.json` records of a job: a rerun of the same job resumes, another is refused."""
    return {"stage": stage.name, "inputs": inputs, **stage.fingerprint()}


def absolute_output(output: str) -> str:
    """Local output paths made absolute: executors resolve paths from their own working directory."""
    return os.path.abspath(local_path(output)) if is_local(output) else output


def finished_stats(out: OutputDir) -> dict | None:
    """The stats of a complete output, saying on the console that there is nothing to do; None if there is."""
    if not out.complete:
        return None
    print(f"{shown_path(out.path)} is already complete; nothing to do", file=sys.stderr)
    return out.read_json("_stats.json")


def run_units(spark, stage: Stage, out: OutputDir, inputs: list[str], progress: bool) -> tuple[dict, list[dict]]:
    """Process the units not yet committed (each input, each of its slices, each slice's parts), one partition
    each; the stats and files of the committed units."""
    planned = planned_units(stage, inputs)
    units = [row["unit"] for row in planned]
    todo = [row for row in planned if out.unit_record(row["unit"]) is None]
    if todo:
        frame = spark.createDataFrame(spark.sparkContext.parallelize(todo, len(todo)),
                                      "input string, unit string, index int, part string, start long, end long")
        try:
            with UnitProgress(out, stage.name, total=len(units), enabled=progress):
                results = frame.mapInArrow(partial(_run, stage=stage, output=out.path, attempts=attempts(spark)),
                                           RESULT_SCHEMA).collect()
        except BaseException as exc:
            if not (isinstance(exc, KeyboardInterrupt) or interrupted()):
                raise
            committed = sum(out.unit_record(unit) is not None for unit in units)
            raise Interrupted(f"{committed} of {len(units)} units committed") from None
        # one failure per input, named once however many of its units failed
        failed = {r["input"]: r for r in results if r["status"] != "ok"}
        failures = [] if stage.skips else list(failed.values())
        if failures:
            out.release()  # when nothing was committed: the corrected command may go into the same folder
            raise StageFailed(failure_message(failures, len(inputs), stage.hint))
    return summed(out, units, stage, len(inputs))


def planned_units(stage: Stage, inputs: list[str]) -> list[dict]:
    """Every unit of a job, in order: its input, its id, the input's index, its part (`Stage.parts`) and the
    slice's start and end (None for a whole file)."""
    return [{"input": location, "unit": unit_id(location, part, span), "index": index, "part": part,
             "start": span and span[0], "end": span and span[1]}
            for index, location in enumerate(inputs) for span in stage.split(location) or [None]
            for part in stage.parts()]


def attempts(spark) -> int:
    """How many times Spark runs a failing task of this session (`task_attempts`)."""
    return task_attempts(spark.sparkContext.master, spark.conf.get("spark.task.maxFailures", None))


def last_attempt(attempts: int) -> bool:
    """On an executor: whether Spark runs the current task for the last time if it fails."""
    from pyspark import TaskContext  # late: only executors ask, inside a task

    return TaskContext.get().attemptNumber() + 1 >= attempts


def _run(batches: Iterator[pa.RecordBatch], stage: Stage, output: str, attempts: int) -> Iterator[pa.RecordBatch]:
    out = OutputDir(output)
    for batch in batches:
        for row in batch.to_pylist():
            span = None if row["start"] is None else (row["start"], row["end"])
            record = process_unit(stage, Unit(row["input"], row["unit"], row["index"], out, span, row["part"]),
                                  attempts)
            yield pa.RecordBatch.from_pylist([{name: record.get(name, "") for name in RESULT_FIELDS}])


def process_unit(stage: Stage, unit: Unit, attempts: int = 1) -> dict:
    """Process one unit and commit it; returns its commit record (an earlier one if it is committed already).

    An input that cannot be read gives a record of its status, committed only when the stage skips such inputs.
    Any other exception fails the task, which Spark retries up to `attempts` times in all; with `on_error="skip"`
    the last attempt commits the unit as `failed`, with one `task_error` naming the exception."""
    done = unit.out.unit_record(unit.id)
    if done is not None:
        return done
    try:
        result = stage.process(unit)
    except tuple(stage.errors) as exc:
        status = next(status for kind, status in stage.errors.items() if isinstance(exc, kind))
        return unreadable_unit(unit, status, str(exc), skip=stage.skips)
    except Exception as exc:
        if stage.on_error != "skip" or not last_attempt(attempts):
            raise
        return skipped_unit(unit, "failed", "task_error",
                            f"{shown_unit(unit.location, unit.span)}: {type(exc).__name__}: {exc}")
    result.stats.check(unit.location)
    record = {**unit.head(), "status": "ok", **result.record,
              "files": [{**entry, "input": unit.location} for entry in result.files], "stats": result.stats.to_dict()}
    unit.out.commit_unit(unit.id, record)
    return record


def unreadable_unit(unit: Unit, status: str, message: str, skip: bool) -> dict:
    """The record of an input that could not be read (status `missing`, `unreachable`, `bad_input`).

    With `skip` it is committed with one `<status>_input` error, so the job goes on; otherwise it stays
    uncommitted for run_units to name, and a rerun tries it again."""
    if skip:
        return skipped_unit(unit, status, f"{status}_input", message)
    return {"unit": unit.id, "input": unit.location, "status": status, "message": message}


def skipped_unit(unit: Unit, status: str, kind: str, message: str) -> dict:
    """Commit a unit that is skipped with one error of `kind` (its message naming the input); returns its record."""
    skipped = Stats()
    skipped.error(kind, message)
    record = {**unit.head(), "status": status, "message": message, "files": [], "stats": skipped.to_dict()}
    unit.out.commit_unit(unit.id, record)
    return record


def shown_unit(location: str, span: tuple[int, int] | None) -> str:
    """A unit's input as a message names it: the file, and for a slice its span."""
    return shown_path(location) + (f" [{span[0]}, {span[1]})" if span else "")


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


def summed(out: OutputDir, units: list[str], stage: Stage, inputs: int) -> tuple[dict, list[dict]]:
    """The committed units summed in order: the job's stats (with the units' `counts` and the stage's
    `summarize`) and its files; `inputs`, the input files the units are of."""
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
    skipped = list(dict.fromkeys(missing))  # an input once, however many of its units it failed
    stats = {"stage": stage.name, **total.to_dict(), "inputs": {"files": inputs, "skipped": skipped}}
    if counts:
        stats["counts"] = dict(sorted(counts.items()))
    stats.update(stage.summarize(out, records))
    return stats, files
