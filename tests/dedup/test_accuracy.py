"""Fuzzy dedup measured against the exact Jaccard similarity of every pair, on a corpus generated here:
families of a base document and copies carrying 0 to 40 word edits, plus unrelated documents."""

import itertools
from collections import Counter, defaultdict

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipeline.stages.dedup import DedupOptions, run_dedup
from tests.helpers.near_duplicates import CorpusShape, near_duplicate_corpus, shingle_sets

THRESHOLD = 0.8
# The estimate from 128 permutations has a standard deviation of at most 0.035 around 0.8, so an edge can be
# kept for a pair whose true Jaccard is up to 3 standard deviations (0.1) below the threshold: such pairs are
# the "true near-duplicates" that may chain two dissimilar documents into one cluster.
CHAIN = THRESHOLD - 0.1
SHAPE = CorpusShape(families=150, copies=6, unrelated=1000, words=1500, max_edits=40, seed=7)


def true_jaccard(sets: list[set[int]]) -> dict[tuple[int, int], float]:
    """The exact Jaccard of every pair that shares a shingle (every other pair has Jaccard 0): the shingles sorted
    with their documents, each shingle's group of documents counted once per set of documents."""
    shingles = np.fromiter(itertools.chain.from_iterable(sets), dtype=np.int64)
    docs = np.repeat(np.arange(len(sets)), [len(shingles_of) for shingles_of in sets])
    order = np.lexsort((docs, shingles))
    shingles, docs = shingles[order], docs[order]
    starts = np.flatnonzero(np.r_[True, shingles[1:] != shingles[:-1]])
    sizes = np.diff(np.r_[starts, len(shingles)])
    many = sizes > 1
    groups = Counter(tuple(docs[start:start + size].tolist())
                     for start, size in zip(starts[many], sizes[many], strict=True))
    shared: Counter = Counter()
    for group, count in groups.items():
        for pair in itertools.combinations(group, 2):
            shared[pair] += count
    return {(a, b): n / (len(sets[a]) + len(sets[b]) - n) for (a, b), n in shared.items()}


@pytest.fixture(scope="module")
def measured(spark, tmp_path_factory):
    documents = near_duplicate_corpus(SHAPE)
    root = tmp_path_factory.mktemp("accuracy")
    for part in range(4):
        pq.write_table(pa.Table.from_pylist([{"id": d["id"], "text": d["text"]} for d in documents[part::4]]),
                       root / f"docs-{part}.parquet")
    inputs = [str(root / f"docs-{part}.parquet") for part in range(4)]
    results = {}
    for verify in ("minhash", "none"):
        out = root / f"out-{verify}"
        stats = run_dedup(spark, inputs, str(out), DedupOptions(thresholds=(THRESHOLD,), verify=verify),
                          progress=False)
        rows = {row["id"]: row for row in pq.read_table(out, columns=["id", "dup_cluster", "is_duplicate"]).to_pylist()}
        results[verify] = ([rows[d["id"]] for d in documents], stats)
    return documents, true_jaccard(shingle_sets([d["text"] for d in documents])), results


def recall(rows: list[dict], jaccard: dict, at_least: float) -> tuple[float, int]:
    pairs = [(a, b) for (a, b), value in jaccard.items() if value >= at_least]
    found = sum(1 for a, b in pairs
                if rows[a]["dup_cluster"] is not None and rows[a]["dup_cluster"] == rows[b]["dup_cluster"])
    return found / len(pairs), len(pairs)


def test_recall_on_pairs_above_085(measured):
    documents, jaccard, results = measured
    found, pairs = recall(results["minhash"][0], jaccard, 0.85)
    assert pairs > 250  # the corpus has enough near-duplicates for the figure to mean something
    assert found >= 0.95, f"recall {found:.3f} on {pairs} pairs with Jaccard >= 0.85"


def test_verification_finds_more_than_redpajama_bands_alone(measured):
    _, jaccard, results = measured
    verified, _ = recall(results["minhash"][0], jaccard, 0.85)
    plain, _ = recall(results["none"][0], jaccard, 0.85)
    assert verified > plain


def test_dissimilar_documents_meet_only_through_chains_of_near_duplicates(measured):
    documents, jaccard, results = measured
    rows = results["minhash"][0]
    clusters = defaultdict(list)
    for doc, row in enumerate(rows):
        if row["dup_cluster"] is not None:
            clusters[row["dup_cluster"]].append(doc)
    for members in clusters.values():
        near = {doc: {doc} for doc in members}  # union-find over the cluster's pairs with Jaccard >= CHAIN
        for a, b in itertools.combinations(sorted(members), 2):
            if jaccard.get((a, b), 0.0) >= CHAIN and near[a] is not near[b]:
                merged = near[a] | near[b]
                for doc in merged:
                    near[doc] = merged
        for a, b in itertools.combinations(sorted(members), 2):
            if jaccard.get((a, b), 0.0) < 0.5:
                assert b in near[a], (documents[a]["id"], documents[b]["id"], jaccard.get((a, b), 0.0))


def test_unrelated_documents_are_left_alone(measured):
    documents, _, results = measured
    unrelated = [row for row, doc in zip(results["minhash"][0], documents, strict=True) if doc["family"] is None]
    flagged = sum(row["dup_cluster"] is not None for row in unrelated)
    assert flagged <= 0.005 * len(unrelated)


@pytest.mark.parametrize("verify", ["minhash", "none"])
def test_exactly_one_representative_per_cluster(measured, verify):
    documents, _, results = measured
    rows, stats = results[verify]
    clusters = defaultdict(list)
    for row in rows:
        if row["dup_cluster"] is not None:
            clusters[row["dup_cluster"]].append(row)
        else:
            assert row["is_duplicate"] is False
    for representative, members in clusters.items():
        assert len(members) > 1
        kept = [row["id"] for row in members if not row["is_duplicate"]]
        assert kept == [representative] == [min(row["id"] for row in members)]
    assert stats["clusters"] == len(clusters)
    assert stats["duplicates"] == sum(row["is_duplicate"] for row in rows)
    assert sum(int(size) * n for size, n in stats["cluster_sizes"].items() if "-" not in size) == \
        sum(len(m) for m in clusters.values() if len(m) <= 10)
    assert stats["read"] == stats["documents"] == len(documents)
