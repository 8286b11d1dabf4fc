"""fastText classifiers (spec §2.6): our numpy trainer writes models that fastText loads and predicts with
exactly as our own forward pass does, and the signals read them as the reference does."""

import io

import fasttext
import pytest

from signals.artifacts import CLASSIFIER, Artifacts
from signals.classifiers import CC_LABEL, classifier_text
from signals.registry import CLASSIFIERS, compute_signals
from signals.training.fasttext_supervised import EOS, train_supervised, words_of
from tests.corpora import BGWIKI, ENWIKI, WEB, paragraphs, web_documents, wiki_articles

TRAIN, HELD_OUT = 800, 150


def reference_score(model, text: str) -> float:
    """RedPajama-V2's classifier score: the top-1 prediction of fastText's `predict`, turned into p(target)."""
    labels, probabilities = model.predict(classifier_text(text))
    return round(float(1 - probabilities[0] if labels[0] == CC_LABEL else probabilities[0]), 8)


@pytest.fixture(scope="module")
def corpora(shared_data):
    """Wikipedia and web paragraphs: (training, held-out) for each."""
    wiki = paragraphs(wiki_articles(shared_data / ENWIKI))
    web = paragraphs(web_documents(shared_data / WEB))
    return {"palm": (wiki[:TRAIN], wiki[TRAIN:TRAIN + HELD_OUT]), "cc": (web[:TRAIN], web[TRAIN:TRAIN + HELD_OUT])}


@pytest.fixture(scope="module")
def model(corpora):
    examples = [(label, classifier_text(text)) for name, label in (("palm", "__label__palm"), ("cc", CC_LABEL))
                for text in corpora[name][0]]
    return train_supervised(examples)


@pytest.fixture(scope="module")
def model_file(model, tmp_path_factory):
    directory = tmp_path_factory.mktemp("artifacts")
    path = directory / CLASSIFIER.format(language="en", name="palm")
    path.parent.mkdir(parents=True)
    with open(path, "wb") as out:
        model.save(out)
    return directory, path


def test_fasttext_predicts_what_our_forward_pass_predicts(corpora, model, model_file):
    loaded = fasttext.load_model(str(model_file[1]))
    texts = [classifier_text(t) for t in corpora["palm"][1] + corpora["cc"][1]]
    for text in texts:
        (probability, label), = loaded.f.predict(text + "\n", 1, 0.0, "replace")
        ours = model.predict(text)
        assert ours[0] == label
        assert ours[1] == pytest.approx(probability, rel=1e-5, abs=1e-7)
    # fastText reports p + 1e-5 per label (src/loss.cc std_log): both labels together sum to 1 + 2e-5
    both = loaded.f.predict(texts[0] + "\n", 2, 0.0, "replace")
    assert sum(p for p, _ in both) == pytest.approx(1 + 2e-5, abs=1e-6)
    assert sorted(label for _, label in both) == sorted(model.labels)


def test_the_classifier_separates_wikipedia_from_web_text(corpora, model):
    held_out = [("__label__palm", t) for t in corpora["palm"][1]] + [(CC_LABEL, t) for t in corpora["cc"][1]]
    accuracy = sum(model.predict(classifier_text(text))[0] == label for label, text in held_out) / len(held_out)
    assert accuracy > 0.8  # chance is 0.5


def test_vocabulary_as_fasttext_builds_it(model):
    assert EOS in model.words  # every line ends with the end-of-line token, a word like the others
    assert model.word_counts == sorted(model.word_counts, reverse=True)
    assert sum(model.label_counts) == 2 * TRAIN
    assert model.input.shape == (len(model.words), 100) and model.output.shape == (2, 100)
    assert words_of("a\tb\u00a0c __label__x\x0bd") == ["a", "b\u00a0c", "d"]  # only fastText's separators split


def test_score_is_the_reference_formula_on_fasttexts_top_prediction(corpora, model_file):
    directory, path = model_file
    loaded = fasttext.load_model(str(path))
    artifacts = Artifacts(str(directory))
    for text in corpora["palm"][1][:20] + corpora["cc"][1][:20]:
        got = compute_signals(text, "en", artifacts, CLASSIFIERS)
        assert got["rps_doc_ml_palm_score"] == [[0, len(text), reference_score(loaded, text)]]
        # spec §6: English has no `wikipedia` model; no wikiref.model.bin was placed here
        assert got["rps_doc_ml_wikipedia_score"][0][2] is None and got["rps_doc_ml_wikiref_score"][0][2] is None


def test_lines_are_joined_as_str_splitlines_splits_them(model_file):
    assert classifier_text(" a\r\nb\rc\u2028d\x0be\n\n") == "a b c d e"
    artifacts = Artifacts(str(model_file[0]))
    one_line = compute_signals("First part. Second part", "en", artifacts, CLASSIFIERS)["rps_doc_ml_palm_score"]
    many = compute_signals("First part.\r\nSecond part\n", "en", artifacts, CLASSIFIERS)["rps_doc_ml_palm_score"]
    assert one_line[0][2] == many[0][2]


def test_empty_documents_missing_models_and_no_language_are_null(model_file, tmp_path):
    artifacts = Artifacts(str(model_file[0]))
    assert compute_signals("", "en", artifacts, CLASSIFIERS)["rps_doc_ml_palm_score"] == [[0, 0, None]]
    assert compute_signals("Texte.", None, artifacts, CLASSIFIERS)["rps_doc_ml_palm_score"] == [[0, 6, None]]
    for _ in range(3):
        got = compute_signals("Ein Text.", "de", artifacts, CLASSIFIERS)
    assert all(spans == [[0, 9, None]] for spans in got.values())
    # what is missing, relative to the folder (its first absent folder); not English's `wikipedia` (spec §6)
    assert artifacts.missing() == ["classifiers/de/", "classifiers/en/wikiref.model.bin"]
    (tmp_path / "classifiers" / "fr").mkdir(parents=True)
    french = Artifacts(str(tmp_path))
    compute_signals("Un texte.", "fr", french, CLASSIFIERS)
    assert french.missing() == ["classifiers/fr/wikipedia.model.bin"]  # RedPajama-V2 has no French palm, wikiref


def test_a_wikipedia_model_for_another_language(shared_data, tmp_path):
    # the Bulgarian sample (a UTF-16 dump) against web text: `wikipedia`, the non-English classifier (spec §6)
    bulgarian = paragraphs(wiki_articles(shared_data / BGWIKI), min_words=5)
    web = paragraphs(web_documents(shared_data / WEB))[: len(bulgarian)]
    model = train_supervised([("__label__wikipedia", classifier_text(t)) for t in bulgarian]
                             + [(CC_LABEL, classifier_text(t)) for t in web])
    path = tmp_path / CLASSIFIER.format(language="bg", name="wikipedia")
    path.parent.mkdir(parents=True)
    buffer = io.BytesIO()
    model.save(buffer)
    path.write_bytes(buffer.getvalue())
    loaded, artifacts = fasttext.load_model(str(path)), Artifacts(str(tmp_path))
    for text in bulgarian[:10] + web[:10]:
        got = compute_signals(text, "bg", artifacts, CLASSIFIERS)
        assert got["rps_doc_ml_wikipedia_score"][0][2] == reference_score(loaded, text)
        assert got["rps_doc_ml_palm_score"][0][2] is None and got["rps_doc_ml_wikiref_score"][0][2] is None
