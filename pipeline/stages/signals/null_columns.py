"""Columns that hold no value in any row of Parquet inputs, found from the footers' null counts (no data read),
and what a recipe rule that reads one does: SQL's nulls let it remove every document, seldom on purpose."""

import re
from collections.abc import Sequence
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.parquet as pq

from filters.evaluate import evaluate
from filters.nodes import Node, columns_of
from pipeline.messages import shown
from pipeline.storage.inputs import output_roots
from pipeline.storage.output_dir import OutputDir
from signals.registry import ARTIFACT_SIGNALS, FINEWEB, MODEL_FOLDERS, artifact_folder

CCNET_MODEL_SIGNALS = set(MODEL_FOLDERS["lm"])
# where CCNet's models come from (docs/signals.md, "Models": cc_net's `make dl_lm lang=xx` downloads them there)
CCNET_MODELS = ("CCNet's language models are http://dl.fbaipublicfiles.com/cc_net/lm/{lang}.arpa.bin and "
                "{lang}.sp.model, to put in --artifacts' lm/ (docs/signals.md, Models)")
PLAIN_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")  # a column name docs/recipes.md writes without backquotes


def columns_without_values(footers: list[pq.FileMetaData], columns: set[str]) -> set[str]:
    """Those of `columns` that no row of the Parquet files has a value for, by their footers' statistics (a list
    column: no element in any list); a column some row group has no statistics for counts as having values."""
    empty, rows = set(columns), 0
    for meta in footers:
        if not empty:
            break
        rows += meta.num_rows
        owners = leaf_columns(meta)
        for group in range(meta.num_row_groups):
            for index in range(meta.num_columns):
                chunk = meta.row_group(group).column(index)
                statistics = chunk.statistics
                if statistics is None or not statistics.has_null_count or statistics.null_count < chunk.num_values:
                    empty.discard(owners[index])
    return empty if rows else set()


def leaf_columns(meta: pq.FileMetaData) -> list[str]:
    """For each Parquet leaf column of the footer, in order, the top-level column it belongs to (a name may hold
    dots, as `is_duplicate_0.9` does, so the leaf's dotted path cannot tell)."""
    return [field.name for field in meta.schema.to_arrow_schema() for _ in range(_leaves(field.type))]


def _leaves(type_: pa.DataType) -> int:
    if pa.types.is_map(type_):
        return _leaves(type_.key_type) + _leaves(type_.item_type)
    if pa.types.is_list(type_) or pa.types.is_large_list(type_) or pa.types.is_fixed_size_list(type_):
        return _leaves(type_.value_type)
    if pa.types.is_struct(type_):
        return sum(_leaves(type_.field(i).type) for i in range(type_.num_fields))
    return 1


@dataclass(frozen=True)
class SignalsRun:
    """A `curate signals` job that made documents of the inputs: its --artifacts (None: not given) and the model
    files its documents needed and the folder lacked."""
    artifacts: str | None
    missing: tuple[str, ...]


def signals_runs(folders: list[str], depth: int = 8) -> list[SignalsRun]:
    """The `curate signals` jobs the documents in the curate output `folders` came through, found by following
    each `_job.json`'s inputs upstream (through dedup, say); none for documents from elsewhere."""
    runs, seen = [], set()
    for _ in range(depth):
        upstream = []
        for folder in sorted(set(folders) - seen):
            seen.add(folder)
            out = OutputDir(folder)
            job = out.job() or {}
            if job.get("stage") == "signals":
                missing = out.read_json("_stats.json").get("missing_artifacts", []) if out.complete else []
                runs.append(SignalsRun(job.get("artifacts"), tuple(missing)))
            else:
                upstream += output_roots(job.get("inputs", []))
        folders = upstream
    return runs


def likely_cause(column: str, runs: Sequence[SignalsRun] = ()) -> str:
    """Why a column is null in every document, as far as the column's name and the signals `runs` tell."""
    if column in ARTIFACT_SIGNALS:
        return _artifacts_cause(column, runs)
    if column in FINEWEB:
        return "documents read with `curate ingest --rpv2` have it null until `curate signals` runs on them"
    if column == "license":
        return "documents without a stated licence have none: most web pages, WET, RedPajama-V2 (docs/licenses.md)"
    return "no input document has a value for it"


def _artifacts_cause(column: str, runs: Sequence[SignalsRun]) -> str:
    """Why a signal computed from an artifact is null everywhere: no --artifacts, or the folder lacks its file."""
    where = CCNET_MODELS if column in CCNET_MODEL_SIGNALS else \
        "docs/signals.md, Artifacts, names the file of each signal"
    given = [run for run in runs if run.artifacts is not None]
    if runs and not given:
        return f"`curate signals` ran without --artifacts; {where}"
    if given and len(given) == len(runs):
        missing = sorted({name for run in given for name in run.missing if _makes_null(name, column)})
        lacks = f" (missing: {shown(missing)})" if missing else ""
        return (f"`curate signals` ran with --artifacts {given[0].artifacts}, which lacks the file this signal "
                f"needs for the documents' language{lacks}; {where}")
    return (f"`curate signals` ran without --artifacts, or without the file this signal needs for the documents' "
            f"language; {where}")


def _makes_null(artifact: str, column: str) -> bool:
    """Whether a missing model artifact (`lm/en.sp.model`, `dsir/de/`) leaves `column` null."""
    return column in MODEL_FOLDERS.get(artifact_folder(artifact), ())


def null_rule_warning(node: Node, empty: set[str], scalar: bool, unit: str = "document",
                      runs: Sequence[SignalsRun] = ()) -> str | None:
    """What a rule does when it reads columns of `empty`; None when it reads none, or when it keeps the
    `unit` (document or line) with those null. `scalar`: its columns hold single values, so the rule can be
    evaluated on nulls (an empty list and a null list differ); `runs`: the signals jobs of the inputs."""
    null = sorted(columns_of(node) & empty)
    if not null:
        return None
    if scalar and set(null) == columns_of(node):
        if evaluate(node, dict.fromkeys(null)) is True:
            return None
        effect = f"so this rule removes every {unit} (a comparison with null is not true)"
    else:
        effect = f"so a comparison with it is not true and removes the {unit} unless the rest of the rule holds"
    names = " and ".join(f"`{column}`" for column in null)
    causes = "; ".join(f"`{column}`: {likely_cause(column, runs)}" if len(null) > 1 else likely_cause(column, runs)
                       for column in null)
    return (f"{names} {'is' if len(null) == 1 else 'are'} null in every document of the inputs, {effect}; likely "
            f"cause: {causes}. Unless that is meant, use inputs that have values there, or let the rule keep "
            f"nulls: `{_as_written(null[0])} IS NULL OR ...`")


def _as_written(column: str) -> str:
    """The column as a rule names it: in backquotes unless it is a plain name."""
    return column if PLAIN_NAME.fullmatch(column) else f"`{column}`"
