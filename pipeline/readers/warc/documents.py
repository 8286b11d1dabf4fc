"""One WARC or WET file into documents: record by record, each ending kept, dropped or as an error."""

import posixpath
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import BinaryIO

import pyarrow as pa
from resiliparse.parse.html import HTMLTree

from licenses.optout import SiteRule, page_optout
from licenses.web import CANDIDATES, page_license
from pipeline.accounting import Stats
from pipeline.readers.html_text import ExtractorTimeout, TimeLimit, get_extractor, select
from pipeline.readers.langid import LanguageIdentifier
from pipeline.readers.warc.charset import decode_html
from pipeline.readers.warc.http import PayloadError, PayloadTooLarge, parse_http_response
from pipeline.readers.warc.records import Damage, WarcRecord, read_records
from pipeline.schema import documents_table, stable_id

HTML_TYPES = {"text/html", "application/xhtml+xml"}
CRAWL_ID = re.compile(r"CC-MAIN-\d{4}-\d{2}")
BATCH = 512


@dataclass(frozen=True)
class IngestOptions:
    extractor: str = "trafilatura"
    languages: tuple[str, ...] = ()
    min_chars: int = 1
    max_page_bytes: int = 5 * 2**20
    extract_timeout: float = 30.0
    limit_records: int | None = None
    lid_chars: int = 1000

    def fingerprint(self) -> dict:
        return {
            "extractor": self.extractor,
            "languages": list(self.languages),
            "min_chars": self.min_chars,
            "max_page_bytes": self.max_page_bytes,
            "extract_timeout": self.extract_timeout,
            "limit_records": self.limit_records,
            "lid_chars": self.lid_chars,
        }


@dataclass(frozen=True)
class Skip:
    """A record that gives no document: dropped for a reason, or an error of a kind."""

    error: bool
    kind: str
    detail: str = ""


def document_id(file_name: str, record_id: str | None, offset: int) -> str:
    """Stable id from the file's name and the record (its WARC-Record-ID and offset), not from run order."""
    return stable_id(file_name, record_id or "", str(offset))


def file_name(location: str) -> str:
    return posixpath.basename(location.rstrip("/"))


def warc_documents(
    open_at: Callable[[int], BinaryIO],
    location: str,
    options: IngestOptions,
    lid: LanguageIdentifier,
    stats: Stats,
    sites: dict[str, list[SiteRule]] | None = None,
) -> Iterator[pa.Table]:
    """Documents of one file as tables of at most BATCH rows; every record read is counted in `stats`. `sites`:
    the tdmrep.json rules of the crawl's sites (pipeline/readers/warc/tdmrep.py)."""
    name = file_name(location)
    extract = get_extractor(options.extractor)
    crawl_match = CRAWL_ID.search(location)
    crawl = crawl_match.group(0) if crawl_match else None
    pending: list[dict] = []
    seen = 0
    limit = TimeLimit(options.extract_timeout)
    try:
        for item in read_records(open_at, name, options.max_page_bytes):
            if options.limit_records is not None and seen >= options.limit_records:
                break
            seen += 1
            if isinstance(item, Damage):
                stats.error(item.kind, item.message)
                continue
            if item.problem:
                stats.error(item.problem, f"{name} @ {item.offset}: {item.problem} ({item.record_id})")
                continue
            if item.record_type == "warcinfo":
                crawl = crawl or _crawl_of_warcinfo(item.body)
                stats.drop("warcinfo")
                continue
            outcome = _text_of(item, options, extract, limit, sites)
            if isinstance(outcome, Skip):
                if outcome.error:
                    stats.error(outcome.kind, f"{name} @ {item.offset}: {outcome.detail}")
                else:
                    stats.drop(outcome.kind)
                continue
            text, meta, license, reserved = outcome
            text = text.strip().lstrip("\ufeff").lstrip()  # a byte order mark decoded into the text is no text
            if not text:
                stats.drop("empty_text")
                continue
            if len(text) < options.min_chars:
                stats.drop("too_short")
                continue
            meta.update({"warc_file": name, "warc_offset": str(item.offset)})
            # what `curate dedup --mode digest` keys on: for WET the text's own digest, as RedPajama-V2's bloomfilter.py
            digest = item.header("WARC-Payload-Digest") or item.header("WARC-Block-Digest")
            if digest:
                meta["digest"] = digest
            pending.append(
                {
                    "id": document_id(name, item.record_id, item.offset),
                    "text": text,
                    "url": item.target_uri(),
                    "date": item.date,
                    "crawl": crawl,
                    "source": "common_crawl" if crawl else "warc",
                    "warc_record_id": item.record_id,
                    "license": license,
                    "tdm_reserved": reserved,
                    "meta": meta,
                }
            )
            if len(pending) >= BATCH:
                table = _identified(pending, options, lid, stats)
                limit.release()  # the caller runs with its own SIGALRM handler
                yield table
                pending = []
        if pending:
            table = _identified(pending, options, lid, stats)
            limit.release()
            yield table
    finally:
        limit.release()


