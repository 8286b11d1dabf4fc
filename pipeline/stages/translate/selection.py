"""The slice of FineWeb-Edu a translation job reads: by dump, `int_score` and `score`, a hash-deterministic fraction,
then at most N documents or N tokens.

Each document gets a draw in [0, 1) from its id and the seed, the same number a recipe's `sample` gives it
(`sample_draw` in pipeline/stages/subset/decisions.py): `--fraction F` keeps the draws below F, and `--max-docs` /
`--max-tokens` keep the documents of the lowest (draw, id) that fit, across all inputs. That limit is settled once,
before the units, as the (draw, id) of the last document kept (`cutoff`); each unit then decides its own documents
in Python from their draws (`draws` computes Spark's very numbers), so every language's unit of an input translates
the same documents, on any partitioning and in any rerun."""

import struct
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from functools import partial

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import xxhash
from pyspark.sql import Window
from pyspark.sql import functions as F

from pipeline.readers.documents import BadDocuments, document_columns, open_documents
from pipeline.stages.subset.decisions import HASH_RANGE

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


def cutoff(spark, inputs: list[str], selection: Slice) -> Cutoff | None:
    """The (draw, id) of the last document `--max-docs` or `--max-tokens` keeps of the inputs; None when none is
    kept. The kept are the candidates (the documents the other options keep) of the lowest (draw, id): the first N,
    or those whose token counts add up to at most N. The inputs are read on the executors as the units read them
    (local, HTTP, S3), each giving only the candidates the limit could keep; Spark orders those."""
    schema = "draw double, id string, tokens long"
    located = spark.createDataFrame([(location,) for location in inputs], "input string").repartition(len(inputs))
    found = located.mapInArrow(partial(_candidates, selection=selection), schema)
    if selection.max_docs is not None:
        kept = found.orderBy("draw", "id").limit(selection.max_docs)
    else:
        # a running sum over the candidates in (draw, id) order: one partition, which three columns allow
        running = Window.orderBy("draw", "id").rowsBetween(Window.unboundedPreceding, Window.currentRow)
        kept = found.withColumn("total", F.sum("tokens").over(running)).filter(
            F.col("total") <= F.lit(selection.max_tokens))
    last = kept.agg(F.max(F.struct(F.col("draw"), F.col("id"))).alias("last")).collect()[0]["last"]
    return None if last is None else (float(last["draw"]), str(last["id"]))


def _candidates(batches: Iterator[pa.RecordBatch], selection: Slice) -> Iterator[pa.RecordBatch]:
    """On an executor: per input, the candidates the limit could keep, as (draw, id, tokens)."""
    for batch in batches:
        for location in batch.column("input").to_pylist():
            found = _trimmed(sorted(_candidates_of(location, selection)), selection)
            if found:
                draw, id, tokens = zip(*found, strict=True)
                yield pa.RecordBatch.from_pydict({"draw": list(draw), "id": list(id), "tokens": list(tokens)})


def _candidates_of(location: str, selection: Slice) -> Iterator[tuple[float, str, int]]:
    """(draw, id, tokens) of each document of the input that has an id and a text and passes the options but the
    limit, as the units see them."""
    others = replace(selection, max_docs=None, max_tokens=None)
    wanted = ("id", "text", *selection.needs())
    _, batches = open_documents(location, lambda names: [name for name in wanted if name in names])
    for batch in batches:
        table = pa.Table.from_batches([batch])
        table = table.filter(pc.and_(table.column("id").is_valid(), table.column("text").is_valid()))
        table = table.set_column(table.schema.get_field_index("id"), "id", table.column("id").cast(pa.string()))
        table = table.filter(pa.array([why is None for why in left_out(table, others, None)], pa.bool_()))
        ids = table.column("id").to_pylist()
        tokens = pc.fill_null(table.column("token_count"), 0).to_pylist() if selection.max_tokens is not None \
            else [0] * len(ids)
        yield from zip(draws(ids, selection.seed).tolist(), ids, tokens, strict=True)


def _trimmed(found: list[tuple[float, str, int]], selection: Slice) -> list[tuple[float, str, int]]:
    """An input's candidates in (draw, id) order, cut to those the limit could keep of all inputs: its own first
    max_docs, or its own first max_tokens' worth (a document beyond them cannot be within the limit)."""
    if selection.max_docs is not None:
        return found[: selection.max_docs]
    total = 0
    for end, (_, _, count) in enumerate(found):
        total += count
        if total > selection.max_tokens:
            return found[:end]
    return found
