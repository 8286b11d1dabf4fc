"""`curate subset`: a recipe's rules over stored signals, written as Hugging Face dataset shards with a card.

Two passes. The first reads only the columns the rules name and counts, for every rule, the documents it was
the first to fail; the second reads the kept rows' output columns (the text only now) and writes the shards
straight from the parts Spark reads the inputs in, in the order it reads them: no shuffle, so the write costs
little more than reading the inputs and compressing the shards."""

import math
import posixpath
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import ClassVar

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from filters.expressions import (
    ANY,
    BOOLEAN,
    NUMBER,
    STRING,
    Node,
    RuleError,
    closest,
    columns_of,
    compile_rule,
    list_of,
    parse,
)
from pipeline.accounting import Stats
from pipeline.readers.documents import DOCUMENT_SUFFIXES, is_parquet, open_documents
from pipeline.schema import DOCUMENT_SCHEMA
from pipeline.spark.progress import TaskProgress
from pipeline.spark.stage import Stage, absolute_output, job_record, run_stage
from pipeline.stages.signals.null_columns import (
    SignalsRun,
    columns_without_values,
    leaf_columns,
    null_rule_warning,
    signals_runs,
)
from pipeline.storage.inputs import expand_inputs, output_roots, overlapping
from pipeline.storage.locations import RetryPolicy, is_local, open_input
from pipeline.storage.output_dir import ROW_GROUP_ROWS, OutputDir
from recipes.loader import LoadedRecipe, RecipeError
from recipes.schema import Dedup

Blame = Callable[[str], RecipeError]  # a message -> the error naming where it comes from (recipe line or flag)
LINE_PREFIX = "rps_lines_"  # the line-level signals: one value per line of `line_spans` (docs/signals.md)
CHARS_PER_TOKEN = 4  # OpenAI's rule of thumb for English text ("What are tokens and how to count them?")
REASON = "_curate_reason"
NULL_MARK = "\0null"  # after a rule's name in REASON: the rule was null, not false (no rule name holds \0)
HASH_RANGE = float(1 << 53)
# how the books count a document, for the card and the report (the order of `decisions` and `_rule_order`)
FIRST_FAILED = ("A document counts under the first check it fails, in this order: dedup, then the filters in "
                "recipe order, then line_filters, then sample.")
SHARD_RECORD = pa.schema([("part", pa.int64()), ("piece", pa.int64()), ("file", pa.string()), ("rows", pa.int64()),
                          ("bytes", pa.int64()), ("chars", pa.int64())])
SHARD_DDL = ", ".join(f"{field.name} long" if pa.types.is_integer(field.type) else f"{field.name} string"
                      for field in SHARD_RECORD)


@dataclass(frozen=True)
class SubsetPlan:
    """A recipe checked against its inputs' columns: everything needed to run it, nothing run yet."""
    loaded: LoadedRecipe
    inputs: list[str]
    format: str  # of every input: parquet or jsonl
    footers: list  # per input: its size and, for Parquet, its footer (InputFile), read once
    schema: pa.Schema
    rules: list[tuple[str, Node]]
    line_rules: list[tuple[str, Node]]
    columns: list[str]  # written to the shards
    output: str
    warnings: list[str]  # said before the work and in the card (`filters.NAME: message`, `dedup: message`)
    given_inputs: list[str] | None = None  # --input and --output, for the card's recipe as run
    given_output: str | None = None


