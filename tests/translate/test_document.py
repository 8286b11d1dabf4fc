"""Documents through an engine: the identity round trip, the repeat cache, the retry and the books."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.helpers.ct2_models import sentences, translate_alone
from translate.document import SegmentCounts, batches, translate_documents
from translate.engines.base import load_engine
from translate.qc import QC_FIELDS, load_qc
from translate.segment import segment

QC = load_qc()


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(), max_size=4))
def test_identity_gives_every_text_back_byte_for_byte(texts):
    results, counts = translate_documents(texts, "en", "fr", load_engine("identity", None, {}), QC)
    assert [result.text for result in results] == texts
    assert all(set(result.qc) == {name for name, _ in QC_FIELDS} for result in results)
    assert all(result.qc_pass and result.qc["qc_skipped"] == ["output_language", "untranslated"]
               for result in results)
    assert counts.retried == 0 and counts.documents["passed"] == len(texts)


def _structured(seed: int) -> list[str]:
    """FineWeb-Edu-like pages: paragraphs, a list, a boilerplate line every page shares."""
    pages = []
    for page in range(6):
        body = sentences(8, seed=seed + page)
        pages.append(f"{body[0]} {body[1]}\n\n- {body[2]}\n- {body[3]}\n  {body[4]}\n\n{body[5]} {body[6]}\n\n"
                     f"Share this page. {body[7]}\n")
    return pages


@pytest.mark.parametrize("family", ["marian", "nllb"])
def test_ct2_documents_equal_each_segment_translated_alone(family, request, spm_model):
    model = request.getfixturevalue(family)
    decoding = {"max_decoding_length": 16, "beam_size": 2}
    engine = load_engine("ct2", str(model), decoding)
    texts = _structured(seed=21)
    results, counts = translate_documents(texts, "en", "fr", engine, QC)
    again, _ = translate_documents(texts, "en", "fr", engine, QC, max_batch_tokens=1)  # every segment alone
    assert [result.text for result in again] == [result.text for result in results]

    cut = [segment(text, "en", engine.max_segment_tokens, engine.count_tokens) for text in texts]
    occurrences = [piece for segmented in cut for piece in segmented.segments]
    distinct = sorted(set(occurrences))
    first = dict(zip(distinct, translate_alone(model, spm_model, family, distinct, **decoding), strict=True))
    failed = [piece for piece, (text, tokens) in first.items() if tokens == 16 or not text.strip()]
    retry = {"max_decoding_length": 16, "beam_size": 5, "repetition_penalty": 1.2, "no_repeat_ngram_size": 4}
    final = {piece: text for piece, (text, _) in first.items()}
    final.update((piece, text) for piece, (text, _) in
                 zip(failed, translate_alone(model, spm_model, family, failed, **retry), strict=True))
    assert [result.text for result in results] == [segmented.rebuild([final[piece] for piece in segmented.segments])
                                                   for segmented in cut]
    assert counts.cache_hits == len(occurrences) - len(distinct) >= len(texts) - 1  # "Share this page." repeats
    assert counts.retried == sum(piece in failed for piece in occurrences) > 0
    assert sum(counts.segments.values()) == len(occurrences)
    assert [result.qc["qc_segments"] for result in results] == [len(segmented.segments) for segmented in cut]


@settings(max_examples=100, deadline=None)
@given(st.dictionaries(st.text(min_size=1), st.integers(1, 50)), st.integers(1, 120))
def test_batches_are_sorted_by_tokens_and_fit(tokens, max_tokens):
    runs = batches(list(tokens), tokens, max_tokens)
    flat = [text for run in runs for text in run]
    assert sorted(flat) == sorted(tokens) and [tokens[text] for text in flat] == sorted(tokens.values())
    assert all(len(run) == 1 or sum(tokens[text] for text in run) <= max_tokens for run in runs)


def test_counts_of_several_calls_add_up():
    engine = load_engine("identity", None, {})
    first, second = ["One. Two.", "Two."], ["Three.\n\nOne."]
    total = SegmentCounts()
    for texts in (first, second):
        total.add(translate_documents(texts, "en", "fr", engine, QC)[1])
    summary = total.as_dict()
    assert summary["segments"] == {"ok": 5} and summary["documents"] == {"passed": 3}
    assert summary["distinct_segments"] == 2 + 2 and summary["cache_hits"] == 1
    assert summary["cache_hit_rate"] == round(1 / 5, 4) and summary["source_tokens"] == 4
