"""Console progress for unit-based jobs: files committed, records/s, the share of the work done and an ETA; for
one-query jobs (subset, report): Spark's tasks done.

Committed units are read from `_units/`; units still running report every few seconds to `_tmp/progress/`
(see `UnitReport`) their counts and how far through their input they are, so a long file, a one-file job's above
all, shows progress and an ETA before it commits. The reports go through the output folder, which every executor
of a cluster writes to, not through Spark."""

import io
import json
import os
import posixpath
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from typing import BinaryIO

from pipeline.accounting import Stats
from pipeline.storage.output_dir import OutputDir

PROGRESS_DIR = "_tmp/progress"
EVERY_VARIABLE = "CURATE_PROGRESS_EVERY"


def report_interval(default: float) -> float:
    """Seconds between progress reports: CURATE_PROGRESS_EVERY where it is set (read where the report is made: on
    the driver for progress lines, on the executors for a running unit's reports), else `default`."""
    value = os.environ.get(EVERY_VARIABLE, "")
    try:
        return float(value) if value else default
    except ValueError:
        raise ValueError(f"{EVERY_VARIABLE}={value!r} is not a number of seconds") from None


class UnitReport:
    """A running unit's counts, and how far through its input it is (bytes or rows done of a known total), in
    `_tmp/progress/<unit>.json`: written when the unit starts, so that it shows as running, then at most every
    `every` seconds (10 by default) as its tables go out or its input is read."""

    def __init__(self, out: OutputDir, unit: str, stats: Stats, every: float | None = None):
        self.out, self.unit, self.stats = out, unit, stats
        self.every = report_interval(10.0) if every is None else every
        self.done, self.size = 0, None
        self._write()

    def tables(self, tables: Iterable) -> Iterator:
        """Pass `tables` through, reporting when a report is due."""
        for table in tables:
            yield table
            self.tick()

    def advance(self, done: int, size: int | None) -> None:
        """Note that the unit is `done` (bytes, rows) through an input of `size`, if known; report if due."""
        self.done, self.size = max(self.done, done), size
        self.tick()

    def opener(self, open_at: Callable[[int], BinaryIO]) -> Callable[[int], BinaryIO]:
        """`open_at` whose streams advance the report as they are read: the furthest byte read of the file's size."""
        return lambda offset: _TrackedStream(open_at(offset), self)

    def tick(self) -> None:
        if time.monotonic() - self._last >= self.every:
            self._write()

    def _write(self) -> None:
        counts = {"read": self.stats.read, "kept": self.stats.kept, "done": self.done, "size": self.size}
        self._last = time.monotonic()
        try:
            self.out.fs.makedirs(self.out.join(PROGRESS_DIR), exist_ok=True)
            self.out.fs.pipe_file(self.out.join(PROGRESS_DIR, f"{self.unit}.json"), json.dumps(counts).encode())
        except OSError:  # a report is advisory; raised inside an input's read, it would be taken for damage
            pass


def reporting(tables: Iterable, stats: Stats, out: OutputDir, unit: str, every: float | None = None) -> Iterator:
    """Pass `tables` through, reporting the unit's running counts when it starts and then at most every `every`
    seconds; for a unit that also tells how far through its input it is, see UnitReport."""
    return UnitReport(out, unit, stats, every).tables(tables)


class _TrackedStream:
    """A stream that tells a UnitReport the furthest byte of the file its reads reached, and the file's size."""

    def __init__(self, stream: BinaryIO, report: UnitReport):
        self._stream, self._report = stream, report
        self._position = stream.tell()
        self._size: int | None = None

    def read(self, size: int = -1) -> bytes:
        data = self._stream.read(size)
        self._position += len(data)
        if self._size is None:  # an HTTP answer's size is known once it has come
            self._size = stream_size(self._stream)
        self._report.advance(self._position, self._size)
        return data

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        self._position = self._stream.seek(offset, whence)
        return self._position

    def __getattr__(self, name: str):
        return getattr(self._stream, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self._stream.close()


def stream_size(stream: BinaryIO) -> int | None:
    """The size of the file an input stream reads, where it is known: a local file's, an HTTP answer's
    Content-Length (ResumableHTTPStream.total), an fsspec file's `size`; else None."""
    raw = getattr(stream, "raw", stream)
    for name in ("total", "size"):
        value = getattr(raw, name, None)
        if isinstance(value, int):
            return value
    try:
        return os.fstat(raw.fileno()).st_size
    except (AttributeError, OSError, ValueError):
        return None


class _Ticker:
    """While the block runs, call `report` every `interval` seconds (if enabled), and `finish` when it ends well."""

    def __init__(self, enabled: bool, interval: float):
        self.enabled, self.interval = enabled, interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self):
        self._start = time.monotonic()
        self.begin()
        if self.enabled:
            self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()
        if self.enabled and exc[0] is None:
            self.finish()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.report()

    def begin(self) -> None:
        """What to note when the block starts."""

    def report(self) -> None:
        raise NotImplementedError

    def finish(self) -> None:
        self.report()


