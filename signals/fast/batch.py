"""The 28 model-free signals, the MinHash signature, CCNet's length signals and FineWeb's three line-based signals (our
addition, `FINEWEB_COLUMNS`) of a whole batch of documents, in one compiled pass.

Input: the batch's texts as one UTF-8 buffer with offsets (an Arrow string column's own buffers), their languages
and the word lists. Output: numpy arrays, equal value for value to the readable signals (`signals.registry`)."""

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from signals.artifacts import Artifacts
from signals.fast.ccnet import CCNET_COLUMNS, ccnet_lengths
from signals.fast.codepoints import Codepoints, Tables
from signals.fast.content import curly_bracket, ldnoobw_words, lorem_ipsum, stop_word_fraction
from signals.fast.fineweb import fineweb_signals
from signals.fast.lines import line_signals
from signals.fast.minhash import signature
from signals.fast.natural_language import (
    frac_lines_end_with_ellipsis,
    num_sentences,
    symbol_to_word_ratio,
    token_fractions,
    word_statistics,
)
from signals.fast.repetition import repetition_signals
from signals.fast.text import decode_utf8, encode_utf8, line_ends, normalize, raw_tokens, unknown_codepoints
from signals.fast.word_sets import WordSet, slice_hashes, word_ids, word_set
from signals.jit import compiled, cycle_counter, is_cached
from signals.minhash import NUM_PERM, PERMUTATIONS

# the columns of BatchSignals.values and .line_values, in the reference's order
DOC_COLUMNS = (
    "rps_doc_curly_bracket", "rps_doc_ldnoobw_words", "rps_doc_lorem_ipsum", "rps_doc_stop_word_fraction",
    "rps_doc_num_sentences", "rps_doc_word_count", "rps_doc_mean_word_length", "rps_doc_symbol_to_word_ratio",
    "rps_doc_frac_lines_end_with_ellipsis", "rps_doc_frac_no_alph_words", "rps_doc_frac_unique_words",
    "rps_doc_unigram_entropy", "rps_doc_frac_all_caps_words",
    "rps_doc_frac_chars_top_2gram", "rps_doc_frac_chars_top_3gram", "rps_doc_frac_chars_top_4gram",
    "rps_doc_frac_chars_dupe_5grams", "rps_doc_frac_chars_dupe_6grams", "rps_doc_frac_chars_dupe_7grams",
    "rps_doc_frac_chars_dupe_8grams", "rps_doc_frac_chars_dupe_9grams", "rps_doc_frac_chars_dupe_10grams",
)
LINE_COLUMNS = (
    "rps_lines_ending_with_terminal_punctution_mark", "rps_lines_javascript_counts", "rps_lines_num_words",
    "rps_lines_numerical_chars_fraction", "rps_lines_start_with_bulletpoint", "rps_lines_uppercase_letter_fraction",
)
# the columns of BatchSignals.fineweb: our additions beyond RedPajama-V2 (signals.registry.FINEWEB)
FINEWEB_COLUMNS = ("fw_frac_lines_end_with_punctuation", "fw_frac_chars_duplicate_lines", "fw_frac_short_lines")
# positions in DOC_COLUMNS (the nine repetition signals follow from REPEATS on)
(CURLY, LDNOOBW, LOREM, STOP_WORDS, SENTENCES, WORD_COUNT, MEAN_WORD_LENGTH, SYMBOLS, ELLIPSIS, NO_ALPHABETIC,
 UNIQUE, ENTROPY, ALL_CAPS, REPEATS) = range(14)

# the parts of the compiled pass whose processor cycles BatchSignals.cycles counts, in this order
PARTS = ("text preparation", "content", "natural language", "repetition", "lines", "minhash", "CCNet line dedup",
         "fineweb")


