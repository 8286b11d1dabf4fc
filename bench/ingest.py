"""Ingest throughput on one core: each extractor alone against the pipeline, in-process and on Spark local[1].

Run: python -m bench.ingest [--repeat N] [--extractors trafilatura,resiliparse]
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
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path
from typing import TypeVar

from pipeline.charset import decode_html
from pipeline.extract import EXTRACTORS, get_extractor
from pipeline.http_payload import parse_http_response
from pipeline.langid import LanguageIdentifier, default_lid_model
from pipeline.remote import open_input
from pipeline.warc import WarcRecord, read_records
from pipeline.warc_documents import BATCH, IngestOptions, warc_documents
from pipeline.warc_write import http_response, warc_record, warcinfo, write_warc

REPO = Path(__file__).resolve().parent.parent
DATA = REPO.parent / "shared" / "data" / "html"
PAGE_GLOBS = ("scrapinghub/html/*.html.gz", "trafilatura_eval/html/*.html.gz")
DOC = REPO / "docs" / "benchmarks.md"
SECTION = "## Ingest (curate ingest)"
TARGET_SECONDS = 40.0  # default --repeat: the extractor-alone run lasts at least this long
WARMUP_PAGES = 20
GOAL = 0.15
NOISE = 0.03  # run-to-run spread of the overhead measured here
BUSY_CORES = 0.1  # other load above this during a timed run is reported
T = TypeVar("T")


@dataclass(frozen=True)
class Span:
    """Wall-clock and CPU seconds (CPU of this process, or of the Spark children for the Spark run)."""

    wall: float = 0.0
    cpu: float = 0.0

    def __add__(self, other: "Span") -> "Span":
        return Span(self.wall + other.wall, self.cpu + other.cpu)

    def __sub__(self, other: "Span") -> "Span":
        return Span(self.wall - other.wall, self.cpu - other.cpu)


def clock() -> Span:
    return Span(time.perf_counter(), time.process_time())


@dataclass
class Baseline:
    total: Span  # decode_html + extract
    extract: Span  # extract only
    texts: list[str]  # non-empty texts of one pass, for timing language ID alone
    peak_kb: int


@dataclass
class ChildUsage:
    """Peak RSS (kB) and CPU seconds of this process's descendants: the JVM and the Python workers."""

    peak_kb: dict[int, int] = field(default_factory=dict)
    name: dict[int, str] = field(default_factory=dict)
    cpu_start: dict[int, float] = field(default_factory=dict)
    cpu_end: dict[int, float] = field(default_factory=dict)
    peak_total_kb: int = 0

    def peak(self, jvm: bool) -> int:
        return max((kb for pid, kb in self.peak_kb.items() if (self.name[pid] == "java") == jvm), default=0)

    def cpu_seconds(self, jvm: bool | None = None) -> float:
        return sum(end - self.cpu_start.get(pid, 0.0) for pid, end in self.cpu_end.items()
                   if jvm is None or (self.name[pid] == "java") == jvm)


@dataclass
class Result:
    extractor: str
    pages: int
    repeat: int
    warc_bytes: int
    baseline: Baseline
    read: Span
    lid: Span
    in_process: Span
    in_process_peak_kb: int
    spark: Span
    spark_kept: int
    children: ChildUsage
    other_load: dict[str, float]  # cores kept busy by other processes during each timed run


def load_pages(root: Path) -> list[bytes]:
    paths = sorted(path for pattern in PAGE_GLOBS for path in root.glob(pattern))
    if not paths:
        raise SystemExit(f"bench.ingest: no pages found under {root} ({', '.join(PAGE_GLOBS)}); "
                         "the benchmark needs the shared HTML data set at ../shared/data/html")
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


def time_extractor(pages: list[bytes], repeat: int, extract: Callable[[str, str | None], str]) -> Baseline:
    """The extractor alone in a loop: decode_html then extract, as the pipeline calls them."""
    reset_peak_rss()
    texts: list[str] = []
    total = extract_only = Span()
    for copy in range(repeat):
        for index, raw in enumerate(pages):
            start = clock()
            html, _ = decode_html(raw)
            decoded = clock()
            text = extract(html, page_url(copy, index)).strip()
            end = clock()
            total += end - start
            extract_only += end - decoded
            if copy == 0 and text:
                texts.append(text)
    return Baseline(total, extract_only, texts, peak_rss_kb())


def time_reading(warc_path: str, max_page_bytes: int) -> Span:
    """Reading the WARC and parsing the HTTP responses, nothing else."""
    start = clock()
    for item in read_records(lambda offset: open_input(warc_path, offset), "bench.warc.gz", max_page_bytes):
        if isinstance(item, WarcRecord) and item.record_type == "response":
            parse_http_response(item.body)
    return clock() - start


