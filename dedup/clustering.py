"""The Spark side of dedup, and the only dedup module that imports pyspark: LSH buckets into candidate pairs,
candidate verification, connected components on DataFrames, and each cluster's representative.

Every step is a set operation on the rows' values (never on their order or partitioning), so the result is
the same with 1 or 100 partitions, locally or on a cluster. Frames:

    documents (fuzzy)   key long, id string, signature binary (128 uint32, null: none), buckets array<long>,
                        and text string when edges are verified on exact Jaccard
    documents (exact)   key long, id string, crawl string, dkey binary (null: no key)
    edges               t int, a long, b long      (undirected; t: the threshold's index)
    assignments         t int, key long, dup_cluster string, is_duplicate boolean, size long
"""

from collections.abc import Iterator
from functools import partial

import numpy as np
import pyarrow as pa
from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F

from dedup.lsh import estimated_jaccard, jaccard
from signals.text import normalize

EDGE_SCHEMA = "t int, a long, b long"
# Buckets are almost always a handful of documents: every pair in one of up to BUCKET_HEADS + 1 is verified; a
# larger bucket (boilerplate shared by thousands of pages) pairs each member with its first BUCKET_HEADS only.
BUCKET_HEADS = 32


def bucket_edges(documents: DataFrame, bands_per_scheme: list[int], heads: int = BUCKET_HEADS) -> DataFrame:
    """(t, a, b, partial): each document of a bucket paired with every one of the bucket's first `heads` documents
    (all pairs in a bucket of up to heads + 1), never all pairs of a large bucket.

    A document's `buckets` hold the bands of each banding scheme in turn; the scheme of a band is `t`. A bucket's
    documents are ordered by the hash of their id (then key), which does not depend on how the input is split
    into files; a pair is (later, earlier) in that order, so a pair sharing several buckets is one row. `partial`
    counts the buckets larger than heads + 1 (whose later members are not paired with each other) on one row
    of each such bucket."""
    bands = documents.select("key", F.xxhash64("id").alias("rank"), F.posexplode("buckets").alias("band", "bucket"))
    bands = (bands.withColumn("t", _scheme_of(F.col("band"), bands_per_scheme))
             .withColumn("n", F.row_number().over(Window.partitionBy("t", "bucket").orderBy("rank", "key"))))
    first = bands.where(F.col("n") <= heads).select("t", "bucket", F.col("key").alias("b"), F.col("n").alias("m"))
    overflow = (F.col("n") == heads + 2) & (F.col("m") == 1)  # one row per bucket larger than heads + 1
    return (bands.where(F.col("n") > 1).join(first, ["t", "bucket"]).where(F.col("m") < F.col("n"))
            .groupBy("t", F.col("key").alias("a"), "b").agg(F.sum(overflow.cast("int")).alias("partial")))


def _scheme_of(band: Column, bands_per_scheme: list[int]) -> Column:
    """The index of the scheme a band position belongs to."""
    scheme, end = F.lit(len(bands_per_scheme) - 1), sum(bands_per_scheme)
    for index in range(len(bands_per_scheme) - 2, -1, -1):
        end -= bands_per_scheme[index + 1]
        scheme = F.when(band < end, F.lit(index)).otherwise(scheme)
    return scheme.cast("int")


def verified_edges(candidates: DataFrame, documents: DataFrame, thresholds: list[float], exact: bool) -> DataFrame:
    """(t, a, b) for each candidate pair whose similarity reaches thresholds[t]: the signatures' estimated
    Jaccard, or with `exact` the exact Jaccard of the two texts' 13-gram sets."""
    column = "text" if exact else "signature"
    side = documents.where(F.col(column).isNotNull()).select("key", column)
    pairs = (candidates.select("a", "b").distinct()
             .join(side.select(F.col("key").alias("a"), F.col(column).alias("x")), "a")
             .join(side.select(F.col("key").alias("b"), F.col(column).alias("y")), "b"))
    return pairs.select("a", "b", "x", "y").mapInArrow(
        partial(_verify_batches, thresholds=thresholds, exact=exact), EDGE_SCHEMA)


def _verify_batches(batches: Iterator[pa.RecordBatch], thresholds: list[float], exact: bool):
    for batch in batches:
        if exact:
            x, y = batch.column("x").to_pylist(), batch.column("y").to_pylist()
            similarity = np.array([jaccard(normalize(p), normalize(q)) for p, q in zip(x, y, strict=True)])
        else:
            similarity = estimated_jaccard(_uint32_rows(batch.column("x")), _uint32_rows(batch.column("y")))
        a, b = batch.column("a"), batch.column("b")
        for t, threshold in enumerate(thresholds):
            keep = similarity >= threshold
            if keep.any():
                mask = pa.array(keep)
                yield pa.RecordBatch.from_arrays(
                    [pa.array(np.full(int(keep.sum()), t, dtype=np.int32)), a.filter(mask), b.filter(mask)],
                    names=["t", "a", "b"])


