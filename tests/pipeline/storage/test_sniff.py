"""A stream's compression told from its first bytes, whatever the file is called."""

import bz2
import gzip
import io
import lzma

import pytest
import zstandard

from pipeline.storage.sniff import compression_of, decompressed

TEXT = b"<mediawiki>\n" + b"a line of text\n" * 1000


@pytest.mark.parametrize("kind, compress", [
    ("gzip", gzip.compress), ("bz2", bz2.compress), ("xz", lzma.compress),
    ("zstd", lambda data: zstandard.ZstdCompressor().compress(data)), (None, lambda data: data),
])
def test_every_member_or_stream_is_read_through_the_compression_its_bytes_name(kind, compress):
    half = len(TEXT) // 2
    data = compress(TEXT[:half]) + compress(TEXT[half:])  # two members, streams or frames, as multistream dumps are
    assert compression_of(data[:8]) == kind
    stream = io.BytesIO(b"junk" + data)
    stream.seek(4)
    assert decompressed(stream).read() == TEXT
