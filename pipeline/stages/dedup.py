"""The dedup stage: every input row back with `dup_cluster` and `is_duplicate`, nothing dropped.

Dedup looks at the whole dataset at once, so it runs in two phases, both resumable:

1. Clustering (Spark, `dedup.clustering`): read each unit's keys (MinHash signatures and LSH buckets, or an exact
   key; a unit is an input file or a slice of its row groups, one task each), cluster, and write the clustered
   rows of each input file to `_clusters/unit-N.parquet`;
   `_clusters/_summary.json`, written last, marks the phase done. A rerun finding it skips the phase.
2. Rewriting (`pipeline.spark.stage`): each input file (or slice) is a work unit that reads its rows and its
   `_clusters` file and writes `part-UNIT.parquet`, committed on its own; the stage seals with `_stats.json`
   (books plus the clusters), `_manifest.json` and `_SUCCESS` when every unit is in.

A document is addressed by its key, `(input index << 40) | row`, so no id has to be unique for the books to
balance; ids only decide the representatives."""

import itertools
import math
import re
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from typing import ClassVar

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from pyspark import StorageLevel
from pyspark.sql import functions as F
from pyspark.sql.pandas.types import from_arrow_schema

from dedup import clustering
from dedup.keys import digest_key, text_key, url_key
from dedup.lsh import band_buckets, candidate_banding, rpv2_banding
from dedup.signatures import signature_from_bands, signatures
from pipeline.accounting import Stats
from pipeline.readers.documents import (
    SLICE_BYTES,
    BadDocuments,
    decompressed,
    document_columns,
    is_parquet,
    open_documents,
    row_group_slices,
)
from pipeline.spark.progress import UnitReport
from pipeline.spark.stage import (
    Done,
    Stage,
    StageFailed,
    Unit,
    attempts,
    last_attempt,
    planned_units,
    run_stage,
    run_units,
    shown_unit,
)
from pipeline.storage.locations import InputMissing, InputUnreachable, open_input
from pipeline.storage.output_dir import OutputDir
from signals.minhash import NUM_PERM
from signals.text import normalize

MODES = ("fuzzy", "exact", "digest", "url")
VERIFY = ("minhash", "exact", "none")
SIGNATURE_COLUMN = "signature_sim1.0"  # all 128 values in one band (RedPajama-Data app/src/dedupe/utils.py)
ROW_BITS = 40
BAND_ROWS_PER_PARTITION = 4_000_000  # the band shuffle's partitions grow with the data (a few hundred MB each)
CLUSTERS = "_clusters"
DEDUP_COLUMN = re.compile(r"^(dup_cluster|is_duplicate)(_.*)?$")  # the columns dedup adds, for any threshold
SUMMARY = f"{CLUSTERS}/_summary.json"
CLUSTER_SCHEMA = pa.schema([("row", pa.int64()), ("t", pa.int32()), ("dup_cluster", pa.string()),
                            ("is_duplicate", pa.bool_())])
# exact keys: the column (or `meta` entry) each mode reads
KEY_SOURCE = {"exact": "text", "digest": "digest", "url": "url"}
# the key of the one row a unit's keys give when its input cannot be read: that fails the job, this one skips it
UNREADABLE_KEY, SKIPPED_KEY = -1, -2


@dataclass(frozen=True)
class DedupOptions:
    mode: str = "fuzzy"
    thresholds: tuple[float, ...] = (0.8,)
    verify: str = "minhash"  # minhash: estimated Jaccard; exact: Jaccard of the texts; none: RedPajama-V2 as is
    prefer: str = "newest"  # exact modes: the representative's crawl

    def __post_init__(self):
        if self.mode not in MODES:
            raise ValueError(f"--mode {self.mode}: not one of {', '.join(MODES)}")
        if self.verify not in VERIFY:
            raise ValueError(f"verify {self.verify}: not one of {', '.join(VERIFY)}")
        if self.prefer not in ("newest", "oldest"):
            raise ValueError(f"--prefer {self.prefer}: not newest or oldest")
        if not self.thresholds or len(set(self.thresholds)) != len(self.thresholds):
            raise ValueError("--threshold: give one or more distinct thresholds")
        for threshold in self.thresholds:
            candidate_banding(threshold)  # checks the range
            if self.verify == "none":
                rpv2_banding(threshold)

    @property
    def fuzzy(self) -> bool:
        return self.mode == "fuzzy"

    def schemes(self) -> list[tuple[int, int]]:
        """The banding schemes whose buckets give candidates: one recall-friendly scheme for the lowest
        threshold when edges are verified, else RedPajama-V2's scheme for each threshold."""
        if self.verify == "none":
            return [rpv2_banding(t) for t in self.thresholds]
        return [candidate_banding(min(self.thresholds))]

    def columns(self) -> list[tuple[str, str]]:
        """(dup_cluster, is_duplicate) column names per threshold: plain for the first, suffixed for others."""
        count = len(self.thresholds) if self.fuzzy else 1
        return [("dup_cluster", "is_duplicate") if t == 0 else
                (f"dup_cluster_{self.thresholds[t]}", f"is_duplicate_{self.thresholds[t]}") for t in range(count)]

    def fingerprint(self) -> dict:
        if not self.fuzzy:
            return {"mode": self.mode, "prefer": self.prefer}
        return {"mode": self.mode, "thresholds": list(self.thresholds), "verify": self.verify}


