"""The stage outputs under a folder, found by their `_job.json` and linked by the inputs each records.

Nothing here depends on how the folder was laid out (by `curate run`, the demo or stage commands by hand): an
output is any folder holding a `_job.json`, and one output is another's upstream when it holds files the other
lists among its inputs."""

import json
import os
import posixpath
from dataclasses import dataclass, field
from functools import cached_property

from pipeline.storage.locations import is_local, local_path
from pipeline.storage.output_dir import OutputDir


@dataclass
class StageOutput:
    """One stage output folder and what its JSON files record (None for a file not written, or not JSON)."""

    out: OutputDir
    # each input held by another output: that output and its manifest entry for the file
    links: dict[str, tuple["StageOutput", dict]] = field(default_factory=dict)
    # each input inside another output's folder that this one's manifest does not list (made again since?)
    unlisted: list[tuple[str, "StageOutput"]] = field(default_factory=list)

    @property
    def upstream(self) -> list["StageOutput"]:
        """The outputs holding its inputs, in the order of the inputs."""
        found: list[StageOutput] = []
        for holder, _ in self.links.values():
            if holder not in found:
                found.append(holder)
        return found

    @property
    def path(self) -> str:
        return self.out.path

    @cached_property
    def job(self) -> dict:
        return self._json("_job.json") or {}

    @cached_property
    def stats(self) -> dict | None:
        return self._json("_stats.json")

    @cached_property
    def manifest(self) -> dict | None:
        return self._json("_manifest.json")

    @property
    def stage(self) -> str:
        return str(self.job.get("stage", "?"))

    @property
    def inputs(self) -> list[str]:
        return [str(location) for location in self.job.get("inputs", [])]

    @property
    def sealed(self) -> bool:
        return self.out.complete

    def units(self) -> list[dict]:
        """The committed unit records, by name (a record that is not JSON is reported as such, `status`
        `unreadable_record`)."""
        folder = self.out.join("_units")
        if not self.out.fs.isdir(folder):
            return []
        records = []
        for path in sorted(self.out.fs.ls(folder, detail=False)):
            if path.endswith(".json"):
                try:
                    records.append(json.loads(self.out.fs.cat_file(path)))
                except ValueError:
                    records.append({"unit": posixpath.basename(path)[:-5], "status": "unreadable_record"})
        return records

    def data_files(self) -> list[dict]:
        """The manifest's Parquet files (`file` relative to the folder, `rows`, `bytes`, the `input` they came
        from when recorded)."""
        files = (self.manifest or {}).get("files", [])
        return [entry for entry in files if str(entry.get("file", "")).endswith(".parquet")]

    def file_path(self, name: str) -> str:
        """A file of the output, by its name in the manifest, as the filesystem names it."""
        return self.out.join(name)

    def changed_inputs(self) -> list[tuple[str, str]]:
        """The local inputs that are not as `_job.json` recorded them when the stage ran: each with what changed."""
        changed = []
        for location, recorded in sorted((self.job.get("sources") or {}).items()):
            if not is_local(location):
                continue
            try:
                status = os.stat(local_path(location))
            except FileNotFoundError:
                changed.append((location, "gone"))
                continue
            if [status.st_size, status.st_mtime_ns] != list(recorded):
                changed.append((location, "changed (size or modification time)"))
        return changed

    def _json(self, name: str) -> dict | None:
        try:
            data = self.out.read_json(name)
        except (FileNotFoundError, ValueError):
            return None
        return data if isinstance(data, dict) else None


def find_outputs(root: str) -> list[StageOutput]:
    """The stage outputs under `root` (`root` itself too), upstream before downstream, each linked to the
    outputs holding its inputs."""
    top = OutputDir(root)
    if not top.fs.isdir(top.root):
        raise FileNotFoundError(f"{root}: no such folder")
    markers = sorted(path for path in top.fs.find(top.root) if posixpath.basename(path) == "_job.json"
                     and "/_tmp/" not in path[len(top.root):])
    outputs = [StageOutput(OutputDir(_as_location(root, top.root, posixpath.dirname(marker))))
               for marker in markers]
    holders = {_normal(top, output.file_path(entry["file"])): (output, entry)
               for output in outputs for entry in output.data_files()}
    for output in outputs:
        for location in output.inputs:
            held = holders.get(_normal(top, location))
            if held is not None and held[0] is not output:
                output.links[location] = held
            elif held is None:
                inside = [other for other in outputs if other is not output
                          and _normal(top, location).startswith(_normal(top, other.path) + "/")]
                output.unlisted.extend((location, other) for other in inside[-1:])
    return _ordered(outputs)


def _as_location(root: str, stripped_root: str, folder: str) -> str:
    """A folder found under `root` named as `root` is (with its protocol, if any)."""
    return root.rstrip("/") + folder[len(stripped_root.rstrip("/")):]


def _normal(out: OutputDir, location: str) -> str:
    return posixpath.normpath(out.fs._strip_protocol(location))


def _ordered(outputs: list[StageOutput]) -> list[StageOutput]:
    """Upstream first (by path among equals); a loop, which no stage writes, keeps the rest in path order."""
    done: list[StageOutput] = []
    pending = list(outputs)
    while pending:
        ready = [o for o in pending if all(u in done for u in o.upstream)] or pending[:1]
        for output in ready:
            done.append(output)
            pending.remove(output)
    return done
