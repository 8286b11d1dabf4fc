"""`curate ingest --rpv2`: published RedPajama-V2 shards into documents with their signals, one work unit per shard.

Converted once into Parquet, RedPajama-V2 goes through dedup and recipes like the output of `curate signals`:
same columns, same types, committed and accounted the same way."""

from collections import Counter
from dataclasses import dataclass
from typing import ClassVar

from pipeline.accounting import Stats
from pipeline.readers.rpv2.layout import FILES, shard_file
from pipeline.readers.rpv2.shards import RPV2_SCHEMA, read_shard
from pipeline.spark.progress import reporting
from pipeline.spark.stage import Done, Stage, Unit, absolute_output, run_stage
from pipeline.storage.locations import RetryPolicy


@dataclass(frozen=True)
class IngestRPv2(Stage):
    """Each shard, named by its documents file, read into one Parquet part."""

    name: ClassVar[str] = "ingest-rpv2"
    hint: ClassVar[str] = "pass --on-missing skip"
    root: str
    retry: RetryPolicy
    limit_records: int | None = None
    skip_unreadable: bool = False
    on_error: str = "fail"

    def fingerprint(self) -> dict:
        return {"root": self.root, "limit_records": self.limit_records}

    def process(self, unit: Unit) -> Done:
        folder, suffix = FILES["documents"]
        shard = unit.location.removeprefix(f"{self.root.rstrip('/')}/{folder}/").removesuffix(suffix)
        stats, counts = Stats(), Counter()
        tables = read_shard(self.root, shard, stats, counts, self.retry, self.limit_records)
        entry = unit.write_parquet(reporting(tables, stats, unit.out, unit.id), RPV2_SCHEMA)
        return Done([entry], stats, {"counts": dict(sorted(counts.items()))})


def run_rpv2_ingest(spark, root: str, shards: list[str], output: str, retry: RetryPolicy = RetryPolicy(),
                    on_missing: str = "fail", limit_records: int | None = None, overwrite: bool = False,
                    progress: bool = True, on_error: str = "fail") -> dict:
    """Read `shards` (`<snapshot>/<shard>/<lang>_<bucket>`) of the RedPajama-V2 at `root` into `output`."""
    root = absolute_output(root)
    stage = IngestRPv2(root, retry, limit_records, skip_unreadable=on_missing == "skip", on_error=on_error)
    inputs = [shard_file(root, "documents", shard) for shard in shards]
    return run_stage(spark, stage, inputs, output, overwrite=overwrite, progress=progress)
