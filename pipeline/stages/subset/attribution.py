"""The credit a subset's kept documents require: those under an attribution or share-alike licence (CC BY, CC
BY-SA, ODC-BY, ODbL, ...) by their source's `meta.attribution`, or, for web pages, by their URL, listed in a
file of the dataset that the card points at. Counted by Spark in the subset job."""

from collections.abc import Iterator

import pyarrow as pa
from pyspark.sql import functions as F

from pipeline.stages.subset.decisions import REASON, decisions
from pipeline.stages.subset.plan import SubsetPlan
from pipeline.storage.output_dir import OutputDir

CREDITED_TIERS = ("attribution", "share_alike")  # licences whose terms require credit (licenses/spdx.py)
URLS_FILE = "attribution/urls.tsv"
URLS_HEADER = b"license\turl\n"
URLS_BATCH = 10_000


def attributions(plan: SubsetPlan, frame, cutoffs: dict | None, out: OutputDir) -> tuple[dict | None, list[dict]]:
    """What `_stats.json` says of the credit the kept documents require (None when the inputs have no
    `license_tier`), and the URL file when web pages need it."""
    names = plan.schema.names
    if "license_tier" not in names:
        return None, []
    credit = F.col("meta")["attribution"] if "meta" in names and pa.types.is_map(plan.schema.field("meta").type) \
        else F.lit(None).cast("string")
    url = F.col("url") if "url" in names else F.lit(None).cast("string")
    source = F.col("source") if "source" in names else F.lit(None).cast("string")
    kept = (decisions(plan, frame, cutoffs).filter(F.col(REASON).isNull() & F.col("license_tier").isin(
        list(CREDITED_TIERS))).select(source.alias("source"), credit.alias("credit"), url.alias("url"),
                                      F.col("license")))
    rows = kept.groupBy("source", "credit", F.col("url").isNull().alias("no_url")).count().collect()
    sources: dict[tuple, int] = {}
    by_url = uncredited = 0
    for row in rows:
        if row["credit"] is not None:
            key = (row["source"], row["credit"])
            sources[key] = sources.get(key, 0) + row["count"]
        elif row["no_url"]:
            uncredited += row["count"]
        else:
            by_url += row["count"]
    files = []
    if by_url:
        pages = kept.filter(F.col("credit").isNull() & F.col("url").isNotNull()).select("license", "url") \
            .orderBy("url", "license")
        files.append(out.write_file(URLS_FILE, _url_lines(pages.toLocalIterator())))
    return {"documents": sum(sources.values()) + by_url + uncredited,
            "sources": [{"source": source, "attribution": text, "documents": count}
                        for (source, text), count in sorted(sources.items(), key=lambda kv: (-kv[1], str(kv[0])))],
            "web_pages": by_url, "urls_file": URLS_FILE if by_url else None, "uncredited": uncredited}, files


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