def plan_subset(loaded: LoadedRecipe, output: str | None = None, inputs: list[str] | None = None) -> SubsetPlan:
    """Check the recipe against the columns of its inputs; RecipeError names the line and key of a problem."""
    recipe = loaded.recipe
    # a path given on the command line is blamed there, not on the recipe line it replaces
    inputs_error = _flag_error("--input") if inputs else partial(loaded.error, ("inputs",))
    output_error = _flag_error("--output") if output else partial(loaded.error, ("output", "path"))
    declared = [(path, "auto") for path in inputs] if inputs else [(item.path, item.format) for item in recipe.inputs]
    locations = [path for path, _ in declared]
    formats: dict[str, str] = {}
    try:
        for location, declared_format in declared:
            for file in expand_inputs([location], DOCUMENT_SUFFIXES):
                formats.setdefault(file, declared_format if declared_format != "auto" else
                                   "parquet" if is_parquet(file) else "jsonl")
    except ValueError as exc:  # an unfinished curate output, or a WARC where documents are read
        raise inputs_error(str(exc)) from None
    files, format_ = list(formats), _one_format(inputs_error, formats)
    unreadable = next((file for file in files if file.lower().endswith(".xz")), None)
    if unreadable:  # Spark's JSON reader has no xz codec: it would read the compressed bytes as text
        raise inputs_error(f"{unreadable}: Spark cannot read xz-compressed JSON lines; decompress it, or recompress "
                           "it with gzip, bzip2 or zstd")
    footers = read_input_files(inputs_error, files, format_)
    schema = _input_schema(inputs_error, footers)
    names = set(schema.names)
    kinds = {field.name: kind_of_type(field.type) for field in schema}
    rules = []
    for name, rule in recipe.filters.items():
        rules.append((name, _compile(loaded, ("filters", name), rule, kinds)))
    line_rules = []
    if recipe.line_filters:
        for needed in ("text", "line_spans"):
            if needed not in names:
                raise loaded.error(("line_filters",), f"needs the `{needed}` column of curate signals in the inputs")
        line_kinds = {name: kind[len("list of "):] for name, kind in kinds.items()
                      if kind.startswith("list of ") and name.startswith(LINE_PREFIX)}
        for name, rule in recipe.line_filters.items():
            other = sorted(columns_of(parse(rule)) & (names - set(line_kinds)))
            if other:
                what = "a list that is not one value per line" if kinds[other[0]].startswith("list of ") else \
                    "a document-level column"
                raise loaded.error(("line_filters", name), f"{other[0]!r} is {what}; a line filter tests each line "
                                   f"by the line-level list columns ({LINE_PREFIX}*, one value per line of line_spans)")
            line_rules.append((name, _compile(loaded, ("line_filters", name), rule, line_kinds)))
    if recipe.dedup.mode and "is_duplicate" not in names:
        raise loaded.error(("dedup",), "the inputs have no `is_duplicate` column: run `curate dedup` on them first")
    folders = output_roots(files)  # the curate outputs a glob's or a named file's documents lie in
    _check_dedup_mode(loaded, [*locations, *folders])
    if recipe.sample and recipe.sample.by and recipe.sample.by not in names:
        raise loaded.error(("sample", "by"), f"unknown column {recipe.sample.by!r}{closest(recipe.sample.by, names)}")
    columns = recipe.output.columns or [name for name in DOCUMENT_SCHEMA.names if name in names]
    for index, name in enumerate(columns):
        if name not in names:
            raise loaded.error(("output", "columns", index), f"unknown column {name!r}{closest(name, names)}")
    target = absolute_output(output or recipe.output.path)
    _check_apart(output_error, [*locations, *files, *folders], target)
    warnings = _dedup_warnings(loaded, names, rules, line_rules) + _null_warnings(footers, rules, line_rules, kinds,
                                                                                  signals_runs(folders))
    return SubsetPlan(loaded, files, format_, footers, schema, rules, line_rules, columns, target, warnings,
                      given_inputs=inputs, given_output=output)


def kind_of_type(type_: pa.DataType) -> str:
    """The kind of value (filters.expressions) a column of this Arrow type gives a rule."""
    if pa.types.is_integer(type_) or pa.types.is_floating(type_) or pa.types.is_decimal(type_):
        return NUMBER
    if pa.types.is_string(type_) or pa.types.is_large_string(type_):
        return STRING
    if pa.types.is_boolean(type_):
        return BOOLEAN
    if pa.types.is_list(type_) or pa.types.is_large_list(type_) or pa.types.is_fixed_size_list(type_):
        return list_of(kind_of_type(type_.value_type))
    return ANY


def _compile(loaded: LoadedRecipe, path: tuple, rule: str, columns: dict[str, str]) -> Node:
    try:
        return compile_rule(rule, columns)
    except RuleError as exc:
        raise loaded.error(path, str(exc)) from None


@dataclass(frozen=True)
class InputFile:
    location: str
    size: int
    footer: pq.FileMetaData | None  # None for a JSON lines file


def _flag_error(flag: str) -> Blame:
    return lambda message: RecipeError(f"{flag}: {message}")


def _one_format(inputs_error: Blame, formats: dict[str, str]) -> str:
    """The one format of all the inputs (Spark reads them as one table); RecipeError naming a file of each."""
    first = {}
    for file, format_ in formats.items():
        first.setdefault(format_, file)
    if len(first) > 1:
        raise inputs_error(f"the inputs mix Parquet ({first['parquet']}) and JSON lines "
                           f"({first['jsonl']}); a recipe reads one format: convert one kind, or make two subsets")
    return next(iter(first), "parquet")


