"""What a file holds, told from its first bytes: WARC records, as they are or gzipped (an input of documents
that is a crawl file under another name is refused by this), and the compression of any stream."""

import bz2
import gzip
import lzma
import re
import zlib
from typing import BinaryIO

import zstandard

GZIP_MAGIC = b"\x1f\x8b\x08"
SNIFF_BYTES = 1 << 20
# A record's first line whole: "WARC/" alone is also in text about WARC files (a README saying "WARC/WET").
VERSION_LINE = re.compile(rb"(?:^|\n)WARC/\d+\.\d+\r?\n")


def looks_like_warc(path: str) -> bool:
    """Whether a local file holds a WARC record header in its first MiB: as it is, or in a gzip member starting
    there (not only the first, so that a damaged first member does not hide the records after it)."""
    with open(path, "rb") as handle:
        head = handle.read(SNIFF_BYTES)
    if VERSION_LINE.search(head):
        return True
    start = head.find(GZIP_MAGIC)
    while start >= 0:
        try:
            if VERSION_LINE.search(zlib.decompressobj(zlib.MAX_WBITS | 16).decompress(head[start:], SNIFF_BYTES)):
                return True
        except zlib.error:
            pass
        start = head.find(GZIP_MAGIC, start + 1)
    return False


# the magic numbers that open a compressed stream (RFC 1952, bzip2's "BZh" and block size, RFC 8878, xz's header)
COMPRESSIONS = {b"\x1f\x8b": "gzip", b"BZh": "bz2", b"\x28\xb5\x2f\xfd": "zstd", b"\xfd7zXZ\x00": "xz"}


def compression_of(head: bytes) -> str | None:
    """The compression whose magic number opens `head` (gzip, bz2, zstd, xz), or None."""
    return next((name for magic, name in COMPRESSIONS.items() if head.startswith(magic)), None)


def decompressed(stream: BinaryIO) -> BinaryIO:
    """A seekable stream read through the compression its first bytes name, whatever the file is called (every
    gzip member, bzip2 stream or zstd frame in turn); the stream as it is when it is not compressed."""
    start = stream.tell()
    head = stream.read(8)
    stream.seek(start)
    kind = compression_of(head)
    if kind == "gzip":
        return gzip.GzipFile(fileobj=stream)
    if kind == "bz2":
        return bz2.BZ2File(stream)
    if kind == "zstd":
        return zstandard.ZstdDecompressor().stream_reader(stream, read_across_frames=True)
    if kind == "xz":
        return lzma.LZMAFile(stream)
    return stream
