"""Staged, atomic job output: work units commit one by one; `_SUCCESS` and a manifest seal the whole.

Layout of an output directory (Spark and pyarrow ignore the `_` entries when reading the data):

    part-*.parquet      the data, one or more files per committed work unit
    _units/UNIT.json    a unit's commit record: its files and its stats (written last, atomically)
    _tmp/               files being written; never read, cleared on the next run
    _job.json           the stage, its options and the size and modification time of each local input; a
                        rerun with other options, or after an input changed, is refused
    _stats.json         the job's books, summed over units in unit order
    _manifest.json      every data file with its rows, bytes and source unit
    _rpv2/              `curate signals --export rpv2`: each unit's files in RedPajama-V2's published format
    _SUCCESS            written last
    _lock.json          while a run writes here: its host, pid and start; removed when it finishes or fails

A run takes the lock before it looks at anything else in the folder, and a second run is refused naming the first.
The lock is created atomically: on a local disk by a hard link of a file already written (never a lock without
its content); elsewhere by fsspec's `pipe_file(mode="create")`, which is a conditional PUT where the filesystem
implements one (fsspec/filesystem_spec#1693) and a look-then-write otherwise, a race left open (docs/ingest.md).
A lock whose process is gone (looked up on the same host only) is taken over, saying so.
"""

import glob
import hashlib
import json
import os
import posixpath
import re
import socket
import sys
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime

import fsspec
import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.messages import shown
from pipeline.storage.inputs import overlapping
from pipeline.storage.locations import is_local, local_path, shown_path

ROW_GROUP_ROWS = 10_000
ROW_GROUP_BYTES = 64 * 2**20  # of Arrow memory: bounds what a row group holds back
# Written without statistics or a dictionary: no reader prunes by the least and greatest document, texts seldom
# repeat, and both cost write time (about 4% of a zstd write of 600-byte texts, measured with bench/subset.py's data).
PLAIN_COLUMNS = ("text",)
LOCK = "_lock.json"


class OutputConflict(Exception):
    """The output directory holds a job with other options."""


def _differences(previous: dict, job: dict) -> str:
    """What sets two jobs of a stage apart, by the keys of their `_job.json` (inputs by name, not by file size)."""
    keys = [key for key in _differing_keys(previous, job) if not key.startswith("sources")]
    if keys == ["inputs"] and sorted(map(str, previous["inputs"])) == sorted(map(str, job["inputs"])):
        return "options (the same inputs in another order)"
    return f"options (its _job.json differs in {', '.join(keys)})"


def with_sources(job: dict) -> dict:
    """The job as `_job.json` records it: with `sources`, the size and modification time of each local input
    file the driver sees, so that a rerun after an input changed is not taken for the same job."""
    sources = {}
    for location in job.get("inputs", []):
        if is_local(location) and os.path.isfile(local_path(location)):
            status = os.stat(local_path(location))
            sources[location] = [status.st_size, status.st_mtime_ns]
    return {**job, "sources": sources}


def _changed_sources(previous: dict, job: dict) -> list[str] | None:
    """The inputs whose size or modification time differ (or that appeared or went) when nothing else does; None
    when something else does."""
    if {**previous, "sources": None} != {**job, "sources": None}:
        return None
    before, now = previous["sources"], job["sources"]
    return sorted(location for location in {*before, *now} if before.get(location) != now.get(location))


def _differing_keys(previous: dict, job: dict, prefix: str = "") -> list[str]:
    """The keys whose values differ, nested ones as `options.extractor`."""
    keys = []
    for key in sorted({*previous, *job}):
        before, now = previous.get(key), job.get(key)
        if isinstance(before, dict) and isinstance(now, dict):
            keys.extend(_differing_keys(before, now, f"{prefix}{key}."))
        elif before != now:
            keys.append(prefix + key)
    return keys


def refuse_file_output(path: str) -> None:
    """OutputConflict when a local output, or a folder above it, is a file (before any work starts)."""
    if not is_local(path):
        return
    probe = os.path.abspath(local_path(path))
    while not os.path.isdir(probe):
        if os.path.lexists(probe):
            raise OutputConflict(f"{path}: {probe} is not a folder; choose a folder for the output")
        probe = os.path.dirname(probe)


def refuse_unavailable_output(path: str) -> None:
    """OutputConflict, before any work starts, when a local output or a folder above it is a file, or another run
    is writing the output."""
    refuse_file_output(path)
    OutputDir(path).refuse_held()


