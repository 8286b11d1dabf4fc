"""The credit a subset's kept documents require: those under an attribution or share-alike licence (CC BY, CC
BY-SA, ODC-BY, ODbL, ...) by their source's `meta.attribution`, or, for web pages, by their URL, listed in a
file of the dataset that the card points at. Counted by Spark in the subset's first pass (decisions.py)."""

from collections import Counter
from collections.abc import Iterator

import pyarrow as pa
from pyspark.sql import functions as F

from pipeline.stages.subset.plan import SubsetPlan
from pipeline.storage.output_dir import OutputDir

CREDITED_TIERS = ("attribution", "share_alike")  # licences whose terms require credit (licenses/spdx.py)
URLS_FILE = "attribution/urls.tsv"
URLS_HEADER = b"license\turl\n"
URLS_BATCH = 10_000
# the first pass's grouping columns: null but for documents in CREDITED_TIERS
CREDIT_SOURCE, CREDIT, CREDIT_URL = "_credit_source", "_credit", "_credit_url"


def credit_columns(plan: SubsetPlan) -> list:
    """Per document in CREDITED_TIERS: its source, its `meta.attribution` and whether it has a URL (all null for
    other documents); none when the inputs have no `license_tier`."""
    names = plan.schema.names
    if "license_tier" not in names:
        return []
    credited = F.col("license_tier").isin(list(CREDITED_TIERS))
    credit = F.col("meta")["attribution"] if "meta" in names and pa.types.is_map(plan.schema.field("meta").type) \
        else F.lit(None).cast("string")
    has_url = F.col("url").isNotNull() if "url" in names else F.lit(False)
    source = F.col("source") if "source" in names else F.lit(None).cast("string")
    return [F.when(credited, source).alias(CREDIT_SOURCE), F.when(credited, credit).alias(CREDIT),
            F.when(credited, has_url).alias(CREDIT_URL)]


def credit_summary(counts: Counter) -> dict:
    """What `_stats.json` says of the credit, from the kept documents counted by (source, attribution, has URL)."""
    sources: Counter = Counter()
    for (source, text, _), count in counts.items():
        if text is not None:
            sources[source, text] += count
    by_url = sum(count for (_, text, has_url), count in counts.items() if text is None and has_url)
    return {"documents": sum(counts.values()),
            "sources": [{"source": source, "attribution": text, "documents": count}
                        for (source, text), count in sorted(sources.items(), key=lambda kv: (-kv[1], str(kv[0])))],
            "web_pages": by_url, "urls_file": URLS_FILE if by_url else None,
            "uncredited": sum(counts.values()) - sum(sources.values()) - by_url}


def write_urls(out: OutputDir, kept) -> dict:
    """attribution/urls.tsv: the licence and URL of each kept web page that needs credit and has no attribution
    from its source, sorted by URL (one more pass, only when there are such pages)."""
    pages = kept.filter(F.col("license_tier").isin(list(CREDITED_TIERS)) & F.col("url").isNotNull())
    if "meta" in kept.columns:
        pages = pages.filter(F.col("meta")["attribution"].isNull())
    rows = pages.select("license", "url").orderBy("url", "license").toLocalIterator()
    return out.write_file(URLS_FILE, _url_lines(rows))


def _url_lines(rows) -> Iterator[bytes]:
    """The file's lines as byte chunks, a batch of rows at a time (tabs and line breaks in a URL as spaces)."""
    yield URLS_HEADER
    batch = []
    for row in rows:
        batch.append(f"{row['license'] or ''}\t{' '.join(row['url'].split())}\n")
        if len(batch) == URLS_BATCH:
            yield "".join(batch).encode()
            batch = []
    yield "".join(batch).encode()
