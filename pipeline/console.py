"""What a command prints at its end: its books as a table, the documents, the duplicate clusters."""

from collections import Counter

from pipeline.accounting import Stats
from pipeline.storage.locations import shown_path


def print_summary(output: str, stats: dict) -> None:
    books = Stats.from_dict(stats)
    if "rules" in stats:  # a subset lists its rules in recipe order, also when read back from _stats.json
        order = {rule: index for index, rule in enumerate(stats["rules"])}
        books.dropped = Counter(dict(sorted(books.dropped.items(), key=lambda kv: order.get(kv[0], len(order)))))
    print(f"\noutput: {shown_path(output)}")
    print(books.table(by_count="rules" not in stats))
    skipped = stats.get("inputs", {}).get("skipped") or []
    if skipped:
        print(f"skipped inputs ({len(skipped)}): " + ", ".join(skipped))
    for name, count in stats.get("counts", {}).items():
        print(f"{name}: {count:,}")


def print_documents(output: str, stats: dict) -> None:
    """What ingest made: the documents, their most frequent languages, and how to read them."""
    # late: both are slow to import, and every command imports this module (`curate --help` too)
    import fsspec
    import pyarrow.parquet as pq

    fs, root = fsspec.core.url_to_fs(output)
    where = shown_path(output)
    languages = pq.read_table(root, columns=["language"], filesystem=fs).column("language").value_counts()
    common = sorted(((item["counts"], item["values"]) for item in languages.to_pylist()),
                    key=lambda x: (-x[0], str(x[1])))
    print(f"\n{stats['kept']:,} document{'' if stats['kept'] == 1 else 's'} in {where}/ (Parquet)")
    print("languages: " + (", ".join(f"{lang} {n:,}" for n, lang in common[:12]) or "none"))
    print(f'read them with spark.read.parquet("{where}") or pandas.read_parquet("{where}")')


def print_clusters(stats: dict) -> None:
    """The dedup summary: clusters, duplicates and cluster sizes per threshold (or exact mode)."""
    for name, found in stats["by_threshold"].items():
        by_size = sorted(found["cluster_sizes"].items(), key=lambda item: int(item[0].split("-")[0]))  # 2 before 10
        sizes = ", ".join(f"{size}: {n:,}" for size, n in by_size) or "none"
        print(f"{name}: {found['clusters']:,} clusters, {found['duplicates']:,} duplicates of "
              f"{stats['documents']:,} documents; clusters by size: {sizes}")
