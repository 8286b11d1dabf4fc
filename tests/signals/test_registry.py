"""The signal registry's metadata against the functions and the compiled pass, and the docs table it generates."""

from pathlib import Path

from signals.artifacts import Artifacts
from signals.document import Document
from signals.fast.batch import DOC_COLUMNS, FINEWEB_COLUMNS, LINE_COLUMNS, PARTS
from signals.fast.ccnet import CCNET_COLUMNS
from signals.registry import ARTIFACT_SIGNALS, MODEL_FOLDERS, SIGNALS, docs_table

SIGNALS_DOC = Path(__file__).resolve().parents[2] / "docs" / "signals.md"
TEXT = "The first line of a short text.\nA second line, with 42 words or so...\n\n- and a bullet point at the end"


def test_the_docs_table_is_the_registrys():
    lines = SIGNALS_DOC.read_text().splitlines(keepends=True)
    header = docs_table().splitlines(keepends=True)[0]
    assert header in lines, f"{SIGNALS_DOC} has no table of signals; paste signals.registry.docs_table() there"
    start = lines.index(header)
    end = next((i for i in range(start, len(lines)) if not lines[i].startswith("|")), len(lines))
    assert "".join(lines[start:end]) == docs_table(), \
        f"{SIGNALS_DOC}'s table of signals differs from the registry's: paste signals.registry.docs_table() there"


def test_the_compiled_parts_compute_the_signals_that_name_them():
    compiled = {name for name, entry in SIGNALS.items() if entry.compiled}
    assert compiled == {*DOC_COLUMNS, *LINE_COLUMNS, *CCNET_COLUMNS, *FINEWEB_COLUMNS}
    assert {entry.compiled for entry in SIGNALS.values() if entry.compiled} <= set(PARTS)


def test_level_and_type_are_those_of_the_values():
    document = Document(TEXT, "en", language_score=0.93, url="https://www.example.com/page")
    for name, entry in SIGNALS.items():
        spans = entry(document, Artifacts(None))
        assert len(spans) == (len(document.lines) if entry.level == "line" else 1), name
        assert all(isinstance(score, int if entry.type == "int64" else float)
                   for _, _, score in spans if score is not None), name


def test_a_signal_names_an_artifact_when_it_is_null_without_artifacts():
    document = Document(TEXT, "en", language_score=0.93, url="https://www.example.com/page")
    null = {name for name, entry in SIGNALS.items() if all(s is None for _, _, s in entry(document, Artifacts(None)))}
    assert null == set(ARTIFACT_SIGNALS)


def test_model_folders_leave_the_word_lists_out():
    assert list(MODEL_FOLDERS) == ["bad_urls", "classifiers", "dsir", "lm"]
    assert MODEL_FOLDERS["lm"] == ["ccnet_perplexity", "ccnet_bucket"]
    assert sorted(name for names in MODEL_FOLDERS.values() for name in names) == \
        sorted(set(ARTIFACT_SIGNALS) - {"rps_doc_stop_word_fraction", "rps_doc_ldnoobw_words"})
