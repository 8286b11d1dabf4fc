"""Fixtures shared by the pipeline tests: the parity documents with their signals, and a subset made of them."""

from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from tests.helpers.paths import SHARED
from tests.helpers.subsets import planted_clusters, subset_recipe


@pytest.fixture(scope="session")
def parity_signals(spark, shared_data, tmp_path_factory) -> Path:
    """The parity documents (real web pages) with their signals, as `curate signals --export rpv2` writes them:
    computed once for the signal, export, subset and report tests (the export only adds files under `_rpv2/`,
    which readers of the documents skip)."""
    from pipeline.stages.signals.run import run_signals

    out = tmp_path_factory.mktemp("parity") / "signals"
    run_signals(spark, [str(SHARED / "parity" / "public.jsonl")], str(out), str(shared_data / "artifacts"),
                progress=False, export="rpv2")
    return out


@pytest.fixture(scope="session")
def deduplicated(parity_signals, tmp_path_factory) -> Path:
    """The signals as `curate dedup` leaves them (docs/architecture.md's contract): planted exact copies of some
    documents, every member of a cluster with `dup_cluster` = the original's id, `is_duplicate` true for the copies."""
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
    from pipeline.stages.subset.plan import plan_subset
    from pipeline.stages.subset.run import run_subset
    from recipes.loader import parse_recipe

    out = tmp_path_factory.mktemp("parity") / "subset"
    run_subset(spark, plan_subset(parse_recipe(subset_recipe(deduplicated, out), "parity-subset.yaml")))
    return out