@dataclass
class BatchSignals:
    values: np.ndarray  # float64 [documents, DOC_COLUMNS]
    nulls: np.ndarray  # bool, same shape: the reference's None (the value is then NaN)
    line_offsets: np.ndarray  # int64 [documents + 1]: document i has lines line_offsets[i]:line_offsets[i + 1]
    line_ends: np.ndarray  # int64 [lines]: a line starts where the previous one of its document ends, or at 0
    line_values: np.ndarray  # float64 [LINE_COLUMNS, lines]
    signatures: np.ndarray  # uint32 [documents, 128]
    has_signature: np.ndarray  # bool [documents]: False below 13 normalised words
    ccnet: np.ndarray  # float64 [documents, CCNET_COLUMNS]
    fineweb: np.ndarray  # float64 [documents, FINEWEB_COLUMNS]
    fineweb_nulls: np.ndarray  # bool, same shape (the value is then NaN)
    cycles: np.ndarray  # int64 [PARTS]: processor cycles each part took over the batch (for the benchmark)


@dataclass(frozen=True)
class _Language:
    stop_words: WordSet
    bad_words: WordSet
    bad_first_words: WordSet  # first words of the multi-word entries
    bad_sizes: np.ndarray  # int64: the entries' numbers of words
    has_stop_words: bool
    has_bad_words: bool


_codepoints = Codepoints()


@lru_cache(maxsize=64)
def _language(stop_words: frozenset[str] | None, bad_words: frozenset[str] | None) -> _Language:
    entries = bad_words or frozenset()
    return _Language(
        word_set(stop_words or ()), word_set(entries),
        word_set({entry.split(" ")[0] for entry in entries if " " in entry}),
        np.array(sorted({1 + entry.count(" ") for entry in entries}), dtype=np.int64),
        stop_words is not None, bad_words is not None)


def model_free_signals(data: np.ndarray, offsets: np.ndarray, languages: list[str | None],
                       artifacts: Artifacts) -> BatchSignals:
    """The signals of the texts data[offsets[i]:offsets[i + 1]] (UTF-8) in `languages`."""
    data = np.asarray(data, dtype=np.uint8).view()
    data.flags.writeable = False  # as Arrow's buffers are: one compiled version of the kernel serves both
    offsets = np.ascontiguousarray(offsets, dtype=np.int64)
    count = len(offsets) - 1
    _codepoints.learn(unknown_codepoints(data[offsets[0]:offsets[-1]], _codepoints.tables.flags))
    tables = _codepoints.tables
    line_offsets = np.zeros(count + 1, dtype=np.int64)
    line_offsets[1:] = np.cumsum(_line_counts(data, offsets))
    out = BatchSignals(np.full((count, len(DOC_COLUMNS)), np.nan), np.zeros((count, len(DOC_COLUMNS)), dtype=bool),
                       line_offsets, np.zeros(line_offsets[-1], dtype=np.int64),
                       np.full((len(LINE_COLUMNS), line_offsets[-1]), np.nan),
                       np.zeros((count, NUM_PERM), dtype=np.uint32), np.zeros(count, dtype=bool),
                       np.zeros((count, len(CCNET_COLUMNS))), np.full((count, len(FINEWEB_COLUMNS)), np.nan),
                       np.zeros((count, len(FINEWEB_COLUMNS)), dtype=bool), np.zeros(len(PARTS), dtype=np.int64))
    codes = np.array([language or "" for language in languages])
    for code in np.unique(codes):
        documents = np.flatnonzero(codes == code)
        language = _language(artifacts.stop_words(code or None), artifacts.bad_words(code or None))
        _score(data, offsets, documents, tables, language.stop_words,
               language.has_stop_words, language.bad_words, language.bad_first_words, language.bad_sizes,
               language.has_bad_words, *PERMUTATIONS, out.values, out.nulls, out.line_offsets, out.line_ends,
               out.line_values, out.signatures, out.has_signature, out.ccnet, out.fineweb, out.fineweb_nulls,
               out.cycles)
    return out


def compiled_pass_cached() -> bool:
    """Whether this machine's disk cache holds the compiled pass: if not, its first run compiles it (for the time
    docs/benchmarks.md gives)."""
    return is_cached(_score)


