"""The compiled path runs where numba cannot cache (a read-only install, a worker without a home directory)."""

import numpy as np
from numba.core.caching import NullCache

import signals.fast.jit as jit


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
