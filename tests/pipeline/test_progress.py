"""Progress lines count committed units and units still running, or the Spark tasks of a one-query job."""

import re
import time

import pytest

from pipeline.accounting import Stats
from pipeline.commit import OutputDir
from pipeline.progress import TaskProgress, UnitProgress, reporting


def test_progress_counts_committed_and_running_units(tmp_path, capsys):
    out = OutputDir(str(tmp_path))
    done = Stats(read=100, kept=40)
    out.commit_unit("a", {"unit": "a", "status": "ok", "files": [], "stats": done.to_dict()})
    running = Stats()
    progress = UnitProgress(out, "ingest", total=3, enabled=False)
    with progress:
        for _ in reporting(iter([1, 2]), running, out, "b", every=0):
            running.keep(7)
            running.drop("not_html", 3)
        progress.report()
    line = capsys.readouterr().err
    assert "[ingest] files 1/3 (1 running)" in line
    assert "records read 120" in line and "kept 54" in line  # b: 20 read, 14 kept when it last reported


def test_a_unit_counts_as_running_from_its_start(tmp_path, capsys):
    out = OutputDir(str(tmp_path))
    progress = UnitProgress(out, "ingest", total=2, enabled=False)
    with progress:
        tables = reporting(iter([1]), Stats(), out, "a", every=3600)
        next(tables)  # the unit's first batch is out; no report is due for an hour
        progress.report()
    assert "[ingest] files 0/2 (1 running)  records read 0" in capsys.readouterr().err


@pytest.mark.filterwarnings("error::pytest.PytestUnhandledThreadExceptionWarning")
def test_a_one_query_job_reports_its_spark_tasks_while_it_runs(spark, capsys):
    def slow(row):
        time.sleep(1.5)
        return row

    with TaskProgress(spark, "subset", interval=0.3):
        spark.sparkContext.parallelize(range(4), 4).map(slow).collect()
    lines = capsys.readouterr().err.splitlines()
    assert any(re.fullmatch(r"\[subset\] Spark tasks [0-3]/4 \([12] running\)  elapsed \d+s  ETA of this step "
                            r"(-|\d\d:\d\d:\d\d)", line) for line in lines), lines
    assert re.fullmatch(r"\[subset\] done in \d+s", lines[-1])
