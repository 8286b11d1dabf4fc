"""Fixtures shared by the pipeline tests: the parity documents with their signals, and a subset made of them."""

from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from tests.conftest import SHARED

SUBSET_RULES = {
    "word_count": "rps_doc_word_count BETWEEN 50 AND 100000",
    "repetition": "rps_doc_frac_chars_top_2gram <= 0.2 OR rps_doc_frac_chars_dupe_10grams <= 0.1",
    "stop_words": "rps_doc_stop_word_fraction >= 0.25",
}


@pytest.fixture(scope="session")
def parity_signals(spark, shared_data, tmp_path_factory) -> Path:
    """The parity documents (real web pages) with their signals, as `curate signals --export rpv2` writes them:
    computed once for the signal, export, subset and report tests (the export only adds files under `_rpv2/`,
    which readers of the documents skip)."""
    from pipeline.signals_stage import run_signals

    out = tmp_path_factory.mktemp("parity") / "signals"
    run_signals(spark, [str(SHARED / "parity" / "public.jsonl")], str(out), str(shared_data / "artifacts"),
                progress=False, export="rpv2")
    return out


def planted_clusters(rows: int) -> dict[int, int]:
    """Row index -> copies planted after it: every 10th document gets 1, 2, 4 or 8 copies."""
    return {index: (1, 2, 4, 8)[(index // 10) % 4] for index in range(0, rows, 10)}


@pytest.fixture(scope="session")
def deduplicated(parity_signals, tmp_path_factory) -> Path:
    """The signals as `curate dedup` leaves them (DESIGN.md's contract): planted exact copies of some documents,
    every member of a cluster with `dup_cluster` = the original's id, `is_duplicate` true for the copies."""
    table = pa.concat_tables(pq.read_table(path) for path in sorted(parity_signals.glob("*.parquet")))
    ids = table.column("id").to_pylist()
    copies = planted_clusters(table.num_rows)
    take, new_ids, cluster, duplicate = [], [], [], []
    for index, doc_id in enumerate(ids):
        members = copies.get(index, 0)
        take += [index] * (members + 1)
        new_ids += [doc_id] + [f"{doc_id}#copy{n}" for n in range(1, members + 1)]
        cluster += [doc_id if members else None] * (members + 1)
        duplicate += [False] + [True] * members
    out = tmp_path_factory.mktemp("parity") / "dedup"
    out.mkdir()
    planted = table.take(pa.array(take))
    planted = planted.set_column(planted.schema.get_field_index("id"), "id", pa.array(new_ids))
    planted = planted.append_column("dup_cluster", pa.array(cluster, pa.string()))
    planted = planted.append_column("is_duplicate", pa.array(duplicate))
    assert pc.sum(planted.column("is_duplicate")).as_py() == sum(copies.values())
    pq.write_table(planted, out / "part-00000.parquet")
    return out


@pytest.fixture(scope="session")
def parity_subset(spark, deduplicated, tmp_path_factory) -> Path:
    """A complete `curate subset` output: dedup, three rules, the default columns, several shards."""
    from pipeline.subset import plan_subset, run_subset
    from recipes.loader import parse_recipe

    out = tmp_path_factory.mktemp("parity") / "subset"
    run_subset(spark, plan_subset(parse_recipe(subset_recipe(deduplicated, out), "parity-subset.yaml")))
    return out


def subset_recipe(inputs: Path, output: Path, shard_size: str = "50KB") -> str:
    """The recipe of `parity_subset`: dedup, then SUBSET_RULES."""
    rules = "".join(f'  {name}: "{rule}"\n' for name, rule in SUBSET_RULES.items())
    return (f"name: parity-subset\ndescription: Parity pages with planted copies.\ninputs:\n  - path: {inputs}\n"
            f"dedup: {{exact: true}}\nfilters:\n{rules}output:\n  path: {output}\n  shard_size: {shard_size}\n"
            "card:\n  license: odc-by\n")
