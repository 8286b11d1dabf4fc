"""Subset benchmark: documents/s/core of the doc-level rules on stored signals, and the write against the disk.

Run: python -m bench.subset [--rows 1000000] [--text-bytes 600] [--repeat 3] [--redact emails,ips [--pii-share 0.01]]
(make bench-subset)

Generates `--rows` documents with random doc-level RedPajama-V2 signals and a random text into Parquet, then on
Spark local[1] (start-up and a warm-up excluded): the first pass of `curate subset` with the Gopher recipe's
document-level rules (reads only the rule columns), then a whole subset that keeps every document (both passes
and the write of the shards), each `--repeat` times. Every Spark figure comes with the CPU seconds of this
process and its children (the JVM, the Python workers) and the cores other processes kept busy meanwhile.
Two figures frame the write: the disk's own speed (the same number of bytes written to one file and fsynced)
and the cost of making the bytes at all: pyarrow writing the same columns from memory as Parquet zstd on one
thread, the floor of any writer on one core (and reading them from the inputs, the floor of the read).
With `--redact KINDS`, `--pii-share` of the documents get a public e-mail address, a public and a private IP
address, and the whole subset runs with the recipe transform `redact_pii` on those kinds too, the runs with and
without it alternating: its cost in the write path."""

import argparse
import dataclasses
import os
import shutil
import tempfile
import time
from functools import partial
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from bench.ingest import machine, machine_busy, sampling_children
from pipeline.spark.session import get_session
from pipeline.stages.subset.decisions import count_decisions, read_inputs
from pipeline.stages.subset.plan import plan_subset
from pipeline.stages.subset.run import run_subset
from pipeline.storage.output_dir import ROW_GROUP_ROWS, column_options
from recipes.loader import load_recipe
from recipes.schema import RedactPii, Transforms

RECIPE = Path(__file__).resolve().parents[1] / "recipes" / "gopher.yaml"
FILES = 10


