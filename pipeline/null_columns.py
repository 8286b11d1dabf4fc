"""Columns that hold no value in any row of Parquet inputs, found from the footers' null counts (no data read),
and what a recipe rule that reads one does: SQL's nulls let it remove every document, seldom on purpose."""

import re

import pyarrow as pa
import pyarrow.parquet as pq

from filters.expressions import Node, columns_of, evaluate
from pipeline.signal_columns import FINEWEB_FIELDS, PER_DOCUMENT

# The signals `curate signals` leaves null without their file in --artifacts (docs/signals.md, "Artifacts"):
# the two word lists, and the models' signals it computes document by document.
ARTIFACT_SIGNALS = {"rps_doc_stop_word_fraction", "rps_doc_ldnoobw_words", *PER_DOCUMENT}
FINEWEB_SIGNALS = {field.name for field in FINEWEB_FIELDS}
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


def likely_cause(column: str) -> str:
    """Why a column is null in every document, as far as the column's name tells."""
    if column in ARTIFACT_SIGNALS:
        return ("`curate signals` ran without --artifacts, or without the file this signal needs for the "
                "documents' language (docs/signals.md, Artifacts, names the file of each signal)")
    if column in FINEWEB_SIGNALS:
        return "documents read with `curate ingest --rpv2` have it null until `curate signals` runs on them"
    if column == "license":
        return "documents without a stated licence have none: all of Common Crawl (docs/schema.md)"
    return "no input document has a value for it"


def null_rule_warning(node: Node, empty: set[str], scalar: bool, unit: str = "document") -> str | None:
    """What a rule does when it reads columns of `empty`; None when it reads none, or when it keeps the
    `unit` (document or line) with those null. `scalar`: its columns hold single values, so the rule can be
    evaluated on nulls (an empty list and a null list differ)."""
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
    causes = "; ".join(f"`{column}`: {likely_cause(column)}" if len(null) > 1 else likely_cause(column)
                       for column in null)
    return (f"{names} {'is' if len(null) == 1 else 'are'} null in every document of the inputs, {effect}; likely "
            f"cause: {causes}. Unless that is meant, use inputs that have values there, or let the rule keep "
            f"nulls: `{_as_written(null[0])} IS NULL OR ...`")


def _as_written(column: str) -> str:
    """The column as a rule names it: in backquotes unless it is a plain name."""
    return column if PLAIN_NAME.fullmatch(column) else f"`{column}`"
