"""Console progress for unit-based jobs: files committed, records/s and an ETA, from the commit records."""

import json
import sys
import threading
import time

from pipeline.commit import OutputDir


class UnitProgress:
    """While the block runs, print a progress line every `interval` seconds from the `_units/` records."""

    def __init__(self, out: OutputDir, stage: str, total: int, enabled: bool = True, interval: float = 5.0):
        self.out, self.stage, self.total = out, stage, total
        self.enabled, self.interval = enabled, interval
        self._stop = threading.Event()
        self._seen: dict[str, tuple[int, int]] = {}
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self):
        self._start = time.monotonic()
        self._initial = len(self._read_new())
        if self.enabled:
            self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()
        if self.enabled and exc[0] is None:
            self.report()

    def _read_new(self) -> dict:
        units_dir = self.out.join("_units")
        if not self.out.fs.exists(units_dir):
            return self._seen
        for path in self.out.fs.ls(units_dir, detail=False):
            if path.endswith(".json") and path not in self._seen:
                try:
                    stats = json.loads(self.out.fs.cat_file(path)).get("stats", {})
                except (OSError, ValueError):
                    continue
                self._seen[path] = (stats.get("read", 0), stats.get("kept", 0))
        return self._seen

    def report(self) -> None:
        seen = self._read_new()
        done = len(seen)
        read = sum(r for r, _ in seen.values())
        kept = sum(k for _, k in seen.values())
        elapsed = time.monotonic() - self._start
        fresh = done - self._initial
        rate = read / elapsed if elapsed > 0 else 0.0
        eta = "-"
        if fresh > 0 and done < self.total:
            eta = time.strftime("%H:%M:%S", time.gmtime(elapsed / fresh * (self.total - done)))
        print(
            f"[{self.stage}] files {done}/{self.total}  records read {read:,}  kept {kept:,}"
            f"  {rate:,.0f} records/s  elapsed {elapsed:,.0f}s  ETA {eta}",
            file=sys.stderr,
            flush=True,
        )

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.report()
