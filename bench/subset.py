"""Subset benchmark: documents/s/core of the doc-level rules on stored signals, and the write against the disk.

Run: python -m bench.subset [--rows 1000000] [--text-bytes 600]   (make bench-subset)

Generates `--rows` documents with random doc-level RedPajama-V2 signals and a random text into Parquet, then on
Spark local[1] (start-up and a warm-up excluded): the first pass of `curate subset` with the Gopher recipe's
document-level rules (reads only the rule columns), then a whole subset that keeps every document (both passes,
the shuffle into shards and the write). The disk's own speed is measured by writing and fsyncing the same number
of bytes in one file."""

import argparse
import dataclasses
import os
import platform
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.session import get_session
from pipeline.subset import count_decisions, plan_subset, read_inputs, run_subset
from recipes.loader import load_recipe

RECIPE = Path(__file__).resolve().parents[1] / "recipes" / "gopher.yaml"
FILES = 10


def generate(folder: Path, rows: int, text_bytes: int, seed: int = 0) -> int:
    """Parquet files of documents with random signals; returns their bytes."""
    rng = np.random.default_rng(seed)
    words = np.array([f"w{i}" for i in range(5000)])
    per_file = rows // FILES
    for index in range(FILES):
        n = per_file if index < FILES - 1 else rows - per_file * (FILES - 1)
        picks = rng.integers(0, len(words), (n, text_bytes // 6))
        text = [" ".join(row) for row in words[picks]]
        columns = {
            "id": pa.array([f"doc-{index}-{i:08d}" for i in range(n)]),
            "text": pa.array(text),
            "language": pa.array(rng.choice(["en", "de", "fr"], n)),
            "rps_doc_word_count": pa.array(rng.integers(0, 3000, n)),
            "rps_doc_mean_word_length": pa.array(rng.normal(5, 1.5, n)),
            "rps_doc_symbol_to_word_ratio": pa.array(rng.exponential(0.03, n)),
            "rps_doc_frac_lines_end_with_ellipsis": pa.array(rng.beta(1, 8, n)),
            "rps_doc_frac_no_alph_words": pa.array(rng.beta(1, 6, n)),
        }
        for name in ("top_2gram", "top_3gram", "top_4gram"):
            columns[f"rps_doc_frac_chars_{name}"] = pa.array(rng.beta(1, 9, n))
        for size in range(5, 11):
            columns[f"rps_doc_frac_chars_dupe_{size}grams"] = pa.array(rng.beta(1, 12, n))
        lines = rng.integers(0, 2, (n, 4)).astype(float)
        columns["rps_lines_start_with_bulletpoint"] = pa.array(list(lines))
        pq.write_table(pa.table(columns), folder / f"part-{index:02d}.parquet", compression="zstd")
    return sum(path.stat().st_size for path in folder.glob("*.parquet"))


def disk_speed(folder: Path, size: int) -> float:
    """MB/s of writing `size` bytes to one file and fsyncing it."""
    block = os.urandom(1 << 20)
    started = time.perf_counter()
    with open(folder / "disk-probe", "wb") as handle:
        for _ in range(max(1, size >> 20)):
            handle.write(block)
        handle.flush()
        os.fsync(handle.fileno())
    seconds = time.perf_counter() - started
    os.remove(folder / "disk-probe")
    return (max(1, size >> 20) << 20) / seconds / 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--text-bytes", type=int, default=600)
    parser.add_argument("--repeat", type=int, default=3, help="runs of the rules pass (median and fastest shown)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-subset-") as tmp:
        root = Path(tmp)
        (root / "signals").mkdir()
        started = time.perf_counter()
        input_bytes = generate(root / "signals", args.rows, args.text_bytes)
        print(f"generated {args.rows:,} documents, {input_bytes / 1e6:.0f} MB of Parquet, "
              f"in {time.perf_counter() - started:.0f} s")
        spark = get_session("local[1]", "bench-subset")
        recipe = load_recipe(str(RECIPE))
        warm = plan_subset(recipe, str(root / "warm"), [str(root / "signals" / "part-00.parquet")])
        count_decisions(warm, read_inputs(spark, warm).limit(1000))
        plan = plan_subset(recipe, str(root / "out"), [str(root / "signals")])
        times = []
        for _ in range(args.repeat):
            started = time.perf_counter()
            stats, _ = count_decisions(plan, read_inputs(spark, plan))
            times.append(time.perf_counter() - started)
        rules_seconds, fastest = statistics.median(times), min(times)
        keep_all = dataclasses.replace(plan, rules=[], line_rules=[])  # every document written
        started = time.perf_counter()
        result = run_subset(spark, keep_all)
        total_seconds = time.perf_counter() - started
        written = sum(path.stat().st_size for path in (root / "out" / "data").rglob("*.parquet"))
        disk = disk_speed(root, written)
        spark.stop()
    print(f"machine: {os.cpu_count()} cores, {platform.processor() or platform.machine()}, Spark local[1]")
    print(f"rules (first pass, {len(plan.rules)} doc-level rules), {args.repeat} runs: median {rules_seconds:.1f} s, "
          f"{args.rows / rules_seconds:,.0f} documents/s/core (fastest {args.rows / fastest:,.0f}); "
          f"kept {stats.kept:,} of {stats.read:,}")
    print(f"whole subset keeping every document ({result['kept']:,} documents, {result['chars_kept'] / 1e6:.0f} MB "
          f"of text, {written / 1e6:.0f} MB of Parquet): {total_seconds:.1f} s, {written / total_seconds / 1e6:.1f} "
          f"MB/s of Parquet, {result['chars_kept'] / total_seconds / 1e6:.1f} MB/s of text; "
          f"the disk alone: {disk:.0f} MB/s")


if __name__ == "__main__":
    main()