def row_groups(tables: Iterable[pa.Table]) -> Iterator[pa.Table]:
    """The tables gathered (without copying) into row groups of ROW_GROUP_ROWS rows, or fewer when they would hold
    more than ROW_GROUP_BYTES: stages hand over batches of a few hundred rows, too small a unit for readers."""
    pending, count, size = [], 0, 0
    for table in tables:
        pending.append(table)
        count, size = count + table.num_rows, size + table.nbytes
        if count >= ROW_GROUP_ROWS or size >= ROW_GROUP_BYTES:
            gathered = pa.concat_tables(pending)
            yield gathered.slice(0, ROW_GROUP_ROWS)
            rest = gathered.slice(ROW_GROUP_ROWS)
            pending, count, size = [rest], rest.num_rows, rest.nbytes
    if count:
        yield pa.concat_tables(pending)


class OutputDir:
    def __init__(self, path: str):
        self.fs, self.root = fsspec.core.url_to_fs(path)
        self.path = path

    def join(self, *parts: str) -> str:
        """A path inside the output directory."""
        return posixpath.join(self.root, *parts)

    @property
    def complete(self) -> bool:
        return self.fs.exists(self.join("_SUCCESS"))

    def job(self) -> dict | None:
        """The job `_job.json` records here, if any."""
        marker = self.join("_job.json")
        return json.loads(self.fs.cat_file(marker)) if self.fs.exists(marker) else None

    def job_of(self, stage: str) -> dict | None:
        """The job recorded here; ValueError naming the stage that wrote the folder when it is another one's."""
        job = self.job()
        if job is not None and job.get("stage") != stage:
            raise ValueError(f"{self.path} holds the output of `curate {job.get('stage')}`, not of `curate {stage}`")
        return job

    def check_claim(self, job: dict, overwrite: bool = False) -> bool:
        """Whether the directory holds another job's output (to be replaced: `overwrite`); OutputConflict if so
        without `overwrite`, and always when it holds the job's inputs or files of no curate job, or another run
        is writing it. Changes nothing."""
        job = with_sources(job)
        self._refuse_unsafe(job)
        self.refuse_held()
        return self._checked(job, overwrite)

    def refuse_held(self) -> None:
        """OutputConflict naming the run that is writing this folder, if another is."""
        refusal = self._blocking(self.lock_holder())
        if refusal is not None:
            raise OutputConflict(refusal)

    def _refuse_unsafe(self, job: dict) -> None:
        """OutputConflict for an output that is a file or overlaps the job's inputs, before anything is created."""
        refuse_file_output(self.path)
        inside = overlapping(self.path, job.get("inputs", []))
        if inside is not None:
            raise OutputConflict(f"{self.path} overlaps the input {inside}; choose another output")

    def _checked(self, job: dict, overwrite: bool) -> bool:
        previous = self.job()
        if previous is None:
            own = sorted(name for name in map(posixpath.basename, self._entries())
                         if name != "_tmp" and not name.startswith(LOCK))
            if own:
                raise OutputConflict(f"{self.path} holds files of no curate job ({shown(own)}); choose a new or "
                                     "empty folder")
            return False
        if "sources" not in previous:  # written before inputs were recorded: judged by its options alone
            previous = {**previous, "sources": job["sources"]}
        changed = _changed_sources(previous, job)
        if changed is not None:
            # an input matters once it is part of the output: a rerun may fix or add an input not read yet
            changed = [location for location in changed if self.complete or self.holds_units_of(location)]
            if not changed or overwrite:
                return bool(changed)
            raise OutputConflict(f"{self.path} was made from inputs that have changed since ({shown(changed)}: "
                                 "size or modification time); use --overwrite to make it again")
        if overwrite:
            return True
        command = _command(previous.get("stage", ""))
        held = (f"a {command} job with other {_differences(previous, job)}"
                if previous.get("stage") == job.get("stage") else f"`{command}`")
        raise OutputConflict(f"{self.path} holds the output of {held}; use another --output, or --overwrite to "
                             "replace it")

    def claim(self, job: dict, overwrite: bool = False) -> None:
        """Take the folder's lock and start (or resume) a job here; refuse when another run holds the lock or the
        directory holds a job with other options. The recorded sources are brought up to date on a resume (an
        input not read yet may have been fixed). The lock stays until `finish`, `release` or `unlock`."""
        job = with_sources(job)
        self._refuse_unsafe(job)
        created = not self.fs.isdir(self.root)
        self.lock()
        try:
            if self._checked(job, overwrite):
                self._clear()
            if self.job() != job:
                self._write_atomic("_job.json", _json_bytes(job))
            self._remove_staging()
        except BaseException:
            self.unlock()
            if created and not self._entries():
                self.fs.rmdir(self.root)
            raise

    @contextmanager
    def claimed(self, job: dict, overwrite: bool = False) -> Iterator["OutputDir"]:
        """`claim` for the run inside the block, whose lock is released however the block ends."""
        self.claim(job, overwrite)
        try:
            yield self
        finally:
            self.unlock()

    def release(self) -> None:
        """Give up a claim: its lock always, and the folder too when nothing was written under it (a run refused
        for its inputs), left as if the run had not started. A folder holding more of the job (dedup's clusters)
        keeps its `_job.json`."""
        if {posixpath.basename(path) for path in self._entries()} <= {"_job.json", "_tmp", LOCK}:
            self._remove_staging()
            self.fs.rm(self.join("_job.json"))
        self.unlock()
        if not self._entries():
            self.fs.rmdir(self.root)

    def lock(self) -> None:
        """Take the folder's lock for this run, or OutputConflict naming the run that holds it. A lock of this
        run is kept (a stage claims again what it claimed), one whose run is gone is taken over, saying so."""
        self.fs.makedirs(self.root, exist_ok=True)
        while not self._create_lock():
            holder = self.lock_holder()
            refusal = self._blocking(holder)
            if refusal is not None:
                raise OutputConflict(refusal)
            if holder is not None and _is_ours(holder):
                return
            if holder is not None:
                print(f"curate: {shown_path(self.path)}: taking over the lock of a run that is gone "
                      f"({described_run(holder)})", file=sys.stderr)
                self._remove_lock(holder)

    def unlock(self) -> None:
        """Remove this run's lock; one another run holds is left alone."""
        holder = self.lock_holder()
        if holder and _is_ours(holder):
            self.fs.rm(self.join(LOCK))

    def _create_lock(self) -> bool:
        """Create the lock naming this run, atomically; False when there is one already."""
        path, data = self.join(LOCK), _json_bytes(_this_run())
        if not is_local(self.path):
            try:
                self.fs.pipe_file(path, data, mode="create")
            except FileExistsError:
                return False
            return True
        staged = f"{path}.{uuid.uuid4().hex}"
        with open(staged, "wb") as handle:
            handle.write(data)
        try:
            os.link(staged, path)
        except FileExistsError:
            return False
        finally:
            os.unlink(staged)
        return True

    def lock_holder(self) -> dict | None:
        """The run the lock names; None when there is no lock, {} when the file is not a lock curate wrote."""
        try:
            holder = json.loads(self.fs.cat_file(self.join(LOCK)))
        except FileNotFoundError:
            return None
        except ValueError:
            return {}
        valid = isinstance(holder, dict) and isinstance(holder.get("pid"), int) and holder["pid"] > 0 \
            and isinstance(holder.get("host"), str) and "started" in holder
        return holder if valid else {}

    def _blocking(self, holder: dict | None) -> str | None:
        """Why the lock `holder` keeps this run out; None when there is none, it is this run's or its run is
        gone."""
        if holder is None or (holder and (_is_ours(holder) or run_gone(holder))):
            return None
        if not holder:
            return f"{self.join(LOCK)} is not a lock curate wrote; delete it if no run is writing {self.path}"
        elsewhere = (f"; curate cannot look into another host: if that run is gone, delete {self.join(LOCK)}"
                     if holder["host"] != socket.gethostname() else "")
        return (f"{self.path} is being written by another run ({described_run(holder)}); wait for it to end or "
                f"choose another output{elsewhere}")

    def _remove_lock(self, holder: dict) -> None:
        """Remove the lock if it still names `holder`: another run may have taken it over since it was read."""
        path = self.join(LOCK)
        if not is_local(self.path):
            if self.lock_holder() == holder:  # not atomic: a store has no conditional delete through fsspec
                self.fs.rm(path)
            return
        moved = f"{path}.{uuid.uuid4().hex}"
        try:
            os.rename(path, moved)  # atomic: of two runs taking over, one moves the stale lock, the other nothing
        except FileNotFoundError:
            return
        try:
            with open(moved, "rb") as handle:
                taken = json.load(handle)
        except ValueError:
            taken = None
        if taken != holder:
            with suppress(FileExistsError):
                os.link(moved, path)  # the lock of a run that took over first: given back
        os.unlink(moved)

    def _entries(self) -> list[str]:
        return self.fs.ls(self.root, detail=False) if self.fs.isdir(self.root) else []

    def _clear(self) -> None:
        """Remove another job's output: `_SUCCESS` first and `_job.json` last, so that a kill part-way leaves
        a folder still marked as that job's and not complete (a rerun with --overwrite goes on clearing)."""
        if self.complete:
            self.fs.rm(self.join("_SUCCESS"))
        for path in self._entries():
            if posixpath.basename(path) != "_job.json" and not posixpath.basename(path).startswith(LOCK):
                self.fs.rm(path, recursive=True)
        self.fs.rm(self.join("_job.json"))

    def holds_units_of(self, location: str) -> bool:
        """Whether a unit of this input is committed: its one unit, or one of its parts (`name.part-hash`) or
        slices (`name-hash-start`)."""
        if self.unit_record(unit_id(location)) is not None:
            return True
        base = unit_id(location).rsplit("-", 1)[0]
        units = self.fs.glob(self.join("_units", f"{glob.escape(base)}[.-]*.json"))
        return any(json.loads(self.fs.cat_file(path)).get("input") == location for path in units)

    def unit_record(self, unit_id: str) -> dict | None:
        path = self.join("_units", f"{unit_id}.json")
        return json.loads(self.fs.cat_file(path)) if self.fs.exists(path) else None

    def write_parquet(self, name: str, tables: Iterable[pa.Table], schema: pa.Schema,
                      compression: str = "zstd") -> dict:
        """Stage a Parquet file from tables and move it into place; returns its manifest entry."""
        tmp = self._staging(name)
        rows = 0
        with self.fs.open(tmp, "wb") as handle:
            with pq.ParquetWriter(handle, schema, compression=compression, **column_options(schema)) as writer:
                for group in row_groups(tables):
                    writer.write_table(group, row_group_size=ROW_GROUP_ROWS)
                    rows += group.num_rows
        return {**self._place(tmp, name), "rows": rows}

    def write_file(self, name: str, chunks: Iterable[bytes]) -> dict:
        """Stage a file from byte chunks and move it into place; returns its manifest entry."""
        tmp = self._staging(name)
        with self.fs.open(tmp, "wb") as handle:
            for chunk in chunks:
                handle.write(chunk)
        return self._place(tmp, name)

    def _staging(self, name: str) -> str:
        self.fs.makedirs(self.join("_tmp"), exist_ok=True)
        return self.join("_tmp", f"{posixpath.basename(name)}.{uuid.uuid4().hex}")

    def _place(self, tmp: str, name: str) -> dict:
        """Move a staged file to `name` (which may lie in a sub-folder)."""
        self.fs.makedirs(posixpath.dirname(self.join(name)), exist_ok=True)
        self.fs.mv(tmp, self.join(name))
        return {"file": name, "bytes": self.fs.size(self.join(name))}

    def commit_unit(self, unit_id: str, record: dict) -> None:
        self.fs.makedirs(self.join("_units"), exist_ok=True)
        self._write_atomic(posixpath.join("_units", f"{unit_id}.json"), _json_bytes(record))

    def finish(self, stats: dict, files: list[dict]) -> None:
        self._write_atomic("_stats.json", _json_bytes(stats))
        self._write_atomic("_manifest.json", _json_bytes({"files": sorted(files, key=lambda f: f["file"])}))
        self._remove_staging()
        self.fs.pipe_file(self.join("_SUCCESS"), b"")
        self.unlock()

    def write_text(self, name: str, text: str) -> None:
        self._write_atomic(name, text.encode())

    def read_json(self, name: str) -> dict:
        return json.loads(self.fs.cat_file(self.join(name)))

    def write_json(self, name: str, data: dict) -> None:
        """Write a JSON file inside the output directory atomically (its folder is created if needed)."""
        self.fs.makedirs(posixpath.dirname(self.join(name)), exist_ok=True)
        self._write_atomic(name, _json_bytes(data))

    def _write_atomic(self, name: str, data: bytes) -> None:
        tmp = self._staging(name)
        self.fs.pipe_file(tmp, data)
        self.fs.mv(tmp, self.join(name))
        if self.complete:  # a file added to a finished output (the report) leaves no staging folder behind
            self._remove_staging()

    def _remove_staging(self) -> None:
        if self.fs.exists(self.join("_tmp")):
            self.fs.rm(self.join("_tmp"), recursive=True)