def _line_counts(data: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """Lines of each text: one per \\n (a byte that only ever means \\n in UTF-8), plus an unterminated last one."""
    counts = np.diff(np.searchsorted(np.flatnonzero(data == 10), offsets))
    nonempty = np.diff(offsets) > 0
    counts[nonempty] += data[offsets[1:][nonempty] - 1] != 10
    return counts


@compiled
def _score(data, offsets, documents, tables: Tables, stop_words, has_stop_words, bad_words, bad_first_words,
           bad_sizes, has_bad_words, a, b, values, nulls, line_offsets, out_line_ends, line_values, signatures,
           has_signature, ccnet, fineweb, fineweb_nulls, cycles) -> None:
    """Every signal of the given documents into the output arrays (one language: one set of word lists)."""
    for d in documents:
        started = cycle_counter()
        raw = decode_utf8(data, offsets[d], offsets[d + 1])
        normalized, word_starts, word_ends, word_lines = normalize(
            raw, tables.flags, tables.combining, tables.fold_start, tables.fold_length, tables.fold_data)
        ends = line_ends(raw)
        first_line = line_offsets[d]
        out_line_ends[first_line:first_line + len(ends)] = ends
        token_starts, token_ends, token_hashes, token_letters, token_uppers = raw_tokens(raw, tables.flags)
        word_hashes = slice_hashes(normalized, word_starts, word_ends)
        ids, distinct = word_ids(normalized, word_starts, word_ends, word_hashes)
        lengths = word_ends - word_starts
        row = values[d]
        started = _count(cycles, 0, started)

        row[CURLY] = curly_bracket(raw)
        if not has_bad_words:
            nulls[d, LDNOOBW] = True
        elif len(normalized):
            row[LDNOOBW] = ldnoobw_words(normalized, word_starts, word_ends, word_hashes, bad_sizes, bad_words,
                                         bad_first_words)
        else:
            row[LDNOOBW] = 0.0
        row[LOREM] = lorem_ipsum(normalized, tables.lorem_ipsum)
        if has_stop_words:
            row[STOP_WORDS] = stop_word_fraction(raw, token_starts, token_ends, token_hashes, len(ids), stop_words)
        else:
            nulls[d, STOP_WORDS] = True
        started = _count(cycles, 1, started)

        row[SENTENCES] = num_sentences(raw, tables.flags)
        row[WORD_COUNT] = len(ids)
        row[MEAN_WORD_LENGTH], row[UNIQUE], row[ENTROPY] = word_statistics(ids, distinct, lengths)
        row[SYMBOLS] = symbol_to_word_ratio(raw, len(token_starts))
        row[NO_ALPHABETIC], row[ALL_CAPS] = token_fractions(token_letters, token_uppers)
        row[ELLIPSIS] = frac_lines_end_with_ellipsis(raw, ends, tables.flags)
        for column in (MEAN_WORD_LENGTH, UNIQUE, ENTROPY):
            nulls[d, column] = len(ids) == 0
        for column in (SYMBOLS, NO_ALPHABETIC, ALL_CAPS):
            nulls[d, column] = len(token_starts) == 0
        nulls[d, ELLIPSIS] = len(ends) == 0
        started = _count(cycles, 2, started)

        row[REPEATS:] = repetition_signals(ids, distinct, lengths)
        started = _count(cycles, 3, started)

        line_signals(raw, ends, tables.flags, normalized, word_starts, word_ends, word_lines,
                     line_values[:, first_line:first_line + len(ends)])
        started = _count(cycles, 4, started)

        if len(ids) >= 13:
            utf8, byte_offsets = encode_utf8(normalized)
            has_signature[d] = signature(utf8, byte_offsets[word_starts], byte_offsets[word_ends], a, b,
                                         signatures[d])
        started = _count(cycles, 5, started)

        ccnet_lengths(raw, tables.flags, tables.lower_start, tables.lower_length, tables.lower_data, ccnet[d])
        started = _count(cycles, 6, started)

        fineweb_signals(raw, tables.flags, fineweb[d], fineweb_nulls[d])
        _count(cycles, 7, started)


@compiled
def _count(cycles: np.ndarray, part: int, started: int) -> int:
    """Add the cycles since `started` to the part's count; returns the counter now."""
    now = cycle_counter()
    cycles[part] += now - started
    return now
