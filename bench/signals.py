"""Signals benchmark: documents/s on one core for the 28 model-free signals + MinHash, and the cost of each family.

Run: python -m bench.signals [--repeat N] [--rounds R]   (make bench-signals)

Documents: the texts of ../shared/parity/public.jsonl and heldout.jsonl (real web documents with a language),
`--repeat` copies, in batches of the stage's size. Each round times, in this order:
- in-process: `with_signals` over the batches (the compiled signals and the Arrow columns), CPU and wall time;
  then the compiled pass alone, whose processor cycles it shares out among its parts (preparation, families);
- Spark local[1]: the same documents through `run_signals` (session start-up and a warm-up job excluded), wall
  time, CPU time of the JVM and the Python worker, the worker's peak RSS, the load other processes put on the
  machine meanwhile.
The readable per-document signals (`signal_columns`) are timed once too, for comparison."""

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa

from bench.ingest import machine, machine_busy, mib, sampling_children
from pipeline.readers.documents import BATCH_ROWS
from pipeline.stages.signals.arrays import utf8_buffers
from pipeline.stages.signals.columns import signal_columns, with_signals
from signals.artifacts import Artifacts
from signals.fast.batch import PARTS, model_free_signals

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
GOAL = 1260  # documents/s/core: 10x the reference's 126 (issue 3)


@dataclass
class Round:
    in_process: tuple[float, float]  # (CPU, wall) seconds of with_signals over every batch
    parts: dict[str, float]  # time_parts
    spark_wall: float
    spark_cpu: tuple[float, float]  # JVM, Python workers
    worker_peak_kb: int
    other_load: float  # cores other processes kept busy during the Spark run


def load_documents() -> list[dict]:
    rows = []
    for name in ("public.jsonl", "heldout.jsonl"):
        path = SHARED / "parity" / name
        if not path.exists():
            sys.exit(f"{path} is absent: the benchmark reads the parity documents from ../shared")
        rows += [{key: row[key] for key in ("id", "text", "language")} for row in map(json.loads, path.open())]
    return rows


def batches_of(documents: list[dict], repeat: int) -> list[pa.RecordBatch]:
    table = pa.Table.from_pylist([{**row, "id": f"{row['id']}/{copy}"} for copy in range(repeat) for row in documents])
    return table.to_batches(max_chunksize=BATCH_ROWS)


def time_in_process(batches: list[pa.RecordBatch], artifacts: Artifacts) -> tuple[float, float]:
    cpu, wall = time.process_time(), time.perf_counter()
    for batch in batches:
        with_signals(batch, artifacts)
    return time.process_time() - cpu, time.perf_counter() - wall


def time_parts(batches: list[pa.RecordBatch], artifacts: Artifacts, tries: int = 3) -> dict[str, float]:
    """CPU seconds per document of `with_signals` and of the compiled pass alone (the least of `tries` interleaved
    runs of each), and each part's share of the compiled pass by the processor cycles it counted."""
    count = sum(batch.num_rows for batch in batches)
    inputs = [(*utf8_buffers(batch.column("text")), batch.column("language").to_pylist()) for batch in batches]
    seconds = {"with_signals": float("inf"), "compiled": float("inf")}
    cycles = np.zeros(len(PARTS), dtype=np.int64)
    for _ in range(tries):
        seconds["with_signals"] = min(seconds["with_signals"], time_in_process(batches, artifacts)[0])
        started = time.process_time()
        for data, offsets, languages in inputs:
            cycles += model_free_signals(data, offsets, languages, artifacts).cycles
        seconds["compiled"] = min(seconds["compiled"], time.process_time() - started)
    shares = cycles / cycles.sum() if cycles.sum() else np.zeros(len(PARTS))
    return {**{name: value / count for name, value in seconds.items()}, **dict(zip(PARTS, shares, strict=True))}


def write_jsonl(path: str, documents: list[dict], repeat: int) -> None:
    with open(path, "w") as handle:
        for copy in range(repeat):
            for row in documents:
                handle.write(json.dumps({**row, "id": f"{row['id']}/{copy}"}) + "\n")


def time_spark(spark, source: str, output: str, artifacts_dir: str, count: int) -> tuple[float, object, float]:
    """run_signals on `source`: wall seconds, the children's usage, the other processes' load meanwhile."""
    from pipeline.stages.signals.run import run_signals

    busy, own = machine_busy(), time.process_time()
    stats, wall, usage = sampling_children(lambda: run_signals(spark, [source], output, artifacts_dir, progress=False))
    shutil.rmtree(output)  # a complete output would be kept as it is by the next run
    if stats["kept"] != count:
        raise AssertionError(f"the Spark run kept {stats['kept']} documents, expected {count}")
    ours = time.process_time() - own + usage.cpu()
    return wall, usage, max(0.0, (machine_busy() - busy - ours) / wall)


