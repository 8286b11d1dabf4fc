"""Segmentation: the skeleton kept byte for byte, only sentences with letters translated, long ones cut to fit."""

import gzip
import json
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from translate.segment import segment


def words(text: str) -> int:
    return len(text.split())


@settings(max_examples=300, deadline=None)
@given(st.text(), st.integers(1, 12), st.sampled_from([words, len]), st.sampled_from(["en", "de", "ja", "xx"]))
def test_any_text_comes_back_byte_for_byte_and_every_segment_fits(text, max_tokens, count, language):
    cut = segment(text, language, max_tokens, count)
    assert cut.rebuild(cut.segments) == text
    assert all(re.search(r"[^\W\d_]", piece) for piece in cut.segments)
    if count is len:  # a character fits any limit; a word over the limit is cut between characters
        assert all(len(piece) <= max_tokens for piece in cut.segments)


def test_structure_stays_in_the_skeleton():
    heads = ["", "  ", "- ", "  * ", "1. ", "12) ", "(3) ", "## ", "\t"]
    lines = [f"{head}Sentence number {i} is here. And a second one follows!" for i, head in enumerate(heads)]
    table = ["| Name | Value |", "|------|-------|", "| Pi   | 3.14  |"]
    text = "\n".join(lines) + "\n\n" + "\r\n".join(table) + "\n"
    cut = segment(text, "en", 50, words)
    marked = cut.rebuild(["@"] * len(cut.segments))
    expected = "\n".join(f"{head}@ @" for head in heads) + "\n\n" + "\r\n".join(
        ["| @ | @ |", "|------|-------|", "| @   | 3.14  |"]) + "\n"
    assert marked == expected


def test_pieces_without_letters_and_bare_addresses_are_not_translated():
    text = "3.14 + 2 = 5.14\nhttps://example.org/a?b=1\nwww.example.org\nmail@example.org\n---\nSee the page."
    assert segment(text, "en", 50, words).segments == ["See the page."]


def test_a_long_sentence_is_cut_at_clauses_then_words():
    clauses = ["one two three four,", "five six seven;", "eight nine ten eleven twelve thirteen fourteen."]
    cut = segment(" ".join(clauses), "en", 5, words)
    assert cut.segments == [clauses[0], clauses[1], "eight nine ten eleven twelve", "thirteen fourteen."]
    merged = segment(" ".join(clauses), "en", 7, words)
    assert merged.segments[0] == " ".join(clauses[:2])  # 4 + 3 words: neighbouring clauses join while they fit


def test_sentences_are_split_per_language():
    text = "Dr. Smith arrived. He sat down."
    assert segment(text, "en", 50, words).segments == ["Dr. Smith arrived.", "He sat down."]


def test_real_web_pages_come_back_byte_for_byte(shared_data):
    """The cc_net pages of dolma's test data (English web text, as FineWeb-Edu's): every page rebuilt exactly."""
    pages = []
    for name in ("dolma-cc_en_head-0091.jsonl.gz", "dolma-cc_en_head-0174.jsonl.gz"):
        with gzip.open(shared_data / "cc" / name, "rt", encoding="utf-8") as lines:
            pages += [json.loads(line)["text"] for line in lines]
    for page in pages:
        cut = segment(page, "en", 40, words)
        assert cut.rebuild(cut.segments) == page
        assert all(words(piece) <= 40 for piece in cut.segments)
        assert cut.rebuild([""] * len(cut.segments)).count("\n") == page.count("\n")
