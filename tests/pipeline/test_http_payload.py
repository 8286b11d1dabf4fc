"""HTTP payloads: every content encoding and their chains undone, inflated as a stream under a size limit."""

import gzip
import time
import tracemalloc
import zlib

import brotli
import pytest
import zstandard

from pipeline.http_payload import PayloadError, PayloadTooLarge, decode_content, parse_http_response
from pipeline.warc_write import http_response
from tests.warc_fixtures import brotli_zeros, page_html

MiB = 2**20
BOMB = 64 * MiB


def encode(data: bytes, coding: str) -> bytes:
    """`data` under one content coding, as a server sends it."""
    if coding in ("gzip", "x-gzip"):
        return gzip.compress(data, mtime=0)
    if coding == "deflate":
        return zlib.compress(data)
    if coding == "raw-deflate":  # what many servers send for `deflate`
        deflater = zlib.compressobj(wbits=-zlib.MAX_WBITS)
        return deflater.compress(data) + deflater.flush()
    if coding == "br":
        return brotli.compress(data)
    if coding == "zstd":
        return zstandard.ZstdCompressor().compress(data)
    raise ValueError(coding)


def encode_all(data: bytes, content_encoding: str) -> bytes:
    """`data` under each coding of a Content-Encoding list, in the order listed."""
    for coding in content_encoding.split(","):
        data = encode(data, coding.strip())
    return data


def zeros(coding: str, size: int) -> bytes:
    """`size` zero bytes under `coding`, compressed a MiB at a time (a bomb of any size without holding it)."""
    if coding == "br":
        return brotli_zeros(size)
    step = bytes(MiB)
    if coding == "zstd":
        compressor = zstandard.ZstdCompressor().compressobj()
        return b"".join([compressor.compress(step) for _ in range(size // MiB)] + [compressor.flush()])
    wbits = {"gzip": 31, "deflate": zlib.MAX_WBITS, "raw-deflate": -zlib.MAX_WBITS}[coding]
    deflater = zlib.compressobj(wbits=wbits)
    return b"".join([deflater.compress(step) for _ in range(size // MiB)] + [deflater.flush()])


def header(coding: str) -> str:
    return "deflate" if coding == "raw-deflate" else coding


CODINGS = ["gzip", "x-gzip", "deflate", "raw-deflate", "br", "zstd"]
CHAINS = ["gzip, br", "br, gzip", "deflate, zstd", "zstd, gzip", "gzip, gzip"]


@pytest.mark.parametrize("content_encoding", CODINGS + CHAINS)
def test_each_encoding_and_chain_is_undone(content_encoding):
    page = page_html(1)
    block = http_response(encode_all(page, content_encoding),
                          extra={"Content-Encoding": content_encoding.replace("raw-deflate", "deflate")})
    response = parse_http_response(block, MiB)
    assert (response.status, response.mime_type, response.payload) == (200, "text/html", page)


@pytest.mark.parametrize("coding", ["gzip", "deflate", "raw-deflate", "br", "zstd"])
def test_a_bomb_of_each_encoding_stops_at_the_limit_in_bounded_time_and_memory(coding):
    bomb = zeros(coding, BOMB)
    tracemalloc.start()
    start = time.perf_counter()
    try:
        with pytest.raises(PayloadTooLarge, match=f"content-encoding {header(coding)} inflates to more than "
                                                  "1,048,576 bytes"):
            decode_content(bomb, header(coding), MiB)
        elapsed, peak = time.perf_counter() - start, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert elapsed < 0.5
    assert peak < 8 * MiB  # the 1 MiB allowed, a codec's overshoot of its buffer, never the 64 MiB


@pytest.mark.parametrize("content_encoding", ["gzip, br", "br, gzip", "zstd, deflate"])
def test_a_bomb_inside_a_chain_stops_at_the_limit(content_encoding):
    inner, outer = (coding.strip() for coding in content_encoding.split(","))
    bomb = encode(zeros(inner, BOMB), outer)
    with pytest.raises(PayloadTooLarge, match=f"content-encoding {inner} inflates"):
        decode_content(bomb, content_encoding, MiB)


@pytest.mark.parametrize("coding", ["gzip", "deflate", "br", "zstd"])
def test_the_limit_is_inclusive(coding):
    exactly = encode(bytes(MiB), coding)
    assert decode_content(exactly, coding, MiB) == bytes(MiB)
    with pytest.raises(PayloadTooLarge):
        decode_content(encode(bytes(MiB + 1), coding), coding, MiB)


@pytest.mark.parametrize("coding", ["gzip", "deflate", "br", "zstd"])
def test_a_stream_cut_short_is_a_decode_error_not_too_large(coding):
    whole = encode(page_html(2) * 20, coding)
    with pytest.raises(PayloadError, match=f"cannot decode content-encoding {coding}") as caught:
        decode_content(whole[: len(whole) // 2], coding, MiB)
    assert not isinstance(caught.value, PayloadTooLarge)


@pytest.mark.parametrize("coding", ["gzip", "zstd"])
def test_concatenated_members_and_frames_are_read_under_one_limit(coding):
    two = encode(b"<p>one</p>", coding) + encode(b"<p>two</p>", coding)
    assert decode_content(two, coding, MiB) == b"<p>one</p><p>two</p>"
    halves = encode(bytes(MiB // 2 + 1), coding) * 2
    with pytest.raises(PayloadTooLarge):
        decode_content(halves, coding, MiB)


def test_a_zstd_window_beyond_rfc_9659s_8_mb_is_refused():
    compressor = zstandard.ZstdCompressor(compression_params=zstandard.ZstdCompressionParameters(window_log=24))
    frame = compressor.compressobj()
    data = frame.compress(page_html(3)) + frame.flush()  # streamed: the header declares the window, not a size
    with pytest.raises(PayloadError, match="cannot decode content-encoding zstd"):
        decode_content(data, "zstd", MiB)


def test_a_long_chain_of_encodings_is_refused():
    page = page_html(4)
    assert decode_content(encode_all(page, "gzip, " * 4 + "gzip"), "gzip, " * 4 + "gzip", MiB) == page
    with pytest.raises(PayloadError, match=r"6 content encodings \(gzip, gzip"):
        decode_content(encode_all(page, "gzip, " * 5 + "gzip"), "gzip, " * 5 + "gzip", MiB)


def test_payloads_stored_decoded_under_their_header_and_unknown_codings():
    page = page_html(5)
    for content_encoding in ("gzip", "br", "zstd", "deflate", "gzip, br", "identity", ""):
        assert decode_content(page, content_encoding, MiB) == page
    with pytest.raises(PayloadError, match="unknown content-encoding compress"):
        decode_content(b"\x1f\x9d\x90", "compress", MiB)
