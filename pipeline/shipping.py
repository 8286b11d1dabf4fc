"""Sending a local directory to the executors as SparkFiles under a name of its own.

Spark keys shipped files by their base name and refuses a second, different directory with the same name in one
session ("exists and does not match"), so each version of a directory is shipped as a hard-linked (or, across
filesystems, copied) tree named after its path and the sizes and times of its files."""

import hashlib
import os
import shutil
import tempfile


def version_name(directory: str) -> str:
    """`<base name>-<12 hex>`: changes when the path or any file's size or modification time changes."""
    digest = hashlib.sha1(os.path.abspath(directory).encode())
    for root, dirs, files in os.walk(directory):
        dirs.sort()
        for name in sorted(files):
            status = os.stat(os.path.join(root, name))
            digest.update(f"{os.path.relpath(os.path.join(root, name), directory)}:{status.st_size}:"
                          f"{status.st_mtime_ns}\n".encode())
    return f"{os.path.basename(os.path.abspath(directory))}-{digest.hexdigest()[:12]}"


def ship_directory(spark, directory: str) -> str:
    """Add `directory` to the session's SparkFiles; returns the name executors pass to SparkFiles.get."""
    name = version_name(directory)
    parent = os.path.join(tempfile.gettempdir(), "curate-shipped")
    staged = os.path.join(parent, name)
    if not os.path.isdir(staged):
        os.makedirs(parent, exist_ok=True)
        work = tempfile.mkdtemp(prefix=f".{name}-", dir=parent)
        shutil.copytree(directory, os.path.join(work, name), copy_function=_link_or_copy)
        try:
            os.rename(os.path.join(work, name), staged)
        except OSError:  # another job staged the same version meanwhile
            pass
        shutil.rmtree(work, ignore_errors=True)
    spark.sparkContext.addFile(staged, recursive=True)  # the same path again is a no-op for Spark
    return name


def _link_or_copy(source: str, target: str) -> None:
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)
