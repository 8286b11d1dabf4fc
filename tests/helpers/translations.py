"""A stand-in for `curate translate` (issue 18) on the stage base: each document once per target language, keyed by
(`id`, `target_language`), its text "translated" by upper-casing it, one target language per unit as translate's
units are, so that the audit meets rows keyed as a translation's."""

from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from pipeline.accounting import Stats
from pipeline.spark.stage import Done, Stage, Unit, run_stage
from pipeline.storage.locations import local_path


@dataclass(frozen=True)
class Translations(Stage):
    name: ClassVar[str] = "translate"
    target: str = "de"

    def fingerprint(self) -> dict:
        return {"target": self.target}

    def process(self, unit: Unit) -> Done:
        table = pq.read_table(local_path(unit.location), columns=["id", "text"])
        stats = Stats()
        stats.keep(table.num_rows)
        rows = table.set_column(1, "text", pc.utf8_upper(table.column("text"))).append_column(
            "target_language", pa.array([self.target] * table.num_rows, pa.string()))
        return Done([unit.write_parquet([rows], rows.schema)], stats)


def run_translations(spark, source: Path, output: Path, target: str) -> dict:
    """The documents of the Parquet files in `source` "translated" into `target`, in `output`."""
    inputs = sorted(str(path) for path in source.glob("part-*.parquet"))
    return run_stage(spark, Translations(target), inputs, str(output), progress=False)
