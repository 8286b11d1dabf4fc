"""`curate status DIR`: each stage output under DIR, done, running, interrupted, failed, stale or not started, and
why (docs/pipeline.md, "Status and audit"). It reads the output folders' JSON files and locks; it changes nothing."""

import os
import socket
from dataclasses import dataclass

from pipeline.messages import shown
from pipeline.storage.locations import shown_path
from pipeline.storage.output_dir import described_run, run_gone
from pipeline.storage.stage_outputs import StageOutput, find_outputs

STATES = ("done", "running", "interrupted", "failed", "stale", "not started")


@dataclass(frozen=True)
class OutputStatus:
    stage: str
    path: str
    state: str  # one of STATES
    why: str


def output_statuses(root: str, expected: tuple[str, ...] = ()) -> list[OutputStatus]:
    """The state of each stage output under `root`, upstream first, then each of the `expected` folders (a
    plan's outputs, by path) that holds no output yet, as not started."""
    outputs = find_outputs(root)
    statuses: dict[str, OutputStatus] = {}
    for output in outputs:
        statuses[output.path] = _status(output, [statuses[upstream.path] for upstream in output.upstream])
    found = {os.path.normpath(path) for path in statuses}
    missing = [OutputStatus("?", path, "not started", "no output yet")
               for path in expected if os.path.normpath(path) not in found]
    return list(statuses.values()) + missing


def _status(output: StageOutput, upstream: list[OutputStatus]) -> OutputStatus:
    def status(state: str, why: str) -> OutputStatus:
        return OutputStatus(output.stage, output.path, state, why)

    holder = output.out.lock_holder()
    units = output.units()
    committed = f"{len(units)} unit(s) committed, of {len(output.inputs)} input(s)"
    if holder == {}:
        return status("running", f"its _lock.json is not a lock curate wrote; {committed}")
    if holder is not None and not run_gone(holder):
        alive = "alive" if holder["host"] == socket.gethostname() else "on another host: curate cannot tell " \
            "whether it is alive"
        return status("running", f"locked by {described_run(holder)} ({alive}); {committed}")
    changed = output.changed_inputs()
    if changed:
        return status("stale", "inputs changed since it ran: " + shown([f"{shown_path(location)} {what}"
                                                                       for location, what in changed]))
    behind = [other for other in upstream if other.state != "done"]
    if behind:
        return status("stale", "made from " + ", ".join(f"{other.stage} {shown_path(other.path)}, which is "
                                                        f"{other.state}" for other in behind))
    failed = [record for record in units if record.get("status") != "ok"]
    gone = f"its run ({described_run(holder)}) is gone; " if holder else ""
    if failed:
        sealed = "sealed without them (skipped)" if output.sealed else "not sealed"
        return status("failed", f"{gone}{len(failed)} unit(s) failed, {sealed}: "
                                f"{shown([_named(record) for record in failed])}")
    if output.sealed:
        return status("done", f"sealed: {(output.stats or {}).get('kept', '?')} kept")
    if not units and not output.stats and output.job:
        return status("not started", f"{gone}claimed, no unit committed yet")
    return status("interrupted", f"{gone}{committed}; rerun to resume")


def _named(record: dict) -> str:
    """A failed unit as status names it: its input, its status and why."""
    message = f": {record['message']}" if record.get("message") else ""
    return f"{shown_path(str(record.get('input', record.get('unit'))))} ({record.get('status')}{message})"


def status_text(root: str, statuses: list[OutputStatus]) -> str:
    """The statuses as a table, one line per output."""
    if not statuses:
        return f"{shown_path(root)}: no stage output (no folder with a _job.json) under it"
    width = max(len(s.stage) for s in statuses)
    places = [shown_path(s.path) for s in statuses]
    place_width = max(map(len, places))
    return "\n".join(f"{s.stage:<{width}}  {place:<{place_width}}  {s.state:<11}  {s.why}"
                     for s, place in zip(statuses, places, strict=True))
