"""`curate demo`: the demo crawl (or files of a real one) and its pipeline file written, then run as `curate run`
runs it, printing what came out."""

import os

import pyarrow.parquet as pq

from dedup.lsh import jaccard
from pipeline.console import print_clusters, print_documents
from pipeline.demo.crawl import planted_copies, write_demo_crawl
from pipeline.stages.run.runner import run_pipeline
from pipeline.stages.run.spec import dedup_options, load_pipeline
from pipeline.storage.locations import shown_path
from pipeline.storage.output_dir import OutputDir
from signals.text import normalize

DEMO_PIPELINE = """\
# The demo's pipeline (docs/pipeline.md): paths are relative to this file. Edit it and run
# `curate run {pipeline}` (or `curate demo` again): only what your change affects runs again.
output: .
inputs:
{inputs}
dedup:
  thresholds: [0.8]
recipes: [demo-recipe.yaml]
"""

DEMO_INPUTS = "  files: [crawl]   # the generated crawl"
CRAWL_INPUTS = """\
  crawl: {crawl}
  segments: "{segments}"
  limit_files: {limit_files}
ingest:
  limit_records: {limit_records}"""

DEMO_RECIPE = """\
name: demo
description: The demo crawl without its duplicates and its repetitive pages.
inputs:
  - path: dedup   # the pipeline gives the subset its inputs and its folder
filters:
  repetition: "rps_doc_frac_chars_dupe_10grams <= 0.1"   # Gopher's threshold (recipes/gopher.yaml)
dedup: {fuzzy: true}
output:
  path: subset
card:
  license: other
  pretty_name: curate demo subset
"""


def write_demo(output: str, crawl: dict | None = None) -> str:
    """The demo's files under `output`: the generated crawl (unless `crawl` names a real one: its crawl, segments,
    limit_files, limit_records), and the pipeline file and recipe when absent (an edited one is kept); returns the
    pipeline file's path."""
    os.makedirs(output, exist_ok=True)
    pipeline = os.path.join(output, "pipeline.yaml")
    inputs = CRAWL_INPUTS.format(**crawl) if crawl else DEMO_INPUTS
    if crawl is None:
        write_demo_crawl(os.path.join(output, "crawl"))
    for path, text in ((pipeline, DEMO_PIPELINE.format(pipeline=pipeline, inputs=inputs)),
                       (os.path.join(output, "demo-recipe.yaml"), DEMO_RECIPE)):
        if os.path.exists(path):
            print(f"{path} exists: run as it is")
        else:
            with open(path, "w", encoding="utf-8") as handle:
                handle.write(text)
    return pipeline


def run_demo(session, output: str, progress: bool = True, crawl: dict | None = None) -> int:
    """Write the demo (`write_demo`) and run its pipeline (Spark from `session`, started only when a step runs),
    then print what came out: documents, the planted spam's signal, the clusters and the planted copies. Returns
    the exit status (the audit's)."""
    loaded = load_pipeline(write_demo(output, crawl))
    status = run_pipeline(session, loaded, progress)
    documents, signals, deduped, subset = (os.path.join(loaded.root, name)
                                           for name in ("documents", "signals", "dedup", "subset"))
    print_documents(documents, books(documents))
    table = pq.read_table(signals, columns=["url", "rps_doc_word_count", "rps_doc_frac_chars_dupe_10grams"])
    spam = [row for row in table.to_pylist() if "/spam/" in row["url"]]
    print(f"\nRedPajama-V2 signals for {table.num_rows} documents in {signals}/ (no artifacts: stop-word and "
          "LDNOOBW signals are null)")
    if spam:
        share = sum(row["rps_doc_frac_chars_dupe_10grams"] for row in spam) / len(spam)
        print(f"the planted spam pages repeat themselves: mean rps_doc_frac_chars_dupe_10grams {share:.2f}")
    print_clusters(books(deduped))
    rows = pq.read_table(deduped, columns=["url", "text", "dup_cluster", "is_duplicate"]).to_pylist()
    for line in planted_report(rows, dedup_options(loaded.pipeline).thresholds[0]):
        print(line)
    if not os.path.exists(os.path.join(subset, "_SUCCESS")):  # an edited pipeline's subsets are elsewhere
        return status
    print(f"\nthe recipe {os.path.join(output, 'demo-recipe.yaml')} kept {books(subset)['kept']} documents: "
          f"Hugging Face shards in {subset}/data/, the dataset card {subset}/README.md")
    print(f"report: {shown_path(os.path.join(subset, 'report.html'))}")
    return status


def books(folder: str) -> dict:
    return OutputDir(folder).read_json("_stats.json")


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
