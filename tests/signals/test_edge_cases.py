"""Edge cases of the model-free signals: what the reference (RedPajama-Data app/src/core/quality_signals/,
6d2cee9) returns for them when run."""


from signals.registry import compute_signals

NONE_WHEN_EMPTY = ["rps_doc_frac_all_caps_words", "rps_doc_frac_no_alph_words", "rps_doc_frac_unique_words",
                   "rps_doc_mean_word_length", "rps_doc_symbol_to_word_ratio", "rps_doc_unigram_entropy"]
ZERO_WHEN_EMPTY = ["rps_doc_curly_bracket", "rps_doc_lorem_ipsum", "rps_doc_stop_word_fraction",
                   "rps_doc_ldnoobw_words", "rps_doc_num_sentences", "rps_doc_frac_chars_top_2gram",
                   "rps_doc_frac_chars_dupe_5grams", "rps_doc_frac_chars_dupe_10grams"]


def signals(text, artifacts, language="en"):
    return {name: spans for name, spans in compute_signals(text, language, artifacts).items()}


def test_empty_document(artifacts):
    got = signals("", artifacts)
    assert all(got[name] == [[0, 0, 0.0]] for name in ZERO_WHEN_EMPTY)
    assert all(got[name] == [[0, 0, None]] for name in NONE_WHEN_EMPTY + ["rps_doc_frac_lines_end_with_ellipsis"])
    assert got["rps_doc_word_count"] == [[0, 0, 0]]
    assert got["rps_lines_num_words"] == [] and got["rps_lines_uppercase_letter_fraction"] == []
    assert got["rps_lines_start_with_bulletpoint"] == [[0, 0, None]]


def test_whitespace_only_document(artifacts):
    got = signals("   \n\n  \n", artifacts)
    assert [span[:2] for span in got["rps_lines_num_words"]] == [[0, 4], [4, 5], [5, 8]]
    assert got["rps_doc_frac_lines_end_with_ellipsis"] == [[0, 8, 0.0]]
    assert got["rps_doc_word_count"] == [[0, 8, 0]]
    assert got["rps_doc_mean_word_length"] == [[0, 8, None]]


def test_crlf_lines_keep_the_carriage_return(artifacts):
    got = signals("THE END.\r\nok\r\n", artifacts)
    assert got["rps_lines_ending_with_terminal_punctution_mark"] == [[0, 10, 1.0], [10, 14, 0.0]]
    assert got["rps_lines_uppercase_letter_fraction"][0] == [0, 10, 0.6]  # 6 capitals over 10 characters


def test_unicode_punctuation_and_ascii_only_letters(artifacts):
    got = signals("Hello, world.", artifacts)
    assert got["rps_doc_frac_no_alph_words"] == [[0, 13, 0.5]]
    assert signals("Привет мир, hello", artifacts)["rps_doc_frac_no_alph_words"] == [[0, 17, 0.75]]
    assert signals("café naïve", artifacts)["rps_doc_mean_word_length"] == [[0, 10, 5.5]]  # NFD lengths
    assert signals("Is this it… Yes”\n", artifacts)["rps_lines_ending_with_terminal_punctution_mark"] == [
        [0, 17, 1.0]]


def test_missing_word_list_gives_null_not_a_crash(artifacts):
    got = signals("Ein ganz normaler Satz mit einigen Wörtern.", artifacts, language="xx")
    assert got["rps_doc_stop_word_fraction"][0][2] is None
    assert got["rps_doc_ldnoobw_words"][0][2] is None


def test_word_list_signals_are_null_without_a_language_even_for_the_empty_text(artifacts):
    for text in ("", "Some words."):
        got = signals(text, artifacts, language=None)
        assert got["rps_doc_stop_word_fraction"] == [[0, len(text), None]]
        assert got["rps_doc_ldnoobw_words"] == [[0, len(text), None]]
