"""Where the repository and ../shared (the real data the tests read) are."""

import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SHARED = Path(os.environ.get("CURATE_SHARED", REPO.parent / "shared"))
