"""RedPajama-V2's published layout: where its files lie, how it names documents, and what its records hold.

Source: the published data (data.together.xyz/redpajama-data-v2/v1.0.0, laid out as the dataset card
huggingface.co/datasets/togethercomputer/RedPajama-Data-V2 describes) and the reference's writer: RedPajama-Data
app/src/core/worker.py, app/src/core/schema/rp.py, app/src/utilities/io/reader.py (6d2cee9)."""

import hashlib
import posixpath
import re

import pyarrow as pa

from signals.minhash import SIGNATURE_COLUMNS

# The 45 `quality_signals` keys in the order the reference's worker writes them: the CCNet fields, then each
# family in the order the worker registers it (content, repetitions, natural language, lines, classifiers,
# importance weights); inside a family, `inspect.getmembers` sorts the signal classes by class name
# (`RPS_Doc_LDNOOBW_Words` before `RPS_Doc_Lorem_Ipsum`, `RPS_Lines_Num_Words` before `RPS_Lines_Numerical_...`).
QUALITY_SIGNALS = (
    "ccnet_length", "ccnet_original_length", "ccnet_nlines", "ccnet_original_nlines", "ccnet_language_score",
    "ccnet_perplexity", "ccnet_bucket",
    "rps_doc_curly_bracket", "rps_doc_ldnoobw_words", "rps_doc_lorem_ipsum", "rps_doc_stop_word_fraction",
    "rps_doc_ut1_blacklist",
    "rps_doc_frac_chars_dupe_10grams", "rps_doc_frac_chars_dupe_5grams", "rps_doc_frac_chars_dupe_6grams",
    "rps_doc_frac_chars_dupe_7grams", "rps_doc_frac_chars_dupe_8grams", "rps_doc_frac_chars_dupe_9grams",
    "rps_doc_frac_chars_top_2gram", "rps_doc_frac_chars_top_3gram", "rps_doc_frac_chars_top_4gram",
    "rps_doc_frac_all_caps_words", "rps_doc_frac_lines_end_with_ellipsis", "rps_doc_frac_no_alph_words",
    "rps_doc_frac_unique_words", "rps_doc_mean_word_length", "rps_doc_num_sentences",
    "rps_doc_symbol_to_word_ratio", "rps_doc_unigram_entropy", "rps_doc_word_count",
    "rps_lines_ending_with_terminal_punctution_mark", "rps_lines_javascript_counts", "rps_lines_num_words",
    "rps_lines_numerical_chars_fraction", "rps_lines_start_with_bulletpoint", "rps_lines_uppercase_letter_fraction",
    "rps_doc_ml_palm_score", "rps_doc_ml_wikipedia_score", "rps_doc_ml_wikiref_score",
    "rps_doc_books_importance", "rps_doc_books_importance_length_correction", "rps_doc_openwebtext_importance",
    "rps_doc_openwebtext_importance_length_correction", "rps_doc_wikipedia_importance",
    "rps_doc_wikipedia_importance_length_correction",
)

MINHASH_SCHEMA = pa.schema(
    [("shard_id", pa.string()), ("id", pa.string()), ("id_int", pa.uint64())]
    + [(name, pa.list_(pa.binary())) for name in SIGNATURE_COLUMNS]
)

BUCKETS = ("head", "middle", "tail")
SIGNALS_BUCKETS = ("head", "middle")  # signals, MinHash and duplicates are published for these only
SNAPSHOT = re.compile(r"\b\d{4}-\d{2}\b")  # as the worker finds the snapshot in a path

# kind -> (folder, suffix) of a shard's files
FILES = {
    "documents": ("documents", ".json.gz"),
    "quality_signals": ("quality_signals", ".signals.json.gz"),
    "minhash": ("minhash", ".minhash.parquet"),
    "duplicates": ("duplicates", ".duplicates.parquet"),
}


def shard_file(root: str, kind: str, shard: str) -> str:
    """The file of one kind for a shard `<snapshot>/<shard>/<lang>_<bucket>` under a root (path or URL)."""
    folder, suffix = FILES[kind]
    return posixpath.join(root.rstrip("/"), folder, shard + suffix)


def listing_file(root: str, language: str, snapshot: str, partition: str) -> str:
    """`listings/<lang>-<snapshot>-<head_middle|tail>.txt` under a root."""
    return posixpath.join(root.rstrip("/"), "listings", f"{language}-{snapshot}-{partition}.txt")


def document_id(shard: str, index: int) -> str:
    """`<snapshot>/<shard>/<lang>_<bucket>.json.gz/<line index>`; the index counts lines that fail to decode."""
    return f"{shard}.json.gz/{index}"


def id_int(doc_id: str) -> int:
    """The first 8 bytes of the id's SHA-1 as a little-endian uint64 (the reference uses x86's byte order)."""
    return int.from_bytes(hashlib.sha1(doc_id.encode("utf-8")).digest()[:8], "little")


def snapshot_id(crawl: str | None) -> str | None:
    """`2023-06` from `2023-06` or `CC-MAIN-2023-06`; another name is kept as it is."""
    if crawl is None:
        return None
    found = SNAPSHOT.search(crawl)
    return found.group(0) if found else crawl
