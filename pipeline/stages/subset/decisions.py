"""Which documents a recipe keeps: for each one, the first rule it fails, and the sample; counted for the books."""

import math
from collections import Counter
from collections.abc import Callable

import pyarrow as pa
from pyspark.sql import Window
from pyspark.sql import functions as F

from filters.nodes import columns_of
from pipeline.accounting import Stats
from pipeline.stages.subset.attribution import CREDIT, CREDIT_SOURCE, CREDIT_URL, credit_columns
from pipeline.stages.subset.plan import EXCLUDE_COLUMNS, Exclusion, SubsetPlan
from pipeline.stages.subset.redaction import LANGUAGE_HINT
from pipeline.stages.subset.rules import to_column

REASON = "_curate_reason"
NULL_MARK = "\0null"  # after a rule's name in REASON: the rule was null, not false (no rule name holds \0)
HASH_RANGE = float(1 << 53)
# A URL's host: after the scheme and any user info, up to a port, path, query or fragment (RFC 3986, section 3)
URL_HOST = r"^[A-Za-z][A-Za-z0-9+.-]*://(?:[^@/?#]*@)?([^:/?#]*)"


def decisions(plan: SubsetPlan, frame, cutoffs: dict | None = None, mark_nulls: bool = False):
    """The frame with REASON: the first rule a document fails (null when kept), followed by NULL_MARK when the
    rule was null rather than false and `mark_nulls`.

    `cutoffs` (from `sample_cutoffs`) replaces the window of a `max_docs` sample by a filter."""
    def reason(name: str, check):
        # evaluates the failed rule a second time, for the failed documents only (a second CASE over every
        # document took longer on bench.subset's million rows, as measured in docs/benchmarks.md)
        return F.when(check.isNull(), F.lit(name + NULL_MARK)).otherwise(F.lit(name)) if mark_nulls else F.lit(name)

    frame = frame.withColumn(REASON, _first_failed(plan, reason).cast("string"))
    return _sample(plan, frame, cutoffs) if plan.loaded.recipe.sample else frame


def _first_failed(plan: SubsetPlan, value: Callable):
    """`value(name, check)` of the first check a document fails, in the order of FIRST_FAILED; null if none."""
    recipe = plan.loaded.recipe
    checks: list[tuple[str, object]] = [(item.name, ~_excluded(plan, index))
                                        for index, item in enumerate(plan.exclusions)]
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


def _excluded(plan: SubsetPlan, index: int):
    """Whether the plan's exclusion list `index` names a document (false, not null, for one without the column)."""
    return F.coalesce(*[F.col(mark) for mark, _, _ in _marks(plan.exclusions[index], index)], F.lit(False))


def _marks(item: Exclusion, index: int) -> list[tuple[str, int | None, list[str]]]:
    """(column, labels, values): the columns `read_inputs` adds for a list, true where its values name the
    document. A domain list has one per number of labels among its domains: a host matches a domain of d labels
    by its last d labels."""
    if item.kind != "domains":
        return [(f"_curate_excluded_{index}", None, list(item.values))]
    by_labels: dict[int, list[str]] = {}
    for domain in item.values:
        by_labels.setdefault(domain.count(".") + 1, []).append(domain)
    return [(f"_curate_excluded_{index}_{labels}", labels, values) for labels, values in sorted(by_labels.items())]


def _with_exclusions(spark, plan: SubsetPlan, frame):
    """The frame with the marks of the exclusion lists, by a broadcast join on a table of each list's values: a
    set of literals in the query would cost a call into the JVM per value (30 s for 100,000 on this machine)."""
    host = F.regexp_replace(F.lower(F.regexp_extract(F.col("url"), URL_HOST, 1)), r"\.$", "")
    for index, item in enumerate(plan.exclusions):
        for mark, labels, values in _marks(item, index):
            key = F.col(EXCLUDE_COLUMNS[item.kind]) if labels is None else \
                F.array_join(F.slice(F.split(host, r"\."), -labels, labels), ".")
            table = spark.createDataFrame(pa.table({f"{mark}_value": pa.array(values, pa.string())}))
            table = table.withColumn(mark, F.lit(True))
            frame = frame.join(F.broadcast(table), key == table[f"{mark}_value"], "left").drop(f"{mark}_value")
    return frame


def _lines(plan: SubsetPlan):
    """One struct per line: its span and the line-level values the rules name."""
    names = sorted(set().union(*(columns_of(node) for _, node in plan.line_rules)))
    return F.arrays_zip(F.col("line_spans").alias("span"), *[F.col(f"`{name}`").alias(name) for name in names])


def _line_keeps(plan: SubsetPlan):
    """line struct -> whether every line rule keeps it (a null result drops the line, as in SQL WHERE)."""
    def keeps(line):
        verdict = F.lit(True)
        for _, node in plan.line_rules:
            verdict = verdict & F.coalesce(to_column(node, lambda name: line[name]), F.lit(False))
        return verdict

    return keeps


def sample_draw(seed: int):
    """A number in [0, 1) per document from its id and the seed: the same on any partitioning (and in Python:
    pipeline/stages/translate/selection.py, `draws`)."""
    return F.pmod(F.xxhash64(F.col("id"), F.lit(seed)), F.lit(1 << 53)) / F.lit(HASH_RANGE)