def read_input_files(inputs_error: Blame, files: list[str], format_: str) -> list[InputFile]:
    """Each input's size and Parquet footer, read once for the schema, the null-column checks and the shard sizes."""
    read = []
    for location in files:
        try:
            with open_input(location, retry=RetryPolicy()) as stream:
                stream.seek(0, 2)
                size = stream.tell()
                stream.seek(0)
                footer = pq.ParquetFile(stream).metadata if format_ == "parquet" else None
        except Exception as exc:  # noqa: BLE001 - any failure to read is reported against the recipe's input
            raise inputs_error(f"cannot read {location}: {exc}") from None
        read.append(InputFile(location, size, footer))
    return read


def _input_schema(inputs_error: Blame, footers: list[InputFile]) -> pa.Schema:
    """The first input's schema, from its footer (Parquet) or its rows (JSON lines)."""
    first = footers[0]
    if first.footer is not None:
        return first.footer.schema.to_arrow_schema()
    try:
        schema, _ = open_documents(first.location)
    except Exception as exc:  # noqa: BLE001 - any failure to read is reported against the recipe's input
        raise inputs_error(f"cannot read {first.location}: {exc}") from None
    if schema is None:
        raise inputs_error(f"{first.location} has no documents")
    return schema


def _null_warnings(footers: list[InputFile], rules: list[tuple[str, Node]], line_rules: list[tuple[str, Node]],
                   kinds: dict[str, str], runs: list[SignalsRun]) -> list[str]:
    """For Parquet inputs, from their footers: the rules that read a column null in every document (`runs`, the
    signals jobs upstream, tell why). Not refused: SQL's nulls are documented, and a recipe may mean them."""
    named = [(("filters", name), node, "document") for name, node in rules]
    named += [(("line_filters", name), node, "line") for name, node in line_rules]
    wanted = {column for _, node, _ in named for column in columns_of(node)}
    if not wanted or any(item.footer is None for item in footers):
        return []
    empty = columns_without_values([item.footer for item in footers], wanted)
    warnings = []
    for path, node, unit in named:
        scalar = unit == "line" or not any(kinds[column].startswith("list of") for column in columns_of(node))
        message = null_rule_warning(node, empty, scalar, unit, runs)
        if message:
            warnings.append(f"{'.'.join(path)}: {message}")
    return warnings


def _dedup_warnings(loaded: LoadedRecipe, names: set[str], rules: list[tuple[str, Node]],
                    line_rules: list[tuple[str, Node]]) -> list[str]:
    """A recipe that says nothing of the duplicates its inputs mark: it keeps them, which is seldom meant; one that
    says `dedup: drop` of inputs nothing marked: it drops none (the built-in recipes on `curate signals` output)."""
    if loaded.recipe.dedup.marked == "drop" and "is_duplicate" not in names:
        return ["dedup: this recipe drops duplicates, but its inputs carry no `is_duplicate` (they are not the "
                "output of `curate dedup`), so none is dropped: run `curate dedup` on them first and use its output "
                "as the input"]
    read = {column for _, node in [*rules, *line_rules] for column in columns_of(node)}
    if "is_duplicate" not in names or loaded.recipe.dedup != Dedup() or any(
            column.startswith("is_duplicate") for column in read):
        return []
    return ["dedup: the inputs carry `is_duplicate` (marked by `curate dedup`) and this recipe neither drops nor "
            "keeps duplicates by name, so they stay in the subset: write `dedup: drop` to drop them, or "
            "`dedup: keep` to keep them"]


# `curate dedup --mode` -> the recipe's dedup key it answers (a WARC payload digest marks exact copies)
_DEDUP_KEYS = {"fuzzy": "fuzzy", "exact": "exact", "digest": "exact", "url": "url"}


