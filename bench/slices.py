"""One large file against the same documents in ten: `curate dedup` and `curate signals` wall time, start-up
included (issue 19, point 7: a unit was one input file, so one file ran on one core).

Run: python -m bench.slices [--data DIR] [--master local[2]] [--code DIR]   (make bench-slices)

The documents are bench.dedup's 100,000 (ten files of 10,000), and the same rows in one Parquet file of ten row
groups of 10,000 (the row groups our stages write). Each command runs as a new process, as a user types it, with
`--code` first on PYTHONPATH (another checkout's code, to time it before a change). How busy the machine was
meanwhile is shown beside each time: this machine is shared."""

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from bench.dedup import dataset
from bench.ingest import machine, machine_busy

DOCUMENTS = 100_000
ROW_GROUP_ROWS = 10_000  # pipeline.storage.output_dir.ROW_GROUP_ROWS, set here so that --code may be older


def one_file(files: list[str], path: Path) -> str:
    """The rows of `files` in one Parquet file, written once."""
    if not path.exists():
        table = pa.concat_tables([pq.read_table(name) for name in files])
        pq.write_table(table, f"{path}.tmp", row_group_size=ROW_GROUP_ROWS)
        os.replace(f"{path}.tmp", path)
    return str(path)


def timed(command: list[str], code: str) -> tuple[float, float, str]:
    """Wall seconds of `command`, the cores the whole machine kept busy meanwhile (ours included: 2.0 on this
    machine means every core was busy) and the load average at its end."""
    wall, busy = time.perf_counter(), machine_busy()
    subprocess.run(command, env={**os.environ, "PYTHONPATH": code}, check=True, stdout=subprocess.DEVNULL)
    seconds = time.perf_counter() - wall
    return seconds, (machine_busy() - busy) / seconds, Path("/proc/loadavg").read_text().split()[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", default=os.path.join(os.environ.get("TMPDIR", "/tmp"), "curate-bench-slices"),
                        help="where the documents are generated (kept for the next run)")
    parser.add_argument("--master", default="local[2]")
    parser.add_argument("--code", default=str(Path(__file__).resolve().parent.parent),
                        help="the checkout whose pipeline runs (default: this one)")
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()
    root = Path(args.data)
    ten = dataset(root, DOCUMENTS)
    one = [one_file(ten, root / "one.parquet")]
    python = [sys.executable, "-m", "pipeline.cli"]
    print(machine(), file=sys.stderr)
    print("| command | input | wall s | machine busy (cores) | load average |\n|---|---|---:|---:|---:|")
    for _ in range(args.rounds):
        for stage in ("dedup", "signals"):
            for label, inputs in (("1 file", one), ("10 files", ten)):
                output = root / f"out-{stage}"
                shutil.rmtree(output, ignore_errors=True)
                seconds, busy, load = timed([*python, stage, *inputs, "--output", str(output), "--master", args.master,
                                       "--quiet"], args.code)
                print(f"| curate {stage} | {label} | {seconds:.1f} | {busy:.2f} | {load} |", flush=True)
                shutil.rmtree(output, ignore_errors=True)


if __name__ == "__main__":
    main()
