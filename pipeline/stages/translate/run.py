"""The translate stage on Spark: a slice of FineWeb-Edu-shaped documents machine-translated into each target
language, one unit per (input file, target language), each committed on its own (docs/translate.md).

Each output row is one (document, target language): every input column kept, `text` translated and `language` set
to the target, then `source_text` (with --keep-source), `target_language`, `mt_engine`, `mt_model`,
`mt_model_license`, the QC columns (translate/qc.py) and `qc_pass`. The engine is loaded once per executor process
(translate/engines/base.py); the translation itself, segmenting, batching, the repeat cache and the checks, is the
pure translate/ package's."""

import json
import os
from collections import Counter
from dataclasses import asdict, dataclass, fields, replace
from typing import ClassVar

import pyarrow as pa

from licenses.mt_models import model_license
from pipeline.accounting import Stats
from pipeline.readers.documents import BadDocuments, checked_documents, documents_schema, open_documents
from pipeline.readers.langid import LanguageIdentifier
from pipeline.spark.progress import UnitReport
from pipeline.spark.shipping import ship_directory
from pipeline.spark.stage import Done, Stage, Unit, run_stage, run_units
from pipeline.stages.translate.selection import Cutoff, Slice, cutoff, left_out
from pipeline.storage.output_dir import OutputDir
from translate.document import DocumentResult, SegmentCounts, translate_documents
from translate.engines.base import Engine, load_engine
from translate.qc import QC_FIELDS, QcConfig
from translate.segment import SEGMENTER_VERSION

MT_FIELDS = [pa.field("target_language", pa.string()), pa.field("mt_engine", pa.string()),
             pa.field("mt_model", pa.string()), pa.field("mt_model_license", pa.string())]
SOURCE_TEXT = pa.field("source_text", pa.string())
_identifiers: dict[str, LanguageIdentifier] = {}


def translated_schema(schema: pa.Schema, keep_source: bool) -> pa.Schema:
    """The input's columns (`language` a string, added when absent; those the stage writes replaced), then the
    source text, the translation's columns, the QC columns and `qc_pass`."""
    added = ([SOURCE_TEXT] if keep_source else []) + MT_FIELDS + [pa.field(name, type_) for name, type_ in QC_FIELDS]
    names = {f.name for f in added}
    kept = [pa.field("language", pa.string()) if f.name == "language" else f for f in schema if f.name not in names]
    if "language" not in schema.names:
        kept.append(pa.field("language", pa.string()))
    return pa.schema(kept + added)


def model_name(model: str | None) -> str | None:
    """A model as the output names it: a Hub id as given, a local model by its folder's name (the output is
    published: it names no folder of this machine)."""
    if model is None or not os.path.exists(model):
        return model
    return os.path.basename(os.path.normpath(model))


def _identify(path: str, text: str) -> tuple[str, float]:
    """The language of a translation and its score, by the fastText model ingest uses (one per process)."""
    if path not in _identifiers:
        _identifiers[path] = LanguageIdentifier(path, max_chars=0)
    languages, scores = _identifiers[path].predict([text])
    return languages[0], float(scores[0])


def show_task_gpus() -> None:
    """Make the GPUs Spark gave this task (spark.task.resource.gpu.amount) the only ones CUDA shows the process,
    before an engine loads: executors of one machine then each use their own. Left alone where
    CUDA_VISIBLE_DEVICES is set already, and without GPUs."""
    from pyspark import TaskContext  # on the executor

    context = TaskContext.get()
    gpus = context.resources().get("gpu") if context is not None else None
    if gpus is not None and gpus.addresses and "CUDA_VISIBLE_DEVICES" not in os.environ:
        os.environ["CUDA_VISIBLE_DEVICES"] = ",".join(gpus.addresses)


def counts_record(counts: SegmentCounts) -> dict:
    """SegmentCounts as a unit record keeps them: its fields (asdict would make each Counter's items its keys)."""
    return {item.name: dict(value) if isinstance(value := getattr(counts, item.name), Counter) else value
            for item in fields(counts)}


