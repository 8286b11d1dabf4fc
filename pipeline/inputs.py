"""Turning INPUTS (files, directories, globs, URLs) into the list of files to read, one work unit each."""

import glob
import os

from pipeline.remote import is_local, local_path

WARC_SUFFIXES = (".warc", ".warc.gz", ".wet", ".wet.gz", ".warc.wet.gz", ".warc.wat.gz", ".wat.gz", ".arc.gz")


def expand_inputs(inputs: list[str], suffixes: tuple[str, ...] = WARC_SUFFIXES) -> list[str]:
    """Local directories become their files with `suffixes`, local globs their matches; URLs stay as given.

    Local paths become absolute (executors do not share the driver's working directory). A local path
    that matches nothing stays in the list so that the job names it as missing.
    """
    files: list[str] = []
    for item in inputs:
        if not is_local(item):
            files.extend(_expand_remote(item) if glob.has_magic(item) else [item])
            continue
        path = os.path.abspath(local_path(item))
        if os.path.isdir(path):
            found = sorted(
                os.path.join(root, name)
                for root, _, names in os.walk(path)
                for name in names
                if name.endswith(suffixes) and not _hidden(os.path.relpath(os.path.join(root, name), path))
            )
            files.extend(found or [item])
        elif glob.has_magic(path):
            files.extend(sorted(glob.glob(path, recursive=True)) or [item])
        else:
            files.append(path)
    return list(dict.fromkeys(files))


def _expand_remote(pattern: str) -> list[str]:
    import fsspec

    fs, _ = fsspec.core.url_to_fs(pattern)
    protocol = pattern.split("://", 1)[0]
    return sorted(f"{protocol}://{path}" for path in fs.glob(pattern)) or [pattern]


def _hidden(relative: str) -> bool:
    """Bookkeeping (`_stats.json`, `_tmp/`) and hidden files, as Spark and pyarrow skip them."""
    return any(part.startswith(("_", ".")) for part in relative.split(os.sep))
