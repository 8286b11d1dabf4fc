"""Fixtures of the signal tests."""

import pytest

from signals.artifacts import Artifacts
from tests.helpers.paths import SHARED


@pytest.fixture(scope="module")
def artifacts() -> Artifacts:
    """The word lists of ../shared/data/artifacts (the parity files were computed with them)."""
    directory = SHARED / "data" / "artifacts"
    if not directory.is_dir():
        pytest.skip(f"{directory} is absent (it ships beside the repository in CI)")
    return Artifacts(str(directory))
