import random

from pipeline.readers.sources.ocr_text import paragraphs, volume_text, without_running_lines
from tests.helpers.books import collection, volume


def test_a_printed_volume_comes_back_as_the_paragraphs_planted_in_it():
    volumes = [v for v in collection() if v.paragraphs]
    assert sum(v.hyphenated for v in volumes) > 20  # the fixture breaks words, across pages too
    for v in volumes:
        assert volume_text(v.row["text_by_page_src"]) == "\n\n".join(v.paragraphs), v.row["barcode_src"]


def test_running_headers_and_page_numbers_go_but_every_body_line_stays():
    v = volume(random.Random(3), "HX9Z", "pd", "1850", paragraphs=20, footer_numbers=True)
    pages = v.row["text_by_page_src"]
    kept = without_running_lines(pages)
    for page, lines in zip(pages, kept, strict=True):
        header, blank, *body, footer = page.splitlines()
        assert lines == body and footer.startswith("- ") and not blank


def test_a_header_on_fewer_pages_than_the_threshold_is_text():
    pages = ["HEADER\nfirst page text.", "HEADER\nsecond page text."]
    assert without_running_lines(pages) == [["HEADER", "first page text."], ["HEADER", "second page text."]]
    assert without_running_lines(pages, min_repeats=2) == [["first page text."], ["second page text."]]


def test_chapter_openings_are_not_taken_for_running_headers():
    pages = [f"CHAPTER {numeral}.\nThe chapter begins here and goes on." for numeral in ("I", "II", "III", "IV")]
    assert [lines[0] for lines in without_running_lines(pages)] == ["CHAPTER I.", "CHAPTER II.", "CHAPTER III.",
                                                                    "CHAPTER IV."]


def test_a_hyphen_before_a_capital_or_a_number_stays_and_joins():
    lines = ["The Austro-", "Hungarian army of the year 1850 marched north in a long column of", "men in 1848-",
             "1849 and more of the same words to fill the printed line up, a dash -", "and the end."]
    assert paragraphs(lines) == [lines[0] + lines[1] + " " + lines[2] + lines[3] + " " + lines[4]]
