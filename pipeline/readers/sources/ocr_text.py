"""A scanned volume's OCR pages as one text: running headers, footers and page numbers out, words hyphenated at a
line's end joined, paragraphs rebuilt from the printed lines."""

import re
import statistics
from collections import Counter

MIN_REPEATS = 3  # a page's top or bottom line seen on this many pages is a running header, footer or page number
EDGE_LINES = 2  # lines looked at on each edge of a page: a running header and a page number under it
# A line that ends a sentence and is shorter than this share of the volume's usual line ends its paragraph:
# the printed line was not full, so the next line begins a new one.
SHORT_LINE = 0.75

_HYPHENS = "-\u00ad\u00ac"  # hyphen-minus, soft hyphen, and the not sign OCR reads hyphens as
_HYPHENATED = re.compile(rf"[^\W\d_][{_HYPHENS}]$")  # a letter, then the hyphen: a word broken at the line's end
_COMPOUND = re.compile(r"[^\W_]-$")  # "Austro-" over "Hungarian", "1848-" over "1849": the hyphen is the word's
_SENTENCE_END = re.compile(r"[.!?:][\"'\u201d\u2019)\]]*$")
_NUMBER = re.compile(r"\d+")
_ROMAN = re.compile(r"\b[ivxlcdm]{1,7}\b")  # lower-case roman page numbers, as front matter has them


def volume_text(pages: list[str], min_repeats: int = MIN_REPEATS) -> str:
    """The text of a volume from its pages' OCR text: paragraphs separated by a blank line."""
    lines = [line for page in without_running_lines(pages, min_repeats) for line in page]
    return "\n\n".join(paragraphs(lines))


def without_running_lines(pages: list[str], min_repeats: int = MIN_REPEATS) -> list[list[str]]:
    """Each page's lines, trimmed of blank edges and of the edge lines that recur across pages once numbers are
    set aside (running headers and footers, page numbers)."""
    trimmed = [_trim_blank(page.splitlines()) for page in pages]
    seen = Counter(key for lines in trimmed for key in {_key(line) for line in _edges(lines)})
    running = {key for key, count in seen.items() if count >= min_repeats}
    out = []
    for lines in trimmed:
        start, end = 0, len(lines)
        while start < min(EDGE_LINES, end) and _key(lines[start]) in running:
            start += 1
        while end > max(start, len(lines) - EDGE_LINES) and _key(lines[end - 1]) in running:
            end -= 1
        out.append(_trim_blank(lines[start:end]))
    return out


def paragraphs(lines: list[str]) -> list[str]:
    """Printed lines rebuilt into paragraphs: a blank line, or a short line that ends a sentence, ends one. A word
    hyphenated at a line's end is joined without its hyphen when the next line goes on in lower case, and with it
    when the next goes on with a capital or a digit (a compound, a range)."""
    widths = [len(line.strip()) for line in lines if line.strip()]
    short = SHORT_LINE * statistics.median(widths) if widths else 0
    out: list[str] = []
    current = ""
    for raw in lines:
        line = " ".join(raw.split())
        if not line:
            out, current = _flush(out, current)
            continue
        if current and _HYPHENATED.search(current) and line[0].islower():
            current = current[:-1] + line
        elif current and _COMPOUND.search(current):
            current += line
        else:
            current = f"{current} {line}" if current else line
        if _SENTENCE_END.search(line) and len(line) < short:
            out, current = _flush(out, current)
    return _flush(out, current)[0]


def _flush(out: list[str], current: str) -> tuple[list[str], str]:
    return (out + [current] if current else out), ""


def _key(line: str) -> str:
    """A line as it recurs on every page: numbers (arabic, and lower-case roman) set aside, case and spacing not.
    Upper-case roman numerals stay: "CHAPTER IV." heads one page, not every page."""
    return _NUMBER.sub("#", _ROMAN.sub("#", " ".join(line.split()))).casefold()


def _edges(lines: list[str]) -> list[str]:
    return lines[:EDGE_LINES] + lines[max(EDGE_LINES, len(lines) - EDGE_LINES):]


def _trim_blank(lines: list[str]) -> list[str]:
    start, end = 0, len(lines)
    while start < end and not lines[start].strip():
        start += 1
    while end > start and not lines[end - 1].strip():
        end -= 1
    return lines[start:end]