def key_schema(options: DedupOptions) -> pa.Schema:
    """The columns of `document_keys`' batches for a mode."""
    if not options.fuzzy:
        return pa.schema({"key": pa.int64(), "id": pa.string(), "crawl": pa.string(), "dkey": pa.binary()})
    text = {"text": pa.string()} if options.verify == "exact" else {}
    return pa.schema({"key": pa.int64(), "id": pa.string(), "signature": pa.binary(),
                      "buckets": pa.list_(pa.int64()), **text})


def needed_columns(names: list[str], options: DedupOptions) -> list[str]:
    """The columns a mode reads (only those: a signals output has many more); `crawl` when there is one."""
    if options.fuzzy:
        given = [SIGNATURE_COLUMN] if SIGNATURE_COLUMN in names else []
        return ["id", *given] + (["text"] if not given or options.verify == "exact" else [])
    source = KEY_SOURCE[options.mode]
    if options.mode == "digest" and source not in names:
        source = "meta"
    return ["id", source] + (["crawl"] if "crawl" in names else [])


def missing_column(location: str, names: list[str], options: DedupOptions) -> str | None:
    """The error for an input whose columns lack one the mode reads, or None."""
    for column in needed_columns(names, options):
        if column not in names:
            missing = "`digest` column and no `meta` map" if column == "meta" else f"`{column}` column"
            return f"{location}: no {missing} (has: {', '.join(names)})"
    return None


def check_columns(inputs: list[str], options: DedupOptions) -> None:
    """Refuse an input without the columns the mode reads before any Spark job (a failing task would log its
    stack trace first), from Parquet footers and first JSON lines, read a few at a time."""
    with ThreadPoolExecutor(max_workers=8) as pool:
        for location, names in zip(inputs, pool.map(document_columns, inputs), strict=True):
            problem = names is not None and missing_column(location, names, options)
            if problem:
                # with signatures given, fuzzy mode reads the text only to verify on it
                reader = "--verify exact" if options.fuzzy and SIGNATURE_COLUMN in names else f"--mode {options.mode}"
                raise BadDocuments(f"{problem}; {reader} reads it")


def document_keys(location: str, index: int, options: DedupOptions,
                  span: tuple[int, int] | None = None) -> Iterator[pa.RecordBatch]:
    """One input file's documents (or those of its row groups `span`) as dedup keys, in row order."""
    schema, batches = open_documents(location, lambda names: [c for c in needed_columns(names, options) if c in names],
                                     span)
    if schema is None:
        return
    problem = missing_column(location, schema.names, options)
    if problem:
        raise BadDocuments(problem)
    row = batches.first
    for batch in batches:
        ids = batch.column("id").cast(pa.string())
        if ids.null_count:
            raise BadDocuments(f"{location}: {row_place(location, row + ids.is_null().to_pylist().index(True))} "
                               "has no id")
        keys = pa.array(np.arange(row, row + batch.num_rows, dtype=np.int64) + (index << ROW_BITS))
        row += batch.num_rows
        try:
            columns = _fuzzy_columns(batch, options) if options.fuzzy else _exact_columns(batch, options)
        except BadSignature as exc:
            raise BadDocuments(f"{location}: {row_place(location, row - batch.num_rows + exc.args[0])}: "
                               f"{exc.args[1]}") from None
        yield pa.RecordBatch.from_arrays([keys, ids, *columns.values()], names=["key", "id", *columns])


