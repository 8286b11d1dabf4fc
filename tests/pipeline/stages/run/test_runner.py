"""`curate run` on the demo's pipeline file: a first run makes every stage, a rerun reuses them all, and a changed
dedup threshold makes dedup and what reads it again, not ingest or signals."""

import json
import os
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from pipeline.cli.main import main
from pipeline.demo.run import write_demo
from tests.helpers.output_files import written_times

SEALED = ("documents", "signals", "dedup", "subset")


def job(root: Path, name: str) -> dict:
    return json.loads((root / name / "_job.json").read_text())


@pytest.fixture(scope="module")
def demo(spark, tmp_path_factory) -> Path:
    """The demo's pipeline run once, from another folder than its own (its paths are relative to the file)."""
    root = tmp_path_factory.mktemp("pipeline")
    pipeline = write_demo(str(root))
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(tmp_path_factory.mktemp("elsewhere"))
        assert main(["run", os.path.relpath(pipeline), "--quiet"]) == 0
    return root


def test_the_pipeline_makes_every_stage_with_its_log(demo):
    for name in SEALED:
        assert (demo / name / "_SUCCESS").exists()
    assert job(demo, "signals")["inputs"] == sorted(str(path) for path in (demo / "documents").glob("part-*"))
    assert job(demo, "dedup")["inputs"] == sorted(str(path) for path in (demo / "signals").glob("part-*"))
    shards = sorted((demo / "subset" / "data" / "default").glob("train-*.parquet"))
    stats = json.loads((demo / "subset" / "_stats.json").read_text())
    assert sum(pq.read_metadata(path).num_rows for path in shards) == stats["kept"] > 0
    assert [path for path in demo.rglob("data") if path.is_dir()] == [demo / "subset" / "data"]
    assert (demo / "subset" / "report.html").exists()
    for name in ("ingest", "signals", "dedup", "subset", "report"):
        log = (demo / "_logs" / f"{name}.txt").read_text()
        assert log.startswith("--- ") and "run: no output yet" in log.splitlines()[0]
    documents = json.loads((demo / "documents" / "_stats.json").read_text())
    assert f"{documents['read']:,}" in (demo / "_logs" / "ingest.txt").read_text()  # its summary, as printed


def test_a_rerun_runs_nothing(demo, capsys):
    before = written_times(demo, SEALED)
    assert main(["run", str(demo / "pipeline.yaml"), "--quiet"]) == 0
    assert written_times(demo, SEALED) == before
    printed = capsys.readouterr().out
    table = printed.split("\nstage ")[-1].split("\n\n")[0].splitlines()[1:]
    assert [line.split()[:2] for line in table] == [
        [name, "reused"] for name in ("ingest", "signals", "dedup", "subset", "report")]
    # the run ends with the audit: of the books alone when nothing ran (no Spark)
    assert printed.rstrip().endswith("audit passed") and "the rows (keys, texts) were not checked" in printed


def test_an_unfinished_stage_resumes_and_what_follows_reruns(demo, capsys):
    seal = {name: (demo / "signals" / name).read_bytes() for name in ("_SUCCESS", "_stats.json", "_manifest.json")}
    for name in seal:  # as a run killed before the seal leaves it: every unit committed, nothing sealed
        (demo / "signals" / name).unlink()
    try:
        assert main(["run", str(demo / "pipeline.yaml"), "--dry-run"]) == 0
    finally:
        for name, data in seal.items():
            (demo / "signals" / name).write_bytes(data)
    plan = [line.split()[:2] for line in capsys.readouterr().out.splitlines() if line.startswith("  ")]
    assert plan == [["ingest", "reuse"], ["signals", "resume"], ["dedup", "rerun"], ["subset", "rerun"],
                    ["report", "rerun"]]


def test_a_changed_threshold_reruns_dedup_subset_and_report(demo, capsys):
    pipeline = demo / "pipeline.yaml"
    pipeline.write_text(pipeline.read_text().replace("thresholds: [0.8]", "thresholds: [0.7]"))
    before = written_times(demo, SEALED)

    assert main(["run", str(pipeline), "--dry-run"]) == 0
    assert written_times(demo, SEALED) == before  # the plan ran nothing
    plan = {line.split()[0]: line.split(None, 3)[1:] for line in capsys.readouterr().out.splitlines()
            if line.startswith("  ")}
    assert {name: row[0] for name, row in plan.items()} == {
        "ingest": "reuse", "signals": "reuse", "dedup": "rerun", "subset": "rerun", "report": "rerun"}
    assert "thresholds" in plan["dedup"][2] and "dedup will be made again" in plan["subset"][2]

    assert main(["run", str(pipeline), "--quiet"]) == 0
    assert capsys.readouterr().out.rstrip().endswith("audit passed")  # the rows too: steps ran
    after = written_times(demo, SEALED)
    for name in ("documents", "signals"):
        assert {path: time for path, time in after.items() if path.startswith(name)} == \
               {path: time for path, time in before.items() if path.startswith(name)}
    assert job(demo, "dedup")["thresholds"] == [0.7]
    assert after["dedup/_SUCCESS"] != before["dedup/_SUCCESS"]
    assert after["subset/_SUCCESS"] != before["subset/_SUCCESS"]
    assert after["subset/report.html"] != before["subset/report.html"]
