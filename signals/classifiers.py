"""fastText quality classifiers: the probability that a document looks like the target corpus.

`classifiers/{lang}/{name}.model.bin` are supervised fastText models with the labels `__label__cc` (the web
sample) and one target label; the score is the target's probability, read off the top-1 prediction.
Source: RedPajama-Data app/src/core/quality_signals/classifiers.py, `BaseMLSignal` (6d2cee9)."""

from signals.artifacts import Artifacts
from signals.document import Document, Spans, rounded

CC_LABEL = "__label__cc"


def classifier_text(raw: str) -> str:
    """What the classifiers read: the lines (`str.splitlines`, so also \\r, \\u2028, ...) joined by spaces."""
    return " ".join(raw.splitlines()).strip()


def classifier_score(doc: Document, artifacts: Artifacts, name: str) -> Spans:
    """The target's probability: p of the top label, or 1 - p when the top label is the web sample's."""
    model = artifacts.classifier(doc.language, name)
    if model is None or not doc.raw:
        return doc.whole(None)
    # the low-level call: one line in, (probability, label) pairs out, in fasttext and fasttext-predict alike
    top = model.f.predict(classifier_text(doc.raw) + "\n", 1, 0.0, "replace")
    if not top:  # no known word and no end-of-line token in the model's vocabulary
        return doc.whole(None)
    probability, label = top[0]
    return doc.whole(rounded(float(1 - probability if label == CC_LABEL else probability)))

