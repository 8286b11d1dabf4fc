"""Documents through an engine: the identity round trip, the repeat cache, the retry and the books."""

from hypothesis import given, settings
from hypothesis import strategies as st

from translate.document import translate_documents
from translate.engines.base import load_engine
from translate.qc import QC_FIELDS, load_qc

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
