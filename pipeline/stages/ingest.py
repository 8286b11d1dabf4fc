"""The ingest stage on Spark: one work unit per input file, each committed on its own, then the whole sealed."""

import os
from dataclasses import dataclass, replace
from functools import partial
from typing import ClassVar

from licenses.optout import SiteRule
from pipeline.accounting import Stats
from pipeline.readers.langid import LanguageIdentifier
from pipeline.readers.warc.documents import IngestOptions, file_name, warc_documents
from pipeline.readers.warc.tdmrep import crawl_sites, tdmrep_files
from pipeline.schema import DOCUMENT_SCHEMA
from pipeline.spark.progress import UnitReport
from pipeline.spark.stage import Done, Stage, Unit, run_stage, run_units
from pipeline.storage.locations import CannotResume, RetryPolicy, open_input
from pipeline.storage.output_dir import OutputDir

_models: dict[tuple[str, int], LanguageIdentifier] = {}
RESTARTS = 2  # times a file that changed while it was read (over HTTP) is read again from its start


def language_identifier(path: str, max_chars: int) -> LanguageIdentifier:
    """One model per Python worker process, loaded on first use."""
    if (path, max_chars) not in _models:
        _models[path, max_chars] = LanguageIdentifier(path, max_chars)
    return _models[path, max_chars]


@dataclass(frozen=True)
class Ingest(Stage):
    """Each input file read into one Parquet part of documents (the model reaches the executors as a SparkFile)."""

    name: ClassVar[str] = "ingest"
    hint: ClassVar[str] = "pass --on-missing skip"
    options: IngestOptions
    lid_model: str  # the driver's path
    retry: RetryPolicy
    skip_unreadable: bool = False
    sites: dict[str, list[SiteRule]] | None = None  # the crawl's tdmrep.json rules, found before the units
    on_error: str = "fail"

    def fingerprint(self) -> dict:
        return {"options": self.options.fingerprint(),
                "lid_model": [os.path.basename(self.lid_model), os.path.getsize(self.lid_model)]}

    def write(self, spark, out: OutputDir, inputs: list[str], progress: bool) -> tuple[dict, list[dict]]:
        """First every input's tdmrep.json files (a site's file may lie in another input than its pages), then
        the units with them."""
        scan = partial(_tdmrep_files, retry=self.retry)
        sites, found = crawl_sites(spark.sparkContext.parallelize(inputs, len(inputs)).flatMap(scan).collect())
        stats, files = run_units(spark, replace(self, sites=sites), out, inputs, progress)
        return {**stats, "tdmrep": found}, files

    def process(self, unit: Unit) -> Done:
        from pyspark import SparkFiles  # on the executor: where the model was shipped

        lid = language_identifier(SparkFiles.get(os.path.basename(self.lid_model)), self.options.lid_chars)
        for _ in range(RESTARTS):
            try:
                return self._read(unit, lid)
            except CannotResume:  # the file changed while it was read: read the new one from its start
                pass
        return self._read(unit, lid)

    def _read(self, unit: Unit, lid: LanguageIdentifier) -> Done:
        stats = Stats()
        report = UnitReport(unit.out, unit.id, stats)
        tables = warc_documents(report.opener(lambda offset: open_input(unit.location, offset, self.retry)),
                                unit.location, self.options, lid, stats, self.sites)
        entry = unit.write_parquet(report.tables(tables), DOCUMENT_SCHEMA)
        if entry["rows"] != stats.kept:
            raise AssertionError(f"{unit.location}: wrote {entry['rows']} rows but counted {stats.kept} kept")
        return Done([entry], stats)


def _tdmrep_files(location: str, retry: RetryPolicy) -> list[dict]:
    try:
        return tdmrep_files(lambda offset: open_input(location, offset, retry), file_name(location))
    except Exception:  # noqa: BLE001 - an input that cannot be read is its unit's failure, named there
        return []


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
    on_error: str = "fail",
) -> dict:
    """Ingest `inputs` into `output`; returns the job's stats. Committed units of an earlier run are kept."""
    if not os.path.exists(lid_model):
        raise FileNotFoundError(f"language-ID model not found: {lid_model}")
    spark.sparkContext.addFile(lid_model)
    stage = Ingest(options, lid_model, retry, skip_unreadable=on_missing == "skip", on_error=on_error)
    return run_stage(spark, stage, inputs, output, overwrite=overwrite, progress=progress)
