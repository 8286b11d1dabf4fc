"""Ingest throughput on one core: each extractor alone against the pipeline, in-process and on Spark local[1].

Run: python -m bench.ingest [--repeat N] [--rounds R] [--extractors trafilatura,resiliparse]
Prints the figures and writes them to docs/benchmarks.md under "## Ingest (curate ingest)".
"""

import argparse
import datetime
import gzip
import math
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path
from typing import Any
from unittest.mock import patch

import pipeline.readers.warc.documents as warc_documents_module
from pipeline.accounting import Stats
from pipeline.demo.warc_writer import http_response, warc_record, warcinfo, write_warc
from pipeline.readers.html_text import EXTRACTORS, get_extractor
from pipeline.readers.langid import LanguageIdentifier, default_lid_model
from pipeline.readers.warc.charset import decode_html
from pipeline.readers.warc.documents import IngestOptions, warc_documents
from pipeline.storage.locations import open_input

REPO = Path(__file__).resolve().parent.parent
DATA = REPO.parent / "shared" / "data" / "html"
PAGE_GLOBS = ("scrapinghub/html/*.html.gz", "trafilatura_eval/html/*.html.gz")
DOC = REPO / "docs" / "benchmarks.md"
SECTION = "## Ingest (curate ingest)"
ROUND_SECONDS = 10.0  # default --repeat: one round of the extractor alone lasts at least this long
ROUNDS = 6
WARMUP_PAGES = 20
GOAL = 0.15
BUSY_CORES = 0.1  # other load above this during a timed run is reported
PATHS = {  # the timed paths, in the order of the first round
    "alone": "extractor alone (decode_html + extract)",
    "in-process": "in-process pipeline (`warc_documents`)",
    "spark": "Spark local[1] pipeline (`run_ingest`)",
}
PARTS = {  # the parts of the in-process run, timed inside it
    "read": "reading the WARC (gzip, FastWARC, digest)",
    "http": "HTTP parsing",
    "decode": "decode_html",
    "extract": "extract",
    "lid": "language ID",
    "arrow": "Arrow tables",
}


@dataclass(frozen=True)
class Span:
    """Wall-clock and CPU seconds (CPU of this process, or of the JVM and Python workers for Spark)."""

    wall: float = 0.0
    cpu: float = 0.0

    def __add__(self, other: "Span") -> "Span":
        return Span(self.wall + other.wall, self.cpu + other.cpu)

    def __sub__(self, other: "Span") -> "Span":
        return Span(self.wall - other.wall, self.cpu - other.cpu)


def clock() -> Span:
    return Span(time.perf_counter(), time.process_time())


@dataclass
class Run:
    """One timed run of one path."""

    time: Span
    peak_kb: int = 0  # peak RSS of this process; for Spark, of the largest Python worker
    extract: Span = Span()  # extractor alone: the extract calls only, without decode_html
    parts: dict[str, float] = field(default_factory=dict)  # in-process: wall seconds of each of PARTS
    jvm_peak_kb: int = 0
    children_peak_kb: int = 0  # Spark: JVM + Python workers together
    jvm_cpu: float = 0.0
    kept: int = 0  # Spark: documents written
    other_load: float = 0.0  # cores kept busy by other processes meanwhile


@dataclass
class Result:
    extractor: str
    pages: int  # per round
    repeat: int
    warc_bytes: int
    runs: dict[str, list[Run]]
    spark_job_seconds: float  # a Spark ingest of WARMUP_PAGES pages: the fixed cost of a job

    def total(self, path: str) -> Span:
        return sum((run.time for run in self.runs[path]), Span())

    def ratios(self, path: str, base: str = "alone") -> list[float]:
        """Per round: this path's wall time over the base path's, minus one."""
        pairs = zip(self.runs[path], self.runs[base], strict=True)
        return [run.time.wall / other.time.wall - 1 for run, other in pairs]

    def part(self, key: str) -> float:
        """Wall seconds of one part of the in-process runs; "rest" is what no part covers."""
        runs = self.runs["in-process"]
        if key == "rest":
            return sum(run.time.wall - sum(run.parts.values()) for run in runs)
        return sum(run.parts[key] for run in runs)

    def in_run_overhead(self) -> float:
        """What the in-process pipeline adds to decode + extract, both timed inside the same runs."""
        base = self.part("decode") + self.part("extract")
        return self.total("in-process").wall / base - 1


