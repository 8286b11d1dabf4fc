"""Reading WARC/WET files with FastWARC, surviving damage: after a bad stretch, resume at the next record."""

import base64
import gzip
import hashlib
import re
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import BinaryIO

from fastwarc.warc import ArchiveIterator, WarcRecordType

from pipeline.storage.sniff import GZIP_MAGIC, SNIFF_BYTES

WARC_MAGIC = b"\nWARC/1."
SCAN_CHUNK = 1 << 20
SNIFF_CHUNK = 1 << 16
# The first member is inflated in slices this small, so that damage in it hides no more than a slice of the records
# before it (zlib gives no output of a call that fails).
SNIFF_SLICE = 1 << 10
CONTENT_LENGTH = re.compile(rb"(?im)^content-length:[ \t]*(\d+)")
RECORD_VERSION = b"WARC/"  # a record's first line: WARC/1.0, WARC/1.1, or WARC/0.18 in ClueWeb09


@dataclass
class WarcRecord:
    offset: int
    record_type: str
    headers: dict[str, str]
    body: bytes
    content_length: int
    record_id: str | None
    date: datetime | None
    problem: str | None = None  # an error kind when the record itself is damaged

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    def target_uri(self) -> str | None:
        """WARC-Target-URI without the angle brackets that WARC/1.0's grammar showed around it and writers such
        as wget still write (WARC/1.1, ISO 28500:2017, writes the URI bare)."""
        uri = self.header("WARC-Target-URI")
        if uri is None:
            return None
        uri = uri.strip()
        return uri[1:-1].strip() if uri.startswith("<") and uri.endswith(">") else uri


@dataclass
class Damage:
    """A stretch of a file that could not be read as records."""

    offset: int
    kind: str
    message: str
    details: dict = field(default_factory=dict)


def read_records(
    open_at: Callable[[int], BinaryIO], name: str, max_body: int
) -> Iterator[WarcRecord | Damage]:
    """Every record of the file in order, and a Damage for every stretch between records that is unreadable.

    `open_at(offset)` opens the file at a byte offset; bodies longer than `max_body` are cut there (the
    record keeps its declared content_length so the caller can tell).
    """
    inflated = _inflated_opener(open_at)
    open_at = inflated or open_at
    start, found_any, pending = 0, False, None
    while True:
        last_start = None
        error: Exception | None = None
        with open_at(start) as stream:
            try:
                for raw in ArchiveIterator(stream, parse_http=False):
                    # FastWARC counts from the stream's tell(), which every opener here keeps absolute.
                    last_start = raw.stream_pos
                    record = _damage_of_lf_lines(raw, name) or _record(raw, last_start, max_body)
                    if pending is not None:
                        yield pending
                        pending = None
                    found_any = True
                    yield record
            except OSError as exc:
                error = exc
        if error is None:
            if last_start is not None and not inflated:
                whole = isinstance(record, WarcRecord) and record.problem is None
                pending = _cut_last_member(open_at, last_start, name, whole)
            break
        resume = (last_start if last_start is not None else start) + 1
        kind = "corrupt_gzip" if "ecompress" in str(error) else "invalid_record"
        if pending is None:
            where = f"after the record at offset {last_start}" if last_start is not None else f"at offset {start}"
            pending = Damage(resume - 1, kind, f"{name}: unreadable data {where}: {error}")
        if inflated and kind == "corrupt_gzip":
            break  # one deflate stream: nothing after a corrupt stretch of it can be inflated
        try:
            start = _scan(open_at, resume, *_record_start_marker(open_at))
        except OSError:
            if not inflated:
                raise
            break  # the stretch was garbage inflated from a corrupt stream, which fails further on
        if start is None:
            break
    if not found_any:
        yield Damage(0, "not_a_warc", f"{name}: not a WARC file (no WARC record found)")
    elif pending is not None:
        yield pending


