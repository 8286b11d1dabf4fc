"""The shared text primitives, on examples whose values the reference gives (RedPajama-Data
app/src/utilities/text/normalization.py, app/src/core/document.py, 6d2cee9)."""

from signals.text import line_spans, normalize, normalized_words, raw_words


def test_normalisation_keeps_unicode_punctuation_and_applies_nfd_last():
    assert normalize("“Hello” — World…") == "“hello” — world…"
    assert normalized_words("don't e-mail") == ["dont", "email"]
    assert [len(w) for w in normalized_words("café naïve")] == [5, 6]  # é and ï decompose into two code points
    assert normalize("  a\t\tb \n\n c  ") == "a b c"


def test_raw_words_are_wordpunct_tokens():
    assert raw_words("Hello, world.") == ["Hello", ",", "world", "."]
    assert raw_words("don't") == ["don", "'", "t"]


def test_lines_keep_their_newline_and_empty_lines():
    assert line_spans("   \n\n  \n") == [(0, 4), (4, 5), (5, 8)]
    assert line_spans("") == []
    assert line_spans("one line") == [(0, 8)]
    assert line_spans("a\r\nb") == [(0, 3), (3, 4)]  # only \n splits; \r stays in the line
