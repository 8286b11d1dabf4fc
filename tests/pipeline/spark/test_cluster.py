"""A real Spark standalone cluster on 127.0.0.1: master, worker, spark-submit with the code as a zip.

The cluster and the zip are made once for the module; the local runs each cluster run is compared with run in this
process, on the suite's Spark session (local[2], as `curate --master local[2]` would)."""

import json
import os
import shlex
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pyspark
import pytest

from pipeline.cli.main import main
from pipeline.demo.run import write_demo
from pipeline.spark.session import LOG4J_CONF, build_code_zip
from tests.helpers.output_files import outputs
from tests.helpers.paths import REPO
from tests.helpers.warc_fixtures import good_records, members

SPARK_HOME = Path(pyspark.__file__).parent


def free_ports(count: int) -> list[int]:
    """Ports free now and distinct (each socket held until all are chosen: one closed at once can come back)."""
    sockets = [socket.socket() for _ in range(count)]
    try:
        for held in sockets:
            held.bind(("127.0.0.1", 0))
        return [held.getsockname()[1] for held in sockets]
    finally:
        for held in sockets:
            held.close()


def wait_for(check, what: str, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.5)
    pytest.fail(f"timed out waiting for {what}")


def alive_workers(ui_port: int) -> int:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{ui_port}/json/", timeout=2) as response:
            return int(json.load(response).get("aliveworkers", 0))
    except OSError:
        return 0