def unit_id(location: str, part: str = "", span: tuple[int, int] | None = None) -> str:
    """A work unit's id: the input's base name, readable, plus a hash of the whole location. The name of an
    earlier stage's output part loses what that stage added (`part-`, its hash), so names do not grow stage by
    stage. A stage of several units per input names the `part` too (`name.fr-<hash>`), and a unit that is a slice
    of its input the slice's start (`name-<hash>-<start>`)."""
    base = _EXTENSIONS.sub("", posixpath.basename(location.rstrip("/")))
    base = _EARLIER_PART.sub(r"\1", base) or "input"
    key = f"{location}#{part}" if part else location
    start = "" if span is None else f"-{span[0]}"
    return f"{base}{'.' + part if part else ''}-{hashlib.sha1(key.encode()).hexdigest()[:10]}{start}"


# all the extensions ending a name (`.warc.wet.gz`, `.txt`); none ends another, so an id that lost them all
# before stays the same
_EXTENSIONS = re.compile(r"(\.(gz|zst|warc|wet|wat|arc|parquet|jsonl|json|txt))+$")
_EARLIER_PART = re.compile(r"^part-(.+)-[0-9a-f]{10}$")


def _this_run() -> dict:
    """What a lock records of the run that holds it."""
    return {"host": socket.gethostname(), "pid": os.getpid(),
            "started": datetime.now(UTC).isoformat(timespec="seconds")}


