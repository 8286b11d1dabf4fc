"""Compiling with numba, cached on disk under a name that changes with the code: the one way every compiled
function of the project is compiled (the signals' batch pass, the MinHash that dedup calls too, fastText).

numba checks a cached function against the timestamp of its own file only, yet the machine code of the batch
kernel holds every compiled function it calls, from other files: edit one of those and the cache would serve
the old code. So the cache lives in a directory named after a digest of the sources of signals/, where every
compiled function lives: any edit, and a fresh directory. The first writable place wins: NUMBA_CACHE_DIR, the
package's __pycache__, the user's cache directory; with none (a read-only install run by a Spark worker without
a home), the code compiles in memory in each process (seconds, once per process).

Code imported from a zip (`spark-submit --py-files curate.zip`) has a locator of its own, `ArchiveLocator`: numba's
keys the cache on the zip's path and modification time, which Spark makes new for every application, so every
executor of every application compiled the kernels afresh (some 20 s of CPU each)."""

import hashlib
import logging
import os
import tempfile
from collections.abc import Callable, Iterator
from importlib.abc import Traversable
from importlib.resources import files
from pathlib import Path

import numba
from llvmlite import ir
from numba.core import cgutils, types
from numba.core.caching import ZipCacheLocator
from numba.extending import intrinsic

log = logging.getLogger(__name__)


def _python_sources(folder: Traversable, prefix: str = "") -> Iterator[tuple[str, bytes]]:
    """The `.py` files under `folder` (a directory or a folder in a zip), by path, in a stable order."""
    for entry in sorted(folder.iterdir(), key=lambda entry: entry.name):
        if entry.is_dir():
            yield from _python_sources(entry, f"{prefix}{entry.name}/")
        elif entry.name.endswith(".py"):
            yield prefix + entry.name, entry.read_bytes()


def _source_digest() -> str:
    digest = hashlib.sha256()
    for path, data in _python_sources(files("signals")):
        digest.update(path.encode() + b"\0" + data)
    return digest.hexdigest()[:16]


def _writable(directory: Path) -> bool:
    try:
        directory.mkdir(parents=True, exist_ok=True)
        tempfile.TemporaryFile(dir=directory).close()
        return True
    except OSError:
        return False


def _candidates() -> list[Path]:
    candidates = [Path(numba.config.CACHE_DIR)] if numba.config.CACHE_DIR else []
    candidates.append(Path(__file__).resolve().parent / "__pycache__")
    home = os.path.expanduser("~")
    if home != "~":
        candidates.append(Path(home) / ".cache" / "curate")
    return candidates


def cache_directory(candidates: list[Path]) -> str | None:
    """The code's cache directory under the first writable candidate, or None."""
    name = f"numba-{_source_digest()}"
    for base in candidates:
        if _writable(base / name):
            return str(base / name)
    log.warning("no writable directory for numba's cache (tried %s): compiling in memory",
                ", ".join(map(str, candidates)))
    return None


CACHE_DIRECTORY = cache_directory(_candidates())


class ArchiveLocator(ZipCacheLocator):
    """Where numba caches a function imported from a zip: CACHE_DIRECTORY, named after the sources' digest, which
    is then also the stamp the cache is checked against (not the zip's path and time)."""

    def __init__(self, py_func, py_file):
        super().__init__(py_func, py_file)
        self._cache_path = os.path.join(CACHE_DIRECTORY, "archive", os.path.dirname(self._internal_path))

    def get_source_stamp(self):
        return CACHE_DIRECTORY

    @classmethod
    def from_function(cls, py_func, py_file):
        return cls(py_func, py_file) if CACHE_DIRECTORY is not None and ".zip" in py_file else None


def compiled(function: Callable) -> Callable:
    """`function` compiled to machine code on its first call, cached in CACHE_DIRECTORY when there is one."""
    if CACHE_DIRECTORY is None:
        return numba.njit(function)
    # both read once, when the function's cache is set up
    previous = numba.config.CACHE_DIR, getattr(numba.config, "CACHE_LOCATOR_CLASSES", "")
    numba.config.CACHE_DIR = CACHE_DIRECTORY
    numba.config.CACHE_LOCATOR_CLASSES = f"{__name__}.ArchiveLocator,UserProvidedCacheLocator"
    try:
        return numba.njit(cache=True)(function)
    finally:
        numba.config.CACHE_DIR, numba.config.CACHE_LOCATOR_CLASSES = previous


def is_cached(function: Callable) -> bool:
    """Whether the disk cache holds machine code of `function` (from `compiled`) for its current source, so that
    a process calling it loads it (about a second) instead of compiling it. False without a disk cache."""
    index = getattr(getattr(function, "_cache", None), "_cache_file", None)  # numba's cache internals (0.5x-0.6x)
    return index is not None and bool(index._load_index())  # empty when absent or stale (another source stamp)


@intrinsic
def cycle_counter(typing_context):
    """The processor's cycle counter (LLVM's readcyclecounter: rdtsc on x86, 0 where there is none), to share the
    time of a compiled pass out among its parts."""
    def generate(context, builder, signature, arguments):
        read = cgutils.get_or_insert_function(builder.module, ir.FunctionType(ir.IntType(64), []),
                                              "llvm.readcyclecounter")
        return builder.call(read, [])

    return types.int64(), generate
