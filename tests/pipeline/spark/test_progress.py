"""Progress lines count committed units and units still running (with how far through its input each one is), or
the Spark tasks of a one-query job."""

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipeline.accounting import Stats
from pipeline.readers.warc.records import read_records
from pipeline.spark.progress import PROGRESS_DIR, TaskProgress, UnitProgress, UnitReport, reporting
from pipeline.spark.stage import Unit, process_unit
from pipeline.stages.signals.run import Signals
from pipeline.storage.locations import open_input
from pipeline.storage.output_dir import OutputDir
from tests.helpers.http_server import LoopbackServer

CURATE = str(Path(sys.executable).parent / "curate")


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


def test_a_running_unit_counts_for_the_part_of_its_input_done(tmp_path, capsys):
    """Two of four units committed in 10 s and one half through: 2.5 units' work done, 1.5 to go at that pace."""
    out = OutputDir(str(tmp_path))
    progress = UnitProgress(out, "ingest", total=4, enabled=False)
    with progress:
        progress._start -= 10  # the run began 10 s ago
        for unit in ("a", "b"):
            record = {"unit": unit, "status": "ok", "files": [], "stats": Stats(read=1, kept=1).to_dict()}
            out.commit_unit(unit, record)
        UnitReport(out, "c", Stats(), every=0).advance(500, 1000)
        progress.report()
    assert re.search(r"\[ingest\] files 2/4 \(1 running\).*  done 62%  ETA 00:00:0[56]$", capsys.readouterr().err)


def test_a_one_file_ingest_shows_how_far_through_the_file_it_is_and_an_eta(shared_data, tmp_path):
    """`curate ingest one.warc.gz`: the ETA was "-" until the end, the one unit being the whole job."""
    one = tmp_path / "one.warc.gz"  # real Common Crawl records, a gzip member each: a file of a few MB
    one.write_bytes(b"".join((shared_data / "cc" / name).read_bytes() for name in
                             ("dolma-sample-0000.warc.gz", "dolma-sample-0001.warc.gz") * 4))
    result = subprocess.run([CURATE, "ingest", str(one), "--output", str(tmp_path / "docs"), "--master", "local[1]"],
                            capture_output=True, text=True, timeout=600,
                            env={**os.environ, "CURATE_PROGRESS_EVERY": "0.3"})
    assert result.returncode == 0, result.stderr[-2000:]
    lines = [line for line in result.stderr.splitlines() if line.startswith("[ingest] files")]
    running = [re.fullmatch(r"\[ingest\] files 0/1 \(1 running\).*  done (\d+)%  ETA (\d\d:\d\d:\d\d)", line)
               for line in lines]
    assert any(match and 0 < int(match[1]) < 100 for match in running), lines
    assert lines[-1].startswith("[ingest] files 1/1 (0 running)") and "done 100%" in lines[-1]


def test_a_file_read_over_http_reports_the_bytes_read_of_its_content_length(shared_data, tmp_path):
    data = (shared_data / "cc" / "dolma-sample-0001.warc.gz").read_bytes()
    report = UnitReport(OutputDir(str(tmp_path)), "u", Stats(), every=0)
    with LoopbackServer({"/one.warc.gz": data}) as server:
        open_at = report.opener(lambda offset: open_input(server.url("/one.warc.gz"), offset))
        assert sum(1 for _ in read_records(open_at, "one.warc.gz", 2**20)) == 34
    on_disk = json.loads((tmp_path / PROGRESS_DIR / "u.json").read_text())
    assert (on_disk["done"], on_disk["size"]) == (len(data), len(data))


def test_a_signals_unit_reports_the_rows_done_of_its_file(tmp_path, monkeypatch):
    """Parquet and JSON lines alike: the rows done of the file's row count (a Parquet footer's, or the rows parsed)."""
    monkeypatch.setenv("CURATE_PROGRESS_EVERY", "0")
    rows = [{"id": str(i), "text": f"document number {i} of the file"} for i in range(2500)]
    parquet, jsonl = tmp_path / "docs.parquet", tmp_path / "docs.jsonl"
    pq.write_table(pa.Table.from_pylist(rows), parquet)
    jsonl.write_text("".join(json.dumps(row) + "\n" for row in rows))
    for location in (parquet, jsonl):
        out = tmp_path / f"out-{location.suffix[1:]}"
        assert process_unit(Signals(), Unit(str(location), "u", 0, OutputDir(str(out))))["status"] == "ok"
        report = json.loads((out / PROGRESS_DIR / "u.json").read_text())
        assert (report["read"], report["done"], report["size"]) == (2500, 2500, 2500), location


@pytest.mark.filterwarnings("error::pytest.PytestUnhandledThreadExceptionWarning")
def test_a_one_query_job_reports_its_spark_tasks_while_it_runs(spark, capsys):
    def slow(row):
        time.sleep(1.5)
        return row

    with TaskProgress(spark, "subset", interval=0.3):
        spark.sparkContext.parallelize(range(4), 4).map(slow).collect()
    lines = capsys.readouterr().err.splitlines()
    assert any(re.fullmatch(r"\[subset\] Spark tasks [0-3]/4 \([1-4] running\)  elapsed \d+s  ETA of this step "
                            r"(-|\d\d:\d\d:\d\d)", line) for line in lines), lines
    assert re.fullmatch(r"\[subset\] done in \d+s", lines[-1])
