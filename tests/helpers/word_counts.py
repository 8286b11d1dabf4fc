"""The words of each line of text files: the smallest whole stage (docs/architecture.md, "Adding a stage")."""

from dataclasses import dataclass
from typing import ClassVar

import pyarrow as pa

from pipeline.accounting import Stats
from pipeline.spark.stage import Done, Stage, Unit, run_stage
from pipeline.storage.locations import open_input

SCHEMA = pa.schema([("line", pa.int64()), ("words", pa.int64())])


@dataclass(frozen=True)
class WordCounts(Stage):
    name: ClassVar[str] = "word-counts"
    min_words: int = 1  # lines of fewer words are dropped

    def fingerprint(self) -> dict:  # the options recorded in _job.json: a rerun with others is refused
        return {"min_words": self.min_words}

    def process(self, unit: Unit) -> Done:  # on an executor, for one input file
        stats, rows = Stats(), []
        with open_input(unit.location) as stream:  # a missing file raises InputMissing: status `missing`
            for number, line in enumerate(stream, start=1):
                words = len(line.split())
                if words < self.min_words:
                    stats.drop("too_few_words")
                else:
                    stats.keep()
                    rows.append({"line": number, "words": words})
        return Done([unit.write_parquet([pa.Table.from_pylist(rows, SCHEMA)], SCHEMA)], stats)


def run_word_counts(spark, inputs: list[str], output: str, min_words: int = 1, progress: bool = True) -> dict:
    return run_stage(spark, WordCounts(min_words), inputs, output, progress=progress)
