"""`curate report DIR`: one self-contained HTML page about a subset: what each rule removed, the key signals of
the kept and the removed documents, the language and source mix, the duplicate clusters, removed examples.

The subset's inputs are read again with the recipe kept in its `_job.json`, through the same decisions as
`curate subset`. Everything is aggregated on Spark; only fixed-size results (histogram bins, the most frequent
values, a few examples per rule) reach the driver."""

import re
import sys
from dataclasses import dataclass
from html import escape

from pyspark.sql import Window
from pyspark.sql import functions as F

from pipeline.spark.progress import TaskProgress
from pipeline.stages.report.charts import Segment, axis_ticks, column_chart, row_chart
from pipeline.stages.signals.null_columns import SignalsRun, likely_cause, signals_runs
from pipeline.stages.subset.decisions import MIX_COLUMNS, REASON, decisions, read_inputs
from pipeline.stages.subset.plan import SubsetPlan, plan_subset
from pipeline.stages.subset.summary import FIRST_FAILED, kept_size, null_notes, redaction_note
from pipeline.storage.inputs import output_roots
from pipeline.storage.locations import shown_path
from pipeline.storage.output_dir import OutputDir
from recipes.loader import parse_recipe

# The signals drawn when the inputs have them: column, title, whether its bins are on a log scale.
SIGNALS = [
    ("rps_doc_word_count", "Words per document", True),
    ("rps_doc_mean_word_length", "Mean word length", False),
    ("rps_doc_stop_word_fraction", "Stop-word fraction", False),
    ("rps_doc_frac_chars_top_2gram", "Share of characters in the most frequent 2-gram", False),
    ("rps_doc_frac_chars_dupe_10grams", "Share of characters in duplicated 10-grams", False),
    ("ccnet_perplexity", "Perplexity (CCNet 5-gram model)", True),
]
BINS = 24
RANGE = (0.01, 0.99)  # histogram range: these quantiles; values outside land in the first or last bar
TOP_VALUES = 12
EXAMPLES = 3
EXAMPLE_CHARS = 600
KEPT = "_curate_kept"
BUILT_IN_RULES = {"dedup": "the document is a duplicate (is_duplicate)",
                  "line_filters": "no line passed the line rules",
                  "sample": "left out by the sample"}


@dataclass(frozen=True)
class Histogram:
    column: str
    title: str
    log: bool
    edges: list[float]  # of the binned value: log10 of the signal when `log`
    kept: list[int]
    removed: list[int]
    nulls: dict[str, int]


def load_subset(directory: str) -> tuple[SubsetPlan, dict]:
    """The plan of the recipe that made `directory`, on the inputs it read, and its books."""
    out = OutputDir(directory)
    if not out.fs.isdir(out.path):
        raise ValueError(f"no such folder: {directory}")
    job = out.job_of("subset")
    if job is None:
        raise ValueError(f"{directory} is not a `curate subset` output (no _job.json)")
    if not out.complete:
        raise ValueError(f"{directory} is not a complete `curate subset` output (no _SUCCESS: the job has not "
                         "finished; rerun it)")
    plan = plan_subset(parse_recipe(job["recipe"], f"{out.join('_job.json')} (its recipe)"), directory,
                       job["inputs"])
    return plan, out.read_json("_stats.json")


def run_report(spark, directory: str, progress: bool = True) -> str:
    """Write DIR/report.html; returns its path."""
    plan, stats = load_subset(directory)
    with TaskProgress(spark, "report", enabled=progress):
        page = _page(spark, plan, stats)
    out = OutputDir(directory)
    out.write_text("report.html", page)
    return out.join("report.html")


def _page(spark, plan: SubsetPlan, stats: dict) -> str:
    """The report's page, from the subset's inputs read again."""
    documents = read_inputs(spark, plan)
    frame = decisions(plan, documents).withColumn(KEPT, F.col(REASON).isNull())
    books = {row[REASON]: row["count"] for row in frame.groupBy(REASON).count().collect()}
    warning = _books_differ(stats, books)
    if warning:
        print(f"curate report: warning: {warning}", file=sys.stderr)
    names = set(plan.schema.names)
    return render_page(
        plan, stats, warning,
        histograms=histograms(documents, frame, [signal for signal in SIGNALS if signal[0] in names]),
        mixes={name: mix(frame, name, books) for name in MIX_COLUMNS if name in names},
        clusters=cluster_sizes(documents) if "dup_cluster" in names else None,
        examples=examples(documents, frame, names),
        runs=signals_runs(output_roots(plan.inputs)),
    )


