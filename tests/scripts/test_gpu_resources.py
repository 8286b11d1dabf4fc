"""scripts/gpu_resources.sh, Spark's GPU discovery script: the GPUs nvidia-smi lists, as Spark's JSON."""

import json
import os
import subprocess
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "gpu_resources.sh"


def discovered(tmp_path: Path, listing: str | None) -> dict:
    """The script's JSON with a stand-in nvidia-smi that prints `listing` (None: no nvidia-smi at all)."""
    if listing is not None:
        fake = tmp_path / "nvidia-smi"
        fake.write_text(f"#!/bin/sh\nprintf '{listing}'\n")
        fake.chmod(0o755)
    path = f"{tmp_path}:/usr/bin:/bin"
    result = subprocess.run(["sh", str(SCRIPT)], capture_output=True, text=True, timeout=60,
                            env={**os.environ, "PATH": path})
    assert result.returncode == 0
    return json.loads(result.stdout)


def test_the_gpus_by_their_indices(tmp_path):
    assert discovered(tmp_path, "0\\n 1\\n") == {"name": "gpu", "addresses": ["0", "1"]}


def test_none_without_a_gpu_or_without_nvidia_smi(tmp_path):
    assert discovered(tmp_path, "") == {"name": "gpu", "addresses": []}
    assert discovered(tmp_path / "absent", None) == {"name": "gpu", "addresses": []}
