"""The CCNet signals: line dedup lengths, language score, KenLM + SentencePiece perplexity and its bucket."""

import random
import unicodedata

import kenlm
import numpy as np
import pytest
import sentencepiece

from signals.artifacts import Artifacts
from signals.ccnet import CUTOFFS, bucket, deduplicated_lines
from signals.ccnet_text import UNICODE_PUNCT, dedup_keys, normalize
from signals.document import Document
from signals.perplexity import tokenized_perplexity
from signals.registry import CCNET
from tests.helpers.ccnet_models import ENWIKI, ENWIKI_ARPA, TEST_ARPA, TRAINING_PARAGRAPHS, Arpa, wikipedia_paragraphs


def ccnet(text: str, artifacts: Artifacts, language: str | None = "en", score: float | None = None) -> dict:
    document = Document(text, language, language_score=score)
    return {name: signal(document, artifacts)[0][2] for name, signal in CCNET.items()}


def artifacts_with(tmp_path, files: dict) -> Artifacts:
    """An artifacts directory whose lm/ holds `files` (name -> the file it links to)."""
    lm = tmp_path / "artifacts" / "lm"
    lm.mkdir(parents=True)
    for name, source in files.items():
        (lm / name).symlink_to(source)
    return Artifacts(str(lm.parent))


def english_files(models) -> dict:
    return {"en.sp.model": models / "en.sp.model", "en.arpa": models / "en.arpa"}


@pytest.fixture(scope="module")
def held_out(shared_data) -> list[str]:
    return wikipedia_paragraphs(shared_data / ENWIKI)[TRAINING_PARAGRAPHS:][-20:]


@pytest.fixture(scope="module")
def english(ccnet_models, tmp_path_factory) -> Artifacts:
    return artifacts_with(tmp_path_factory.mktemp("english"), english_files(ccnet_models))


def pieces(ccnet_models, text: str) -> list[str]:
    model = sentencepiece.SentencePieceProcessor(model_file=str(ccnet_models / "en.sp.model"))
    return model.encode_as_pieces(normalize(text))


def reference_perplexity(arpa: Arpa, tokens: list[str]):
    """CCNet's formula on a log-probability computed from the ARPA text: 10 ** (-log10 p / (tokens + 1)).

    The sum is in single precision, as KenLM's `score` adds (for CCNet too): over hundreds of tokens that moves
    the perplexity by some 1e-5; the tokens' own log-probabilities agree with KenLM's to 1e-6."""
    total = np.float32(0.0)
    for score in arpa.token_log10s(tokens):
        total = np.float32(total + np.float32(score))
    return pytest.approx(10 ** (-float(total) / (len(tokens) + 1)), rel=1e-6, abs=0.051)


def test_normalisation_is_ccnet_text_normalizer():
    # strip, lowercase, accents off (NFD minus Mn), every Unicode digit 0, typographic punctuation to ASCII
    # ("…" -> "...", "«" -> '"', "—" -> " - "), control characters deleted: the newline joins the lines without a space
    assert normalize("  Ça coûte 12,50 €…\n«Oui»\t— fin ") == 'ca coute 00,00 €..."oui" -  fin'
    assert normalize("１２ ١٢") == "00 00"  # Unicode digits; full-width ones before the punctuation table sees them
    assert normalize("Ünïcode 😀\U0001d167") == "unicode 😀"  # marks beyond the BMP go too, other symbols stay
    assert normalize(" \t\r\n ") == ""
    # the dedup key of each line keeps accents and ASCII punctuation, deletes typographic punctuation
    assert dedup_keys("  «Bonjour» — 2019 \nCafé, 42!\r\n\t") == ["bonjour  0000", "café, 00!", ""]


def plain_normalize(line: str) -> str:
    """CCNet's `normalize` step by step, one character at a time."""
    line = line.strip().lower()
    line = "".join(c for c in unicodedata.normalize("NFD", line) if unicodedata.category(c) != "Mn")
    line = "".join("0" if c.isdecimal() else UNICODE_PUNCT.get(c, c) for c in line)
    return "".join(c for c in line if not (ord(c) < 32 or 127 <= ord(c) < 160))


def plain_dedup_key(line: str) -> str:
    """CCNet's `normalize_for_dedup` step by step, one character at a time."""
    line = "".join("0" if c.isdecimal() else c for c in line.strip().lower())
    return "".join(c for c in line if c not in UNICODE_PUNCT and not (ord(c) < 32 or 127 <= ord(c) < 160))