def _inflated_opener(open_at: Callable[[int], BinaryIO]) -> Callable[[int], BinaryIO] | None:
    """For a gzip file whose first member holds more than its first record (`gzip file.warc` makes one member of
    all): an opener of the inflated bytes. FastWARC's offsets in such a file are where its inflater stood, which
    depends on how the bytes arrived; offsets in the inflated bytes do not. None for a file of a member per
    record (Common Crawl's), or not gzipped. A damaged member that held more than its first record before the
    damage is such a file too: its records up to the damage are read, and the damage counted."""
    with open_at(0) as stream:
        chunk = stream.read(SNIFF_SLICE)
        if not chunk.startswith(GZIP_MAGIC[:2]):
            return None
        inflater, head, size, first_end = zlib.decompressobj(zlib.MAX_WBITS | 16), b"", 0, None
        try:
            while chunk and not inflater.eof:
                piece = inflater.decompress(chunk)
                size += len(piece)
                if first_end is None:  # only the first record's header is kept, not a long first record
                    head += piece
                    first_end = _first_record_end(head)
                if first_end is not None and size > first_end:
                    return lambda offset: _InflatedStream(open_at(0), offset)
                if first_end is None and size > SNIFF_BYTES:
                    return None
                chunk = stream.read(SNIFF_SLICE)
        except zlib.error:  # damage within the first record: left to the reader, which counts it
            return None
    return None


def _first_record_end(inflated: bytes) -> int | None:
    """Where the first record of inflated WARC bytes ends (its header, block and CRLF CRLF), once its header is in."""
    head_end = inflated.find(b"\r\n\r\n")
    if head_end < 0:
        return None
    length = CONTENT_LENGTH.search(inflated[:head_end])
    return head_end + 4 + int(length.group(1)) + 4 if length else None


class _InflatedStream:
    """The inflated bytes of a gzip file from `offset` on; tell() counts inflated bytes. A file cut inside a member
    ends its bytes there (the reader then sees a truncated record); a corrupt member is an OSError, as FastWARC's."""

    def __init__(self, raw: BinaryIO, offset: int):
        self._raw = raw
        self._gzip = gzip.GzipFile(fileobj=raw, mode="rb")
        self._ended = False
        try:
            self._gzip.seek(offset)
        except (EOFError, OSError, zlib.error):  # cut or corrupt before `offset`: nothing to read from there
            self._ended = True

    def read(self, size: int = -1) -> bytes:
        if self._ended:
            return b""
        try:
            # in pieces: a read that meets damage gives nothing, so a large one would lose the records before it
            return self._gzip.read(SNIFF_SLICE if size < 0 else min(size, SNIFF_SLICE))
        except EOFError:
            self._ended = True
            return b""
        except (OSError, zlib.error) as exc:  # gzip's BadGzipFile (a CRC) and zlib's errors alike
            raise OSError(f"decompression failed: {exc}") from exc

    def tell(self) -> int:
        return self._gzip.tell()

    def close(self) -> None:
        self._gzip.close()
        self._raw.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _record_start_marker(open_at: Callable[[int], BinaryIO]) -> tuple[bytes, int]:
    """What begins a record: a gzip member header in a compressed file, a `WARC/1.` line otherwise (at a line start:
    the version inside a record's body is less likely to be taken for a record)."""
    with open_at(0) as stream:
        gzipped = stream.read(2) == GZIP_MAGIC[:2]
    return (GZIP_MAGIC, 0) if gzipped else (WARC_MAGIC, 1)


def _damage_of_lf_lines(raw, name: str) -> Damage | None:
    """A record whose header lines end in LF alone (WARC needs CRLF): FastWARC reads the rest of its header, often
    the rest of the file, as the value of its first field, so its type is unknown."""
    if raw.record_type != WarcRecordType.unknown or not any("\n" in value for value in raw.headers.values()):
        return None
    return Damage(raw.stream_pos, "invalid_record", f"{name}: the record at offset {raw.stream_pos} ends its header "
                  "lines in LF alone, where WARC needs CRLF; nothing can be read from there to the next blank CRLF "
                  "line (in a file converted to Unix line endings: to its end)")


