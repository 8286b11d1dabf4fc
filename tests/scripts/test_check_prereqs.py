"""`make demo` / `make test` start with scripts/check_prereqs.sh: one clear line when Python or Java will not do."""

import os
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "check_prereqs.sh"


def check(**env: str) -> subprocess.CompletedProcess:
    return subprocess.run(["sh", str(SCRIPT)], capture_output=True, text=True, timeout=60,
                          env={**os.environ, "PYTHON": sys.executable, **env})


def test_this_machine_passes():
    assert check().returncode == 0


def test_a_python_that_does_not_run_is_named(tmp_path):
    """A pyenv shim for a version that is not installed is on the PATH but fails when run."""
    shim = tmp_path / "python3.9"
    shim.write_text("#!/bin/sh\necho 'pyenv: python3.9: command not found' >&2\nexit 127\n")
    shim.chmod(0o755)
    result = check(PYTHON=str(shim))
    assert result.returncode == 1
    assert result.stdout == (f"error: Python 3.11 or newer is required: '{shim}' ({shim}) does not run "
                             "(set PYTHON=...)\n")


def test_a_java_home_without_java_is_named(tmp_path):
    result = check(JAVA_HOME=str(tmp_path))
    assert result.returncode == 1
    assert result.stdout == (f"error: JAVA_HOME={tmp_path} holds no bin/java: point it at a Java 17+ installation, "
                             "or unset it\n")