def test_whole_text_normalisation_equals_the_step_by_step_one():
    # white space of every kind at line ends, control and typographic characters, digits, marks inside and beyond
    # the BMP, characters whose lowercase is longer: every order of these steps that could differ is drawn
    alphabet = [" ", "\t", "\r", "\n", "\x01", "\x1c", "\x85", "\xa0", "\u2028", "\u3000", "«", "—", "…", "１", "a",
                "B", "7", "١", "İ", "\x7f", "\x9f", "é", "e\u0301", ".", "\x0b", "ß", "ǅ", "\U0001d167", "😀"]
    rng = random.Random(0)
    for _ in range(20000):
        text = "".join(rng.choices(alphabet, k=rng.randint(0, 8)))
        assert normalize(text) == plain_normalize(text), repr(text)
        assert dedup_keys(text) == [plain_dedup_key(line) for line in text.split("\n")], repr(text)


def test_repeated_lines_are_removed_as_ccnet_does(english):
    text = "Hello World 1\nfoo\nhello world 2\nbar\nFOO"  # lines 3 and 5 repeat 1 and 2 up to case and digits
    assert deduplicated_lines(text) == ["Hello World 1", "foo", "bar"]
    signals = ccnet(text, english)
    assert signals["ccnet_original_length"] == len(text) and signals["ccnet_original_nlines"] == 5.0
    assert signals["ccnet_length"] == len("Hello World 1\nfoo\nbar") and signals["ccnet_nlines"] == 3.0
    # the perplexity is the deduplicated text's, as CCNet scores after its dedup
    assert signals["ccnet_perplexity"] == ccnet("Hello World 1\nfoo\nbar", english)["ccnet_perplexity"]


def test_empty_and_whitespace_documents(english):
    empty = ccnet("", english, score=0.91)
    assert [empty[f"ccnet_{name}"] for name in ("length", "original_length", "nlines", "original_nlines")] == [0.0] * 4
    assert empty["ccnet_perplexity"] is None and empty["ccnet_bucket"] is None  # CCNet: no perplexity, bucket "all"
    blank = ccnet("   \n\n  \n", english)
    assert (blank["ccnet_original_length"], blank["ccnet_original_nlines"]) == (8.0, 4.0)
    assert (blank["ccnet_length"], blank["ccnet_nlines"]) == (3.0, 1.0)  # every line's key is "": the first stays
    assert blank["ccnet_perplexity"] is None and blank["ccnet_bucket"] is None


def test_crlf_lines_keep_their_carriage_return(english, held_out):
    first, second = held_out[0], held_out[1]
    crlf = ccnet(f"{first}\r\n{second}\r\n", english)
    assert crlf["ccnet_original_nlines"] == 3.0  # "\n" splits, so the final newline ends an empty line
    assert crlf["ccnet_length"] == crlf["ccnet_original_length"] == len(first) + len(second) + 4
    # the normaliser deletes control characters: "\r" changes nothing in the perplexity
    assert crlf["ccnet_perplexity"] == ccnet(f"{first}\n{second}", english)["ccnet_perplexity"] is not None


def test_perplexity_matches_the_arpa_computed_independently(english, ccnet_models, held_out):
    arpa = Arpa(ccnet_models / "en.arpa")
    for text in held_out:
        expected = reference_perplexity(arpa, pieces(ccnet_models, text))
        assert ccnet(text, english)["ccnet_perplexity"] == expected


def test_gzipped_arpa_in_the_model_directory(shared_data, ccnet_models, held_out, tmp_path):
    # the sample's word model as it is: whole-word pieces are unknown to it, the others score as words
    artifacts = artifacts_with(tmp_path, {"en.sp.model": ccnet_models / "en.sp.model",
                                          "en.arpa.gz": shared_data / ENWIKI_ARPA})
    arpa = Arpa(shared_data / ENWIKI_ARPA)
    for text in held_out[:5]:
        expected = reference_perplexity(arpa, pieces(ccnet_models, text))
        assert ccnet(text, artifacts)["ccnet_perplexity"] == expected


def test_tokenized_perplexity_by_hand_on_kenlm_test_arpa(shared_data):
    model, arpa = kenlm.Model(str(shared_data / TEST_ARPA)), Arpa(shared_data / TEST_ARPA)
    # a 5-gram path, unknown words (whose <unk> back-off weight is -20) and a positive back-off weight ("bar")
    for line in ("looking on a little more loin", "zzz looking on a zzz little", "bar looking higher", "loin"):
        tokens = line.split()
        assert tokenized_perplexity(model, line) == reference_perplexity(arpa, tokens)
    # "loin" alone: log10 p = p(loin | <s>) backed off + p(</s> | loin), over 2 tokens, all read off the file
    by_hand = -0.4149733 + -1.383514 + -0.6708385
    assert tokenized_perplexity(model, "loin") == round(10 ** (-by_hand / 2), 1)
    assert tokenized_perplexity(model, "") is None