def _identified(rows: list[dict], options: IngestOptions, lid: LanguageIdentifier, stats: Stats) -> pa.Table:
    languages, scores = lid.predict([row["text"] for row in rows])
    kept = []
    for row, language, score in zip(rows, languages, scores, strict=True):
        if options.languages and language not in options.languages:
            stats.drop("language_not_wanted")
            continue
        row["language"], row["language_score"] = language, float(score)
        stats.keep()
        kept.append(row)
    return documents_table(kept)


def _crawl_of_warcinfo(body: bytes) -> str | None:
    match = CRAWL_ID.search(body.decode("utf-8", errors="replace"))
    return match.group(0) if match else None


def _text_of(record: WarcRecord, options: IngestOptions, extract, limit: TimeLimit,
             sites: dict[str, list[SiteRule]] | None) -> tuple[str, dict, str | None, bool | None] | Skip:
    """(text, meta, the licence the page declares, tdm_reserved) for a record that yields text, else why not; a
    WET record's reservation is unknown (None): the page's headers and head are gone."""
    if record.record_type == "conversion":  # WET: the text is already extracted
        meta = {"extractor": "wet", "content_type": record.header("Content-Type") or ""}
        languages = record.header("WARC-Identified-Content-Language")
        if languages:
            meta["cc_languages"] = languages
        return record.body.decode("utf-8", errors="replace"), meta, None, None
    if record.record_type == "metadata" and (record.header("Content-Type") or "").startswith("application/json"):
        return Skip(False, "wat_metadata")  # a WAT record: the page's metadata as JSON, none of its text
    if record.record_type not in ("response", "resource"):
        return Skip(False, f"record_type_{record.record_type}")
    if record.content_length > options.max_page_bytes:
        return Skip(False, "too_large")
    if record.record_type == "response" and (record.header("Content-Type") or "").startswith("application/http"):
        try:
            response = parse_http_response(record.body, options.max_page_bytes)
        except PayloadTooLarge:
            return Skip(False, "too_large")
        except PayloadError as exc:
            return Skip(True, "decode_error", str(exc))
        if response.status is not None and not 200 <= response.status < 300:
            return Skip(False, "http_status")
        mime, charset, payload, fields = response.mime_type, response.charset, response.payload, response.fields
    else:
        content_type = record.header("Content-Type") or ""
        mime = content_type.split(";")[0].strip().lower()
        charset, payload, fields = None, record.body, []
    if not _is_html(mime, record.header("WARC-Identified-Payload-Type"), payload):
        return Skip(False, "not_html")
    html, encoding = decode_html(payload, charset)
    try:
        with limit:
            tree = HTMLTree.parse(html)  # once, for the licence and (with resiliparse) the text
            # one walk of the tree finds the licence's candidates and refuses a page too deep for resiliparse
            candidates = select(tree, html, CANDIDATES, refuse_deep=options.extractor == "resiliparse")
            declared = page_license(tree, _links(fields), candidates)
            text = extract(html, record.target_uri(), tree)
    except ExtractorTimeout as exc:
        return Skip(True, "extractor_timeout", str(exc))
    except Exception as exc:  # an extractor can fail in many ways on hostile HTML; count, never crash
        return Skip(True, "extractor_error", f"{type(exc).__name__}: {exc}"[:300])
    meta = {"extractor": options.extractor, "content_type": mime or "", "charset": encoding}
    if record.header("WARC-Truncated"):
        meta["warc_truncated"] = record.header("WARC-Truncated")
    if declared:
        meta["license_evidence"] = declared.evidence
    optout = page_optout(record.target_uri(), fields, html, sites)
    if optout.evidence:
        meta["optout_evidence"] = optout.evidence
    return text, meta, declared.license if declared else None, optout.reserved


def _links(fields: list[tuple[str, str]]) -> str | None:
    """The page's Link header fields as one (RFC 8288 allows either form)."""
    return ", ".join(value for name, value in fields if name == "link") or None


def _is_html(mime: str, identified: str | None, payload: bytes) -> bool:
    if mime:
        return mime in HTML_TYPES
    if identified:
        return identified.split(";")[0].strip().lower() in HTML_TYPES
    head = payload[:1024].lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html")) or b"<html" in head