def row_place(location: str, row: int) -> str:
    """Where the row-th document (from 0) of a file is, as a person finds it: `row N` of a Parquet file, `line N`
    of a JSON-lines file (whose blank lines the reader skips), both counted from 1."""
    if is_parquet(location):
        return f"row {row + 1}"
    with open_input(location) as stream:
        lines = decompressed(stream, location).read().split(b"\n")
    documents = (number for number, line in enumerate(lines, start=1) if line.strip())
    return f"line {next(itertools.islice(documents, row, None), row + 1)}"


class BadSignature(ValueError):
    """(row in the batch, what is wrong): a given signature that is not 128 values."""


def _fuzzy_columns(batch: pa.RecordBatch, options: DedupOptions) -> dict[str, pa.Array]:
    names = batch.schema.names
    if SIGNATURE_COLUMN in names:
        given = [signature_from_bands(bands) for bands in batch.column(SIGNATURE_COLUMN).to_pylist()]
        present = np.array([s is not None for s in given], dtype=bool)
        sigs = np.zeros((batch.num_rows, NUM_PERM), dtype=np.uint32)
        for i, values in enumerate(given):
            if values is not None:
                if len(values) != NUM_PERM:
                    raise BadSignature(i, f"{SIGNATURE_COLUMN} holds {len(values)} values, not {NUM_PERM}")
                sigs[i] = values
    else:
        sigs, present = signatures([normalize(text or "") for text in batch.column("text").to_pylist()])
    buckets = np.concatenate([band_buckets(sigs, bands, rows, salt=scheme)
                              for scheme, (bands, rows) in enumerate(options.schemes())], axis=1)
    per_row = buckets.shape[1]
    kept = buckets[present].reshape(-1)
    offsets = np.zeros(batch.num_rows + 1, dtype=np.int32)
    np.cumsum(present * per_row, out=offsets[1:])
    columns = {
        "signature": pa.array([row.tobytes() if ok else None for row, ok in zip(sigs, present, strict=True)],
                              type=pa.binary()),
        "buckets": pa.ListArray.from_arrays(pa.array(offsets), pa.array(kept, type=pa.int64())),
    }
    if options.verify == "exact":
        columns["text"] = batch.column("text").cast(pa.string())
    return columns


def _exact_columns(batch: pa.RecordBatch, options: DedupOptions) -> dict[str, pa.Array]:
    names = batch.schema.names
    crawl = batch.column("crawl").cast(pa.string()) if "crawl" in names else pa.nulls(batch.num_rows, pa.string())
    if options.mode == "exact":
        keys = [text_key(text) for text in batch.column("text").to_pylist()]
    elif options.mode == "url":
        keys = [_encoded(url_key(url)) for url in batch.column("url").to_pylist()]
    else:
        digests = (batch.column("digest").to_pylist() if "digest" in names
                   else [dict(meta or ()).get("digest") for meta in batch.column("meta").to_pylist()])
        keys = [_encoded(digest_key(digest)) for digest in digests]
    return {"crawl": crawl, "dkey": pa.array(keys, type=pa.binary())}


def _encoded(key: str | None) -> bytes | None:
    return None if key is None else key.encode("utf-8")


def _read_keys(batches: Iterator[pa.RecordBatch], options: DedupOptions, skip: bool,
               attempts: int) -> Iterator[pa.RecordBatch]:
    """The keys of each listed unit; a bad input gives one row of key UNREADABLE_KEY whose id is the error, so that
    the driver names it in one line (a failing task would log Python and Java stack traces first).

    With `skip`, a unit whose input is bad, or whose task still raises on its last attempt, gives instead one row
    of key SKIPPED_KEY whose id is `unit<TAB>error`, and none of its keys (they are held until the unit is read)."""
    for row in batch_rows(batches):
        span = None if row["start"] is None else (row["start"], row["end"])
        try:
            keys = document_keys(row["input"], row["index"], options, span)
            yield from list(keys) if skip else keys
        except (BadDocuments, InputMissing, InputUnreachable) as exc:
            key, error = (SKIPPED_KEY, f"{row['unit']}\t{exc}") if skip else (UNREADABLE_KEY, str(exc))
            yield pa.RecordBatch.from_pylist([{"key": key, "id": error}], schema=key_schema(options))
            if not skip:
                return
        except Exception as exc:
            if not (skip and last_attempt(attempts)):
                raise
            error = f"{row['unit']}\t{shown_unit(row['input'], span)}: {type(exc).__name__}: {exc}"
            yield pa.RecordBatch.from_pylist([{"key": SKIPPED_KEY, "id": error}], schema=key_schema(options))


