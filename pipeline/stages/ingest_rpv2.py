"""`curate ingest --rpv2`: published RedPajama-V2 shards into documents with their signals, one work unit per shard.

Converted once into Parquet, RedPajama-V2 goes through dedup and recipes like the output of `curate signals`:
same columns, same types, committed and accounted the same way."""

from collections import Counter
from dataclasses import dataclass
from functools import partial

from pipeline.accounting import Stats
from pipeline.readers.rpv2.layout import FILES, shard_file
from pipeline.readers.rpv2.shards import RPV2_SCHEMA, BadShard, read_shard
from pipeline.spark.progress import reporting
from pipeline.spark.stage import absolute_output, run_units, unreadable_unit
from pipeline.storage.locations import InputMissing, InputUnreachable, RetryPolicy
from pipeline.storage.output_dir import OutputDir

_STATUS = {InputMissing: "missing", InputUnreachable: "unreachable", BadShard: "bad_input"}


@dataclass(frozen=True)
class RPv2Job:
    output: str
    root: str
    retry: RetryPolicy
    on_missing: str = "fail"
    limit_records: int | None = None


def rpv2_unit(location: str, unit: str, job: RPv2Job) -> dict:
    """Read one shard (named by its documents file) into one committed Parquet part; returns its commit record."""
    out = OutputDir(job.output)
    done = out.unit_record(unit)
    if done is not None:
        return done
    folder, suffix = FILES["documents"]
    shard = location.removeprefix(f"{job.root.rstrip('/')}/{folder}/").removesuffix(suffix)
    stats, counts = Stats(), Counter()
    try:
        tables = read_shard(job.root, shard, stats, counts, job.retry, job.limit_records)
        entry = out.write_parquet(f"part-{unit}.parquet", reporting(tables, stats, out, unit), RPV2_SCHEMA)
    except (InputMissing, InputUnreachable, BadShard) as exc:
        return unreadable_unit(out, unit, location, _STATUS[type(exc)], str(exc), skip=job.on_missing == "skip")
    stats.check(location)
    record = {"unit": unit, "input": location, "status": "ok", "files": [{**entry, "input": location}],
              "stats": stats.to_dict(), "counts": dict(sorted(counts.items()))}
    out.commit_unit(unit, record)
    return record


def run_rpv2_ingest(spark, root: str, shards: list[str], output: str, retry: RetryPolicy = RetryPolicy(),
                    on_missing: str = "fail", limit_records: int | None = None, overwrite: bool = False,
                    progress: bool = True) -> dict:
    """Read `shards` (`<snapshot>/<shard>/<lang>_<bucket>`) of the RedPajama-V2 at `root` into `output`."""
    root, output = absolute_output(root), absolute_output(output)
    job = RPv2Job(output, root, retry, on_missing, limit_records)
    inputs = [shard_file(root, "documents", shard) for shard in shards]
    return run_units(
        spark, OutputDir(output), "ingest-rpv2", inputs,
        {"root": root, "limit_records": limit_records},
        partial(rpv2_unit, job=job), overwrite=overwrite, progress=progress,
        fail_on=() if on_missing == "skip" else ("missing", "unreachable", "bad_input"),
        hint="pass --on-missing skip",
    )
