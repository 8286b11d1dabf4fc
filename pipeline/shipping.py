"""Sending a local directory to the executors as a SparkFiles archive under a name of its own.

`addFile` ships a directory in local mode only; an archive goes to every kind of master and is unpacked on each
executor. Spark keys shipped files by their base name and refuses a second, different one with the same name in one
session ("exists and does not match"), so each version of a directory is shipped as an archive named after its
path and the sizes and times of its files, kept under the temporary folder for the next job (and removed after a
week unused)."""

import hashlib
import os
import tempfile
import time
import zipfile

UNUSED_DAYS = 7


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
    archive = os.path.join(parent, f"{name}.zip")
    os.makedirs(parent, exist_ok=True)
    if os.path.isfile(archive):
        os.utime(archive)
    else:
        _write_archive(directory, archive)
    _remove_unused(parent)
    spark.sparkContext.addArchive(f"{archive}#{name}")  # the same archive again is a no-op for Spark
    return name


def _write_archive(directory: str, archive: str) -> None:
    """The directory's files, stored (models compress little and are read at once), written under a temporary
    name and renamed: a job killed part-way leaves no half archive under the final name."""
    handle, work = tempfile.mkstemp(prefix=".", suffix=".zip", dir=os.path.dirname(archive))
    os.close(handle)
    try:
        with zipfile.ZipFile(work, "w", zipfile.ZIP_STORED, allowZip64=True) as zipped:
            for root, dirs, files in os.walk(directory):
                dirs.sort()
                for file in sorted(files):
                    path = os.path.join(root, file)
                    zipped.write(path, os.path.relpath(path, directory))
        os.replace(work, archive)
    finally:
        if os.path.exists(work):
            os.remove(work)


def _remove_unused(parent: str) -> None:
    cutoff = time.time() - UNUSED_DAYS * 86400
    for entry in os.scandir(parent):
        if entry.is_file() and entry.stat().st_mtime < cutoff:
            os.remove(entry.path)