def load_pages(root: Path) -> list[bytes]:
    paths = sorted(path for pattern in PAGE_GLOBS for path in root.glob(pattern))
    if not paths:
        raise SystemExit(
            f"bench.ingest: no pages found under {root} ({', '.join(PAGE_GLOBS)}); "
            "the benchmark needs the shared HTML data set at ../shared/data/html"
        )
    return [gzip.decompress(path.read_bytes()) for path in paths]


def page_url(copy: int, index: int) -> str:
    return f"https://bench.invalid/{copy}/{index}.html"


def write_bench_warc(path: str, pages: list[bytes], repeat: int) -> None:
    """One gzipped WARC: a warcinfo record, then every page `repeat` times, each copy under its own URL."""

    def records() -> Iterator[bytes]:
        yield warcinfo("bench", os.path.basename(path))
        for copy in range(repeat):
            for index, raw in enumerate(pages):
                block = http_response(raw, content_type="text/html")  # no charset: decoding is exercised
                yield warc_record("response", block, uri=page_url(copy, index))

    write_warc(path, records())


def reset_peak_rss(pid: int | str = "self") -> None:
    """Reset the kernel's peak-RSS mark (VmHWM) of a process, so a peak belongs to what follows."""
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
    except OSError:
        pass


def peak_rss_kb() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def time_extractor(pages: list[bytes], repeat: int, extract: Callable[[str, str | None], str]) -> Run:
    """The extractor alone in a loop: decode_html then extract, as the pipeline calls them."""
    reset_peak_rss()
    total = extract_only = Span()
    for copy in range(repeat):
        for index, raw in enumerate(pages):
            start = clock()
            html, _ = decode_html(raw)
            decoded = clock()
            extract(html, page_url(copy, index)).strip()
            end = clock()
            total += end - start
            extract_only += end - decoded
    return Run(total, peak_rss_kb(), extract_only)


def timed_call(function: Callable, key: str, seconds: dict[str, float]) -> Callable:
    def timed(*args, **kwargs):
        start = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            seconds[key] += time.perf_counter() - start

    return timed


def timed_iteration(function: Callable, key: str, seconds: dict[str, float]) -> Callable:
    def timed(*args, **kwargs) -> Iterator:
        items = iter(function(*args, **kwargs))
        while True:
            start = time.perf_counter()
            item = next(items, StopIteration)
            seconds[key] += time.perf_counter() - start
            if item is StopIteration:
                return
            yield item

    return timed


def time_in_process(warc_path: str, options: IngestOptions, lid: LanguageIdentifier) -> Run:
    """warc_documents without Spark, its parts timed inside the same run (wrappers cost ~1 us a page),
    so that a drift of the machine's speed between runs cannot distort the split."""
    seconds = dict.fromkeys(PARTS, 0.0)
    module = warc_documents_module
    extract = timed_call(get_extractor(options.extractor), "extract", seconds)
    with ExitStack() as patches:
        patches.enter_context(
            patch.object(module, "read_records", timed_iteration(module.read_records, "read", seconds))
        )
        for name, key in (
            ("parse_http_response", "http"),
            ("decode_html", "decode"),
            ("documents_table", "arrow"),
        ):
            patches.enter_context(patch.object(module, name, timed_call(getattr(module, name), key, seconds)))
        patches.enter_context(patch.object(module, "get_extractor", lambda name: extract))
        patches.enter_context(patch.object(lid, "predict", timed_call(lid.predict, "lid", seconds)))
        reset_peak_rss()
        start = clock()
        for _ in warc_documents(
            lambda offset: open_input(warc_path, offset), warc_path, options, lid, Stats()
        ):
            pass
        span = clock() - start
    return Run(span, peak_rss_kb(), parts=seconds)


def descendants(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                ppid = int(Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry))
    found, todo = [], [root]
    while todo:
        kids = children.get(todo.pop(), [])
        found += kids
        todo += kids
    return found


def process_sample(pid: int) -> tuple[str, int, int, float] | None:
    """(name, VmHWM kB, VmRSS kB, CPU seconds) of a process, or None if it is gone."""
    try:
        status = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines())
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, ValueError):
        return None
    kb = {key: int(status.get(key, "0 kB").split()[0]) for key in ("VmHWM", "VmRSS")}
    cpu = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return status["Name"].strip(), kb["VmHWM"], kb["VmRSS"], cpu


def children_cpu() -> dict[int, float]:
    return {pid: sample[3] for pid in descendants(os.getpid()) if (sample := process_sample(pid)) is not None}