def _books_differ(stats: dict, books: dict) -> str | None:
    """A warning when the inputs no longer give the subset's books (they changed since it ran)."""
    kept = books.get(None, 0)
    dropped = {name: count for name, count in books.items() if name is not None}
    if kept == stats["kept"] and dropped == {k: v for k, v in stats["dropped"].items() if v}:
        return None
    return (f"the inputs now give {kept:,} kept and {sum(dropped.values()):,} removed, the subset's books "
            f"{stats['kept']:,} and {sum(stats['dropped'].values()):,}: they changed since `curate subset` ran")


def _value(name: str, log: bool):
    """The binned value of a signal: a double, NaN as null, log10 (of at least 1) when `log`."""
    value = F.col(f"`{name}`").cast("double")
    value = F.when(F.isnan(value), None).otherwise(value)
    # greatest() skips nulls (greatest(null, 1) is 1), so a null must stay null explicitly
    return F.when(value.isNotNull(), F.log10(F.greatest(value, F.lit(1.0)))) if log else value


def histograms(documents, frame, signals: list[tuple[str, str, bool]]) -> list[Histogram]:
    """Per signal, BINS bars over its central range, counted for the kept and the removed documents."""
    if not signals:
        return []
    quantiles = documents.agg(*[F.percentile_approx(_value(name, log), list(RANGE), 10_000).alias(name)
                                for name, _, log in signals]).first()
    ranges = {}
    for name, _, _ in signals:
        low, high = quantiles[name] or (0.0, 1.0)
        ranges[name] = (low, high if high > low else low + 1)
    bins = [F.struct(F.lit(name).alias("signal"), _bin(_value(name, log), *ranges[name]).alias("bin"))
            for name, _, log in signals]
    counts = (frame.select(KEPT, F.explode(F.array(*bins)).alias("b"))
              .groupBy(KEPT, "b.signal", "b.bin").count().collect())
    result = []
    for name, title, log in signals:
        low, high = ranges[name]
        found = {(row[KEPT], row["bin"]): row["count"] for row in counts if row["signal"] == name}
        result.append(Histogram(
            name, title, log, [low + (high - low) * i / BINS for i in range(BINS + 1)],
            kept=[found.get((True, i), 0) for i in range(BINS)],
            removed=[found.get((False, i), 0) for i in range(BINS)],
            nulls={"kept": found.get((True, -1), 0), "removed": found.get((False, -1), 0)}))
    return result


def _bin(value, low: float, high: float):
    """The bar of a value: 0..BINS-1, clamped at the ends; -1 for null."""
    index = F.floor((value - F.lit(low)) / F.lit((high - low) / BINS)).cast("int")
    return F.when(value.isNull(), -1).otherwise(F.least(F.greatest(index, F.lit(0)), F.lit(BINS - 1)))


def mix(frame, column: str, books: dict) -> list[tuple[str, int, int]]:
    """(value, kept, removed) for the TOP_VALUES most frequent values of `column`, then "other"."""
    rows = (frame.groupBy(F.coalesce(F.col(column).cast("string"), F.lit("(none)")).alias("value"))
            .agg(F.count_if(F.col(KEPT)).alias("kept"), F.count_if(~F.col(KEPT)).alias("removed"))
            .orderBy(F.desc(F.col("kept") + F.col("removed")), "value").limit(TOP_VALUES).collect())
    shown = [(row["value"], row["kept"], row["removed"]) for row in rows]
    kept = books.get(None, 0) - sum(row[1] for row in shown)
    removed = sum(count for name, count in books.items() if name is not None) - sum(row[2] for row in shown)
    return shown + ([("other", kept, removed)] if kept or removed else [])


def cluster_sizes(documents) -> tuple[list[tuple[str, int, int]], int]:
    """Duplicate clusters (rows sharing a `dup_cluster`) by size: (size range, clusters, documents), and the
    number of documents in no cluster. Sizes above 4 go in powers of two: 5-8, 9-16, ..."""
    sizes = documents.filter(F.col("dup_cluster").isNotNull()).groupBy("dup_cluster").count()
    # The power of two at or above the size: 2 ** (bit length of size - 1), exact in doubles.
    power = F.pow(F.lit(2), F.length(F.bin(F.col("count") - 1))).cast("long")
    bucket = F.when(F.col("count") <= 4, F.col("count")).otherwise(power)
    rows = (sizes.groupBy(bucket.alias("upper"))
            .agg(F.count(F.lit(1)).alias("clusters"), F.sum("count").alias("documents")).orderBy("upper").collect())
    alone = documents.filter(F.col("dup_cluster").isNull()).count()
    return [(_size_range(row["upper"]), row["clusters"], row["documents"]) for row in rows], alone


