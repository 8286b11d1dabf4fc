"""The whole pipeline at scale: a generated crawl through `curate run` (ingest with resiliparse, signals, dedup, two
recipes), and the same stages run alone one after the other, per stage: wall time, documents/s, CPU (cores busy),
peak memory of every process, disk written, and the load average of the shared machine.

Run: python -m bench.e2e [--pages 200000] [--files 8] [--master local[2]]   (make bench-e2e)

The crawl is the demo's (pipeline/demo/crawl.py) scaled up, in --files WARC files written on both cores: articles in
four languages with planted exact and near duplicates, boilerplate and spam pages, plus 2% pages with licence
markers (tests/helpers/license_pages.py). It is generated once under --data and kept for the next run. Each stage
runs as its `curate` command in a child process, whose process tree (the CLI, the JVM, the Python workers) is
sampled every half second; the run comes first, so its input files start colder than the stages' run alone."""

import argparse
import json
import math
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from bench.ingest import ChildUsage, children_cpu, descendants, machine, reset_peak_rss
from pipeline.demo.crawl import ARTICLES, BOILERPLATE, EXACT_DUPS, NEAR_DUPS, SPAM, crawl_records
from pipeline.demo.warc_writer import write_warc
from tests.helpers.license_pages import pages as licence_pages

LICENCE_SHARE = 0.02
SPECIAL_PAGES = 8  # _special_pages: assets, a 404, a redirect, two legacy-charset pages, per file
GOAL_RATIO = 1.3  # the run within 1.3x the sum of the stages run alone (issue 19)
GOAL_MEMORY_GB = 8
RECIPES = {
    "clean": ('The crawl without repetitive pages and duplicates.',
              'repetition: "rps_doc_frac_chars_dupe_10grams <= 0.1"   # Gopher (recipes/gopher.yaml)'),
    "long": ("Pages of at least 200 words, without duplicates.",
             'length: "rps_doc_word_count >= 200"'),
}
RECIPE = """\
name: {name}
description: {description}
inputs:
  - path: dedup
filters:
  {rule}
dedup: {{fuzzy: true}}
output:
  path: subset/{name}
card:
  license: other
"""
PIPELINE = """\
output: run
inputs:
  files: [crawl]
ingest:
  extractor: resiliparse
dedup:
  thresholds: [0.8]
recipes: [{recipes}]
"""


def _write_part(folder: str, part: int, scale: int, licences: int) -> str:
    name = f"CC-MAIN-20990101000000-20990101010000-{part:05d}.warc.gz"
    extra = [(f"https://licensed-{part}.example/page-{n}", page.html,
              {"Link": page.link_header} if page.link_header else {})
             for n, page in enumerate(licence_pages(licences, seed=part))]
    write_warc(os.path.join(folder, name), crawl_records(name, part, scale, extra))
    return name


def crawl(root: Path, pages: int, files: int) -> tuple[Path, int]:
    """The crawl's folder and its page count, generated on both cores unless a previous run left it complete."""
    per_file = pages / files
    licences = math.ceil(per_file * LICENCE_SHARE)
    demo_pages = sum(ARTICLES.values()) + EXACT_DUPS + NEAR_DUPS + BOILERPLATE + SPAM
    scale = max(1, math.ceil((per_file - SPECIAL_PAGES - licences) / demo_pages))
    total = files * (scale * demo_pages + SPECIAL_PAGES + licences)
    folder = root / f"crawl-{pages}-{files}"
    if not (folder / "_COMPLETE").exists():
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        started = time.perf_counter()
        with ProcessPoolExecutor(2) as pool:
            list(pool.map(_write_part, [str(folder)] * files, range(files), [scale] * files, [licences] * files))
        (folder / "_COMPLETE").touch()
        print(f"generated {total:,} pages in {files} WARC files in {time.perf_counter() - started:.0f} s",
              file=sys.stderr)
    return folder, total


def setup(work: Path, crawl_folder: Path) -> Path:
    """The pipeline file and its recipes in `work`, the crawl linked beside them; returns the pipeline file."""
    work.mkdir(parents=True, exist_ok=True)
    link = work / "crawl"
    if not link.exists():
        link.symlink_to(crawl_folder.resolve())
    for name, (description, rule) in RECIPES.items():
        (work / f"{name}.yaml").write_text(RECIPE.format(name=name, description=description, rule=rule))
    pipeline = work / "pipeline.yaml"
    pipeline.write_text(PIPELINE.format(recipes=", ".join(f"{name}.yaml" for name in RECIPES)))
    return pipeline


