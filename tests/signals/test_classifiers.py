"""fastText classifiers: what `curate artifacts build` trains with fastText separates its classes on held-out
documents, loads in fastText and comes out the same for the same seed, and the signals read it as the reference
(RedPajama-Data app/src/core/quality_signals/classifiers.py, 6d2cee9) does."""

import hashlib
import io

import fasttext
import pytest

from signals.artifacts import CLASSIFIER, Artifacts
from signals.classifiers import CC_LABEL, classifier_text
from signals.registry import CLASSIFIERS, compute_signals
from signals.training.fasttext_supervised import train_classifier
from tests.helpers.corpora import BGWIKI, ENWIKI, WEB, paragraphs, web_documents, wiki_articles

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


def training_pairs(corpora) -> list[tuple[str, str]]:
    return [(label, classifier_text(text)) for name, label in (("palm", "__label__palm"), ("cc", CC_LABEL))
            for text in corpora[name][0]]


def saved(classifier) -> bytes:
    buffer = io.BytesIO()
    classifier.save(buffer)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def model(corpora):
    return train_classifier(training_pairs(corpora))


@pytest.fixture(scope="module")
def model_file(model, tmp_path_factory):
    directory = tmp_path_factory.mktemp("artifacts")
    path = directory / CLASSIFIER.format(language="en", name="palm")
    path.parent.mkdir(parents=True)
    path.write_bytes(saved(model))
    return directory, path


def test_the_classifier_scores_held_out_wikipedia_above_web_text(corpora, model_file):
    artifacts = Artifacts(str(model_file[0]))

    def scores(texts):
        return [compute_signals(text, "en", artifacts, CLASSIFIERS)["rps_doc_ml_palm_score"][0][2] for text in texts]

    wiki, web = scores(corpora["palm"][1]), scores(corpora["cc"][1])
    accuracy = (sum(score > 0.5 for score in wiki) + sum(score <= 0.5 for score in web)) / (len(wiki) + len(web))
    assert accuracy > 0.8  # chance is 0.5
    # the chance that a held-out Wikipedia paragraph scores above a held-out web one (ROC AUC; chance is 0.5)
    assert sum(a > b for a in wiki for b in web) / (len(wiki) * len(web)) > 0.9


def test_the_model_is_fasttexts_with_the_reference_settings(model, model_file):
    loaded = fasttext.load_model(str(model_file[1]))
    assert sorted(loaded.get_labels()) == ["__label__cc", "__label__palm"]
    args = model.model.f.getArgs()  # fastText's supervised defaults, as RedPajama-V2's ft_trainer.py trains
    assert (args.dim, args.epoch, args.lr, args.minCount, args.wordNgrams, args.minn, args.maxn, args.bucket) == (
        100, 5, 0.1, 1, 1, 0, 0, 0)
    assert args.loss == fasttext.FastText.loss_name.softmax
    assert 0.8 < model.training_accuracy <= 1
    # fastText reports p + 1e-5 per label (src/loss.cc std_log): both labels together sum to 1 + 2e-5
    both = loaded.f.predict("some text\n", 2, 0.0, "replace")
    assert sum(p for p, _ in both) == pytest.approx(1 + 2e-5, abs=1e-6)


def test_the_same_seed_gives_the_same_model(corpora, model):
    pairs = training_pairs(corpora)
    again = saved(train_classifier(pairs))
    assert hashlib.sha256(again).digest() == hashlib.sha256(saved(model)).digest()
    assert saved(train_classifier(pairs, seed=1)) != again


def test_a_label_inside_a_text_is_no_label_of_the_model():
    # fastText takes any token starting with `__label__` for a label of its line: such tokens are left out of the
    # text (a no-break space joins a word, fastText splits on ASCII whitespace only), the model keeps the labels given
    pairs = [("__label__palm", "an article about __label__x rivers"), (CC_LABEL, "buy\t__label__cc\u00a0now")]
    model = train_classifier(pairs * 20).model
    assert sorted(model.get_labels()) == ["__label__cc", "__label__palm"]
    assert sorted(model.get_words()) == ["</s>", "about", "an", "article", "buy", "rivers"]


def test_score_is_the_reference_formula_on_fasttexts_top_prediction(corpora, model_file):
    directory, path = model_file
    loaded = fasttext.load_model(str(path))
    artifacts = Artifacts(str(directory))
    for text in corpora["palm"][1][:20] + corpora["cc"][1][:20]:
        got = compute_signals(text, "en", artifacts, CLASSIFIERS)
        assert got["rps_doc_ml_palm_score"] == [[0, len(text), reference_score(loaded, text)]]
        # RedPajama-Data's prep_artifacts.py trains no English `wikipedia` model; no wikiref.model.bin was placed here
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
    # what is missing, relative to the folder (its first absent folder); not English's `wikipedia` (prep_artifacts.py)
    assert artifacts.missing() == ["classifiers/de/", "classifiers/en/wikiref.model.bin"]
    (tmp_path / "classifiers" / "fr").mkdir(parents=True)
    french = Artifacts(str(tmp_path))
    compute_signals("Un texte.", "fr", french, CLASSIFIERS)
    assert french.missing() == ["classifiers/fr/wikipedia.model.bin"]  # RedPajama-V2 has no French palm, wikiref


def test_a_wikipedia_model_for_another_language(shared_data, tmp_path):
    # the Bulgarian sample (a UTF-16 dump) against web text: `wikipedia`, the non-English classifier (prep_artifacts.py)
    bulgarian = paragraphs(wiki_articles(shared_data / BGWIKI), min_words=5)
    web = paragraphs(web_documents(shared_data / WEB))[: len(bulgarian)]
    model = train_classifier([("__label__wikipedia", classifier_text(t)) for t in bulgarian]
                             + [(CC_LABEL, classifier_text(t)) for t in web])
    path = tmp_path / CLASSIFIER.format(language="bg", name="wikipedia")
    path.parent.mkdir(parents=True)
    path.write_bytes(saved(model))
    loaded, artifacts = fasttext.load_model(str(path)), Artifacts(str(tmp_path))
    for text in bulgarian[:10] + web[:10]:
        got = compute_signals(text, "bg", artifacts, CLASSIFIERS)
        assert got["rps_doc_ml_wikipedia_score"][0][2] == reference_score(loaded, text)
        assert got["rps_doc_ml_palm_score"][0][2] is None and got["rps_doc_ml_wikiref_score"][0][2] is None