@dataclass
class ChildUsage:
    """Peak RSS (kB) and CPU seconds of this process's descendants (the JVM and the Python workers)."""

    cpu_start: dict[int, float]
    peak_kb: dict[int, int] = field(default_factory=dict)
    is_jvm: dict[int, bool] = field(default_factory=dict)
    cpu_end: dict[int, float] = field(default_factory=dict)
    peak_total_kb: int = 0

    def sample(self) -> None:
        total = 0
        for pid in descendants(os.getpid()):
            sample = process_sample(pid)
            if sample is not None:
                name, hwm, rss, cpu = sample
                self.is_jvm[pid] = name == "java"
                self.peak_kb[pid] = max(self.peak_kb.get(pid, 0), hwm, rss)
                self.cpu_end[pid] = cpu
                total += rss
        self.peak_total_kb = max(self.peak_total_kb, total)

    def peak(self, jvm: bool) -> int:
        return max((kb for pid, kb in self.peak_kb.items() if self.is_jvm[pid] == jvm), default=0)

    def cpu(self, jvm: bool | None = None) -> float:
        return sum(
            end - self.cpu_start.get(pid, 0.0)
            for pid, end in self.cpu_end.items()
            if jvm is None or self.is_jvm[pid] == jvm
        )


def sampling_children(call: Callable[[], Any]) -> tuple[Any, float, ChildUsage]:
    """call()'s result and wall seconds, with the children's memory and CPU sampled every 0.2 s meanwhile."""
    for pid in descendants(os.getpid()):
        reset_peak_rss(pid)
    usage = ChildUsage(children_cpu())
    stop = threading.Event()

    def sampler() -> None:
        while not stop.wait(0.2):
            usage.sample()

    thread = threading.Thread(target=sampler, daemon=True)
    thread.start()
    start = time.perf_counter()
    result = call()
    wall = time.perf_counter() - start
    stop.set()
    thread.join()
    usage.sample()
    return result, wall, usage


def time_spark(
    spark, warc_path: str, records: int, out_dir: str, options: IngestOptions, lid_model: str
) -> Run:
    """run_ingest alone is timed; the children's memory and CPU are sampled every 0.2 s meanwhile."""
    from pipeline.stages.ingest import run_ingest

    stats, wall, usage = sampling_children(
        lambda: run_ingest(spark, [warc_path], out_dir, options, lid_model, progress=False, overwrite=True)
    )
    shutil.rmtree(out_dir)  # a complete output would be kept as it is by the next run
    if stats["read"] != records:
        raise AssertionError(f"the Spark run read {stats['read']} records, expected {records}")
    return Run(
        Span(wall, usage.cpu()),
        usage.peak(jvm=False),
        jvm_peak_kb=usage.peak(jvm=True),
        children_peak_kb=usage.peak_total_kb,
        jvm_cpu=usage.cpu(jvm=True),
        kept=stats["kept"],
    )


def machine_busy() -> float:
    """CPU seconds the whole machine has been busy (all but idle and iowait) since boot."""
    ticks = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    return (sum(ticks) - ticks[3] - ticks[4]) / os.sysconf("SC_CLK_TCK")


def measured(run: Callable[[], Run]) -> Run:
    """run(), with the cores that other processes kept busy meanwhile (0 on an idle machine)."""
    wall, busy, own, kids = time.perf_counter(), machine_busy(), time.process_time(), children_cpu()
    result = run()
    ours = time.process_time() - own + sum(cpu - kids.get(pid, 0.0) for pid, cpu in children_cpu().items())
    result.other_load = max(0.0, (machine_busy() - busy - ours) / (time.perf_counter() - wall))
    return result


