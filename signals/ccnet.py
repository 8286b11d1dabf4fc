"""The seven CCNet signals, computed here for documents that did not come out of CCNet (RedPajama-V2's worker
copies them from CCNet's output: RedPajama-Data app/src/core/worker.py, `Worker.__process_record`, 6d2cee9).

CCNet (facebookresearch/cc_net) removes a document's repeated lines before anything else (cc_net/dedup.py,
`finalize_doc`): lines are split on "\\n", keyed by `normalize_for_dedup`, and a line whose key was seen earlier in
the document is dropped; `original_length`/`original_nlines` describe the text before, `length`/`nlines` after.
Our ingest keeps the text whole, so `ccnet_original_*` describe the text as it is and `ccnet_length`/`ccnet_nlines`
the text CCNet's in-document dedup would leave; the perplexity is that text's, as CCNet scores after dedup. The
text itself is not changed (docs/signals.md, "CCNet signals")."""

import numpy as np

from signals.artifacts import Artifacts
from signals.ccnet_text import dedup_keys
from signals.document import Document, Spans

# CCNet's perplexity cutoffs: the 30th and 60th percentiles of each language's perplexities (head below the first,
# middle below the second, tail above). Source: cc_net/data/cutoff.csv, rows 30 and 60 (perplexity.PerplexityBucket
# with percentile_head=30, percentile_tail=60), as vendored in togethercomputer/RedPajama-Data
# data_prep/cc/cc_net/cc_net/data/cutoff.csv. `lm/cutoff.csv` in the artifacts directory overrides the languages
# it lists.
CUTOFFS: dict[str, tuple[float, float]] = {
    "de": (370, 590), "it": (220, 360), "fr": (180, 330), "nl": (430, 650), "pl": (160, 260), "pt": (170, 270),
    "es": (180, 290), "no": (430, 680), "da": (380, 600), "id": (600, 970), "lt": (190, 270), "fi": (1110, 1500),
    "en": (340, 520), "hu": (80, 140), "ro": (180, 270), "ko": (920, 2130), "ar": (490, 790), "bn": (190, 300),
    "fa": (370, 700), "ru": (210, 310), "uk": (140, 220), "ml": (2430, 3220), "my": (2530, 3040),
    "lv": (1130, 1480), "is": (850, 1190), "ca": (210, 330), "ne": (860, 1130), "et": (1270, 1620),
    "hy": (750, 1080), "ja": (1110, 1450), "hr": (720, 910), "hi": (480, 790), "az": (600, 950), "el": (450, 670),
    "cs": (820, 1140), "bg": (450, 680), "he": (1280, 1710), "zh": (1460, 1950), "ka": (910, 1310),
    "km": (1040, 2180), "gu": (1110, 1570), "mk": (530, 740), "kn": (2210, 2800), "mr": (1380, 1870),
    "af": (540, 770), "mn": (680, 1010), "kk": (610, 930), "be": (670, 910),
}
# RedPajama-V2's numbers for CCNet's buckets (worker.py `_ccnet_bucket_to_int`); CCNet's "all" (no perplexity or no
# cutoffs for the language) becomes None.
HEAD, MIDDLE, TAIL = 0.0, 1.0, 2.0


def deduplicated_lines(text: str) -> list[str]:
    """The lines CCNet's in-document dedup keeps: the first of each `normalize_for_dedup` key, in order.

    CCNet compares 64-bit SHA-1 prefixes of the keys; comparing the keys differs only on a hash collision."""
    if not text:
        return []
    seen, kept = set(), []
    for line, key in zip(text.split("\n"), dedup_keys(text), strict=True):
        if key not in seen:
            seen.add(key)
            kept.append(line)
    return kept


def bucket(perplexity: float | None, cutoffs: tuple[float, float] | None) -> float | None:
    """head (0.0) below the first cutoff, middle (1.0) below the second, tail (2.0) from there; None without both."""
    if perplexity is None or cutoffs is None:
        return None
    head, tail = cutoffs
    return HEAD if perplexity < head else MIDDLE if perplexity < tail else TAIL


def _deduplicated(doc: Document) -> list[str]:
    if "ccnet_lines" not in doc.cache:
        doc.cache["ccnet_lines"] = deduplicated_lines(doc.raw)
    return doc.cache["ccnet_lines"]


def original_length(doc: Document, artifacts: Artifacts) -> Spans:
    return doc.whole(float(len(doc.raw)))


def original_nlines(doc: Document, artifacts: Artifacts) -> Spans:
    """Lines as CCNet splits them: on "\\n", so a final newline ends an empty last line; the empty text has none."""
    return doc.whole(float(doc.raw.count("\n") + 1 if doc.raw else 0))


def length(doc: Document, artifacts: Artifacts) -> Spans:
    """Characters left after CCNet's in-document line dedup."""
    return doc.whole(float(len("\n".join(_deduplicated(doc)))))


def nlines(doc: Document, artifacts: Artifacts) -> Spans:
    """Lines left after CCNet's in-document line dedup."""
    return doc.whole(float(len(_deduplicated(doc))))


def language_score(doc: Document, artifacts: Artifacts) -> Spans:
    """The language ID's probability, rounded to 2 decimals as CCNet does (split_by_lang.Classifier, rounding=2:
    numpy's round of the float64 probability)."""
    if doc.language_score is None:
        return doc.whole(None)
    return doc.whole(float(np.round(np.float64(doc.language_score), 2)))


def _perplexity(doc: Document, artifacts: Artifacts) -> float | None:
    if "ccnet_perplexity" not in doc.cache:
        model = artifacts.language_model(doc.language)
        doc.cache["ccnet_perplexity"] = model.perplexity("\n".join(_deduplicated(doc))) if model else None
    return doc.cache["ccnet_perplexity"]


def perplexity(doc: Document, artifacts: Artifacts) -> Spans:
    """CCNet's KenLM perplexity of the deduplicated text; None without the language's models or without pieces."""
    return doc.whole(_perplexity(doc, artifacts))


def perplexity_bucket(doc: Document, artifacts: Artifacts) -> Spans:
    """The perplexity's bucket under the language's cutoffs (`lm/cutoff.csv`'s where it lists the language)."""
    cutoffs = artifacts.perplexity_cutoffs().get(doc.language, CUTOFFS.get(doc.language))
    return doc.whole(bucket(_perplexity(doc, artifacts), cutoffs))