def _check_dedup_mode(loaded: LoadedRecipe, locations: list[str]) -> None:
    """A recipe's dedup key must name the mode `curate dedup` marked its inputs in (their `_job.json`), since
    `is_duplicate` holds that mode's verdict only."""
    wanted = [key for key in ("fuzzy", "exact", "url") if getattr(loaded.recipe.dedup, key)]
    if len(wanted) > 1:
        raise loaded.error(("dedup",), f"choose one of {', '.join(wanted)}: `is_duplicate` holds the verdict of the "
                           "one mode `curate dedup` ran in")
    if not wanted:
        return
    for location in sorted(set(filter(is_local, locations))):
        job = OutputDir(location).job() or {}
        mode = job.get("mode") if job.get("stage") == "dedup" else None
        if mode and _DEDUP_KEYS.get(mode) != wanted[0]:
            raise loaded.error(("dedup", wanted[0]), f"{location} was marked by `curate dedup --mode {mode}`; write "
                               f"`dedup: {{{_DEDUP_KEYS.get(mode, mode)}: true}}`, or run curate dedup --mode "
                               f"{wanted[0]} on the documents")


def _check_apart(output_error: Blame, locations: list[str], output: str) -> None:
    """A recipe writes only under its output path: never over what it reads, nor inside an input folder."""
    item = overlapping(output, locations)
    if item is not None:
        raise output_error(f"{output} overlaps the input {item}; choose another output")


def decisions(plan: SubsetPlan, frame, cutoffs: dict | None = None, mark_nulls: bool = False):
    """The frame with REASON: the first rule a document fails (null when kept), followed by NULL_MARK when the
    rule was null rather than false and `mark_nulls`.

    `cutoffs` (from `sample_cutoffs`) replaces the window of a `max_docs` sample by a filter."""
    from pyspark.sql import functions as F

    def reason(name: str, check):
        # evaluates the failed rule a second time, for the failed documents only (a second CASE over every
        # document took 1.6 times as long on bench.subset's million rows)
        return F.when(check.isNull(), F.lit(name + NULL_MARK)).otherwise(F.lit(name)) if mark_nulls else F.lit(name)

    frame = frame.withColumn(REASON, _first_failed(plan, reason).cast("string"))
    return _sample(plan, frame, cutoffs) if plan.loaded.recipe.sample else frame


def _first_failed(plan: SubsetPlan, value: Callable):
    """`value(name, check)` of the first check a document fails, in the order of FIRST_FAILED; null if none."""
    from pyspark.sql import functions as F

    from pipeline.stages.subset.rules import to_column

    recipe = plan.loaded.recipe
    checks: list[tuple[str, object]] = []
    if recipe.dedup.drops("is_duplicate" in plan.schema.names):
        checks.append(("dedup", ~F.coalesce(F.col("is_duplicate"), F.lit(False))))
    checks += [(name, to_column(node)) for name, node in plan.rules]
    if plan.line_rules:
        checks.append(("line_filters", F.exists(_lines(plan), _line_keeps(plan))))
    first = None
    for name, check in checks:
        failed = ~F.coalesce(check, F.lit(False))
        first = F.when(failed, value(name, check)) if first is None else first.when(failed, value(name, check))
    return first if first is not None else F.lit(None)


def _lines(plan: SubsetPlan):
    """One struct per line: its span and the line-level values the rules name."""
    from pyspark.sql import functions as F

    names = sorted(set().union(*(columns_of(node) for _, node in plan.line_rules)))
    return F.arrays_zip(F.col("line_spans").alias("span"), *[F.col(f"`{name}`").alias(name) for name in names])


def _line_keeps(plan: SubsetPlan):
    """line struct -> whether every line rule keeps it (a null result drops the line, as in SQL WHERE)."""
    from pyspark.sql import functions as F

    from pipeline.stages.subset.rules import to_column

    def keeps(line):
        verdict = F.lit(True)
        for _, node in plan.line_rules:
            verdict = verdict & F.coalesce(to_column(node, lambda name: line[name]), F.lit(False))
        return verdict

    return keeps


def _uniform(seed: int):
    """A number in [0, 1) per document from its id and the seed: the same on any partitioning."""
    from pyspark.sql import functions as F

    return F.pmod(F.xxhash64(F.col("id"), F.lit(seed)), F.lit(1 << 53)) / F.lit(HASH_RANGE)


