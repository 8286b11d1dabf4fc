"""The ct2 engine on tiny real models: each family equals CTranslate2 called on one segment at a time."""

import pytest

from tests.helpers.ct2_models import EN_FR_TOKENS, sentences, translate_alone
from translate.engines.base import EngineError, load_engine

LIMIT = 16


@pytest.mark.parametrize("family", EN_FR_TOKENS)
def test_each_family_equals_ctranslate2_one_segment_at_a_time(family, request, spm_model):
    model = request.getfixturevalue(family)
    engine = load_engine("ct2", str(model), {"max_decoding_length": LIMIT, "beam_size": 2})
    texts = sentences(40, seed=11)
    texts += texts[:5]  # repeats in one batch
    translations = engine.translate(texts, "en", "fr")
    alone = translate_alone(model, spm_model, family, texts, max_decoding_length=LIMIT, beam_size=2)
    assert [t.text for t in translations] == [text for text, _ in alone]
    assert {t.status for t in translations} == {"ok", "cut"}
    assert [t.status == "cut" for t in translations] == [tokens == LIMIT for _, tokens in alone]
    assert engine.family == family


def test_the_licence_follows_the_family_unless_named(marian, nllb, m2m100):
    assert load_engine("ct2", str(nllb), {}).license == "CC-BY-NC-4.0"  # NLLB-200's model card
    assert load_engine("ct2", str(m2m100), {}).license == "MIT"
    assert load_engine("ct2", str(marian), {}).license == "CC-BY-4.0"
    assert load_engine("ct2", str(marian), {"license": "Apache-2.0"}).license == "Apache-2.0"


def test_a_language_the_model_lacks_is_refused(marian, nllb):
    with pytest.raises(EngineError, match="no language token spa_Latn"):
        load_engine("ct2", str(nllb), {}).translate(["Hello."], "en", "es")
    with pytest.raises(EngineError, match=r"no target token for 'es' \(>>spa<< or >>es<<\); the model has >>deu<<"):
        load_engine("ct2", str(marian), {}).translate(["Hello."], "en", "es")


def test_bad_models_and_options_are_named(tmp_path, marian):
    with pytest.raises(EngineError, match=f"{tmp_path}: not a CTranslate2 model directory"):
        load_engine("ct2", str(tmp_path), {})
    with pytest.raises(EngineError, match="unknown option 'beam_sise' \\(did you mean 'beam_size'\\?\\)"):
        load_engine("ct2", str(marian), {"beam_sise": 2})
    with pytest.raises(EngineError, match="needs --model"):
        load_engine("ct2", None, {})


def test_the_safer_engine_shares_the_loaded_model(marian):
    engine = load_engine("ct2", str(marian), {"beam_size": 1})
    safer = engine.safer()
    assert safer.translator is engine.translator
    assert safer.decoding == {**engine.decoding, "beam_size": 5, "repetition_penalty": 1.2, "no_repeat_ngram_size": 4}
    assert safer.safer() is None
    assert load_engine("ct2", str(marian), {"beam_size": 1}) is engine  # loaded once per process


def test_a_segment_the_model_cannot_take_fails_alone(marian, spm_model):
    engine = load_engine("ct2", str(marian), {"max_decoding_length": LIMIT, "beam_size": 2})
    too_long = "school " * 3000  # past the 2,048 positions of the model's position encodings
    texts = ["The school is small.", too_long, "Water is a river."]
    translations = engine.translate(texts, "en", "fr")
    assert translations[1].status == "failed" and translations[1].text == ""
    alone = translate_alone(marian, spm_model, "marian", [texts[0], texts[2]], max_decoding_length=LIMIT, beam_size=2)
    assert [translations[0].text, translations[2].text] == [text for text, _ in alone]