def _size_range(upper: int) -> str:
    return str(upper) if upper <= 4 else f"{upper // 2 + 1}-{upper}"


def examples(documents, frame, names: set[str]) -> dict[str, list[dict]]:
    """Up to EXAMPLES removed documents per rule, the same ones on every run (lowest hash of the id)."""
    order = Window.partitionBy(REASON).orderBy(F.xxhash64("id"), "id")
    # First the ids, from the rule columns alone: a filter on row_number lets Spark keep the first rows of each
    # rule per task before the shuffle. Then the text of those few documents only.
    picked = (frame.filter(F.col(REASON).isNotNull()).withColumn("_n", F.row_number().over(order))
              .filter(F.col("_n") <= EXAMPLES).select(REASON, "id").orderBy(REASON, "_n").collect())
    columns = ["id", *(name for name in ("url", "language") if name in names)]
    if "text" in names:
        columns += [F.substring("text", 1, EXAMPLE_CHARS).alias("excerpt"), F.length("text").alias("chars")]
    shown = documents.filter(F.col("id").isin([row["id"] for row in picked])).select(*columns).collect()
    details = {row["id"]: row.asDict() for row in shown}
    found: dict[str, list[dict]] = {}
    for row in picked:
        found.setdefault(row[REASON], []).append(details[row["id"]])
    return found


STYLE = """
body { font-family: system-ui, sans-serif; margin: 24px auto; max-width: 1000px; color: #222; padding: 0 12px; }
h1 { font-size: 22px; } h2 { font-size: 17px; margin-top: 28px; border-bottom: 1px solid #ddd; }
table.books td, table.books th { padding: 2px 10px; text-align: right; }
table.books td:first-child { text-align: left; }
.grid { display: flex; flex-wrap: wrap; gap: 12px; } .grid figure { width: 470px; } figure { margin: 0; }
figcaption { font-size: 12px; color: #555; }
.warning { background: #fff3cd; border: 1px solid #e0c36c; padding: 8px 12px; }
.example { border-left: 3px solid #d9822b; margin: 8px 0 14px; padding: 2px 10px; }
.example pre { white-space: pre-wrap; font-size: 12px; background: #fafafa; padding: 6px; margin: 4px 0;
               max-height: 9em; overflow: auto; }
code { background: #f3f3f3; padding: 0 3px; } .meta { font-size: 12px; color: #555; }
.nodata { border: 1px dashed #bbb; padding: 8px 12px; font-size: 13px; color: #555; }
.nodata .title { font-weight: bold; font-size: 11px; color: #222; }
"""


