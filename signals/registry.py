"""Every signal under its RedPajama-V2 name (the misspelt `punctution` included), and computing them for a text."""

from collections.abc import Callable
from functools import partial

from signals import ccnet, classifiers, content, fineweb, importance, lines, natural_language, ut1
from signals.artifacts import Artifacts
from signals.document import Document, Spans
from signals.repetition_fast import DUPE_NGRAM_SIGNALS, TOP_NGRAM_SIGNALS

Signal = Callable[[Document, Artifacts], Spans]

# The 28 signals that need no trained model, in the reference's order.
MODEL_FREE: dict[str, Signal] = {
    "rps_doc_curly_bracket": content.curly_bracket,
    "rps_doc_ldnoobw_words": content.ldnoobw_words,
    "rps_doc_lorem_ipsum": content.lorem_ipsum,
    "rps_doc_stop_word_fraction": content.stop_word_fraction,
    "rps_doc_num_sentences": natural_language.num_sentences,
    "rps_doc_word_count": natural_language.word_count,
    "rps_doc_mean_word_length": natural_language.mean_word_length,
    "rps_doc_symbol_to_word_ratio": natural_language.symbol_to_word_ratio,
    "rps_doc_frac_lines_end_with_ellipsis": natural_language.frac_lines_end_with_ellipsis,
    "rps_doc_frac_no_alph_words": natural_language.frac_no_alph_words,
    "rps_doc_frac_unique_words": natural_language.frac_unique_words,
    "rps_doc_unigram_entropy": natural_language.unigram_entropy,
    "rps_doc_frac_all_caps_words": natural_language.frac_all_caps_words,
    **TOP_NGRAM_SIGNALS,
    **DUPE_NGRAM_SIGNALS,
    "rps_lines_ending_with_terminal_punctution_mark": lines.ending_with_terminal_punctuation_mark,
    "rps_lines_javascript_counts": lines.javascript_counts,
    "rps_lines_num_words": lines.num_words,
    "rps_lines_numerical_chars_fraction": lines.numerical_chars_fraction,
    "rps_lines_start_with_bulletpoint": lines.start_with_bulletpoint,
    "rps_lines_uppercase_letter_fraction": lines.uppercase_letter_fraction,
}

# The seven CCNet signals (spec §2.1) in the reference's order, computed from the document (signals/ccnet.py).
CCNET: dict[str, Signal] = {
    "ccnet_length": ccnet.length,
    "ccnet_original_length": ccnet.original_length,
    "ccnet_nlines": ccnet.nlines,
    "ccnet_original_nlines": ccnet.original_nlines,
    "ccnet_language_score": ccnet.language_score,
    "ccnet_perplexity": ccnet.perplexity,
    "ccnet_bucket": ccnet.perplexity_bucket,
}

# FineWeb's three line heuristics (signals/fineweb.py): our addition beyond RedPajama-V2, no model needed.
FINEWEB: dict[str, Signal] = {
    "fw_frac_lines_end_with_punctuation": fineweb.frac_lines_end_with_punctuation,
    "fw_frac_chars_duplicate_lines": fineweb.frac_chars_duplicate_lines,
    "fw_frac_short_lines": fineweb.frac_short_lines,
}

# The signals that need a built or downloaded artifact beyond the word lists (spec §2.2, §2.6, §2.7).
UT1: dict[str, Signal] = {"rps_doc_ut1_blacklist": ut1.ut1_blacklist}
CLASSIFIERS: dict[str, Signal] = {
    "rps_doc_ml_wikiref_score": partial(classifiers.classifier_score, name="wikiref"),
    "rps_doc_ml_palm_score": partial(classifiers.classifier_score, name="palm"),
    "rps_doc_ml_wikipedia_score": partial(classifiers.classifier_score, name="wikipedia"),
}
IMPORTANCE: dict[str, Signal] = {
    f"rps_doc_{dataset}_importance{suffix}": partial(function, dataset=dataset)
    for dataset in importance.TARGETS
    for suffix, function in (("", importance.importance),
                             ("_length_correction", importance.importance_length_correction))
}
WITH_MODELS: dict[str, Signal] = {**UT1, **CLASSIFIERS, **IMPORTANCE}


def compute_signals(text: str, language: str | None, artifacts: Artifacts,
                    names: dict[str, Signal] = MODEL_FREE, url: str | None = None) -> dict[str, Spans]:
    """The signals of one text, each as RedPajama-V2 spans [[start, end, score], ...]."""
    document = Document(text, language, url=url)
    return {name: signal(document, artifacts) for name, signal in names.items()}