def time_lid(texts: list[str], lid: LanguageIdentifier) -> Span:
    start = clock()
    for first in range(0, len(texts), BATCH):
        lid.predict(texts[first : first + BATCH])
    return clock() - start


def time_in_process(warc_path: str, options: IngestOptions, lid: LanguageIdentifier) -> tuple[Span, int]:
    """warc_documents without Spark (read, decode, extract, language ID, Arrow); its time and peak RSS."""
    from pipeline.accounting import Stats

    reset_peak_rss()
    start = clock()
    for _ in warc_documents(lambda offset: open_input(warc_path, offset), warc_path, options, lid, Stats()):
        pass
    return clock() - start, peak_rss_kb()


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


def sample_children(usage: ChildUsage) -> None:
    total = 0
    for pid in descendants(os.getpid()):
        sample = process_sample(pid)
        if sample is None:
            continue
        name, hwm, rss, cpu = sample
        usage.name[pid] = name
        usage.peak_kb[pid] = max(usage.peak_kb.get(pid, 0), hwm, rss)
        usage.cpu_end[pid] = cpu
        total += rss
    usage.peak_total_kb = max(usage.peak_total_kb, total)


def time_spark(
    spark, warc_path: str, out_dir: str, options: IngestOptions, lid_model: str
) -> tuple[Span, dict, ChildUsage]:
    """run_ingest alone is timed; the children's memory and CPU are sampled every 0.2 s meanwhile."""
    from pipeline.ingest import run_ingest

    usage = ChildUsage()
    for pid in descendants(os.getpid()):
        reset_peak_rss(pid)
        sample = process_sample(pid)
        if sample is not None:
            usage.cpu_start[pid] = sample[3]
    stop = threading.Event()

    def sampler() -> None:
        while not stop.wait(0.2):
            sample_children(usage)

    thread = threading.Thread(target=sampler, daemon=True)
    thread.start()
    start = time.perf_counter()
    stats = run_ingest(spark, [warc_path], out_dir, options, lid_model, progress=False, overwrite=True)
    wall = time.perf_counter() - start
    stop.set()
    thread.join()
    sample_children(usage)
    return Span(wall, usage.cpu_seconds()), stats, usage


def cpu_marks() -> tuple[float, float, float]:
    """(wall clock, CPU seconds the whole machine was busy, CPU seconds of this process and its children)."""
    ticks = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    busy = (sum(ticks) - ticks[3] - ticks[4]) / os.sysconf("SC_CLK_TCK")  # all but idle and iowait
    ours = time.process_time() + sum(
        sample[3] for pid in descendants(os.getpid()) if (sample := process_sample(pid)) is not None
    )
    return time.perf_counter(), busy, ours


def measured(run: Callable[[], T]) -> tuple[T, float]:
    """run(), and the cores that other processes kept busy meanwhile (0 on an idle machine)."""
    before = cpu_marks()
    result = run()
    wall, busy, ours = (b - a for a, b in zip(before, cpu_marks(), strict=True))
    return result, max(0.0, (busy - ours) / wall)


def bench_extractor(name: str, pages: list[bytes], repeat: int | None, spark, lid_model: str,
                    lid: LanguageIdentifier) -> Result:
    extract = get_extractor(name)
    options = IngestOptions(extractor=name)
    time_extractor(pages[:WARMUP_PAGES], 1, extract)  # imports and first-call set-up
    one_pass = time_extractor(pages, 1, extract).total.wall
    repeat = repeat or max(1, math.ceil(TARGET_SECONDS / one_pass))
    with tempfile.TemporaryDirectory(prefix=f"bench-ingest-{name}-") as tmp:
        warc_path = os.path.join(tmp, "bench.warc.gz")
        print(f"[{name}] writing {len(pages) * repeat} pages ({repeat} x {len(pages)}) to {warc_path}",
              file=sys.stderr)
        write_bench_warc(warc_path, pages, repeat)
        print(f"[{name}] extractor alone", file=sys.stderr)
        baseline, other_alone = measured(lambda: time_extractor(pages, repeat, extract))
        print(f"[{name}] reading, language ID, in-process pipeline", file=sys.stderr)
        read = time_reading(warc_path, options.max_page_bytes)
        lid_time = time_lid(baseline.texts * repeat, lid)
        (in_process, in_process_peak), other_in_process = measured(
            lambda: time_in_process(warc_path, options, lid))
        print(f"[{name}] Spark local[1]: warm-up, then the timed run", file=sys.stderr)
        warmup_path = os.path.join(tmp, "warmup.warc.gz")
        write_bench_warc(warmup_path, pages[:WARMUP_PAGES], 1)
        from pipeline.ingest import run_ingest

        run_ingest(spark, [warmup_path], os.path.join(tmp, "warmup-out"), options, lid_model,
                   progress=False, overwrite=True)
        out_dir = os.path.join(tmp, "out")
        (spark_time, stats, children), other_spark = measured(
            lambda: time_spark(spark, warc_path, out_dir, options, lid_model))
        count = len(pages) * repeat
        if stats["read"] != count + 1:
            raise AssertionError(f"the Spark run read {stats['read']} records, expected {count + 1}")
        other = {"alone": other_alone, "in-process": other_in_process, "spark": other_spark}
        return Result(name, count, repeat, os.path.getsize(warc_path), baseline, read, lid_time, in_process,
                      in_process_peak, spark_time, stats["kept"], children, other)


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), "unknown CPU")
    ram_kb = int(next(line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines()
                      if line.startswith("MemTotal:")))
    java = shutil.which("java")
    java_version = (subprocess.run([java, "-version"], capture_output=True, text=True).stderr.splitlines()[0]
                    if java else "no java")
    nproc = subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip()
    versions = ", ".join(f"{p} {version(p)}" for p in ("pyspark", "trafilatura", "resiliparse", "fastwarc"))
    today = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    return (f"nproc {nproc}, {ram_kb / 2**20:.1f} GiB RAM, {cpu}; Python {platform.python_version()}, "
            f"{java_version}; {versions}; run {today}")