def counts_from(record: dict) -> SegmentCounts:
    """A unit record's SegmentCounts (stored as its fields)."""
    return SegmentCounts(**{**record, "segments": Counter(record["segments"]),
                            "documents": Counter(record["documents"])})


@dataclass(frozen=True)
class Translate(Stage):
    """Each (input file, target language): the slice's documents of the file, translated, in one Parquet part."""

    name: ClassVar[str] = "translate"
    engine: str
    model: str | None  # as given: a Hub id, or the driver's local folder
    options: dict  # the engine's options as given (translate/engines/)
    targets: tuple[str, ...]
    source: str
    selection: Slice
    qc: QcConfig
    lid_model: str  # the driver's path; reaches executors as a SparkFile
    keep_source: bool = False
    shipped: str | None = None  # a local model's name among SparkFiles
    shown_model: str | None = None  # the model as the output names it (`model_name`, on the driver)
    cutoff: Cutoff | None = None  # of --max-docs / --max-tokens, settled by `write` before the units

    def license(self, engine: Engine) -> str | None:
        """The model's SPDX id: the engine's own, else the known model's of that name (licenses/mt_models.py)."""
        return engine.license or model_license(self.model)

    def parts(self) -> tuple[str, ...]:
        return self.targets

    def fingerprint(self) -> dict:
        options = {"engine": self.engine, "model": self.model, "options": self.options,
                   "segmenter": SEGMENTER_VERSION, "source": self.source, "targets": self.targets,
                   "slice": asdict(self.selection), "keep_source": self.keep_source, "qc": asdict(self.qc),
                   "lid_model": [os.path.basename(self.lid_model), os.path.getsize(self.lid_model)]}
        return json.loads(json.dumps(options))  # as _job.json reads back (tuples as lists): a rerun compares equal

    def write(self, spark, out: OutputDir, inputs: list[str], progress: bool) -> tuple[dict, list[dict]]:
        """The units, once a limit (--max-docs, --max-tokens) is settled over all the inputs."""
        stage = replace(self, cutoff=cutoff(spark, inputs, self.selection)) if self.selection.limited else self
        return run_units(spark, stage, out, inputs, progress)

    def process(self, unit: Unit) -> Done:
        from pyspark import SparkFiles  # on the executor: where the model and the language ID were shipped

        show_task_gpus()
        engine = load_engine(self.engine, SparkFiles.get(self.shipped) if self.shipped else self.model,
                             self.options)
        lid = SparkFiles.get(os.path.basename(self.lid_model))
        stats, counts = Stats(), SegmentCounts()
        described = {"settings": engine.settings(), "license": self.license(engine)}
        schema, batches = open_documents(unit.location)
        if schema is None:  # an empty JSON-lines file
            return Done([], stats, {"translation": {unit.part: counts_record(counts)}, "engine": described})
        schema = documents_schema(unit.location, schema)
        lacking = [column for column in self.selection.needs() if column not in schema.names]
        if lacking:
            raise BadDocuments(f"{unit.location}: no `{lacking[0]}` column, which {self.selection.needs()[lacking[0]]} "
                               "reads")
        written = translated_schema(schema, self.keep_source)
        report = UnitReport(unit.out, unit.id, stats)

        def tables():
            read = 0
            for batch in batches:
                table = pa.Table.from_batches([checked_documents(batch, schema, unit.location, read, stats)])
                read += batch.num_rows
                reasons = left_out(table, self.selection, self.cutoff)
                for reason, count in Counter(reason for reason in reasons if reason).items():
                    stats.drop(reason, count)
                chosen = table.filter(pa.array([reason is None for reason in reasons], pa.bool_()))
                if chosen.num_rows:
                    results, done = translate_documents(chosen.column("text").to_pylist(), self.source, unit.part,
                                                        engine, self.qc, lambda text: _identify(lid, text))
                    counts.add(done)
                    stats.keep(chosen.num_rows)
                    yield self._rows(chosen, results, unit.part, engine, written)
                report.advance(read, batches.rows)

        entry = unit.write_parquet(tables(), written)
        if entry["rows"] != stats.kept:
            raise AssertionError(f"{unit.location}: wrote {entry['rows']} rows but counted {stats.kept} kept")
        return Done([entry], stats, {"translation": {unit.part: counts_record(counts)}, "engine": described})

    def _rows(self, chosen: pa.Table, results: list[DocumentResult], target: str, engine: Engine,
              schema: pa.Schema) -> pa.Table:
        """The output rows of the translated documents."""
        rows = chosen.num_rows
        columns = {name: chosen.column(name) for name in chosen.column_names}
        if self.keep_source:
            columns["source_text"] = chosen.column("text")
        columns["text"] = pa.array([result.text for result in results], pa.string())
        values = {"language": target, "target_language": target, "mt_engine": self.engine,
                  "mt_model": self.shown_model, "mt_model_license": self.license(engine)}
        columns.update({name: pa.array([value] * rows, pa.string()) for name, value in values.items()})
        for name, type_ in QC_FIELDS:
            columns[name] = pa.array([result.qc[name] for result in results], type_)
        return pa.table([columns[name] for name in schema.names], schema=schema)

    def summarize(self, out: OutputDir, records: list[dict]) -> dict:
        """`translation`: per target language, documents by QC outcome (and by failed check), segments by outcome,
        the distinct segments the engine was given, the repeat cache's hits and rate, tokens in and out."""
        by_language = {target: SegmentCounts() for target in self.targets}
        for record in records:
            for target, kept in record.get("translation", {}).items():
                by_language[target].add(counts_from(kept))
        described = next((record["engine"] for record in records if "engine" in record), {})
        return {"targets": list(self.targets), "engine": self.engine, "model": self.shown_model,
                "settings": described.get("settings"), "mt_model_license": described.get("license"),
                "translation": {target: counts.as_dict() for target, counts in by_language.items()}}