def _uint32_rows(signatures: pa.Array) -> np.ndarray:
    """A binary column of equal-length signatures as an (n, width) uint32 array."""
    return np.frombuffer(b"".join(signatures.to_pylist()), dtype=np.uint32).reshape(len(signatures), -1)


def connected_components(edges: DataFrame) -> DataFrame:
    """(t, node, root) for every node of `edges`, root being the smallest node of its component in graph t.

    Large-star and small-star rounds alternate until the edge set no longer changes, when every component is
    a star around its smallest node (Kiveris et al., "Connected Components in MapReduce and Beyond", SoCC
    2014). Each round's edges are checkpointed, so the plan does not grow with the rounds."""
    current = (edges.select("t", F.greatest("a", "b").alias("u"), F.least("a", "b").alias("v"))
               .where(F.col("u") != F.col("v")).distinct().localCheckpoint())
    fingerprint = _fingerprint(current)
    while True:
        following = _small_star(_large_star(current)).localCheckpoint()
        following_fingerprint = _fingerprint(following)
        if following_fingerprint == fingerprint:
            break
        current, fingerprint = following, following_fingerprint
    roots = current.select("t", F.col("v").alias("node"), F.col("v").alias("root")).distinct()
    return current.select("t", F.col("u").alias("node"), F.col("v").alias("root")).unionByName(roots)


def _large_star(edges: DataFrame) -> DataFrame:
    """Every node's larger neighbours move to the smallest node of its neighbourhood (itself included)."""
    both = edges.unionByName(edges.select("t", F.col("v").alias("u"), F.col("u").alias("v")))
    smallest = F.least(F.col("u"), F.min("v").over(Window.partitionBy("t", "u")))
    return (both.withColumn("m", smallest).where(F.col("v") > F.col("u"))
            .select("t", F.col("v").alias("u"), F.col("m").alias("v")))


def _small_star(edges: DataFrame) -> DataFrame:
    """Every node and its smaller neighbours move to the smallest of those neighbours. Edges are (larger, smaller)."""
    marked = edges.withColumn("m", F.min("v").over(Window.partitionBy("t", "u")))
    moved = marked.where(F.col("v") != F.col("m")).select("t", F.col("v").alias("u"), F.col("m").alias("v"))
    return moved.unionByName(marked.select("t", "u", F.col("m").alias("v"))).distinct()


def _fingerprint(edges: DataFrame) -> tuple:
    """Count and two independent hash sums of the edge set: equal sets give equal fingerprints."""
    exact = "decimal(38,0)"  # sums of 64-bit hashes overflow a long
    row = edges.agg(F.count(F.lit(1)), F.sum(F.xxhash64("t", "u", "v").cast(exact)),
                    F.sum(F.hash("t", "u", "v").cast(exact))).first()
    return tuple(row)


def fuzzy_assignments(components: DataFrame, documents: DataFrame) -> DataFrame:
    """Assignments of the clustered documents: the representative is the smallest id (then key) of each cluster."""
    members = components.join(documents.select(F.col("key").alias("node"), "id"), "node")
    cluster = Window.partitionBy("t", "root")
    representative = F.min(F.struct("id", "node")).over(cluster)
    return (members.withColumn("rep", representative).withColumn("size", F.count(F.lit(1)).over(cluster))
            .select("t", F.col("node").alias("key"), F.col("rep.id").alias("dup_cluster"),
                    (F.col("node") != F.col("rep.node")).alias("is_duplicate"), "size"))


def exact_assignments(documents: DataFrame, prefer_newest: bool = True) -> DataFrame:
    """Assignments of the documents sharing a key with another: the representative is from the newest crawl
    (the oldest with `prefer_newest` False; no crawl counts as oldest), then the smallest id, then key."""
    crawl = F.col("crawl").desc_nulls_last() if prefer_newest else F.col("crawl").asc_nulls_first()
    ordered = Window.partitionBy("dkey").orderBy(crawl, "id", "key")
    keyed = (documents.where(F.col("dkey").isNotNull())
             .withColumn("size", F.count(F.lit(1)).over(Window.partitionBy("dkey")))
             .where(F.col("size") > 1)
             .withColumn("rank", F.row_number().over(ordered))
             .withColumn("dup_cluster", F.first("id").over(ordered)))
    return keyed.select(F.lit(0).alias("t"), "key", "dup_cluster", (F.col("rank") > 1).alias("is_duplicate"), "size")


def cluster_sizes(assignments: DataFrame) -> dict[int, dict[int, int]]:
    """{t: {cluster size: clusters of that size}}: a few rows whatever the data's size."""
    rows = assignments.groupBy("t", "size").agg(F.count(F.lit(1)).alias("members")).collect()
    sizes: dict[int, dict[int, int]] = {}
    for row in rows:
        sizes.setdefault(row["t"], {})[row["size"]] = row["members"] // row["size"]
    return sizes