def mib(kb: int) -> str:
    return f"{kb / 1024:.0f} MiB"


def split(r: Result) -> dict[str, Span]:
    """The Spark run's time by part; the two last are differences between whole runs."""
    return {
        "reading WARC + HTTP parsing": r.read,
        "decode + extract": r.baseline.total,
        "language ID": r.lid,
        "Arrow, accounting, time limit (rest of in-process)": (r.in_process - r.read - r.baseline.total
                                                               - r.lid),
        "Spark + Parquet + commit": r.spark - r.in_process,
    }


def verdict(r: Result) -> str:
    overhead = r.spark.wall / r.baseline.total.wall - 1
    figures = (f"{r.pages / r.spark.wall:.1f} pages/s through Spark local[1] against "
               f"{r.pages / r.baseline.total.wall:.1f} pages/s for the extractor alone")
    if overhead <= GOAL:
        text = f"**{r.extractor}: goal met.** {figures}: overhead {overhead:+.1%} (goal <= +15%)."
    else:
        extras = {part: span.wall for part, span in split(r).items() if part != "decode + extract"}
        top = max(extras, key=extras.__getitem__)
        text = (f"**{r.extractor}: goal not met.** {figures}: overhead {overhead:+.1%}, "
                f"{(overhead - GOAL) * 100:.1f} points over the +15% goal. The largest extra cost is {top}: "
                f"{1000 * extras[top] / r.pages:.2f} ms/page, "
                f"{extras[top] / (r.spark.wall - r.baseline.total.wall):.0%} of the pipeline's extra time.")
    if abs(overhead - GOAL) < NOISE:
        text += f" The margin is under {NOISE:.0%}, within this benchmark's run-to-run noise."
    busiest = max(r.other_load.values())
    if busiest > BUSY_CORES:
        text += (f" The machine was not idle: other processes kept up to {busiest:.1f} of its "
                 f"{os.cpu_count()} cores busy during these runs; by CPU time the overhead is "
                 f"{r.spark.cpu / r.baseline.total.cpu - 1:+.1%}.")
    return text