def _is_ours(holder: dict) -> bool:
    return holder["host"] == socket.gethostname() and holder["pid"] == os.getpid()


def run_gone(holder: dict) -> bool:
    """Whether the process holding a lock has ended; only one of this host can be looked up. A process of its
    pid that started after the lock was taken is another one (pids are reused, after a restart above all)."""
    if holder["host"] != socket.gethostname():
        return False
    try:
        os.kill(holder["pid"], 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # another user's process: alive
        pass
    started, taken = _process_start(holder["pid"]), _lock_time(holder)
    return started is not None and taken is not None and started > taken + 1  # the lock's time has whole seconds


def _process_start(pid: int) -> float | None:
    """When a process started (seconds since the epoch), from Linux's /proc; None elsewhere."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            ticks = int(handle.read().rpartition(")")[2].split()[19])  # field 22, starttime: clock ticks since boot
        with open("/proc/stat") as handle:
            boot = next(int(line.split()[1]) for line in handle if line.startswith("btime "))
    except (OSError, ValueError, IndexError, StopIteration):
        return None
    return boot + ticks / os.sysconf("SC_CLK_TCK")


def _lock_time(holder: dict) -> float | None:
    try:
        return datetime.fromisoformat(str(holder["started"])).timestamp()
    except ValueError:
        return None


def described_run(holder: dict) -> str:
    return f"host {holder['host']}, pid {holder['pid']}, started {holder['started']}"


def _command(stage: str) -> str:
    """The command that writes a stage's output, as a user types it."""
    return {"ingest-rpv2": "curate ingest --rpv2", "ingest-source": "curate ingest --source"}.get(stage,
                                                                                              f"curate {stage}")


def _json_bytes(data: dict) -> bytes:
    return (json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode()


def column_options(schema: pa.Schema) -> dict:
    """Parquet writer options: statistics and dictionaries for every column but PLAIN_COLUMNS."""
    indexed = [path for path in _leaf_paths(schema) if path.split(".")[0] not in PLAIN_COLUMNS]
    return {"use_dictionary": indexed, "write_statistics": indexed}


def _leaf_paths(schema: pa.Schema) -> list[str]:
    """The Parquet column paths of an Arrow schema, one per leaf of a nested column (`meta.key_value.key`)."""
    sink = pa.BufferOutputStream()
    pq.write_table(schema.empty_table(), sink)
    parquet_schema = pq.ParquetFile(pa.BufferReader(sink.getvalue())).schema
    return [parquet_schema.column(i).path for i in range(len(parquet_schema))]