def batch_rows(batches: Iterator[pa.RecordBatch]) -> Iterator[dict]:
    for batch in batches:
        yield from batch.to_pylist()


def _write_clusters(batches: Iterator[pa.RecordBatch], output: str) -> Iterator[pa.RecordBatch]:
    """Write each input's clustered rows (sorted by unit, row, t in this partition) to _clusters/unit-N.parquet."""
    out, pending, current = OutputDir(output), [], None

    def flush():
        table = pa.Table.from_batches(pending).drop_columns(["unit"])
        out.write_parquet(f"{CLUSTERS}/unit-{current}.parquet", [table.cast(CLUSTER_SCHEMA)], CLUSTER_SCHEMA)
        return pa.RecordBatch.from_pylist([{"unit": current, "rows": table.num_rows}])

    for batch in batches:
        units = batch.column("unit").to_numpy()
        for unit in np.unique(units):  # sorted, as the partition is
            if current is not None and unit != current:
                yield flush()
                pending = []
            current = int(unit)
            pending.append(batch.filter(pa.array(units == unit)))
    if pending:
        yield flush()


class _Steps:
    """One console line per finished step of the clustering phase, with its wall time."""

    def __init__(self, enabled: bool):
        self.enabled, self.last = enabled, time.monotonic()

    def done(self, what: str) -> None:
        if self.enabled:
            now = time.monotonic()
            print(f"dedup: {what} ({now - self.last:.1f} s)", file=sys.stderr, flush=True)
            self.last = now


def cluster(spark, units: list[dict], out: OutputDir, options: DedupOptions, progress: bool = True,
            skip: bool = False) -> dict:
    """Phase 1: the clusters of the whole input, written per input file under _clusters/; returns the summary.

    `units` are the stage's (`planned_units`), each read by a task of its own; with `skip` an input that cannot be
    read, or a task that raises on its last attempt, leaves its unit out (the summary's `skipped`: unit -> error)."""
    if out.fs.exists(out.join(CLUSTERS)):
        out.fs.rm(out.join(CLUSTERS), recursive=True)  # an interrupted run's part of the table
    inputs = sorted({unit["index"] for unit in units})
    listing = spark.createDataFrame(spark.sparkContext.parallelize(units, len(units)),
                                    "input string, unit string, index int, start long, end long")
    documents = listing.mapInArrow(partial(_read_keys, options=options, skip=skip, attempts=attempts(spark)),
                                   from_arrow_schema(key_schema(options)))
    documents = persisted = documents.persist(StorageLevel.DISK_ONLY)
    steps, shuffle_partitions = _Steps(progress), _shuffle_partitions(spark)
    try:
        total, error = documents.agg(F.count(F.when(F.col("key") >= 0, 1)),
                                     F.min(F.when(F.col("key") == UNREADABLE_KEY, F.col("id")))).first()
        if error is not None:
            raise StageFailed(f"an input cannot be read as documents: {error}")
        skipped = dict(row["id"].split("\t", 1) for row in documents.where(F.col("key") == SKIPPED_KEY)
                       .select("id").collect())
        if skipped:
            documents = documents.where(F.col("key") >= 0)
        summary: dict = {"documents": total, **({"skipped": skipped} if skipped else {})}
        # the largest shuffle holds a band of every document: its partitions grow with the data
        per_document = sum(bands for bands, _ in options.schemes()) if options.fuzzy else 1
        spark.conf.set("spark.sql.shuffle.partitions",
                       str(max(shuffle_partitions, math.ceil(total * per_document / BAND_ROWS_PER_PARTITION))))
        steps.done(f"read the keys of {total:,} documents from {len(inputs):,} file{'s' if len(inputs) > 1 else ''}")
        if options.fuzzy:
            schemes = options.schemes()
            candidates = clustering.bucket_edges(documents, [bands for bands, _ in schemes]).localCheckpoint()
            pairs, partial_buckets = candidates.agg(F.count(F.lit(1)), F.sum("partial")).first()
            summary["candidate_pairs"], summary["partial_buckets"] = pairs, partial_buckets or 0
            steps.done(f"{pairs:,} candidate pairs from LSH buckets "
                       f"({' + '.join(f'{b} bands of {r}' for b, r in schemes)})"
                       + (f"; {partial_buckets:,} buckets of over {clustering.BUCKET_HEADS + 1} documents paired with "
                          f"their first {clustering.BUCKET_HEADS} only" if partial_buckets else ""))
            if options.verify == "none":
                edges = candidates
            else:
                edges = clustering.verified_edges(candidates, documents, list(options.thresholds),
                                                  exact=options.verify == "exact").localCheckpoint()
                found = {row["t"]: row["count"] for row in edges.groupBy("t").count().collect()}
                summary["verified_pairs"] = {str(threshold): found.get(t, 0) for t, threshold in
                                             sorted(enumerate(options.thresholds), key=lambda pair: pair[1])}
                steps.done("verified pairs at " + ", ".join(f"{threshold}: {count:,}" for threshold, count
                                                            in summary["verified_pairs"].items()))
            components = clustering.connected_components(edges)
            assignments = clustering.fuzzy_assignments(components, documents)
        else:
            assignments = clustering.exact_assignments(documents, prefer_newest=options.prefer == "newest")
        assignments = assignments.localCheckpoint()
        summary["by_threshold"] = _threshold_summaries(clustering.cluster_sizes(assignments), options)
        steps.done("clusters: " + "; ".join(f"{name}: {found['clusters']:,} clusters, {found['duplicates']:,} "
                                            "duplicates" for name, found in summary["by_threshold"].items()))
        partitions = max(1, min(len(inputs), shuffle_partitions))
        (assignments.select(F.shiftright("key", ROW_BITS).alias("unit"),
                            F.col("key").bitwiseAND((1 << ROW_BITS) - 1).alias("row"), "t", "dup_cluster",
                            "is_duplicate")
         .repartition(partitions, "unit").sortWithinPartitions("unit", "row", "t")
         .mapInArrow(partial(_write_clusters, output=out.path), "unit long, rows long").collect())
        steps.done("cluster table written")
    finally:
        spark.conf.set("spark.sql.shuffle.partitions", str(shuffle_partitions))
        persisted.unpersist()
    out.write_json(SUMMARY, summary)
    return summary


