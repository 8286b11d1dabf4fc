"""Progress lines count committed units and units still running."""

from pipeline.accounting import Stats
from pipeline.commit import OutputDir
from pipeline.progress import UnitProgress, reporting


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