def run_translate(spark, inputs: list[str], output: str, engine: str, model: str | None, options: dict,
                  targets: tuple[str, ...], qc: QcConfig, lid_model: str, source: str = "en",
                  selection: Slice | None = None, keep_source: bool = False, overwrite: bool = False,
                  progress: bool = True) -> dict:
    """Translate the slice of `inputs` into each of `targets` in `output`; returns the job's stats. Committed units
    of an earlier run are kept; a complete output is left as it is."""
    if spark.sparkContext.master.startswith("local"):
        # the executors' machine: a bad option or model fails here, before any unit (a cluster's driver may lack
        # the GPU the executors have; there the first unit says so)
        load_engine(engine, model, options)
    if not os.path.exists(lid_model):
        raise FileNotFoundError(f"language-ID model not found: {lid_model}")
    spark.sparkContext.addFile(lid_model)
    shipped = ship_directory(spark, model) if model and os.path.isdir(model) else None
    stage = Translate(engine, model, options, targets, source, selection or Slice(), qc, lid_model, keep_source,
                      shipped, model_name(model))
    return run_stage(spark, stage, inputs, output, overwrite=overwrite, progress=progress)


def translation_lines(stats: dict) -> list[str]:
    """Per target language, the end of a run in a line: documents by QC outcome, segments, the repeat cache."""
    lines = []
    for target, counts in stats.get("translation", {}).items():
        documents, segments = counts["documents"], counts["segments"]
        failed = ", ".join(f"{name.removeprefix('failed_')} {count:,}" for name, count in documents.items()
                           if name.startswith("failed_"))
        outcomes = ", ".join(f"{name} {count:,}" for name, count in segments.items())
        lines.append(f"{target}: {documents.get('passed', 0):,} documents passed QC, {documents.get('failed', 0):,} "
                     f"failed{f' ({failed})' if failed else ''}; segments: {outcomes or 'none'}; "
                     f"{counts['distinct_segments']:,} translated, {counts['cache_hits']:,} repeats from the cache "
                     f"({100 * counts['cache_hit_rate']:.1f}%)")
    return lines