def generate(folder: Path, rows: int, text_bytes: int, seed: int = 0, pii_share: float = 0.0) -> int:
    """Parquet files of documents with random signals, `pii_share` of them with personal data; returns their
    bytes."""
    rng = np.random.default_rng(seed)
    words = np.array([f"w{i}" for i in range(5000)])
    per_file = rows // FILES
    for index in range(FILES):
        n = per_file if index < FILES - 1 else rows - per_file * (FILES - 1)
        picks = rng.integers(0, len(words), (n, text_bytes // 6))
        text = [" ".join(row) for row in words[picks]]
        for i in np.flatnonzero(rng.random(n) < pii_share):
            text[i] += f" mail user{i}@mail{i % 97}.com from 81.{i % 256}.{i // 256 % 256}.7 via 10.0.{i % 256}.1"
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


def pyarrow_floor(inputs: Path, columns: list[str], target: Path) -> tuple[float, float]:
    """Seconds of pyarrow on one thread: reading `columns` of the inputs, then writing them from memory to one
    Parquet zstd file in row groups of the shards' size, with the shards' column options (and fsyncing it)."""
    pa.set_cpu_count(1)
    pa.set_io_thread_count(1)
    started = time.perf_counter()
    table = pq.read_table(inputs, columns=columns, use_threads=False)
    read = time.perf_counter() - started
    started = time.perf_counter()
    with open(target, "wb") as handle:
        pq.write_table(table, handle, compression="zstd", row_group_size=ROW_GROUP_ROWS,
                       **column_options(table.schema))
        os.fsync(handle.fileno())
    return read, time.perf_counter() - started


@dataclasses.dataclass
class Timing:
    wall: float
    cpu: float  # this process and its children
    other_load: float  # cores other processes kept busy meanwhile


def timed(call) -> tuple[object, Timing]:
    busy, own = machine_busy(), time.process_time()
    result, wall, usage = sampling_children(call)
    cpu = time.process_time() - own + usage.cpu()
    return result, Timing(wall, cpu, max(0.0, (machine_busy() - busy - cpu) / wall))


def middle(timings: list[Timing]) -> Timing:
    """The run of median wall time."""
    return sorted(timings, key=lambda t: t.wall)[len(timings) // 2]


def redacting(plan, kinds: list[str]):
    """The plan with the recipe transform `redact_pii` on `kinds`."""
    transforms = Transforms(redact_pii=RedactPii(**dict.fromkeys(kinds, True)))
    recipe = plan.loaded.recipe.model_copy(update={"transforms": transforms})
    return dataclasses.replace(plan, loaded=dataclasses.replace(plan.loaded, recipe=recipe))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--text-bytes", type=int, default=600)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each Spark part (the median is shown)")
    parser.add_argument("--redact", default="", help="kinds of redact_pii (emails,ips,phones) to time the whole "
                        "subset with too")
    parser.add_argument("--pii-share", type=float, default=0.01,
                        help="with --redact: the share of documents given personal data")
    args = parser.parse_args()
    kinds = [kind for kind in args.redact.split(",") if kind]
    print(f"machine: {machine(('pyspark', 'pyarrow'))}; load average before: "
          f"{', '.join(f'{x:.1f}' for x in os.getloadavg())}")
    with tempfile.TemporaryDirectory(prefix="bench-subset-") as tmp:
        root = Path(tmp)
        (root / "signals").mkdir()
        started = time.perf_counter()
        input_bytes = generate(root / "signals", args.rows, args.text_bytes, pii_share=args.pii_share if kinds else 0)
        print(f"generated {args.rows:,} documents, {input_bytes / 1e6:.0f} MB of Parquet, "
              f"in {time.perf_counter() - started:.0f} s")
        spark = get_session("local[1]", "bench-subset")
        recipe = load_recipe(str(RECIPE))
        warm = plan_subset(recipe, str(root / "warm"), [str(root / "signals" / "part-00.parquet")])
        count_decisions(warm, read_inputs(spark, warm).limit(1000))
        plan = plan_subset(recipe, str(root / "out"), [str(root / "signals")])
        rules = []
        for _ in range(args.repeat):
            (stats, _, _, _), timing = timed(lambda: count_decisions(plan, read_inputs(spark, plan)))
            rules.append(timing)
        keep_all = dataclasses.replace(plan, rules=[], line_rules=[])  # every document written
        run_subset(spark, dataclasses.replace(warm, rules=[], line_rules=[]))  # the Python workers started
        if kinds:
            run_subset(spark, redacting(dataclasses.replace(warm, rules=[], line_rules=[], output=str(root / "w2")),
                                        kinds))
        runs, results = {False: [], True: []}, {}  # by whether redact_pii is on
        for _ in range(args.repeat):  # alternating, the run without last: its shards are measured below
            for redact in [True] * bool(kinds) + [False]:
                shutil.rmtree(root / "out", ignore_errors=True)
                results[redact], timing = timed(partial(run_subset, spark,
                                                        redacting(keep_all, kinds) if redact else keep_all))
                runs[redact].append(timing)
        result, whole = results[False], runs[False]
        written = sum(path.stat().st_size for path in (root / "out" / "data").rglob("*.parquet"))
        spark.stop()
        shards = len(list((root / "out" / "data").rglob("*.parquet")))
        read_floor, write_floor = pyarrow_floor(root / "signals", keep_all.columns, root / "floor.parquet")
        floor_bytes = (root / "floor.parquet").stat().st_size
        (root / "floor.parquet").unlink()
        disk = disk_speed(root, written)
    rule, run = middle(rules), middle(whole)
    print(f"rules (first pass, {len(plan.rules)} doc-level rules), median of {args.repeat}: {rule.wall:.1f} s, "
          f"{args.rows / rule.wall:,.0f} documents/s/core ({rule.cpu:.1f} CPU s; other load {rule.other_load:.1f} "
          f"cores); kept {stats.kept:,} of {stats.read:,}")
    print(f"whole subset keeping every document ({result['kept']:,} documents, {result['chars_kept'] / 1e6:.0f} MB "
          f"of text, {written / 1e6:.0f} MB of Parquet in {shards} shards), median of {args.repeat}: "
          f"{run.wall:.1f} s = {written / run.wall / 1e6:.1f} MB/s of Parquet ({run.cpu:.1f} CPU s = "
          f"{written / run.cpu / 1e6:.1f} MB per CPU second; other load {run.other_load:.1f} cores)")
    if kinds:
        slow = middle(runs[True])
        print(f"whole subset with redact_pii {{{', '.join(f'{kind}: true' for kind in kinds)}}} ({args.pii_share:.1%} "
              f"of the documents with personal data; replaced {results[True]['redacted']}), median of "
              f"{args.repeat}: {slow.wall:.1f} s ({slow.cpu:.1f} CPU s; other load {slow.other_load:.1f} cores): "
              f"{slow.wall / run.wall - 1:+.1%} wall, {slow.cpu / run.cpu - 1:+.1%} CPU over the run without; "
              f"the cost under 10%: {'met' if slow.cpu / run.cpu < 1.1 else 'not met'} (by CPU)")
    print(f"floor, pyarrow on one thread: writing the same columns from memory as Parquet zstd {write_floor:.1f} s "
          f"= {floor_bytes / write_floor / 1e6:.1f} MB/s; reading them from the inputs {read_floor:.1f} s")
    print(f"the disk alone (write and fsync): {disk:.0f} MB/s; the write at disk speed: "
          f"{'met' if written / run.wall >= disk * 1e6 else 'not met'}")
    print(f"load average after: {', '.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
