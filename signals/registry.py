"""Every signal under its RedPajama-V2 name (the misspelt `punctution` included), with what it is (level, type, the
artifact it reads, the readable function, the compiled part that computes it for a batch), and computing them for a
text. The output schema (pipeline/schema.py), the null-column checks and the table of signals in
docs/signals.md are derived from these entries."""

import os
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from inspect import unwrap
from typing import Literal

from signals import ccnet, classifiers, content, fineweb, importance, lines, natural_language, ut1
from signals.artifacts import CLASSIFIER, UT1_TABLE, Artifacts
from signals.document import Document, Spans
from signals.repetition import DUPE_NGRAM_SIGNALS, TOP_NGRAM_SIGNALS

Signal = Callable[[Document, Artifacts], Spans]
Level = Literal["document", "line"]

# what a signal reads in --artifacts, relative to it ({lang}: the document's language; docs/signals.md, "Artifacts")
STOP_WORDS = "stop_words/{lang}.txt"
BAD_WORDS = "bad_words/{lang}.txt"
WORD_LIST_FOLDERS = ("stop_words", "bad_words")  # the rest are models, whose absence is reported
UT1_DOMAINS = UT1_TABLE.replace(os.sep, "/")
DSIR = "dsir/{lang}/"  # the target's counts and lambda, and the web sample's (`ccnet`)
LANGUAGE_MODEL = "lm/{lang}.*"  # CCNet's SentencePiece and KenLM models


@dataclass(frozen=True)
class Entry:
    """A signal: its column `name`; its `level` (one value per document, or one per line of `line_spans`); the
    Arrow `type` of a value (a line signal's column is a list of them); the `artifact` it reads (None: none; the
    word lists are artifacts but no models); the readable `function`, the reference; and the part of the compiled
    pass (signals.fast.batch.PARTS) that computes it for a whole batch (None: no part does)."""
    name: str
    function: Signal
    level: Level = "document"
    type: str = "float64"
    artifact: str | None = None
    compiled: str | None = None

    def __call__(self, document: Document, artifacts: Artifacts) -> Spans:
        return self.function(document, artifacts)


def _named(*entries: Entry) -> dict[str, Entry]:
    return {entry.name: entry for entry in entries}


# The 28 signals that need no trained model, in the reference's order.
MODEL_FREE: dict[str, Entry] = _named(
    Entry("rps_doc_curly_bracket", content.curly_bracket, compiled="content"),
    Entry("rps_doc_ldnoobw_words", content.ldnoobw_words, artifact=BAD_WORDS, compiled="content"),
    Entry("rps_doc_lorem_ipsum", content.lorem_ipsum, compiled="content"),
    Entry("rps_doc_stop_word_fraction", content.stop_word_fraction, artifact=STOP_WORDS, compiled="content"),
    Entry("rps_doc_num_sentences", natural_language.num_sentences, compiled="natural language"),
    Entry("rps_doc_word_count", natural_language.word_count, type="int64", compiled="natural language"),
    Entry("rps_doc_mean_word_length", natural_language.mean_word_length, compiled="natural language"),
    Entry("rps_doc_symbol_to_word_ratio", natural_language.symbol_to_word_ratio, compiled="natural language"),
    Entry("rps_doc_frac_lines_end_with_ellipsis", natural_language.frac_lines_end_with_ellipsis,
          compiled="natural language"),
    Entry("rps_doc_frac_no_alph_words", natural_language.frac_no_alph_words, compiled="natural language"),
    Entry("rps_doc_frac_unique_words", natural_language.frac_unique_words, compiled="natural language"),
    Entry("rps_doc_unigram_entropy", natural_language.unigram_entropy, compiled="natural language"),
    Entry("rps_doc_frac_all_caps_words", natural_language.frac_all_caps_words, compiled="natural language"),
    *(Entry(name, function, compiled="repetition")
      for name, function in {**TOP_NGRAM_SIGNALS, **DUPE_NGRAM_SIGNALS}.items()),
    Entry("rps_lines_ending_with_terminal_punctution_mark", lines.ending_with_terminal_punctuation_mark,
          level="line", compiled="lines"),
    Entry("rps_lines_javascript_counts", lines.javascript_counts, level="line", compiled="lines"),
    Entry("rps_lines_num_words", lines.num_words, level="line", type="int64", compiled="lines"),
    Entry("rps_lines_numerical_chars_fraction", lines.numerical_chars_fraction, level="line", compiled="lines"),
    Entry("rps_lines_start_with_bulletpoint", lines.start_with_bulletpoint, level="line", compiled="lines"),
    Entry("rps_lines_uppercase_letter_fraction", lines.uppercase_letter_fraction, level="line", compiled="lines"),
)

