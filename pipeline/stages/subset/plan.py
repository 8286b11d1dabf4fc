"""A recipe checked against its inputs before Spark starts: the columns its rules read, the files it reads and
writes, the warnings it earns; everything `curate subset` needs to run it."""

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

import pyarrow as pa
import pyarrow.parquet as pq

from filters.kinds import ANY, BOOLEAN, NUMBER, STRING, compile_rule, list_of
from filters.nodes import Node, RuleError, columns_of
from filters.parser import parse
from filters.suggest import closest
from pipeline.readers.documents import DOCUMENT_SUFFIXES, is_parquet, open_documents
from pipeline.schema import DOCUMENT_SCHEMA
from pipeline.spark.stage import absolute_output
from pipeline.stages.signals.null_columns import (
    SignalsRun,
    columns_without_values,
    leaf_columns,
    null_rule_warning,
    signals_runs,
)
from pipeline.storage.inputs import expand_inputs, output_roots, overlapping
from pipeline.storage.locations import RetryPolicy, is_local, open_input
from pipeline.storage.output_dir import OutputDir
from pipeline.writers.hf_shards import InputBytes
from recipes.exclude import KINDS, ListError, list_values, version
from recipes.loader import LoadedRecipe, RecipeError
from recipes.schema import Dedup

Blame = Callable[[str], RecipeError]  # a message -> the error naming where it comes from (recipe line or flag)
LINE_PREFIX = "rps_lines_"  # the line-level signals: one value per line of `line_spans` (docs/signals.md)


@dataclass(frozen=True)
class Exclusion:
    """One exclusion list as the subset applies it: a `{list: LOCATION}` entry, or a kind's values written in the
    recipe (`source` None)."""
    name: str  # in the books: exclude.urls (the recipe's values), exclude.urls:LOCATION (a list file)
    kind: str  # urls, domains or ids
    source: str | None
    sha256: str  # of the list file's bytes; of the recipe's values one a line
    values: tuple[str, ...]


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
    exclusions: tuple[Exclusion, ...] = ()  # checked first, in this order


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
    if recipe.transforms.redact_pii and "text" not in columns:
        raise loaded.error(("transforms", "redact_pii"), "the shards hold no `text` to redact: add text to "
                           "output.columns" if "text" in names else "the inputs have no `text` column")
    target = absolute_output(output or recipe.output.path)
    _check_apart(output_error, [*locations, *files, *folders], target)
    exclusions = _exclusions(loaded, names)
    warnings = _dedup_warnings(loaded, names, rules, line_rules) + _null_warnings(footers, rules, line_rules, kinds,
                                                                                  signals_runs(folders))
    return SubsetPlan(loaded, files, format_, footers, schema, rules, line_rules, columns, target, warnings,
                      given_inputs=inputs, given_output=output, exclusions=exclusions)


# the column each kind of exclusion list names documents by
EXCLUDE_COLUMNS = {"urls": "url", "domains": "url", "ids": "id"}


def _exclusions(loaded: LoadedRecipe, names: set[str]) -> tuple[Exclusion, ...]:
    """The recipe's exclusion lists, the list files read and every value checked."""
    exclusions = []
    for kind in KINDS:
        entries = getattr(loaded.recipe.exclude, kind)
        if entries and EXCLUDE_COLUMNS[kind] not in names:
            raise loaded.error(("exclude", kind), f"the inputs have no `{EXCLUDE_COLUMNS[kind]}` column to match")
        written = [entry for entry in entries if isinstance(entry, str)]
        if written:
            text = "\n".join(written)
            exclusions.append(Exclusion(f"exclude.{kind}", kind, None, version(text.encode()),
                                        tuple(list_values(kind, text, loaded.source))))
        for index, entry in enumerate(entries):
            if isinstance(entry, str):
                continue
            at = ("exclude", kind, index, "list")
            try:
                with open_input(entry.list, retry=RetryPolicy()) as stream:
                    data = stream.read()
            except Exception as exc:  # noqa: BLE001 - any failure to read is reported against the recipe's line
                raise loaded.error(at, f"cannot read {entry.list}: {exc}") from None
            try:
                values = list_values(kind, data.decode("utf-8-sig"), entry.list)
            except UnicodeDecodeError:
                raise loaded.error(at, f"{entry.list}: not UTF-8 text") from None
            except ListError as exc:
                raise loaded.error(at, str(exc)) from None
            name = f"exclude.{kind}:{entry.list}"
            if any(item.name == name for item in exclusions):
                raise loaded.error(at, f"{entry.list} is given twice; the books count each list once")
            exclusions.append(Exclusion(name, kind, entry.list, version(data), tuple(values)))
    return tuple(exclusions)


def kind_of_type(type_: pa.DataType) -> str:
    """The kind of value (filters.kinds) a column of this Arrow type gives a rule."""
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
