"""Shared test fixtures: the real data in ../shared and one Spark session for the whole suite."""

import os
from pathlib import Path

import pytest

from tests.helpers.paths import REPO, SHARED

# Every JVM the suite starts (its session, the CLI and spark-submit runs, the cluster's executors) reads it
os.environ.setdefault("SPARK_CONF_DIR", str(REPO / "tests" / "spark-conf"))


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """../shared/data, or skip: it holds real Common Crawl files that are not part of the repository."""
    data = SHARED / "data"
    if not data.is_dir():
        pytest.skip(f"{data} is absent (it ships beside the repository in CI, not in a user's clone)")
    return data


@pytest.fixture(scope="session")
def spark():
    """One local Spark session for the whole suite: start-up costs seconds."""
    from pipeline.spark.session import get_session

    session = get_session("local[2]", "curate-tests")
    yield session
    session.stop()


@pytest.fixture(scope="session")
def lid_model() -> str:
    from pipeline.readers.langid import default_lid_model

    return default_lid_model()


@pytest.fixture(scope="session")
def ccnet_models(shared_data, tmp_path_factory) -> Path:
    """A CCNet lm_sp directory for English (`en.sp.model`, `en.arpa`) built from the Wikipedia sample."""
    from tests.helpers.ccnet_models import english_models

    return english_models(shared_data, tmp_path_factory.mktemp("lm_sp"))
