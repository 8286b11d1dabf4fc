"""A real chain of stage outputs, made by the stage functions from the demo crawl (cut into two WARC files, so that
the books are linked per file), and copies of it to damage."""

import os
import shutil
from pathlib import Path

import pyarrow.parquet as pq

from pipeline.demo.crawl import demo_records
from pipeline.demo.warc_writer import write_warc
from pipeline.readers.documents import DOCUMENT_SUFFIXES
from pipeline.readers.langid import default_lid_model
from pipeline.readers.warc.documents import IngestOptions
from pipeline.stages.dedup import run_dedup
from pipeline.stages.ingest import run_ingest
from pipeline.stages.signals.run import run_signals
from pipeline.stages.subset.plan import plan_subset
from pipeline.stages.subset.run import run_subset
from pipeline.storage.inputs import expand_inputs
from recipes.loader import load_recipe

RECIPE = """\
name: chain
inputs:
  - path: {input}
exclude:
  ids: ['{excluded}']
filters:
  repetition: "rps_doc_frac_chars_dupe_10grams <= 0.1"
dedup: {{fuzzy: true}}
output:
  path: {output}
"""


def write_crawl(directory: Path) -> list[str]:
    """The demo crawl's records in two WARC files."""
    directory.mkdir(parents=True, exist_ok=True)
    records = demo_records()
    halves = [records[: len(records) // 2], records[len(records) // 2:]]
    paths = [str(directory / f"CC-MAIN-2099-{number:05d}.warc.gz") for number in range(len(halves))]
    for path, half in zip(paths, halves, strict=True):
        write_warc(path, half)
    return paths


def build_chain(spark, root: Path, through: str = "subset", lid_model: str | None = None) -> Path:
    """crawl/ -> documents/ -> signals/ (-> dedup/ -> subset/, an exclusion list, a rule and the duplicates
    removed), as the stage commands write them; `through` "signals" stops there."""
    inputs = write_crawl(root / "crawl")
    run_ingest(spark, inputs, str(root / "documents"), IngestOptions(), lid_model or default_lid_model(),
               progress=False)
    run_signals(spark, expand_inputs([str(root / "documents")], DOCUMENT_SUFFIXES), str(root / "signals"),
                progress=False)
    if through == "signals":
        return root
    run_dedup(spark, expand_inputs([str(root / "signals")], DOCUMENT_SUFFIXES), str(root / "dedup"),
              progress=False)
    kept = pq.read_table(root / "dedup", columns=["id", "is_duplicate"]).to_pylist()
    excluded = next(row["id"] for row in kept if not row["is_duplicate"])
    recipe = root / "chain.yaml"
    recipe.write_text(RECIPE.format(input=root / "dedup", output=root / "subset", excluded=excluded))
    run_subset(spark, plan_subset(load_recipe(str(recipe))), progress=False)
    return root


def copy_chain(source: Path, target: Path) -> Path:
    """A copy of a chain whose records name the copy's own files (as if it had been made there), the files'
    modification times kept."""
    shutil.copytree(source, target)
    for path in target.rglob("*.json"):
        times = os.stat(path)
        path.write_text(path.read_text().replace(str(source), str(target)))
        os.utime(path, ns=(times.st_atime_ns, times.st_mtime_ns))
    return target