WORKERS = 2  # of one core each: executors in two JVMs, as on a real cluster


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    env = {**os.environ, "SPARK_HOME": str(SPARK_HOME), "PYSPARK_PYTHON": sys.executable,
           "SPARK_LOCAL_IP": "127.0.0.1", "SPARK_LOG_DIR": str(tmp_path_factory.mktemp("spark-logs"))}
    port, ui_port, *worker_uis = free_ports(2 + WORKERS)
    spark_class = str(SPARK_HOME / "bin" / "spark-class")
    master = subprocess.Popen(
        [spark_class, "org.apache.spark.deploy.master.Master", "--host", "127.0.0.1", "--port", str(port),
         "--webui-port", str(ui_port)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    workers = [subprocess.Popen(
        [spark_class, "org.apache.spark.deploy.worker.Worker", f"spark://127.0.0.1:{port}", "--host", "127.0.0.1",
         "--cores", "1", "--memory", "1g", "--webui-port", str(worker_ui),
         "--work-dir", str(tmp_path_factory.mktemp("spark-work"))],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for worker_ui in worker_uis]
    try:
        wait_for(lambda: alive_workers(ui_port) == WORKERS, "the workers to register with the master")
        yield f"spark://127.0.0.1:{port}", env
    finally:
        for process in (*workers, master):
            process.terminate()
        for process in (*workers, master):
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()


@pytest.fixture(scope="module")
def dist(tmp_path_factory) -> Path:
    """What `make dist` writes: the code zip and the Spark log config beside it."""
    folder = tmp_path_factory.mktemp("code") / "dist"
    build_code_zip(str(folder))
    shutil.copy(LOG4J_CONF, folder)
    return folder


def readme_spark_submit() -> list[str]:
    """The README's first spark-submit command, up to its job script (jobs/X.py)."""
    text = (REPO / "README.md").read_text().replace("\\\n", " ")
    words = shlex.split(next(line for line in text.splitlines() if line.startswith("spark-submit ")))
    return words[:next(i for i, word in enumerate(words) if word.startswith("jobs/")) + 1]


def test_spark_submit_as_the_readme_says_on_a_standalone_cluster_equals_local_mode(cluster, dist, spark, shared_data,
                                                                                    tmp_path):
    """The README's command, with the master and the paths of this machine. spark-submit starts Spark before any
    of our code, on Spark's default log profile (some 45 INFO lines ahead of the job's own): the README's command
    gives it the log config `make dist` puts beside the code zip."""
    master, env = cluster
    inputs = [str(shared_data / "cc/resiliparse-warcfile.warc.gz"), str(shared_data / "cc/whirlwind.warc.wet.gz")]
    fixture = tmp_path / "CC-MAIN-2099-01-00000.warc.gz"
    fixture.write_bytes(b"".join(members(good_records(30))))
    inputs.append(str(fixture))
    command = readme_spark_submit()
    command[0] = str(SPARK_HOME / "bin" / "spark-submit")
    command[command.index("--master") + 1] = master
    command[-1] = str(REPO / command[-1])
    submitted = subprocess.run(
        [*command, *inputs, "--output", str(tmp_path / "cluster"), "--quiet"],
        env={k: v for k, v in env.items() if k != "SPARK_CONF_DIR"}, capture_output=True, text=True,
        cwd=dist.parent, timeout=600)  # dist/ relative, as from the repo
    assert submitted.returncode == 0, submitted.stderr[-3000:]
    assert "kept" in submitted.stdout
    console = submitted.stdout + submitted.stderr
    assert [line for line in console.splitlines() if " INFO " in line] == []
    assert "Using Spark's default log4j profile" not in console
    assert main(["ingest", *inputs, "--output", str(tmp_path / "local"), "--master", "local[2]", "--quiet"]) == 0
    assert outputs(tmp_path / "cluster") == outputs(tmp_path / "local")
    stats = json.loads((tmp_path / "cluster" / "_stats.json").read_text())
    assert stats["kept"] == 16 + 1 + 30


def test_dedup_on_a_standalone_cluster_equals_local_mode(cluster, dist, spark, tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    from tests.helpers.near_duplicates import CorpusShape, near_duplicate_corpus

    master, env = cluster
    documents = near_duplicate_corpus(CorpusShape(families=20, copies=4, unrelated=100, words=300, max_edits=10))
    inputs = []
    for part in range(2):
        path = tmp_path / f"docs-{part}.parquet"
        pq.write_table(pa.Table.from_pylist([{"id": d["id"], "text": d["text"]} for d in documents[part::2]]), path)
        inputs.append(str(path))
    submitted = subprocess.run(
        [str(SPARK_HOME / "bin" / "spark-submit"), "--master", master, "--py-files", str(dist / "curate.zip"),
         str(REPO / "jobs" / "dedup.py"), *inputs, "--output", str(tmp_path / "cluster"), "--quiet"],
        env=env, capture_output=True, text=True, cwd=tmp_path, timeout=600)
    assert submitted.returncode == 0, submitted.stderr[-3000:]
    assert main(["dedup", *inputs, "--output", str(tmp_path / "local"), "--master", "local[2]", "--quiet"]) == 0
    assert outputs(tmp_path / "cluster") == outputs(tmp_path / "local")
    stats = json.loads((tmp_path / "cluster" / "_stats.json").read_text())
    assert stats["documents"] == len(documents) and stats["duplicates"] > 0


def test_subset_and_report_run_under_spark_submit(dist, shared_data, tmp_path):
    """jobs/subset.py and jobs/report.py import the dedup and signals packages, which jobs/dedup.py and
    jobs/signals.py would hide if the jobs folder stayed first on sys.path."""
    import gzip

    import pyarrow.parquet as pq

    inputs = [shared_data / f"cc/dolma-cc_en_head-{n}.jsonl.gz" for n in ("0091", "0174")]
    recipe = tmp_path / "long.yaml"
    recipe.write_text(f"name: long\ninputs:\n{''.join(f'  - path: {path}{chr(10)}' for path in inputs)}"
                      "filters:\n  long: \"length(text) >= 1000\"\noutput:\n  path: long\n")
    env = {**os.environ, "SPARK_HOME": str(SPARK_HOME), "PYSPARK_PYTHON": sys.executable}
    for job, arguments in (("subset", [str(recipe)]), ("report", [str(tmp_path / "long")])):
        submitted = subprocess.run(
            [str(SPARK_HOME / "bin" / "spark-submit"), "--master", "local[1]", "--py-files", str(dist / "curate.zip"),
             str(REPO / "jobs" / f"{job}.py"), *arguments, "--quiet"],
            env=env, capture_output=True, text=True, cwd=tmp_path, timeout=600)
        assert submitted.returncode == 0, submitted.stderr[-3000:]
    documents = [json.loads(line) for path in inputs for line in gzip.open(path, "rt")]
    kept = pq.read_table(tmp_path / "long" / "data" / "default").column("id").to_pylist()
    assert sorted(kept) == sorted(d["id"] for d in documents if len(d["text"]) >= 1000)
    assert 0 < len(kept) < len(documents)
    assert (tmp_path / "long" / "report.html").is_file()


def test_signals_with_artifacts_on_a_standalone_cluster_equal_local_mode(cluster, dist, spark, shared_data, tmp_path):
    """The artifacts folder reaches executors that share no filesystem path with the driver's SparkFiles."""
    import pyarrow.parquet as pq

    master, env = cluster
    lines = (shared_data.parent / "parity" / "public.jsonl").read_text().splitlines()[:20]
    documents = tmp_path / "docs.jsonl"
    documents.write_text("\n".join(lines) + "\n")
    common = [str(documents), "--artifacts", str(shared_data / "artifacts"), "--quiet"]
    submitted = subprocess.run(
        [str(SPARK_HOME / "bin" / "spark-submit"), "--master", master, "--py-files", str(dist / "curate.zip"),
         str(REPO / "jobs" / "signals.py"), *common, "--output", str(tmp_path / "cluster")],
        env=env, capture_output=True, text=True, cwd=tmp_path, timeout=900)
    assert submitted.returncode == 0, submitted.stderr[-3000:]
    assert main(["signals", *common, "--output", str(tmp_path / "local"), "--master", "local[2]"]) == 0
    assert outputs(tmp_path / "cluster") == outputs(tmp_path / "local")
    table = pq.read_table(tmp_path / "cluster", columns=["rps_doc_stop_word_fraction", "rps_doc_ldnoobw_words"])
    assert table.num_rows == 20
    assert table.column("rps_doc_stop_word_fraction").null_count < 20  # the word lists were there
    assert table.column("rps_doc_ldnoobw_words").null_count < 20


def test_a_pipeline_file_runs_on_a_standalone_cluster_as_in_local_mode(cluster, dist, spark, tmp_path, monkeypatch):
    """`curate run`'s spark-submit entry point on the demo's pipeline file: every stage's data and books equal local
    mode's (the same folder, so the same paths and ids; run from the same folder, as the card names paths relative to
    it), and the run ends with a passing audit."""
    master, env = cluster
    root = tmp_path / "demo"
    submitted = subprocess.run(
        [str(SPARK_HOME / "bin" / "spark-submit"), "--master", master, "--py-files", str(dist / "curate.zip"),
         str(REPO / "jobs" / "run.py"), write_demo(str(root)), "--quiet"],
        env=env, capture_output=True, text=True, cwd=tmp_path, timeout=900)
    assert submitted.returncode == 0, submitted.stderr[-3000:]
    assert submitted.stdout.rstrip().endswith("audit passed")
    on_cluster = root.rename(tmp_path / "on-cluster")
    monkeypatch.chdir(tmp_path)
    assert main(["run", write_demo(str(root)), "--master", "local[2]", "--quiet"]) == 0
    for stage in ("documents", "signals", "dedup", "subset"):
        assert pipeline_results(on_cluster / stage) == pipeline_results(root / stage), stage


def pipeline_results(out: Path) -> dict[str, bytes]:
    """A stage's data and books (its `_job.json` and unit records also name the inputs' times)."""
    return {name: data for name, data in outputs(out).items()
            if name.endswith((".parquet", "_stats.json", "README.md"))}
