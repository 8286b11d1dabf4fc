"""What a local file holds, told from its first bytes: WARC records, as they are or gzipped (an input of documents
that is a crawl file under another name is refused by this)."""

import re
import zlib

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