def _sample(plan: SubsetPlan, frame, cutoffs: dict | None):
    """Mark as `sample` the rule-passing documents the sample leaves out."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    sample = plan.loaded.recipe.sample
    draw = _uniform(sample.seed)
    candidate = F.col(REASON).isNull()
    keep = F.lit(True)
    if sample.fraction is not None:
        keep = draw < F.lit(sample.fraction)
    if sample.weights:
        keep = keep & F.col(sample.by).isin(list(sample.weights))
    frame = frame.withColumn("_draw", draw)
    group = F.col(sample.by) if sample.weights else F.lit(0)
    if sample.max_docs is not None and cutoffs is not None:
        keep = keep & _within(cutoffs, group, F.col("_draw"))
    elif sample.max_docs is not None:
        order = Window.partitionBy(F.col(REASON).isNull() & keep, group).orderBy("_draw", "id")
        frame = frame.withColumn("_rank", F.row_number().over(order))
        keep = keep & (F.col("_rank") <= _quota(sample, group))
    frame = frame.withColumn(REASON, F.when(candidate & ~keep, F.lit("sample")).otherwise(F.col(REASON)))
    return frame.drop("_draw", "_rank")


def sample_cutoffs(plan: SubsetPlan, frame) -> dict | None:
    """For a `max_docs` sample: per group, the (draw, id) of the last document kept.

    The kept are the lowest (draw, id) of their group, so `(draw, id) <= cutoff` keeps the same documents as
    the window that ranks them, without a shuffle of every row. None when the recipe has no `max_docs`."""
    from pyspark.sql import functions as F

    sample = plan.loaded.recipe.sample
    if not sample or sample.max_docs is None:
        return None
    group = F.col(sample.by) if sample.weights else F.lit(0)
    last = F.max(F.struct(_uniform(sample.seed).alias("draw"), F.col("id").alias("id"))).alias("last")
    rows = decisions(plan, frame).filter(F.col(REASON).isNull()).groupBy(group.alias("group")).agg(last).collect()
    return {row["group"]: (row["last"]["draw"], row["last"]["id"]) for row in rows}


def _within(cutoffs: dict, group, draw):
    """Whether a document's (draw, id) is at most its group's cutoff (false in a group without one)."""
    from pyspark.sql import functions as F

    inside = F.lit(False)
    for key, (last_draw, last_id) in cutoffs.items():
        at_most = (draw < F.lit(last_draw)) | ((draw == F.lit(last_draw)) & (F.col("id") <= F.lit(last_id)))
        inside = inside | ((group == F.lit(key)) & at_most)
    return inside


def _quota(sample, group):
    """Documents each group may keep: max_docs shared by weight (largest remainders first), or max_docs."""
    from pyspark.sql import functions as F

    if not sample.weights:
        return F.lit(sample.max_docs)
    total = sum(sample.weights.values())
    shares = {key: sample.max_docs * weight / total for key, weight in sample.weights.items()}
    quotas = {key: math.floor(share) for key, share in shares.items()}
    left = sample.max_docs - sum(quotas.values())
    for key in sorted(shares, key=lambda k: (quotas[k] - shares[k], k))[:left]:
        quotas[key] += 1
    return F.create_map(*[F.lit(x) for kv in quotas.items() for x in kv])[group]


def read_inputs(spark, plan: SubsetPlan):
    if plan.format == "parquet":
        return spark.read.parquet(*plan.inputs)
    return spark.read.json(plan.inputs)


MIX_COLUMNS = ("language", "source")


def count_decisions(plan: SubsetPlan, frame) -> tuple[Stats, dict, dict]:
    """The books (per rule: the documents it was the first to fail), the language/source mix of the kept, and per
    rule how many of its removals were on a null value.

    Reads only the columns the rules name, and the mix columns."""
    from pyspark.sql import functions as F

    mix_columns = [name for name in MIX_COLUMNS if name in plan.schema.names]
    counts = (decisions(plan, frame, mark_nulls=True).groupBy(REASON, *mix_columns)
              .agg(F.count(F.lit(1)).alias("n")).collect())
    stats, mix = Stats(dropped=Counter(dict.fromkeys(_rule_order(plan), 0))), {name: {} for name in mix_columns}
    nulls = Counter()
    for row in counts:
        if row[REASON] is not None:
            name = row[REASON].removesuffix(NULL_MARK)
            stats.drop(name, row["n"])
            if name != row[REASON]:
                nulls[name] += row["n"]
            continue
        stats.keep(row["n"])
        for name in mix_columns:
            value = str(row[name])
            mix[name][value] = mix[name].get(value, 0) + row["n"]
    mix = {name: dict(sorted(values.items(), key=lambda kv: (-kv[1], kv[0]))) for name, values in mix.items()}
    return stats, mix, {name: nulls[name] for name in _rule_order(plan) if nulls[name]}


def null_notes(stats: dict, code: Callable[[str], str] = "`{}`".format) -> list[str]:
    """For each rule that removed documents on a null value, a sentence saying how many (SQL: a rule on a null
    is not true, so it removes the document); `code` writes the rule's name."""
    return [f"{code(name)} removed {count:,} of its {stats['dropped'][name]:,} documents on a null value (a column it "
            "reads has none there; `x IS NULL OR ...` or `coalesce(x, ...)` would keep them)"
            for name, count in stats.get("dropped_on_null", {}).items()]