# The signals that need a built or downloaded model (in RedPajama-Data app/src/core/quality_signals/: content.py's
# UT1 blacklist, classifiers.py, importance_weights.py).
UT1: dict[str, Entry] = _named(
    Entry("rps_doc_ut1_blacklist", ut1.ut1_blacklist, type="int64", artifact=UT1_DOMAINS))
CLASSIFIERS: dict[str, Entry] = _named(*(
    Entry(f"rps_doc_ml_{name}_score", partial(classifiers.classifier_score, name=name),
          artifact=CLASSIFIER.format(language="{lang}", name=name).replace(os.sep, "/"))
    for name in ("wikiref", "palm", "wikipedia")))
IMPORTANCE: dict[str, Entry] = _named(*(
    Entry(f"rps_doc_{dataset}_importance{suffix}", partial(function, dataset=dataset), artifact=DSIR)
    for dataset in importance.TARGETS
    for suffix, function in (("", importance.importance),
                             ("_length_correction", importance.importance_length_correction))))
WITH_MODELS: dict[str, Entry] = {**UT1, **CLASSIFIERS, **IMPORTANCE}

# The seven CCNet signals in the reference's order (RedPajama-Data app/src/core/schema/rp.py), computed from the
# document (signals/ccnet.py).
CCNET: dict[str, Entry] = _named(
    Entry("ccnet_length", ccnet.length, compiled="CCNet line dedup"),
    Entry("ccnet_original_length", ccnet.original_length, compiled="CCNet line dedup"),
    Entry("ccnet_nlines", ccnet.nlines, compiled="CCNet line dedup"),
    Entry("ccnet_original_nlines", ccnet.original_nlines, compiled="CCNet line dedup"),
    Entry("ccnet_language_score", ccnet.language_score),
    Entry("ccnet_perplexity", ccnet.perplexity, artifact=LANGUAGE_MODEL),
    Entry("ccnet_bucket", ccnet.perplexity_bucket, artifact=LANGUAGE_MODEL),
)

# FineWeb's three line heuristics (signals/fineweb.py): our addition beyond RedPajama-V2, no model needed.
FINEWEB: dict[str, Entry] = _named(
    Entry("fw_frac_lines_end_with_punctuation", fineweb.frac_lines_end_with_punctuation, compiled="fineweb"),
    Entry("fw_frac_chars_duplicate_lines", fineweb.frac_chars_duplicate_lines, compiled="fineweb"),
    Entry("fw_frac_short_lines", fineweb.frac_short_lines, compiled="fineweb"),
)

# Every signal, in the order of the output's columns.
SIGNALS: dict[str, Entry] = {**MODEL_FREE, **WITH_MODELS, **CCNET, **FINEWEB}
# The signals `curate signals` leaves null without their artifact: signal -> artifact.
ARTIFACT_SIGNALS: dict[str, str] = {name: entry.artifact for name, entry in SIGNALS.items() if entry.artifact}


def artifact_folder(artifact: str) -> str:
    """The top folder of an artifact in --artifacts (`dsir` of `dsir/de/`)."""
    return artifact.split("/")[0]


def _model_folders() -> dict[str, list[str]]:
    folders: dict[str, list[str]] = {}
    for name, artifact in ARTIFACT_SIGNALS.items():
        if artifact_folder(artifact) not in WORD_LIST_FOLDERS:
            folders.setdefault(artifact_folder(artifact), []).append(name)
    return folders


# The top folders of the model artifacts (`bad_urls`, `classifiers`, `dsir`, `lm`), each with the signals that a
# missing model there leaves null.
MODEL_FOLDERS = _model_folders()


def compute_signals(text: str, language: str | None, artifacts: Artifacts,
                    names: dict[str, Signal] = MODEL_FREE, url: str | None = None) -> dict[str, Spans]:
    """The signals of one text, each as RedPajama-V2 spans [[start, end, score], ...]."""
    document = Document(text, language, url=url)
    return {name: signal(document, artifacts) for name, signal in names.items()}


def docs_table() -> str:
    """The table of signals in docs/signals.md, in Markdown."""
    rows = ["| column | level | type | reads in --artifacts | readable function | compiled part |",
            "|---|---|---|---|---|---|"]
    for entry in SIGNALS.values():
        type_ = entry.type if entry.level == "document" else f"list<{entry.type}>"
        artifact = f"`{entry.artifact}`" if entry.artifact else ""
        rows.append(f"| `{entry.name}` | {entry.level} | {type_} | {artifact} | `{_readable(entry.function)}` | "
                    f"{entry.compiled or ''} |")
    return "\n".join(rows) + "\n"


def _readable(function: Signal) -> str:
    """The module and name of the function a signal calls, under its bound arguments."""
    while isinstance(function, partial):
        function = function.func
    function = unwrap(function)
    return f"{function.__module__}.{function.__name__}"