def _shuffle_partitions(spark) -> int:
    return int(spark.conf.get("spark.sql.shuffle.partitions"))


def _threshold_summaries(sizes: dict[int, dict[int, int]], options: DedupOptions) -> dict:
    count = len(options.thresholds) if options.fuzzy else 1
    summaries = {}
    for t in range(count):
        by_size = sizes.get(t, {})
        clusters = sum(by_size.values())
        members = sum(size * n for size, n in by_size.items())
        summaries[str(options.thresholds[t]) if options.fuzzy else options.mode] = {
            "clusters": clusters, "duplicates": members - clusters, "documents_in_clusters": members,
            "cluster_sizes": size_histogram(by_size)}
    return summaries


def size_histogram(by_size: dict[int, int]) -> dict[str, int]:
    """Clusters by size: each size from 2 to 10, then decades (11-100, 101-1000, ...)."""
    bins: dict[str, int] = {}
    for size, n in sorted(by_size.items()):
        if size <= 10:
            label = str(size)
        else:
            upper = 10 ** len(str(size - 1))
            label = f"{upper // 10 + 1}-{upper}"
        bins[label] = bins.get(label, 0) + n
    return bins


@dataclass(frozen=True)
class Dedup(Stage):
    """Phase 1 once, on the whole input; then each input file a unit of phase 2 (see the module's docstring)."""

    name: ClassVar[str] = "dedup"
    options: DedupOptions
    slice_bytes: int = SLICE_BYTES  # a Parquet input is read in runs of row groups of up to this many bytes
    on_error: str = "fail"

    def fingerprint(self) -> dict:
        return {**self.options.fingerprint(), "slice_bytes": self.slice_bytes}

    def split(self, location: str) -> list[tuple[int, int]] | None:
        return row_group_slices(location, self.slice_bytes)

    def write(self, spark, out: OutputDir, inputs: list[str], progress: bool) -> tuple[dict, list[dict]]:
        if not out.fs.exists(out.join(SUMMARY)):
            cluster(spark, planned_units(self, inputs), out, self.options, progress, skip=self.skips)
        return run_units(spark, self, out, inputs, progress)

    def process(self, unit: Unit) -> Done:
        """Phase 2 for one unit: its rows with the dedup columns (a unit the clustering skipped is skipped)."""
        skipped = unit.out.read_json(SUMMARY).get("skipped", {})
        if unit.id in skipped:
            raise BadDocuments(skipped[unit.id])
        clustered = _clustered_rows(unit.out, unit.index)
        columns = self.options.columns()
        fields = [pa.field(name, pa.string()) if i % 2 == 0 else pa.field(name, pa.bool_())
                  for pair in columns for i, name in enumerate(pair)]
        stats, duplicates = Stats(), [0] * len(columns)
        schema, batches = open_documents(unit.location, span=unit.span)
        files = []
        if schema is not None:
            # a rerun on dedup output replaces its columns, those of other thresholds too
            kept_fields = [field for field in schema if not DEDUP_COLUMN.match(field.name)]
            report = UnitReport(unit.out, unit.id, stats)

            def tables():
                start = batches.first
                for batch in batches:
                    arrays = [batch.column(field.name) for field in kept_fields]
                    for t in range(len(columns)):
                        cluster_ids, flags = _fill(clustered.get(t), start, batch.num_rows)
                        duplicates[t] += int(flags.sum())
                        arrays += [pa.array(cluster_ids, type=pa.string()), pa.array(flags)]
                    start += batch.num_rows
                    stats.keep(batch.num_rows)
                    yield pa.Table.from_arrays(arrays, schema=pa.schema(kept_fields + fields))
                    report.advance(start - batches.first, batches.rows)

            files = [unit.write_parquet(tables(), pa.schema(kept_fields + fields))]
        return Done(files, stats, {"duplicates": duplicates})

    def summarize(self, out: OutputDir, records: list[dict]) -> dict:
        """The clusters for _stats.json, after checking that the rewrite saw the rows the clustering saw."""
        summary = out.read_json(SUMMARY)
        records = [record for record in records if record["status"] == "ok"]  # not those skipped
        read = sum(record["stats"]["read"] for record in records)
        if read != summary["documents"]:
            raise StageFailed(f"the inputs changed since they were clustered ({summary['documents']} documents, "
                              f"now {read}): rerun with --overwrite")
        by_threshold = summary["by_threshold"]
        for t, (name, found) in enumerate(by_threshold.items()):
            marked = sum(record["duplicates"][t] for record in records)
            if marked != found["duplicates"]:
                raise StageFailed(f"{name}: {marked} rows marked as duplicates, but the clusters hold "
                                  f"{found['duplicates']}: rerun with --overwrite")
        first = next(iter(by_threshold.values()))
        return {"mode": self.options.mode, "documents": read, "clusters": first["clusters"],
                "duplicates": first["duplicates"], "cluster_sizes": first["cluster_sizes"],
                **{k: v for k, v in summary.items() if k != "documents"}}


