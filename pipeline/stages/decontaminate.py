"""The decontaminate stage: every input row back with `contaminated_by` and `contamination_ngrams`, nothing dropped.

The driver reads the benchmarks (JSON lines, Parquet, or a Hugging Face dataset folder with all its splits), builds
the n-gram index of their items (`dedup.ngrams`) and ships it to the executors once, as an archive each executor
unpacks and maps (`pipeline.spark.shipping`); each input file is a unit that looks its documents up in it.
Recipes filter on the columns (`size(contaminated_by) = 0`); docs/decontaminate.md."""

import os
import re
import tempfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import ClassVar

import pyarrow as pa

from dedup.ngrams import MIN_ITEM_WORDS, NGRAM, BenchmarkCount, NgramIndex, build_index
from filters.suggest import closest
from pipeline.accounting import Stats
from pipeline.messages import shown
from pipeline.readers.documents import DOCUMENT_SUFFIXES, BadDocuments, open_documents
from pipeline.spark.progress import UnitReport
from pipeline.spark.shipping import ship_directory, shipping_folder
from pipeline.spark.stage import Done, Stage, Unit, run_stage
from pipeline.storage.locations import is_local
from pipeline.storage.output_dir import OutputDir

COLUMNS = (pa.field("contaminated_by", pa.list_(pa.string())), pa.field("contamination_ngrams", pa.int64()))
ARROW_SUFFIX = ".arrow"  # a Hugging Face `save_to_disk` split: Arrow IPC stream files
BENCHMARK_SUFFIXES = (*DOCUMENT_SUFFIXES, ARROW_SUFFIX)
DATASET_METADATA = {"dataset_dict.json", "dataset_info.json", "state.json"}  # what `save_to_disk` writes beside
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


class BadBenchmark(ValueError):
    """A benchmark that cannot be read or lacks a named column."""


def benchmark_files(name: str, path: str) -> list[str]:
    """The files of a benchmark: the file itself, or every data file under a dataset folder (all its splits)."""
    if not is_local(path) or os.path.isfile(path):  # a remote file is read as it is; a folder must be local
        return [path]
    if not os.path.isdir(path):
        raise BadBenchmark(f"{name}={path}: no such file or folder")
    files = []
    for root, dirs, names in os.walk(path):
        dirs[:] = sorted(folder for folder in dirs if not folder.startswith("."))  # a download's .cache
        files += [os.path.join(root, file) for file in sorted(names) if file.lower().endswith(BENCHMARK_SUFFIXES)
                  and not file.startswith(".") and file not in DATASET_METADATA]
    if not files:
        raise BadBenchmark(f"{name}={path}: no {', '.join(sorted(set(BENCHMARK_SUFFIXES)))} files in the folder")
    return files


def _table(name: str, file: str) -> pa.Table:
    if file.lower().endswith(ARROW_SUFFIX):
        try:
            with pa.memory_map(file) as source:
                return pa.ipc.open_stream(source).read_all()
        except pa.ArrowInvalid as exc:
            raise BadBenchmark(f"{name}={file}: not an Arrow stream: {exc}") from None
    try:
        schema, batches = open_documents(file)
    except BadDocuments as exc:
        raise BadBenchmark(f"{name}={exc}") from None
    return pa.Table.from_batches(list(batches), schema) if schema is not None else pa.table({})


def item_text(value) -> str:
    """A cell as text: a list's items joined with spaces (nested lists too), a mapping's values, nothing for null."""
    if value is None:
        return ""
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, list):
        return " ".join(item_text(item) for item in value)
    return str(value)


def benchmark_items(name: str, path: str, columns: tuple[str, ...]) -> Iterator[str]:
    """Each row of a benchmark as one item: its named columns' text joined by line breaks."""
    for file in benchmark_files(name, path):
        table = _table(name, file)
        for column in columns:
            if column not in table.column_names:
                raise BadBenchmark(f"{name}={file}: no `{column}` column{closest(column, table.column_names)} "
                                   f"(has: {shown(table.column_names, 10)}); --benchmark-columns names the columns "
                                   "every benchmark has")
        for row in table.select(list(columns)).to_pylist():
            yield "\n".join(item_text(row[column]) for column in columns)


def parse_benchmarks(given: list[str]) -> dict[str, str]:
    """NAME=PATH arguments as {name: path}; a name given twice or not a plain name is refused."""
    benchmarks: dict[str, str] = {}
    for argument in given:
        name, sep, path = argument.partition("=")
        if not sep or not path or not NAME.match(name):
            raise ValueError(f"--benchmark {argument}: give NAME=PATH, NAME of letters, digits, `.`, `_`, `-`")
        if name in benchmarks:
            raise ValueError(f"--benchmark {name}: given twice")
        benchmarks[name] = path
    return benchmarks


