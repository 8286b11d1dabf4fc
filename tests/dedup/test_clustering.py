"""The Spark side of dedup on its own: connected components against union-find, bucket pairs against all pairs."""

import itertools
import random
from collections import Counter

import pytest

from dedup.clustering import BUCKET_HEADS, bucket_edges, connected_components


def union_find(edges: list[tuple[int, int, int]]) -> dict[tuple[int, int], int]:
    """(t, node) -> the smallest node of its component, the plain sequential way."""
    parent: dict[tuple[int, int], tuple[int, int]] = {}

    def find(x):
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for t, a, b in edges:
        ra, rb = find((t, a)), find((t, b))
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    return {node: find(node)[1] for node in list(parent)}


def graphs() -> dict[str, list[tuple[int, int, int]]]:
    rng = random.Random(3)
    path = list(range(300))
    rng.shuffle(path)  # a long chain in random label order: the hard case for label propagation
    return {
        "chain": [(0, a, b) for a, b in zip(path, path[1:], strict=False)],
        "random sparse, two thresholds": [(t, rng.randrange(2000), rng.randrange(2000)) for t in (0, 1)
                                          for _ in range(1500)],
        "stars and cliques": [(0, 5000 + i, 5000) for i in range(1, 200)]
                             + [(0, 9000 + i, 9000 + j) for i in range(12) for j in range(i)],
        "self loops only": [(0, 7, 7)],
    }


@pytest.mark.parametrize("name", list(graphs()))
def test_components_equal_union_find(spark, name):
    edges = graphs()[name]
    frame = spark.createDataFrame(edges, "t int, a long, b long")
    got = {(row["t"], row["node"]): row["root"] for row in connected_components(frame).collect()}
    expected = {node: root for node, root in union_find([e for e in edges if e[1] != e[2]]).items()}
    assert got == expected


def pairs(frame) -> set[tuple[int, int, int]]:
    return {(row["t"], min(row["a"], row["b"]), max(row["a"], row["b"])) for row in frame.collect()}


def test_every_pair_of_a_small_bucket_is_a_candidate(spark):
    # a family shares its bucket whoever comes first in it: the first member may be the one unlike the others
    size = BUCKET_HEADS + 1
    rows = [(key, f"doc-{key}", [42, 7 if key < 3 else 1000 + key]) for key in range(size)]
    frame = bucket_edges(spark.createDataFrame(rows, "key long, id string, buckets array<long>"), [2])
    assert pairs(frame) == {(0, a, b) for a, b in itertools.combinations(range(size), 2)}
    assert frame.count() == len(pairs(frame))  # a pair sharing two buckets is one candidate
    assert frame.agg({"partial": "sum"}).first()[0] == 0


def test_a_bucket_of_many_documents_pairs_each_with_its_first_members_only(spark):
    # 3,000 boilerplate pages share one band: all pairs would be 4.5 million candidates
    rows = [(key, f"doc-{key:05d}", [42, 1000 + key]) for key in range(3000)]
    frame = bucket_edges(spark.createDataFrame(rows, "key long, id string, buckets array<long>"), [2])
    found = pairs(frame)
    assert len(found) <= BUCKET_HEADS * 3000
    degree = Counter(node for _, a, b in found for node in (a, b))
    assert set(degree) == set(range(3000))
    assert sum(d == 2999 for d in degree.values()) == BUCKET_HEADS  # the first pages, paired with every page
    assert frame.agg({"partial": "sum"}).first()[0] == 1  # counted once, as a bucket seen only in part


def test_each_scheme_groups_its_own_bands(spark):
    # scheme 0 has 2 bands, scheme 1 has 3: the same bucket value in different schemes is no link
    rows = [(1, "a", [7, 8, 9, 10, 11]), (2, "b", [7, 0, 1, 2, 3]), (3, "c", [4, 9, 6, 12, 13])]
    documents = spark.createDataFrame(rows, "key long, id string, buckets array<long>")
    assert pairs(bucket_edges(documents, [2, 3])) == {(0, 1, 2)}
