"""The rows of each stage output, on Spark: no key twice, and every row upstream with the same text (by hash)."""

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from pipeline.stages.audit.report import AuditReport
from pipeline.storage.locations import shown_path
from pipeline.storage.stage_outputs import StageOutput

# a row's key: `target_language` joins `id` where a translation made the rows (the same id once per language)
KEY = ("id", "target_language")
EXAMPLES = 3  # rows named per disagreement


def check_rows(spark, report: AuditReport, output: StageOutput) -> None:
    """Check one output's rows (its manifest's files, all readable), adding what disagrees to `report`."""
    frame = _read(spark, output, [entry["file"] for entry in output.data_files()])
    if frame is None or "id" not in frame.columns:
        return
    key = [name for name in KEY if name in frame.columns]
    rows = frame.select(*key, *_hashed(frame), F.input_file_name().alias("_file"))
    twice = (rows.groupBy(*key).agg(F.count(F.lit(1)).alias("n"), F.min("_file").alias("_file"))
             .where("n > 1").orderBy(*key).limit(EXAMPLES).collect())
    for row in twice:
        report.fail(output, _name(output, row["_file"]), f"{_shown_key(row, key)} occurs {row['n']} times")
    _check_upstream(spark, report, output, rows, key)


def _check_upstream(spark, report: AuditReport, output: StageOutput, rows: DataFrame, key: list[str]) -> None:
    """Every row of `output` is a row of the outputs holding its inputs, with the same text."""
    for upstream in output.upstream:
        files = [entry["file"] for holder, entry in output.links.values() if holder is upstream]
        theirs = _read(spark, upstream, files)
        if theirs is None or "id" not in theirs.columns:
            continue
        joined = [name for name in key if name in theirs.columns]
        # the text is compared where both have one and the key is the same (a translation's is not)
        pairs = joined + (["_text"] if "_text" in rows.columns and "text" in theirs.columns and joined == key else [])
        upstream_rows = theirs.select(*joined, *_hashed(theirs)).select(*pairs).distinct()
        known = theirs.select(*joined).distinct().withColumn("_known", F.lit(True))
        missing = rows.join(upstream_rows, pairs, "left_anti").join(known, joined, "left")
        examples = (missing.groupBy(*key).agg(F.min("_file").alias("_file"), F.max("_known").alias("_known"))
                    .orderBy(*key).limit(EXAMPLES).collect())
        for row in examples:
            what = "has another text than in its input" if row["_known"] else "is in no input"
            report.fail(output, _name(output, row["_file"]), f"{_shown_key(row, key)} {what} ({upstream.stage} "
                        f"{shown_path(upstream.path)})")


def _read(spark, output: StageOutput, files: list[str]) -> DataFrame | None:
    paths = [output.file_path(name) for name in files]
    if not paths:
        return None
    protocol = output.out.fs.protocol
    scheme = protocol[0] if isinstance(protocol, tuple) else protocol
    if scheme not in ("file", "local"):
        paths = [f"{scheme}://{path}" for path in paths]
    return spark.read.parquet(*paths)


def _hashed(frame: DataFrame) -> list:
    """The text's hash as `_text`, when the rows have a text."""
    return [F.xxhash64("text").alias("_text")] if "text" in frame.columns else []


def _name(output: StageOutput, file: str) -> str:
    """A file Spark names (a URI) as the output's manifest does."""
    root = output.out.root.rstrip("/") + "/"
    position = file.find(root)
    return file[position + len(root):] if position >= 0 else file


def _shown_key(row, key: list[str]) -> str:
    return ", ".join(f"{name} {row[name]!r}" for name in key)
