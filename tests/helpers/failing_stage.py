"""A stage whose task raises on some inputs: word counts of a file, but a file whose first line is `boom` raises
on every attempt and one whose first line is `flaky` on the first attempt only."""

from dataclasses import dataclass
from typing import ClassVar

from pyspark import TaskContext

from pipeline.spark.stage import Done, Unit, run_stage
from tests.helpers.word_counts import WordCounts


@dataclass(frozen=True)
class Failing(WordCounts):
    name: ClassVar[str] = "failing-word-counts"
    on_error: str = "fail"

    def process(self, unit: Unit) -> Done:
        with open(unit.location) as stream:
            first = stream.readline().strip()
        if first == "boom" or (first == "flaky" and TaskContext.get().attemptNumber() == 0):
            raise RuntimeError(f"{first} in the worker")
        return super().process(unit)


def run_failing(spark, inputs: list[str], output: str, on_error: str = "fail") -> dict:
    return run_stage(spark, Failing(on_error=on_error), inputs, output, progress=False)
