"""`curate audit DIR`: the books of every stage output under DIR, checked alone and across the stages, and (with
Spark) their rows: proof that nothing was lost or changed on the way (docs/pipeline.md, "Status and audit")."""

from pipeline.stages.audit.books import check_books
from pipeline.stages.audit.report import AuditReport
from pipeline.storage.stage_outputs import find_outputs


def run_audit(spark, root: str) -> AuditReport:
    """Audit the stage outputs under `root`; without a Spark session (None) only the books, not the rows."""
    report = AuditReport(root)
    outputs = find_outputs(root)
    readable = [output for output in outputs if check_books(report, output)]
    if spark is None:
        report.notes.append("no Spark session: the rows (keys, texts) were not checked")
        return report
    from pipeline.stages.audit.rows import check_rows  # late: pyspark loads only when rows are checked

    for output in readable:
        if all(upstream in readable for upstream in output.upstream):
            check_rows(spark, report, output)
    return report