def _kept_rows(plan: SubsetPlan, frame, cutoffs: dict | None):
    """The kept documents' output columns, the text rebuilt from the kept lines when there are line rules."""
    from pyspark.sql import functions as F

    kept = decisions(plan, frame, cutoffs).filter(F.col(REASON).isNull())
    if plan.line_rules and "text" in plan.columns:
        lines = F.filter(_lines(plan), _line_keeps(plan))
        text = F.concat_ws("", F.transform(lines, lambda line: F.substring(
            F.col("text"), line["span"][0] + 1, line["span"][1] - line["span"][0])))
        kept = kept.withColumn("text", text)
    return kept.select(*[F.to_json(F.col(f"`{name}`")).alias(name) if pa.types.is_map(plan.schema.field(name).type)
                         else F.col(f"`{name}`") for name in plan.columns])


def _shard_schema(plan: SubsetPlan) -> pa.Schema:
    """The output columns as the shards hold them: a map column (`meta`) as JSON text, which `datasets` reads
    (it has no map type); `id` and `text` not null, as the document schema has them, the others nullable."""
    not_null = _not_null(plan)
    return pa.schema([pa.field(field.name, pa.string() if pa.types.is_map(field.type) else field.type,
                               nullable=field.name not in not_null)
                      for field in (plan.schema.field(name) for name in plan.columns)])


def _not_null(plan: SubsetPlan) -> tuple[str, ...]:
    """The output columns the document schema has not null."""
    return tuple(name for name in plan.columns if name in DOCUMENT_SCHEMA.names
                 and not DOCUMENT_SCHEMA.field(name).nullable)


def _declared(table: pa.Table, schema: pa.Schema) -> pa.Table:
    """The table in `schema`, which declares some of its columns not null (Spark's Arrow batches declare every
    column nullable); a null in one of those is an input that breaks the document schema: named, not written."""
    for field in schema:
        if not field.nullable and table.column(field.name).null_count:
            raise ValueError(f"a kept document has no `{field.name}` (null); the document schema requires one "
                             "(docs/schema.md): fix the inputs, or drop such documents with a rule "
                             f"`{field.name} IS NOT NULL`")
    return table.cast(schema)


def _row_bytes(batch: pa.RecordBatch, ratio: float) -> np.ndarray:
    """Each row's estimated bytes in a shard: its strings' own lengths plus an even share of the rest of the
    batch, times the compression ratio."""
    strings = [column for column in batch.columns if any(
        kind(column.type) for kind in (pa.types.is_string, pa.types.is_large_string, pa.types.is_binary))]
    own = sum((pc.binary_length(column).fill_null(0).to_numpy() for column in strings), np.zeros(batch.num_rows))
    return (own + (batch.nbytes - own.sum()) / batch.num_rows) * ratio


# A part holds a little less than a shard (its kept bytes are an estimate), and a shard may take up to a quarter
# more to end with its part: neither leaves a shard of a few rows behind.
PART_OF_SHARD = 0.8
TAIL_OF_SHARD = 0.25


class _Batches:
    """Arrow batches handed out a number of bytes at a time: a partition splits into shards while streaming."""

    def __init__(self, batches, ratio: float):
        self._rest = (batch for batch in batches if batch.num_rows)
        self.head = next(self._rest, None)
        self._after = next(self._rest, None)
        self.ratio = ratio
        self.chars = 0

    def take(self, budget: float, slack: float = 0.0):
        """Tables, in order, of at most `budget` estimated bytes in all but at least one row, or up to `slack`
        more when that takes the partition's last rows (rather than leave them a shard of a few rows); counts
        the characters of their text."""
        first = True
        while self.head is not None:
            spent = np.cumsum(_row_bytes(self.head, self.ratio))
            rows = max(int(np.searchsorted(spent, budget, side="right")), int(first))
            if self._after is None and spent[-1] <= budget + slack:
                rows = self.head.num_rows
            if not rows:
                return
            whole = rows == self.head.num_rows
            batch, first, budget = self.head.slice(0, rows), False, budget - spent[rows - 1]
            if whole:
                self.head, self._after = self._after, next(self._rest, None)
            else:
                self.head = self.head.slice(rows)
            if "text" in batch.schema.names:
                self.chars += pc.sum(pc.utf8_length(batch.column("text"))).as_py() or 0
            yield pa.Table.from_batches([batch])
            if not whole:
                return


