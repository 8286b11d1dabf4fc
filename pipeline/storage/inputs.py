"""Turning INPUTS (files, directories, globs, URLs) into the list of files to read, one work unit each."""

import glob
import json
import logging
import os
from collections.abc import Iterable

from pipeline.messages import shown
from pipeline.storage.locations import is_local, local_path
from pipeline.storage.sniff import looks_like_warc

log = logging.getLogger(__name__)
WARC_SUFFIXES = (".warc", ".warc.gz", ".wet", ".wet.gz", ".warc.wet.gz", ".warc.wat.gz", ".wat.gz", ".arc.gz")


class UnfinishedOutput(ValueError):
    """An input folder is the output of a curate job that has not finished: some of its documents are missing."""


def expand_inputs(inputs: list[str], suffixes: tuple[str, ...] = WARC_SUFFIXES) -> list[str]:
    """Local directories become their files with `suffixes`, local globs their matches; URLs stay as given.

    Local paths become absolute (executors do not share the driver's working directory). A local path
    that matches nothing stays in the list so that the job names it as missing. A WARC/WET file where other
    files are read (documents) is refused by its name.
    """
    files: list[str] = []
    roots: dict[str, str | None] = {}
    for item in inputs:
        if not is_local(item):
            files.extend(_expand_remote(item) if glob.has_magic(item) else [item])
            continue
        path = os.path.abspath(local_path(item))
        if os.path.isdir(path):
            found = _files_of(path, suffixes)
            if not found:
                raise ValueError(f"{item}: a folder without a file to read (none is named {', '.join(suffixes)})")
            files.extend(found)
            continue
        matches = sorted(glob.glob(path, recursive=True)) if glob.has_magic(path) else [path]
        for match in matches:
            root = output_root(match, roots)
            if root is not None and not os.path.exists(os.path.join(root, "_SUCCESS")):
                _refuse_unfinished(root)
        files.extend(matches or [item])
    if suffixes != WARC_SUFFIXES:
        crawl = next((f for f in files if f.lower().endswith(WARC_SUFFIXES) or _warc_by_content(f, suffixes)), None)
        if crawl is not None:
            raise ValueError(f"{crawl} is a WARC/WET file, not documents: `curate ingest` turns it into documents")
    first: dict[str, str] = {}
    for location in files:
        first.setdefault(_identity(location), location)
    return list(first.values())


def _identity(location: str) -> str:
    """One key for every spelling of a file: a symlink, `..` or a second slash reach the same local file."""
    return os.path.realpath(local_path(location)) if is_local(location) else location


def _warc_by_content(path: str, suffixes: tuple[str, ...]) -> bool:
    """A local file named like none of `suffixes` (`ccnet-sample.warc.wet.txt`) that holds WARC records."""
    return is_local(path) and not path.lower().endswith(suffixes) and os.path.isfile(local_path(path)) \
        and looks_like_warc(local_path(path))


def _files_of(folder: str, suffixes: tuple[str, ...]) -> list[str]:
    """The files with `suffixes` under `folder`, sorted; UnfinishedOutput when a curate output in it has no
    `_SUCCESS` (a job killed or failed part-way)."""
    found, other = [], []
    for root, _, names in os.walk(folder):
        if "_job.json" in names and "_SUCCESS" not in names:
            _refuse_unfinished(root)
        for name in names:
            path = os.path.join(root, name)
            if not _hidden(os.path.relpath(path, folder)):
                (found if name.lower().endswith(suffixes) else other).append(path)
    if other:
        log.warning("%s: %d file(s) not read, not named as inputs are (%s): %s", folder, len(other),
                    ", ".join(suffixes), shown(sorted(other), 5))
    return sorted(found)


def _refuse_unfinished(root: str) -> None:
    with open(os.path.join(root, "_job.json")) as handle:
        stage = json.load(handle).get("stage", "")
    raise UnfinishedOutput(f"{root} is the output of an unfinished curate {stage} job (no _SUCCESS): rerun that job "
                           "to finish it, then read it")


def output_root(path: str, known: dict[str, str | None] | None = None) -> str | None:
    """The curate output folder a local file lies in (its nearest ancestor with a `_job.json`), or None.
    `known` caches the answer per folder across calls."""
    known = {} if known is None else known
    folder, seen = os.path.dirname(os.path.abspath(path)), []
    while folder not in known:
        seen.append(folder)
        if os.path.exists(os.path.join(folder, "_job.json")):
            known[folder] = folder
            break
        parent = os.path.dirname(folder)
        if parent == folder:
            known[folder] = None
            break
        folder = parent
    root = known[folder]
    known.update(dict.fromkeys(seen, root))
    return root


def output_roots(files: Iterable[str]) -> list[str]:
    """The curate output folders the local `files` lie in, sorted."""
    known: dict[str, str | None] = {}
    return sorted({root for file in files if is_local(file) and (root := output_root(file, known)) is not None})


def overlapping(output: str, locations: Iterable[str]) -> str | None:
    """The first local location that is `output`, lies inside it or holds it: a job never writes over what it
    reads, nor inside an input folder (nor would `--overwrite` delete its inputs). Paths are compared as they
    resolve, so that an output that is a symlink to an input (or lies below one) is caught too."""
    if not is_local(output):
        return None
    target = os.path.realpath(local_path(output))
    for item in locations:
        if is_local(item):
            source = os.path.realpath(local_path(item))
            if _under(source, target) or _under(target, source):
                return item
    return None


def _under(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def _expand_remote(pattern: str) -> list[str]:
    import fsspec  # late: it imports asyncio and more, which every command (--help too) would wait for

    fs, _ = fsspec.core.url_to_fs(pattern)
    protocol = pattern.split("://", 1)[0]
    return sorted(f"{protocol}://{path}" for path in fs.glob(pattern)) or [pattern]


def _hidden(relative: str) -> bool:
    """Bookkeeping (`_stats.json`, `_tmp/`) and hidden files, as Spark and pyarrow skip them."""
    return any(part.startswith(("_", ".")) for part in relative.split(os.sep))
