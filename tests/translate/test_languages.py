"""Language codes: one table, each model family's form derived from it, an unknown code named with the closest."""

import re

import pytest

from translate.languages import LANGUAGES, language, m2m100_token, nllb_code, opus_tokens


def test_every_language_has_each_form():
    for code, found in LANGUAGES.items():
        assert re.fullmatch(r"[a-z]{2}", code) and found.code == code
        assert re.fullmatch(r"[a-z]{3}_[A-Z][a-z]{3}", nllb_code(code))  # FLORES-200: language_Script
        assert m2m100_token(code) == f"__{code}__"
        assert opus_tokens(code) == [f">>{found.iso3}<<", f">>{code}<<"]


def test_the_targets_of_transwebedu_are_there():
    # TransWebEdu's nine languages, its files named by FLORES-200 code (arXiv 2502.13252; britllm/TransWebEdu)
    assert [nllb_code(code) for code in ("ar", "cy", "de")] == ["arb_Arab", "cym_Latn", "deu_Latn"]
    assert {"es", "fr", "id", "it", "ru", "sw"} <= set(LANGUAGES)


def test_an_unknown_code_is_named_with_the_closest():
    with pytest.raises(ValueError, match=r"unknown language 'FR' \(did you mean 'fr'\?\)"):
        language("FR")