def _sample(plan: SubsetPlan, frame, cutoffs: dict | None):
    """Mark as `sample` the rule-passing documents the sample leaves out."""
    sample = plan.loaded.recipe.sample
    draw = sample_draw(sample.seed)
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
    sample = plan.loaded.recipe.sample
    if not sample or sample.max_docs is None:
        return None
    group = F.col(sample.by) if sample.weights else F.lit(0)
    last = F.max(F.struct(sample_draw(sample.seed).alias("draw"), F.col("id").alias("id"))).alias("last")
    rows = decisions(plan, frame).filter(F.col(REASON).isNull()).groupBy(group.alias("group")).agg(last).collect()
    return {row["group"]: (row["last"]["draw"], row["last"]["id"]) for row in rows}


def _within(cutoffs: dict, group, draw):
    """Whether a document's (draw, id) is at most its group's cutoff (false in a group without one)."""
    inside = F.lit(False)
    for key, (last_draw, last_id) in cutoffs.items():
        at_most = (draw < F.lit(last_draw)) | ((draw == F.lit(last_draw)) & (F.col("id") <= F.lit(last_id)))
        inside = inside | ((group == F.lit(key)) & at_most)
    return inside


def _quota(sample, group):
    """Documents each group may keep: max_docs shared by weight (largest remainders first), or max_docs."""
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
    """The inputs as one frame, with the marks of the exclusion lists."""
    frame = spark.read.parquet(*plan.inputs) if plan.format == "parquet" else spark.read.json(plan.inputs)
    return _with_exclusions(spark, plan, frame)


MIX_COLUMNS = ("language", "source", "license", "license_tier", "tdm_reserved",
               "mt_model", "mt_model_license")  # the last two: of `curate translate`


def count_decisions(plan: SubsetPlan, frame) -> tuple[Stats, dict, dict, Counter | None]:
    """The books (per rule: the documents it was the first to fail), the mix of the kept (per language, source,
    licence, tier and opt-out), per rule how many of its removals were on a null value, and the kept documents
    that require credit by (source, attribution, has a URL) (None without `license_tier`: attribution.py).

    Reads only the columns the rules name, the mix columns and those of the credit."""
    mix_columns = [name for name in MIX_COLUMNS if name in plan.schema.names]
    credit = credit_columns(plan)
    counts = (decisions(plan, frame, mark_nulls=True).groupBy(REASON, *mix_columns, *credit)
              .agg(F.count(F.lit(1)).alias("n")).collect())
    credited = Counter() if credit else None
    stats, mix = Stats(dropped=Counter(dict.fromkeys(rule_order(plan), 0))), {name: {} for name in mix_columns}
    nulls = Counter()
    for row in counts:
        if row[REASON] is not None:
            name = row[REASON].removesuffix(NULL_MARK)
            stats.drop(name, row["n"])
            if name != row[REASON]:
                nulls[name] += row["n"]
            continue
        stats.keep(row["n"])
        if credit and row[CREDIT_URL] is not None:
            credited[row[CREDIT_SOURCE], row[CREDIT], row[CREDIT_URL]] += row["n"]
        for name in mix_columns:
            value = str(row[name])
            mix[name][value] = mix[name].get(value, 0) + row["n"]
    mix = {name: dict(sorted(values.items(), key=lambda kv: (-kv[1], kv[0]))) for name, values in mix.items()}
    return stats, mix, {name: nulls[name] for name in rule_order(plan) if nulls[name]}, credited


def kept_documents(plan: SubsetPlan, frame, cutoffs: dict | None):
    """The documents the recipe keeps, all their columns."""
    return decisions(plan, frame, cutoffs).filter(F.col(REASON).isNull())


def kept_rows(plan: SubsetPlan, frame, cutoffs: dict | None):
    """The kept documents' output columns, the text rebuilt from the kept lines when there are line rules; with
    the language under LANGUAGE_HINT when phone numbers are redacted and the shards leave the language out."""
    kept = kept_documents(plan, frame, cutoffs)
    if plan.line_rules and "text" in plan.columns:
        lines = F.filter(_lines(plan), _line_keeps(plan))
        text = F.concat_ws("", F.transform(lines, lambda line: F.substring(
            F.col("text"), line["span"][0] + 1, line["span"][1] - line["span"][0])))
        kept = kept.withColumn("text", text)
    redact_pii = plan.loaded.recipe.transforms.redact_pii
    hint = [F.col("language").alias(LANGUAGE_HINT)] if redact_pii and redact_pii.phones and \
        "language" in plan.schema.names and "language" not in plan.columns else []
    return kept.select(*[F.to_json(F.col(f"`{name}`")).alias(name) if pa.types.is_map(plan.schema.field(name).type)
                         else F.col(f"`{name}`") for name in plan.columns], *hint)


def rule_order(plan: SubsetPlan) -> list[str]:
    recipe = plan.loaded.recipe
    order = [item.name for item in plan.exclusions]
    order += ["dedup"] if recipe.dedup.drops("is_duplicate" in plan.schema.names) else []
    order += [name for name, _ in plan.rules]
    order += ["line_filters"] if plan.line_rules else []
    return order + (["sample"] if recipe.sample else [])