@dataclass(frozen=True)
class Decontaminate(Stage):
    name: ClassVar[str] = "decontaminate"
    shipped: str  # the index's folder among SparkFiles
    index_digest: str
    benchmarks: tuple[tuple[str, str], ...]  # (name, path) as given
    columns: tuple[str, ...]
    ngram: int
    min_item_words: int
    counts: tuple[tuple[str, int, int], ...]  # (name, items, skipped as short), for _stats.json

    def fingerprint(self) -> dict:
        return {"benchmarks": [list(pair) for pair in self.benchmarks], "columns": list(self.columns),
                "ngram": self.ngram, "min_item_words": self.min_item_words, "index": self.index_digest}

    def process(self, unit: Unit) -> Done:
        from pyspark import SparkFiles  # on the executor: where the index was shipped

        index = NgramIndex.load(SparkFiles.get(self.shipped))
        stats, flagged = Stats(), Counter()
        schema, batches = open_documents(unit.location)
        if schema is None:
            return Done([], stats, {"flagged": {}})
        if "text" not in schema.names:
            raise BadDocuments(f"{unit.location}: no `text` column (has: {shown(schema.names, 10)})")
        kept = [field for field in schema if field.name not in {column.name for column in COLUMNS}]
        out_schema = pa.schema([*kept, *COLUMNS])
        report = UnitReport(unit.out, unit.id, stats)

        def tables():
            done = 0
            for batch in batches:
                names, counts = index.matches(batch.column("text").cast(pa.string()).to_pylist())
                flagged.update(name for found in names for name in found)
                done += batch.num_rows
                stats.keep(batch.num_rows)
                yield pa.Table.from_arrays([*(batch.column(field.name) for field in kept),
                                            pa.array(names, COLUMNS[0].type), pa.array(counts, pa.int64())],
                                           schema=out_schema)
                report.advance(done, batches.rows)

        return Done([unit.write_parquet(tables(), out_schema)], stats, {"flagged": dict(flagged)})

    def summarize(self, out: OutputDir, records: list[dict]) -> dict:
        """Per benchmark: its items, those skipped as short, and the documents flagged."""
        flagged = Counter()
        for record in records:
            flagged.update(record.get("flagged", {}))
        return {"ngram": self.ngram, "min_item_words": self.min_item_words,
                "benchmarks": {name: {"items": items, "skipped_short": skipped, "documents_flagged": flagged[name]}
                               for name, items, skipped in self.counts}}


def index_folder(index: NgramIndex, digest: str) -> str:
    """A local folder holding the index, one per content, so that the shipped archive is reused by reruns."""
    folder = os.path.join(shipping_folder(), f"decontaminate-index-{digest[:16]}")
    if not os.path.isdir(folder):
        os.makedirs(os.path.dirname(folder), exist_ok=True)
        work = tempfile.mkdtemp(prefix=".index-", dir=os.path.dirname(folder))
        index.save(work)
        try:
            os.rename(work, folder)
        except OSError:  # another run wrote the same index first
            for file in os.listdir(work):
                os.remove(os.path.join(work, file))
            os.rmdir(work)
    return folder


@dataclass(frozen=True)
class BenchmarkIndex:
    """The benchmarks as given and their index, built on the driver before Spark starts."""

    benchmarks: dict[str, str]  # name -> path
    columns: tuple[str, ...]
    index: NgramIndex
    counts: dict[str, BenchmarkCount]
    min_item_words: int


def read_benchmarks(benchmarks: dict[str, str], columns: tuple[str, ...], ngram: int = NGRAM,
                    min_item_words: int = MIN_ITEM_WORDS) -> BenchmarkIndex:
    """Read every benchmark's items and index their n-grams (BadBenchmark naming the file and column)."""
    index, counts = build_index({name: benchmark_items(name, path, columns) for name, path in benchmarks.items()},
                                ngram, min_item_words)
    return BenchmarkIndex(benchmarks, columns, index, counts, min_item_words)


def run_decontaminate(spark, inputs: list[str], output: str, built: BenchmarkIndex, overwrite: bool = False,
                      progress: bool = True) -> dict:
    """Flag the documents of `inputs` that hold n-grams of the benchmarks' items into `output`; returns the stats."""
    digest = built.index.digest()
    shipped = ship_directory(spark, index_folder(built.index, digest))
    stage = Decontaminate(shipped, digest, tuple(built.benchmarks.items()), built.columns, built.index.ngram,
                          built.min_item_words, tuple((name, count.items, count.skipped_short)
                                                      for name, count in built.counts.items()))
    return run_stage(spark, stage, inputs, output, overwrite=overwrite, progress=progress)
