"""Scanned books into documents, one per volume, from Parquet or JSON lines shaped like Institutional Books 1.0
(https://huggingface.co/datasets/institutional/institutional-books-1.0: a list of page texts, bibliographic
fields, an OCR quality score, HathiTrust's rights determination): the pages cleaned of their print furniture
(ocr_text.py), kept only when the rights or the year of publication say public domain (docs/sources.md, "Books").

Volumes are large (a book's text is a megabyte or so): Parquet is read a few rows at a time and only the columns
the reader uses (not the dataset's second, post-processed text), JSON lines a line at a time."""

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from functools import partial

from pydantic import BaseModel, ConfigDict, Field

from licenses.spdx import PUBLIC_DOMAIN
from pipeline.accounting import Stats
from pipeline.readers.sources.ocr_text import MIN_REPEATS, volume_text
from pipeline.readers.sources.rows import document
from pipeline.readers.sources.spec import Piece, Source
from pipeline.readers.sources.tabular import field_value, file_records
from pipeline.schema import OCR_SCORE

DERIVES_LICENSE = True  # public domain, for the volumes the rule keeps
SUFFIXES = (".parquet", ".jsonl", ".jsonl.gz", ".jsonl.zst", ".jsonl.bz2", ".json", ".ndjson")
EXTRA_COLUMNS = (OCR_SCORE,)
BATCH = 16  # volumes written at a time
# A MARC 008 date (https://www.loc.gov/marc/bibliographic/bd008a.html): four digits, `u` for those unknown
MARC_YEAR = re.compile(r"^[0-9u]{4}$")


class Fields(BaseModel):
    """Where a volume's parts are, as Institutional Books 1.0 names its fields (a dot reaches into a struct)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = "barcode_src"
    pages: str = "text_by_page_src"  # a list of the pages' OCR text
    title: str = "title_src"
    author: str = "author_src"
    years: list[str] = ["date1_src", "date2_src"]  # MARC 008 dates; the latest is the year of publication
    rights: str = "hathitrust_data_ext.rights_code"
    ocr_score: str = "ocr_score_src"
    url: str = "hathitrust_data_ext.url"
    language: str = "language_src"  # the catalogue's (ISO 639-3), kept in meta; lid.176 gives `language`


class PublicDomain(BaseModel):
    """Which volumes are public domain: by their rights value when they have one, else by their year."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    # HathiTrust's rights codes for public domain, worldwide and in the United States only
    # (https://www.hathitrust.org/the-collection/preservation/rights-database/)
    rights: list[str] = ["pd", "pdus"]
    # Works published in the United States before 1931 are in its public domain from 1 January 2026: their
    # copyright lasted 95 years at most (17 U.S.C. 304(b); https://guides.library.cornell.edu/copyright/publicdomain).
    # None: a volume without a rights value is dropped.
    before_year: int | None = 1931

    def judge(self, rights: object, year: int | None, rights_field: str) -> tuple[str | None, str | None]:
        """What makes a volume of these rights and year public domain, or else the reason it is dropped."""
        if rights not in (None, ""):
            if str(rights) in self.rights:
                return f"{rights_field} {rights}", None
            return None, "rights_not_public_domain"
        if year is None or self.before_year is None:
            return None, "no_rights_or_year"
        if year >= self.before_year:
            return None, "year_not_public_domain"
        return f"published {year}, before {self.before_year}", None

    def describe(self, fields: Fields) -> str:
        """The rule in words, as each document's meta records it for the dataset card."""
        rule = f"{fields.rights} in [{', '.join(self.rights)}]"
        if self.before_year is None:
            return f"{rule}; a volume without one is dropped"
        return f"{rule}; without one, published before {self.before_year}"


class Options(BaseModel):
    """The fields of a volume, the public-domain rule, and how often a running header must recur to go."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    fields: Fields = Fields()
    public_domain: PublicDomain = PublicDomain()
    min_repeats: int = Field(MIN_REPEATS, ge=2)


def documents(piece: Piece, source: Source, stats: Stats) -> Iterator[dict]:
    """The public-domain volumes of a file as documents; every volume read is counted."""
    options: Options = source.options
    with piece.open() as raw:
        _, records = file_records(raw, piece, stats, partial(_wanted, options.fields), BATCH)
        for record, provenance in records:
            row = _volume(record, provenance, piece, source, stats)
            if row is not None:
                yield row


def publication_year(values: list[object]) -> int | None:
    """The latest year of a volume's MARC dates, reading an unknown digit as 9 (`18uu` at the latest 1899);
    None when there is none, or one is `9999` (a work still being published, or no digit known)."""
    years = []
    for value in values:
        text = str(value).strip() if value is not None else ""
        if MARC_YEAR.match(text) and text != "0000":
            years.append(int(text.replace("u", "9")))
    return None if not years or 9999 in years else max(years)


def _wanted(fields: Fields, names: list[str]) -> list[str]:
    """The columns of a Parquet file the reader uses (not the dataset's second, post-processed text)."""
    wanted = {path.split(".")[0] for path in [*fields.model_dump(exclude={"years"}).values(), *fields.years]}
    return [name for name in names if name in wanted]


def _volume(record: dict, provenance: dict, piece: Piece, source: Source, stats: Stats) -> dict | None:
    """A volume as a document, or None when dropped (not public domain, no text) or an error (no pages)."""
    options: Options = source.options
    fields, rule = options.fields, options.public_domain
    volume_id, pages = field_value(record, fields.id), field_value(record, fields.pages)
    if volume_id is None or not isinstance(pages, list) or not all(isinstance(p, str) for p in pages):
        what = f"no `{fields.id}`" if volume_id is None else f"`{fields.pages}` is not a list of page texts"
        where = ", ".join(f"{key} {value}" for key, value in provenance.items() if key != "file")
        stats.error("bad_volume", f"{piece.location}: {where}: {what}")
        return None
    year = publication_year([field_value(record, f) for f in fields.years])
    basis, reason = rule.judge(field_value(record, fields.rights), year, fields.rights)
    if reason is not None:
        stats.drop(reason)
        return None
    text = volume_text(pages, options.min_repeats)
    if not text:
        stats.drop("empty_volume")
        return None
    meta = {**provenance, "volume_id": str(volume_id), "pages": str(len(pages)),
            "public_domain_by": basis, "public_domain_rule": rule.describe(fields)}
    for key in ("title", "author", "language"):
        value = field_value(record, getattr(fields, key))
        if value not in (None, ""):
            meta[key if key != "language" else "catalog_language"] = str(value)
    if year is not None:
        meta["year"] = str(year)
    score, url = field_value(record, fields.ocr_score), field_value(record, fields.url)
    return document(source, (str(volume_id),), text, meta, url=str(url) if url else None,
                    date=datetime(year, 1, 1, tzinfo=UTC) if year is not None else None,
                    license=source.license or PUBLIC_DOMAIN,
                    ocr_score=float(score) if isinstance(score, (int, float)) else None)
