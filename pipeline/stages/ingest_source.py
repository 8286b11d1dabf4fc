"""`curate ingest --source SOURCE.yaml`: an open-licensed source into documents, one work unit per input file (or
per slice of one, such as the streams of a multistream Wikipedia dump), committed and accounted as web ingest is."""

import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from typing import ClassVar

import pyarrow as pa

from pipeline.accounting import Stats
from pipeline.readers.langid import LanguageIdentifier
from pipeline.readers.sources.registry import reader_module
from pipeline.readers.sources.spec import Piece, Source
from pipeline.readers.warc.documents import BATCH
from pipeline.schema import DOCUMENT_SCHEMA, documents_table
from pipeline.spark.progress import reporting
from pipeline.spark.stage import Done, Stage, Unit, run_stage
from pipeline.stages.ingest import language_identifier
from pipeline.storage.inputs import expand_inputs
from pipeline.storage.locations import RetryPolicy


@dataclass(frozen=True)
class IngestSource(Stage):
    """Each unit's records read by the source's reader into one Parquet part; languages not known from the source
    are identified by lid.176 (the model reaches the executors as a SparkFile)."""

    name: ClassVar[str] = "ingest-source"
    hint: ClassVar[str] = "pass --on-missing skip"
    source: Source
    lid_model: str  # the driver's path
    lid_chars: int = 1000
    retry: RetryPolicy = RetryPolicy()
    skip_unreadable: bool = False
    on_error: str = "fail"

    def fingerprint(self) -> dict:
        return {"source": self.source.model_dump(mode="json"), "lid_chars": self.lid_chars,
                "lid_model": [os.path.basename(self.lid_model), os.path.getsize(self.lid_model)]}

    def split(self, location: str) -> list[tuple[int, int]] | None:
        split = getattr(reader_module(self.source.reader), "split", None)
        return split(location, self.source, self.retry) if split else None

    def process(self, unit: Unit) -> Done:
        from pyspark import SparkFiles  # on the executor: where the model was shipped

        model = SparkFiles.get(os.path.basename(self.lid_model))
        stats = Stats()
        module = reader_module(self.source.reader)
        extra = getattr(module, "EXTRA_COLUMNS", ())
        rows = module.documents(Piece(unit.location, unit.span, self.retry), self.source, stats)
        tables = (identified(batch, lambda: language_identifier(model, self.lid_chars), stats, extra)
                  for batch in batches(rows, getattr(module, "BATCH", BATCH)))
        entry = unit.write_parquet(reporting(tables, stats, unit.out, unit.id), pa.schema([*DOCUMENT_SCHEMA, *extra]))
        if entry["rows"] != stats.kept:
            raise AssertionError(f"{unit.location}: wrote {entry['rows']} rows but counted {stats.kept} kept")
        return Done([entry], stats)


def batches(rows: Iterable[dict], size: int) -> Iterator[list[dict]]:
    iterator = iter(rows)
    while batch := list(islice(iterator, size)):
        yield batch


def identified(rows: list[dict], lid: Callable[[], LanguageIdentifier], stats: Stats,
               extra: tuple[pa.Field, ...] = ()) -> pa.Table:
    """The rows as a table (with the reader's `extra` columns), kept: the language of those that have none from
    lid.176 (loaded only then), with its score."""
    unknown = [row for row in rows if row.get("language") is None]
    if unknown:
        languages, scores = lid().predict([row["text"] for row in unknown])
        for row, language, score in zip(unknown, languages, scores, strict=True):
            row["language"], row["language_score"] = language, float(score)
    stats.keep(len(rows))
    return documents_table(rows, extra)


def source_inputs(source: Source) -> list[str]:
    """The inputs of a source: what its reader says, else the files its `paths:` name (in a folder, those named
    as the reader reads them)."""
    module = reader_module(source.reader)
    if hasattr(module, "inputs"):
        return module.inputs(source)
    return expand_inputs(source.paths, getattr(module, "SUFFIXES", ("",)))


def run_source_ingest(spark, source: Source, inputs: list[str], output: str, lid_model: str, lid_chars: int = 1000,
                      retry: RetryPolicy = RetryPolicy(), on_missing: str = "fail", overwrite: bool = False,
                      progress: bool = True, on_error: str = "fail") -> dict:
    """Read `inputs` of `source` into `output`; returns the job's stats. Committed units of an earlier run are kept."""
    if not os.path.exists(lid_model):
        raise FileNotFoundError(f"language-ID model not found: {lid_model}")
    spark.sparkContext.addFile(lid_model)
    stage = IngestSource(source, lid_model, lid_chars, retry, skip_unreadable=on_missing == "skip",
                         on_error=on_error)
    return run_stage(spark, stage, inputs, output, overwrite=overwrite, progress=progress)