def report(results: list[Result], command: str, page_count: int, html_bytes: int) -> str:
    lines = [
        SECTION, "",
        f"Command: `{command}` (`make bench-ingest` runs it with the defaults). Each path runs on one core: "
        "the extractor alone and the in-process pipeline in one Python process, the pipeline through "
        "`run_ingest` on a `local[1]` session (one task slot; session start-up and a warm-up ingest "
        "excluded from the timing). Wall-clock time decides; CPU time (of the process, or of the JVM and "
        "Python workers for Spark) shows whether a run had its core to itself.", "",
        f"Machine: {machine()}.", "",
        f"Pages: {page_count} real pages from `../shared/data/html` ({', '.join(PAGE_GLOBS)}), "
        f"{html_bytes / 1e6:.1f} MB of HTML, written as `response` records without a charset in the "
        "header (so decoding works as in a crawl), each copy under its own URL, into one WARC "
        "(one gzip member per record) per extractor:", "",
    ]
    lines += [f"- {r.extractor}: {r.repeat} x {page_count} = {r.pages} pages, WARC of "
              f"{r.warc_bytes / 1e6:.0f} MB" for r in results]
    lines += ["", "| extractor | path | seconds | CPU s | pages/s | ms/page | vs extractor alone | "
              "same, by CPU time | other load (cores) |", "|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    for r in results:
        rows = [
            ("extract only (no decode)", r.baseline.extract, "alone"),
            ("extractor alone (decode_html + extract)", r.baseline.total, "alone"),
            ("in-process pipeline (`warc_documents`)", r.in_process, "in-process"),
            ("Spark local[1] pipeline (`run_ingest`)", r.spark, "spark"),
        ]
        for path, span, run in rows:
            lines.append(f"| {r.extractor} | {path} | {span.wall:.1f} | {span.cpu:.1f} | "
                         f"{r.pages / span.wall:.1f} | {1000 * span.wall / r.pages:.2f} | "
                         f"{span.wall / r.baseline.total.wall - 1:+.1%} | "
                         f"{span.cpu / r.baseline.total.cpu - 1:+.1%} | {r.other_load[run]:.2f} |")
    parts = list(split(results[0]))
    lines += ["", "Where the Spark pipeline's time goes, in ms/page and share of its time (reading and "
              "language ID timed alone on the same WARC and texts; the two last columns are differences "
              "between whole runs, so they carry their noise):", "",
              "| extractor | clock | " + " | ".join(parts) + " | total |",
              "|---|---|" + "---:|" * (len(parts) + 1)]
    for r in results:
        for clock_name in ("wall", "cpu"):
            total = getattr(r.spark, clock_name)
            cells = " | ".join(f"{1000 * getattr(span, clock_name) / r.pages:.2f} "
                               f"({getattr(span, clock_name) / total:.0%})" for span in split(r).values())
            lines.append(f"| {r.extractor} | {clock_name} | {cells} | {1000 * total / r.pages:.2f} |")
    lines += ["", "Peak memory (RSS high-water mark, reset before each run) and the Spark run's CPU:", "",
              "| extractor | extractor alone (process) | in-process pipeline (process) | Spark JVM | "
              "Spark Python worker (largest) | Spark JVM + workers (sum, sampled every 0.2 s) | "
              "Spark CPU: JVM / Python workers |", "|---|---:|---:|---:|---:|---:|---:|"]
    for r in results:
        c = r.children
        lines.append(f"| {r.extractor} | {mib(r.baseline.peak_kb)} | {mib(r.in_process_peak_kb)} | "
                     f"{mib(c.peak(jvm=True))} | {mib(c.peak(jvm=False))} | {mib(c.peak_total_kb)} | "
                     f"{c.cpu_seconds(jvm=True):.1f} s / {c.cpu_seconds(jvm=False):.1f} s |")
    kept = ", ".join(f"{r.extractor} {r.spark_kept} of {r.pages}" for r in results)
    lines += ["", f"Kept documents (Spark run): {kept}.", "",
              "Verdict (goal: the pipeline adds at most 15% over the extractor alone, per page):", ""]
    lines += [f"- {verdict(r)}" for r in results]
    return "\n".join(lines) + "\n"


def write_section(doc: Path, section: str) -> None:
    """Replace this benchmark's section of the document (or append it); create the document if missing."""
    text = doc.read_text() if doc.exists() else (
        "# Benchmarks\n\nEach section gives the command, the machine and the figures.\n")
    start = text.find(SECTION)
    if start < 0:
        text = text.rstrip("\n") + "\n\n" + section
    else:
        end = text.find("\n## ", start + len(SECTION))
        text = text[:start] + section + (text[end:] if end >= 0 else "")
    doc.parent.mkdir(parents=True, exist_ok=True)
    doc.write_text(text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.ingest", description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=None, help="copies of the page set (default: enough "
                        f"for the extractor alone to run >= {TARGET_SECONDS:.0f} s)")
    parser.add_argument("--extractors", default=",".join(EXTRACTORS),
                        help=f"comma-separated, among: {', '.join(EXTRACTORS)}")
    args = parser.parse_args(argv)
    names = [name.strip() for name in args.extractors.split(",") if name.strip()]
    unknown = [name for name in names if name not in EXTRACTORS]
    if unknown or not names:
        parser.error(f"unknown extractor(s) {', '.join(unknown)}; choose among {', '.join(EXTRACTORS)}")
    pages = load_pages(DATA)
    lid_model = default_lid_model()
    lid = LanguageIdentifier(lid_model)
    from pipeline.session import get_session

    spark = get_session("local[1]", "bench-ingest")
    results = [bench_extractor(name, pages, args.repeat, spark, lid_model, lid) for name in names]
    command = " ".join(["python -m bench.ingest", *(sys.argv[1:] if argv is None else argv)])
    section = report(results, command, len(pages), sum(map(len, pages)))
    print(section)
    write_section(DOC, section)
    print(f"written to {DOC}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
