"""Console progress for unit-based jobs: files committed, records/s and an ETA; for one-query jobs (subset,
report): Spark's tasks done.

Committed units are read from `_units/`; units still running report every few seconds to `_tmp/progress/`
(see `reporting`), so a long file shows progress before it commits."""

import json
import posixpath
import sys
import threading
import time
from collections.abc import Iterable, Iterator

from pipeline.accounting import Stats
from pipeline.commit import OutputDir

PROGRESS_DIR = "_tmp/progress"


def reporting(tables: Iterable, stats: Stats, out: OutputDir, unit: str, every: float = 10.0) -> Iterator:
    """Pass `tables` through, writing the unit's running counts when it starts (so that it shows as running) and
    then at most every `every` seconds."""
    _write_counts(out, unit, stats)
    last = time.monotonic()
    for table in tables:
        yield table
        if time.monotonic() - last >= every:
            _write_counts(out, unit, stats)
            last = time.monotonic()


def _write_counts(out: OutputDir, unit: str, stats: Stats) -> None:
    out.fs.makedirs(out.join(PROGRESS_DIR), exist_ok=True)
    counts = {"read": stats.read, "kept": stats.kept}
    out.fs.pipe_file(out.join(PROGRESS_DIR, f"{unit}.json"), json.dumps(counts).encode())


class UnitProgress:
    """While the block runs, print a progress line every `interval` seconds."""

    def __init__(self, out: OutputDir, stage: str, total: int, enabled: bool = True, interval: float = 5.0):
        self.out, self.stage, self.total = out, stage, total
        self.enabled, self.interval = enabled, interval
        self._stop = threading.Event()
        self._committed: dict[str, tuple[int, int]] = {}
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self):
        self._start = time.monotonic()
        self._initial_read = sum(read for read, _ in self._counts("_units", self._committed).values())
        self._initial_units = len(self._committed)
        if self.enabled:
            self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()
        if self.enabled and exc[0] is None:
            self.report()

    def _counts(self, folder: str, known: dict) -> dict[str, tuple[int, int]]:
        """(read, kept) per unit from the JSON files of `folder`; entries already in `known` are not reread."""
        path = self.out.join(folder)
        try:
            names = self.out.fs.ls(path, detail=False) if self.out.fs.exists(path) else []
        except OSError:
            names = []
        for name in names:
            unit = posixpath.basename(name).removesuffix(".json")
            if unit in known or not name.endswith(".json"):
                continue
            try:
                data = json.loads(self.out.fs.cat_file(name))
            except (OSError, ValueError):  # a file being replaced: read it next time
                continue
            counts = data.get("stats", data)
            known[unit] = (counts.get("read", 0), counts.get("kept", 0))
        return known

    def report(self) -> None:
        committed = self._counts("_units", self._committed)
        running = {u: c for u, c in self._counts(PROGRESS_DIR, {}).items() if u not in committed}
        counts = list(committed.values()) + list(running.values())
        read, kept = sum(r for r, _ in counts), sum(k for _, k in counts)
        elapsed = time.monotonic() - self._start
        rate = (read - self._initial_read) / elapsed if elapsed > 0 else 0.0
        fresh = len(committed) - self._initial_units
        eta = "-"
        if fresh > 0 and len(committed) < self.total:
            eta = time.strftime("%H:%M:%S", time.gmtime(elapsed / fresh * (self.total - len(committed))))
        print(
            f"[{self.stage}] files {len(committed)}/{self.total} ({len(running)} running)  records read {read:,}"
            f"  kept {kept:,}  {rate:,.0f} records/s  elapsed {elapsed:,.0f}s  ETA {eta}",
            file=sys.stderr,
            flush=True,
        )

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.report()


class TaskProgress:
    """While the block runs, print every `interval` seconds the tasks Spark's running stages have done, with an
    ETA for them; at the end, the time it took. For jobs that are one query rather than units (subset, report)."""

    def __init__(self, spark, stage: str, enabled: bool = True, interval: float = 5.0):
        self.tracker, self.stage = spark.sparkContext.statusTracker(), stage
        self.enabled, self.interval = enabled, interval
        self._seen: dict[int, float] = {}  # stage id -> when a report first saw it running
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self):
        self._start = time.monotonic()
        if self.enabled:
            self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()
        if self.enabled and exc[0] is None:
            print(f"[{self.stage}] done in {time.monotonic() - self._start:,.0f}s", file=sys.stderr, flush=True)

    def report(self) -> None:
        stages = [info for info in map(self.tracker.getStageInfo, self.tracker.getActiveStageIds()) if info]
        done, total = sum(info.numCompletedTasks for info in stages), sum(info.numTasks for info in stages)
        running = sum(info.numActiveTasks for info in stages)
        elapsed = time.monotonic() - self._start
        eta = "-"
        for info in stages:
            self._seen.setdefault(info.stageId, time.monotonic())
        if done:  # the running stages' remaining tasks at the pace of their first ones since they were seen
            began = min(self._seen[info.stageId] for info in stages)
            eta = time.strftime("%H:%M:%S", time.gmtime((time.monotonic() - began) / done * (total - done)))
        print(f"[{self.stage}] Spark tasks {done:,}/{total:,} ({running} running)  elapsed {elapsed:,.0f}s  "
              f"ETA of this step {eta}", file=sys.stderr, flush=True)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.report()
