"""`curate subset`: a recipe's rules over stored signals, written as Hugging Face dataset shards with a card.

Two passes. The first reads only the columns the rules name and counts, for every rule, the documents it was
the first to fail; the second reads the kept rows' output columns (the text only now) and writes the shards
straight from the parts Spark reads the inputs in, in the order it reads them: no shuffle, so the write costs
little more than reading the inputs and compressing the shards."""

import json
from collections import Counter
from dataclasses import dataclass
from functools import partial
from typing import ClassVar

from pipeline.accounting import Stats
from pipeline.spark.progress import TaskProgress
from pipeline.spark.session import session_conf
from pipeline.spark.stage import Stage, job_record, run_stage
from pipeline.stages.subset.attribution import credit_summary, write_urls
from pipeline.stages.subset.card import write_card
from pipeline.stages.subset.decisions import (
    count_decisions,
    kept_documents,
    kept_rows,
    read_inputs,
    rule_order,
    sample_cutoffs,
)
from pipeline.stages.subset.plan import SubsetPlan, input_bytes
from pipeline.stages.subset.redaction import DOCUMENTS, redact_batch
from pipeline.stages.subset.summary import CHARS_PER_TOKEN
from pipeline.storage.output_dir import OutputDir
from pipeline.writers.hf_shards import (
    SHARD_DDL,
    not_null_columns,
    place_shards,
    shard_layout,
    shard_schema,
    write_shards,
)


def subset_job(plan: SubsetPlan) -> dict:
    """What the output's `_job.json` records: a rerun of the same job resumes, another is refused."""
    return job_record(Subset(plan), plan.inputs)


@dataclass(frozen=True)
class Subset(Stage):
    """The recipe applied to the whole input in one Spark query: no units."""

    name: ClassVar[str] = "subset"
    plan: SubsetPlan

    def fingerprint(self) -> dict:
        # a list file may change under the same recipe (a takedown): its version decides whether a rerun resumes
        lists = {item.name: item.sha256 for item in self.plan.exclusions if item.source}
        return {"recipe": self.plan.loaded.text, **({"exclude": lists} if lists else {})}

    def write(self, spark, out: OutputDir, inputs: list[str], progress: bool) -> tuple[dict, list[dict]]:
        with TaskProgress(spark, "subset", enabled=progress):
            return _write_subset(spark, self.plan, out)


def run_subset(spark, plan: SubsetPlan, overwrite: bool = False, progress: bool = True, on_error: str = "fail") -> dict:
    """Apply the recipe and write the dataset folder; returns the job's stats.

    The subset is one query over sealed outputs, whose skipped inputs its stats name (`skipped_upstream`): a task
    is retried as the master says, and one that still fails fails the subset whatever `on_error` says."""
    return run_stage(spark, Subset(plan), plan.inputs, plan.output, overwrite=overwrite, progress=progress)


def _write_subset(spark, plan: SubsetPlan, out: OutputDir) -> tuple[dict, list[dict]]:
    """The dataset's stats and files, in a claimed output."""
    recipe = plan.loaded.recipe
    frame = read_inputs(spark, plan)
    stats, mix, on_null, credited = count_decisions(plan, frame)
    cutoffs = sample_cutoffs(plan, frame)
    ratio, conf = shard_layout(input_bytes(plan), stats, recipe.output.shard_size)
    redact_pii = recipe.transforms.redact_pii
    transform = partial(redact_batch, redaction=redact_pii.redaction()) if redact_pii else None
    write = partial(write_shards, output=plan.output, compression=recipe.output.compression,
                    shard_size=recipe.output.shard_size, ratio=ratio, not_null=not_null_columns(plan.columns),
                    transform=transform)
    with session_conf(spark, conf):  # read when the query is planned, i.e. by collect()
        written = kept_rows(plan, frame, cutoffs).mapInArrow(write, SHARD_DDL).collect()
    written.sort(key=lambda r: (r["part"], r["piece"]))
    if not written:  # nothing kept: one empty shard, so that the dataset still has its columns
        empty = shard_schema(plan.schema, plan.columns)
        written = [{"part": 0, "piece": 0, **out.write_parquet("_shards/part-00000-00000.parquet", [], empty),
                    "chars": 0, "counts": "{}"}]
    if sum(r["rows"] for r in written) != stats.kept:
        raise AssertionError(f"{plan.output}: wrote {sum(r['rows'] for r in written)} rows, kept {stats.kept}")
    files = place_shards(out, recipe.output.config, written)
    credit = credit_summary(credited) if credited is not None else None
    if credit and credit["web_pages"]:
        files.append(write_urls(out, kept_documents(plan, frame, cutoffs)))
    chars = sum(r["chars"] for r in written)
    books = {**stats.to_dict(), "dropped": dict(stats.dropped)}  # every rule in checking order, zeros too
    result = {"stage": "subset", "recipe": recipe.name, **books, "rules": rule_order(plan), "dropped_on_null": on_null,
              "chars_kept": chars if "text" in plan.columns else None,
              "tokens_kept_estimate": chars // CHARS_PER_TOKEN if "text" in plan.columns else None, "mix": mix,
              "inputs": {"files": len(plan.inputs)}, "warnings": plan.warnings,
              "exclude": [{"name": item.name, "kind": item.kind, "list": item.source, "sha256": item.sha256,
                           "values": len(item.values), "removed": stats.dropped[item.name]}
                          for item in plan.exclusions]}
    if credit is not None:
        result["attribution"] = credit
    if redact_pii:
        counts = sum((Counter(json.loads(r["counts"])) for r in written), Counter())
        result["redacted"] = {kind: counts[kind] for kind in (*redact_pii.redaction().kinds(), DOCUMENTS)}
    write_card(out, plan, result)
    return result, files


def explain(spark, plan: SubsetPlan, rows: int) -> tuple[Stats, dict]:
    """The books of the rules on the first `rows` documents, and the removals on a null per rule; nothing written."""
    stats, _, on_null, _ = count_decisions(plan, read_inputs(spark, plan).limit(rows))
    return stats, on_null
