"""Small WARCs built by the tests: good pages, and the kinds of damage real crawls have."""

import functools
import gzip
import zlib

import brotli
import hypothesis.strategies as st

from pipeline.demo.warc_writer import http_response, warc_record, warcinfo

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


# Bytes that steer a reader into its hard cases: a record or member start, a header promising a vast block, line ends.
HOSTILE = [
    b"WARC/1.1\r\nWARC-Type: response\r\nContent-Type: application/http; msgtype=response\r\n"
    b"Content-Length: 99999999999\r\n\r\nHTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\n\r\n\x1f\x8b\x08\x00",
    b"WARC/1.0\nWARC-Type: response\nContent-Length: 12\n\n",
    b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff",
    b"\r\n\r\n",
    b"Content-Length: -1\r\n",
]


@st.composite
def damaged(draw, data: bytes) -> bytes:
    """`data` after one to four random edits: bit flips, inserted garbage, a truncation."""
    places = draw(st.randoms(use_true_random=False))  # hypothesis draws integers mostly small: edits would bunch up
    for _ in range(draw(st.integers(1, 4))):
        at = places.randrange(len(data) or 1)
        edit = draw(st.sampled_from(["flip", "insert", "cut"]))
        if edit == "flip" and data:
            data = data[:at] + bytes([data[at] ^ (1 << draw(st.integers(0, 7)))]) + data[at + 1:]
        elif edit == "insert":
            garbage = draw(st.one_of(st.binary(min_size=1, max_size=200), st.sampled_from(HOSTILE)))
            data = data[:at] + garbage + data[at:]
        elif edit == "cut":
            data = data[:at]
    return data
