"""`curate status DIR` on a real chain (crawl -> documents -> signals): done, stale, running (a real process holds
the lock), interrupted once it is gone, failed (a unit committed with a failed status), not started."""

import socket
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.cli.main import main
from pipeline.demo.warc_writer import write_warc
from pipeline.spark.stage import Unit, unreadable_unit
from pipeline.stages.status import output_statuses
from pipeline.storage.output_dir import OutputDir
from tests.helpers.chain import build_chain, copy_chain

HOLD_LOCK = "import sys, time; from pipeline.storage.output_dir import OutputDir; OutputDir(sys.argv[1]).lock(); " \
            "print('locked', flush=True); time.sleep(120)"


@pytest.fixture(scope="module")
def chain(spark, tmp_path_factory) -> Path:
    return build_chain(spark, tmp_path_factory.mktemp("status") / "chain", through="signals")


@pytest.fixture
def copy(chain, tmp_path) -> Path:
    return copy_chain(chain, tmp_path / "chain")


def states(root: Path) -> dict[str, tuple[str, str]]:
    """Each output's state and why, by its folder's name."""
    return {Path(s.path).name: (s.state, s.why) for s in output_statuses(str(root))}


def unsealed(folder: Path) -> None:
    """The output as a run left it before its seal."""
    for name in ("_SUCCESS", "_stats.json", "_manifest.json"):
        (folder / name).unlink()


def test_a_complete_chain_is_done(chain, capsys):
    assert {name: state for name, (state, _) in states(chain).items()} == {"documents": "done", "signals": "done"}
    assert main(["status", str(chain)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[:3] for line in lines] == [["ingest", str(chain / "documents"), "done"],
                                                   ["signals", str(chain / "signals"), "done"]]
    assert main(["status", str(chain / "nothing-here")]) == 2
    assert capsys.readouterr().err == f"curate status: error: {chain / 'nothing-here'}: no such folder\n"


def test_an_input_changed_makes_its_output_and_what_follows_stale(copy):
    crawl = sorted((copy / "crawl").glob("*.warc.gz"))
    write_warc(str(crawl[1]), [])
    found = states(copy)
    assert found["documents"][0] == "stale" and str(crawl[1]) in found["documents"][1]
    assert str(crawl[0]) not in found["documents"][1]
    assert found["signals"] == ("stale", f"made from ingest {copy / 'documents'}, which is stale")


def test_running_while_a_process_holds_the_lock_then_interrupted(copy):
    signals = copy / "signals"
    unsealed(signals)
    units = sorted((signals / "_units").glob("*.json"))
    units[0].unlink()
    holder = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, str(signals)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        state, why = states(copy)["signals"]
        assert state == "running"
        assert why.startswith(f"locked by host {socket.gethostname()}, pid {holder.pid}, started ")
        assert f"(alive); {len(units) - 1} unit(s) committed, of {len(units)} input(s)" in why
    finally:
        holder.kill()
        holder.wait()
    state, why = states(copy)["signals"]
    assert state == "interrupted"
    assert f"pid {holder.pid}" in why and "is gone" in why and why.endswith("rerun to resume")


def test_a_unit_that_failed_is_named(copy):
    signals = copy / "signals"
    unsealed(signals)
    inputs = sorted(str(path) for path in (copy / "documents").glob("part-*.parquet"))
    # the copy's unit records keep the ids of the chain's (a hash of where their inputs were)
    record = next(path for path in (signals / "_units").glob("*.json") if inputs[1] in path.read_text())
    record.unlink()
    # what a run with --on-missing skip commits for an input it could not find
    unreadable_unit(Unit(inputs[1], record.stem, 1, OutputDir(str(signals))), "missing",
                    f"{inputs[1]}: no such file", skip=True)
    state, why = states(copy)["signals"]
    assert state == "failed"
    assert why == f"1 unit(s) failed, not sealed: {inputs[1]} (missing: {inputs[1]}: no such file)"


def test_not_started(copy):
    claimed = copy / "dedup"
    claimed.mkdir()
    (claimed / "_job.json").write_text('{"stage": "dedup", "inputs": []}')
    expected = str(copy / "subset")
    found = {Path(s.path).name: (s.state, s.why) for s in output_statuses(str(copy), (expected,))}
    assert found["dedup"] == ("not started", "claimed, no unit committed yet")
    assert found["subset"] == ("not started", "no output yet")
