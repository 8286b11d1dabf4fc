"""Tiny CTranslate2 models with random weights (tests/helpers/ct2_models.py), built once for the translate tests."""

from pathlib import Path

import pytest

from tests.helpers.ct2_models import marian_model, multilingual_model, train_spm


@pytest.fixture(scope="session")
def ct2_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("ct2")


@pytest.fixture(scope="session")
def spm_model(ct2_dir) -> Path:
    return train_spm(ct2_dir / "spm.model")


@pytest.fixture(scope="session")
def marian(ct2_dir, spm_model) -> Path:
    """A multilingual OPUS-MT-shaped model (`>>fra<<`, `>>deu<<`)."""
    return marian_model(ct2_dir / "marian", spm_model, (">>fra<<", ">>deu<<"), eos_bias=2.0)


@pytest.fixture(scope="session")
def nllb(ct2_dir, spm_model) -> Path:
    return multilingual_model(ct2_dir / "nllb", spm_model, ("eng_Latn", "fra_Latn", "deu_Latn"), eos_bias=1.0)


@pytest.fixture(scope="session")
def m2m100(ct2_dir, spm_model) -> Path:
    return multilingual_model(ct2_dir / "m2m100", spm_model, ("__en__", "__fr__"), eos_bias=1.0)