def bench(documents: list[dict], repeat: int, rounds: int, artifacts_dir: str) -> list[Round]:
    from pipeline.spark.session import get_session

    artifacts = Artifacts(artifacts_dir)
    batches = batches_of(documents, repeat)
    time_in_process(batches[:1], artifacts)  # the compiled code is loaded (or compiled) once
    spark = get_session("local[1]", "bench-signals")
    results = []
    with tempfile.TemporaryDirectory(prefix="bench-signals-") as tmp:
        source, warm = os.path.join(tmp, "docs.jsonl"), os.path.join(tmp, "warm.jsonl")
        write_jsonl(source, documents, repeat)
        write_jsonl(warm, documents[:50], 1)
        time_spark(spark, warm, os.path.join(tmp, "warm-out"), artifacts_dir, 50)  # the worker loads the code
        for number in range(rounds):
            print(f"round {number + 1} of {rounds}", file=sys.stderr)
            in_process = time_in_process(batches, artifacts)
            parts = time_parts(batches, artifacts)
            wall, usage, load = time_spark(spark, source, os.path.join(tmp, "out"), artifacts_dir,
                                           len(documents) * repeat)
            results.append(Round(in_process, parts, wall, (usage.cpu(jvm=True), usage.cpu(jvm=False)),
                                 usage.peak(jvm=False), load))
    return results


def time_readable(documents: list[dict], artifacts_dir: str, tries: int = 2) -> float:
    """CPU seconds of the readable signals, document by document, over the documents (the least of `tries`)."""
    seconds = float("inf")
    for _ in range(tries):
        started = time.process_time()
        signal_columns([row["text"] for row in documents], [row["language"] for row in documents],
                       Artifacts(artifacts_dir))
        seconds = min(seconds, time.process_time() - started)
    return seconds


def report(results: list[Round], count: int, documents: list[dict], readable: float, load: str) -> str:
    median = statistics.median
    chars = statistics.mean(len(row["text"]) for row in documents)
    utf8 = statistics.mean(len(row["text"].encode()) for row in documents)
    lines = [f"Machine: {machine(('pyspark', 'numba', 'pyarrow', 'numpy'))}; load average before the run {load}.",
             f"Documents: {len(documents)} x {count // len(documents)} = {count} "
             f"({chars:,.0f} characters, {utf8:,.0f} UTF-8 bytes on average), {len(results)} rounds.", "",
             "| path | documents/s (median of rounds) | per round | ms/document |", "|---|---:|---:|---:|"]

    def row(label: str, seconds: list[float]) -> str:
        rates = [count / s for s in seconds]
        return (f"| {label} | {median(rates):,.0f} | {min(rates):,.0f} .. {max(rates):,.0f} | "
                f"{1000 * median(seconds) / count:.3f} |")

    lines.append(row("in-process `with_signals`, CPU time", [r.in_process[0] for r in results]))
    lines.append(row("in-process `with_signals`, wall time", [r.in_process[1] for r in results]))
    lines.append(row("`run_signals` on Spark local[1], wall time", [r.spark_wall for r in results]))
    lines.append(row("`run_signals` on Spark local[1], CPU time (JVM + Python worker)",
                     [sum(r.spark_cpu) for r in results]))
    lines.append(row("`run_signals` on Spark local[1], CPU time of the Python worker",
                     [r.spark_cpu[1] for r in results]))
    lines.append(f"| readable signals (`signal_columns`), CPU time, least of 2 passes | "
                 f"{len(documents) / readable:,.0f} | | {1000 * readable / len(documents):.3f} |")
    lines += ["", "Cost per part (CPU time per document of the least of 3 runs in each round, shared out among the "
              "parts of the compiled pass by the processor cycles each took; median of rounds):", "",
              "| part | ms/document | share of `with_signals` |", "|---|---:|---:|"]
    total = median([r.parts["with_signals"] for r in results])
    compiled = median([r.parts["compiled"] for r in results])
    parts = {name: compiled * median([r.parts[name] for r in results]) for name in PARTS}
    parts["Arrow columns, language groups (`with_signals` minus the compiled pass)"] = total - compiled
    for name, seconds in parts.items():
        lines.append(f"| {name} | {1000 * seconds:.3f} | {seconds / total:.0%} |")
    worker = median([r.spark_cpu[1] for r in results])
    lines += ["", f"The Spark Python worker beyond `with_signals` (reading JSON, Parquet with zstd, commit, Arrow to "
              f"and from the JVM): {1000 * (worker - median([r.in_process[0] for r in results])) / count:.3f} "
              "ms/document (CPU time, medians).",
              f"Peak RSS of the Spark Python worker: {mib(max(r.worker_peak_kb for r in results))}; other processes "
              f"kept {min(r.other_load for r in results):.1f} .. {max(r.other_load for r in results):.1f} of the "
              f"{os.cpu_count()} cores busy during the Spark runs."]
    rate = median([count / r.spark_wall for r in results])
    lines.append("")
    lines.append(f"Goal (issue 3): over {GOAL:,} documents/s/core through Spark local[1]: "
                 + ("met" if rate > GOAL else f"not met, {GOAL - rate:,.0f} documents/s short")
                 + f" as measured ({rate:,.0f} documents/s, wall time, median of rounds; load average after the run "
                 + " / ".join(f"{value:.2f}" for value in os.getloadavg()) + ").")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.signals", description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=12, help="copies of the documents (default 12)")
    parser.add_argument("--rounds", type=int, default=3, help="timed rounds (default 3)")
    args = parser.parse_args()
    documents = load_documents()
    artifacts_dir = str(SHARED / "data" / "artifacts")
    load = " / ".join(f"{value:.2f}" for value in os.getloadavg())
    readable = time_readable(documents, artifacts_dir)
    results = bench(documents, args.repeat, args.rounds, artifacts_dir)
    print(report(results, len(documents) * args.repeat, documents, readable, load))


if __name__ == "__main__":
    main()