def _record(raw, offset: int, max_body: int) -> WarcRecord:
    headers = {k.lower(): v for k, v in raw.headers.items()}
    length = raw.content_length
    # a size hint lets FastWARC allocate the body once instead of growing a buffer
    body = raw.reader.read(min(length, max_body + 1))
    record = WarcRecord(
        offset=offset,
        record_type=str(raw.record_type),
        headers=headers,
        body=body,
        content_length=length,
        record_id=raw.record_id,
        date=raw.record_date,
    )
    if not headers.get("content-length", "").strip().isdigit() or len(body) < min(length, max_body + 1):
        record.problem = "truncated_record"  # without a Content-Length: a header cut off at the end of the file
    elif length <= max_body and not _digest_ok(headers.get("warc-block-digest"), body):
        record.problem = "digest_mismatch"
    return record


def _cut_last_member(open_at: Callable[[int], BinaryIO], offset: int, name: str, record_whole: bool) -> Damage | None:
    """The end of a gzip file after its last record's member at `offset`, where FastWARC is silent about a cut: a
    member cut within its first few dozen bytes (before it inflates to anything) after the last record, or the
    last record's own member cut in its last bytes (its record whole, the member's end and checksum missing).
    Trailing members or bytes that hold nothing but white space are no damage."""
    with open_at(offset) as stream:
        chunk = stream.read(SNIFF_CHUNK)
        if not chunk.startswith(GZIP_MAGIC[:2]):
            return None
        inflater, fed = zlib.decompressobj(zlib.MAX_WBITS | 16), 0
        try:
            while chunk and not inflater.eof:
                inflater.decompress(chunk, SNIFF_CHUNK)  # the text is not wanted, only where the member ends
                while inflater.unconsumed_tail and not inflater.eof:
                    inflater.decompress(inflater.unconsumed_tail, SNIFF_CHUNK)
                fed += len(chunk)
                chunk = b"" if inflater.eof else stream.read(SNIFF_CHUNK)
        except zlib.error:  # the record's own damage, which the reader has counted
            return None
        if not inflater.eof:
            return None if not record_whole else Damage(
                offset + fed, "truncated_record", f"{name}: the file ends inside the gzip member of the record at "
                f"offset {offset}: the record is whole, the member's end and checksum are cut off")
        rest = inflater.unused_data + stream.read(SNIFF_CHUNK)
    end = offset + fed - len(inflater.unused_data)
    if not _blank(rest):
        return Damage(end, "truncated_record", f"{name}: the file ends in {len(rest)} bytes at offset {end}, after "
                      f"the record at offset {offset}, that hold no whole record: a record cut off")
    return None


def _blank(data: bytes) -> bool:
    """Whether bytes are white space, or whole gzip members of white space (an empty member, a trailing CRLF)."""
    while data.startswith(GZIP_MAGIC[:2]):
        inflater = zlib.decompressobj(zlib.MAX_WBITS | 16)
        try:
            if inflater.decompress(data, SNIFF_CHUNK).strip() or not inflater.eof:
                return False
        except zlib.error:
            return False
        data = inflater.unused_data
    return not data.strip()


def _digest_ok(declared: str | None, body: bytes) -> bool:
    """Check a `sha1:BASE32` block digest; other or missing digests cannot be checked and pass."""
    if not declared or not declared.lower().startswith("sha1:"):
        return True
    expected = declared[5:].strip().upper()
    digest = hashlib.sha1(body).digest()
    if len(expected) == 40:  # some writers use hex
        return digest.hex().upper() == expected
    return base64.b32encode(digest).decode() == expected


def _scan(open_at: Callable[[int], BinaryIO], offset: int, magic: bytes, shift: int) -> int | None:
    """Offset of the next `magic` at or after `offset` (plus `shift`), or None at the end of the file."""
    with open_at(offset) as stream:
        carry = b""
        base = offset
        while True:
            chunk = stream.read(SCAN_CHUNK)
            if not chunk:
                return None
            window = carry + chunk
            hit = window.find(magic)
            if hit >= 0:
                return base - len(carry) + hit + shift
            carry = window[-(len(magic) - 1):]
            base += len(chunk)
