"""The slice: each document's draw is Spark's (the recipe sample's) number; the rows left out, and why, agree with
the options applied one by one to the generated fixture, ordered by the draws Spark gives."""

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipeline.readers.documents import BadDocuments
from pipeline.stages.subset.decisions import sample_draw
from pipeline.stages.translate.selection import Slice, check_columns, cutoff, draws, left_out
from tests.helpers.fineweb_edu import DUMPS, write_fineweb_edu


@pytest.fixture(scope="module")
def slice_inputs(tmp_path_factory) -> list[str]:
    return write_fineweb_edu(tmp_path_factory.mktemp("fineweb"), files=3, rows=40, seed=3)


def spark_draws(spark, ids: list[str], seed: int) -> dict[str, float]:
    frame = spark.createDataFrame([(i,) for i in ids], "id string").select("id", sample_draw(seed).alias("d"))
    return {row["id"]: row["d"] for row in frame.collect()}


@pytest.mark.parametrize("seed", [0, 7, -5, 2**40])
def test_the_draws_are_sparks(spark, seed):
    ids = ["<urn:uuid:0>", "", "é", "日本語のID", "a" * 100, *[f"doc-{n}" for n in range(50)]]
    assert dict(zip(ids, draws(ids, seed).tolist(), strict=True)) == spark_draws(spark, ids, seed)


def expected_reasons(spark, table: pa.Table, selection: Slice) -> list:
    """The options one by one on plain rows, the limit from the candidates sorted by Spark's draws."""
    rows = table.to_pylist()
    drawn = spark_draws(spark, [row["id"] for row in rows], selection.seed)
    tests = [("dump", lambda r: not selection.dumps or r["dump"] in selection.dumps),
             ("int_score", lambda r: selection.min_int_score is None or r["int_score"] >= selection.min_int_score),
             ("score", lambda r: selection.min_score is None or r["score"] >= selection.min_score),
             ("fraction", lambda r: selection.fraction is None or drawn[r["id"]] < selection.fraction)]
    reasons = [next((name for name, passes in tests if not passes(row)), None) for row in rows]
    if selection.limited:
        candidates = sorted((drawn[row["id"]], row["id"], row["token_count"]) for row, why in zip(rows, reasons,
                                                                                                 strict=True)
                            if why is None)
        kept, tokens = set(), 0
        for _draw, id, count in candidates:
            tokens += count
            if len(kept) == (selection.max_docs or len(candidates)) or (
                    selection.max_tokens is not None and tokens > selection.max_tokens):
                break
            kept.add(id)
        limit = "max_docs" if selection.max_docs is not None else "max_tokens"
        reasons = [limit if why is None and row["id"] not in kept else why for row, why in zip(rows, reasons,
                                                                                               strict=True)]
    return reasons


@pytest.mark.parametrize("selection", [
    Slice(),
    Slice(dumps=DUMPS[:2], min_int_score=3),
    Slice(min_score=2.5, fraction=0.5, seed=11),
    Slice(dumps=(DUMPS[0],), max_docs=7, seed=2),
    Slice(min_int_score=2, max_tokens=2000, seed=5),
    Slice(dumps=("CC-MAIN-1999-01",), max_docs=3),  # nothing to keep
])
def test_the_rows_left_out_and_why(spark, slice_inputs, selection):
    table = pa.concat_tables(pq.read_table(path) for path in slice_inputs)
    last = cutoff(spark, slice_inputs, selection) if selection.limited else None
    assert left_out(table, selection, last) == expected_reasons(spark, table, selection)


def test_a_column_the_selection_reads_must_be_there(tmp_path, slice_inputs):
    bare = tmp_path / "bare.parquet"
    pq.write_table(pq.read_table(slice_inputs[0]).drop_columns(["int_score"]), bare)
    check_columns([str(bare)], Slice(dumps=DUMPS))  # reads no int_score
    with pytest.raises(BadDocuments, match=rf"{bare}: --min-int-score reads the `int_score` column, which it lacks"):
        check_columns([str(bare)], Slice(min_int_score=3))


def test_a_limit_keeps_the_same_documents_however_the_inputs_are_split(spark, slice_inputs, tmp_path):
    whole = tmp_path / "whole.parquet"
    pq.write_table(pa.concat_tables(pq.read_table(path) for path in slice_inputs), whole)
    for selection in (Slice(max_docs=10, seed=4), Slice(max_tokens=1500, seed=4)):
        assert cutoff(spark, [str(whole)], selection) == cutoff(spark, slice_inputs, selection) is not None
