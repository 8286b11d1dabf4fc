"""Small WARCs built by the tests: good pages, and the kinds of damage real crawls have."""

import gzip
import zlib

from pipeline.warc_write import http_response, warc_record, warcinfo

SENTENCE = (
    "The river valley was quiet in the early morning, and the farmers walked slowly to their fields "
    "while the children waited for the school bus near the old stone bridge. "
)


def page_html(n: int, words: str = SENTENCE) -> bytes:
    body = "".join(f"<p>Paragraph {i} of page {n}. {words}</p>" for i in range(6))
    return f"<html><head><title>Page {n}</title></head><body><h1>Page {n}</h1>{body}</body></html>".encode()


def page_record(n: int, html: bytes | None = None, content_type: str = "text/html; charset=utf-8") -> bytes:
    return warc_record("response", http_response(html or page_html(n), content_type),
                       uri=f"https://site.example/page-{n}")


def good_records(count: int, crawl: str = "CC-MAIN-2099-01") -> list[bytes]:
    return [warcinfo(crawl, "test.warc.gz")] + [page_record(n) for n in range(count)]


def members(records: list[bytes]) -> list[bytes]:
    return [gzip.compress(record, mtime=0) for record in records]


def split_members(data: bytes) -> list[bytes]:
    """The gzip members of a per-record-compressed WARC, as bytes."""
    out, pos = [], 0
    while pos < len(data):
        inflater = zlib.decompressobj(31)
        inflater.decompress(data[pos:])
        used = len(data) - pos - len(inflater.unused_data)
        out.append(data[pos:pos + used])
        pos += used
    return out