def bench_extractor(
    name: str, pages: list[bytes], repeat: int | None, rounds: int, spark, lid_model: str
) -> Result:
    """Every path `rounds` times, the order rotating from round to round so drift hits every path alike."""
    from pipeline.stages.ingest import run_ingest

    extract = get_extractor(name)
    options = IngestOptions(extractor=name)
    lid = LanguageIdentifier(lid_model, options.lid_chars)
    lid.predict(["warm-up"])  # loads the compiled model code (about a second, once per process)
    time_extractor(pages[:WARMUP_PAGES], 1, extract)  # imports and first-call set-up
    repeat = repeat or max(1, math.ceil(ROUND_SECONDS / time_extractor(pages, 1, extract).time.wall))
    with tempfile.TemporaryDirectory(prefix=f"bench-ingest-{name}-") as tmp:
        warc_path, warmup_path = os.path.join(tmp, "bench.warc.gz"), os.path.join(tmp, "warmup.warc.gz")
        print(
            f"[{name}] writing {len(pages) * repeat} pages ({repeat} x {len(pages)}) to {warc_path}",
            file=sys.stderr,
        )
        write_bench_warc(warc_path, pages, repeat)
        write_bench_warc(warmup_path, pages[:WARMUP_PAGES], 1)
        for attempt in ("warm-up", "fixed-cost"):  # the second one, warm, times a job of a few pages
            start = time.perf_counter()
            run_ingest(
                spark,
                [warmup_path],
                os.path.join(tmp, attempt),
                options,
                lid_model,
                progress=False,
                overwrite=True,
            )
            spark_job_seconds = time.perf_counter() - start
        timed: dict[str, Callable[[], Run]] = {
            "alone": lambda: time_extractor(pages, repeat, extract),
            "in-process": lambda: time_in_process(warc_path, options, lid),
            "spark": lambda: time_spark(
                spark, warc_path, len(pages) * repeat + 1, os.path.join(tmp, "out"), options, lid_model
            ),
        }
        runs: dict[str, list[Run]] = {path: [] for path in timed}
        for round_no in range(rounds):
            order = list(timed)[round_no % len(timed) :] + list(timed)[: round_no % len(timed)]
            print(f"[{name}] round {round_no + 1} of {rounds}: {', '.join(order)}", file=sys.stderr)
            for path in order:
                runs[path].append(measured(timed[path]))
        return Result(name, len(pages) * repeat, repeat, os.path.getsize(warc_path), runs, spark_job_seconds)


def machine(packages: tuple[str, ...] = ("pyspark", "trafilatura", "resiliparse", "fastwarc")) -> str:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        "unknown CPU",
    )
    ram_kb = int(
        next(
            line.split()[1]
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal:")
        )
    )
    java = shutil.which("java")
    java_version = (
        subprocess.run([java, "-version"], capture_output=True, text=True).stderr.splitlines()[0]
        if java
        else "no java"
    )
    nproc = subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip()
    versions = ", ".join(f"{p} {version(p)}" for p in packages)
    today = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    return (
        f"nproc {nproc}, {ram_kb / 2**20:.1f} GiB RAM, {cpu}; Python {platform.python_version()}, "
        f"{java_version}; {versions}; run {today}"
    )


def mib(kb: int) -> str:
    return f"{kb / 1024:.0f} MiB"


def spread(values: list[float]) -> str:
    """Median (min .. max) of per-round ratios."""
    return f"{statistics.median(values):+.1%} ({min(values):+.1%} .. {max(values):+.1%})"


def drift(r: Result) -> float:
    """How much longer the slowest round of the extractor alone took than the fastest, for the same work."""
    walls = [run.time.wall for run in r.runs["alone"]]
    return max(walls) / min(walls) - 1


def extra_costs(r: Result) -> dict[str, float]:
    """Wall seconds the Spark pipeline spends beyond decode + extract, by part (Spark's: between runs)."""
    costs = {PARTS[key]: r.part(key) for key in PARTS if key not in ("decode", "extract")}
    costs["rest of the in-process loop (ids, time limit, accounting)"] = r.part("rest")
    costs["Spark + Parquet + commit (Spark run - in-process run)"] = (
        r.total("spark") - r.total("in-process")
    ).wall
    return costs


