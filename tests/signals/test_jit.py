"""The compiled path runs where numba cannot cache (a read-only install, a worker without a home directory), and
the disk cache tells whether a process would compile."""

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
from numba.core.caching import NullCache

import signals.jit as jit
from signals.fast.batch import compiled_pass_cached, model_free_signals

REPO = Path(__file__).resolve().parents[2]


def test_no_writable_cache_directory_means_no_cache(tmp_path, caplog):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    assert jit.cache_directory([blocker, blocker / "below"]) is None
    assert "compiling in memory" in caplog.text
    assert jit.cache_directory([blocker, tmp_path / "cache"]).startswith(str(tmp_path / "cache" / "numba-"))


def test_compiles_in_memory_without_a_cache_directory(monkeypatch):
    monkeypatch.setattr(jit, "CACHE_DIRECTORY", None)

    def total(values):
        return values.sum() * 2

    compiled = jit.compiled(total)
    assert compiled(np.arange(4)) == 12
    assert isinstance(compiled._cache, NullCache)  # nothing is read or written on disk


def _doubled_sum(values):
    return values.sum() * 2


def test_is_cached_tells_whether_a_process_would_compile(monkeypatch, tmp_path):
    monkeypatch.setattr(jit, "CACHE_DIRECTORY", str(tmp_path))
    first = jit.compiled(_doubled_sum)
    assert not jit.is_cached(first)  # a cold cache: the first call compiles
    assert first(np.arange(4)) == 12
    assert jit.is_cached(first)
    assert jit.is_cached(jit.compiled(_doubled_sum))  # as a new process sees it: it loads the machine code
    monkeypatch.setattr(jit, "CACHE_DIRECTORY", str(tmp_path / "another"))
    assert not jit.is_cached(jit.compiled(_doubled_sum))
    monkeypatch.setattr(jit, "CACHE_DIRECTORY", None)
    assert not jit.is_cached(jit.compiled(_doubled_sum))  # compiled in memory: every process compiles


def test_the_compiled_pass_is_cached_once_it_has_run(artifacts):
    text = np.frombuffer(b"Some words.", dtype=np.uint8)
    model_free_signals(text, np.array([0, len(text)]), ["en"], artifacts)
    assert compiled_pass_cached() == (jit.CACHE_DIRECTORY is not None)


PROBE = """
import sys

import numpy as np
from signals import jit
from signals.jit import compiled

def tripled_sum(values):
    return values.sum() * 3

function = compiled(tripled_sum)
print(jit.__file__.startswith(sys.argv[1]), jit.is_cached(function), function(np.arange(4)), jit.is_cached(function))
"""


def _zipped_signals(path: Path) -> str:
    """What `spark-submit --py-files` gives each application: the code as a zip at a path of its own."""
    path.parent.mkdir(parents=True)
    with zipfile.ZipFile(path, "w") as zipped:
        zipped.writestr("probe.py", PROBE)
        for source in (REPO / "signals").rglob("*.py"):
            zipped.write(source, source.relative_to(REPO).as_posix())
    return str(path)


def test_code_from_a_zip_at_another_path_loads_the_machine_code_an_earlier_one_compiled(tmp_path):
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path / "cache")}
    runs = [subprocess.run([sys.executable, "-c", "import sys; sys.path.insert(0, sys.argv[1]); import probe",
                            archive], env=env, cwd=tmp_path, capture_output=True, text=True, check=True).stdout.split()
            for archive in (_zipped_signals(tmp_path / "app-1" / "curate.zip"),
                            _zipped_signals(tmp_path / "app-2" / "curate.zip"))]
    # from the zip; the first application compiles and caches, the second finds it cached before its first call
    assert runs == [["True", "False", "18", "True"], ["True", "True", "18", "True"]]
