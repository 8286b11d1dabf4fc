"""Fuzzy dedup at scale: documents/s end to end (signatures, LSH, verification, components, rewrite), how time
grows with the input, and the peak memory of the largest process.

Run: python -m bench.dedup [--sizes 100000,300000,1000000] [--master local[2]]   (make bench-dedup)

Documents (~2 KB, made-up words) are generated once per size under --data, in files of 10,000: in each file
600 families of a base and 5 copies with 0 to 10 word edits, and 6,400 unrelated documents. The stage runs as
`curate dedup` does (fuzzy, threshold 0.8, verified), on a session started before the clock starts."""

import argparse
import contextlib
import io
import os
import re
import shutil
import sys
import threading
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from bench.ingest import ChildUsage, children_cpu, descendants, machine, machine_busy, reset_peak_rss
from tests.helpers.near_duplicates import CorpusShape, near_duplicate_corpus

FILE_DOCUMENTS = 10_000
SHAPE = CorpusShape(families=600, copies=5, unrelated=6400, words=290, max_edits=10)
GOAL_RATE = 2000  # documents/s at 1M on 2 cores (issue 4)
GOAL_GROWTH = 1.2  # 10x the documents in at most 12x the time
GOAL_MEMORY_GB = 8


def dataset(root: Path, size: int) -> list[str]:
    """The size's input files, generated unless a previous run left them complete."""
    folder = root / f"{size}"
    files = [folder / f"docs-{n:05d}.parquet" for n in range(size // FILE_DOCUMENTS)]
    if not (folder / "_COMPLETE").exists():
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        for n, path in enumerate(files):
            documents = near_duplicate_corpus(CorpusShape(**{**SHAPE.__dict__, "seed": n}))
            pq.write_table(pa.Table.from_pylist([{"id": d["id"], "text": d["text"]} for d in documents]), path)
            print(f"generated {path} ({n + 1}/{len(files)})", file=sys.stderr, end="\r")
        (folder / "_COMPLETE").touch()
        print(file=sys.stderr)
    return [str(path) for path in files]


def run(spark, inputs: list[str], output: str) -> dict:
    """run_dedup timed, with the peak memory of the JVM, the Python workers and this process sampled meanwhile."""
    from pipeline.stages.dedup import DedupOptions, run_dedup

    shutil.rmtree(output, ignore_errors=True)
    for pid in descendants(os.getpid()):
        reset_peak_rss(pid)
    usage, stop = ChildUsage(children_cpu()), threading.Event()

    def sampler() -> None:
        while not stop.wait(0.5):
            usage.sample()

    thread = threading.Thread(target=sampler, daemon=True)
    thread.start()
    log, busy, start = io.StringIO(), machine_busy(), time.perf_counter()
    with contextlib.redirect_stderr(log):
        stats = run_dedup(spark, inputs, output, DedupOptions(), progress=True)
    wall = time.perf_counter() - start
    stop.set()
    thread.join()
    usage.sample()
    other = max(0.0, (machine_busy() - busy - usage.cpu()) / wall)
    steps = re.findall(r"^dedup: (.*) \(([\d.]+) s\)$", log.getvalue(), re.MULTILINE)
    shutil.rmtree(output)
    return {"documents": stats["documents"], "wall": wall, "steps": steps, "jvm": usage.peak(jvm=True),
            "worker": usage.peak(jvm=False), "together": usage.peak_total_kb, "cpu": usage.cpu(),
            "other_load": other, "clusters": stats["clusters"], "duplicates": stats["duplicates"],
            "candidates": stats["candidate_pairs"], "verified": stats["verified_pairs"]["0.8"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000,300000,1000000")
    parser.add_argument("--master", default="local[2]")
    parser.add_argument("--data", default=os.path.join(os.environ.get("TMPDIR", "/tmp"), "curate-bench-dedup"))
    args = parser.parse_args()
    from pipeline.spark.session import get_session

    sizes = [int(size) for size in args.sizes.split(",")]
    data = Path(args.data)
    inputs = {size: dataset(data, size) for size in sizes}
    started = time.perf_counter()
    spark = get_session(args.master, "bench-dedup")
    print(f"session start {time.perf_counter() - started:.1f} s; {machine()}; load average "
          f"{', '.join(f'{x:.1f}' for x in os.getloadavg())}")
    print("| documents | input MB | wall s | documents/s | time ratio / size ratio | largest process | JVM | "
          "Python worker | all together | other load (cores) | candidates | verified | duplicates |")
    print("|---:" * 13 + "|")
    previous = None
    for size in sizes:
        result = run(spark, inputs[size], str(data / "out"))
        megabytes = sum(os.path.getsize(path) for path in inputs[size]) / 2**20
        growth = ""
        if previous is not None:
            growth = f"{(result['wall'] / previous['wall']) / (size / previous['documents']):.2f}"
        largest = max(result["jvm"], result["worker"])
        print(f"| {size:,} | {megabytes:,.0f} | {result['wall']:.1f} | {size / result['wall']:,.0f} | {growth} | "
              f"{largest / 2**20:.2f} GB | {result['jvm'] / 2**20:.2f} GB | {result['worker'] / 2**20:.2f} GB | "
              f"{result['together'] / 2**20:.2f} GB | {result['other_load']:.2f} | {result['candidates']:,} | "
              f"{result['verified']:,} | {result['duplicates']:,} |", flush=True)
        rewrite = result["wall"] - sum(float(seconds) for _, seconds in result["steps"])
        print("    steps: " + "; ".join(f"{what} {seconds} s" for what, seconds in result["steps"])
              + f"; rewriting the rows and sealing {rewrite:.1f} s", flush=True)
        previous = result
    print(f"load average after: {', '.join(f'{x:.1f}' for x in os.getloadavg())}")
    print(f"goals: >= {GOAL_RATE} documents/s at 1M; 10x documents in <= {GOAL_GROWTH * 10:.0f}x time; "
          f"largest process < {GOAL_MEMORY_GB} GB")


if __name__ == "__main__":
    main()
