"""The compiled path runs where numba cannot cache (a read-only install, a worker without a home directory), and
the disk cache tells whether a process would compile."""

import numpy as np
from numba.core.caching import NullCache

import signals.jit as jit
from signals.fast.batch import compiled_pass_cached, model_free_signals


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