def _clustered_rows(out: OutputDir, index: int) -> dict[int, tuple[np.ndarray, list, np.ndarray]]:
    """{t: (rows, dup_cluster, is_duplicate)} of one input's clustered rows, rows ascending."""
    path = out.join(CLUSTERS, f"unit-{index}.parquet")
    if not out.fs.exists(path):
        return {}
    with out.fs.open(path, "rb") as handle:
        table = pq.read_table(handle)
    t = table.column("t").to_numpy()
    found = {}
    for threshold in np.unique(t):
        part = table.filter(pa.array(t == threshold))
        found[int(threshold)] = (part.column("row").to_numpy(), part.column("dup_cluster").to_pylist(),
                                 part.column("is_duplicate").to_numpy(zero_copy_only=False))
    return found


def _fill(clustered: tuple | None, start: int, count: int) -> tuple[list, np.ndarray]:
    """dup_cluster and is_duplicate of rows [start, start + count): null and False outside clusters."""
    cluster_ids, flags = [None] * count, np.zeros(count, dtype=bool)
    if clustered is not None:
        rows, ids, duplicate = clustered
        lo, hi = np.searchsorted(rows, [start, start + count])
        for position, row in enumerate(rows[lo:hi].tolist(), start=lo):
            cluster_ids[row - start] = ids[position]
        flags[rows[lo:hi] - start] = duplicate[lo:hi]
    return cluster_ids, flags


def run_dedup(spark, inputs: list[str], output: str, options: DedupOptions = DedupOptions(), overwrite: bool = False,
              progress: bool = True, on_error: str = "fail", slice_bytes: int = SLICE_BYTES) -> dict:
    """Deduplicate the documents of `inputs` into `output`; returns the job's stats. `on_error="skip"` leaves out
    a unit that cannot be read, or whose task still raises on its last attempt, naming it in the stats."""
    return run_stage(spark, Dedup(options, slice_bytes, on_error), inputs, output, overwrite=overwrite,
                     progress=progress)