class UnitProgress(_Ticker):
    """While the block runs, print a progress line every `interval` seconds (CURATE_PROGRESS_EVERY, else 5)."""

    def __init__(self, out: OutputDir, stage: str, total: int, enabled: bool = True, interval: float | None = None):
        super().__init__(enabled, report_interval(5.0) if interval is None else interval)
        self.out, self.stage, self.total = out, stage, total
        self._committed: dict[str, dict] = {}

    def begin(self) -> None:
        self._initial_read = sum(counts["read"] for counts in self._counts("_units", self._committed).values())
        self._initial_units = len(self._committed)

    def _counts(self, folder: str, known: dict) -> dict[str, dict]:
        """Counts per unit from the JSON files of `folder` (read, kept, and for a running unit done and size);
        entries already in `known` are not reread."""
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
            known[unit] = data.get("stats", data)
        return known

    def report(self) -> None:
        committed = self._counts("_units", self._committed)
        running = {u: c for u, c in self._counts(PROGRESS_DIR, {}).items() if u not in committed}
        counts = list(committed.values()) + list(running.values())
        read, kept = sum(c.get("read", 0) for c in counts), sum(c.get("kept", 0) for c in counts)
        elapsed = time.monotonic() - self._start
        rate = (read - self._initial_read) / elapsed if elapsed > 0 else 0.0
        # units' worth of work done: the committed ones, and the part of each running one read so far
        done = len(committed) + sum(_fraction(c) for c in running.values())
        fresh = done - self._initial_units
        eta = "-"
        if fresh > 0 and len(committed) < self.total:
            eta = time.strftime("%H:%M:%S", time.gmtime(elapsed / fresh * (self.total - done)))
        print(
            f"[{self.stage}] files {len(committed)}/{self.total} ({len(running)} running)  records read {read:,}"
            f"  kept {kept:,}  {rate:,.0f} records/s  elapsed {elapsed:,.0f}s  done {int(100 * done / self.total)}%"
            f"  ETA {eta}",
            file=sys.stderr,
            flush=True,
        )


def _fraction(counts: dict) -> float:
    """How far through its input a running unit is, from 0 to 1; 0 where the input's size is unknown."""
    size = counts.get("size")
    return min(1.0, counts.get("done", 0) / size) if size else 0.0


class TaskProgress(_Ticker):
    """While the block runs, print every `interval` seconds the tasks Spark's running stages have done, with an
    ETA for them; at the end, the time it took. For jobs that are one query rather than units (subset, report)."""

    def __init__(self, spark, stage: str, enabled: bool = True, interval: float | None = None):
        super().__init__(enabled, report_interval(5.0) if interval is None else interval)
        self.tracker, self.stage = spark.sparkContext.statusTracker(), stage
        self._seen: dict[int, float] = {}  # stage id -> when a report first saw it running

    def finish(self) -> None:
        print(f"[{self.stage}] done in {time.monotonic() - self._start:,.0f}s", file=sys.stderr, flush=True)

    def report(self) -> None:
        stages = [info for info in map(self.tracker.getStageInfo, self.tracker.getActiveStageIds()) if info]
        done, total = sum(info.numCompletedTasks for info in stages), sum(info.numTasks for info in stages)
        running = sum(info.numActiveTasks for info in stages)
        elapsed = time.monotonic() - self._start
        if not stages:  # between two Spark steps (reading footers, planning, committing): no tasks to count
            print(f"[{self.stage}] elapsed {elapsed:,.0f}s  (between Spark steps)", file=sys.stderr, flush=True)
            return
        eta = "-"
        for info in stages:
            self._seen.setdefault(info.stageId, time.monotonic())
        if done:  # the running stages' remaining tasks at the pace of their first ones since they were seen
            began = min(self._seen[info.stageId] for info in stages)
            eta = time.strftime("%H:%M:%S", time.gmtime((time.monotonic() - began) / done * (total - done)))
        print(f"[{self.stage}] Spark tasks {done:,}/{total:,} ({running} running)  elapsed {elapsed:,.0f}s  "
              f"ETA of this step {eta}", file=sys.stderr, flush=True)