def verdict(r: Result) -> str:
    alone, spark = r.total("alone"), r.total("spark")
    overhead = spark.wall / alone.wall - 1
    pages = r.pages * len(r.runs["alone"])
    figures = (
        f"{pages / spark.wall:.1f} pages/s through Spark local[1] against {pages / alone.wall:.1f} "
        f"pages/s for the extractor alone: overhead {overhead:+.1%} (per round: {spread(r.ratios('spark'))})"
    )
    if overhead <= GOAL:
        text = f"**{r.extractor}: goal met as measured.** {figures}, goal <= +15%."
    else:
        over = (overhead - GOAL) * 100
        text = f"**{r.extractor}: goal not met as measured.** {figures}, {over:.1f} points over."
    costs = sorted(extra_costs(r).items(), key=lambda item: -item[1])
    largest = "; ".join(f"{name} {1000 * seconds / pages:.2f} ms/page" for name, seconds in costs[:3])
    in_run = r.in_run_overhead()
    spark_extra = statistics.median(r.ratios("spark", "in-process"))
    estimate = (1 + in_run) * (1 + spark_extra) - 1
    if in_run > GOAL:
        text += (
            f" Not a matter of noise: inside the same runs the in-process pipeline alone already adds "
            f"{in_run:+.1%} to decode + extract. Largest extra costs: {largest}."
        )
    else:
        text += (
            f" Inside the same runs the in-process pipeline adds {in_run:+.1%} to decode + extract, and a "
            f"Spark run takes a median {spark_extra:+.1%} over the in-process run of its round: about "
            f"{estimate:+.1%} together, {'within' if estimate <= GOAL else 'over'} the goal. Largest extra "
            f"costs: {largest}."
        )
        if min(overhead, spark_extra) < 0:
            text += (
                f" A negative figure is drift, not speed: a Spark run does the in-process work and more, and "
                f"the same work took up to {drift(r):.0%} longer from one round to another on this machine."
            )
        if (overhead <= GOAL) != (estimate <= GOAL):
            text += (
                f" The two figures disagree: the machine's speed drifted by {drift(r):.0%} between rounds "
                "of the same work, which is larger than the effect; rerun on a quiet machine to settle it."
            )
    busiest = max(run.other_load for runs in r.runs.values() for run in runs)
    if busiest > BUSY_CORES:
        text += (
            f" Other processes kept up to {busiest:.1f} of the machine's {os.cpu_count()} cores busy "
            "during some timed runs."
        )
    return text


