"""`curate demo`: the demo crawl (or files of a real one) through ingest, signals, dedup, a recipe's subset and its
report, printing what came out."""

import os

import pyarrow.parquet as pq

from dedup.lsh import jaccard
from pipeline.console import print_clusters, print_documents, print_summary
from pipeline.demo.crawl import planted_copies, write_demo_crawl
from pipeline.readers.documents import DOCUMENT_SUFFIXES
from pipeline.readers.langid import default_lid_model
from pipeline.readers.warc.documents import IngestOptions
from pipeline.stages.dedup import DedupOptions, run_dedup
from pipeline.stages.ingest import run_ingest
from pipeline.stages.report.page import run_report
from pipeline.stages.signals.run import run_signals
from pipeline.stages.subset.plan import plan_subset
from pipeline.stages.subset.run import run_subset
from pipeline.storage.inputs import expand_inputs
from pipeline.storage.locations import shown_path
from recipes.loader import load_recipe
from signals.text import normalize


def run_demo(spark, output: str, progress: bool = True, inputs: list[str] | None = None,
             limit_records: int | None = None) -> dict:
    """Ingest the demo crawl (generated under `output`), or `inputs` of a real crawl, into `output`/documents,
    add the signals (`output`/signals), mark the duplicates (`output`/dedup), then apply a recipe without the
    duplicates and the repetitive pages (`output`/subset, a dataset folder with its card) and draw its report,
    printing what came out."""
    if inputs is None:
        # absolute, so Spark's Python workers find it whatever their working directory
        inputs = [os.path.abspath(write_demo_crawl(os.path.join(output, "crawl")))]
    documents = os.path.join(output, "documents")
    stats = run_ingest(spark, inputs, documents, IngestOptions(limit_records=limit_records), default_lid_model(),
                       progress=progress, overwrite=True)
    print_summary(documents, stats)
    print_documents(documents, stats)

    signals = os.path.join(output, "signals")
    signal_stats = run_signals(spark, expand_inputs([documents], DOCUMENT_SUFFIXES), signals, progress=progress,
                               overwrite=True)
    print_summary(signals, signal_stats)
    table = pq.read_table(signals, columns=["url", "rps_doc_word_count", "rps_doc_frac_chars_dupe_10grams"])
    spam = [row for row in table.to_pylist() if "/spam/" in row["url"]]
    print(f"\nRedPajama-V2 signals for {signal_stats['kept']} documents in {signals}/ (no --artifacts: stop-word and "
          "LDNOOBW signals are null)")
    if spam:
        share = sum(row["rps_doc_frac_chars_dupe_10grams"] for row in spam) / len(spam)
        print(f"the planted spam pages repeat themselves: mean rps_doc_frac_chars_dupe_10grams {share:.2f}")

    deduped = os.path.join(output, "dedup")
    dedup_stats = run_dedup(spark, expand_inputs([signals], DOCUMENT_SUFFIXES), deduped, progress=progress,
                            overwrite=True)
    print_summary(deduped, dedup_stats)
    print_clusters(dedup_stats)
    rows = pq.read_table(deduped, columns=["url", "text", "dup_cluster", "is_duplicate"]).to_pylist()
    for line in planted_report(rows, DedupOptions().thresholds[0]):
        print(line)
    run_demo_subset(spark, output, deduped, progress)
    return stats


DEMO_RECIPE = """\
name: demo
description: The demo crawl without its duplicates and its repetitive pages.
inputs:
  - path: {input}
filters:
  repetition: "rps_doc_frac_chars_dupe_10grams <= 0.1"   # Gopher's threshold (recipes/gopher.yaml)
dedup: {{fuzzy: true}}
output:
  path: {output}
card:
  license: other
  pretty_name: curate demo subset
"""


def run_demo_subset(spark, output: str, deduped: str, progress: bool = True) -> None:
    """The demo's last steps: a recipe over the deduplicated signals, its dataset folder and its report."""
    subset = os.path.join(output, "subset")
    recipe = os.path.join(output, "demo-recipe.yaml")
    # the paths as given (`make demo`: relative to where it runs, as a recipe's are): the card shows the recipe,
    # and an absolute path would publish the folders of this machine
    with open(recipe, "w", encoding="utf-8") as handle:
        handle.write(DEMO_RECIPE.format(input=deduped, output=subset))
    stats = run_subset(spark, plan_subset(load_recipe(recipe)), overwrite=True, progress=progress)
    print_summary(subset, stats)
    print(f"\nthe recipe {recipe} kept {stats['kept']} documents: Hugging Face shards in {subset}/data/, "
          f"the dataset card {subset}/README.md")
    print(f"report: {shown_path(run_report(spark, subset, progress))}")


def planted_report(rows: list[dict], threshold: float) -> list[str]:
    """How dedup marked the planted copies; empty for a crawl without them (a real one)."""
    lines = []
    for planted, pairs in planted_copies(rows).items():
        if not pairs:
            continue
        marked = {copy["url"] for copy, original in pairs
                  if copy["dup_cluster"] is not None and copy["dup_cluster"] == original["dup_cluster"]}
        missed = [jaccard(normalize(copy["text"]), normalize(original["text"]))
                  for copy, original in pairs if copy["url"] not in marked]
        line = f"planted {planted} copies marked as duplicates of their originals: {len(marked)} of {len(pairs)}"
        below = [similarity for similarity in missed if similarity < threshold]
        if below:
            line += (f"; the other {len(below)} have a 13-gram Jaccard similarity of {min(below):.2f} to "
                     f"{max(below):.2f} with their original, below the threshold {threshold}")
        if len(below) < len(missed):
            line += f"; MISSED: {len(missed) - len(below)} at or above the threshold"
        lines.append(line)
    return lines