@dataclass
class Segment:
    """One stage's figures: wall time, CPU seconds, peak RSS per process (kB), load averages seen."""

    name: str
    wall: float = 0.0
    cpu: float = 0.0
    worker_cpu: float = 0.0
    peak_jvm_kb: int = 0
    peak_python_kb: int = 0
    peak_total_kb: int = 0
    load: list[float] = field(default_factory=list)
    disk: int = 0
    documents: int = 0


class Monitor:
    """Samples the process tree of this process every half second, cut into segments (one per stage)."""

    def __init__(self) -> None:
        self.segments: list[Segment] = []
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._loop, daemon=True)

    def __enter__(self) -> "Monitor":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.close()
        self.stop.set()
        self.thread.join()

    def begin(self, name: str) -> None:
        self.close()
        for pid in descendants(os.getpid()):
            reset_peak_rss(pid)
        with self.lock:
            self.usage, self.started = ChildUsage(children_cpu()), time.perf_counter()
            self.segments.append(Segment(name, load=[os.getloadavg()[0]]))

    def close(self) -> None:
        with self.lock:
            if not self.segments or self.segments[-1].wall:
                return
            self._sample()
            segment = self.segments[-1]
            segment.wall = time.perf_counter() - self.started
            segment.cpu, segment.worker_cpu = self.usage.cpu(), self.usage.cpu(jvm=False)
            segment.load.append(os.getloadavg()[0])

    def _sample(self) -> None:
        self.usage.sample()
        segment = self.segments[-1]
        python = max((kb for pid, kb in self.usage.peak_kb.items() if not self.usage.is_jvm[pid]), default=0)
        segment.peak_jvm_kb, segment.peak_python_kb = self.usage.peak(jvm=True), python
        segment.peak_total_kb = self.usage.peak_total_kb

    def _loop(self) -> None:
        while not self.stop.wait(0.5):
            with self.lock:
                if self.segments and not self.segments[-1].wall:
                    self._sample()
                    self.segments[-1].load.append(os.getloadavg()[0])


def size(path: Path) -> int:
    """Bytes in a file or under a folder."""
    return path.stat().st_size if path.is_file() else sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "pipeline.cli", *args]


def documents_read(written: Path) -> int:
    """Documents the stage read, from its books: the `read` of a stage's `_stats.json`, the `kept` of the subset a
    report (report.html) describes."""
    if written.is_file():
        return json.loads((written.parent / "_stats.json").read_text())["kept"]
    return json.loads((written / "_stats.json").read_text())["read"]


def stages(work: Path, root: str, master: str) -> list[tuple[str, Path, list[str]]]:
    """(name, what it writes, command) of each stage run alone, reading what the one before wrote, in the order
    `curate run` runs them."""
    out = work / root
    steps = [("ingest", out / "documents", cli("ingest", str(work / "crawl"), "--output", str(out / "documents"),
                                               "--extractor", "resiliparse", "--master", master)),
             ("signals", out / "signals", cli("signals", str(out / "documents"), "--output", str(out / "signals"),
                                              "--master", master)),
             ("dedup", out / "dedup", cli("dedup", str(out / "signals"), "--output", str(out / "dedup"),
                                          "--threshold", "0.8", "--master", master))]
    for name in RECIPES:
        folder = out / "subset" / name
        steps.append((f"subset {name}", folder, cli("subset", str(work / f"{name}.yaml"), "--input",
                                                     str(out / "dedup"), "--output", str(folder),
                                                     "--master", master)))
        steps.append((f"report {name}", folder / "report.html", cli("report", str(folder), "--master", master)))
    return steps


def run_alone(monitor: Monitor, work: Path, master: str, log: Path) -> list[Segment]:
    shutil.rmtree(work / "alone", ignore_errors=True)
    with log.open("a") as handle:
        for name, folder, command in stages(work, "alone", master):
            monitor.begin(name)
            subprocess.run(command, check=True, stdout=handle, stderr=subprocess.STDOUT)
            monitor.close()
            monitor.segments[-1].disk = size(folder)
            monitor.segments[-1].documents = documents_read(folder)
    return monitor.segments[-len(RECIPES) * 2 - 3:]