def report(results: list[Result], command: str, page_count: int, html_bytes: int) -> str:
    rounds = len(results[0].runs["alone"])
    lines = [
        SECTION,
        "",
        f"Command: `{command}` (`make bench-ingest` runs it with the defaults). Every path runs on one core: "
        "the extractor alone and the in-process pipeline in one Python process, the pipeline through "
        "`run_ingest` on a `local[1]` session (one task slot; session start-up and a warm-up ingest "
        f"excluded). Each path runs {rounds} times, the order rotating from round to round so that a drift "
        "of the machine's speed hits all paths alike; figures are totals over the rounds. Wall-clock time "
        "decides; CPU time (of the process, or of the JVM and Python workers for Spark) and the load of "
        "other processes show whether a run had its core to itself.",
        "",
        f"Machine: {machine()}.",
        "",
        f"Pages: {page_count} real pages from `../shared/data/html` ({', '.join(PAGE_GLOBS)}), "
        f"{html_bytes / 1e6:.1f} MB of HTML, written as `response` records without a charset in the "
        "header (so decoding works as in a crawl), each copy under its own URL, into one WARC "
        "(one gzip member per record) per extractor:",
        "",
    ]
    lines += [
        f"- {r.extractor}: {r.repeat} x {page_count} = {r.pages} pages a round, WARC of "
        f"{r.warc_bytes / 1e6:.0f} MB. The extractor alone, the same work every round, took up to "
        f"{drift(r):.0%} longer in its slowest round than in its fastest: this machine's drift. A Spark "
        f"ingest of a {WARMUP_PAGES}-page WARC takes {r.spark_job_seconds:.1f} s (the fixed cost of a job)."
        for r in results
    ]
    lines += [
        "",
        "| extractor | path | seconds | CPU s | pages/s | ms/page | vs extractor alone | per round: "
        "median (min .. max) | by CPU time | other load (cores, max) |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        pages = r.pages * rounds
        alone = r.total("alone")
        rows = [
            ("extract only (no decode_html)", sum((run.extract for run in r.runs["alone"]), Span()), "alone")
        ]
        rows += [(label, r.total(path), path) for path, label in PATHS.items()]
        for label, span, path in rows:
            per_round = spread(r.ratios(path)) if path != "alone" else ""
            load = max(run.other_load for run in r.runs[path])
            lines.append(
                f"| {r.extractor} | {label} | {span.wall:.1f} | {span.cpu:.1f} | "
                f"{pages / span.wall:.1f} | {1000 * span.wall / pages:.2f} | "
                f"{span.wall / alone.wall - 1:+.1%} | {per_round} | {span.cpu / alone.cpu - 1:+.1%} | "
                f"{load:.2f} |"
            )
    keys = [*PARTS, "rest"]
    lines += [
        "",
        "Where the time goes: the in-process runs timed part by part inside the same run (immune to "
        "the drift between runs), in ms/page and share of the in-process time; then what a Spark run "
        "takes over the in-process run of its round (a difference between runs: median and range of "
        "the rounds).",
        "",
        "| extractor | "
        + " | ".join([*PARTS.values(), "rest (loop, ids, time limit, accounting)"])
        + " | in-process total | in-process over decode + extract (same run) | Spark run over "
        "in-process run |",
        "|---|" + "---:|" * (len(keys) + 3),
    ]
    for r in results:
        pages = r.pages * rounds
        in_process = r.total("in-process").wall
        cells = " | ".join(
            f"{1000 * r.part(key) / pages:.2f} ({r.part(key) / in_process:.0%})" for key in keys
        )
        spark_extra = (r.total("spark") - r.total("in-process")).wall
        lines.append(
            f"| {r.extractor} | {cells} | {1000 * in_process / pages:.2f} | {r.in_run_overhead():+.1%} | "
            f"{1000 * spark_extra / pages:+.2f} ms/page; {spread(r.ratios('spark', 'in-process'))} |"
        )
    lines += [
        "",
        "Peak memory (RSS high-water mark, reset before each run; the largest over the rounds) and "
        "the Spark runs' CPU:",
        "",
        "| extractor | extractor alone (process) | in-process pipeline (process) | Spark JVM | "
        "Spark Python worker (largest) | Spark JVM + workers (sum, sampled every 0.2 s) | "
        "Spark CPU: JVM / Python workers |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        spark = r.runs["spark"]
        peaks = [max(run.peak_kb for run in r.runs[path]) for path in PATHS]
        jvm_cpu = sum(run.jvm_cpu for run in spark)
        lines.append(
            f"| {r.extractor} | {mib(peaks[0])} | {mib(peaks[1])} | "
            f"{mib(max(run.jvm_peak_kb for run in spark))} | {mib(peaks[2])} | "
            f"{mib(max(run.children_peak_kb for run in spark))} | "
            f"{jvm_cpu:.1f} s / {r.total('spark').cpu - jvm_cpu:.1f} s |"
        )
    kept = ", ".join(f"{r.extractor} {r.runs['spark'][-1].kept} of {r.pages}" for r in results)
    lines += [
        "",
        f"Kept documents (each Spark run): {kept}.",
        "",
        "Verdict (goal: the pipeline adds at most 15% over the extractor alone, per page):",
        "",
    ]
    lines += [f"- {verdict(r)}" for r in results]
    return "\n".join(lines) + "\n"


def write_section(doc: Path, section: str) -> None:
    """Replace the section of the document that has the same heading (the section's first line), or append it;
    create the document if missing."""
    text = (
        doc.read_text()
        if doc.exists()
        else ("# Benchmarks\n\nEach section gives the command, the machine and the figures.\n")
    )
    heading = section.split("\n", 1)[0]
    start = text.find(heading)
    if start < 0:
        text = text.rstrip("\n") + "\n\n" + section
    else:
        end = text.find("\n## ", start + len(heading))
        text = text[:start] + section + (text[end:] if end >= 0 else "")
    doc.parent.mkdir(parents=True, exist_ok=True)
    doc.write_text(text)


def command_line(module: str, argv: list[str] | None) -> str:
    return " ".join([f"python -m {module}", *(sys.argv[1:] if argv is None else argv)])


def publish(section: str) -> None:
    """Print a benchmark's section and write it into docs/benchmarks.md."""
    print(section)
    write_section(DOC, section)
    print(f"written to {DOC}", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.ingest", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--repeat",
        type=int,
        default=None,
        help="copies of the page set in the WARC (default: "
        f"enough for one round of the extractor alone to last >= {ROUND_SECONDS:.0f} s)",
    )
    parser.add_argument("--rounds", type=int, default=ROUNDS, help=f"runs of every path (default {ROUNDS})")
    parser.add_argument(
        "--extractors", default=",".join(EXTRACTORS), help=f"comma-separated, among: {', '.join(EXTRACTORS)}"
    )
    args = parser.parse_args(argv)
    names = [name.strip() for name in args.extractors.split(",") if name.strip()]
    if not names or any(name not in EXTRACTORS for name in names) or args.rounds < 1:
        parser.error(f"choose extractors among {', '.join(EXTRACTORS)} and at least one round")
    pages = load_pages(DATA)
    lid_model = default_lid_model()
    from pipeline.spark.session import get_session

    spark = get_session("local[1]", "bench-ingest")
    results = [bench_extractor(name, pages, args.repeat, args.rounds, spark, lid_model) for name in names]
    publish(report(results, command_line("bench.ingest", argv), len(pages), sum(map(len, pages))))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