def _write_shards(batches, output: str, compression: str, shard_size: int, ratio: float,
                  not_null: tuple[str, ...]):
    """Executor side: one partition's rows, in order, into staged Parquet files of about `shard_size` bytes
    at most (`ratio`: the compressed bytes of the output columns per uncompressed byte, from the inputs), the
    `not_null` columns declared not null.

    Streams: a shard is never held in memory whole. Yields each file's manifest entry."""
    from pyspark import TaskContext

    part = TaskContext.get().partitionId()
    stream = _Batches(batches, ratio)
    piece = 0
    while stream.head is not None:
        schema = pa.schema([field.with_nullable(field.name not in not_null) for field in stream.head.schema])
        chars = stream.chars
        tables = (_declared(table, schema) for table in stream.take(shard_size, shard_size * TAIL_OF_SHARD))
        entry = OutputDir(output).write_parquet(f"_shards/part-{part:05d}-{piece:05d}.parquet", tables, schema,
                                                compression=compression)
        yield pa.RecordBatch.from_pylist([{"part": part, "piece": piece, **entry, "chars": stream.chars - chars}],
                                         schema=SHARD_RECORD)
        piece += 1


@dataclass(frozen=True)
class InputBytes:
    files: int
    compressed: int  # of the output columns (a JSON lines file: all of it)
    uncompressed: int


def input_bytes(plan: SubsetPlan) -> InputBytes:
    """The inputs' bytes, and the bytes of the output columns in them, from the Parquet footers."""
    compressed = uncompressed = 0
    for item in plan.footers:
        if item.footer is None:
            compressed += item.size
            uncompressed += item.size
            continue
        meta = item.footer
        wanted = {i for i, owner in enumerate(leaf_columns(meta)) if owner in plan.columns}
        chunks = [meta.row_group(g).column(i) for g in range(meta.num_row_groups) for i in wanted]
        compressed += sum(chunk.total_compressed_size for chunk in chunks)
        uncompressed += sum(chunk.total_uncompressed_size for chunk in chunks)
    return InputBytes(sum(item.size for item in plan.footers), compressed, uncompressed)


def shard_layout(plan: SubsetPlan, stats: Stats) -> tuple[float, dict[str, str]]:
    """The compression ratio of the output columns, and the read options that give each input partition
    about PART_OF_SHARD of a shard of kept documents.

    Both follow from the inputs' sizes and the kept share alone (never from the cores or the session's own
    options), so the same inputs and recipe always make the same partitions, hence the same shards."""
    sizes = input_bytes(plan)
    kept = sizes.compressed * stats.kept / max(stats.read, 1)
    part = plan.loaded.recipe.output.shard_size * PART_OF_SHARD
    split = max(1, min(sizes.files, math.floor(part * sizes.files / max(kept, 1))))
    return sizes.compressed / max(sizes.uncompressed, 1), {
        "spark.sql.files.maxPartitionBytes": str(split), "spark.sql.files.openCostInBytes": "0",
        "spark.sql.files.minPartitionNum": "1", "spark.sql.files.maxPartitionNum": str(2**31 - 1),
        "spark.sql.execution.arrow.maxRecordsPerBatch": str(ROW_GROUP_ROWS)}


def subset_job(plan: SubsetPlan) -> dict:
    """What the output's `_job.json` records: a rerun of the same job resumes, another is refused."""
    return job_record(Subset(plan), plan.inputs)


@dataclass(frozen=True)
class Subset(Stage):
    """The recipe applied to the whole input in one Spark query: no units."""

    name: ClassVar[str] = "subset"
    plan: SubsetPlan

    def fingerprint(self) -> dict:
        return {"recipe": self.plan.loaded.text}

    def write(self, spark, out: OutputDir, inputs: list[str], progress: bool) -> tuple[dict, list[dict]]:
        with TaskProgress(spark, "subset", enabled=progress):
            return _write_subset(spark, self.plan, out)


def run_subset(spark, plan: SubsetPlan, overwrite: bool = False, progress: bool = True) -> dict:
    """Apply the recipe and write the dataset folder; returns the job's stats."""
    return run_stage(spark, Subset(plan), plan.inputs, plan.output, overwrite=overwrite, progress=progress)


