"""HTTP payloads: every content encoding and their chains undone, inflated as a stream under a size limit."""

import gzip
import re
import time
import tracemalloc
import zlib
from functools import partial

import brotli
import pytest
import zstandard
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.demo.warc_writer import http_response
from pipeline.readers.warc.http import PayloadError, PayloadTooLarge, decode_content, parse_http_response
from pipeline.readers.warc.records import WarcRecord, read_records
from pipeline.storage.locations import open_input
from tests.helpers.warc_fixtures import brotli_zeros, damaged, page_html

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
        return brotli.compress(data, quality=5)  # the default, 11, takes seconds on a real page
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


# --- fuzzing on real responses -----------------------------------------------------------------------

FUZZ_LIMIT = 64 * 2**10
FRAMING = re.compile(rb"(?im)^(content-encoding|transfer-encoding|content-length):[^\r\n]*\r\n")


@pytest.fixture(scope="module")
def real_responses(shared_data) -> list[bytes]:
    """The HTTP blocks of the response records of two real crawl files (Common Crawl's, Dolma's sample)."""
    blocks = []
    for name in ("resiliparse-warcfile.warc.gz", "dolma-sample-0000.warc.gz"):
        location = str(shared_data / "cc" / name)
        blocks += [record.body for record in read_records(partial(open_input, location), name, 2**24)
                   if isinstance(record, WarcRecord) and record.record_type == "response"]
    return blocks


def chunked(body: bytes, size: int) -> bytes:
    return b"".join(b"%x\r\n%s\r\n" % (len(body[i:i + size]), body[i:i + size])
                    for i in range(0, len(body), size)) + b"0\r\n\r\n"


@st.composite
def served(draw, blocks: list[bytes]) -> bytes:
    """A real response sent again under a drawn content encoding (or a chain), perhaps chunked."""
    head, _, body = draw(st.sampled_from(blocks)).partition(b"\r\n\r\n")
    content_encoding = draw(st.sampled_from(["", "gzip", "deflate", "raw-deflate", "br", "zstd"] + CHAINS))
    fields = FRAMING.sub(b"", head + b"\r\n")
    if content_encoding:
        body = encode_all(body, content_encoding)
        fields += f"Content-Encoding: {header(content_encoding)}\r\n".encode()
    if draw(st.booleans()):
        body = chunked(body, draw(st.integers(1, 5000)))
        fields += b"Transfer-Encoding: chunked\r\n"
    return fields + b"\r\n" + body


@settings(derandomize=True, database=None, deadline=None, max_examples=200,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
def test_damaged_real_responses_decode_or_fail_cleanly_within_the_limit(real_responses, data):
    block = data.draw(damaged(data.draw(served(real_responses))))
    tracemalloc.start()
    try:
        response = parse_http_response(block, FUZZ_LIMIT)
    except PayloadError:  # too_large or decode_error: counted, never escaping as another exception
        response = None
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    if response is not None:
        assert len(response.payload) <= max(len(block), FUZZ_LIMIT)
    assert peak < 16 * MiB, peak
