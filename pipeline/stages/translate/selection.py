"""The slice of FineWeb-Edu a translation job reads: by dump, `int_score` and `score`, a hash-deterministic fraction,
then at most N documents or N tokens.

Each document gets a draw in [0, 1) from its id and the seed, the same number a recipe's `sample` gives it
(`sample_draw` in pipeline/stages/subset/decisions.py): `--fraction F` keeps the draws below F, and `--max-docs` /
`--max-tokens` keep the documents of the lowest (draw, id) that fit, across all inputs. That limit is settled once,
on the driver, as the (draw, id) of the last document kept (`cutoff`); each unit then decides its own documents in
Python from their draws (`draws` computes Spark's very numbers), so every language's unit of an input translates
the same documents, on any partitioning and in any rerun."""

import struct
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import xxhash
from pyspark.sql import Window
from pyspark.sql import functions as F

from pipeline.readers.documents import BadDocuments, document_columns
from pipeline.stages.subset.decisions import HASH_RANGE, sample_draw

SPARK_SEED = 42  # the seed Spark's xxhash64() starts from (XxHash64's default)
Cutoff = tuple[float, str]  # the (draw, id) of the last document a limit keeps


@dataclass(frozen=True)
class Slice:
    """The selection options; every one left unset keeps every document."""

    dumps: tuple[str, ...] = ()  # `dump` equal to one of these
    min_int_score: int | None = None  # `int_score >= N`
    min_score: float | None = None  # `score >= X`
    fraction: float | None = None  # draws below F
    seed: int = 0
    max_docs: int | None = None  # then the first N documents by (draw, id)
    max_tokens: int | None = None  # or the first ones whose `token_count` add up to at most N

    @property
    def limited(self) -> bool:
        return self.max_docs is not None or self.max_tokens is not None

    def needs(self) -> dict[str, str]:
        """The columns the selection reads beyond `id`, each with the option that reads it."""
        wanted = (("dump", "--dumps", bool(self.dumps)), ("int_score", "--min-int-score", self.min_int_score),
                  ("score", "--min-score", self.min_score), ("token_count", "--max-tokens", self.max_tokens))
        return {column: option for column, option, given in wanted if given is not None and given is not False}


def check_columns(inputs: Iterable[str], selection: Slice) -> None:
    """Refuse, before Spark starts, an input that lacks a column the selection reads (BadDocuments naming it)."""
    for location in inputs:
        names = document_columns(location) or []
        for column, option in selection.needs().items():
            if column not in names:
                raise BadDocuments(f"{location}: {option} reads the `{column}` column, which it lacks (FineWeb-Edu "
                                   "has text, id, dump, url, date, file_path, language, language_score, "
                                   "token_count, score, int_score)")


def draws(ids: Iterable[str], seed: int) -> np.ndarray:
    """Each id's draw: Spark's `pmod(xxhash64(id, seed), 2^53) / 2^53`, computed here.

    Spark hashes the id's UTF-8 bytes with XXH64 from seed 42, then the seed's bytes (4 little-endian bytes for an
    int literal, 8 for a long) from that hash; pmod of the signed result is the unsigned one's remainder."""
    packed = struct.pack("<i", seed) if -2**31 <= seed < 2**31 else struct.pack("<q", seed)
    values = [xxhash.xxh64_intdigest(packed, xxhash.xxh64_intdigest(id.encode(), SPARK_SEED)) % (1 << 53)
              for id in ids]
    return np.array(values, dtype=np.float64) / HASH_RANGE


def left_out(table: pa.Table, selection: Slice, cutoff: Cutoff | None) -> list[str | None]:
    """Per row, the first reason the slice leaves it out (`dump`, `int_score`, `score`, `fraction`, `max_docs`,
    `max_tokens`), None for a row translated. A null value fails its test, as in Spark's filter."""
    rows = table.num_rows
    ids = table.column("id").to_pylist()
    drawn = draws(ids, selection.seed)
    tests: list[tuple[str, np.ndarray]] = []
    if selection.dumps:
        tests.append(("dump", _true(pc.is_in(table.column("dump"), pa.array(selection.dumps, pa.string())))))
    if selection.min_int_score is not None:
        tests.append(("int_score", _true(pc.greater_equal(table.column("int_score"), selection.min_int_score))))
    if selection.min_score is not None:
        tests.append(("score", _true(pc.greater_equal(table.column("score"), selection.min_score))))
    if selection.fraction is not None:
        tests.append(("fraction", drawn < selection.fraction))
    if selection.limited:
        within = np.array([cutoff is not None and (float(d), i) <= cutoff for d, i in zip(drawn, ids, strict=True)],
                          dtype=bool)
        tests.append(("max_docs" if selection.max_docs is not None else "max_tokens", within))
    reasons: list[str | None] = [None] * rows
    for name, passed in reversed(tests):  # the first test failed wins
        for i in np.flatnonzero(~passed).tolist():
            reasons[i] = name
    return reasons


def _true(mask: pa.ChunkedArray) -> np.ndarray:
    """A boolean Arrow column as numpy, null as false."""
    return pc.fill_null(mask, False).to_numpy(zero_copy_only=False).astype(bool)


def cutoff(frame, selection: Slice) -> Cutoff | None:
    """The (draw, id) of the last document `--max-docs` or `--max-tokens` keeps of the documents `frame` holds
    (Spark; read with at least the columns the selection needs); None when none is kept. The kept are the
    candidates of the lowest (draw, id): the first N, or those whose token counts add up to at most N."""
    candidates = frame.filter(F.col("id").isNotNull() & F.col("text").isNotNull()).withColumn(
        "id", F.col("id").cast("string"))
    if selection.dumps:
        candidates = candidates.filter(F.col("dump").isin(list(selection.dumps)))
    if selection.min_int_score is not None:
        candidates = candidates.filter(F.col("int_score") >= F.lit(selection.min_int_score))
    if selection.min_score is not None:
        candidates = candidates.filter(F.col("score") >= F.lit(selection.min_score))
    candidates = candidates.withColumn("_draw", sample_draw(selection.seed))
    if selection.fraction is not None:
        candidates = candidates.filter(F.col("_draw") < F.lit(selection.fraction))
    if selection.max_docs is not None:
        kept = candidates.orderBy("_draw", "id").limit(selection.max_docs)
    else:
        # a running sum over every candidate in (draw, id) order: one partition, which a slice's few columns allow
        running = Window.orderBy("_draw", "id").rowsBetween(Window.unboundedPreceding, Window.currentRow)
        kept = candidates.withColumn("_tokens", F.sum(F.coalesce(F.col("token_count"), F.lit(0))).over(running)) \
            .filter(F.col("_tokens") <= F.lit(selection.max_tokens))
    last = kept.agg(F.max(F.struct(F.col("_draw"), F.col("id"))).alias("last")).collect()[0]["last"]
    return None if last is None else (float(last["_draw"]), str(last["id"]))
