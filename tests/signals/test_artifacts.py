"""The artifacts directory: a broken file is refused by name before any work, what RedPajama-V2 never has for a
language is not reported missing."""

import json
import shutil

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipeline.cli.main import main
from signals.artifacts import Artifacts, BrokenArtifact, check_artifacts
from signals.registry import CLASSIFIERS, IMPORTANCE, compute_signals
from tests.helpers.corpora import ENWIKI, WEB, wiki_articles

TEXT = "A short text with some words in it, for the models."


@pytest.fixture(scope="module")
def intact(shared_data, ccnet_models, tmp_path_factory):
    """../shared/data/artifacts (the word lists) plus what `curate artifacts build` makes of real text (UT1 table,
    DSIR arrays, palm classifier) and CCNet-style language models for English."""
    work = tmp_path_factory.mktemp("intact")
    wiki = work / "enwiki.parquet"
    pq.write_table(pa.table({"text": wiki_articles(shared_data / ENWIKI)[:30]}), wiki)
    directory = work / "art"
    shutil.copytree(shared_data / "artifacts", directory)
    assert main(["artifacts", "build", "--artifacts", str(directory), "--language", "en", "--cc",
                 str(shared_data / WEB), "--wikipedia", str(wiki), "--ut1", str(shared_data / "wordlists" / "ut1"),
                 "--classifier-samples", "30", "--dsir-samples", "100"]) == 0
    shutil.copytree(ccnet_models, directory / "lm")
    return directory


def damaged(intact, tmp_path, relative: str, damage) -> str:
    """A writable copy of the intact directory whose file `relative` is replaced by damage(its bytes)."""
    directory = tmp_path / "art"
    shutil.copytree(intact, directory, copy_function=shutil.copyfile)  # writable copies (the shared files are not)
    for folder in [directory, *directory.rglob("*")]:
        if folder.is_dir():
            folder.chmod(0o755)
    path = directory / relative
    original = path.read_bytes() if path.exists() else b""
    path.unlink(missing_ok=True)
    path.write_bytes(damage(original))
    return str(directory)


def garbage(data: bytes) -> bytes:
    return np.random.default_rng(0).integers(0, 256, max(len(data), 3000), dtype=np.uint8).tobytes()


def cut(data: bytes) -> bytes:
    return data[: len(data) // 2]


BROKEN = [  # (file, damage, what the refusal says)
    ("classifiers/en/palm.model.bin", lambda data: data[:100_000], "not a fastText model"),
    ("classifiers/en/palm.model.bin", garbage, "not a fastText model"),
    ("bad_urls/domain_to_category_id.json", cut, "Unterminated string"),
    ("bad_urls/domain_to_category_id.json", lambda _: b"[1, 2]", "not a JSON object of domains"),
    ("dsir/en/ccnet.en.10000.counts.npy", garbage, "not a numpy .npy file"),
    ("dsir/en/wikipedia.en.lambda.npy", cut, "reading array header"),
    ("dsir/en/wikipedia.en.10000.counts.npy", lambda data: data[:-8], "could only read 9999 elements"),
    ("stop_words/en.txt", lambda data: data + b"\xff\xfe\n", "not UTF-8 text"),
    ("bad_words/de.txt", lambda data: b"\xc3" + data, "not UTF-8 text"),
    ("lm/en.sp.model", garbage, "cannot be loaded as a SentencePiece model"),
    ("lm/en.arpa", cut, "an ARPA model cut short"),
    ("lm/en.arpa.bin", garbage, "neither a KenLM binary nor an ARPA model"),
    ("lm/en.arpa.bin", lambda _: b"mmap lm http://kheafield.com/code format version 5\n\0" + bytes(100),
     "cannot be loaded as a KenLM model"),
    ("lm/cutoff.csv", lambda _: b",en\n30,x\n", "not a CCNet cutoff table"),
]


def test_an_intact_directory_passes_and_its_models_load(intact):
    check_artifacts(str(intact))
    artifacts = Artifacts(str(intact))
    assert artifacts.classifier("en", "palm") is not None and artifacts.domain_categories()
    assert artifacts.dsir_counts("en", "wikipedia").shape == (10000,) and artifacts.dsir_lambda("en", "ccnet") > 0
    assert artifacts.language_model("en").perplexity(TEXT) > 0


@pytest.mark.parametrize(("relative", "damage", "says"), BROKEN)
def test_a_broken_file_is_refused_in_one_line_naming_it(intact, tmp_path, relative, damage, says):
    directory = damaged(intact, tmp_path, relative, damage)
    with pytest.raises(BrokenArtifact) as refusal:
        check_artifacts(directory)
    message = str(refusal.value)
    assert message.startswith(f"--artifacts {directory}: {relative}: ") and says in message
    assert "\n" not in message


def test_a_missing_directory_is_refused_before_any_work(tmp_path):
    with pytest.raises(BrokenArtifact, match=f"^--artifacts {tmp_path / 'art'}: no such directory$"):
        check_artifacts(str(tmp_path / "art"))


def test_the_command_refuses_before_any_work_and_writes_nothing(intact, tmp_path, capsys):
    directory = damaged(intact, tmp_path, "classifiers/en/palm.model.bin", lambda data: data[:100_000])
    documents = tmp_path / "docs.jsonl"
    documents.write_text(json.dumps({"id": "a", "text": TEXT, "language": "en"}) + "\n")
    assert main(["signals", str(documents), "--artifacts", directory, "--output", str(tmp_path / "out")]) == 2
    error = capsys.readouterr().err
    assert error.startswith(f"curate signals: error: --artifacts {directory}: classifiers/en/palm.model.bin: not a "
                            "fastText model (") and error.count("\n") == 1
    assert not (tmp_path / "out").exists()


def test_a_cut_classifier_never_reaches_fasttext_on_the_workers(intact, tmp_path):
    # the worker's own load refuses it too, naming the file (the library would allocate what its sizes say)
    directory = damaged(intact, tmp_path, "classifiers/en/palm.model.bin", lambda data: data[:100_000])
    with pytest.raises(BrokenArtifact, match="palm.model.bin cannot be read: not a fastText model"):
        compute_signals(TEXT, "en", Artifacts(directory), CLASSIFIERS)


def test_a_non_utf8_word_list_is_named_on_the_workers(intact, tmp_path):
    directory = damaged(intact, tmp_path, "stop_words/en.txt", lambda data: data + b"\xff\n")
    with pytest.raises(ValueError, match="stop_words/en.txt: not UTF-8 text"):
        compute_signals(TEXT, "en", Artifacts(directory))


def test_models_redpajama_never_has_for_a_language_are_not_reported_missing(intact):
    # classifiers and DSIR exist for en, de, fr, es, it only (LANGUAGES in RedPajama-Data configs/rp_v2.0.conf);
    # for en the directory has them all but wikiref
    artifacts = Artifacts(str(intact))
    for language in ("zh", "ru", "nl", "en"):
        got = compute_signals(TEXT, language, artifacts, {**CLASSIFIERS, **IMPORTANCE})
        if language != "en":
            assert all(spans == [[0, len(TEXT), None]] for spans in got.values())
    assert artifacts.missing() == ["classifiers/en/wikiref.model.bin", "dsir/en/books.en.10000.counts.npy",
                                   "dsir/en/openwebtext.en.10000.counts.npy"]
    compute_signals(TEXT, "de", artifacts, {**CLASSIFIERS, **IMPORTANCE})
    assert {"classifiers/de/", "dsir/de/"} <= set(artifacts.missing())  # RedPajama-V2 has German models