def render_page(plan: SubsetPlan, stats: dict, warning: str | None, histograms: list[Histogram],
                mixes: dict[str, list[tuple[str, int, int]]], clusters, examples: dict[str, list[dict]],
                runs: list[SignalsRun] = ()) -> str:
    recipe = plan.loaded.recipe
    removed = stats["read"] - stats["kept"]
    parts = [
        "<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
        f"<title>curate report: {escape(recipe.name)}</title><style>{STYLE}</style></head><body>",
        f"<h1>Subset <code>{escape(recipe.name)}</code></h1>",
        f'<p class="meta">{escape(recipe.description.strip())}<br>{escape(shown_path(plan.output))}; '
        f"{len(plan.inputs):,} input file{'' if len(plan.inputs) == 1 else 's'}</p>",
        f'<p class="warning">{escape(warning)}</p>' if warning else "",
        *[f'<p class="warning">{_marked(rule)}</p>' for rule in stats.get("warnings", [])],
        '<table class="books"><tr><th></th><th>documents</th><th>share</th></tr>',
        *[f"<tr><td>{name}</td><td>{count:,}</td><td>{100 * count / max(stats['read'], 1):.1f}%</td></tr>"
          for name, count in (("read", stats["read"]), ("kept", stats["kept"]), ("removed", removed))],
        f"</table><p>Kept: {escape(kept_size(stats))}.</p>",
        f"<p>{escape(redaction_note(stats))}</p>" if stats.get("redacted") else "",
        "<h2>What each rule removed</h2>",
        f"<p>{escape(FIRST_FAILED)}</p>",
        _figure(row_chart("Removal waterfall", _waterfall(stats), stats["read"]), ""),
        *[f"<p>{_marked(note)}</p>" for note in null_notes(stats)],
    ]
    if histograms:
        parts.append("<h2>Signals of the kept and the removed documents</h2><div class=\"grid\">")
        parts += [_histogram(item, runs) for item in histograms]
        parts.append("</div>")
    for name, rows in mixes.items():
        parts.append(f"<h2>{name.capitalize()} mix</h2>")
        chart = row_chart(f"Documents by {name}", [
            (value, [Segment("kept", 0, kept), Segment("removed", kept, removed)]) for value, kept, removed in rows],
            max([1, *(kept + removed for _, kept, removed in rows)]))
        parts.append(_figure(chart, f"The {TOP_VALUES} most frequent values; the rest under other."))
    if clusters is not None:
        rows, alone = clusters
        parts.append("<h2>Duplicate clusters</h2>")
        chart = column_chart("Clusters by size (documents per cluster)", [r[0] for r in rows],
                             {"clusters": [r[1] for r in rows]}, "documents in the cluster")
        grouped = sum(r[2] for r in rows)
        parts.append(_figure(chart, f"{sum(r[1] for r in rows):,} clusters hold {grouped:,} documents; "
                                    f"{alone:,} documents are in no cluster (from dup_cluster of curate dedup)."))
    parts.append("<h2>Examples of removed documents</h2>")
    rules = dict(recipe.filters)
    for name in stats["rules"]:
        shown = examples.get(name, [])
        rule = rules.get(name) or BUILT_IN_RULES.get(name, "")
        parts.append(f"<h3>{escape(name)} <span class=\"meta\"><code>{escape(rule)}</code>: "
                     f"{stats['dropped'].get(name, 0):,} removed</span></h3>")
        parts += [_example(name, example) for example in shown] or ["<p class=\"meta\">none removed</p>"]
    parts.append(f"<h2>Recipe</h2><pre>{escape(plan.loaded.text)}</pre></body></html>")
    return "\n".join(part for part in parts if part) + "\n"


def _waterfall(stats: dict) -> list[tuple[str, list[Segment]]]:
    """read, then each rule's removals stepping down from what was left, then kept."""
    rows = [("read", [Segment("read", 0, stats["read"])])]
    left = stats["read"]
    for name in stats["rules"]:
        count = stats["dropped"].get(name, 0)
        left -= count
        rows.append((name, [Segment("removed", left, count)]))
    return rows + [("kept", [Segment("kept", 0, stats["kept"])])]


def _histogram(item: Histogram, runs: list[SignalsRun]) -> str:
    if not any(item.kept) and not any(item.removed):  # an empty chart would look like a broken one
        nulls = sum(item.nulls.values())
        return (f'<figure><div class="nodata"><span class="title">{escape(item.title)}</span><p>No values: '
                f"<code>{escape(item.column)}</code> is null in all {nulls:,} documents. Likely cause: "
                f"{_marked(likely_cause(item.column, runs))}.</p></div></figure>")
    edges = [_short(10**edge if item.log else edge) for edge in item.edges]
    labels = [f"{edges[i]} to {edges[i + 1]}" for i in range(BINS)]
    axis = f"{item.column} (log scale)" if item.log else item.column
    chart = column_chart(item.title, labels, {"kept": item.kept, "removed": item.removed}, axis,
                         ticks=axis_ticks(item.edges[0], item.edges[-1], item.log))
    nulls = ", ".join(f"{count:,} {name}" for name, count in item.nulls.items() if count)
    caption = f"From the {RANGE[0]:.0%} to the {RANGE[1]:.0%} quantile; values beyond are in the end bars."
    return _figure(chart, caption + (f" Null: {nulls}." if nulls else ""))


def _marked(text: str) -> str:
    """Plain text with `code` spans (as the card and the console write them) as HTML."""
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", escape(text))


def _short(value: float) -> str:
    return f"{value:.3g}" if abs(value) < 1000 else f"{value:,.0f}"


def _figure(svg: str, caption: str) -> str:
    return f"<figure>{svg}<figcaption>{escape(caption)}</figcaption></figure>" if caption else f"<figure>{svg}</figure>"


def _example(rule: str, example: dict) -> str:
    where = " ".join(escape(str(example[key])) for key in ("url", "language") if example.get(key))
    text = ""
    if "excerpt" in example:
        more = f" ... ({example['chars']:,} characters)" if (example["chars"] or 0) > EXAMPLE_CHARS else ""
        text = f"<pre>{escape(example['excerpt'] or '')}{more}</pre>"
    return (f'<div class="example" data-rule="{escape(rule)}"><div class="meta"><code>{escape(str(example["id"]))}'
            f"</code> {where}</div>{text}</div>")