def _write_subset(spark, plan: SubsetPlan, out: OutputDir) -> tuple[dict, list[dict]]:
    """The dataset's stats and files, in a claimed output."""
    recipe = plan.loaded.recipe
    frame = read_inputs(spark, plan)
    stats, mix, on_null = count_decisions(plan, frame)
    from pipeline.spark.session import session_conf

    cutoffs = sample_cutoffs(plan, frame)
    ratio, conf = shard_layout(plan, stats)
    write = partial(_write_shards, output=plan.output, compression=recipe.output.compression,
                    shard_size=recipe.output.shard_size, ratio=ratio, not_null=_not_null(plan))
    with session_conf(spark, conf):  # read when the query is planned, i.e. by collect()
        written = _kept_rows(plan, frame, cutoffs).mapInArrow(write, SHARD_DDL).collect()
    written.sort(key=lambda r: (r["part"], r["piece"]))
    if not written:  # nothing kept: one empty shard, so that the dataset still has its columns
        empty = _shard_schema(plan)
        written = [{"part": 0, "piece": 0, **out.write_parquet("_shards/part-00000-00000.parquet", [], empty),
                    "chars": 0}]
    if sum(r["rows"] for r in written) != stats.kept:
        raise AssertionError(f"{plan.output}: wrote {sum(r['rows'] for r in written)} rows, kept {stats.kept}")
    files = _place_shards(out, recipe.output.config, written)
    chars = sum(r["chars"] for r in written)
    books = {**stats.to_dict(), "dropped": dict(stats.dropped)}  # every rule in checking order, zeros too
    result = {"stage": "subset", "recipe": recipe.name, **books, "rules": _rule_order(plan), "dropped_on_null": on_null,
              "chars_kept": chars if "text" in plan.columns else None,
              "tokens_kept_estimate": chars // CHARS_PER_TOKEN if "text" in plan.columns else None, "mix": mix,
              "inputs": {"files": len(plan.inputs)}, "warnings": plan.warnings}
    from pipeline.stages.subset.card import write_card

    write_card(out, plan, result)
    return result, files


def kept_size(stats: dict) -> str:
    """The characters and estimated tokens kept, as the table, the card and the report say them."""
    if stats.get("chars_kept") is None:
        return "characters not counted (the shards hold no `text` column)"
    return (f"{stats['chars_kept']:,} characters (about {stats['tokens_kept_estimate']:,} tokens at "
            f"{CHARS_PER_TOKEN} characters per token)")


def nothing_kept(stats: dict) -> str | None:
    """The line that ends a run that kept no document (None when it kept some)."""
    if stats["kept"]:
        return None
    why = (f"all {stats['read']:,} documents were removed (the table says by which rule"
           f"{', the warnings above why' if stats.get('warnings') else ''})") if stats["read"] else "no input documents"
    return (f"NOTHING KEPT: {why}; the dataset holds one empty shard, which datasets.load_dataset cannot load "
            '(Instruction "train" corresponds to no data)')


def _rule_order(plan: SubsetPlan) -> list[str]:
    recipe = plan.loaded.recipe
    order = ["dedup"] if recipe.dedup.drops("is_duplicate" in plan.schema.names) else []
    order += [name for name, _ in plan.rules]
    order += ["line_filters"] if plan.line_rules else []
    return order + (["sample"] if recipe.sample else [])


def _place_shards(out: OutputDir, config: str, written: list) -> list[dict]:
    """Move the staged shards to data/{config}/train-XXXXX-of-YYYYY.parquet, in input order."""
    folder = posixpath.join("data", config)
    if out.fs.exists(out.join("data")):  # left by a run that died while placing shards
        out.fs.rm(out.join("data"), recursive=True)
    out.fs.makedirs(out.join(folder), exist_ok=True)
    files = []
    for index, record in enumerate(written):
        name = posixpath.join(folder, f"train-{index:05d}-of-{len(written):05d}.parquet")
        out.fs.mv(out.join(record["file"]), out.join(name))
        files.append({"file": name, "rows": record["rows"], "bytes": record["bytes"]})
    out.fs.rm(out.join("_shards"), recursive=True)
    return files


def explain(spark, plan: SubsetPlan, rows: int) -> tuple[Stats, dict]:
    """The books of the rules on the first `rows` documents, and the removals on a null per rule; nothing written."""
    stats, _, on_null = count_decisions(plan, read_inputs(spark, plan).limit(rows))
    return stats, on_null

