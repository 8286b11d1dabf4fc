"""Loading an engine: by name, once per process, with its options checked."""

import pytest
import sentencepiece

from translate.engines.base import EngineError, load_engine


def test_an_engine_is_loaded_once_per_name_model_and_options():
    first = load_engine("identity", None, {"max_segment_tokens": 64})
    assert load_engine("identity", None, {"max_segment_tokens": 64}) is first
    assert load_engine("identity", None, {}) is not first
    assert first.max_segment_tokens == 64 and first.model is None and first.license is None


def test_an_unknown_engine_or_option_is_named_with_the_closest():
    with pytest.raises(EngineError, match=r"unknown engine 'Identity' \(did you mean 'identity'\?\); "
                                          r"engines: ct2, vllm, hf, identity"):
        load_engine("Identity", None, {})
    with pytest.raises(EngineError, match=r"unknown option 'max_segment_token' \(did you mean 'max_segment_tokens'"):
        load_engine("identity", None, {"max_segment_token": 3})
    with pytest.raises(EngineError, match="takes no model"):
        load_engine("identity", "some/model", {})


def test_identity_counts_pieces_with_a_sentencepiece_model(spm_model):
    words = load_engine("identity", None, {})
    pieces = load_engine("identity", None, {"spm": str(spm_model)})
    text = "The students read a book about rivers."
    assert words.count_tokens(text) == 7
    processor = sentencepiece.SentencePieceProcessor(model_file=str(spm_model))
    assert pieces.count_tokens(text) == len(processor.encode(text))
    assert [t.text for t in pieces.translate([text], "en", "fr")] == [text]
