"""`curate run PIPELINE.yaml`: the plan carried out step by step, each step's console output also written to its
log (ROOT/_logs/STEP.txt), and one table of every step at the end."""

import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, redirect_stderr, redirect_stdout
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import TextIO

from pipeline.console import print_summary
from pipeline.stages.audit.run import run_audit
from pipeline.stages.run.plan import REUSE, Planned, plan_run, plan_text
from pipeline.stages.run.spec import LoadedPipeline
from pipeline.stages.run.steps import pipeline_steps
from pipeline.storage.locations import shown_path
from pipeline.storage.output_dir import OutputDir

DONE = {"run": "ran", "rerun": "reran", "resume": "resumed", "reuse": "reused"}


@dataclass
class Row:
    """A step's line in the run's table."""

    step: str
    status: str
    read: int | None = None
    kept: int | None = None
    seconds: float | None = None


def run_pipeline(session: Callable[[], object], loaded: LoadedPipeline, progress: bool = True,
                 dry_run: bool = False) -> int:
    """Carry out the plan of `loaded` (Spark from `session`, started only when a step runs), then audit the
    outputs; returns the exit status (the audit's). With `dry_run`, print the plan and run nothing."""
    root, session = loaded.root, cache(session)  # one session, started by the first step that runs
    planned = plan_run(pipeline_steps(loaded))
    print(f"plan of {loaded.path} (output {shown_path(root)}/):\n{plan_text(planned, root)}")
    if dry_run:
        print("dry run: nothing ran")
        return 0
    rows = []
    try:
        for item in planned:
            rows.append(carry_out(item, session, root, progress))
    except BaseException:
        rows.append(Row(planned[len(rows)].step.name, "failed"))
        raise
    finally:
        print(run_table(rows + [Row(item.step.name, "not run") for item in planned[len(rows):]]))
    # the rows are checked on Spark when a step ran; a run that reused everything checks the books alone and
    # starts no Spark (the rows were checked by the run that made them)
    ran = any(row.status != DONE[REUSE] for row in rows)
    audit = run_audit(session() if ran else None, root)
    print(f"\n{audit}")
    return audit.exit_status


def carry_out(item: Planned, session: Callable[[], object], root: str, progress: bool) -> Row:
    """One step: reused (its books read back), or run with its console output teed to its log."""
    step = item.step
    if item.action == REUSE:
        stats = _sealed_books(step.output)
        if step.job is None:  # report, publish: they read the subset's documents
            return Row(step.name, DONE[REUSE], stats["kept"])
        return Row(step.name, DONE[REUSE], stats["read"], stats["kept"])
    print(f"\n== {step.name}: {item.action} ({item.why})", flush=True)
    start = time.monotonic()
    with logged(os.path.join(root, "_logs", f"{step.name.replace(' ', '-')}.txt"), f"{item.action}: {item.why}"):
        stats = step.run(session(), item.overwrite, progress)
        if step.job is not None:
            print_summary(step.output, stats)
    return Row(step.name, DONE[item.action], stats.get("read"), stats.get("kept"), time.monotonic() - start)


def _sealed_books(output: str) -> dict:
    return OutputDir(output).read_json("_stats.json")


@contextmanager
def logged(path: str, heading: str) -> Iterator[None]:
    """What the block prints to stdout and stderr also appended to `path` (each run under a heading: a resumed
    step's log keeps the earlier attempts)."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "a", encoding="utf-8") as log:
        log.write(f"--- {datetime.now(UTC).isoformat(timespec='seconds')} {heading}\n")
        with redirect_stdout(_Tee(sys.stdout, log)), redirect_stderr(_Tee(sys.stderr, log)):
            yield


class _Tee:
    """A text stream writing to the console and to a log."""

    def __init__(self, console: TextIO, log: TextIO):
        self.console, self.log = console, log

    def write(self, text: str) -> int:
        self.log.write(text)
        return self.console.write(text)

    def flush(self) -> None:
        self.log.flush()
        self.console.flush()

    def __getattr__(self, name: str):  # isatty, encoding, fileno: the console's
        return getattr(self.console, name)


def run_table(rows: list[Row]) -> str:
    """The run's table: each step, what happened to it, its records in and out, its time."""
    shown = [("stage", "status", "records in", "records out", "time")]
    for row in rows:
        shown.append((row.step, row.status, _count(row.read), _count(row.kept),
                      "-" if row.seconds is None else f"{row.seconds:,.1f}s"))
    widths = [max(len(line[column]) for line in shown) for column in range(len(shown[0]))]
    lines = ["  ".join(cell.ljust(width) if column < 2 else cell.rjust(width)
                       for column, (cell, width) in enumerate(zip(line, widths, strict=True))).rstrip()
             for line in shown]
    return "\n" + "\n".join(lines)


def _count(value: int | None) -> str:
    return "-" if value is None else f"{value:,}"
