"""Small WARCs built by the tests: good pages, and the kinds of damage real crawls have."""

import functools
import gzip
import zlib

import brotli

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


@functools.cache
def brotli_zeros(size: int) -> bytes:
    """Brotli of `size` zero bytes, compressed 1 MiB at a time (1 GiB gives 809 bytes in under a second)."""
    compressor, step = brotli.Compressor(quality=3, lgwin=24), bytes(2**20)
    return b"".join([compressor.process(step) for _ in range(size // len(step))] + [compressor.finish()])


def bomb_record(size: int = 2**30) -> bytes:
    """A response whose `Content-Encoding: br` payload inflates to `size` zero bytes: a compression bomb."""
    block = http_response(brotli_zeros(size), extra={"Content-Encoding": "br"})
    return warc_record("response", block, uri="https://bomb.example/")