def run_pipeline(monitor: Monitor, work: Path, pipeline: Path, master: str, log: Path) -> tuple[list[Segment], float]:
    """`curate run` in one child process, cut into stages at the lines where it starts each step."""
    shutil.rmtree(work / "run", ignore_errors=True)
    expected = stages(work, "run", master)
    started, seen = time.perf_counter(), 0
    monitor.begin("run start")
    with log.open("a") as handle, subprocess.Popen(cli("run", str(pipeline), "--master", master), text=True,
                                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT) as child:
        for line in child.stdout:
            handle.write(line)
            step = re.match(r"^== (.+?): ", line)
            if step:
                if seen == len(expected) or step[1] != expected[seen][0]:
                    raise SystemExit(f"curate run ran {step[1]} where {expected[seen:seen + 1]} was expected")
                monitor.begin(step[1])
                seen += 1
        status = child.wait()
    monitor.close()
    total = time.perf_counter() - started
    if status or seen != len(expected):
        raise SystemExit(f"curate run failed (exit {status}, {seen} steps of {len(expected)}): see {log}")
    segments = monitor.segments[-len(expected):]
    for segment, (_, folder, _) in zip(segments, expected, strict=True):
        segment.disk, segment.documents = size(folder), documents_read(folder)
    return segments, total


def gb(kb: int) -> str:
    return f"{kb / 2**20:.2f}"


def table(segments: list[Segment]) -> list[str]:
    lines = ["| stage | documents read | wall s | documents/s | cores busy (Python workers) | largest JVM GB | "
             "largest Python GB | all processes GB | disk written MB | load average 1 min (start, max, end) |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
    for s in segments:
        rate = f"{s.documents / s.wall:,.0f}" if s.documents else "-"
        lines.append(f"| {s.name} | {s.documents:,} | {s.wall:.1f} | {rate} | {s.cpu / s.wall:.2f} "
                     f"({s.worker_cpu / s.wall:.2f}) | {gb(s.peak_jvm_kb)} | {gb(s.peak_python_kb)} | "
                     f"{gb(s.peak_total_kb)} | {s.disk / 2**20:,.1f} | {s.load[0]:.2f}, {max(s.load):.2f}, "
                     f"{s.load[-1]:.2f} |")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=200_000)
    parser.add_argument("--files", type=int, default=8)
    parser.add_argument("--master", default="local[2]")
    parser.add_argument("--data", default=os.path.join(os.environ.get("TMPDIR", "/tmp"), "curate-bench-e2e"))
    args = parser.parse_args()
    data = Path(args.data)
    folder, pages = crawl(data, args.pages, args.files)
    work = data / f"work-{args.pages}-{args.files}"
    pipeline, log = setup(work, folder), work / "bench.log"
    before = os.getloadavg()
    print(f"{machine()}\ncrawl: {pages:,} pages, {size(folder) / 2**20:,.0f} MB in {args.files} WARC files; "
          f"master {args.master}; log {log}\nload average before: {', '.join(f'{x:.2f}' for x in before)}")
    with Monitor() as monitor:
        in_run, total = run_pipeline(monitor, work, pipeline, args.master, log)
        alone = run_alone(monitor, work, args.master, log)
    after = os.getloadavg()
    print(f"\n`curate run {pipeline.name}`: {total:.1f} s in all (start-up, plan and audit included)")
    print("\n".join(table(in_run)))
    print("\nthe same stages run alone, one after the other:")
    print("\n".join(table(alone)))
    summed = sum(s.wall for s in alone)
    ratio = total / summed
    largest = max(max(s.peak_jvm_kb, s.peak_python_kb) for s in in_run + alone)
    print(f"\nload average after: {', '.join(f'{x:.2f}' for x in after)}")
    print(f"goal run <= {GOAL_RATIO}x the stages alone: {total:.1f} s / {summed:.1f} s = {ratio:.2f}x: "
          f"{'met' if ratio <= GOAL_RATIO else 'NOT MET'}")
    print(f"goal no process over {GOAL_MEMORY_GB} GB: largest {gb(largest)} GB: "
          f"{'met' if largest <= GOAL_MEMORY_GB * 2**20 else 'NOT MET'}")
    subsets = [s for s in in_run + alone if s.name.startswith("subset")]
    print("subset CPU (cores busy over the stage): " + ", ".join(f"{s.name} {s.cpu / s.wall:.2f}" for s in subsets))


if __name__ == "__main__":
    main()
