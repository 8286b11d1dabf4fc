"""Scanned volumes built by the tests, shaped like Institutional Books 1.0 (its field names, from the dataset card,
https://huggingface.co/datasets/institutional/institutional-books-1.0): paragraphs of made-up words printed into
lines and pages with running headers, page numbers and words hyphenated at line ends, and the truth planted."""

import json
import random
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

WIDTH = 64  # characters of a printed line
PAGE_LINES = 12  # printed lines of a page, under its running header


@dataclass
class Volume:
    """One volume's row and what the generator planted in it."""

    row: dict
    paragraphs: list[str]
    hyphenated: int = 0  # words the printer broke at a line's end
    fate: str = "kept"  # kept, or the reason the reader must drop it


def printed(text: str) -> tuple[list[str], int]:
    """A paragraph set into printed lines, words broken with a hyphen where they would overrun (at least three
    letters on each side); the lines and how many words were broken."""
    lines, line, broken = [], "", 0
    for word in text.split():
        room = WIDTH - len(line) - (1 if line else 0)
        if len(word) <= room:
            line = f"{line} {word}" if line else word
        elif len(word) >= 6 and room >= 4:
            cut = min(room - 1, len(word) - 3)
            lines.append(f"{line} {word[:cut]}-" if line else f"{word[:cut]}-")
            line, broken = word[cut:], broken + 1
        else:
            lines.append(line)
            line = word
    return lines + [line], broken


def pages(lines: list[str], title: str, chapter: str, footer_numbers: bool) -> list[str]:
    """Printed lines cut into pages, each headed by the book's title (left pages) or the chapter's (right pages)
    with the page number, or with the number alone at the foot."""
    out = []
    for index in range(0, len(lines), PAGE_LINES):
        number = index // PAGE_LINES + 1
        body = lines[index:index + PAGE_LINES]
        if footer_numbers:
            header, footer = (title if number % 2 == 0 else chapter), [f"- {number} -"]
        else:
            header, footer = (f"{number}    {title}" if number % 2 == 0 else f"{chapter}    {number}"), []
        out.append("\n".join([header, "", *body, *footer]) + "\n")
    return out


def words(rng: random.Random, count: int) -> list[str]:
    return ["".join(rng.choice("aeioubcdfghklmnprstvz") for _ in range(rng.randint(2, 11))) for _ in range(count)]


def sentence(rng: random.Random) -> str:
    text = " ".join(words(rng, rng.randint(5, 16)))
    return text[0].upper() + text[1:] + rng.choice(".....?!")


def volume(rng: random.Random, barcode: str, rights: str | None, date1: str, fate: str = "kept",
           paragraphs: int = 20, footer_numbers: bool = False, ocr_score: int | None = None) -> Volume:
    """A volume of `paragraphs` planted paragraphs, printed into pages; `rights` None has no HathiTrust record."""
    planted, lines, broken = [], [], 0
    for _ in range(paragraphs):
        text = " ".join(sentence(rng) for _ in range(rng.randint(2, 5)))
        while len(printed(text)[0][-1]) >= 0.6 * WIDTH:  # a paragraph's last line shows its end by being short
            text += " " + sentence(rng)
        planted.append(text)
        text_lines, text_broken = printed(text)
        lines, broken = lines + text_lines, broken + text_broken
    title = " ".join(words(rng, 3)).upper()
    scans = pages(lines, title, "CHAPTER THE FIRST.", footer_numbers)
    row = {
        "barcode_src": barcode,
        "title_src": title.title(),
        "author_src": " ".join(words(rng, 2)).title(),
        "date1_src": date1,
        "date2_src": "    ",
        "date_types_src": "s",
        "language_src": "eng",
        "page_count_src": len(scans),
        "ocr_score_src": rng.randint(40, 100) if ocr_score is None else ocr_score,
        "hathitrust_data_ext": None if rights is None else {
            "url": f"https://hdl.handle.net/2027/hvd.{barcode.lower()}", "rights_code": rights,
            "reason_code": "bib", "last_check": "2025-01-15"},
        "text_by_page_src": scans,
    }
    return Volume(row, planted, broken, fate)


def collection(seed: int = 7) -> list[Volume]:
    """Volumes of every fate the books reader tells apart, under the default public-domain rule (HathiTrust's
    `pd` and `pdus` codes; without a rights record, published before 1931)."""
    rng = random.Random(seed)
    return [
        volume(rng, "HX1A", "pd", "1851"),
        volume(rng, "HX2B", "pdus", "1925", footer_numbers=True),
        volume(rng, "HX3C", None, "18uu"),  # unknown decade: read as 1899 at the latest
        volume(rng, "HX4D", "ic", "1880", fate="rights_not_public_domain"),  # the rights record outranks the year
        volume(rng, "HX5E", None, "1950", fate="year_not_public_domain"),
        volume(rng, "HX6F", None, "uuuu", fate="no_rights_or_year"),
        volume(rng, "HX7G", "pd", "1802", fate="empty_volume", paragraphs=0),
    ]


def write_parquet(volumes: list[Volume], path: Path) -> Path:
    pq.write_table(pa.Table.from_pylist([v.row for v in volumes]), path)
    return path


def write_jsonl(volumes: list[Volume], path: Path, extra_lines: tuple[str, ...] = ()) -> Path:
    path.write_text("".join(json.dumps(v.row) + "\n" for v in volumes) + "".join(extra_lines), encoding="utf-8")
    return path