def test_wikipedia_prose_scores_lower_than_its_words_shuffled(english, held_out):
    rng = random.Random(0)
    for text in held_out:
        words = text.split()
        rng.shuffle(words)
        assert ccnet(text, english)["ccnet_perplexity"] < ccnet(" ".join(words), english)["ccnet_perplexity"]


def test_bucket_boundaries_at_ccnet_cutoffs():
    # CCNet's cutoffs: rows 30 and 60 of cc_net/data/cutoff.csv (vendored in RedPajama-Data's rp_v1 branch)
    assert {lang: CUTOFFS[lang] for lang in ("en", "de", "fr", "es", "it")} == {
        "en": (340, 520), "de": (370, 590), "fr": (180, 330), "es": (180, 290), "it": (220, 360)}
    en = CUTOFFS["en"]
    assert [bucket(p, en) for p in (0.0, 339.9, 340.0, 519.9, 520.0, 1e6)] == [0.0, 0.0, 1.0, 1.0, 2.0, 2.0]
    assert bucket(None, en) is None and bucket(100.0, None) is None


def test_bucket_of_a_document_and_cutoff_override(english, ccnet_models, held_out, tmp_path):
    text = held_out[0]
    perplexity = ccnet(text, english)["ccnet_perplexity"]
    assert ccnet(text, english)["ccnet_bucket"] == bucket(perplexity, CUTOFFS["en"])
    artifacts = artifacts_with(tmp_path, english_files(ccnet_models))
    # CCNet's cutoff.csv format: percentile rows, language columns; the listed languages replace CCNet's
    rows = [",en,xx", "0,1,1", f"30,{perplexity + 0.1},5", f"60,{perplexity + 50},9", "100,1e9,1e9"]
    (tmp_path / "artifacts" / "lm" / "cutoff.csv").write_text("\n".join(rows) + "\n")
    assert ccnet(text, artifacts)["ccnet_bucket"] == 0.0
    assert artifacts.perplexity_cutoffs()["xx"] == (5.0, 9.0)
    assert ccnet(text, artifacts, language="de")["ccnet_bucket"] is None  # CCNet's de cutoffs, but no de model


def test_malformed_cutoff_table_is_named(ccnet_models, tmp_path):
    artifacts = artifacts_with(tmp_path, english_files(ccnet_models))
    (tmp_path / "artifacts" / "lm" / "cutoff.csv").write_text(",en\n0,1\n50,2\n")
    with pytest.raises(ValueError, match=r"cutoff\.csv: not a CCNet cutoff table"):
        artifacts.perplexity_cutoffs()


def test_missing_models_give_null_and_are_named(ccnet_models, tmp_path):
    artifacts = artifacts_with(tmp_path, {**english_files(ccnet_models), "fr.sp.model": ccnet_models / "en.sp.model"})
    text = "Une phrase en français.\nEt une autre."
    results = [ccnet(text, artifacts, language) for language in ("de", "fr", "de", "fr", None, "de")]
    assert all(r["ccnet_perplexity"] is None and r["ccnet_bucket"] is None for r in results)
    assert all(r["ccnet_length"] == len(text) for r in results)  # the model-free CCNet signals are still there
    assert artifacts.missing() == ["lm/de.arpa.bin|.arpa|.arpa.gz", "lm/de.sp.model", "lm/fr.arpa.bin|.arpa|.arpa.gz"]
    assert ccnet(text, artifacts)["ccnet_perplexity"] is not None  # English has both models
    assert ccnet(text, Artifacts(None))["ccnet_perplexity"] is None
    # a language read from the data names a file in lm/, never one elsewhere
    for name, source in english_files(ccnet_models).items():
        (tmp_path / "artifacts" / name).symlink_to(source)
    assert ccnet(text, artifacts, language="../en")["ccnet_perplexity"] is None
    assert len(artifacts.missing()) == 3  # and it is not named as missing either


def test_unreadable_model_is_named(ccnet_models, tmp_path):
    garbage = tmp_path / "garbage"
    garbage.write_text("not a model\n")
    with pytest.raises(ValueError, match=r"en\.arpa: cannot be loaded as a KenLM model"):
        ccnet("Some text.", artifacts_with(tmp_path / "a", {**english_files(ccnet_models), "en.arpa": garbage}))
    with pytest.raises(ValueError, match=r"en\.sp\.model: cannot be loaded as a SentencePiece model"):
        ccnet("Some text.", artifacts_with(tmp_path / "b", {**english_files(ccnet_models), "en.sp.model": garbage}))


def test_language_score_is_rounded_as_ccnet_does():
    artifacts = Artifacts(None)
    assert ccnet("text", artifacts, score=float(np.float32(0.87654)))["ccnet_language_score"] == 0.88
    assert ccnet("text", artifacts, score=1.0)["ccnet_language_score"] == 1.0
    assert ccnet("text", artifacts)["ccnet_language_score"] is None
