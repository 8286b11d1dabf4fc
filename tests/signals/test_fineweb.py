"""FineWeb's three line heuristics: their definition on edge cases and real pages, and the compiled pass equal to
the readable signals."""

import json

import pytest

from signals.document import Document
from signals.fast.batch import FINEWEB_COLUMNS, model_free_signals
from signals.registry import FINEWEB
from tests.helpers.paths import SHARED
from tests.helpers.signal_documents import generated_documents, parity_and_edge_documents, text_batch

PUNCTUATION, DUPLICATES, SHORT = FINEWEB_COLUMNS


def fineweb(text: str) -> dict:
    return {name: signal(Document(text), None)[0][2] for name, signal in FINEWEB.items()}


def test_the_empty_text_and_newlines_only():
    assert fineweb("") == {PUNCTUATION: 0.0, DUPLICATES: None, SHORT: 1.0}  # one empty line, nothing to divide by
    assert fineweb("\n\n")[DUPLICATES] is None
    assert fineweb(" \t")[DUPLICATES] == 0.0  # blank lines are never duplicates, but their spaces count


def test_blank_lines_count_as_lines_but_never_as_duplicates():
    text = "First sentence here.\n\n\nSecond sentence here.\n\n"
    values = fineweb(text)
    assert values[PUNCTUATION] == 2 / 6  # split("\n"): two sentences, four empty lines (one after the last \n)
    assert values[SHORT] == 1.0
    assert values[DUPLICATES] == 0.0


def test_duplicate_lines_count_every_repetition_after_the_first():
    line = "Click here to subscribe"
    text = f"{line}\nSomething else entirely.\n{line}\n{line}"
    assert fineweb(text)[DUPLICATES] == 2 * len(line) / (len(text) - text.count("\n"))
    assert fineweb(f"{line}\n{line} ")[DUPLICATES] == 0.0  # a trailing space makes another line


def test_crlf_keeps_the_carriage_return_in_the_line():
    values = fineweb("One sentence.\r\nAnother one!\r\n")
    assert values[PUNCTUATION] == 0.0  # the lines end in "\r", as in datatrove's split("\n")
    assert fineweb("One sentence.\nAnother one!")[PUNCTUATION] == 1.0


def test_only_the_five_stop_characters_end_a_line():
    assert fineweb("He said \"yes\"\nit's 'quoted'\nreally?\nyes!\nend.")[PUNCTUATION] == 1.0
    for other in ("。", "！", "…", "”", ";", ":", ". "):
        assert fineweb(f"A line ending in{other}")[PUNCTUATION] == 0.0, other


def test_short_lines_are_measured_in_code_points():
    assert fineweb("é" * 30)[SHORT] == 1.0  # 60 bytes of UTF-8, 30 characters
    assert fineweb("😀" * 31)[SHORT] == 0.0


@pytest.fixture(scope="module")
def pages() -> list[str]:
    path = SHARED / "parity" / "public.jsonl"
    if not path.exists():
        pytest.skip(f"{path} is absent (it ships beside the repository in CI)")
    return [row["text"] for row in map(json.loads, path.open())]


def test_a_real_page_repeated_is_the_second_copy_duplicated(pages):
    """split("\\n") of `page + "\\n" + page` is the page's lines twice: the fractions of lines stay, and every
    non-blank line of the second copy is a duplicate."""
    for page in pages[:50]:
        once, twice = fineweb(page), fineweb(page + "\n" + page)
        characters = len(page) - page.count("\n")
        non_blank = sum(len(line) for line in page.split("\n") if line.strip())
        assert twice[PUNCTUATION] == once[PUNCTUATION] and twice[SHORT] == once[SHORT]
        assert twice[DUPLICATES] == pytest.approx((once[DUPLICATES] * characters + non_blank) / (2 * characters))


def test_real_pages_span_the_thresholds(pages):
    """The parity pages fall on both sides of each of FineWeb's thresholds (recipes/fineweb.yaml)."""
    values = [fineweb(page) for page in pages]
    assert any(v[PUNCTUATION] <= 0.12 for v in values) and any(v[PUNCTUATION] > 0.12 for v in values)
    assert any(v[DUPLICATES] >= 0.1 for v in values) and any(v[DUPLICATES] < 0.1 for v in values)
    assert any(v[SHORT] >= 0.67 for v in values) and any(v[SHORT] < 0.67 for v in values)


def _mismatches(documents, artifacts) -> list:
    got = model_free_signals(*text_batch(documents), artifacts)
    found = []
    for i, (text, _) in enumerate(documents):
        expected = fineweb(text)
        for column, name in enumerate(FINEWEB_COLUMNS):
            value = None if got.fineweb_nulls[i, column] else float(got.fineweb[i, column])
            if value != expected[name]:
                found.append((text[:40], name, value, expected[name]))
    return found


EDGE_CASES = ["", "\n", "\n\n\n", " \n\t\n\u3000", "x", "x\n", "a.\r\nb.\r\n", "same\nsame\n same\nsame ",
              "\u2028line\u2029separators\x85are not newlines.", "\u00a0\n\u00a0\nnbsp", "😀\n😀\n" * 40,
              "One sentence.\n\n\nOne sentence.\n", "\"quoted\"\n'single'\nbang!\nwhat?\n。\n…"]


def test_compiled_equals_readable_on_real_and_edge_documents(artifacts):
    documents = parity_and_edge_documents() + [(text, "en") for text in EDGE_CASES]
    assert _mismatches(documents, artifacts) == []


@pytest.mark.parametrize("seed", [1, 2])
def test_compiled_equals_readable_on_generated_documents(artifacts, seed):
    assert _mismatches(generated_documents(150, seed), artifacts) == []


def test_compiled_on_many_repeated_and_distinct_lines(artifacts):
    text = "\n".join(f"line {i % 700} of {i * 7 % 700}" for i in range(20000))
    assert _mismatches([(text, "en")], artifacts) == []


def test_compiled_columns_are_the_registry_signals():
    assert FINEWEB_COLUMNS == tuple(FINEWEB)
