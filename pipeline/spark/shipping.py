"""Sending a local directory to the executors as a SparkFiles archive under a name of its own.

`addFile` ships a directory in local mode only; an archive goes to every kind of master and is unpacked on each
executor. Spark keys shipped files by their base name and refuses a second, different one with the same name in one
session ("exists and does not match"), so each version of a directory is shipped as an archive named after its
path and the sizes and times of its files, kept under the temporary folder for the next job (and removed after a
week unused)."""

import hashlib
import os
import re
import shutil
import tempfile
import time
import zipfile
from pathlib import Path

UNUSED_DAYS = 7


def version_name(directory: str) -> str:
    """`<base name>-<12 hex>`: changes when the path or any file's size or modification time changes. The base
    name keeps letters, digits, `.`, `_` and `-` only: Spark takes the name as part of a URI."""
    digest = hashlib.sha1(os.path.abspath(directory).encode())
    for root, dirs, files in os.walk(directory, followlinks=True):
        dirs.sort()
        for name in sorted(files):
            status = os.stat(os.path.join(root, name))
            digest.update(f"{os.path.relpath(os.path.join(root, name), directory)}:{status.st_size}:"
                          f"{status.st_mtime_ns}\n".encode())
    base = re.sub(r"[^A-Za-z0-9._-]", "_", os.path.basename(os.path.abspath(directory)))
    return f"{base}-{digest.hexdigest()[:12]}"


def shipping_folder() -> str:
    """Where the archives are kept, and the folders a stage writes only to ship them (both removed after a week
    unused)."""
    return os.path.join(tempfile.gettempdir(), "curate-shipped")


def ship_directory(spark, directory: str) -> str:
    """Add `directory` to the session's SparkFiles; returns the name executors pass to SparkFiles.get."""
    name = version_name(directory)
    parent = shipping_folder()
    archive = os.path.join(parent, f"{name}.zip")
    os.makedirs(parent, exist_ok=True)
    if os.path.isfile(archive):
        try:
            os.utime(archive)  # used again: kept another week
        except PermissionError:  # another user's archive, readable to all
            pass
    else:
        _write_archive(directory, archive)
    _remove_unused(parent)
    spark.sparkContext.addArchive(f"{Path(archive).as_uri()}#{name}")  # the same archive again is a no-op
    return name


def _write_archive(directory: str, archive: str) -> None:
    """The directory's files, stored (models compress little and are read at once), written under a temporary
    name and renamed: a job killed part-way leaves no half archive under the final name."""
    handle, work = tempfile.mkstemp(prefix=".", suffix=".zip", dir=os.path.dirname(archive))
    os.close(handle)
    try:
        with zipfile.ZipFile(work, "w", zipfile.ZIP_STORED, allowZip64=True) as zipped:
            for root, dirs, files in os.walk(directory, followlinks=True):  # linked folders go as copies
                dirs.sort()
                for file in sorted(files):
                    path = os.path.join(root, file)
                    zipped.write(path, os.path.relpath(path, directory))
        os.chmod(work, 0o644)
        os.replace(work, archive)
    finally:
        if os.path.exists(work):
            os.remove(work)


def _remove_unused(parent: str) -> None:
    """Archives, and folders that earlier versions staged, unused for a week (another user's are left)."""
    cutoff = time.time() - UNUSED_DAYS * 86400
    for entry in os.scandir(parent):
        try:
            if entry.stat(follow_symlinks=False).st_mtime >= cutoff:
                continue
            if entry.is_dir(follow_symlinks=False):
                shutil.rmtree(entry.path)
            else:
                os.remove(entry.path)
        except OSError:
            pass
